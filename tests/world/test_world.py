from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.world.helpers import scenario, triangles_near
from vrtherapy.authoring import ScenarioSpec, load_scenario, parameter_values
from vrtherapy.authoring.intensity import level_anchors
from vrtherapy.world import DrawList, Material, World, build_world

ROOT = Path(__file__).resolve().parents[2]
SCENES = sorted((ROOT / "scenes").glob("*.yaml"))


def balcony_world() -> tuple[ScenarioSpec, World]:
    spec = load_scenario(ROOT / "scenes" / "heights_balcony.yaml")
    return spec, build_world(spec, parameter_values(spec, 0), asset_dirs=[ROOT / "assets"])


def test_balcony_at_60_m_puts_the_client_60_m_up() -> None:
    spec, world = balcony_world()
    assert world.draw_list().standing_height == pytest.approx(0.0)
    world.set_parameters(parameter_values(spec, 80))  # floor_20
    dl = world.draw_list()
    assert dl.standing_height == pytest.approx(60.0)
    # ... and the balcony slab itself is drawn up there, not just the number changed
    slab = world.world_matrix("balcony/platform/slab")
    assert slab[1, 3] == pytest.approx(60.0)


@pytest.mark.parametrize("level", range(7))
def test_balcony_eye_is_clear_of_the_building_at_every_level(level: int) -> None:
    spec, world = balcony_world()
    assert len(spec.levels) == 7
    world.set_parameters(parameter_values(spec, level_anchors(spec)[level]))
    dl = world.draw_list()
    # The draw list is in the client's frame: they stand at x = z = 0 on standing_height.
    eye = np.array([0.0, dl.standing_height + dl.eye_height, 0.0])
    assert triangles_near(dl.items, eye, 0.3) == []
    # ... on the balcony slab, in front of the facade (at z = 0 in the scenario)
    x, y, z = world.stand_point
    slab = world.world_matrix("balcony/platform/slab")
    assert y == pytest.approx(slab[1, 3]) == pytest.approx(dl.standing_height)
    assert abs(x) < 1.5 and -1.5 < z < -0.5


def test_parameter_change_rebuilds_only_what_changed() -> None:
    spec, world = balcony_world()
    building_mesh = world.graph.meshes[world.graph.index("building/structure")]
    builds = world.builds
    # Only the height changes: a transform, so nothing needs building again.
    world.set_parameters({**parameter_values(spec, 0), "height": 30.0})
    assert world.builds == builds + 1  # the balcony (its args changed); not the buildings
    assert world.graph.meshes[world.graph.index("building/structure")] is building_mesh
    slab_key = world.graph.meshes[world.graph.index("balcony/platform/slab")]
    # A railing-height change gives new posts but the same slab mesh.
    world.set_parameters({**parameter_values(spec, 0), "height": 30.0, "railing_height": 0.7})
    assert world.graph.meshes[world.graph.index("balcony/platform/slab")] is slab_key
    post = world.graph.meshes[world.graph.index("balcony/platform/railing/front/post_0")]
    assert post is not None and float(post.positions[:, 1].max()) == pytest.approx(0.7)
    # Going back to an earlier value uses the cached build.
    builds = world.builds
    world.set_parameters({**parameter_values(spec, 0), "height": 30.0})
    assert world.builds == builds


def test_railing_parameter_hides_the_railing() -> None:
    spec, world = balcony_world()
    with_rail = {id(i.mesh) for i in world.draw_list().items}
    world.set_parameters({**parameter_values(spec, 0), "railing": False})
    without = {id(i.mesh) for i in world.draw_list().items}
    post = world.graph.meshes[world.graph.index("balcony/platform/railing/front/post_0")]
    assert id(post) in with_rail and id(post) not in without


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_stock_scenarios_build_at_every_level(path: Path) -> None:
    spec = load_scenario(path, [ROOT / "assets"])
    world = build_world(spec, parameter_values(spec, 0), asset_dirs=[path.parent, ROOT / "assets"])
    for level in range(len(spec.levels)):
        world.set_parameters(parameter_values(spec, 100.0 * level / max(1, len(spec.levels) - 1)))
        dl = world.draw_list()
        assert world.problems == ()
        assert len(dl.items) > 5
        assert all(np.isfinite(i.transform).all() for i in dl.items)
        with pytest.raises(ValueError):
            dl.items[0].transform[0, 0] = 2.0  # the snapshot is read-only


def test_environment_look_follows_the_presets_and_fog_parameter() -> None:
    spec = scenario(
        [{"name": "g", "procedural": "ground"}],
        parameters={"fog": {"type": "number", "min": 0, "max": 1}},
        values={"fog": 0.0},
        environment={"sky": "night", "lighting": "night", "fog": "$fog"},
    )
    world = build_world(spec, {"fog": 0.0})
    night = world.draw_list().environment
    day = build_world(scenario([]), {}).draw_list().environment
    assert sum(night.sky_zenith) < sum(day.sky_zenith) / 5
    assert night.sun_intensity < day.sun_intensity
    world.set_parameters({"fog": 1.0})
    assert world.draw_list().environment.fog_density > night.fog_density


