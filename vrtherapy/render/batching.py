"""Plan a frame from a draw table: instanced runs, glass sorted back to front.

Pure numpy, no GL. A draw list's table (``DrawTable``) already holds its rows grouped
by mesh (the world groups once per scene layout, not per frame): opaque runs become one
instanced draw command each (the renderer draws them all with one multi-draw);
transparent rows are drawn one by one, farthest first, after
everything opaque. Nothing here is per item in Python except the glass order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.world.draw_table import table_of
from vrtherapy.world.types import F32, I64, DrawList, DrawTable, Mesh


@dataclass(frozen=True, eq=False)
class Run:
    """Rows ``first : first + count`` of the frame's instance data, all of one mesh."""

    mesh: Mesh
    first: int
    count: int


@dataclass(frozen=True, eq=False)
class FramePlan:
    table: DrawTable  # its ``rows`` are the frame's instance data, uploaded as one block
    transparent: tuple[Run, ...]  # one row each, back to front as seen from the viewpoint

    @property
    def opaque(self) -> tuple[Run, ...]:
        """The table's opaque runs, one instanced draw each (the renderer draws them all
        from the table's arrays at once; this is for drawing them one by one)."""
        t = self.table
        return tuple(
            Run(t.meshes[k], int(t.starts[k]), int(t.starts[k + 1] - t.starts[k]))
            for k in range(t.opaque)
        )

    def opaque_rows(self) -> I64:
        """Rows of every opaque item, in run order (for the one-call-per-object path)."""
        parts = [np.arange(r.first, r.first + r.count, dtype=np.int64) for r in self.opaque]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)


class Batcher:
    """Turns draw lists into frame plans; remembers each mesh's centre for sorting and the
    table of the last hand-made draw list."""

    def __init__(self) -> None:
        self._centres: dict[str, F32] = {}
        self._made: tuple[DrawList, DrawTable] | None = None

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

    def table(self, draw_list: DrawList) -> DrawTable:
        """The draw list's table; one made from items is kept while the list is reused."""
        if draw_list.table is not None:
            return draw_list.table
        if self._made is None or self._made[0] is not draw_list:
            self._made = (draw_list, table_of(draw_list.items))
        return self._made[1]

    def plan(self, draw_list: DrawList, viewpoint: F32) -> FramePlan:
        table = self.table(draw_list)
        starts = table.starts
        glass = range(table.opaque, table.drawn)
        if not glass:
            return FramePlan(table, ())
        rows = starts[table.opaque : table.drawn]
        centres = np.array([self.centre(table.meshes[k]) for k in glass], np.float32)
        m = table.transforms[rows]
        world = np.einsum("nij,nj->ni", m[:, :3, :3], centres) + m[:, :3, 3]
        dist = np.linalg.norm(world - viewpoint[None, :], axis=1)
        back_to_front = np.argsort(-dist, kind="stable")
        transparent = tuple(
            Run(table.meshes[table.opaque + int(i)], int(rows[i]), 1) for i in back_to_front
        )
        return FramePlan(table, transparent)
