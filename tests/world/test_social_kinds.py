"""The procedural kinds the social scenarios are built from: a desk with a chair behind
it, the client's seat (a seated view), and a service counter with a queue behind the
client whose impatient members cross their arms."""

from __future__ import annotations

import numpy as np

from tests.render.test_stock_social import arms_crossed
from tests.world.helpers import scenario
from vrtherapy.world import World, build
from vrtherapy.world.model import Built, walk


def triangles(built: Built) -> int:
    return sum(len(p.mesh.indices) for _, p, _ in walk(built.root) if p.mesh is not None)


def test_the_client_seat_seats_the_client() -> None:
    built = build("client_seat", {"eye_height": 1.15})
    assert built.stand == (0.0, 0.0, 0.0) and built.eye_height == 1.15
    [chair] = built.root.children
    assert chair.transform[2, 3] > 0  # under and behind the eyes, not in front of them


def test_the_desk_has_its_chair_behind_it_and_shows_only_what_is_asked() -> None:
    dressed = build("desk", {"depth": 0.8})
    chair = {p.name: p for p in dressed.root.children}["chair"]
    assert chair.transform[2, 3] == np.float32(-0.9)  # depth / 2 + 0.5 behind the centre
    bare = build("desk", {"laptop": False, "papers": False, "chair": False})
    assert [p.name for p in bare.root.children] == ["desk"]
    assert triangles(dressed) > triangles(bare)


def queue_world(**args: object) -> World:
    objects = [{"name": "counter", "procedural": "service_counter", "args": args}]
    return World(scenario(objects), {})


def queue(w: World) -> list[str]:
    head = "/hips/torso/neck/head"
    return [n[: -len(head)] for n in w.node_names if "/waiting_" in n and n.endswith(head)]


def test_the_cafe_behind_the_queue_has_tables_that_nobody_stands_in() -> None:
    """Looking back, the client sees café tables and chairs behind them, and no one in
    the queue stands inside one (a person's body within 0.25 m of a chair's or a table's
    footprint), at every queue the stock levels use and at the longest."""
    for n, spacing in ((2, 1.0), (4, 0.9), (7, 0.75), (10, 0.6), (12, 0.4)):
        w = queue_world(queue=n, spacing=spacing)
        furniture = [
            w.world_matrix(name)[[0, 2], 3]
            for name in w.node_names
            if name.startswith(("counter/table_", "counter/chair_"))
        ]
        assert len(furniture) >= 12  # four tables, two chairs each
        assert all(float(f[1]) > 0.5 for f in furniture)  # behind the client
        for p in queue(w):
            at = w.world_matrix(p)[[0, 2], 3]
            # a table's top is 0.4 m round, a chair 0.45 m deep: its footprint, a body
            assert min(float(np.linalg.norm(at - f)) for f in furniture) > 0.4 + 0.25, (n, p)


def test_the_queue_stands_behind_the_client_and_impatience_crosses_arms() -> None:
    assert queue(queue_world(queue=0)) == []
    w = queue_world(queue=6, spacing=0.7, impatience=0.5)
    assert w.stand_point == (0.0, 0.0, 0.0)
    people = queue(w)
    z = [float(w.world_matrix(p)[2, 3]) for p in people]
    np.testing.assert_allclose(z, [0.7 * (i + 1) for i in range(6)], atol=1e-5)
    assert sum(arms_crossed(w, p) for p in people) == 3  # half of six
    calm = queue_world(queue=6, impatience=0.0)
    assert not any(arms_crossed(calm, p) for p in queue(calm))
    everyone = queue_world(queue=6, impatience=1.0)
    assert all(arms_crossed(everyone, p) for p in queue(everyone))
