"""Progression policies, checked against tabled SUDS series.

Each row is a series of (minute, SUDS 0–100) ratings on the current step and
what the hierarchy manager should propose at a given minute.
"""

from __future__ import annotations

import pytest

from vrtherapy.authoring.hierarchy import (
    HabituationSettings,
    InhibitorySettings,
    StepDownSettings,
    VariabilitySettings,
)
from vrtherapy.session.policies import habituation, inhibitory, step_down
from vrtherapy.session.state import Rating


def series(*points: tuple[float, float]) -> tuple[Rating, ...]:
    return tuple(Rating(m * 60, v, v, 2, "headset") for m, v in points)


HAB = HabituationSettings(drop=0.5, hold_min=2, min_time_on_step_min=3)

# (name, ratings, now in minutes, expected direction or None)
HABITUATION_TABLE = [
    ("no ratings yet", series(), 10, None),
    ("a single high rating", series((1, 60)), 10, None),
    ("a single zero rating, held", series((1, 0)), 4, "up"),
    ("dropped by half and held 2 min", series((1, 70), (3, 50), (5, 35), (7, 30)), 7, "up"),
    ("dropped by half, held only 1 min", series((1, 70), (3, 50), (5, 35)), 6, None),
    ("exactly at the threshold (35 of 70) counts", series((1, 70), (3, 35)), 5, "up"),
    ("just above the threshold", series((1, 70), (3, 36)), 8, None),
    ("dropped then rose again", series((1, 70), (3, 30), (5, 50)), 8, None),
    (
        "dropped, rose, dropped again: hold restarts",
        series((1, 70), (2, 30), (3, 50), (6, 30)),
        7,
        None,
    ),
    ("same, hold satisfied later", series((1, 70), (2, 30), (3, 50), (6, 30)), 8, "up"),
    ("minimum time on step not reached", series((0.5, 40), (0.6, 10)), 2.9, None),
    ("minimum time reached", series((0.5, 40), (0.6, 10)), 3.0, "up"),
]


@pytest.mark.parametrize(
    ("name", "ratings", "now_min", "expected"),
    HABITUATION_TABLE,
    ids=[r[0] for r in HABITUATION_TABLE],
)
def test_habituation_table(
    name: str, ratings: tuple[Rating, ...], now_min: float, expected: str | None
) -> None:
    s = habituation(ratings, 2, 6, 0.0, now_min * 60, HAB)
    assert (s.direction if s else None) == expected, name
    if s is not None:
        assert s.target_step == 3
        numbers = dict(s.numbers)
        assert numbers["peak"] == max(r.normalised for r in ratings)


def test_habituation_reason_shows_the_numbers() -> None:
    s = habituation(series((1, 70), (3, 50), (5, 30), (7, 30)), 2, 6, 0.0, 7 * 60, HAB)
    assert s is not None
    assert s.reason == "SUDS fell from 70 to 30 (−57%) and held 2 min."
    assert s.rule == "habituation_drop"


def test_habituation_never_proposes_above_the_top() -> None:
    assert habituation(series((1, 70), (3, 10), (6, 10)), 5, 6, 0.0, 9 * 60, HAB) is None


def test_absolute_threshold() -> None:
    settings = HabituationSettings(
        drop=0.5, hold_min=2, absolute_threshold=30, min_time_on_step_min=0
    )
    # peak 50, fell to 30: not half, but at the absolute threshold
    s = habituation(series((1, 50), (2, 30), (4, 30)), 1, 6, 0.0, 4 * 60, settings)
    assert s is not None and s.rule == "habituation_absolute"
    assert habituation(series((1, 50), (2, 31), (4, 31)), 1, 6, 0.0, 4 * 60, settings) is None


DOWN = StepDownSettings(ceiling=85, consecutive=2, on_stop_request=True, comfort_threshold=10)

# (name, ratings, stop request, comfort, expected rule)
STEP_DOWN_TABLE = [
    ("no ratings", series(), False, None, None),
    ("one rating at the ceiling", series((1, 90)), False, None, None),
    ("two in a row at the ceiling", series((1, 85), (2, 85)), False, None, "ceiling"),
    ("two in a row above", series((1, 95), (2, 100)), False, None, "ceiling"),
    ("one just below breaks the run", series((1, 90), (2, 84)), False, None, None),
    ("ceiling reached then relieved", series((1, 90), (2, 95), (3, 70)), False, None, None),
    (
        "relieved, then high again twice",
        series((1, 90), (2, 70), (3, 90), (4, 88)),
        False,
        None,
        "ceiling",
    ),
    ("client asks to stop", series((1, 20)), True, None, "stop_request"),
    ("comfort above threshold", series(), False, 12.0, "comfort"),
    ("comfort at threshold is fine", series(), False, 10.0, None),
]


