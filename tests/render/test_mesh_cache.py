"""Meshes go to the GPU once per key and leave when unused for a while."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gl_support import box, draw, item, scene
from vrtherapy.display.headless import HeadlessDisplay
from vrtherapy.render import Renderer


def test_each_mesh_key_is_uploaded_once(display: HeadlessDisplay, renderer: Renderer) -> None:
    a = box((0.2, 0.2, 0.2), (0.1, 0.2, 0.3, 1))
    b = box((0.2, 0.4, 0.2), (0.1, 0.2, 0.3, 1))
    before = renderer.meshes.uploads
    dl = scene(*(item(a, i * 0.3, 1, -2) for i in range(5)), item(b, 0, 1, -3))
    for _ in range(3):
        draw(display, renderer, dl)
    assert renderer.meshes.uploads - before == 2
    assert a.key in renderer.meshes and b.key in renderer.meshes


def test_unused_meshes_are_evicted(display: HeadlessDisplay) -> None:
    display.make_current()
    r = Renderer(evict_after_frames=10)
    try:
        old = box((0.3, 0.3, 0.3), (1, 0, 0, 1))
        new = box((0.3, 0.3, 0.31), (1, 0, 0, 1))
        draw(display, r, scene(item(old, 0, 1, -2)))
        assert old.key in r.meshes
        for _ in range(80):
            draw(display, r, scene(item(new, 0, 1, -2)))
        assert old.key not in r.meshes
        assert new.key in r.meshes
        # Coming back uploads it again and draws it.
        image = draw(display, r, scene(item(old, 0, 1.6, -1.5)))[0]
        assert old.key in r.meshes
        assert image[60, 80, 0] > image[60, 80, 2]
    finally:
        r.release()


def test_a_new_scene_reaches_the_gpu_a_bounded_amount_per_frame(display: HeadlessDisplay) -> None:
    """A scene that is about to come on screen is preloaded over several frames, never more
    than one frame's budget at a time; drawing it afterwards uploads nothing."""
    from vrtherapy.render.gpu_store import UPLOAD_MESHES_PER_FRAME

    display.make_current()
    r = Renderer()
    try:
        meshes = [box((0.1, 0.1, 0.1 + i / 1000), (1, 0, 0, 1)) for i in range(30)]
        dl = scene(
            *(item(m, (i % 6) * 0.2 - 0.5, 1.2 + (i // 6) * 0.1, -2) for i, m in enumerate(meshes))
        )
        per_frame = []
        done = False
        while not done:
            before = r.meshes.uploads
            done = r.preload(meshes)
            draw(display, r, scene())  # the current scene's frame (nothing new in it)
            per_frame.append(r.meshes.uploads - before)
        assert sum(per_frame) == len(meshes)
        assert max(per_frame) <= UPLOAD_MESHES_PER_FRAME
        assert len(per_frame) >= len(meshes) // UPLOAD_MESHES_PER_FRAME
        before = r.meshes.uploads
        image = draw(display, r, dl)[0]
        assert r.meshes.uploads == before  # swapped in: everything was already there
        assert image[..., 0].max() > 100  # and it draws (red boxes)
    finally:
        r.release()


def test_the_upload_budget_is_per_frame_and_lets_one_large_mesh_through(
    display: HeadlessDisplay,
) -> None:
    from vrtherapy.render.gpu_store import UPLOAD_BYTES_PER_FRAME
    from vrtherapy.render.mesh_cache import mesh_bytes
    from vrtherapy.world.geometry import bake, sphere

    display.make_current()
    r = Renderer()
    try:
        big = bake(sphere(1.0, (1, 1, 1, 1), subdivisions=6), ao=False)
        small = box((0.1, 0.1, 0.1), (1, 0, 0, 1))
        assert mesh_bytes(big) > UPLOAD_BYTES_PER_FRAME
        assert not r.preload([big, small])  # the large one alone in this frame
        assert not r.preload([small])  # a second ask in the same frame: budget spent
        assert small.key not in r.meshes
        draw(display, r, scene())
        assert r.preload([big, small])  # the next frame has a fresh budget
    finally:
        r.release()


def boxes_of_many_colours() -> list[tuple[float, float, float]]:
    return [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1), (1, 0, 1), (1, 1, 1)]


@pytest.mark.parametrize(
    ("multi_draw", "base_instance"), [(True, True), (False, True), (False, False)]
)
def test_meshes_drawn_after_the_shared_buffers_grew_look_as_before(
    display: HeadlessDisplay,
    monkeypatch: pytest.MonkeyPatch,
    multi_draw: bool,
    base_instance: bool,
) -> None:
    """The shared vertex and index buffers start small here and grow with nearly every
    mesh; what they held before is copied over, and every vertex array (the runs' own
    ones on OpenGL 3.3-4.1) reads the new buffers: the picture is the same as from roomy
    buffers, pixel for pixel."""
    from vrtherapy.render import mesh_cache

    colours = boxes_of_many_colours()
    meshes = [box((0.25, 0.25 + i / 100, 0.25), (*c, 1.0)) for i, c in enumerate(colours)]
    # the last mesh uploaded first: its run starts at row 0, as each mesh's did below
    dl = scene(*(item(m, -0.9 + 0.3 * i, 1.5, -2.0) for i, m in reversed(list(enumerate(meshes)))))
    display.make_current()
    roomy = Renderer()
    try:
        expected = draw(display, roomy, dl)
        assert roomy.meshes.capacity == (mesh_cache.VERTEX_CAPACITY, mesh_cache.INDEX_CAPACITY)
    finally:
        roomy.release()
    monkeypatch.setattr(mesh_cache, "VERTEX_CAPACITY", 30)
    monkeypatch.setattr(mesh_cache, "INDEX_CAPACITY", 40)
    tight = Renderer()
    tight.meshes.multi_draw, tight.meshes.base_instance = multi_draw, base_instance
    try:
        for m in meshes:  # one at a time: each upload may grow the buffers
            draw(display, tight, scene(item(m, 0, 1.5, -2.0)))
        got = draw(display, tight, dl)
        vertices, indices = tight.meshes.capacity
        assert vertices >= 7 * 24 and indices >= 7 * 36  # grew from 30 and 40
        for a, b in zip(expected, got, strict=True):
            assert np.array_equal(a, b)
        assert len({tuple(p) for p in got[0].reshape(-1, 3)[::7]}) > 7  # all the colours
    finally:
        tight.release()


def test_evicted_meshes_leave_room_for_the_next_ones(
    display: HeadlessDisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session that moves through many scenes does not grow the shared buffers without
    end: the space of meshes no longer drawn is handed to new ones."""
    from vrtherapy.render import mesh_cache
    from vrtherapy.render.renderer import EVICT_EVERY_FRAMES

    box_vertices, scenes, per_scene = 24, 30, 60
    monkeypatch.setattr(mesh_cache, "VERTEX_CAPACITY", box_vertices * per_scene)
    monkeypatch.setattr(mesh_cache, "INDEX_CAPACITY", 36 * per_scene)
    display.make_current()
    r = Renderer(evict_after_frames=2)
    try:
        for step in range(scenes):  # 30 scenes of 60 new boxes each
            meshes = [
                box((0.1, 0.1, 0.1 + (step * per_scene + i) / 1e5), (1, 0, 0, 1))
                for i in range(per_scene)
            ]
            dl = scene(
                *(
                    item(m, (i % 10) * 0.2 - 1, 1 + (i // 10) * 0.2, -3)
                    for i, m in enumerate(meshes)
                )
            )
            for _ in range(EVICT_EVERY_FRAMES // 4):
                image = draw(display, r, dl)[0]
            assert image[..., 0].max() > 100
        # all of them at once would need 30 scenes' worth; the scenes drawn since the
        # last eviction fit in far less
        vertices, _ = r.meshes.capacity
        assert vertices <= 8 * box_vertices * per_scene
        assert len(r.meshes) <= 8 * per_scene
    finally:
        r.release()


def test_a_scene_back_from_a_long_blackout_looks_as_before(
    display: HeadlessDisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blackout frames draw nothing, so the scene's meshes are not marked used: they are
    evicted, and a mesh preloaded meanwhile takes their space. The scene's unchanged draw
    list afterwards (the same table, as the world hands out while nothing moves) uploads
    them again: the same picture, not the newcomer's triangles where they were."""
    from vrtherapy.render import renderer as renderer_module
    from vrtherapy.world.draw_table import table_of
    from vrtherapy.world.types import DrawList

    monkeypatch.setattr(renderer_module, "EVICT_EVERY_FRAMES", 1)
    display.make_current()
    r = Renderer(evict_after_frames=3)
    try:
        red = box((0.6, 0.6, 0.6), (1, 0, 0, 1))
        dl = DrawList(None, table=table_of([item(red, 0, 1.6, -2)]))
        before = draw(display, r, dl)
        for _ in range(6):
            draw(display, r, dl, fade=1.0)
        assert red.key not in r.meshes
        blue = box((0.6, 0.6, 0.6), (0, 0, 1, 1))  # as many vertices: red's old place
        assert r.preload([blue])
        after = draw(display, r, dl)
        assert red.key in r.meshes
        for a, b in zip(before, after, strict=True):
            assert np.array_equal(a, b)
    finally:
        r.release()


@pytest.mark.parametrize(
    ("multi_draw", "base_instance"), [(True, True), (False, True), (False, False)]
)
def test_a_long_lived_renderer_draws_what_a_new_one_draws(
    display: HeadlessDisplay,
    monkeypatch: pytest.MonkeyPatch,
    multi_draw: bool,
    base_instance: bool,
) -> None:
    """Scenes come and go at random (some drawn again from the same table, some after
    blank or blackout frames that evict their meshes, meshes preloaded between, glass,
    the sun's shadows on and off, another renderer drawing in the same context), into
    buffers that start tiny and with eviction after two frames: every frame is the
    picture a new renderer draws of the same scene, pixel for pixel."""
    from vrtherapy.render import mesh_cache
    from vrtherapy.render import renderer as renderer_module
    from vrtherapy.world.draw_table import table_of
    from vrtherapy.world.types import DrawList, EnvironmentLook

    rng = np.random.default_rng(7)
    colours = boxes_of_many_colours()
    pool = [
        box((0.2 + 0.01 * i, 0.2 + 0.02 * (i % 5), 0.2), (*colours[i % 7], 1.0)) for i in range(16)
    ]
    ground = box((4, 0.05, 4), (0.6, 0.6, 0.6, 1))
    monkeypatch.setattr(renderer_module, "EVICT_EVERY_FRAMES", 1)
    monkeypatch.setattr(mesh_cache, "VERTEX_CAPACITY", 30)
    monkeypatch.setattr(mesh_cache, "INDEX_CAPACITY", 40)
    display.make_current()
    r, other = Renderer(evict_after_frames=2), Renderer()
    r.meshes.multi_draw, r.meshes.base_instance = multi_draw, base_instance
    monkeypatch.undo()  # the new renderers below: roomy buffers, the usual eviction
    shown: list[DrawList] = []
    try:
        for _ in range(24):
            if shown and rng.random() < 0.4:
                dl = shown[int(rng.integers(len(shown)))]  # the same table again
            else:
                items = [item(ground, 0, 0, -2.5)]
                for j, m in enumerate(rng.choice(16, int(rng.integers(0, 7)), replace=False)):
                    for k in range(int(rng.integers(1, 4))):
                        alpha = 0.5 if rng.random() < 0.15 else 1.0
                        items.append(
                            item(pool[m], -1.2 + 0.3 * j, 1 + 0.3 * k, -2.5, (1, 1, 1, alpha))
                        )
                env = EnvironmentLook(shadows=bool(rng.random() < 0.5))
                dl = DrawList(None, env, table=table_of(items))
                shown.append(dl)
            if rng.random() < 0.3:  # blank frames: a blackout, or nothing to draw
                blackout = bool(rng.random() < 0.5)
                for _ in range(int(rng.integers(1, 5))):
                    draw(display, r, dl if blackout else scene(), fade=1.0 if blackout else 0.0)
            if rng.random() < 0.3:
                r.preload([pool[int(i)] for i in rng.choice(16, 3, replace=False)])
            if rng.random() < 0.3:
                draw(display, other, scene(*dl.items[:3], env=dl.environment))
            for _ in range(int(rng.integers(1, 3))):
                got = draw(display, r, dl)
            fresh = Renderer()
            try:
                expected = draw(display, fresh, dl)
            finally:
                fresh.release()
            for a, b in zip(expected, got, strict=True):
                assert np.array_equal(a, b)
    finally:
        r.release()
        other.release()
