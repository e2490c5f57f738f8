"""Benchmark of scene and level changes: do they ever stall the client's frame?

A session runs through a hierarchy whose steps change level and scenario, with
the calm scene and back in between, in one process as in `vrtherapy run`: the
world builder on its worker (each change waits, as a step lasting minutes would,
until the builder has built the steps either side ahead), the client's view
rendered headless and paced at the display's rate (as ``xrWaitFrame`` paces a
headset). A frame's time is the render call plus ``glFinish`` (llvmpipe rasterises on the CPU).

Scenes differ in what a frame costs (a calm room against an audience of 60), so a
change is measured against the scenes on either side of it: its worst frame (from
the command until the new scene has faded in) over the median frame time of the
slower of the two scenes, measured in the steady frames before and after.

The whole run is repeated (``rounds``), each round with a fresh view, builder and
GPU cache, so every round builds and uploads every scene again. A stall a change
causes happens in every round; a frame slowed by another program on a shared
machine does not, so each change's figure is its best round. The report also
gives every round's raw worst frame and the steady frames' own spread (p99 over
median) as the machine's noise floor.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vrtherapy.authoring import HierarchySpec, Library


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Change:
    label: str
    frames_ms: tuple[float, ...]  # every frame from the command to the new scene faded in
    seconds: float  # how long that took
    before_ms: float  # median frame time of the scene before, in its steady frames
    after_ms: float  # and of the scene after

    @property
    def worst_ms(self) -> float:
        return max(self.frames_ms)

    @property
    def ratio(self) -> float:
        """Worst frame over the median frame time of the slower scene of the two."""
        return self.worst_ms / max(self.before_ms, self.after_ms)


@dataclass(frozen=True)
class TransitionsBench:
    rounds: tuple[tuple[Change, ...], ...]  # the same changes, once per round
    steady_ms: tuple[float, ...]  # every steady frame (no change under way), all rounds
    size: tuple[int, int]
    refresh_hz: float
    gpu: str
    preloaded: int  # meshes (plain and skinned) uploaded ahead of being drawn, all rounds
    uploads_while_drawing: int  # meshes of either kind a frame had to upload to draw them

    @property
    def median_ms(self) -> float:
        return _median(self.steady_ms)

    def best(self, i: int) -> Change:
        """Change ``i`` in its best round."""
        return min((r[i] for r in self.rounds), key=lambda c: c.ratio)

    @property
    def ratio(self) -> float:
        return max(self.best(i).ratio for i in range(len(self.rounds[0])))

    def report(self) -> str:
        changes = self.rounds[0]
        scenarios = {c.label.split(" -> ")[-1].split(" (")[0] for c in changes}
        w, h = self.size
        lines = [
            f"vrtherapy bench --transitions: {len(changes)} changes across {len(scenarios)} "
            f"scenarios, {len(self.rounds)} rounds, {w}x{h} per eye, headless at "
            f"{self.refresh_hz:g} Hz ({self.gpu})",
            f"{'change':<58} {'frames':>6} {'s':>5} {'scene ms':>8} {'worst ms':>8}"
            f" {'ratio':>6} {'rounds':>18}",
        ]
        for i, c in enumerate(changes):
            best = self.best(i)
            every = " ".join(f"{r[i].ratio:.2f}" for r in self.rounds)
            lines.append(
                f"{c.label:<58} {len(best.frames_ms):>6} {best.seconds:>5.2f}"
                f" {max(best.before_ms, best.after_ms):>8.2f} {best.worst_ms:>8.2f}"
                f" {best.ratio:>6.2f} {every:>18}"
            )
        raw = max(c.ratio for r in self.rounds for c in r)
        lines += [
            f"steady frames: {len(self.steady_ms)}, median {self.median_ms:.2f} ms, "
            f"p99 {_p99(self.steady_ms):.2f} ms (x{_p99(self.steady_ms) / self.median_ms:.2f}: "
            "this machine's noise floor)",
            f"meshes uploaded ahead of drawing: {self.preloaded}; "
            f"uploaded by a frame that drew them: {self.uploads_while_drawing}",
            f"worst frame during changes, any round: x{raw:.2f} of median",
            f"worst frame during changes: x{self.ratio:.2f} of median "
            "(each change in its best round, against the slower scene's median)",
        ]
        return "\n".join(lines)


def bench_hierarchy(steps: list[tuple[str, str | None]]) -> HierarchySpec:
    """A hierarchy of (scenario, level) steps, for the benchmark only."""
    return HierarchySpec.model_validate(
        {
            "id": "bench.transitions",
            "title": "Scene and level changes (benchmark)",
            "steps": [
                {"scenario": s, "level": lv, "anticipated_suds": 20 + 10 * i}
                for i, (s, lv) in enumerate(steps)
            ],
        }
    )


def run_transitions_bench(
    library: Library,
    hierarchy: HierarchySpec,
    *,
    size: tuple[int, int] = (320, 240),
    refresh_hz: float = 90.0,
    steady_frames: int = 60,
    rounds: int = 3,
    calm_after_step: int = 1,
    echo: Callable[[str], None] = lambda _line: None,
) -> TransitionsBench:
    from vrtherapy.display.egl import current_renderer_name
    from vrtherapy.display.headless import HeadlessDisplay, HeadPose
    from vrtherapy.session.store import open_store

    folder = tempfile.mkdtemp(prefix="vrtherapy-bench-")
    store = open_store(str(Path(folder) / "bench.sqlite3"))
    display = HeadlessDisplay(size, head=HeadPose(pitch_degrees=-15.0), refresh_hz=refresh_hz)
    display.open()
    try:
        done = [
            _round(library, hierarchy, store, display, steady_frames, calm_after_step, n, echo)
            for n in range(rounds)
        ]
        return TransitionsBench(
            tuple(r.changes for r in done),
            tuple(ms for r in done for ms in r.steady_ms),
            size,
            refresh_hz,
            current_renderer_name(),
            sum(r.preloaded for r in done),
            sum(r.uploads_while_drawing for r in done),
        )
    finally:
        display.close()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class _Round:
    changes: tuple[Change, ...]
    steady_ms: tuple[float, ...]
    preloaded: int
    uploads_while_drawing: int


def _round(
    library: Library,
    hierarchy: HierarchySpec,
    store: object,
    display: object,
    steady_frames: int,
    calm_after_step: int,
    n: int,
    echo: Callable[[str], None],
) -> _Round:
    """One pass through the hierarchy with a fresh view (builder, renderer, GPU cache)."""
    from OpenGL import GL

    from vrtherapy.app.director import Slider
    from vrtherapy.app.run import ClientView
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.session import commands as c
    from vrtherapy.session.clock import SystemClock
    from vrtherapy.session.engine import Engine
    from vrtherapy.session.store.base import EventStore

    assert isinstance(display, HeadlessDisplay) and isinstance(store, EventStore)
    engine = Engine.start(store, library, SystemClock(), f"C-BENC-H{n:03d}", hierarchy)
    display.make_current()
    view = ClientView(library, lambda s, m: echo(f"scene problem: {s}: {m}"))
    period = 1.0 / display.refresh_hz
    started = time.monotonic()
    next_frame = started

    def frame() -> float:
        nonlocal next_frame
        snap = engine.snapshot
        now = time.monotonic() - started
        t0 = time.perf_counter()
        display.frame(lambda views, _t: view.render(views, snap, Slider(), now))
        GL.glFinish()
        ms = (time.perf_counter() - t0) * 1000.0
        next_frame += period  # paced like a headset: the next frame at the next refresh
        delay = next_frame - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_frame = time.monotonic()
        return ms

    def until_shown(limit_s: float = 60.0) -> list[float]:
        out = [frame()]
        deadline = time.monotonic() + limit_s
        while not view.showing_wanted:
            if time.monotonic() > deadline:
                raise RuntimeError("a scene never came on screen")
            out.append(frame())
        return out

    def describe() -> str:
        snap = engine.snapshot
        if snap.safety == "calm_scene":
            return f"{snap.calm_scene} (calm scene)"
        return f"{snap.scenario} ({snap.level or round(snap.intensity)})"

    steady_ms: list[float] = []
    changes: list[Change] = []

    def steady() -> float:
        frames = [frame() for _ in range(steady_frames)]
        steady_ms.extend(frames)
        return _median(frames)

    try:
        until_shown()  # the first scene (start-up, not measured)
        scene_ms = steady()
        uploads_before = view.renderer.uploads - view.renderer.preloaded
        commands: list[c.Command] = []
        for index in range(1, len(hierarchy.steps)):
            commands.append(c.GoToStep(f"bench-{n}-step-{index}", index=index))
            if index == calm_after_step:
                commands.append(c.Safety(f"bench-{n}-calm", action="calm_scene"))
                commands.append(c.Safety(f"bench-{n}-resume", action="resume"))
        for command in commands:
            # a step lasts minutes in a session: by the time it changes, the scenes either
            # side of it have been built ahead (the frames meanwhile count as steady ones)
            while not view.builder.idle:
                steady_ms.append(frame())
            before = describe()
            outcome = engine.handle(command)
            if not outcome.accepted:
                raise RuntimeError(f"the benchmark's command was refused: {outcome.reason}")
            t0 = time.monotonic()
            frames = until_shown()  # from the first frame after the command to faded in
            seconds = time.monotonic() - t0
            after_ms = steady()
            changes.append(
                Change(f"{before} -> {describe()}", tuple(frames), seconds, scene_ms, after_ms)
            )
            echo(f"  round {n + 1}: {changes[-1].label}: x{changes[-1].ratio:.2f}")
            scene_ms = after_ms
        return _Round(
            tuple(changes),
            tuple(steady_ms),
            view.renderer.preloaded,
            view.renderer.uploads - view.renderer.preloaded - uploads_before,
        )
    finally:
        view.close()
