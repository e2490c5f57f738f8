"""Instanced drawing: draw calls stay constant as objects multiply, pixels match the
one-call-per-object path."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gl_support import box, draw, item, scene
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer
from vrtherapy.world.types import DrawList


def grid_of_boxes(n: int) -> DrawList:
    """``n`` identical boxes in rows in front of the viewer, plus a floor (2 meshes)."""
    cube = box((0.3, 0.3, 0.3), (0.7, 0.6, 0.2, 1.0))
    floor = box((30, 0.1, 30), (0.4, 0.4, 0.4, 1.0))
    items = [item(floor, 0, -0.05, 0)]
    per_row = 10
    for i in range(n):
        row, col = divmod(i, per_row)
        tint = (1.0, 0.5 + 0.05 * (i % 10), 1.0 - 0.05 * row, 1.0)
        items.append(item(cube, -2.25 + 0.5 * col, 0.15, -2.0 - 0.6 * row, tint))
    return scene(*items)


@pytest.mark.parametrize("n", [1, 10, 60, 200])
@pytest.mark.parametrize("multi_draw", [True, False])
def test_draw_calls_do_not_grow_with_the_number_of_boxes(
    display: HeadlessDisplay,
    renderer: Renderer,
    n: int,
    multi_draw: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert renderer.meshes.multi_draw  # llvmpipe has OpenGL 4.5
    monkeypatch.setattr(renderer.meshes, "multi_draw", multi_draw)  # as on OpenGL 3.3-4.2
    draw(display, renderer, grid_of_boxes(n))
    stats = renderer.last_frame_stats
    eyes = display.eyes
    if multi_draw:
        assert stats.draw_calls == eyes * 2  # every opaque batch in one multi-draw, sky
    else:
        assert stats.draw_calls == eyes * 3  # floor batch, box batch, sky
    assert stats.triangles == eyes * (12 * (n + 1) + 1)


def three_meshes() -> DrawList:
    extra = box((0.2, 0.5, 0.2), (0.1, 0.3, 0.9, 1.0))
    return scene(
        *grid_of_boxes(40).items, item(extra, 0.4, 0.5, -1.5), item(extra, -0.6, 0.5, -1.8)
    )


@pytest.mark.parametrize("base_instance", [True, False])
def test_one_multi_draw_and_a_call_per_batch_give_the_same_pixels(
    display: HeadlessDisplay,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    base_instance: bool,
) -> None:
    """The fallbacks for contexts without indirect multi-draws (a call per mesh, starting
    at its rows: with a base instance on OpenGL 4.2, else with the instance attributes
    pointed at them) draw what the multi-draw draws."""
    dl = three_meshes()
    multi = draw(display, renderer, dl)
    monkeypatch.setattr(renderer.meshes, "multi_draw", False)
    monkeypatch.setattr(renderer.meshes, "base_instance", base_instance)
    per_batch = draw(display, renderer, dl)
    assert renderer.last_frame_stats.draw_calls == display.eyes * 4  # 3 meshes, sky
    for a, b in zip(multi, per_batch, strict=True):
        assert np.array_equal(a, b)
    assert (multi[0][..., 2] > multi[0][..., 0] + 40).sum() > 50  # the blue boxes are there


@pytest.mark.parametrize("then_multi_draw", [True, False])
def test_draws_from_the_first_row_after_runs_were_pointed_at_theirs(
    display: HeadlessDisplay,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    then_multi_draw: bool,
) -> None:
    """The OpenGL 3.3-4.1 path points instance attributes at each run's rows; the paths
    that start each run at its rows (multi-draw, base instance) read them from the
    first row all the same, or every run would be shifted."""
    monkeypatch.setattr(renderer.meshes, "multi_draw", False)
    monkeypatch.setattr(renderer.meshes, "base_instance", False)
    expected = draw(display, renderer, three_meshes())  # each run pointed at its rows
    draw(display, renderer, grid_of_boxes(30))
    monkeypatch.setattr(renderer.meshes, "multi_draw", then_multi_draw)
    monkeypatch.setattr(renderer.meshes, "base_instance", True)
    got = draw(display, renderer, three_meshes())  # a new layout: commands made anew
    for a, b in zip(expected, got, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("base_instance", [True, False])
def test_without_multi_draws_a_run_costs_one_call(
    display: HeadlessDisplay,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    base_instance: bool,
) -> None:
    """Without indirect multi-draws each run is one draw: with base instances (OpenGL
    4.2) one that starts at its rows, else (3.3-4.1) one from the run's own vertex
    array, kept while the layout stays. A frame costs at most a call per run and pass
    more than with the multi-draw, two without base instances (re-pointing six
    attributes per run and pass tripled a stock scene's GL calls)."""
    dl = three_meshes()
    for _ in range(2):  # the second frame: nothing new to upload
        draw(display, renderer, dl)
    multi = renderer.last_frame_stats.gl_calls
    monkeypatch.setattr(renderer.meshes, "multi_draw", False)
    monkeypatch.setattr(renderer.meshes, "base_instance", base_instance)
    for _ in range(2):
        draw(display, renderer, dl)
    stats = renderer.last_frame_stats
    runs, passes = 3, display.eyes
    assert stats.draw_calls == passes * (runs + 1)  # and the sky
    assert stats.gl_calls - multi <= passes * (runs - 1 if base_instance else 2 * runs)


def test_naive_path_makes_one_call_per_object(display: HeadlessDisplay, renderer: Renderer) -> None:
    renderer.instancing = False
    draw(display, renderer, grid_of_boxes(60))
    assert renderer.last_frame_stats.draw_calls == display.eyes * (61 + 1)


def test_instanced_and_naive_paths_give_the_same_pixels(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    dl = grid_of_boxes(60)
    instanced = draw(display, renderer, dl)
    calls_instanced = renderer.last_frame_stats.gl_calls
    renderer.instancing = False
    naive = draw(display, renderer, dl)
    assert renderer.last_frame_stats.gl_calls > 3 * calls_instanced
    for a, b in zip(instanced, naive, strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    # and the picture holds the boxes (tinted, so not one flat colour)
    assert len(np.unique(instanced[0].reshape(-1, 3), axis=0)) > 20


def test_static_scene_uploads_instances_once(display: HeadlessDisplay, renderer: Renderer) -> None:
    dl = grid_of_boxes(30)
    draw(display, renderer, dl)
    first = renderer.last_frame_stats.gl_calls
    draw(display, renderer, dl)
    second = renderer.last_frame_stats.gl_calls
    assert second < first  # no instance buffer update when nothing moved
    moved = grid_of_boxes(31)
    draw(display, renderer, moved)
    assert renderer.last_frame_stats.gl_calls > second
