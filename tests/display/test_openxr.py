"""The OpenXR backend against a recording double of pyopenxr, and against the real
pyopenxr with no runtime installed (this machine)."""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from tests.display.fake_xr import GL_RGBA8, GL_SRGB8_ALPHA8, Call, FakeGraphics, FakeXr, real_xr
from vrtherapy.display.base import (
    ChoiceStep,
    DisplayUnavailable,
    EyeView,
    FloorRequest,
    QuitRequest,
    SliderConfirm,
    SliderMove,
    StopRequest,
)
from vrtherapy.display.openxr_actions import SUGGESTED_BINDINGS
from vrtherapy.display.openxr_backend import (
    NO_OPENGL_MESSAGE,
    NO_RUNTIME_MESSAGE,
    OpenXRBackend,
)
from vrtherapy.world.transforms import projection_from_fov, view_from_pose

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PER_FRAME = {
    "wait_frame",
    "begin_frame",
    "locate_views",
    "acquire_swapchain_image",
    "wait_swapchain_image",
    "release_swapchain_image",
    "end_frame",
    "render",
}


def make(**kwargs: Any) -> tuple[OpenXRBackend, FakeXr]:
    fake = FakeXr(**kwargs)
    backend = OpenXRBackend(
        xr_module=fake, graphics=FakeGraphics(fake.calls), sleep=lambda seconds: None
    )
    return backend, fake


class Recorder:
    def __init__(self, log: list[Call]) -> None:
        self.log = log
        self.frames: list[tuple[list[EyeView], float]] = []

    def __call__(self, views: Sequence[EyeView], display_time: float) -> None:
        self.log.append(Call("render", {"views": len(views)}))
        self.frames.append((list(views), display_time))


def frame_calls(fake: FakeXr, start: int) -> list[str]:
    return [c.name for c in fake.calls[start:] if c.name in PER_FRAME]


def run_until_rendering(backend: OpenXRBackend, render: Recorder, limit: int = 5) -> None:
    for _ in range(limit):
        if backend.frame(render) == "rendered":
            return
    raise AssertionError("the backend never rendered")


# -- the double is faithful to pyopenxr -------------------------------------------------


def test_fake_matches_pyopenxr_signatures() -> None:
    checked = 0
    for name, member in inspect.getmembers(FakeXr, inspect.isfunction):
        if name.startswith("_") or not hasattr(real_xr, name):
            continue
        real = getattr(real_xr, name)
        if not inspect.isfunction(real):
            continue
        fake_params = list(inspect.signature(member).parameters)[1:]  # drop self
        assert fake_params == list(inspect.signature(real).parameters), name
        checked += 1
    assert checked >= 35


def test_fake_refuses_functions_it_does_not_model() -> None:
    with pytest.raises(AttributeError, match="does not implement"):
        FakeXr().get_system_properties  # noqa: B018


# -- the life cycle ----------------------------------------------------------------------


