"""Continuous intensity maps onto levels; numbers interpolate, switches flip at midpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import load_scenario, parameter_values
from vrtherapy.authoring.intensity import (
    ParameterError,
    level_anchors,
    level_intensity,
    nearest_level,
)
from vrtherapy.authoring.stock import scenes_dir

TWO_LEVELS = """
id: test.two
title: Two levels
family: custom
parameters:
  distance: {type: number, unit: m, min: 0, max: 10}
  contained: {type: boolean}
  speed: {type: choice, choices: [still, slow, fast]}
levels:
  - name: far
    values: {distance: 8, contained: true, speed: still}
  - name: near
    values: {distance: 2, contained: false, speed: fast}
"""


@pytest.fixture
def two(tmp_path: Path):  # type: ignore[no-untyped-def]
    f = tmp_path / "two.yaml"
    f.write_text(TWO_LEVELS)
    return load_scenario(f)


def test_midpoint_interpolates_numbers(two) -> None:  # type: ignore[no-untyped-def]
    assert parameter_values(two, 50)["distance"] == pytest.approx(5.0)
    assert parameter_values(two, 25)["distance"] == pytest.approx(6.5)


def test_levels_apply_exactly_at_their_anchors(two) -> None:  # type: ignore[no-untyped-def]
    assert parameter_values(two, 0) == {"distance": 8.0, "contained": True, "speed": "still"}
    assert parameter_values(two, 100) == {"distance": 2.0, "contained": False, "speed": "fast"}


def test_switches_flip_at_the_midpoint(two) -> None:  # type: ignore[no-untyped-def]
    assert parameter_values(two, 49.9)["contained"] is True
    assert parameter_values(two, 49.9)["speed"] == "still"
    assert parameter_values(two, 50)["contained"] is False
    assert parameter_values(two, 50)["speed"] == "fast"


def test_overrides_set_one_parameter_and_are_checked(two) -> None:  # type: ignore[no-untyped-def]
    values = parameter_values(two, 0, {"distance": 4})
    assert values["distance"] == 4.0 and values["contained"] is True
    with pytest.raises(ParameterError, match="outside the range"):
        parameter_values(two, 0, {"distance": 40})
    with pytest.raises(ParameterError, match="no parameter 'size'"):
        parameter_values(two, 0, {"size": 1})
    with pytest.raises(ParameterError, match="not a choice"):
        parameter_values(two, 0, {"speed": "warp"})
    with pytest.raises(ParameterError, match="between 0 and 100"):
        parameter_values(two, 101)


def test_stock_heights_levels_keep_their_intensities() -> None:
    # the balconies up to the 20th floor keep the intensities they had before the 30th
    # floor was added at the top, so that 'intensity: 70' in a hierarchy still means
    # half way between the 10th and 20th floor
    spec = load_scenario(scenes_dir() / "heights_balcony.yaml")
    anchors = level_anchors(spec)
    assert anchors == pytest.approx([0, 20, 40, 60, 80, 90, 100])
    assert level_intensity(spec, "floor_10") == pytest.approx(60)
    # halfway between floor_10 (30 m) and floor_20 (60 m)
    assert parameter_values(spec, 70)["height"] == pytest.approx(45.0)
    assert nearest_level(spec, 69) == "floor_10"
    assert nearest_level(spec, 78) == "floor_20"


def test_explicit_level_intensities(tmp_path: Path) -> None:
    f = tmp_path / "explicit.yaml"
    f.write_text(
        TWO_LEVELS.replace("  - name: far\n", "  - name: far\n    intensity: 20\n").replace(
            "  - name: near\n", "  - name: near\n    intensity: 60\n"
        )
    )
    spec = load_scenario(f)
    assert level_anchors(spec) == [20.0, 60.0]
    assert parameter_values(spec, 10)["distance"] == 8.0  # below the first level: the first
    assert parameter_values(spec, 40)["distance"] == pytest.approx(5.0)
    assert parameter_values(spec, 90)["distance"] == 2.0
