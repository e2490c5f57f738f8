"""The render loop of `vrtherapy run`, headless: frames, mirror, client input, failures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vrtherapy.app.run import RenderLoop, RunOptions
from vrtherapy.authoring import load_library
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.display.base import QuitRequest, SliderConfirm, SliderMove, StopRequest
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock, ScaledClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store


class FakeEngine:
    """Stands in for the engine thread: the hop onto it."""

    def call(self, fn: Callable[[], object]) -> None:
        fn()  # the test is single-threaded: run at once


class FakeWindowMirror:
    def __init__(self) -> None:
        self.shown: list[tuple[int, tuple[int, int]]] = []

    def show_framebuffer(self, framebuffer: int, size: tuple[int, int]) -> None:
        self.shown.append((framebuffer, tuple(size)))  # type: ignore[arg-type]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SessionService]:
    store = open_store(str(tmp_path / "loop.sqlite3"))
    # session time runs with real time, as in `vrtherapy run`: frames are drawn at it
    yield SessionService(store, load_library(), ScaledClock(1.0))
    store.close()


@pytest.fixture
def display() -> Iterator[Any]:
    from vrtherapy.display.headless import HeadlessDisplay

    with HeadlessDisplay((160, 120)) as d:
        yield d


def _loop(service: SessionService, display: Any, **kw: Any) -> RenderLoop:
    kw.setdefault("mirror", MirrorBuffer())
    return RenderLoop(
        service, FakeEngine(), display, RunOptions(pace_hz=200.0, mirror_size=(80, 60)), **kw
    )


def _frames(loop: RenderLoop, n: int) -> None:
    loop.options.frames = loop.frames + n
    loop.run()


def _until(loop: RenderLoop, done: Callable[[], bool], limit: int = 2000) -> None:
    """Render frame after frame until ``done()``: worlds are built off the frame, so a new
    scene shows some frames after it was asked for."""
    for _ in range(limit):
        _frames(loop, 1)
        if done():
            return
    raise AssertionError("the scene never came on screen")


def _settled(loop: RenderLoop) -> None:
    """Until the scene the session asks for is on screen, faded in."""
    _until(loop, lambda: loop.view.showing_wanted)


def test_waiting_room_renders_and_feeds_the_mirror(service: SessionService, display: Any) -> None:
    window = FakeWindowMirror()
    loop = _loop(service, display, window_mirror=window)
    _settled(loop)
    _frames(loop, 5)
    image = display.read_pixels(0)
    assert image.mean() > 20  # the calm waiting room, lit
    frame = loop.view.mirror.latest() if loop.view.mirror else None
    assert frame is not None and frame.pixels.shape == (60, 80, 3) and frame.pixels.mean() > 20
    assert window.shown and window.shown[0][1] == (160, 120)
    loop.close()


def test_headset_slider_answers_the_pending_prompt(service: SessionService, display: Any) -> None:
    code = service.create_client("heights.standard")
    service.start(code)
    service.handle(c.AskNow("ask"))
    loop = _loop(service, display)
    display.push_input(SliderMove(to=0.35))
    display.push_input(SliderMove(by=0.05))
    display.push_input(SliderConfirm())
    loop.options.frames = 2
    loop.run()
    engine = service.engine
    assert engine is not None
    rated = engine.state.ratings[-1]
    assert (rated.value, rated.source) == (40.0, "headset")
    assert service.snapshot is not None and service.snapshot.prompts == ()
    loop.close()


def test_stop_button_pauses_and_quit_ends_the_loop(service: SessionService, display: Any) -> None:
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    display.push_input(StopRequest())
    loop.options.frames = 3
    loop.run()
    assert service.snapshot is not None and service.snapshot.safety == "paused"
    assert service.snapshot.proposal is not None
    display.push_input(QuitRequest())
    loop.options.frames = 100
    loop.run()
    assert loop.frames == 3  # quit before rendering another frame
    loop.close()


def test_blackout_frame_is_black(service: SessionService, display: Any) -> None:
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    _settled(loop)
    assert display.read_pixels(0).mean() > 20
    service.handle(c.Safety("b", action="blackout"))
    _frames(loop, 1)
    assert int(display.read_pixels(0).max()) == 0
    assert int(display.read_pixels(1).max()) == 0
    loop.close()


def test_a_blackout_that_arrives_while_the_display_waits_is_on_that_frame(
    service: SessionService, display: Any
) -> None:
    """An OpenXR runtime blocks in xrWaitFrame before the frame is drawn; a command the
    therapist sent during that wait must be on the frame being drawn, not the next one."""
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    _settled(loop)
    real_frame = display.frame

    def waits_then_draws(render: Any) -> Any:
        service.handle(c.Safety("b", action="blackout"))  # arrives during xrWaitFrame
        return real_frame(render)

    display.frame = waits_then_draws
    _frames(loop, 1)
    assert int(display.read_pixels(0).max()) == 0
    assert int(display.read_pixels(1).max()) == 0
    loop.close()


def test_a_scenario_that_fails_to_build_falls_back_and_is_reported(
    service: SessionService, display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vrtherapy.world as world

    real = world.build_world

    def broken(spec: Any, values: Any, **kw: Any) -> Any:
        if spec.id == "heights.balcony":
            raise RuntimeError("mesh generator crashed")
        return real(spec, values, **kw)

    monkeypatch.setattr(world, "build_world", broken)
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    _settled(loop)
    snap = service.snapshot
    assert snap is not None and "mesh generator crashed" in snap.load_error
    pixels = display.read_pixels(0)
    assert pixels.mean() > 20 and np.ptp(pixels) > 30  # the calm room, not a frozen or black frame
    assert service.handle(c.Safety("x", action="calm_scene")).accepted
    loop.close()


def test_a_failed_build_is_remembered_per_parameter_values_not_per_scenario(
    service: SessionService, display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One bad level falls back to the calm room and is reported each time it comes on
    screen; the levels above it still show their own scene."""
    import vrtherapy.world as world

    real = world.build_world

    def broken(spec: Any, values: Any, **kw: Any) -> Any:
        if spec.id == "heights.balcony" and values.get("height") == 6:
            raise RuntimeError("boom at six metres")
        return real(spec, values, **kw)

    monkeypatch.setattr(world, "build_world", broken)
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    _settled(loop)
    assert loop.view.world.spec.id == "heights.balcony"  # the ground floor builds
    balcony = display.read_pixels(0)

    def failures() -> list[str]:
        return [e.payload.message for e in service.events() if e.kind == "scenario_load_failed"]

    assert service.handle(c.StepUp("up-1")).accepted  # floor 2: 6 m, broken
    _settled(loop)
    _frames(loop, 3)
    assert loop.view.world.spec.id == "calm.room"
    calm = display.read_pixels(0)
    assert np.abs(calm.astype(int) - balcony.astype(int)).mean() > 10
    assert len(failures()) == 1 and "boom at six metres" in failures()[0]
    assert "height=6" in failures()[0]  # which level failed, not just which scenario

    assert service.handle(c.StepUp("up-2")).accepted  # floor 5 builds: its own scene
    _settled(loop)
    assert loop.view.world.spec.id == "heights.balcony"
    assert dict(loop.view.world.values)["height"] == 15
    assert np.abs(display.read_pixels(0).astype(int) - calm.astype(int)).mean() > 10
    assert len(failures()) == 1

    assert service.handle(c.StepDown("down-1")).accepted  # back to the broken level
    _settled(loop)
    assert len(failures()) == 2  # reported again when it comes on screen again
    loop.close()


