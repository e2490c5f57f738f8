"""Format additions: visibility from a choice parameter, motion along a path, and a
hierarchy's plan and suggested step durations — each checked with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError
from vrtherapy.authoring.hierarchy import load_hierarchy
from vrtherapy.authoring.scenario import load_scenario

SCENARIO = """\
id: test.flight
title: Flight
family: flying
parameters:
  phase: {type: choice, choices: [gate, taxi, takeoff]}
  floor: {type: number, min: 0, max: 10, unit: floor}
  bright: {type: boolean}
levels:
  - name: one
    values: {phase: gate, floor: 0, bright: true}
objects:
  - name: tug
    procedural: box
    visible_when: WHEN
  - name: car
    procedural: box
    motion:
      by: BY
      keys:
        - {at: 0, offset: [0, 0, 0]}
        - {at: KEY1, offset: [0, 30, 0]}
"""


def write(
    tmp_path: Path, when: str = "{phase: [taxi, takeoff]}", by: str = "$floor", key1: str = "10"
) -> Path:
    path = tmp_path / "flight.yaml"
    text = SCENARIO.replace("WHEN", when).replace("BY", by).replace("KEY1", key1)
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_choice_visibility_and_parameter_motion_validate(tmp_path: Path) -> None:
    spec = load_scenario(write(tmp_path))
    tug, car = spec.objects
    assert tug.visible_when == {"phase": ["taxi", "takeoff"]}
    assert car.motion is not None and car.motion.by == "$floor"


def test_an_unknown_choice_word_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, when="{phase: [taxi, tkeoff]}")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:14:34: ")
    assert "'tkeoff' is not a choice of 'phase'" in problem
    assert "takeoff" in problem  # did you mean


def test_visible_when_needs_a_choice_parameter(tmp_path: Path) -> None:
    path = write(tmp_path, when="{bright: [taxi]}")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:14:20: ")
    assert "'bright' is a boolean" in problem
    assert "visible: $name" in problem


def test_visible_when_an_undefined_parameter(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, when="{phaze: [taxi]}"))
    assert "undefined parameter 'phaze'" in problem and "phase" in problem


def test_motion_by_a_choice_parameter_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, by="$phase")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:18:11: ")
    assert "'$phase' is a choice parameter, but a number is needed here" in problem


def test_motion_keys_must_cover_the_parameter_range(tmp_path: Path) -> None:
    path = write(tmp_path, key1="5")
    (problem,) = problems(path)
    assert "the keys cover 0–5, but 'floor' ranges 0–10" in problem


def test_motion_keys_must_increase(tmp_path: Path) -> None:
    path = write(tmp_path, by="time", key1="0")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:21:16: ")
    assert "increasing order of 'at'" in problem


def test_motion_by_must_be_time_or_a_reference(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, by="clock"))
    assert "motion.by" in problem or "by" in problem


def test_repeat_applies_to_timed_motion_only(tmp_path: Path) -> None:
    path = tmp_path / "flight.yaml"
    text = SCENARIO.replace("WHEN", "{phase: [gate]}").replace("BY", "$floor")
    text = text.replace("KEY1", "10").replace("      keys:", "      repeat: loop\n      keys:")
    path.write_text(text, encoding="utf-8")
    (problem,) = problems(path)
    assert "'repeat' applies only to a motion 'by: time'" in problem


def test_ride_applies_to_parameter_driven_motion_only(tmp_path: Path) -> None:
    path = tmp_path / "flight.yaml"
    text = SCENARIO.replace("WHEN", "{phase: [gate]}").replace("BY", "time")
    text = text.replace("KEY1", "10").replace("      keys:", "      ride: {speed: 1}\n      keys:")
    path.write_text(text, encoding="utf-8")
    (problem,) = problems(path)
    assert "'ride' applies only to a motion driven by a parameter" in problem


HIERARCHY = """\
id: test.plan
title: Plan
plan: {sessions: 6, session_minutes: 30, exposure_minutes: EXPOSURE, source: Freeman 2018}
steps:
  - {scenario: heights.balcony, level: ground, anticipated_suds: 30, suggested_minutes: 10}
"""


def test_a_hierarchy_plan_and_step_duration(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(HIERARCHY.replace("EXPOSURE", "21"), encoding="utf-8")
    spec = load_hierarchy(path)
    assert spec.plan is not None and spec.plan.sessions == 6
    assert spec.plan.session_minutes == 30 and spec.plan.exposure_minutes == 21
    assert spec.steps[0].suggested_minutes == 10


def test_time_in_vr_longer_than_the_session_is_located(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(HIERARCHY.replace("EXPOSURE", "45"), encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        load_hierarchy(path)
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{path}:3:")
    assert "45 min in VR is longer than the session (30 min)" in problem


def _with_stops(tmp_path: Path, stops: str, *, second: bool = False) -> Path:
    path = write(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "      keys:", f"      ride: {{speed: 2, stops: {stops}}}\n      keys:", 1
    )
    if second:  # a second car with stops of its own
        text += (
            "  - name: car2\n    procedural: box\n    motion:\n      by: $floor\n"
            f"      ride: {{stops: {stops}}}\n      keys:\n"
            "        - {at: 0, offset: [0, 0, 0]}\n        - {at: 10, offset: [0, 30, 0]}\n"
        )
    path.write_text(text, encoding="utf-8")
    return path


def test_ride_stops_make_the_scenarios_elevator(tmp_path: Path) -> None:
    from vrtherapy.authoring.elevator import elevator_of

    spec = load_scenario(_with_stops(tmp_path, "[0, 2, 5, 10]"))
    lift = elevator_of(spec)
    assert lift is not None
    assert (lift.car, lift.parameter, lift.stops) == ("car", "floor", (0, 2, 5, 10))
    assert lift.next_stop(2, "up") == 5 and lift.next_stop(3, "down") == 2
    assert lift.next_stop(10, "up") is None and lift.next_stop(0, "down") is None
    assert elevator_of(load_scenario(write(tmp_path))) is None  # a ride without stops


def test_ride_stops_outside_the_parameter_or_out_of_order_are_located(tmp_path: Path) -> None:
    path = _with_stops(tmp_path, "[0, 5, 3, 12]")
    found = problems(path)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:")
    assert "stops must be listed lowest first: 3 is not above 5" in found[0]
    assert "stop 12 is outside the range of 'floor' (0–10)" in found[1]


def test_only_one_elevator_per_scenario(tmp_path: Path) -> None:
    (problem,) = problems(_with_stops(tmp_path, "[0, 10]", second=True))
    assert "only one object of a scenario may have ride stops" in problem
