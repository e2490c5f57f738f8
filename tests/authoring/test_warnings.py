"""Warnings: allowed but probably not meant. They are located and never fail `validate`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vrtherapy.authoring import load_library
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.cli.main import cli

HIERARCHY = """\
id: test.inhibitory
title: Inhibitory
progression:
  mode: {mode}
steps:
  - scenario: heights.balcony
    level: ground
    anticipated_suds: 20
    expectancy: {{feared_outcome: I will fall}}
  - scenario: heights.balcony
    level: floor_2
    anticipated_suds: 40
"""


def write(tmp_path: Path, mode: str) -> Path:
    path = tmp_path / "h.yaml"
    path.write_text(HIERARCHY.format(mode=mode), encoding="utf-8")
    return path


def test_an_inhibitory_step_without_expectancy_is_a_located_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "inhibitory")
    lib = load_library([path], context=[scenes_dir()])
    (warning,) = lib.warnings
    assert (warning.line, warning.column, warning.severity) == (10, 5, "warning")
    assert "step 2 has no 'expectancy'" in warning.message


def test_validate_prints_warnings_and_still_succeeds(tmp_path: Path) -> None:
    path = write(tmp_path, "inhibitory")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:10:5: warning: step 2 has no 'expectancy'" in result.output
    assert "no problems, 1 warning" in result.output


def test_other_modes_do_not_need_an_expectancy(tmp_path: Path) -> None:
    path = write(tmp_path, "habituation")
    assert load_library([path], context=[scenes_dir()]).warnings == []
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and "warning" not in result.output