def test_full_life_cycle() -> None:
    backend, fake = make()
    backend.open()
    names = fake.names()
    # Spec order: instance, system, GL requirements before the session, then the session.
    assert names.index("create_instance") < names.index("get_system")
    assert names.index("xrGetOpenGLGraphicsRequirementsKHR") < names.index("create_session")
    assert names.index("gl.create_context") < names.index("create_session")
    assert fake.calls[names.index("create_instance")].args["extensions"] == ["XR_KHR_opengl_enable"]
    create_session = fake.calls[names.index("create_session")]
    assert (
        create_session.args["binding_type"]
        == real_xr.StructureType.GRAPHICS_BINDING_OPENGL_XLIB_KHR
    )
    space = fake.calls[names.index("create_reference_space")]
    assert space.args == {"kind": "STAGE", "offset_y": 0.0}
    swapchains = [c for c in fake.calls if c.name == "create_swapchain"]
    assert len(swapchains) == 2
    assert all(c.args["format"] == GL_SRGB8_ALPHA8 for c in swapchains)  # sRGB preferred
    assert all((c.args["width"], c.args["height"]) == (1440, 1600) for c in swapchains)

    render = Recorder(fake.calls)
    # First frame: IDLE, READY -> xrBeginSession, then SYNCHRONIZED .. FOCUSED.
    start = len(fake.calls)
    assert backend.frame(render) == "rendered"
    begin = [c for c in fake.calls[start:] if c.name == "begin_session"]
    assert (
        begin
        and begin[0].args["view_configuration"] == real_xr.ViewConfigurationType.PRIMARY_STEREO
    )
    assert backend.session_running

    for _ in range(3):
        start = len(fake.calls)
        assert backend.frame(render) == "rendered"
        assert frame_calls(fake, start) == [
            "wait_frame",
            "begin_frame",
            "locate_views",
            "acquire_swapchain_image",
            "wait_swapchain_image",
            "acquire_swapchain_image",
            "wait_swapchain_image",
            "render",
            "release_swapchain_image",
            "release_swapchain_image",
            "end_frame",
        ]
        ended = fake.frames_ended[-1]
        located = next(c for c in fake.calls[start:] if c.name == "locate_views")
        assert ended["display_time"] == located.args["display_time"] == fake.predicted_time
        assert len(ended["layers"]) == 1
        layer = ended["layers"][0]
        assert len(layer) == 2  # one projection view per runtime view
        assert [v["extent"] for v in layer] == [(1440, 1600)] * 2
        assert layer[0]["x"] < layer[1]["x"]
    views, display_time = render.frames[-1]
    assert display_time == pytest.approx(fake.predicted_time * 1e-9)
    assert [v.eye for v in views] == [0, 1]
    assert views[0].viewport == (0, 0, 1440, 1600)
    assert views[0].framebuffer != views[1].framebuffer
    # The located pose and FOV become the matrices (camera 1.7 m up, 32 mm left).
    camera = np.linalg.inv(views[0].view)[:3, 3]
    np.testing.assert_allclose(camera, [-0.032, 1.7, 0.0], atol=1e-5)
    expected = projection_from_fov(
        -math.radians(50), math.radians(40), math.radians(45), -math.radians(50), 0.05, 500.0
    )
    np.testing.assert_allclose(views[0].projection, expected, rtol=1e-5)

    # The runtime stops the session: STOPPING -> xrEndSession, then IDLE, EXITING.
    fake.exit_requested = True
    fake.queue_stopping()
    start = len(fake.calls)
    assert backend.frame(render) == "stopped"
    tail = [
        c.args.get("event") if c.name == "poll_event" else c.name
        for c in fake.calls[start:]
        if c.name in ("poll_event", "end_session", "wait_frame", "destroy_session")
    ]
    assert tail == ["VISIBLE", "SYNCHRONIZED", "STOPPING", "end_session", "IDLE", "EXITING"]
    assert not backend.session_running
    assert backend.poll_input() == [QuitRequest()]
    # The reason is the runtime's, and nothing is destroyed until the owner closes: the
    # renderer and the desktop mirror still release their GL objects with a context.
    assert "OpenXR runtime (Fake Runtime) ended the session" in backend.stop_reason
    assert "as asked" not in backend.stop_reason
    assert not any(c.name.startswith(("destroy_", "gl.destroy")) for c in fake.calls[start:])
    assert backend.frame(render) == "stopped"
    backend.close()
    # Everything destroyed, in reverse order of creation.
    destroyed = [c.name for c in fake.calls if c.name.startswith(("destroy_", "gl.destroy"))]
    assert destroyed.index("destroy_swapchain") < destroyed.index("destroy_session")
    assert destroyed.index("destroy_space") < destroyed.index("destroy_session")
    assert destroyed.index("destroy_session") < destroyed.index("gl.destroy")
    assert destroyed.index("destroy_action_set") < destroyed.index("destroy_instance")
    assert destroyed[-1] == "destroy_instance"
    assert fake.live_handles() == []
    assert backend.frame(render) == "stopped"
    backend.close()  # safe again
    assert [c.name for c in fake.calls].count("gl.destroy") == 1


def test_close_while_running_requests_exit_and_ends_the_session() -> None:
    backend, fake = make()
    backend.open()
    run_until_rendering(backend, Recorder(fake.calls))
    backend.request_exit()
    assert backend.frame(Recorder(fake.calls)) == "stopped"
    assert "as asked" in backend.stop_reason  # we asked: not reported as the runtime's doing
    backend.close()
    names = fake.names()
    assert names.index("request_exit_session") < names.index("end_session")
    assert names.index("end_session") < names.index("destroy_session")
    assert fake.live_handles() == []


def test_session_loss_pending_tears_down_and_reports() -> None:
    backend, fake = make()
    backend.open()
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    fake.queue_state(real_xr.SessionState.LOSS_PENDING)
    assert backend.frame(render) == "stopped"
    assert "headset was disconnected" in backend.stop_reason
    assert backend.poll_input() == [QuitRequest()]
    assert "gl.destroy" not in fake.names()  # the owner closes, after its renderer
    backend.close()
    assert "end_session" not in fake.names()  # a lost session is destroyed, not ended
    assert fake.live_handles() == []


