from __future__ import annotations

import numpy as np

from tests.world.helpers import scenario
from vrtherapy.world import build_world
from vrtherapy.world.graph import SceneGraph, flatten
from vrtherapy.world.model import Part
from vrtherapy.world.transforms import apply, compose, rot_y, translate, trs
from vrtherapy.world.types import Material


def test_child_transform_composes_with_parent() -> None:
    # Parent turned 90 degrees to the left (+z towards +x) and moved 2 m up; the child
    # sits 1 m in front of the parent: it must end up 1 m along +x, 2 m up.
    child = Part("child", None, translate(0, 0, 1))
    parent = Part("", None, compose(translate(0, 2, 0), rot_y(np.pi / 2)), children=(child,))
    frag = flatten(parent)
    graph = SceneGraph(
        frag.paths, frag.parent, frag.local, frag.meshes, frag.materials, frag.visible
    )
    world = graph.world_matrices()
    np.testing.assert_allclose(
        apply(world[graph.index("child")], np.zeros(3))[0], (1, 2, 0), atol=1e-6
    )


def test_batched_world_matrices_match_a_naive_walk() -> None:
    rng = np.random.default_rng(1)
    n = 300
    parent = np.array([-1] + [int(rng.integers(i)) for i in range(1, n)], dtype=np.int32)
    local = np.stack([trs(rng.normal(size=3), rng.uniform(-90, 90, 3), 1.0) for _ in range(n)])
    graph = SceneGraph(
        [str(i) for i in range(n)], parent, local, [None] * n, [Material()] * n, np.ones(n, bool)
    )
    fast = graph.world_matrices()
    for i in rng.integers(n, size=20):
        m = np.eye(4)
        j = int(i)
        while j >= 0:
            m = local[j] @ m
            j = int(parent[j])
        np.testing.assert_allclose(fast[i], m, atol=1e-4)


def test_hidden_parent_hides_its_children_in_the_draw_list() -> None:
    spec = scenario(
        [
            {
                "name": "stand",
                "procedural": "box",
                "visible": "$show",
                "children": [{"name": "cup", "procedural": "cylinder", "args": {"radius": 0.1}}],
            }
        ],
        parameters={"show": {"type": "boolean"}},
        values={"show": True},
    )
    world = build_world(spec, {"show": True})
    shown = len(world.draw_list().items)
    world.set_parameters({"show": False})
    assert shown == 2
    assert len(world.draw_list().items) == 0


def test_object_transform_and_nested_objects_follow_the_authored_placement() -> None:
    spec = scenario(
        [
            {
                "name": "table",
                "procedural": "table",
                "transform": {"position": [2, 0, -3], "rotation": [90, 0, 0]},
                "children": [
                    {"name": "vase", "procedural": "sphere", "transform": {"position": [0, 1, 0.5]}}
                ],
            }
        ]
    )
    world = build_world(spec, {})
    vase = world.world_matrix("vase")
    # yaw 90 turns the child's +z offset into +x
    np.testing.assert_allclose(vase[:3, 3], (2.5, 1.0, -3.0), atol=1e-5)
