"""The headless backend: EGL framebuffers per eye, a standing head, stereo that is right."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from tests.gl_support import box, draw, headless, item, scene
from vrtherapy.display.base import (
    DisplayBackend,
    DisplayUnavailable,
    EyeView,
    SliderMove,
    StopRequest,
)
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.render import Renderer


def red_centroid_x(image: np.ndarray) -> float:
    red = (image[..., 0] > 150) & (image[..., 2] < 80)
    assert red.sum() > 10
    return float(np.nonzero(red)[1].mean())


def test_a_near_object_shifts_between_the_eyes_by_the_expected_disparity() -> None:
    w, h = 160, 120
    with headless((w, h), fov_degrees=90.0) as display:
        renderer = Renderer()
        distance = 0.5
        card = box((0.05, 0.05, 0.001), (1.0, 0.0, 0.0, 1.0))
        left, right = draw(display, renderer, scene(item(card, 0.0, 1.6, -distance, emissive=1)))
        focal_px = (w / 2) / math.tan(math.radians(90.0 / 2))
        expected = 0.064 * focal_px / distance  # 10.2 px
        # The left eye sits left of the object, so it sees the object right of centre.
        assert red_centroid_x(left) > w / 2 > red_centroid_x(right)
        disparity = red_centroid_x(left) - red_centroid_x(right)
        assert disparity == pytest.approx(expected, abs=1.0)
        # Far away, the same object has (almost) no disparity.
        big = box((5, 5, 0.01), (1.0, 0.0, 0.0, 1.0))
        far_l, far_r = draw(display, renderer, scene(item(big, 0.0, 1.6, -50.0, emissive=1)))
        assert abs(red_centroid_x(far_l) - red_centroid_x(far_r)) < 0.5


def test_eyes_stand_at_eye_height_ipd_apart_looking_forward() -> None:
    display = HeadlessDisplay((160, 120), eyes=2, head=HeadPose(eye_height=1.7))
    centres = [np.linalg.inv(v)[:3, 3] for v in display.eye_matrices()]
    assert np.allclose(centres[0], (-0.032, 1.7, 0.0), atol=1e-6)
    assert np.allclose(centres[1], (0.032, 1.7, 0.0), atol=1e-6)
    forward = np.linalg.inv(display.eye_matrices()[0])[:3, 2]  # eye +z in the world
    assert np.allclose(forward, (0, 0, 1), atol=1e-6)  # so it looks down -z
    p = display.projection()
    assert p[0, 0] == pytest.approx(1 / math.tan(math.radians(95 / 2)))


def test_looking_down_puts_the_floor_in_the_middle_of_the_view() -> None:
    with headless(head=HeadPose(pitch_degrees=-80.0)) as display:
        renderer = Renderer()
        floor = box((4, 0.02, 4), (0.0, 0.8, 0.0, 1.0))
        left, _ = draw(display, renderer, scene(item(floor, 0, 0, 0)))
        r, g, b = left[60, 80].astype(int)
        assert g > r + 40 and g > b + 40


def test_eye_count_and_framebuffers_are_configurable() -> None:
    with headless((64, 48), eyes=3) as display:
        seen: list[Sequence[EyeView]] = []
        display.frame(lambda views, t: seen.append(views))
        views = seen[0]
        assert [v.eye for v in views] == [0, 1, 2]
        assert len({v.framebuffer for v in views}) == 3
        assert all(v.viewport == (0, 0, 64, 48) for v in views)
        assert display.read_pixels(2).shape == (48, 64, 3)
        assert display.read_pixels(0, alpha=True).shape == (48, 64, 4)


def test_frames_advance_a_simulated_clock_and_stop_after_max_frames() -> None:
    with headless((32, 24), max_frames=3, refresh_hz=90.0) as display:
        times: list[float] = []
        results = [display.frame(lambda views, t: times.append(t)) for _ in range(4)]
        assert results == ["rendered", "rendered", "rendered", "stopped"]
        assert times == pytest.approx([0.0, 1 / 90, 2 / 90])


def test_a_finishing_display_waits_for_each_frame_to_be_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Benchmarks compare whole frames: with ``finish`` each frame ends drawn to its last
    pixel (glFinish), without it the rasteriser may run on behind the frame."""
    from OpenGL import GL

    finished: list[int] = []
    real_finish = GL.glFinish
    monkeypatch.setattr(GL, "glFinish", lambda: finished.append(1) or real_finish())
    with headless((32, 24)) as display:
        display.frame(lambda views, t: None)
    assert finished == []
    with headless((32, 24), finish=True) as display:
        for _ in range(3):
            display.frame(lambda views, t: None)
    assert len(finished) == 3


def test_multisampled_eyes_resolve_to_readable_pixels() -> None:
    with headless((160, 120), samples=4) as display:
        renderer = Renderer()
        dl = scene(item(box((0.6, 0.6, 0.6), (0.8, 0.05, 0.05, 1)), 0.0, 1.6, -2.0))
        left, _ = draw(display, renderer, dl)
        assert left[60, 80, 0] > 2 * left[60, 80, 1]
        edge_values = len(np.unique(left[:, :, 0]))
        assert edge_values > 10  # antialiased edges blend sky and box


def test_input_events_are_queued_and_drained() -> None:
    display: DisplayBackend = HeadlessDisplay((32, 24))  # mypy checks the protocol
    assert isinstance(display, HeadlessDisplay)
    display.push_input(SliderMove(to=0.4))
    display.push_input(StopRequest())
    assert display.poll_input() == [SliderMove(to=0.4), StopRequest()]
    assert display.poll_input() == []


def test_close_is_safe_before_open_and_twice() -> None:
    display = HeadlessDisplay((32, 24))
    display.close()
    with pytest.raises(RuntimeError, match="before open"):
        display.frame(lambda views, t: None)
    with headless((32, 24)) as d:
        d.close()
        d.close()


def test_missing_egl_is_reported_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import vrtherapy.display.egl as egl

    def no_egl() -> None:
        raise DisplayUnavailable("EGL is not available (libEGL.so.1: cannot open); install ...")

    monkeypatch.setattr(egl, "_egl", no_egl)
    display = HeadlessDisplay((32, 24))
    with pytest.raises(DisplayUnavailable) as info:
        display.open()
    assert "\n" not in str(info.value)
    display.close()
