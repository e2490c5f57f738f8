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
from vrtherapy.session.clock import ManualClock
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
    yield SessionService(store, load_library(), ManualClock())
    store.close()


@pytest.fixture
def display() -> Iterator[Any]:
    from vrtherapy.display.headless import HeadlessDisplay

    with HeadlessDisplay((160, 120)) as d:
        yield d


def _loop(service: SessionService, display: Any, **kw: Any) -> RenderLoop:
    kw.setdefault("mirror", MirrorBuffer())
    return RenderLoop(
        service, FakeEngine(), display, RunOptions(pace_hz=None, mirror_size=(80, 60)), **kw
    )


def test_waiting_room_renders_and_feeds_the_mirror(service: SessionService, display: Any) -> None:
    window = FakeWindowMirror()
    loop = _loop(service, display, window_mirror=window)
    loop.options.frames = 40
    loop.run()
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
    loop.options.frames = 30
    loop.run()
    assert display.read_pixels(0).mean() > 20
    service.handle(c.Safety("b", action="blackout"))
    loop.options.frames = 31
    loop.run()
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
    loop.options.frames = 30
    loop.run()
    snap = service.snapshot
    assert snap is not None and "mesh generator crashed" in snap.load_error
    pixels = display.read_pixels(0)
    assert pixels.mean() > 20 and np.ptp(pixels) > 30  # the calm room, not a frozen or black frame
    assert service.handle(c.Safety("x", action="calm_scene")).accepted
    loop.close()


def test_a_failed_scenario_is_reported_again_when_shown_again(
    service: SessionService, display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vrtherapy.app.run import Worlds

    reports: list[str] = []
    import vrtherapy.world as world

    real = world.build_world

    def broken(spec: Any, values: Any, **kw: Any) -> Any:
        if spec.id == "heights.balcony":
            raise RuntimeError("boom")
        return real(spec, values, **kw)

    monkeypatch.setattr(world, "build_world", broken)
    worlds = Worlds(service.library, lambda s, m: reports.append(s))
    assert worlds.get("heights.balcony", {}) is not None  # the calm room instead
    worlds.get("heights.balcony", {})
    assert reports == ["heights.balcony"]
    worlds.get("calm.room", {})
    worlds.get("heights.balcony", {})
    assert reports == ["heights.balcony", "heights.balcony"]


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
