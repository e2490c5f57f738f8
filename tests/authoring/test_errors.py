"""Every class of authoring error is reported with the exact file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.cli.main import cli

BROKEN = Path(__file__).parent / "broken"

# (fixture, file that holds the problem, line, column, words the message must contain)
CASES = [
    ("syntax_error.yaml", "syntax_error.yaml", 7, 4, ["YAML syntax error"]),
    ("unknown_key.yaml", "unknown_key.yaml", 12, 5, ["unknown key 'valeus'", "'values'"]),
    ("wrong_type.yaml", "wrong_type.yaml", 4, 14, ["expected text", "list"]),
    ("out_of_range.yaml", "out_of_range.yaml", 15, 15, ["120", "outside", "0–60"]),
    ("duplicate_ids", "second.yaml", 2, 5, ["duplicate id 'broken.twin'", "first.yaml:1"]),
    ("undefined_reference.yaml", "undefined_reference.yaml", 16, 15, ["undefined", "hieght"]),
    ("level_missing_parameter.yaml", "level_missing_parameter.yaml", 12, 7, ["railing"]),
    ("missing_asset.yaml", "missing_asset.yaml", 8, 12, ["no_such_statue.glb", "not found"]),
    ("unknown_scenario", "hierarchy.yaml", 7, 15, ["unknown scenario", "heights.balconny"]),
    ("unknown_level", "hierarchy.yaml", 8, 12, ["no level 'floor_99'"]),
    ("duplicate_key.yaml", "duplicate_key.yaml", 6, 1, ["duplicate key 'title'", "line 2"]),
    ("bad_choice.yaml", "bad_choice.yaml", 10, 27, ["'huge'", "spider_size"]),
    ("bad_kind.yaml", "bad_kind.yaml", 8, 17, ["unknown procedural kind 'balcny'"]),
    ("step_both.yaml", "step_both.yaml", 5, 5, ["exactly one of 'level' or 'intensity'"]),
]


def _problems(fixture: str) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        load_library([BROKEN / fixture], context=[scenes_dir()])
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("fixture", "filename", "line", "col", "words"), CASES)
def test_problem_is_located_and_explained(
    fixture: str, filename: str, line: int, col: int, words: list[str]
) -> None:
    problems = _problems(fixture)
    located = [p for p in problems if f"{filename}:{line}:{col}: " in p]
    assert located, f"no problem at {filename}:{line}:{col}; got {problems}"
    for word in words:
        assert any(word in p for p in located), f"{word!r} missing from {located}"


@pytest.mark.parametrize(("fixture", "filename", "line", "col", "words"), CASES)
def test_cli_validate_prints_location_and_exits_1(
    fixture: str, filename: str, line: int, col: int, words: list[str]
) -> None:
    result = CliRunner().invoke(cli, ["validate", str(BROKEN / fixture)])
    assert result.exit_code == 1
    assert f"{filename}:{line}:{col}: " in result.output
    assert "Traceback" not in result.output


def test_typo_suggests_closest_key() -> None:
    problems = _problems("unknown_key.yaml")
    assert any("did you mean 'values'?" in p for p in problems)


def test_all_problems_of_a_file_are_reported_in_one_run() -> None:
    problems = _problems("many_problems.yaml")
    text = "\n".join(problems)
    assert "many_problems.yaml:3:9: 'heigths' is not a valid 'family'" in text
    assert "did you mean 'heights'?" in text
    assert "many_problems.yaml:9:5: unknown key 'colour'" in text
    assert "many_problems.yaml:11:22: parameter 'height' is a number, got 'tall'" in text


def test_hierarchy_reports_structure_and_step_problems_together() -> None:
    problems = _problems("step_both.yaml")
    assert any("step_both.yaml:11:23:" in p and "at most 100" in p for p in problems)
    assert any("step_both.yaml:5:5:" in p for p in problems)


def test_procedural_argument_typo_names_the_argument() -> None:
    problems = _problems("bad_kind.yaml")
    assert any("bad_kind.yaml:12:7: 'balcony' has no argument 'heigth'" in p for p in problems)
    assert any("did you mean 'height'?" in p for p in problems)


def test_stock_files_validate(root: Path) -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_validate_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_empty_file_and_non_mapping(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(AuthoringError) as info:
        load_library([empty, listing])
    text = info.value.report()
    assert "empty.yaml:1:1: the file is empty" in text
    assert "list.yaml:1:1: the file must be a mapping" in text


def test_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"id: a.b\ntitle: caf\xe9\n")
    with pytest.raises(AuthoringError) as info:
        load_library([bad])
    assert "latin1.yaml:2:1: the file is not valid UTF-8" in info.value.report()
