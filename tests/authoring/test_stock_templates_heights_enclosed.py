"""The heights (Rothbaum 1995, Freeman 2018) and claustrophobia hierarchy templates."""

from __future__ import annotations

import itertools

import pytest

from vrtherapy.authoring import load_library

TEMPLATES = {
    "heights.rothbaum": "habituation",
    "heights.freeman": "inhibitory",
    "enclosed.claustrophobia": "habituation",
}


@pytest.mark.parametrize(("hierarchy_id", "mode"), TEMPLATES.items())
def test_templates_are_graded_from_about_30_to_40(hierarchy_id: str, mode: str) -> None:
    lib = load_library()
    spec = lib.hierarchies[hierarchy_id]
    assert 8 <= len(spec.steps) <= 15
    suds = [s.anticipated_suds for s in spec.steps]
    assert 30 <= suds[0] <= 40
    assert all(b > a for a, b in itertools.pairwise(suds)), suds
    assert spec.progression.mode == mode
    for step in spec.steps:
        scenario = lib.scenario(step.scenario)
        assert step.level in scenario.level_names
        assert step.suggested_minutes is not None


def test_freeman_asks_the_expectancy_on_every_step_and_plans_six_sessions() -> None:
    spec = load_library().hierarchies["heights.freeman"]
    assert all(step.expectancy is not None for step in spec.steps)
    assert spec.plan is not None and spec.plan.sessions == 6
    assert spec.plan.session_minutes == 30
    assert {step.scenario for step in spec.steps} == {"heights.atrium"}


def test_rothbaum_mixes_elevator_balconies_and_bridges() -> None:
    spec = load_library().hierarchies["heights.rothbaum"]
    assert {step.scenario for step in spec.steps} == {
        "heights.balcony",
        "heights.glass_elevator",
        "heights.bridges",
    }
    assert spec.plan is not None and spec.plan.sessions == 7
