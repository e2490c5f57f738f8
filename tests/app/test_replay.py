"""Replay: frames drawn live during a synthetic session match the frames replayed from
its record alone, at a step, after a parameter change, while paused and in the calm
scene; and replaying twice gives identical frames.

The scenes are full of people who move (a shop queue, a street), so frames at a moment
depend on the record's time. The live side is the render path of `vrtherapy run`
(ClientView with its director and world builder) drawing a frame at every tick of a
demo session at the session's time, as the demo does; the therapist's actions are sent
through the engine like console commands. The head moves with time, from the same
function on both sides; the replay's default, the recorded head, is checked too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from vrtherapy.authoring import Library, load_library
from vrtherapy.display.headless import HeadPose
from vrtherapy.session import commands as c
from vrtherapy.session.engine import Engine
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore

U8 = npt.NDArray[np.uint8]
# a waiting room, a shop queue, a street: people move, so animation time is tested too
HIERARCHY = "agoraphobic_avoidance.standard"
SIZE = (160, 120)
# rasteriser noise: both sides run the same code on the same Mesa build (measured: equal)
MEAN_ABS_MAX = 0.5  # of 255, over all pixels and channels
OUTLIER_LEVEL = 16  # a channel differing by more than this counts as an outlier ...
OUTLIER_SHARE_MAX = 0.001  # ... and at most 0.1 % of values may


def head_at(t: float) -> HeadPose:
    """The client looks around and down a little."""
    return HeadPose(yaw_degrees=12 * math.sin(t / 7.0), pitch_degrees=-8 + 6 * math.sin(t / 5.0))


@dataclass
class LiveSession:
    """Drives the demo's therapist actions and draws the client's view at every tick."""

    library: Library
    frames: dict[str, tuple[float, U8]] = field(default_factory=dict)
    entered: dict[int, int] = field(default_factory=dict)  # step -> tick it was entered
    ticks: int = 0
    ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    def open(self) -> None:
        from vrtherapy.app.director import Slider
        from vrtherapy.app.run import ClientView
        from vrtherapy.display.headless import HeadlessDisplay

        self.slider = Slider()
        self.display = HeadlessDisplay(SIZE, head=head_at(0.0))
        self.display.open()
        self.view = ClientView(self.library, lambda _s, _m: None)

    def close(self) -> None:
        self.view.close()
        self.display.close()

    def send(self, engine: Engine, command: c.Command) -> None:
        assert engine.handle(command).accepted

    def on_tick(self, engine: Engine) -> None:
        self.ticks += 1
        snap = engine.snapshot
        step = snap.step_index
        self.entered.setdefault(step, self.ticks)
        since = self.ticks - self.entered[step]
        cid = f"test-{next(self.ids)}"
        if step == 1 and since == 6:
            self.send(engine, c.SetParameter(cid, "therapist", "queue", 6.0))
        elif step == 2 and since == 2:
            self.send(engine, c.Safety(cid, "therapist", "pause", "test"))
        elif step == 2 and since == 5:
            self.send(engine, c.Safety(cid, "therapist", "resume"))
        elif step == 2 and since == 8:
            self.send(engine, c.Safety(cid, "therapist", "calm_scene", "test"))
        elif step == 2 and since == 11:
            self.send(engine, c.Safety(cid, "therapist", "resume"))
        self.draw(engine)
        moments = {
            (1, 4): "during a step",
            (1, 8): "after a parameter change",
            (2, 4): "paused",
            (2, 10): "calm scene",
        }
        name = moments.get((step, since))
        if name is not None and name not in self.frames:
            self.frames[name] = (engine.now(), self.display.read_pixels(0))

    def draw(self, engine: Engine) -> None:
        snap = engine.snapshot
        now = engine.now()
        # session time runs far faster than real time here: let the builder catch up, as
        # the demo does (a live display would show the last scene meanwhile)
        self.view.wait_for_scene(snap)
        self.display.head = head_at(now)
        self.display.frame(lambda views, _t: self.view.render(views, snap, self.slider, now))


@dataclass(frozen=True)
class Recorded:
    store: EventStore
    session_id: str
    library: Library
    live: dict[str, tuple[float, U8]]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    from vrtherapy.app.demo import run_demo

    library = load_library()
    store = open_store(str(tmp_path_factory.mktemp("replay") / "sessions.sqlite3"))
    live = LiveSession(library)
    live.open()
    try:
        result = run_demo(
            store,
            library,
            library.hierarchy(HIERARCHY),
            echo=lambda _line: None,
            on_tick=live.on_tick,
            max_minutes=20,
        )
    finally:
        live.close()
    yield Recorded(store, result.session_id, library, live.frames)
    store.close()


def _record(rec: Recorded) -> Any:
    from vrtherapy.reports.replay import SessionRecord

    tracking = rec.store.tracking(rec.session_id)
    return SessionRecord(rec.store.read(rec.session_id), rec.library, tracking)


def _replayed(rec: Recorded, times: list[float], head: Any = head_at) -> list[U8]:
    """Frames replayed from the record: events and the library, with the head the live
    frames were drawn with (the demo records its synthetic client's own head, which the
    live side here does not draw; ``head=None``: the recorded head)."""
    from vrtherapy.app.replay import ReplayRenderer
    from vrtherapy.display.headless import HeadlessDisplay

    display = HeadlessDisplay(SIZE)
    display.open()
    renderer = ReplayRenderer(_record(rec), display, head=head)
    try:
        return [renderer.frame(t) for t in times]
    finally:
        renderer.close()
        display.close()


def _difference(a: U8, b: U8) -> tuple[float, float]:
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), float((d > OUTLIER_LEVEL).mean())


def test_live_frames_match_replayed_frames(recorded: Recorded) -> None:
    assert set(recorded.live) == {
        "during a step",
        "after a parameter change",
        "paused",
        "calm scene",
    }
    names = sorted(recorded.live, key=lambda n: recorded.live[n][0])
    times = [recorded.live[n][0] for n in names]
    record = _record(recorded)
    for t in times:  # the demo recorded its synthetic client's head throughout
        assert record.head_at(t) is not None
    replayed = _replayed(recorded, times)
    for name, again in zip(names, replayed, strict=True):
        t, live = recorded.live[name]
        assert live.std() > 5, f"{name}: the live frame is blank"
        mean, outliers = _difference(live, again)
        assert mean <= MEAN_ABS_MAX and outliers <= OUTLIER_SHARE_MAX, (name, t, mean, outliers)
    # by default the replay draws the recorded head
    from vrtherapy.app.replay import TrackedHead

    recorded_view = _replayed(recorded, times[:1], head=None)[0]
    pose = record.head_at(times[0])
    assert np.array_equal(
        recorded_view, _replayed(recorded, times[:1], head=lambda _t: TrackedHead(pose))[0]
    )
    assert not np.array_equal(recorded_view, replayed[0])
    # the moments look different from each other: a comparison that could not fail would not
    frames = dict(zip(names, replayed, strict=True))
    assert _difference(frames["paused"], frames["calm scene"])[0] > 5
    assert _difference(frames["during a step"], frames["after a parameter change"])[0] > 0.2


def test_a_paused_scene_holds_still_at_the_pause(recorded: Recorded) -> None:
    """While paused the world is posed at the pause's record time, whatever was drawn
    before; running, the same scene moves (so the comparison could fail)."""
    from vrtherapy.app.replay import ReplayRenderer
    from vrtherapy.display.headless import HeadlessDisplay

    record = _record(recorded)
    t = recorded.live["paused"][0]
    paused_at = record.snapshot_at(t).safety_since
    assert record.snapshot_at(paused_at - 3.0).safety == "none"
    display = HeadlessDisplay(SIZE)
    display.open()

    def frames(times: list[float]) -> list[U8]:
        renderer = ReplayRenderer(record, display, head=lambda _t: head_at(0.0))
        try:
            return [renderer.frame(x) for x in times]
        finally:
            renderer.close()

    try:
        before, after_running = frames([paused_at - 3.0, t])
        (fresh,) = frames([t])
        later, at_pause = frames([paused_at - 1.0, paused_at])
    finally:
        display.close()
    assert not np.array_equal(before, later)  # the street moves while running
    assert np.array_equal(after_running, fresh)
    assert np.array_equal(fresh, at_pause)


def test_replaying_twice_gives_identical_frames(recorded: Recorded) -> None:
    times = sorted(t for t, _ in recorded.live.values())
    times += [times[0] + 0.1, times[-1] + 0.2]  # mid-fade moments too
    first = _replayed(recorded, times)
    second = _replayed(recorded, list(reversed(times)))[::-1]  # and seeking backwards
    for t, a, b in zip(times, first, second, strict=True):
        assert np.array_equal(a, b), t
