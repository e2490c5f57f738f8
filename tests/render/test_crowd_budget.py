"""Draw and GL calls per frame stay flat with audience size: a crowd of 60 (and a partner
talking) costs the GL driver the same calls as a crowd of 30; only instance counts grow.
(People differ in hair, eyes and body, a fixed handful of shared meshes: a crowd of 30
already shows every one of them, a crowd of 15 may not.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gl_support import draw
from vrtherapy.cli.live_scene import live_audience
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer
from vrtherapy.render.glcalls import FrameStats


def steady_frame(display: HeadlessDisplay, renderer: Renderer, people: int) -> FrameStats:
    scene = live_audience(people)
    for i in range(3):  # the first frame uploads meshes and points them at their rows
        scene.advance(0.5 + i / 90)
        draw(display, renderer, scene.draw_list())
    return renderer.last_frame_stats


def test_draw_and_gl_calls_are_the_same_for_30_and_60_people(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    few = steady_frame(display, renderer, 30)
    many = steady_frame(display, renderer, 60)
    assert many.draw_calls == few.draw_calls
    assert many.gl_calls == few.gl_calls
    assert many.triangles > 1.6 * few.triangles  # twice the people, drawn instanced


def test_a_live_frame_uploads_its_instances_once(
    display: HeadlessDisplay, renderer: Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = live_audience(15)
    uploads: list[int] = []
    sub_data = renderer.gl.glBufferSubData  # the counting wrapper around GL's

    def counted(*args: Any) -> Any:
        uploads.append(int(args[2]))  # bytes
        return sub_data(*args)

    monkeypatch.setattr(renderer.gl, "glBufferSubData", counted)
    scene.advance(0.9)
    draw(display, renderer, scene.draw_list())  # the first frame uploads the meshes too
    for i in range(3):
        scene.advance(1.0 + i / 90)
        dl = scene.draw_list()
        assert dl.table is not None  # the world hands over arrays, not Python items
        uploads.clear()
        draw(display, renderer, dl)
        assert uploads == [dl.table.rows.nbytes]  # one upload: every instance of the frame
