"""Authored motion and choice visibility in the built world: pure functions of the
parameter values and the scene's clock."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.world.helpers import scenario
from vrtherapy.authoring.ride import RideLimits, travel
from vrtherapy.world import World
from vrtherapy.world.model import AvatarBatch
from vrtherapy.world.motion import Path, timed

CAR_KEYS = [{"at": 1, "offset": [0, 0, 0]}, {"at": 10, "offset": [0, 27, 0]}]


def elevator(floor: float, ride: dict[str, float] | None = None) -> World:
    spec = scenario(
        [
            {
                "name": "car",
                "procedural": "glass_elevator",
                "transform": {"position": [5, 0, 0]},
                "motion": {"by": "$floor", "keys": CAR_KEYS} | ({"ride": ride} if ride else {}),
            }
        ],
        {"floor": {"type": "number", "min": 1, "max": 10}},
        {"floor": floor},
    )
    return World(spec, {"floor": floor})


def test_a_parameter_moves_an_object_and_the_client_riding_it() -> None:
    low, high = elevator(1), elevator(10)
    assert low.world_matrix("car")[1, 3] == pytest.approx(0.0)
    assert high.world_matrix("car")[1, 3] == pytest.approx(27.0)
    assert high.world_matrix("car")[0, 3] == pytest.approx(5.0)  # placed, then moved
    assert low.stand_point[1] == pytest.approx(0.0)
    assert high.stand_point[1] == pytest.approx(27.0)
    assert high.draw_list().standing_height == pytest.approx(27.0)
    mid = elevator(5.5)
    assert mid.world_matrix("car")[1, 3] == pytest.approx(13.5)
    mid.set_parameters({"floor": 7})
    assert mid.world_matrix("car")[1, 3] == pytest.approx(18.0)


def spider(repeat: str, rate: float = 1.0) -> World:
    spec = scenario(
        [
            {
                "name": "spider",
                "procedural": "spider",
                "motion": {
                    "by": "time",
                    "rate": "$speed",
                    "repeat": repeat,
                    "keys": [
                        {"at": 0, "offset": [0, 0, -3]},
                        {"at": 10, "offset": [0, 0, -1], "rotation": [90, 0, 0]},
                    ],
                },
            }
        ],
        {"speed": {"type": "number", "min": 0, "max": 2}},
        {"speed": rate},
    )
    return World(spec, {"speed": rate})


def z_at(world: World, t: float) -> float:
    world.advance(t)
    return float(world.world_matrix("spider")[2, 3])


def test_timed_motion_is_deterministic_and_holds_at_the_end() -> None:
    a, b = spider("once"), spider("once")
    for t in (0.0, 2.5, 7.0, 10.0, 30.0):
        assert z_at(a, t) == z_at(b, t)
    assert z_at(a, 0) == pytest.approx(-3)
    assert z_at(a, 5) == pytest.approx(-2)
    assert z_at(a, 30) == pytest.approx(-1)
    assert z_at(a, 5) == pytest.approx(-2)  # time may go back (a replayed frame)


def test_timed_motion_loops_and_comes_back() -> None:
    loop, back = spider("loop"), spider("back_and_forth")
    assert z_at(loop, 12) == pytest.approx(z_at(loop, 2))
    assert z_at(back, 12) == pytest.approx(z_at(back, 8))


def test_the_rate_parameter_scales_time() -> None:
    assert z_at(spider("once", 2.0), 2.5) == pytest.approx(-2)
    still = spider("once", 0.0)
    assert z_at(still, 8) == pytest.approx(-3)


def test_a_key_rotation_turns_the_object_about_its_origin() -> None:
    w = spider("once")
    w.advance(10)
    m = w.world_matrix("spider")
    assert m[:3, 3] == pytest.approx([0, 0, -1], abs=1e-5)  # turning does not move it
    assert (m[:3, :3] @ np.array([0, 0, 1.0])) == pytest.approx([1, 0, 0], abs=1e-5)


def test_timed_and_path_sampling() -> None:
    assert timed(-1, 0, 4, "loop") == 0
    assert timed(5, 0, 4, "loop") == pytest.approx(1)
    assert timed(5, 0, 4, "back_and_forth") == pytest.approx(3)
    assert timed(9, 0, 4, "once") == 4
    p = Path((0.0, 1.0), ((0, 0, 0), (2, 4, 6)), ((0, 0, 0), (0, 0, 0)))
    off, _ = p.sample(0.5)
    assert off == pytest.approx([1, 2, 3])
    with pytest.raises(ValueError):
        Path((1.0, 1.0), ((0, 0, 0), (0, 0, 0)), ((0, 0, 0), (0, 0, 0)))


def phased(phase: str) -> World:
    spec = scenario(
        [
            {"name": "tug", "procedural": "box", "visible_when": {"phase": ["taxi", "takeoff"]}},
            {
                "name": "lights",
                "procedural": "box",
                "visible": "$on",
                "visible_when": {"phase": ["taxi"]},
            },
        ],
        {
            "phase": {"type": "choice", "choices": ["gate", "taxi", "takeoff"]},
            "on": {"type": "boolean"},
        },
        {"phase": phase, "on": True},
    )
    return World(spec, {"phase": phase, "on": True})


def shown(world: World) -> set[str]:
    vis = world.graph.effective_visibility()
    return {n for n, v in zip(world.graph.names, vis, strict=True) if v}


def test_a_choice_parameter_shows_and_hides_objects() -> None:
    assert {"tug", "lights"}.isdisjoint(shown(phased("gate")))
    assert {"tug", "lights"} <= shown(phased("taxi"))
    takeoff = phased("takeoff")
    assert "tug" in shown(takeoff) and "lights" not in shown(takeoff)
    w = phased("taxi")
    w.set_parameters({"phase": "taxi", "on": False})  # both conditions must hold
    assert "lights" not in shown(w) and "tug" in shown(w)
    w.set_parameters({"phase": "gate", "on": True})
    assert "tug" not in shown(w)


LIFT = RideLimits(speed=1.0, acceleration=0.4)


def profile(distance: float, v0: float, dt: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    ts = np.arange(0.0, 80.0, dt)
    xv = np.array([travel(distance, v0, LIFT, t) for t in ts])
    return xv[:, 0], xv[:, 1]


@pytest.mark.parametrize(
    ("distance", "v0"),
    [(36.0, 0.0), (-36.0, 0.0), (0.5, 0.0), (10.0, -0.8), (1.0, 0.9), (-2.0, 1.0)],
)
def test_a_ride_keeps_to_its_speed_and_acceleration_and_stops_at_the_goal(
    distance: float, v0: float
) -> None:
    dt = 0.01
    x, v = profile(distance, v0, dt)
    assert x[0] == pytest.approx(0.0) and v[0] == pytest.approx(v0)
    assert x[-1] == pytest.approx(distance) and v[-1] == pytest.approx(0.0)
    assert np.abs(v).max() <= LIFT.speed + 1e-9
    assert np.abs(np.diff(v) / dt).max() <= LIFT.acceleration + 1e-6  # never a jolt
    assert np.abs(np.diff(x) / dt - v[:-1]).max() < LIFT.acceleration * dt  # x follows v


def test_a_long_ride_cruises_at_top_speed_and_takes_as_long_as_a_lift() -> None:
    x, v = profile(36.0, 0.0)
    arrived = int(np.argmax(x >= 36.0 - 1e-9)) * 0.01
    assert arrived == pytest.approx(36.0 / 1.0 + 1.0 / 0.4, abs=0.02)  # 38.5 s
    assert np.all(np.diff(x) >= -1e-12)  # never backwards
    assert np.isclose(v, 1.0).sum() * 0.01 == pytest.approx(36.0 - 2.5, abs=0.05)  # cruising


def test_a_new_value_sends_a_riding_object_there_without_a_jump() -> None:
    lift = elevator(1, ride={"speed": 1.0, "acceleration": 0.4})
    lift.advance(2.0)
    lift.set_parameters({"floor": 4})  # 9 m up
    heights = []
    for t in np.arange(2.0, 20.0, 0.05):
        lift.advance(float(t))
        heights.append(lift.draw_list().standing_height)
    h = np.array(heights)
    assert h[0] == pytest.approx(0.0) and h[-1] == pytest.approx(9.0)
    assert np.all(np.diff(h) >= -1e-9)
    assert np.abs(np.diff(h, 2)).max() / 0.05**2 <= 0.4 + 1e-3
    # without ride limits the same change jumps
    jumpy = elevator(1)
    jumpy.set_parameters({"floor": 4})
    jumpy.advance(2.0)
    assert jumpy.draw_list().standing_height == pytest.approx(9.0)


RIDE = {"speed": 1.0, "acceleration": 0.4}


def _frames(lift: World, start: float, end: float, dt: float) -> np.ndarray:
    heights = []
    for t in np.arange(start, end, dt):
        lift.advance(float(t))
        heights.append(lift.draw_list().standing_height)
    return np.array(heights)


def test_a_car_sent_while_the_scene_is_held_rides_from_where_it_was_shown_on_resume() -> None:
    """As the client's view does it: paused at 10 s (held still), the car is sent to
    floor 10 at 12 s (the new world takes over), resumed at 70 s. The car leaves from
    where the paused picture showed it and never moves more than its speed allows in a
    frame (the old code put it 58 s into the ride in the first frame after resume)."""
    shown = elevator(1, RIDE)
    shown.advance(10.0)
    shown.hold(10.0)  # paused
    sent = elevator(10, RIDE)
    sent.continue_rides(shown, 12.0)
    for _ in range(3):
        sent.hold(10.0)
        assert sent.draw_list().standing_height == pytest.approx(0.0)  # held: not moving
    dt = 1 / 90
    h = np.concatenate([[0.0], _frames(sent, 70.0, 110.0, dt)])
    assert np.abs(np.diff(h)).max() <= RIDE["speed"] * dt + 1e-4  # float32 poses
    assert h[-1] == pytest.approx(27.0)  # and it gets there


def test_a_ride_under_way_waits_through_a_pause_and_goes_on_without_a_jump() -> None:
    lift = elevator(1, RIDE)
    lift.advance(0.0)
    lift.set_parameters({"floor": 10})  # 27 m up
    before = _frames(lift, 0.0, 5.0, 0.1)
    for _ in range(3):
        lift.hold(5.0)  # paused at 5 s for a minute
        # 2.5 s speeding up to 1 m/s (1.25 m), 2.5 s at 1 m/s
        assert lift.draw_list().standing_height == pytest.approx(3.75)
    after = _frames(lift, 65.0, 120.0, 0.1)
    h = np.concatenate([before, [3.75], after])
    assert np.abs(np.diff(h)).max() <= RIDE["speed"] * 0.1 + 1e-6
    assert after[0] == pytest.approx(3.75, abs=0.11)  # on from there, not 60 s further
    assert h[-1] == pytest.approx(27.0)


def test_people_on_an_object_that_moves_in_time_go_with_it_frame_by_frame() -> None:
    """The world keeps its crowds' places while nothing can move them; on an object with
    authored motion, each frame's pose follows the object: the person and the draw
    list's rows go where it went, and the eyes stay on what they are asked to look at
    (worked out from where the person is now, not where it stood at the first frame)."""
    spec = scenario(
        [
            {
                "name": "float",
                "procedural": "box",
                "motion": {
                    "by": "time",
                    "keys": [{"at": 0, "offset": [0, 0, -4]}, {"at": 10, "offset": [3, 2, -4]}],
                },
                "children": [{"name": "rider", "procedural": "avatar"}],
            }
        ]
    )
    world = World(spec, {})
    client = np.array([0.0, 1.6, 0.0])
    world.control_avatars(
        "rider",
        AvatarBatch(client[None], np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1)),
    )
    head = "rider/body/hips/torso/neck/head"
    row = int(np.nonzero(world.draw_list().table.transforms[:, 1, 3] != 0)[0][0])  # a part
    seen = []
    for t in (0.0, 2.5, 5.0, 10.0):
        world.advance(t)
        table = world.draw_list().table
        box = world.world_matrix("float")[:3, 3]
        seen.append((box.copy(), world.world_matrix(head)[:3, 3], table.transforms[row, :3, 3]))
        eye = world.world_matrix(f"{head}/eye_l")
        to_client = (client - eye[:3, 3]) / np.linalg.norm(client - eye[:3, 3])
        forward = eye[:3, 2] / np.linalg.norm(eye[:3, 2])
        assert np.degrees(np.arccos(np.clip(forward @ to_client, -1, 1))) < 5.0, t
    for (box0, head0, row0), (box, head_at, row_at) in itertools.pairwise(seen):
        moved = box - box0
        assert np.linalg.norm(moved) > 0.5
        # the person (breathing, swaying, turning to the client a little) and the drawn
        # part go where the object went
        np.testing.assert_allclose(head_at - head0, moved, atol=0.05)
        np.testing.assert_allclose(row_at - row0, moved, atol=0.05)
