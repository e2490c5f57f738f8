"""Draw lists as arrays: how a scene's items are grouped into rows for the renderer, once
per scene layout, and each frame's rows filled from world matrices in one numpy pass.

Grouping (Python, per item) runs when the set of shown items changes, not per frame:
:func:`layout` orders the items into runs (opaque by mesh key, then transparent ones,
then those that draw nothing) and keeps their materials as rows; :meth:`Layout.table`
then makes a frame's :class:`~vrtherapy.world.types.DrawTable` from an array of model
matrices with two array copies, whatever the number of items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.world.types import (
    F32,
    I64,
    INSTANCE_FLOATS,
    DrawItem,
    DrawTable,
    Material,
    Mesh,
)


@dataclass(frozen=True, eq=False)
class Layout:
    """Where each of a set of items goes in a frame's rows (see :class:`DrawTable`)."""

    order: I64  # (n,) for each row, the index of its item in what ``layout`` was given
    meshes: tuple[Mesh, ...]  # per run
    starts: I64  # (runs + 1,)
    opaque: int
    drawn: int
    materials: tuple[Material, ...]  # per row
    material_rows: F32  # (n, 6) tint, roughness, emissive per row

    def table(self, transforms: F32, shift: tuple[float, float, float] | None = None) -> DrawTable:
        """This frame's table from the model matrices of the items, (N, 4, 4) indexed by
        ``order``, each moved by ``-shift`` (metres) if given."""
        placed = np.asarray(transforms, np.float32).take(self.order, axis=0)
        flat = placed.reshape(-1, 16)
        if shift is not None and any(shift):
            moved = np.zeros(16, np.float32)
            moved[_TRANSLATION] = shift
            flat -= moved  # the translation column, in one contiguous pass
        rows = np.empty((len(self.order), INSTANCE_FLOATS), np.float32)
        rows[:, :16] = flat[:, _COLUMN_MAJOR]
        rows[:, 16:] = self.material_rows
        rows.flags.writeable = False
        placed.flags.writeable = False
        return DrawTable(
            rows, placed, self.meshes, self.starts, self.opaque, self.drawn, self.materials
        )


# a 4x4 matrix's 16 numbers (row-major) as the rows hold them (column-major), and where
# its translation column sits in the row-major 16
_COLUMN_MAJOR = np.arange(16).reshape(4, 4).T.ravel()
_TRANSLATION = [3, 7, 11]


def layout(meshes: Sequence[Mesh], materials: Sequence[Material]) -> Layout:
    """Group items given as parallel sequences of meshes and materials into runs."""
    opaque: dict[str, list[int]] = {}
    glass: list[int] = []
    hidden: dict[str, list[int]] = {}
    for i, (mesh, material) in enumerate(zip(meshes, materials, strict=True)):
        alpha = material.tint[3]
        if alpha <= 0.0 or len(mesh.indices) == 0:
            hidden.setdefault(mesh.key, []).append(i)
        elif alpha < 0.999:
            glass.append(i)
        else:
            opaque.setdefault(mesh.key, []).append(i)
    runs = [*opaque.values(), *([i] for i in glass), *hidden.values()]
    order = np.fromiter((i for run in runs for i in run), np.int64, len(meshes))
    starts = np.zeros(len(runs) + 1, np.int64)
    starts[1:] = np.cumsum([len(r) for r in runs])
    row_materials = tuple(materials[i] for i in order)
    material_rows = np.array(
        [(*m.tint, m.roughness, m.emissive) for m in row_materials], np.float32
    ).reshape(len(order), INSTANCE_FLOATS - 16)
    return Layout(
        order,
        tuple(meshes[r[0]] for r in runs),
        starts,
        len(opaque),
        len(opaque) + len(glass),
        row_materials,
        material_rows,
    )


def table_of(items: Sequence[DrawItem]) -> DrawTable:
    """A table of DrawItems (draw lists made by hand, as in tests and tools)."""
    lay = layout([it.mesh for it in items], [it.material for it in items])
    transforms = (
        np.stack([it.transform for it in items]).astype(np.float32, copy=False)
        if items
        else np.zeros((0, 4, 4), np.float32)
    )
    return lay.table(transforms)
