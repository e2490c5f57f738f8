"""Authored motion and choice visibility in the built world: pure functions of the
parameter values and the scene's clock."""

from __future__ import annotations

import numpy as np
import pytest

from tests.world.helpers import scenario
from vrtherapy.world import World
from vrtherapy.world.motion import Path, timed

CAR_KEYS = [{"at": 1, "offset": [0, 0, 0]}, {"at": 10, "offset": [0, 27, 0]}]


def elevator(floor: float) -> World:
    spec = scenario(
        [
            {
                "name": "car",
                "procedural": "glass_elevator",
                "transform": {"position": [5, 0, 0]},
                "motion": {"by": "$floor", "keys": CAR_KEYS},
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
