"""A parameter fed to a procedural argument must fit the argument's own choices and limits.

Otherwise the world builder silently shows something else: an unknown choice falls
back to the default, an out-of-range number is clamped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.stock import scenes_dir

SCENARIO = """\
id: test.crowd
title: Crowd
family: public_speaking
parameters:
  size: {type: number, min: {size_min}, max: {size_max}, unit: people}
  mood: {type: choice, choices: {moods}}
  tint: {type: choice, choices: {tints}}
levels:
  - name: low
    values: {size: {size_min}, mood: {first_mood}, tint: "{first_tint}"}
  - name: high
    values: {size: {size_max}, mood: {first_mood}, tint: "{first_tint}"}
objects:
  - name: audience
    procedural: audience
    args: {size: $size, attitude: $mood}
  - name: wall
    procedural: box
    args: {color: $tint}
    material: {color: $tint}
"""


def write(tmp_path: Path, **fields: object) -> Path:
    values: dict[str, object] = {
        "size_min": 0,
        "size_max": 200,
        "moods": "[positive, negative]",
        "first_mood": "positive",
        "tints": '["#ff0000", "#00ff00"]',
        "first_tint": "#ff0000",
    }
    values.update(fields)
    text = SCENARIO
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    path = tmp_path / "crowd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        load_library([path], context=[scenes_dir()])
    return [str(p) for p in info.value.problems]


def test_parameters_that_fit_their_arguments_validate(tmp_path: Path) -> None:
    lib = load_library([write(tmp_path)], context=[scenes_dir()])
    assert "test.crowd" in lib.scenarios


def test_a_choice_the_argument_does_not_know_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, moods="[friendly, grumpy]", first_mood="friendly")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:16:35: ")  # at '$mood'
    assert "'friendly' or 'grumpy'" in problem
    assert "'positive', 'neutral', 'negative', 'interested', 'bored' or 'hostile'" in problem
    assert "argument 'attitude' of 'audience'" in problem


def test_a_range_beyond_the_argument_limits_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, size_max=500)
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:16:18: ")  # at '$size'
    assert "ranges 0–500 people" in problem and "accepts only 0–200" in problem


def test_a_colour_parameter_whose_choices_are_not_colours_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, tints="[red, green]", first_tint="red")
    found = problems(path)
    assert len(found) == 2, found  # the box's colour argument and the material's colour
    assert all("'red' or 'green' is not a colour" in p for p in found)
    assert {p.split(":")[1] for p in found} == {"19", "20"}
