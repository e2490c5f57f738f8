"""Helpers for tests that render real pixels through Mesa's EGL (no display needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import trimesh

from tests.system_needs import missing
from vrtherapy.display.base import DisplayUnavailable
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.render import Overlay, Renderer
from vrtherapy.render.overlay import NO_OVERLAY
from vrtherapy.world.types import DrawItem, DrawList, EnvironmentLook, Material, Mesh

U8 = npt.NDArray[np.uint8]
SIZE = (160, 120)


def mesh_from_trimesh(tm: trimesh.Trimesh, color: Sequence[float]) -> Mesh:
    """Flat-shaded copy of ``tm`` with one linear RGBA colour on every vertex."""
    tm = tm.copy()
    tm.unmerge_vertices()
    positions = np.asarray(tm.vertices, dtype=np.float32)
    colors = np.tile(np.asarray(color, dtype=np.float32), (len(positions), 1))
    indices = np.asarray(tm.faces, dtype=np.uint32)
    key = hashlib.sha1(positions.tobytes() + colors.tobytes() + indices.tobytes()).hexdigest()
    normals = np.asarray(tm.vertex_normals, dtype=np.float32)
    return Mesh(key, positions, normals, colors, indices)


def box(size: Sequence[float] = (1, 1, 1), color: Sequence[float] = (1, 1, 1, 1)) -> Mesh:
    return mesh_from_trimesh(trimesh.creation.box(extents=size), color)


def at(x: float, y: float, z: float) -> npt.NDArray[np.float32]:
    m = np.eye(4, dtype=np.float32)
    m[:3, 3] = (x, y, z)
    return m


def item(
    mesh: Mesh, x: float, y: float, z: float, tint: Sequence[float] = (1, 1, 1, 1), **kw: float
) -> DrawItem:
    return DrawItem(mesh, at(x, y, z), Material(tint=tuple(tint), **kw))  # type: ignore[arg-type]


def scene(*items: DrawItem, env: EnvironmentLook | None = None, **kw: float) -> DrawList:
    return DrawList(tuple(items), env or EnvironmentLook(), **kw)


@contextmanager
def headless(
    size: tuple[int, int] = SIZE, head: HeadPose | None = None, **kw: object
) -> Iterator[HeadlessDisplay]:
    """An open headless display; EGL missing skips locally and fails in CI."""
    display = HeadlessDisplay(size, head=head, **kw)  # type: ignore[arg-type]
    try:
        display.open()
    except DisplayUnavailable as exc:
        missing(f"EGL/OpenGL ({exc})", "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri")
    try:
        yield display
    finally:
        display.close()


def draw(
    display: HeadlessDisplay,
    renderer: Renderer,
    draw_list: DrawList,
    overlay: Overlay = NO_OVERLAY,
    fade: float = 0.0,
) -> list[U8]:
    """Render one frame; return every eye's pixels (H, W, 3)."""
    display.frame(lambda views, t: renderer.render(views, draw_list, overlay, fade, t))
    return [display.read_pixels(eye) for eye in range(display.eyes)]


def mask_of(image: U8, color: Sequence[int], tolerance: int = 40) -> npt.NDArray[np.bool_]:
    """Pixels within ``tolerance`` (per channel) of an sRGB colour."""
    diff = np.abs(image.astype(np.int32) - np.asarray(color, dtype=np.int32)[None, None, :])
    return np.asarray(diff.max(axis=2) <= tolerance)
