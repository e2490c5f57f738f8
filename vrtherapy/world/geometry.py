"""Coloured triangle geometry: primitives, merging, baked ambient occlusion, content keys.

A :class:`Geo` is a loose piece of geometry still being assembled; :func:`bake`
turns it into a :class:`~vrtherapy.world.types.Mesh` whose ``key`` is a hash of
its content. Baking the same content twice returns the *same* Mesh object, so
repeated things share meshes and the renderer can draw them instanced.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trimesh

from vrtherapy.world.transforms import apply, rot_x, rot_y
from vrtherapy.world.types import F32, U32, Mesh

RGBA = tuple[float, float, float, float]

_INTERN: weakref.WeakValueDictionary[str, Mesh] = weakref.WeakValueDictionary()


def rgba(color: str | Sequence[float], alpha: float = 1.0) -> RGBA:
    """A '#rrggbb' sRGB colour (or an sRGB triple 0..1) as linear RGBA."""
    if isinstance(color, str):
        h = color.lstrip("#")
        srgb = [int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    else:
        srgb = [float(c) for c in color[:3]]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]
    return (lin[0], lin[1], lin[2], float(alpha))


@dataclass(frozen=True, eq=False)
class Geo:
    positions: F32
    normals: F32
    colors: F32
    indices: U32


def _unit(n: F32) -> F32:
    length = np.linalg.norm(n, axis=1, keepdims=True)
    bad = length[:, 0] < 1e-8
    out = n / np.where(length < 1e-8, 1.0, length)
    out[bad] = (0.0, 1.0, 0.0)
    return out.astype(np.float32)


def from_trimesh(tm: trimesh.Trimesh, color: RGBA, at: F32 | None = None) -> Geo:
    """Geometry of a trimesh, shaded smooth within ~30 degrees and flat across sharper edges."""
    shaded = tm.smooth_shaded
    pos = np.asarray(shaded.vertices, dtype=np.float32)
    nrm = np.asarray(shaded.vertex_normals, dtype=np.float32)
    if at is not None:
        pos = apply(at, pos)
        nrm = nrm @ at[:3, :3].T
    col = np.broadcast_to(np.asarray(color, dtype=np.float32), (len(pos), 4)).copy()
    idx = np.asarray(shaded.faces, dtype=np.uint32)
    return Geo(pos, _unit(nrm), col, idx)


_FACES = np.array(  # per face: normal, then two tangent axes (u, v) with u x v = normal
    [
        [(1, 0, 0), (0, 0, -1), (0, 1, 0)],
        [(-1, 0, 0), (0, 0, 1), (0, 1, 0)],
        [(0, 1, 0), (1, 0, 0), (0, 0, -1)],
        [(0, -1, 0), (1, 0, 0), (0, 0, 1)],
        [(0, 0, 1), (1, 0, 0), (0, 1, 0)],
        [(0, 0, -1), (-1, 0, 0), (0, 1, 0)],
    ],
    dtype=np.float32,
)
_CORNERS = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=np.float32)


def box(
    w: float, h: float, d: float, color: RGBA, at: F32 | None = None, base: bool = False
) -> Geo:
    """A w x h x d box centred at the origin, or standing on y=0 when ``base``; flat shaded.

    Written directly in numpy (24 vertices) because boxes are the most common part and
    going through trimesh for each costs a hundred times more.
    """
    half = np.array([w, h, d], dtype=np.float32) / 2
    n, u, v = _FACES[:, 0], _FACES[:, 1], _FACES[:, 2]
    pos = (
        n[:, None, :]
        + _CORNERS[None, :, 0:1] * u[:, None, :]
        + _CORNERS[None, :, 1:2] * v[:, None, :]
    )
    pos = (pos * half).reshape(-1, 3)
    if base:
        pos[:, 1] += h / 2
    nrm = np.repeat(n, 4, axis=0)
    q = (np.arange(6) * 4)[:, None]
    idx = np.concatenate([q + np.array([0, 1, 2]), q + np.array([0, 2, 3])]).astype(np.uint32)
    if at is not None:
        pos = apply(at, pos)
        nrm = nrm @ at[:3, :3].T
    col = np.tile(np.asarray(color, dtype=np.float32), (24, 1))
    return Geo(pos.astype(np.float32), _unit(nrm), col, idx)


def cylinder(
    r: float,
    h: float,
    color: RGBA,
    at: F32 | None = None,
    base: bool = False,
    sections: int = 16,
    axis: str = "y",
) -> Geo:
    """A cylinder along ``axis`` (x, y or z), centred, or standing on y=0 when ``base``."""
    tm = trimesh.creation.cylinder(radius=r, height=h, sections=sections)  # along z
    if axis == "y":
        tm.apply_transform(rot_x(-np.pi / 2))
    elif axis == "x":
        tm.apply_transform(rot_y(np.pi / 2))
    if base:
        tm.apply_translation((0, h / 2, 0))
    return from_trimesh(tm, color, at)


def sphere(r: float, color: RGBA, at: F32 | None = None, subdivisions: int = 2) -> Geo:
    return from_trimesh(trimesh.creation.icosphere(subdivisions=subdivisions, radius=r), color, at)


def capsule(
    r: float,
    h: float,
    color: RGBA,
    at: F32 | None = None,
    axis: str = "y",
    count: tuple[int, int] = (12, 12),
) -> Geo:
    """A capsule whose straight part is ``h`` long, centred at the origin along ``axis``;
    ``count`` is (sections around, rings) as for trimesh."""
    tm = trimesh.creation.capsule(height=h, radius=r, count=count)  # along z, centred
    if axis == "y":
        tm.apply_transform(rot_x(-np.pi / 2))
    elif axis == "x":
        tm.apply_transform(rot_y(np.pi / 2))
    return from_trimesh(tm, color, at)


def quad(w: float, h: float, color: RGBA, at: F32 | None = None) -> Geo:
    """A one-sided w x h rectangle in the xy plane facing +z, centred at the origin."""
    pos = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]],
        dtype=np.float32,
    )
    nrm = np.tile(np.array([[0, 0, 1]], dtype=np.float32), (4, 1))
    if at is not None:
        pos = apply(at, pos)
        nrm = nrm @ at[:3, :3].T
    col = np.tile(np.asarray(color, dtype=np.float32), (4, 1))
    idx = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
    return Geo(pos, _unit(nrm), col, idx)


def transformed(geo: Geo, at: F32) -> Geo:
    """``geo`` moved by a rigid 4x4 transform (to merge parts placed apart into one mesh)."""
    return Geo(apply(at, geo.positions), _unit(geo.normals @ at[:3, :3].T), geo.colors, geo.indices)


def merge(*geos: Geo) -> Geo:
    """One Geo holding all of ``geos`` (one draw call instead of many)."""
    offsets = np.cumsum([0] + [len(g.positions) for g in geos[:-1]])
    return Geo(
        np.concatenate([g.positions for g in geos]).astype(np.float32),
        np.concatenate([g.normals for g in geos]).astype(np.float32),
        np.concatenate([g.colors for g in geos]).astype(np.float32),
        np.concatenate([g.indices + np.uint32(o) for g, o in zip(geos, offsets, strict=True)])
        .astype(np.uint32)
        .reshape(-1, 3),
    )


def ambient_occlusion(positions: F32, normals: F32, floor: float = 0.0) -> F32:
    """A cheap baked occlusion factor per vertex (0..1, 1 = fully open).

    Two terms (hand-written: no library bakes AO on the CPU cheaply): a hemisphere
    term, so surfaces facing down receive less sky than surfaces facing up, and a
    contact term that darkens vertical surfaces close to the floor the object
    stands on (``floor``, in the mesh's frame).
    """
    ny = normals[:, 1]
    hemi = 0.78 + 0.22 * ny
    above = np.clip((positions[:, 1] - floor) / 0.45, 0.0, 1.0)
    contact = 0.62 + 0.38 * above * above * (3.0 - 2.0 * above)
    contact = np.where(ny > 0.7, 1.0, contact)
    return np.asarray(hemi * contact, dtype=np.float32)


def bake(geo: Geo, ao: bool = True, floor: float = 0.0) -> Mesh:
    """The final, shared Mesh for ``geo``, with ambient occlusion baked into its colours."""
    colors = geo.colors.copy()
    if ao:
        colors[:, :3] *= ambient_occlusion(geo.positions, geo.normals, floor)[:, None]
    return make_mesh(geo.positions, geo.normals, colors, geo.indices)


def make_mesh(positions: F32, normals: F32, colors: F32, indices: U32) -> Mesh:
    """A Mesh keyed by a hash of its content; identical content gives the identical object."""
    arrays = (
        np.array(positions, dtype=np.float32, copy=True).reshape(-1, 3),
        _unit(np.asarray(normals, dtype=np.float32).reshape(-1, 3)),
        np.clip(colors, 0.0, 1.0).astype(np.float32).reshape(-1, 4),
        np.array(indices, dtype=np.uint32, copy=True).reshape(-1, 3),
    )
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    key = h.hexdigest()
    found = _INTERN.get(key)
    if found is not None:
        return found
    for a in arrays:
        a.flags.writeable = False
    mesh = Mesh(key, arrays[0], arrays[1], arrays[2], arrays[3])
    _INTERN[key] = mesh
    return mesh


def ellipsoid(
    rx: float,
    ry: float,
    rz: float,
    color: RGBA,
    at: F32 | None = None,
    detail: tuple[int, int] | None = None,
) -> Geo:
    """An ellipsoid with radii rx, ry, rz centred at the origin (normals follow the shape).

    By default an icosphere of 320 triangles; ``detail`` = (sections around y, rings from
    pole to pole) makes a lighter one of 2 * sections * (rings - 1) triangles instead.
    """
    if detail is not None:
        sections, rings = detail
        phi = np.linspace(-np.pi / 2, np.pi / 2, rings + 1)
        unit = lathe(np.cos(phi), np.sin(phi), np.cos(phi), np.sin(phi), color, sections)
        scale = np.array([rx, ry, rz], dtype=np.float32)
        pos, nrm = unit.positions * scale, unit.normals / scale
        if at is not None:
            pos = apply(at, pos)
            nrm = nrm @ at[:3, :3].T
        return Geo(pos.astype(np.float32), _unit(nrm), unit.colors, unit.indices)
    tm = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    tm.apply_scale((rx, ry, rz))
    return from_trimesh(tm, color, at)


def dome(
    r: float,
    color: RGBA,
    at: F32 | None = None,
    down_to: float = 0.0,
    count: tuple[int, int] = (16, 16),
) -> Geo:
    """The part of a sphere of radius r above y = down_to * r (a cap, a hemisphere, an eyelid);
    ``count`` is the (sections, rings) of the whole sphere it is cut from."""
    tm = trimesh.creation.uv_sphere(radius=r, count=count)
    keep = tm.vertices[tm.faces][:, :, 1].min(axis=1) >= down_to * r - 1e-6
    cap = trimesh.Trimesh(tm.vertices, tm.faces[keep], process=True)
    return from_trimesh(cap, color, at)


def lathe(
    radius: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    normal_r: Sequence[float] | np.ndarray,
    normal_y: Sequence[float] | np.ndarray,
    color: RGBA | Sequence[RGBA],
    sections: int,
    at: F32 | None = None,
) -> Geo:
    """A surface of revolution about y: profile points (``radius``, ``y``) from bottom to
    top, with their outward normals (``normal_r``, ``normal_y``) and one colour each (or one
    for all), turned ``sections`` times around. A point on the axis becomes one vertex
    (a pole), so no triangle is degenerate. Faces wind counter-clockwise from outside;
    ``at`` places the result."""
    r = np.asarray(radius, dtype=np.float64)
    n_prof = len(r)
    cols = np.asarray(color, dtype=np.float32).reshape(-1, 4)
    cols = np.broadcast_to(cols, (n_prof, 4)) if len(cols) == 1 else cols
    theta = np.arange(sections) * (2 * np.pi / sections)
    pole = r < 1e-9
    pos: list[np.ndarray] = []
    nrm: list[np.ndarray] = []
    col: list[np.ndarray] = []
    first: list[int] = []  # index of each profile point's first vertex
    count = 0
    for i in range(n_prof):
        k = 1 if pole[i] else sections
        c, s_ = (np.ones(1), np.zeros(1)) if pole[i] else (np.cos(theta), np.sin(theta))
        pos.append(np.stack([r[i] * c, np.full(k, y[i]), -r[i] * s_], 1))
        nrm.append(np.stack([normal_r[i] * c, np.full(k, normal_y[i]), -normal_r[i] * s_], 1))
        col.append(np.broadcast_to(cols[i], (k, 4)))
        first.append(count)
        count += k
    j = np.arange(sections)
    jn = (j + 1) % sections
    tris: list[np.ndarray] = []
    for i in range(n_prof - 1):
        a, b = first[i], first[i + 1]  # a ring below b
        if pole[i] and pole[i + 1]:
            continue
        if pole[i]:
            tris.append(np.stack([np.full(sections, a), b + jn, b + j], 1))
        elif pole[i + 1]:
            tris.append(np.stack([a + j, a + jn, np.full(sections, b)], 1))
        else:
            tris.append(np.stack([a + j, a + jn, b + jn], 1))
            tris.append(np.stack([a + j, b + jn, b + j], 1))
    positions = np.concatenate(pos).astype(np.float32)
    normals = np.concatenate(nrm).astype(np.float32)
    if at is not None:
        positions = apply(at, positions)
        normals = normals @ at[:3, :3].T
    return Geo(
        positions.astype(np.float32),
        _unit(normals),
        np.concatenate(col).astype(np.float32),
        np.concatenate(tris).astype(np.uint32),
    )


def smooth_normals(positions: F32, indices: U32) -> F32:
    """Per-vertex normals averaged over the faces around each vertex (weighted by area),
    for a surface whose triangles wind counter-clockwise seen from outside."""
    tm = trimesh.Trimesh(positions, np.asarray(indices).reshape(-1, 3), process=False)
    return _unit(np.asarray(tm.vertex_normals, dtype=np.float32))


def loft(
    rings: Sequence[Sequence[float]] | np.ndarray,
    color: RGBA | Sequence[RGBA],
    sections: int,
    at: F32 | None = None,
    close: tuple[bool, bool] = (False, False),
    angles: np.ndarray | None = None,
) -> Geo:
    """A smooth tube through elliptical rings stacked along y: each ring is
    (y, rx, rz) or (y, rx, rz, dz) — height, half-widths across x and z, and a shift of
    its centre along z — from bottom to top, with one colour each (or one for all).
    ``close`` puts a pole on the (bottom, top) ring; ``angles`` (``sections`` increasing
    radians, default evenly spaced) crowd vertices where detail is wanted. Normals are
    averaged over the faces around each vertex, so limbs, torsos and fingers shade
    smoothly; ``at`` places it.

    Hand-written (like :func:`lathe`): trimesh has no lofting of elliptical sections."""
    rr = np.asarray(rings, dtype=np.float64)
    if rr.shape[1] == 3:
        rr = np.concatenate([rr, np.zeros((len(rr), 1))], axis=1)
    k = len(rr)
    cols = np.asarray(color, dtype=np.float32).reshape(-1, 4)
    cols = np.broadcast_to(cols, (k, 4)) if len(cols) == 1 else cols
    theta = np.arange(sections) * (2 * np.pi / sections) if angles is None else angles
    c, s = np.cos(theta), np.sin(theta)
    y, rx, rz, dz = (rr[:, i : i + 1] for i in range(4))
    pos = np.stack([rx * c, np.broadcast_to(y, (k, sections)), dz - rz * s], axis=2).reshape(-1, 3)
    col = np.repeat(cols, sections, axis=0)
    j = np.arange(sections)
    jn = (j + 1) % sections
    tris = []
    for i in range(k - 1):
        a, b = i * sections, (i + 1) * sections
        tris.append(np.stack([a + j, a + jn, b + jn], 1))
        tris.append(np.stack([a + j, b + jn, b + j], 1))
    extra_pos, extra_col = [], []
    n = k * sections
    if close[0]:
        extra_pos.append([0.0, rr[0, 0], rr[0, 3]])
        extra_col.append(cols[0])
        tris.append(np.stack([np.full(sections, n), jn, j], 1))
        n += 1
    if close[1]:
        a = (k - 1) * sections
        extra_pos.append([0.0, rr[-1, 0], rr[-1, 3]])
        extra_col.append(cols[-1])
        tris.append(np.stack([a + j, a + jn, np.full(sections, n)], 1))
    if extra_pos:
        pos = np.concatenate([pos, np.asarray(extra_pos)])
        col = np.concatenate([col, np.asarray(extra_col, dtype=np.float32)])
    positions = pos.astype(np.float32)
    indices = np.concatenate(tris).astype(np.uint32)
    if at is not None:
        positions = apply(at, positions).astype(np.float32)
    return Geo(positions, smooth_normals(positions, indices), col.astype(np.float32), indices)


def reshaped(geo: Geo, positions: F32, colors: F32 | None = None) -> Geo:
    """``geo`` with its vertices moved (a sculpted shape) and its normals recomputed."""
    pos = np.asarray(positions, dtype=np.float32)
    return Geo(
        pos,
        smooth_normals(pos, geo.indices),
        geo.colors if colors is None else np.asarray(colors, dtype=np.float32),
        geo.indices,
    )


def keep_faces(geo: Geo, keep: np.ndarray) -> Geo:
    """The faces of ``geo`` where ``keep`` (one bool per face) holds, unused vertices dropped."""
    faces = np.asarray(geo.indices).reshape(-1, 3)[np.asarray(keep, dtype=bool)]
    used, inverse = np.unique(faces, return_inverse=True)
    return Geo(
        geo.positions[used],
        geo.normals[used],
        geo.colors[used],
        inverse.reshape(-1, 3).astype(np.uint32),
    )
