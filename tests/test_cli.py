"""The command line as a person uses it."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from vrtherapy.cli.main import cli


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "schema", "list", "demo"):
        assert command in result.output


def test_list_shows_levels_and_steps() -> None:
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    assert "heights.balcony" in result.output
    assert "floor_20_low_rail" in result.output
    assert "heights.standard" in result.output
    assert "anticipated SUDS 85" in result.output


def test_console_script_runs_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", "validate", "/nonexistent/file.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such file or folder" in proc.stderr
    assert "Traceback" not in proc.stderr
