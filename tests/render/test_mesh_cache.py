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