@pytest.mark.parametrize(
    ("name", "ratings", "stop", "comfort", "expected"),
    STEP_DOWN_TABLE,
    ids=[r[0] for r in STEP_DOWN_TABLE],
)
def test_step_down_table(
    name: str, ratings: tuple[Rating, ...], stop: bool, comfort: float | None, expected: str | None
) -> None:
    s = step_down(ratings, 3, DOWN, stop_requested=stop, comfort=comfort)
    assert (s.rule if s else None) == expected, name
    if s is not None:
        assert s.direction == "down" and s.target_step == 2


def test_step_down_from_the_first_step_proposes_the_calm_scene() -> None:
    s = step_down(series((1, 90), (2, 90)), 0, DOWN)
    assert s is not None and s.direction == "calm" and s.target_step == 0


def test_stop_request_ignored_when_switched_off() -> None:
    settings = StepDownSettings(on_stop_request=False)
    assert step_down(series(), 2, settings, stop_requested=True) is None


INH = InhibitorySettings(violation_margin=20)

# (name, before %, after %, expected)
INHIBITORY_TABLE = [
    ("nothing recorded", None, None, None),
    ("only before", 80.0, None, None),
    ("fell by exactly the margin", 80.0, 60.0, "up"),
    ("fell by less than the margin", 80.0, 65.0, None),
    ("rose", 50.0, 70.0, None),
]


@pytest.mark.parametrize(
    ("name", "before", "after", "expected"), INHIBITORY_TABLE, ids=[r[0] for r in INHIBITORY_TABLE]
)
def test_inhibitory_table(
    name: str, before: float | None, after: float | None, expected: str | None
) -> None:
    s = inhibitory(before, after, 1, 6, INH)
    assert (s.direction if s else None) == expected, name


def test_inhibitory_reason() -> None:
    s = inhibitory(80.0, 30.0, 1, 6, INH)
    assert s is not None
    assert "80% likely before and 30% after" in s.reason and s.target_step == 2


def test_variability_draws_from_a_seeded_band() -> None:
    settings = InhibitorySettings(
        violation_margin=10, variability=VariabilitySettings(enabled=True, band=2, seed=42)
    )
    targets = [inhibitory(80.0, 20.0, 2, 8, settings, draw=d) for d in range(40)]
    picked = {t.target_step for t in targets if t}
    assert picked == {3, 4}  # the next step or the one after; never the current step
    again = [inhibitory(80.0, 20.0, 2, 8, settings, draw=d) for d in range(40)]
    assert [t.target_step for t in targets if t] == [t.target_step for t in again if t]
    assert {t.direction for t in targets if t} == {"up", "variation"}


# Inhibitory learning never stalls: (name, before, after, trials, minutes on step, rule)
NEVER_STALLS = [
    ("violation below the margin, 2 trials", 80.0, 70.0, 2, 9.0, None),
    ("violation below the margin, 3 trials", 80.0, 70.0, 3, 9.0, "trials_completed"),
    ("expectancy rose, 3 trials", 50.0, 60.0, 3, 9.0, "trials_completed"),
    ("violated on the third trial", 80.0, 55.0, 3, 9.0, "expectancy_violated"),
    ("no expectancy at all, 14.9 min", None, None, 0, 14.9, None),
    ("no expectancy at all, 15 min", None, None, 0, 15.0, "time_on_step"),
    ("never re-rated, 15 min", 80.0, None, 0, 15.0, "time_on_step"),
]


@pytest.mark.parametrize(
    ("name", "before", "after", "trials", "minutes", "rule"),
    NEVER_STALLS,
    ids=[r[0] for r in NEVER_STALLS],
)
def test_inhibitory_proposes_after_the_configured_trials_or_minutes(
    name: str,
    before: float | None,
    after: float | None,
    trials: int,
    minutes: float,
    rule: str | None,
) -> None:
    settings = InhibitorySettings(violation_margin=20, propose_after_trials=3, propose_after_min=15)
    s = inhibitory(before, after, 1, 6, settings, trials=trials, minutes_on_step=minutes)
    assert (s.rule if s else None) == rule, name
    if s is not None:
        assert s.direction == "up" and s.target_step == 2


def test_a_proposal_without_violation_says_so() -> None:
    settings = InhibitorySettings(violation_margin=20, propose_after_trials=3)
    s = inhibitory(80.0, 70.0, 1, 6, settings, trials=3)
    assert s is not None
    assert "not violated after 3 trials" in s.reason and "80% likely before and 70%" in s.reason
    t = inhibitory(None, None, 1, 6, settings, minutes_on_step=20)
    assert t is not None and "no expectancy was recorded" in t.reason


def test_inhibitory_never_proposes_above_the_top_step() -> None:
    settings = InhibitorySettings(propose_after_trials=1, propose_after_min=1)
    assert inhibitory(80.0, 10.0, 5, 6, settings, trials=9, minutes_on_step=99) is None


def test_every_progression_mode_of_the_format_has_a_policy() -> None:
    from typing import get_args

    from vrtherapy.authoring.hierarchy import ProgressionMode
    from vrtherapy.session.policies import POLICIES

    assert set(POLICIES) == set(get_args(ProgressionMode))