def test_instance_loss_pending_tears_down() -> None:
    backend, fake = make()
    backend.open()
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    fake.queue_instance_loss()
    assert backend.frame(render) == "stopped"
    assert "instance loss" in backend.stop_reason
    backend.close()
    assert fake.live_handles() == []


def test_reference_space_change_is_handled() -> None:
    backend, fake = make()
    backend.open()
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    fake.queue_reference_space_change(real_xr.ReferenceSpaceType.STAGE)
    assert backend.frame(render) == "rendered"
    assert backend.reference_space_changes == 1
    backend.close()


def test_should_render_false_submits_no_layers() -> None:
    backend, fake = make(should_render=False)
    backend.open()
    render = Recorder(fake.calls)
    for _ in range(3):
        start = len(fake.calls)
        result = backend.frame(render)
    assert result == "skipped"
    assert frame_calls(fake, start) == ["wait_frame", "begin_frame", "end_frame"]
    assert fake.frames_ended[-1]["layers"] == []
    assert "acquire_swapchain_image" not in fake.names()
    assert render.frames == []
    backend.close()


@pytest.mark.parametrize("count", [1, 3])
def test_view_count_comes_from_the_runtime(count: int) -> None:
    configs = (real_xr.ViewConfigurationType.PRIMARY_MONO,) if count == 1 else None
    kwargs: dict[str, Any] = {"view_count": count}
    if configs:
        kwargs["view_configurations"] = configs
    backend, fake = make(**kwargs)
    backend.open()
    render = Recorder(fake.calls)
    start = len(fake.calls)
    run_until_rendering(backend, render)
    assert len([c for c in fake.calls if c.name == "create_swapchain"]) == count
    assert len(render.frames[-1][0]) == count
    assert [c.name for c in fake.calls[start:]].count("acquire_swapchain_image") == count
    assert len(fake.frames_ended[-1]["layers"][0]) == count
    if count == 1:
        begin = next(c for c in fake.calls if c.name == "begin_session")
        assert begin.args["view_configuration"] == real_xr.ViewConfigurationType.PRIMARY_MONO
    backend.close()


def test_local_space_keeps_the_floor_at_zero() -> None:
    backend, fake = make(
        reference_spaces=(real_xr.ReferenceSpaceType.VIEW, real_xr.ReferenceSpaceType.LOCAL)
    )
    backend.open()
    space = next(c for c in fake.calls if c.name == "create_reference_space")
    assert space.args == {"kind": "LOCAL", "offset_y": pytest.approx(-1.6)}
    assert backend.floor_offset == pytest.approx(1.6)
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    camera = np.linalg.inv(render.frames[-1][0][0].view)[:3, 3]
    assert camera[1] == pytest.approx(1.6, abs=1e-5)  # eyes 1.6 m above the scene's floor
    backend.close()


def test_linear_format_when_sRGB_is_not_offered() -> None:
    backend, fake = make(swapchain_formats=(GL_RGBA8,))
    backend.open()
    assert {c.args["format"] for c in fake.calls if c.name == "create_swapchain"} == {GL_RGBA8}
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    begin_views = [c for c in fake.calls if c.name == "gl.begin_views"]
    assert begin_views[-1].args == {"srgb": False}
    backend.close()


def test_missing_opengl_extension() -> None:
    backend, fake = make(extensions=("XR_KHR_vulkan_enable2",))
    with pytest.raises(DisplayUnavailable) as raised:
        backend.open()
    assert str(raised.value) == NO_OPENGL_MESSAGE
    assert "XR_KHR_opengl_enable" in str(raised.value)
    assert "create_instance" not in fake.names()


def test_no_headset() -> None:
    backend, fake = make(hmd_present=False)
    with pytest.raises(DisplayUnavailable, match="no headset"):
        backend.open()
    assert fake.live_handles() == []  # the instance was destroyed again


def test_old_gl_driver_is_reported() -> None:
    fake = FakeXr(gl_min_version=(4, 6))
    backend = OpenXRBackend(
        xr_module=fake, graphics=FakeGraphics(fake.calls, gl_version=(4, 1)), sleep=lambda s: None
    )
    with pytest.raises(DisplayUnavailable, match=r"needs OpenGL 4\.6 .* gives 4\.1"):
        backend.open()
    assert "create_session" not in fake.names()
    assert fake.live_handles() == []


