from __future__ import annotations

import numpy as np

from tests.world.helpers import ray_hits, scenario, world_triangles
from vrtherapy.world import AvatarControls, World, build_world
from vrtherapy.world.procedural.avatar import EYE_R_SIZE
from vrtherapy.world.transforms import apply

HEAD = "host/body/hips/torso/neck/head"


def spider_world(speed: float, contained: bool = False) -> World:
    spec = scenario(
        [
            {
                "name": "spider",
                "procedural": "spider",
                "args": {"speed": speed, "size": 0.05, "contained": contained},
            }
        ]
    )
    return build_world(spec, {})


def leg_points(world: World) -> np.ndarray:
    names = [n for n in world.node_names if n.endswith("/tibia")]
    assert len(names) == 8
    return np.stack([apply(world.world_matrix(n), np.array([0.03, 0, 0]))[0] for n in names])


def test_spider_legs_walk_when_it_has_speed() -> None:
    world = spider_world(0.1)
    world.advance(0.0)
    a = leg_points(world)
    world.advance(0.3)
    b = leg_points(world)
    assert np.abs(b - a).max() > 0.005  # legs moved by more than 5 mm


def test_spider_holds_still_at_speed_zero() -> None:
    world = spider_world(0.0)
    world.advance(0.0)
    a = leg_points(world)
    world.advance(0.3)
    np.testing.assert_array_equal(a, leg_points(world))


def test_contained_spider_stays_inside_its_jar() -> None:
    world = spider_world(0.3, contained=True)
    for t in np.linspace(0, 10, 21):
        world.advance(float(t))
        body = world.world_matrix("spider/body")
        assert np.hypot(body[0, 3], body[2, 3]) < 0.11  # jar radius is 0.11 m


def avatar_world() -> World:
    spec = scenario(
        [
            {
                "name": "host",
                "procedural": "avatar",
                "args": {"gaze": 0.0},
                "transform": {"position": [0, 0, -1.2]},
            }
        ]
    )
    return build_world(spec, {})


def chin(world: World) -> np.ndarray:
    """The front of the chin (the jaw's foremost point), in world space."""
    jaw = world.graph.meshes[world.graph.index(f"{HEAD}/jaw")]
    assert jaw is not None
    front = jaw.positions[np.argmax(jaw.positions[:, 2])]
    return apply(world.world_matrix(f"{HEAD}/jaw"), front)[0]


def test_jaw_opens_for_speech() -> None:
    world = avatar_world()
    world.control_avatar("host", AvatarControls(jaw_open=0.0, blink=0.0))
    closed = chin(world)
    world.control_avatar("host", AvatarControls(jaw_open=1.0, blink=0.0))
    opened = chin(world)
    assert closed[1] - opened[1] > 0.01  # the chin drops by more than a centimetre


def pupil_covered(world: World, side: str) -> bool:
    eye = world.world_matrix(f"{HEAD}/eye_{side}")
    pupil = apply(eye, np.array([0, 0, EYE_R_SIZE + 0.0005]))[0]  # just in front of it
    forward = eye[:3, 2] / np.linalg.norm(eye[:3, 2])
    origin = pupil + forward * 0.2  # someone looking straight at the pupil
    tris = world_triangles(world, f"{HEAD}/lid_{side}")
    return ray_hits(tris, origin, -forward, max_t=0.2)


def test_blink_closes_the_eyelids() -> None:
    world = avatar_world()
    world.control_avatar("host", AvatarControls(blink=0.0))
    assert not pupil_covered(world, "l") and not pupil_covered(world, "r")
    world.control_avatar("host", AvatarControls(blink=1.0))
    assert pupil_covered(world, "l") and pupil_covered(world, "r")


def test_automatic_blinking_happens_every_few_seconds() -> None:
    world = avatar_world()
    closed = 0
    for t in np.arange(0, 12, 0.05):
        world.advance(float(t))
        closed += pupil_covered(world, "l")
    assert 1 <= closed <= 30


def test_gaze_turns_the_head_towards_a_target() -> None:
    world = avatar_world()
    head_pos = world.world_matrix(HEAD)[:3, 3]
    target = head_pos + np.array([2.0, 0.3, 0.5])  # to the avatar's left, slightly up
    before = world.world_matrix(HEAD)[:3, 2]
    world.control_avatar("host", AvatarControls(gaze_target=tuple(float(x) for x in target)))
    after = world.world_matrix(HEAD)[:3, 2]
    to_target = (target - head_pos) / np.linalg.norm(target - head_pos)
    angle = lambda v: np.degrees(np.arccos(np.clip(v @ to_target / np.linalg.norm(v), -1, 1)))  # noqa: E731
    assert angle(after) < angle(before) - 30
    assert after[0] > 0.5  # now turned towards +x


def test_idle_avatar_breathes() -> None:
    world = avatar_world()
    torso = "host/body/hips/torso"
    ys = []
    for t in np.linspace(0, 4, 9):
        world.advance(float(t))
        ys.append(world.world_matrix(torso)[1, 3])
    assert 0.002 < np.ptp(ys) < 0.03


def test_audience_moves_in_one_pass_and_looks_at_the_speaker() -> None:
    spec = scenario(
        [
            {
                "name": "audience",
                "procedural": "audience",
                "args": {"size": 30, "rows": 3, "attitude": "positive"},
                "transform": {"position": [0, 0, -4]},
            }
        ]
    )
    world = build_world(spec, {})
    heads = [n for n in world.node_names if n.endswith("/neck/head")]
    assert len(heads) == 30
    looking = 0
    for t in np.arange(0, 20, 1.0):
        world.advance(float(t))
        for h in heads[:10]:
            m = world.world_matrix(h)
            to_client = np.array([0, 1.6, 0]) - m[:3, 3]
            to_client /= np.linalg.norm(to_client)
            looking += float(m[:3, 2] @ to_client / np.linalg.norm(m[:3, 2])) > 0.97
    assert looking > 0.5 * 200  # a positive audience mostly watches the speaker
