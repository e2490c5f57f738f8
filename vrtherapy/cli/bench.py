"""Measuring the renderer headless: GL work and CPU time per stereo frame, for the
instanced path and the naive one-call-per-object path in the same run, with the share
of the sun's shadow pass in both (GL calls, CPU time); and the frame
budget: the CPU time of each stage outside the GL driver (animation, draw list,
batching and uploads, submission), medians, with the audiences of 15 and 60 (one
partner talking) measured side by side."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.cli.render_scenes import WorldLike
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer, View
from vrtherapy.world.types import DrawList

STAGES = ("animation_ms", "draw_list_ms", "prepare_ms", "submit_ms")
BUDGET_MS = 3.0  # the Python side's share of a 90 Hz frame (11.1 ms) with people in it
GROWTH = 1.3  # at most this much more for an audience of 60 than of 15


@dataclass(frozen=True)
class PathResult:
    draw_calls: int
    gl_calls: int
    triangles: int
    cpu_ms: Sequence[float]  # time in Renderer.render per stereo frame
    frame_ms: Sequence[float]  # including glFinish (llvmpipe rasterises on the CPU)
    # CPU time (this thread's) per stereo frame of each stage outside the GL driver
    animation_ms: Sequence[float] = ()  # world.advance: animators, partners' behaviour
    draw_list_ms: Sequence[float] = ()  # world.draw_list: world matrices into a draw table
    prepare_ms: Sequence[float] = ()  # batching, instance and uniform uploads (our side)
    submit_ms: Sequence[float] = ()  # issuing the draws (our side)
    shadow_gl_calls: int = 0  # the shadow pass's share of gl_calls (0: no sun)
    shadow_ms: Sequence[float] = (0.0,)  # CPU time of the shadow pass per stereo frame

    def median(self, which: str) -> float:
        return float(np.median(getattr(self, which)))

    def p99(self, which: str) -> float:
        return float(np.percentile(getattr(self, which), 99))

    @property
    def stage_sum_ms(self) -> list[float]:
        """Per frame, the sum of the stages outside the GL driver."""
        return [float(sum(v)) for v in zip(*(getattr(self, k) for k in STAGES), strict=True)]

    def sum_median(self) -> float:
        return float(np.median(self.stage_sum_ms))


@dataclass(frozen=True)
class SceneResult:
    name: str
    items: int
    meshes: int
    instanced: PathResult
    naive: PathResult


def measure_path(
    display: HeadlessDisplay,
    renderer: Renderer,
    world: WorldLike,
    frames: int,
    warmup: int = 3,
) -> PathResult:
    return measure_paths(display, [(renderer, world)], frames, warmup)[0]


def measure_paths(
    display: HeadlessDisplay,
    scenes: Sequence[tuple[Renderer, WorldLike]],
    frames: int,
    warmup: int = 3,
    rasterise: bool = True,
) -> list[PathResult]:
    """Render every scene (each with its own renderer) frame by frame in turn, so a busy
    machine's slow moments fall on all of them alike; one PathResult per scene.

    Stage times are this thread's CPU time (``time.thread_time``); GL calls' own time is
    taken out of the renderer's stages. With ``rasterise`` False the draw calls are
    counted but not issued (``CountingGL.rasterise``): on Mesa's llvmpipe, drawing runs
    on the same CPUs and its work evicts the caches the Python stages run from, which a
    GPU's drawing does not."""
    from OpenGL import GL

    clock = time.thread_time
    rows: list[dict[str, list[float]]] = [
        {k: [] for k in ("cpu_ms", "frame_ms", "shadow_ms", *STAGES)} for _ in scenes
    ]
    stats = [r.last_frame_stats for r, _ in scenes]
    shadow_calls = [0 for _ in scenes]
    for r, _ in scenes:
        r.gl.timing, r.gl.clock, r.gl.rasterise = True, clock, rasterise
    try:
        for i in range(warmup + frames):
            t = i / display.refresh_hz
            for k, (renderer, world) in enumerate(scenes):
                out = rows[k] if i >= warmup else {key: [] for key in rows[k]}
                start = clock()
                world.advance(t)
                mid = clock()
                draw_list = world.draw_list()
                out["animation_ms"].append((mid - start) * 1000.0)
                out["draw_list_ms"].append((clock() - mid) * 1000.0)

                def render(
                    views: Sequence[View],
                    when: float,
                    dl: DrawList = draw_list,
                    r: Renderer = renderer,
                    o: dict[str, list[float]] = out,
                ) -> None:
                    start = time.perf_counter()
                    r.render(views, dl, time=when)
                    o["cpu_ms"].append((time.perf_counter() - start) * 1000.0)
                    o["shadow_ms"].append(r.last_shadow_ms)

                start = time.perf_counter()
                display.frame(render)
                GL.glFinish()
                out["frame_ms"].append((time.perf_counter() - start) * 1000.0)
                fs = renderer.last_frame_stats
                out["prepare_ms"].append(fs.prepare_s * 1000.0)
                out["submit_ms"].append(fs.submit_s * 1000.0)
                stats[k] = fs
                shadow_calls[k] = renderer.last_shadow_stats.gl_calls
    finally:
        for r, _ in scenes:
            r.gl.timing, r.gl.clock, r.gl.rasterise = False, time.perf_counter, True
    return [
        PathResult(
            st.draw_calls,
            st.gl_calls,
            st.triangles,
            row["cpu_ms"],
            row["frame_ms"],
            row["animation_ms"],
            row["draw_list_ms"],
            row["prepare_ms"],
            row["submit_ms"],
            calls,
            row["shadow_ms"] or (0.0,),
        )
        for st, row, calls in zip(stats, rows, shadow_calls, strict=True)
    ]


