"""Helpers for world tests: scenarios from dicts, ray tests against meshes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.world import World
from vrtherapy.world.transforms import apply
from vrtherapy.world.types import DrawItem


def scenario(
    objects: list[dict[str, Any]],
    parameters: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> ScenarioSpec:
    return ScenarioSpec.model_validate(
        {
            "id": "test.scene",
            "title": "Test",
            "family": "custom",
            "parameters": parameters or {},
            "levels": [{"name": "only", "values": values or {}}],
            "objects": objects,
            **extra,
        }
    )


def world_triangles(world: World, name: str) -> np.ndarray:
    """(M, 3, 3) triangles of node ``name``'s mesh in world space."""
    i = world.graph.index(name)
    mesh = world.graph.meshes[i]
    assert mesh is not None
    pts = apply(world.world_matrix(name), mesh.positions)
    return pts[mesh.indices]


def ray_hits(
    tris: np.ndarray, origin: np.ndarray, direction: np.ndarray, max_t: float = np.inf
) -> bool:
    """Whether a ray crosses any triangle before ``max_t`` (Möller–Trumbore, both sides)."""
    e1 = tris[:, 1] - tris[:, 0]
    e2 = tris[:, 2] - tris[:, 0]
    p = np.cross(direction, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = origin - tris[:, 0]
    u = np.einsum("ij,ij->i", s, p) * inv
    q = np.cross(s, e1)
    v = (q @ direction) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    return bool(np.any(ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0) & (t < max_t)))


def point_triangle_distance(tris: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Distance from point ``p`` (3,) to each triangle of ``tris`` (M, 3, 3)
    (closest point by Voronoi region, Ericson, Real-Time Collision Detection 5.1.5)."""
    a, b, c = (tris[:, i].astype(np.float64) for i in range(3))
    p = np.asarray(p, dtype=np.float64)
    ab, ac, ap = b - a, c - a, p - a
    bp, cp = p - b, p - c

    def dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.asarray(np.einsum("ij,ij->i", u, v))

    d1, d2 = dot(ab, ap), dot(ac, ap)
    d3, d4 = dot(ab, bp), dot(ac, bp)
    d5, d6 = dot(ab, cp), dot(ac, cp)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = va + vb + vc
        v = np.where(denom != 0, vb / denom, 0.0)
        w = np.where(denom != 0, vc / denom, 0.0)
        closest = a + ab * v[:, None] + ac * w[:, None]  # inside the face
        on_ab = (vc <= 0) & (d1 >= 0) & (d3 <= 0)
        closest = np.where(on_ab[:, None], a + ab * (d1 / (d1 - d3))[:, None], closest)
        on_ac = (vb <= 0) & (d2 >= 0) & (d6 <= 0)
        closest = np.where(on_ac[:, None], a + ac * (d2 / (d2 - d6))[:, None], closest)
        on_bc = (va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0)
        t_bc = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        closest = np.where(on_bc[:, None], b + (c - b) * t_bc[:, None], closest)
    closest = np.where(((d1 <= 0) & (d2 <= 0))[:, None], a, closest)
    closest = np.where(((d3 >= 0) & (d4 <= d3))[:, None], b, closest)
    closest = np.where(((d6 >= 0) & (d5 <= d6))[:, None], c, closest)
    return np.asarray(np.linalg.norm(closest - p, axis=1))


def triangles_near(items: Sequence[DrawItem], p: np.ndarray, radius: float) -> list[float]:
    """Distances below ``radius`` from ``p`` to the triangles of draw items, in their frame."""
    near: list[float] = []
    for it in items:
        pts = apply(it.transform, it.mesh.positions)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        if np.any(p < lo - radius) or np.any(p > hi + radius):
            continue
        d = point_triangle_distance(pts[it.mesh.indices], p)
        near.extend(float(x) for x in d[d < radius])
    return near