def test_exception_in_render_still_ends_the_frame() -> None:
    backend, fake = make()
    backend.open()
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)

    def broken(views: Sequence[EyeView], display_time: float) -> None:
        raise ValueError("scene failed")

    start = len(fake.calls)
    with pytest.raises(ValueError, match="scene failed"):
        backend.frame(broken)
    calls = frame_calls(fake, start)
    assert calls[-3:] == ["release_swapchain_image", "release_swapchain_image", "end_frame"]
    assert fake.frames_ended[-1]["layers"] == []  # nothing half-drawn reaches the client
    assert "gl.end_views" in fake.names()[start:]
    assert backend.frame(render) == "rendered"  # and the next frame is fine
    backend.close()


def test_frame_context_manager_ends_the_frame_on_error() -> None:
    backend, fake = make()
    backend.open()
    run_until_rendering(backend, Recorder(fake.calls))
    with pytest.raises(RuntimeError), backend.frame_context():
        raise RuntimeError("boom")
    assert fake.names()[-1] == "end_frame"
    assert fake.frame_phase == "idle"
    backend.close()


# -- input -------------------------------------------------------------------------------


def test_actions_and_bindings() -> None:
    backend, fake = make()
    backend.open()
    actions = {c.args["name"]: c.args for c in fake.calls if c.name == "create_action"}
    assert actions["hand_pose"]["type"] == "POSE_INPUT"
    assert actions["suds_confirm"]["type"] == "FLOAT_INPUT"
    assert actions["suds_adjust"]["type"] == "VECTOR2F_INPUT"
    assert actions["stop"]["type"] == "BOOLEAN_INPUT"
    assert actions["stop"]["subactions"] == ["/user/hand/left", "/user/hand/right"]
    assert set(fake.suggested) == set(SUGGESTED_BINDINGS)
    assert (
        "stop",
        "/user/hand/left/input/menu/click",
    ) in fake.suggested["/interaction_profiles/oculus/touch_controller"]
    assert ("suds_adjust", "/user/hand/right/input/trackpad") in fake.suggested[
        "/interaction_profiles/htc/vive_controller"
    ]
    names = fake.names()
    assert names.index("suggest_interaction_profile_bindings") < names.index(
        "attach_session_action_sets"
    )
    backend.close()


def test_thumbstick_trigger_and_stop_become_events() -> None:
    backend, fake = make()
    backend.open()
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    backend.poll_input()

    fake.action_values["suds_adjust"] = (0.0, 1.0)  # stick fully up
    for _ in range(30):
        backend.frame(render)
    events = backend.poll_input()
    assert [e for e in events if isinstance(e, ChoiceStep)] == [ChoiceStep(by=-1)]  # one flick
    moved = [e for e in events if not isinstance(e, ChoiceStep)]
    assert moved and all(isinstance(e, SliderMove) and e.to is None for e in moved)
    total = sum(e.by for e in moved if isinstance(e, SliderMove))
    assert 0.1 < total < 0.2  # 30 frames x 11 ms x 0.5/s, reported raw: the app owns the slider
    fake.action_values["suds_adjust"] = (0.0, 0.0)
    backend.frame(render)
    fake.action_values["suds_adjust"] = (0.0, -0.9)  # flicked down: the next row
    backend.frame(render)
    backend.frame(render)
    fake.action_values["suds_adjust"] = (0.0, 0.0)
    assert [e for e in backend.poll_input() if isinstance(e, ChoiceStep)] == [ChoiceStep(by=1)]

    fake.action_values["suds_confirm"] = 1.0
    backend.frame(render)
    backend.frame(render)  # held: confirms once
    assert backend.poll_input() == [SliderConfirm()]
    fake.action_values["suds_confirm"] = 0.0
    backend.frame(render)

    fake.action_values["stop"] = True
    backend.frame(render)
    assert backend.poll_input() == [StopRequest()]
    assert backend.controller_pose is not None
    np.testing.assert_allclose(backend.controller_pose[:3, 3], [0.2, 1.1, -0.3], atol=1e-6)
    backend.close()


def test_floor_buttons_become_floor_requests_once_per_press() -> None:
    backend, fake = make()
    backend.open()
    actions = {c.args["name"]: c.args for c in fake.calls if c.name == "create_action"}
    assert actions["floor_up"]["type"] == actions["floor_down"]["type"] == "BOOLEAN_INPUT"
    touch = fake.suggested["/interaction_profiles/oculus/touch_controller"]
    assert ("floor_up", "/user/hand/left/input/y/click") in touch
    assert ("floor_down", "/user/hand/left/input/x/click") in touch
    render = Recorder(fake.calls)
    run_until_rendering(backend, render)
    backend.poll_input()

    fake.action_values["floor_up"] = True
    for _ in range(5):  # held for several frames: one request
        backend.frame(render)
    assert backend.poll_input() == [FloorRequest(up=True)]
    fake.action_values["floor_up"] = False
    backend.frame(render)
    fake.action_values["floor_down"] = True
    backend.frame(render)
    fake.action_values["floor_down"] = False
    backend.frame(render)
    fake.action_values["floor_down"] = True  # pressed again: another request
    backend.frame(render)
    assert backend.poll_input() == [FloorRequest(up=False), FloorRequest(up=False)]
    backend.close()


