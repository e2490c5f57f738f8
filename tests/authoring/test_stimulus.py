"""The scenario's ``stimulus:`` (what the behaviour measures look for), checked with
file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError
from vrtherapy.authoring.scenario import load_scenario

SCENARIO = """\
id: test.spider
title: Spider
family: spiders
levels:
  - name: one
objects:
  - name: table
    procedural: box
    children:
      - name: spider_table
        procedural: spider
partners:
  - id: coach
    name: Coach
STIMULUS
"""


def write(tmp_path: Path, stimulus: str) -> Path:
    path = tmp_path / "spider.yaml"
    path.write_text(SCENARIO.replace("STIMULUS", stimulus), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(AuthoringError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_one_name_or_a_list_of_objects_partners_and_parts(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, "stimulus: spider_table")).stimulus == ["spider_table"]
    spec = load_scenario(write(tmp_path, "stimulus: [spider_table, coach, table/legs]"))
    assert spec.stimulus == ["spider_table", "coach", "table/legs"]
    assert load_scenario(write(tmp_path, "")).stimulus == []


def test_an_unknown_stimulus_is_reported_where_it_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, "stimulus: [spider_table, spidr_table]")
    (only,) = problems(path)
    assert only.startswith(f"{path}:15:26:")
    assert "stimulus 'spidr_table' names no object or partner" in only
    assert "did you mean 'spider_table'?" in only


def test_a_single_unknown_stimulus_and_a_malformed_one(tmp_path: Path) -> None:
    path = write(tmp_path, "stimulus: nothing")
    (only,) = problems(path)
    assert only.startswith(f"{path}:15:11:") and "'nothing'" in only
    bad = problems(write(tmp_path, "stimulus: [Spider Table]"))
    assert len(bad) == 1 and ":15:" in bad[0]
