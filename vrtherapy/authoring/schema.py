"""JSON Schemas of the authored formats, so editors can validate and autocomplete YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vrtherapy.authoring.behaviour import BEHAVIOUR
from vrtherapy.authoring.common import REF_PATTERN
from vrtherapy.authoring.dialogue import DialogueSpec
from vrtherapy.authoring.hierarchy import HierarchySpec
from vrtherapy.authoring.procedural import CATALOGUE, Arg
from vrtherapy.authoring.questionnaire import QuestionnaireSpec
from vrtherapy.authoring.scenario import STIMULUS_PATTERN, ScenarioSpec

SCHEMA_FILES = {
    "scenario": "scenario.schema.json",
    "hierarchy": "hierarchy.schema.json",
    "dialogue": "dialogue.schema.json",
    "questionnaire": "questionnaire.schema.json",
}


def _arg_schema(arg: Arg) -> dict[str, Any]:
    ref = {"type": "string", "pattern": REF_PATTERN}
    base: dict[str, Any]
    if arg.type in ("number", "int"):
        base = {"type": "number" if arg.type == "number" else "integer"}
        if arg.min is not None:
            base["minimum"] = arg.min
        if arg.max is not None:
            base["maximum"] = arg.max
    elif arg.type == "boolean":
        base = {"type": "boolean"}
    elif arg.type == "choice":
        base = {"enum": list(arg.choices)}
    else:
        base = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
    return {"anyOf": [base, ref], "description": arg.description, "default": arg.default}


def scenario_schema() -> dict[str, Any]:
    schema = ScenarioSpec.model_json_schema()
    schema["$defs"]["PartnerSpec"]["properties"]["behaviour"] = {
        "type": "object",
        "properties": {k: _arg_schema(a) for k, a in BEHAVIOUR.items()},
        "additionalProperties": False,
        "description": "how the partner behaves; levels set it through $parameters",
    }
    obj = schema["$defs"]["ObjectSpec"]
    obj["properties"]["procedural"] = {
        "anyOf": [{"enum": sorted(CATALOGUE)}, {"type": "null"}],
        "default": None,
        "description": "a built-in procedural object kind",
    }
    obj["allOf"] = [
        {
            "if": {"properties": {"procedural": {"const": kind}}, "required": ["procedural"]},
            "then": {
                "properties": {
                    "args": {
                        "type": "object",
                        "properties": {k: _arg_schema(a) for k, a in args.items()},
                        "additionalProperties": False,
                    }
                }
            },
        }
        for kind, args in sorted(CATALOGUE.items())
    ]
    # one name is short for a list of one (the model's validator takes both)
    ref = {"type": "string", "pattern": STIMULUS_PATTERN}
    schema["properties"]["stimulus"] = {
        "anyOf": [ref, {"type": "array", "items": ref}],
        "default": [],
        "description": "the feared object or the partner, for the behaviour measures: an "
        "object or partner, a part of one ('object/part'), or a list (the first drawn counts)",
    }
    return _finish(schema, "scenario", "A vrtherapy exposure scenario")


def hierarchy_schema() -> dict[str, Any]:
    return _finish(HierarchySpec.model_json_schema(), "hierarchy", "A vrtherapy fear hierarchy")


def dialogue_schema() -> dict[str, Any]:
    return _finish(
        DialogueSpec.model_json_schema(by_alias=True), "dialogue", "A vrtherapy partner dialogue"
    )


def questionnaire_schema() -> dict[str, Any]:
    return _finish(
        QuestionnaireSpec.model_json_schema(), "questionnaire", "A vrtherapy questionnaire"
    )


def _finish(schema: dict[str, Any], name: str, title: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://vrtherapy.invalid/schemas/{SCHEMA_FILES[name]}",
        **schema,
        "title": title,
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    return {
        "scenario": scenario_schema(),
        "hierarchy": hierarchy_schema(),
        "dialogue": dialogue_schema(),
        "questionnaire": questionnaire_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = folder / SCHEMA_FILES[name]
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