def test_no_input_read_before_focus() -> None:
    backend, fake = make(auto_focus=False)
    backend.open()
    render = Recorder(fake.calls)
    backend.frame(render)  # READY -> begin; SYNCHRONIZED never arrives
    backend.frame(render)
    assert "sync_actions" not in fake.names()
    backend.close()


# -- maths -------------------------------------------------------------------------------


def test_projection_from_asymmetric_fov_maps_the_frustum_edges() -> None:
    left, right, up, down = -0.9, 0.7, 0.8, -0.85
    p = projection_from_fov(left, right, up, down, 0.1, 100.0)
    for x, y in ((math.tan(left), 0.0), (math.tan(right), 0.0)):
        clip = p @ np.array([x, y, -1.0, 1.0])
        assert abs(clip[0] / clip[3]) == pytest.approx(1.0, abs=1e-5)
    for y in (math.tan(up), math.tan(down)):
        clip = p @ np.array([0.0, y, -1.0, 1.0])
        assert abs(clip[1] / clip[3]) == pytest.approx(1.0, abs=1e-5)
    near = p @ np.array([0.0, 0.0, -0.1, 1.0])
    far = p @ np.array([0.0, 0.0, -100.0, 1.0])
    assert near[2] / near[3] == pytest.approx(-1.0, abs=1e-4)
    assert far[2] / far[3] == pytest.approx(1.0, abs=1e-4)


def test_view_from_pose_inverts_the_pose() -> None:
    half = math.radians(30)
    q = (0.0, math.sin(half), 0.0, math.cos(half))  # 60 degrees about +y
    view = view_from_pose((1.0, 1.6, -2.0), q)
    np.testing.assert_allclose(view @ np.array([1.0, 1.6, -2.0, 1.0]), [0, 0, 0, 1], atol=1e-6)
    forward_world = np.linalg.inv(view) @ np.array([0.0, 0.0, -1.0, 0.0])
    np.testing.assert_allclose(
        forward_world[:3], [-math.sin(2 * half), 0.0, -math.cos(2 * half)], atol=1e-6
    )


# -- the real pyopenxr, no runtime on this machine --------------------------------------


def test_real_pyopenxr_without_runtime_raises_display_unavailable() -> None:
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    try:
        real_xr.create_instance(real_xr.InstanceCreateInfo())
    except real_xr.RuntimeUnavailableError:
        pass
    else:  # pragma: no cover - a machine with a runtime
        pytest.skip("an OpenXR runtime is installed here")
    backend = OpenXRBackend()
    with pytest.raises(DisplayUnavailable) as raised:
        backend.open()
    message = str(raised.value)
    assert message == NO_RUNTIME_MESSAGE
    assert "\n" not in message
    for name in ("SteamVR", "Meta Quest Link", "Monado", "--display desktop"):
        assert name in message
    backend.close()


def test_a_runtime_manifest_that_points_nowhere_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from vrtherapy.display.openxr_backend import no_runtime_message

    missing = str(tmp_path / "openxr_monado.json")
    message = no_runtime_message({"XR_RUNTIME_JSON": missing})
    assert "XR_RUNTIME_JSON" in message and missing in message and "not a file" in message
    assert "XR_RUNTIME_JSON" in no_runtime_message({})  # also said when it is not set
    # through the real loader: the manifest variable points nowhere
    monkeypatch.setenv("XR_RUNTIME_JSON", missing)
    monkeypatch.setenv("XR_LOADER_DEBUG", "none")
    backend = OpenXRBackend()
    with pytest.raises(DisplayUnavailable) as raised:
        backend.open()
    assert missing in str(raised.value) and "XR_RUNTIME_JSON" in str(raised.value)
    backend.close()


def test_cli_level_one_line_and_non_zero_exit_without_traceback() -> None:
    env = dict(os.environ, XR_LOADER_DEBUG="none", PYTHONPATH=ROOT)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from vrtherapy.display.select import open_or_explain; open_or_explain('openxr')",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if done.returncode == 0:  # pragma: no cover - a machine with a headset
        pytest.skip("an OpenXR runtime with a headset is present")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [f"error: {NO_RUNTIME_MESSAGE}"], done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
