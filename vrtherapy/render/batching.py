"""Group a draw list into instanced batches; sort glass back to front.

Pure numpy, no GL: opaque items that share a ``Mesh.key`` become one batch
(one instanced draw call); transparent items are drawn one by one, farthest
first, after everything opaque.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.render.mesh_cache import INSTANCE_FLOATS
from vrtherapy.world.types import F32, DrawItem, Mesh


@dataclass(frozen=True, eq=False)
class Batch:
    """Opaque items sharing one mesh, as rows of instance data."""

    mesh: Mesh
    instances: F32  # (n, INSTANCE_FLOATS)


@dataclass(frozen=True, eq=False)
class FramePlan:
    opaque: tuple[Batch, ...]
    transparent: tuple[DrawItem, ...]  # back to front as seen from the viewpoint
    opaque_items: tuple[DrawItem, ...]  # in batch order (for the one-call-per-object path)


def instance_rows(items: Sequence[DrawItem]) -> F32:
    """Per-instance rows: model matrix column by column, tint, roughness, emissive."""
    out = np.empty((len(items), INSTANCE_FLOATS), dtype=np.float32)
    if not items:
        return out
    models = np.stack([it.transform for it in items]).astype(np.float32, copy=False)
    out[:, 0:16] = models.transpose(0, 2, 1).reshape(len(items), 16)
    out[:, 16:20] = [it.material.tint for it in items]
    out[:, 20:22] = [(it.material.roughness, it.material.emissive) for it in items]
    return out


class Batcher:
    """Turns draw lists into frame plans; remembers each mesh's centre for sorting."""

    def __init__(self) -> None:
        self._centres: dict[str, F32] = {}

    def centre(self, mesh: Mesh) -> F32:
        c = self._centres.get(mesh.key)
        if c is None:
            p = mesh.positions
            c = ((p.min(axis=0) + p.max(axis=0)) / 2.0 if len(p) else np.zeros(3)).astype(
                np.float32
            )
            self._centres[mesh.key] = c
        return c

    def forget(self, keys: Sequence[str]) -> None:
        for k in keys:
            self._centres.pop(k, None)

    def plan(self, items: Sequence[DrawItem], viewpoint: F32) -> FramePlan:
        groups: dict[str, list[DrawItem]] = {}
        glass: list[DrawItem] = []
        for it in items:
            tint_alpha = it.material.tint[3]
            if tint_alpha <= 0.0 or len(it.mesh.indices) == 0:
                continue
            if tint_alpha < 0.999:
                glass.append(it)
            else:
                groups.setdefault(it.mesh.key, []).append(it)
        batches = tuple(Batch(g[0].mesh, instance_rows(g)) for g in groups.values())
        ordered = tuple(it for g in groups.values() for it in g)
        if glass:
            centres = np.array(
                [it.transform[:3, :3] @ self.centre(it.mesh) + it.transform[:3, 3] for it in glass]
            )
            dist = np.linalg.norm(centres - viewpoint[None, :], axis=1)
            glass = [glass[i] for i in np.argsort(-dist, kind="stable")]
        return FramePlan(batches, tuple(glass), ordered)
