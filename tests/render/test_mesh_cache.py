"""Meshes go to the GPU once per key and leave when unused for a while."""

from __future__ import annotations

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
    from vrtherapy.render.mesh_cache import UPLOAD_MESHES_PER_FRAME

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
    from vrtherapy.render.mesh_cache import UPLOAD_BYTES_PER_FRAME, mesh_bytes
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