def measure_scene(
    name: str, display: HeadlessDisplay, renderer: Renderer, world: WorldLike, frames: int
) -> SceneResult:
    draw_list = world.draw_list()
    renderer.instancing = True
    instanced = measure_path(display, renderer, world, frames)
    renderer.instancing = False
    naive = measure_path(display, renderer, world, frames)
    renderer.instancing = True
    return SceneResult(
        name,
        len(draw_list.items),
        len({it.mesh.key for it in draw_list.items}),
        instanced,
        naive,
    )


def format_table(results: Sequence[SceneResult]) -> str:
    header = (
        f"{'scene':<26} {'items':>5} {'meshes':>6}  {'path':<10} {'draws':>7} {'GL calls':>9}"
        f" {'triangles':>10} {'CPU ms':>7} {'p99':>6} {'frame ms':>8} {'p99':>6}"
        f"  {'shadow calls':>12} {'shadow ms':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        for label, p in (("instanced", r.instanced), ("naive", r.naive)):
            first = label == "instanced"
            lines.append(
                f"{r.name if first else '':<26} {r.items if first else '':>5}"
                f" {r.meshes if first else '':>6}  {label:<10} {p.draw_calls:>7} {p.gl_calls:>9}"
                f" {p.triangles:>10} {p.median('cpu_ms'):>7.2f} {p.p99('cpu_ms'):>6.2f}"
                f" {p.median('frame_ms'):>8.2f} {p.p99('frame_ms'):>6.2f}"
                f"  {p.shadow_gl_calls:>12} {p.median('shadow_ms'):>9.2f}"
            )
        i, n = r.instanced, r.naive

        def ratio(a: float, b: float) -> str:
            return f"x{a / b:.1f}" if b else "-"

        lines.append(
            f"{'':<26} {'':>5} {'':>6}  {'naive/inst':<10} {ratio(n.draw_calls, i.draw_calls):>7}"
            f" {ratio(n.gl_calls, i.gl_calls):>9} {'':>10}"
            f" {ratio(n.median('cpu_ms'), i.median('cpu_ms')):>7} {'':>6}"
            f" {ratio(n.median('frame_ms'), i.median('frame_ms')):>8}"
        )
    return "\n".join(lines)


def format_budget(results: Sequence[tuple[str, PathResult]]) -> str:
    """Per scene: median CPU ms per stereo frame of each stage outside the GL driver."""
    width = max([30, *(len(name) for name, _ in results)])
    header = (
        f"{'scene':<{width}} {'anim':>6} {'draw list':>9} {'batch+upload':>12} {'submit':>6}"
        f" {'sum':>6} {'p99':>6} {'draws':>6} {'GL calls':>8}"
    )
    lines = [header, "-" * len(header)]
    for name, p in results:
        lines.append(
            f"{name:<{width}} {p.median('animation_ms'):>6.2f} {p.median('draw_list_ms'):>9.2f}"
            f" {p.median('prepare_ms'):>12.2f} {p.median('submit_ms'):>6.2f}"
            f" {p.sum_median():>6.2f} {float(np.percentile(p.stage_sum_ms, 99)):>6.2f}"
            f" {p.draw_calls:>6} {p.gl_calls:>8}"
        )
    return "\n".join(lines)


def format_growth(small: tuple[str, PathResult], large: tuple[str, PathResult]) -> str:
    """The large scene against the small one, measured side by side: each stage's ratio,
    the sum against the budget, and whether draw and GL calls stayed flat."""
    (sn, s), (ln, lg) = small, large

    def ratio(k: str) -> str:
        a, b = lg.median(k), s.median(k)
        return f"x{a / b:.2f}" if b > 0 else "-"

    growth = lg.sum_median() / s.sum_median() if s.sum_median() > 0 else float("inf")
    return "\n".join(
        [
            f"{ln} / {sn} (measured side by side, frame by frame in turn):",
            f"  anim {ratio('animation_ms')}, draw list {ratio('draw_list_ms')}, "
            f"batch+upload {ratio('prepare_ms')}, submit {ratio('submit_ms')}; "
            f"sum x{growth:.2f} (aim: at most x{GROWTH:g})",
            f"  sum {lg.sum_median():.2f} ms median for {ln} (aim: at most {BUDGET_MS:g} ms of "
            f"the 11.1 ms frame at 90 Hz): {'within' if lg.sum_median() <= BUDGET_MS else 'OVER'}",
            f"  draw calls {s.draw_calls} -> {lg.draw_calls}, GL calls {s.gl_calls} -> "
            f"{lg.gl_calls} per stereo frame",
        ]
    )