def test_worlds_are_built_off_the_render_thread_and_the_old_scene_stays(
    service: SessionService, display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the next step's world is being built, frames keep coming with the current
    scene; the new one is swapped in once built and on the GPU."""
    import threading

    import vrtherapy.world as world

    real = world.build_world
    release = threading.Event()
    started = threading.Event()
    threads: list[str] = []

    def slow(spec: Any, values: Any, **kw: Any) -> Any:
        threads.append(threading.current_thread().name)
        if values.get("height") == 6:
            started.set()
            release.wait(timeout=60)  # on the render thread this would freeze every frame
        return real(spec, values, **kw)

    monkeypatch.setattr(world, "build_world", slow)
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    _settled(loop)
    ground = loop.view.world
    service.handle(c.StepUp("up"))
    _until(loop, started.is_set)  # the next frame asks for it; the builder starts
    before = loop.frames
    _frames(loop, 20)  # the build is stuck; the client still gets frames
    assert loop.frames == before + 20
    assert loop.view.world is ground and loop.view.presentation is not None
    assert loop.view.presentation.fade == 0.0  # still the ground floor, not black
    assert display.read_pixels(0).mean() > 20
    release.set()
    # A headset's frames leave the CPU idle between them (the GPU draws); llvmpipe draws on
    # the CPU and leaves none at a 200 Hz pace, so pace as a display would for the builder.
    loop.options.pace_hz = 20.0
    _settled(loop)
    assert dict(loop.view.world.values)["height"] == 6
    assert threads and threading.main_thread().name not in threads
    loop.close()


def test_the_calm_scene_and_the_next_step_are_built_ahead(
    service: SessionService, display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vrtherapy.world as world

    real = world.build_world
    built: list[tuple[str, Any]] = []

    def recording(spec: Any, values: Any, **kw: Any) -> Any:
        built.append((spec.id, values.get("height")))
        return real(spec, values, **kw)

    monkeypatch.setattr(world, "build_world", recording)
    service.start(service.create_client("heights.standard"))
    loop = _loop(service, display)
    loop.options.pace_hz = 20.0  # idle time between frames, as a display leaves (see above)
    _settled(loop)
    _until(loop, lambda: ("heights.balcony", 6) in built)
    assert built[0] == ("calm.room", None)  # first: the calm scene, before anything else
    assert ("heights.balcony", 0) in built
    service.handle(c.StepUp("up"))
    _settled(loop)
    assert built.count(("heights.balcony", 6)) == 1  # the prebuilt world was used
    _until(loop, lambda: ("heights.balcony", 15) in built)  # and the next one is on its way
    loop.close()


def test_a_confirm_on_a_fresh_prompt_records_nothing(service: SessionService, display: Any) -> None:
    """The slider belongs to its prompt: the previous prompt's value is never re-sent."""
    service.start(service.create_client("heights.standard"))
    service.handle(c.AskNow("ask-1"))
    loop = _loop(service, display)
    display.push_input(SliderMove(to=0.7))
    display.push_input(SliderConfirm())
    loop.options.frames = 2
    loop.run()
    engine = service.engine
    assert engine is not None and [r.value for r in engine.state.ratings] == [70.0]
    service.handle(c.AskNow("ask-2"))
    display.push_input(SliderConfirm())  # trigger pressed again, slider never moved
    loop.options.frames = 4
    loop.run()
    assert [r.value for r in engine.state.ratings] == [70.0]
    assert service.snapshot is not None and len(service.snapshot.prompts) == 1  # still asking
    display.push_input(SliderMove(by=0.1))  # moved from the bottom of a fresh slider
    display.push_input(SliderConfirm())
    loop.options.frames = 6
    loop.run()
    assert [r.value for r in engine.state.ratings] == [70.0, 10.0]
    loop.close()


def test_the_console_sees_the_client_moving_the_slider(
    service: SessionService, display: Any
) -> None:
    service.start(service.create_client("heights.standard"))
    service.handle(c.AskNow("ask"))
    shown: list[tuple[str, str, float | None]] = []
    loop = _loop(service, display, show_slider=lambda p, k, v: shown.append((p, k, v)))
    display.push_input(SliderMove(to=0.3))
    loop.options.frames = 2
    loop.run()
    snap = service.snapshot
    assert snap is not None
    prompt = snap.prompts[0].prompt_id
    assert shown == [(prompt, "suds", 30.0)]
    assert service.engine is not None and service.engine.state.ratings == ()  # not recorded
    display.push_input(SliderConfirm())
    loop.options.frames = 4
    loop.run()
    assert shown[-1] == (prompt, "", None)  # answered: the live value is gone
    loop.close()


def test_input_for_a_stopped_engine_thread_raises(service: SessionService) -> None:
    from vrtherapy.app.engine_thread import EngineStopped, EngineThread

    thread = EngineThread(service)
    with pytest.raises(EngineStopped):
        thread.call(lambda: None)
    thread.start()
    done: list[int] = []
    thread.call(lambda: done.append(1))
    thread.stop()
    assert done == [1]
    with pytest.raises(EngineStopped):
        thread.call(lambda: None)


def _settled_in_session_time(loop: RenderLoop, clock: ManualClock) -> None:
    """Until the scene is on screen, with session time (which frames are drawn at) moving
    on 20 ms a frame."""

    def step() -> bool:
        clock.advance(0.02)
        return loop.view.showing_wanted

    _until(loop, step)


def test_frames_are_drawn_at_the_sessions_record_time(tmp_path: Path, display: Any) -> None:
    """The loop draws at the session's own time (the time its events are recorded at), so
    that a replay of the record draws the same frames; not at the loop's wall clock."""
    clock = ManualClock()
    store = open_store(str(tmp_path / "record-time.sqlite3"))
    service = SessionService(store, load_library(), clock)
    service.start(service.create_client("agoraphobic_avoidance.standard"))
    loop = _loop(service, display)
    clock.advance(100.0)
    _settled_in_session_time(loop, clock)
    _frames(loop, 1)
    assert loop.view.world is not None
    assert loop.view.world.time == service.session_time()
    loop.close()
    store.close()


def test_the_client_head_and_the_stimulus_on_screen_are_recorded(
    tmp_path: Path, display: Any
) -> None:
    from vrtherapy.display.headless import HeadPose

    clock = ManualClock()
    store = open_store(str(tmp_path / "tracked.sqlite3"))
    service = SessionService(store, load_library(), clock)
    code = service.create_client("spiders.standard")
    service.start(code)
    loop = _loop(service, display)
    _settled_in_session_time(loop, clock)
    settled_at = service.session_time()
    assert settled_at is not None
    display.head = HeadPose(eye_height=1.5, x=0.1, pitch_degrees=-30.0)
    for _ in range(80):  # 4 s of session time at 20 frames a second
        clock.advance(0.05)
        _frames(loop, 1)
    loop.sampler.flush()
    service.handle(c.EndSession("end"))
    service.tick()  # the last chunk, once the session has ended
    engine = service.engine
    assert engine is not None
    recorded = service.store.tracking(engine.session_id)
    samples = recorded.between(settled_at + 0.001, 1e9)  # the 4 s once the scene was on screen
    assert 75 <= samples.moments <= 81
    head = samples.head
    assert np.allclose(head.positions[-1], (0.1, 1.5, 0.0), atol=1e-3)
    looking = head.orientations[-1]  # pitched 30° down about x
    assert np.allclose(
        np.abs(looking), (np.sin(np.radians(15)), 0, 0, np.cos(np.radians(15))), atol=1e-3
    )
    stimulus = samples.stimulus  # the spider in its jar across the table
    assert len(stimulus) == samples.moments  # on screen all along
    assert recorded.stimulus.times[0] > 0  # not at 0 s: the scene was still being built
    assert len(recorded.stimulus) < recorded.moments
    assert 0.7 < stimulus.positions[-1][1] < 0.9 and stimulus.positions[-1][2] < -1.5
    assert service.store.verify(engine.session_id).ok
    loop.close()
    store.close()


def test_a_new_floor_sends_the_glass_elevator_riding_instead_of_jumping(
    service: SessionService, display: Any
) -> None:
    """The therapist moves the floor slider: the world for the new floor comes on screen
    with the car leaving from the floor it stood at, the client's view with it."""
    service.start(service.create_client("heights.rothbaum"))
    assert service.handle(c.GoToStep("go", index=1)).accepted  # glass elevator, floor 3
    loop = _loop(service, display)
    _settled(loop)
    assert loop.view.world.spec.id == "heights.glass_elevator"
    assert loop.view.world.stand_point[1] == pytest.approx(7.2)  # floor 3
    first = loop.view.world
    assert service.handle(c.SetParameter("floor", name="floor", value=5)).accepted
    loop.options.pace_hz = 20.0  # leave the builder some CPU (llvmpipe draws on it too)
    _until(loop, lambda: loop.view.world is not first)
    height = loop.view.world.stand_point[1]
    assert 7.2 - 1e-3 <= height < 7.5  # just set off from floor 3, bound for floor 5 (14.4 m)
    shown = loop.view.world
    assert shown.ride_states(shown.time + 1.0)["car"][1][1] > 0.0  # going up
    loop.close()


def _in_the_glass_elevator(path: Path) -> tuple[ManualClock, Any, SessionService]:
    """A session on a manual clock at heights.rothbaum's second step: the glass elevator,
    the car at floor 3."""
    clock = ManualClock()
    store = open_store(str(path))
    service = SessionService(store, load_library(), clock)
    service.start(service.create_client("heights.rothbaum"))
    assert service.handle(c.GoToStep("go", index=1)).accepted
    return clock, store, service


def test_the_clients_floor_button_rides_the_car_to_the_next_stop_and_stops_there(
    tmp_path: Path, display: Any
) -> None:
    """E on the desktop, a controller button in the headset: the car rides from floor 3 to
    the next stop (5, 14.4 m) over the following frames, speeding up and braking, and
    stays there; the request is in the record. Locked by the therapist, the same button
    moves nothing and the refusal is recorded."""
    from vrtherapy.display.base import FloorRequest

    clock, store, service = _in_the_glass_elevator(tmp_path / "elevator.sqlite3")
    loop = _loop(service, display)
    _settled_in_session_time(loop, clock)
    assert loop.view.world.stand_point[1] == pytest.approx(7.2)  # floor 3
    first = loop.view.world
    display.push_input(FloorRequest(up=True))
    _until(loop, lambda: loop.view.world is not first)
    heights = []
    for _ in range(60):  # 15 s of session time: 7.2 m at up to 2 m/s, 0.4 m/s^2 takes 8.5 s
        clock.advance(0.25)
        _frames(loop, 1)
        heights.append(loop.view.world.stand_point[1])
    assert (np.diff(heights) >= -1e-6).all()  # up only
    steps = np.diff(heights)
    assert steps.max() <= 2.0 * 0.25 + 1e-6  # never faster than the car's 2 m/s
    assert len({round(h, 2) for h in heights}) > 10  # rode, did not jump
    assert heights[-1] == pytest.approx(14.4, abs=1e-3)  # stopped at floor 5
    assert heights[-10] == pytest.approx(14.4, abs=1e-3)  # ... and stayed there
    engine = service.engine
    assert engine is not None
    kinds = [e.kind for e in service.store.read(engine.session_id)]
    assert kinds.count("elevator_floor_requested") == 1
    snap = service.snapshot
    assert snap is not None and snap.elevator is not None and snap.elevator.floor == 5

    # locked: the button moves nothing, and the refusal is in the record
    assert service.handle(c.LockElevator("lock", locked=True)).accepted
    at = loop.view.world
    display.push_input(FloorRequest(up=True))
    for _ in range(20):
        clock.advance(0.25)
        _frames(loop, 1)
    assert loop.view.world is at
    assert loop.view.world.stand_point[1] == pytest.approx(14.4, abs=1e-3)
    kinds = [e.kind for e in service.store.read(engine.session_id)]
    assert kinds.count("elevator_request_refused") == 1
    assert kinds.count("elevator_floor_requested") == 1
    snap = service.snapshot
    assert snap is not None and snap.elevator is not None
    assert snap.elevator.refused == "the therapist has locked the elevator's controls"
    loop.close()
    store.close()


def test_the_client_sees_a_short_notice_when_the_floor_button_is_refused(
    tmp_path: Path,
) -> None:
    """Locked by the therapist, the client's button is answered in the headset: a panel
    with text above eye level (the view's centre stays clear) for about three seconds,
    then the same view as before. In a blackout the frame stays black."""
    from vrtherapy.display.base import FloorRequest
    from vrtherapy.display.headless import HeadlessDisplay

    clock, _store, service = _in_the_glass_elevator(tmp_path / "notice.sqlite3")
    assert service.handle(c.LockElevator("lock", locked=True)).accepted
    with HeadlessDisplay((320, 240), eyes=1) as display:
        loop = _loop(service, display)
        _settled_in_session_time(loop, clock)
        before = display.read_pixels(0).astype(int)
        display.push_input(FloorRequest(up=True))
        _frames(loop, 1)  # the button is read and refused
        clock.advance(0.1)
        _frames(loop, 1)
        shown = display.read_pixels(0).astype(int)
        snap = service.snapshot
        assert snap is not None and snap.elevator is not None and snap.elevator.refused
        changed = np.abs(shown - before).max(axis=2) > 40
        ys, xs = np.nonzero(changed)
        h, w = changed.shape
        assert changed.sum() > 0.01 * h * w  # a panel, not a stray pixel
        assert (np.ptp(ys) + 1) * (np.ptp(xs) + 1) > 0.02 * h * w
        assert ys.max() < h / 2 - h / 16  # all of it above eye level, clear of the horizon
        assert abs(xs.mean() - w / 2) < w * 0.05  # centred left to right
        centre = changed[h // 2 - h // 16 :, w // 4 : 3 * w // 4]
        assert not centre.any()  # the middle of the view and all below it stay clear
        # text, not a plain box: many light/dark edges along the panel's rows
        panel = shown[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].min(axis=2) > 150
        assert max(np.count_nonzero(np.diff(r.astype(int))) for r in panel) > 20

        for _ in range(16):  # four seconds on: the notice is gone, the view as before
            clock.advance(0.25)
            _frames(loop, 1)
        after = display.read_pixels(0).astype(int)
        assert (np.abs(after - before).max(axis=2) > 40).sum() < 0.002 * h * w

        # pressed again, then a blackout while the notice is up: the frame stays black,
        # and so it does for a button pressed in the blackout (refused and recorded)
        display.push_input(FloorRequest(up=True))
        _frames(loop, 1)
        clock.advance(0.1)
        _frames(loop, 1)
        again = np.abs(display.read_pixels(0).astype(int) - before).max(axis=2) > 40
        assert again.sum() > 0.01 * h * w
        assert service.handle(c.Safety("b", action="blackout")).accepted
        for i in range(4):
            if i == 1:
                display.push_input(FloorRequest(up=True))
            clock.advance(0.1)
            _frames(loop, 1)
            assert int(display.read_pixels(0).max()) == 0
        engine = service.engine
        assert engine is not None
        kinds = [e.kind for e in service.store.read(engine.session_id)]
        assert kinds.count("elevator_request_refused") == 3
        loop.close()


def test_a_floor_ride_held_by_a_pause_goes_on_from_where_it_was_shown(
    tmp_path: Path, display: Any
) -> None:
    """The car rides from floor 3 to 49; the therapist pauses 3 s in and resumes a minute
    later. The paused picture holds the car; after resume it goes on from there, never
    faster than its 2 m/s, instead of jumping to where a minute more of riding would
    have put it."""
    clock, store, service = _in_the_glass_elevator(tmp_path / "elevator.sqlite3")
    loop = _loop(service, display)
    _settled_in_session_time(loop, clock)
    first = loop.view.world
    assert service.handle(c.SendElevator("send", floor=49)).accepted
    _until(loop, lambda: loop.view.world is not first)
    dt = 0.25
    heights = []
    for _ in range(12):  # 3 s of riding
        clock.advance(dt)
        _frames(loop, 1)
        heights.append(loop.view.world.stand_point[1])
    assert service.handle(c.Safety("pause", action="pause")).accepted
    for _ in range(240):  # a minute paused
        clock.advance(dt)
        _frames(loop, 1)
        heights.append(loop.view.world.stand_point[1])
    assert service.handle(c.Safety("resume", action="resume")).accepted
    for _ in range(40):  # 10 s on
        clock.advance(dt)
        _frames(loop, 1)
        heights.append(loop.view.world.stand_point[1])
    steps = np.diff(heights)
    assert np.abs(steps).max() <= 2.0 * dt + 1e-3  # never a jump
    assert heights[-1] > heights[12] + 5.0  # and it rides on after the pause
    loop.close()
    store.close()