def test_the_sun_casts_shadows_outdoors_unless_the_scenario_says_no() -> None:
    def shadows(**environment: object) -> bool:
        spec = scenario([], environment=environment)
        return build_world(spec, {}).draw_list().environment.shadows

    assert shadows(sky="clear_day", lighting="daylight")
    assert shadows(sky="dusk", lighting="soft")
    assert not shadows(sky="clear_day", lighting="daylight", shadows=False)
    assert not shadows(sky="indoor", lighting="indoor_warm")  # no sun indoors
    assert not shadows(sky="overcast", lighting="soft")  # nor under cloud
    assert not shadows(sky="clear_day", lighting="indoor_cool")  # a room with windows
    assert shadows(sky="indoor", lighting="indoor_warm", shadows=True)


def test_partners_become_avatars_that_face_the_client() -> None:
    spec = scenario(
        [],
        partners=[
            {
                "id": "interviewer",
                "name": "Ms Novak",
                "avatar": {"seed": 3, "attitude": "neutral"},
                "transform": {"position": [0, 0, -1.5]},
            }
        ],
    )
    world = build_world(spec, {})
    head = world.world_matrix("interviewer/body/hips/torso/neck/head")
    assert 1.4 < head[1, 3] < 1.9  # a standing adult's head height
    forward = head[:3, 2]
    assert forward[2] > 0.7  # faces +z, towards the client at the origin


def test_same_seed_same_world_and_animation_is_a_function_of_time() -> None:
    spec = scenario([{"name": "crowd", "procedural": "audience", "args": {"size": 12}}])
    a, b = build_world(spec, {}, seed=4), build_world(spec, {}, seed=4)
    a.advance(2.5)
    b.advance(7.0)
    b.advance(2.5)
    ta = np.stack([i.transform for i in a.draw_list().items])
    tb = np.stack([i.transform for i in b.draw_list().items])
    np.testing.assert_array_equal(ta, tb)


def test_draw_list_without_changes_is_the_same_snapshot() -> None:
    spec, world = balcony_world()
    first = world.draw_list()
    world.advance(0.0)  # nothing animates on the balcony: the same pose again
    again = world.draw_list()
    assert again is first
    world.set_parameters(parameter_values(spec, 100))  # a new scene: a new draw list
    higher = world.draw_list()
    assert higher is not first and higher.standing_height == pytest.approx(90.0)


def test_a_crowd_held_still_keeps_its_draw_list_and_moves_again_after() -> None:
    """A pause poses the people again at the same time: the same pose gives the same
    snapshot (nothing new to upload); the next frame gives a new one."""
    world = crowd_world()
    world.advance(1.0)
    first = world.draw_list()
    world.hold(1.0)
    assert world.draw_list() is first
    world.advance(1.5)
    moved = world.draw_list()
    assert moved is not first
    assert not np.array_equal(moved.table.rows, first.table.rows)


def crowd_world() -> World:
    spec = scenario(
        [
            {"name": "crowd", "procedural": "audience", "args": {"size": 12}},
            {"name": "floor", "procedural": "box", "args": {"width": 9, "height": 0.1}},
        ]
    )
    return build_world(spec, {}, seed=2)


def content(dl: DrawList) -> list[tuple[str, list[float], Material]]:
    return [(i.mesh.key, i.transform.ravel().tolist(), i.material) for i in dl.items]


def test_draw_list_follows_what_moved_and_matches_a_fresh_one() -> None:
    world = crowd_world()
    world.advance(1.0)
    before = world.draw_list()
    assert content(world.draw_list()) == content(before)
    world.advance(2.7)
    after = world.draw_list()
    fresh = crowd_world()
    fresh.advance(2.7)
    assert content(after) == content(fresh.draw_list())
    assert content(after) != content(before)
    floor = world.graph.meshes[world.graph.index("floor/box")]
    still = [(a, b) for a, b in zip(before.items, after.items, strict=True) if a.mesh is floor]
    # not moved: the same place (draw lists are arrays now, made afresh each frame)
    assert len(still) == 1 and np.array_equal(still[0][0].transform, still[0][1].transform)

    # A node hidden and shown again (no parameter change) leaves and comes back.
    i = world.graph.index("crowd/member_3")
    world.graph.visible[i] = False
    hidden = world.draw_list()
    assert len(hidden.items) < len(after.items)
    world.graph.visible[i] = True
    assert content(world.draw_list()) == content(after)
