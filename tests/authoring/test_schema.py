"""The JSON Schemas that `vrtherapy schema` writes validate the stock files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from vrtherapy.authoring.schema import SCHEMA_FILES
from vrtherapy.authoring.stock import (
    hierarchies_dir,
    questionnaires_dir,
    scenes_dir,
    schemas_dir,
)
from vrtherapy.cli.main import cli


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("schemas")
    result = CliRunner().invoke(cli, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {
        name: json.loads((out / fname).read_text(encoding="utf-8"))
        for name, fname in SCHEMA_FILES.items()
    }


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted(scenes_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_stock_scenarios_match_schema(written: dict[str, dict[str, Any]], path: Path) -> None:
    errors = list(_validator(written["scenario"]).iter_errors(yaml.safe_load(path.read_text())))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("path", sorted(hierarchies_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_stock_hierarchies_match_schema(written: dict[str, dict[str, Any]], path: Path) -> None:
    errors = list(_validator(written["hierarchy"]).iter_errors(yaml.safe_load(path.read_text())))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("path", sorted(questionnaires_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_stock_questionnaires_match_schema(written: dict[str, dict[str, Any]], path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    errors = list(_validator(written["questionnaire"]).iter_errors(data))
    assert not errors, [e.message for e in errors]


def test_schema_rejects_typos_and_bad_arguments(written: dict[str, dict[str, Any]]) -> None:
    v = _validator(written["scenario"])
    data = yaml.safe_load((scenes_dir() / "heights_balcony.yaml").read_text())
    data["levels"][0]["valeus"] = data["levels"][0].pop("values")
    assert any("valeus" in e.message for e in v.iter_errors(data))
    data = yaml.safe_load((scenes_dir() / "heights_balcony.yaml").read_text())
    data["objects"][2]["args"]["heigth"] = 3
    assert list(v.iter_errors(data)), "an unknown procedural argument must fail the schema"


def test_committed_schemas_are_current(written: dict[str, dict[str, Any]]) -> None:
    for name, fname in SCHEMA_FILES.items():
        committed = json.loads((schemas_dir() / fname).read_text(encoding="utf-8"))
        assert committed == written[name], f"run 'vrtherapy schema' to refresh {fname}"


@pytest.mark.parametrize(
    "path",
    sorted(
        [
            *scenes_dir().glob("*.yaml"),
            *hierarchies_dir().glob("*.yaml"),
            *questionnaires_dir().glob("*.yaml"),
        ]
    ),
    ids=lambda p: p.name,
)
def test_stock_files_name_their_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=../schemas/")
    target = (path.parent / first.split("$schema=")[1]).resolve()
    assert target.is_file()
