"""Measuring the renderer headless: GL work and CPU time per stereo frame, for the
instanced path and the naive one-call-per-object path in the same run, and the share
of the sun's shadow pass in both (GL calls, CPU time)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.cli.render_scenes import WorldLike
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer, View
from vrtherapy.world.types import DrawList


@dataclass(frozen=True)
class PathResult:
    draw_calls: int
    gl_calls: int
    triangles: int
    cpu_ms: Sequence[float]  # time in Renderer.render per stereo frame
    frame_ms: Sequence[float]  # including glFinish (llvmpipe rasterises on the CPU)
    shadow_gl_calls: int = 0  # the shadow pass's share of gl_calls (0: no sun)
    shadow_ms: Sequence[float] = (0.0,)  # CPU time of the shadow pass per stereo frame

    def median(self, which: str) -> float:
        return float(np.median(getattr(self, which)))

    def p99(self, which: str) -> float:
        return float(np.percentile(getattr(self, which), 99))


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
    from OpenGL import GL

    cpu: list[float] = []
    total: list[float] = []
    shadow: list[float] = []
    stats = renderer.last_frame_stats
    for i in range(warmup + frames):
        t = i / display.refresh_hz
        world.advance(t)
        draw_list = world.draw_list()

        def render(views: Sequence[View], when: float, dl: DrawList = draw_list) -> None:
            start = time.perf_counter()
            renderer.render(views, dl, time=when)
            cpu.append((time.perf_counter() - start) * 1000.0)
            shadow.append(renderer.last_shadow_ms)

        start = time.perf_counter()
        display.frame(render)
        GL.glFinish()
        total.append((time.perf_counter() - start) * 1000.0)
        stats = renderer.last_frame_stats
    return PathResult(
        stats.draw_calls,
        stats.gl_calls,
        stats.triangles,
        cpu[warmup:],
        total[warmup:],
        renderer.last_shadow_stats.gl_calls,
        shadow[warmup:],
    )


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
