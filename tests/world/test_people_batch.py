"""Every avatar of a world is posed in one vectorised batch (``avatar.Rig`` over all
crowds); the batch must move each person exactly as posing its own crowd alone does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.world.helpers import scenario
from vrtherapy.world import AvatarBatch, AvatarControls, World, build_world
from vrtherapy.world.model import PoseContext
from vrtherapy.world.procedural.avatar import Crowd
from vrtherapy.world.procedural.avatar import crowd as make_crowd
from vrtherapy.world.transforms import translate


def people_world() -> World:
    spec = scenario(
        [
            {"name": "crowd", "procedural": "audience", "args": {"size": 5, "rows": 2, "seed": 4},
             "transform": {"position": [0, 0, -4], "rotation": [0, 20, 0]}},
            {"name": "walkers", "procedural": "street", "args": {"pedestrians": 3, "traffic": 0}},
            {"name": "alone", "procedural": "avatar", "args": {"seed": 9, "pose": "seated"},
             "transform": {"position": [1.5, 0, -2], "rotation": [0, -120, 0]}},
        ],
        partners=[
            {"id": "ann", "name": "Ann", "avatar": {"seed": 3},
             "transform": {"position": [-1, 0, -1.5], "rotation": [0, 150, 0]}},
        ],
    )  # fmt: skip
    return build_world(spec, {}, seed=5)


def crowds_posed_alone(world: World, t: float) -> dict[str, np.ndarray]:
    """Each crowd posed by its own animator (the per-object path), as node -> local."""
    graph = world.graph
    out: dict[str, np.ndarray] = {}
    head = world._client_head or (0.0, 1.6, 0.0)
    for b in world._people.crowds if world._people else ():
        bound, crowd = b
        assert isinstance(crowd, Crowd)
        ctx = PoseContext(
            world._world_of(bound.root),
            head,
            world._controls.get(bound.obj, {}),
            0.0,
            world._batches.get(bound.obj),
        )
        pose = crowd.pose(t, ctx)
        for name, m in zip((graph.names[i] for i in bound.indices), pose, strict=True):
            out[name] = m
    return out


def drive(world: World) -> None:
    """The client's head, one avatar's explicit controls, a behaviour batch for the crowd."""
    world.set_client_head((0.2, 1.7, 0.1))
    world.control_avatar("alone", AvatarControls(gaze_target=(0.0, 1.6, 0.0), jaw_open=0.5))
    n = 5  # the audience
    world.control_avatars(
        "crowd",
        AvatarBatch(
            np.where((np.arange(n) % 2 == 1)[:, None], np.nan, [[0.3, 1.5, 0.2]]),
            np.linspace(0, 1, n),
            np.full(n, np.nan),
            np.linspace(-1, 1, n),
            np.full(n, 0.05),
        ),
    )


def test_people_posed_in_one_batch_equal_each_crowd_posed_alone() -> None:
    world = people_world()
    people = world._people
    assert people is not None and len(people.crowds) >= 4  # audience, street, avatar, partner
    assert len(people.rig) == 5 + 3 + 1 + 1
    drive(world)
    batch = world._batches["crowd"]
    assert (~np.isnan(batch.gaze_target[:, 0])).sum() == 3  # members 0, 2, 4 are aimed
    for t in (0.0, 1.37, 8.2, 95.0):
        world.advance(t)
        alone = crowds_posed_alone(world, t)
        assert len(alone) == len(people.indices)
        for name, m in alone.items():
            np.testing.assert_allclose(world.graph.local[world.graph.index(name)], m, atol=1e-6)


def test_the_batch_moves_people_over_time() -> None:
    world = people_world()
    world.advance(0.5)
    a = world.graph.local.copy()
    world.advance(2.5)
    moved = ~np.isclose(a, world.graph.local).all(axis=(1, 2))
    names = [world.graph.names[i] for i in np.nonzero(moved)[0]]
    for who in ("crowd/member_0", "walkers/", "alone/body", "ann/body"):
        assert any(n.startswith(who) for n in names), who


def test_people_batch_equals_the_per_avatar_pose_before_batching() -> None:
    """Poses recorded from the code before the batch (each crowd posed by its own
    animator, one object after another), same scene and controls: commit 9be9a0a (the
    human figures, with their face joints, before they were merged into the batch)."""
    before = np.load(Path(__file__).parent / "fixtures" / "people_pose_before_batching.npz")
    world = people_world()
    assert tuple(before["names"]) == world.graph.names
    drive(world)
    for t in (0.0, 1.37, 8.2, 95.0):
        world.advance(t)
        np.testing.assert_allclose(world.graph.local, before[f"t{t}"], atol=1e-6)


def test_channels_the_batch_sets_for_everyone_pose_as_when_some_are_automatic() -> None:
    """The rig skips the automatic gaze, blink, jaw and expression where a batch sets them
    for every member; a member's pose must not depend on whether the others are set."""
    members = [(translate(float(i), 0.0, 0.0), 7 + i, i % 2 == 0, "neutral") for i in range(4)]
    _, group = make_crowd("p", members, gaze=[0.5] * 4, seed=3)
    rig = group.rig
    n = len(rig)
    rng = np.random.default_rng(1)
    full = AvatarBatch(
        rng.normal(0.0, 1.0, (n, 3)) + np.array([0.0, 1.6, 2.0]),
        rng.uniform(0, 1, n),
        rng.uniform(0, 1, n),
        rng.uniform(-1, 1, n),
        rng.uniform(0, 0.2, n),
    )
    mixed = AvatarBatch(
        full.gaze_target.copy(), full.jaw_open.copy(), full.blink.copy(),
        full.brows.copy(), full.nod_pitch.copy(),
    )  # fmt: skip
    for channel in (mixed.jaw_open, mixed.blink, mixed.brows, mixed.nod_pitch):
        channel[0] = np.nan
    mixed.gaze_target[0] = np.nan
    roots = np.repeat(np.eye(4, dtype=np.float32)[None], n, axis=0)
    for t in (0.0, 1.3, 7.7):
        a = rig.pose(t, roots, (0.0, 1.6, 2.0), full)
        b = rig.pose(t, roots, (0.0, 1.6, 2.0), mixed)
        np.testing.assert_array_equal(a[1:], b[1:])
        assert not np.array_equal(a[0], b[0])  # member 0 went automatic
