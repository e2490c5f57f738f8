"""Grouping draw items into instanced batches (pure numpy, no GL)."""

from __future__ import annotations

import numpy as np

from tests.gl_support import at, box, item
from vrtherapy.render.batching import Batcher
from vrtherapy.world.draw_table import table_of
from vrtherapy.world.types import DrawItem, DrawList, Material


def test_opaque_items_group_by_mesh_and_glass_sorts_far_to_near() -> None:
    a, b, pane = box((1, 1, 1)), box((1, 2, 1)), box((1, 1, 0.01))
    items = [
        item(a, 0, 0, -1),
        item(b, 0, 0, -2),
        item(a, 1, 0, -1),
        item(pane, 0, 0, -1, (1, 1, 1, 0.5)),
        item(pane, 0, 0, -9, (1, 1, 1, 0.5)),
        item(pane, 0, 0, -4, (1, 1, 1, 0.5)),
        item(a, 0, 0, -1, (1, 1, 1, 0.0)),  # invisible: skipped
    ]
    plan = Batcher().plan(DrawList(items), np.zeros(3, np.float32))
    assert [(run.mesh.key, run.count) for run in plan.opaque] == [(a.key, 2), (b.key, 1)]
    rows = plan.table.rows
    assert [rows[run.first, 14] for run in plan.transparent] == [-9, -4, -1]
    assert len(plan.opaque_rows()) == 3
    assert len(plan.table) == len(items)  # the invisible item is kept, not drawn


def test_instance_rows_hold_the_matrix_by_columns_then_tint_and_material() -> None:
    m = at(1, 2, 3)
    rows = table_of([DrawItem(box(), m, Material((0.5, 0.25, 1, 1), 0.3, 0.7))]).rows
    assert rows.shape == (1, 22)
    assert list(rows[0, 12:16]) == [1, 2, 3, 1]  # fourth column: the translation
    assert np.allclose(rows[0, 16:22], [0.5, 0.25, 1, 1, 0.3, 0.7])
