"""The dialogue format: a valid file loads; every structural mistake is named at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.dialogue import load_dialogue
from vrtherapy.cli.main import cli

FIXTURES = Path(__file__).parent.parent / "partners" / "fixtures"

# a minimal valid dialogue, to which each case below adds one mistake
_HEAD = """\
id: test.broken
title: Broken
flags: {asked: false}
start: hello
nodes:
"""

# (name, nodes text (indented under 'nodes:'), line, column, words in the message)
CASES = [
    (
        "dangling target",
        """\
  hello:
    line: Hi
    choices:
      - {text: Hi, goto: byee}
  bye: {end: true}
""",
        9,
        26,
        ["leads to 'byee', which is not a node", "did you mean 'bye'"],
    ),
    (
        "unreachable node",
        """\
  hello: {line: Hi, goto: bye}
  lonely: {line: Nobody comes here, goto: bye}
  bye: {end: true}
""",
        7,
        3,
        ["'lonely' is unreachable"],
    ),
    (
        "dead end",
        """\
  hello: {line: Hi, goto: stuck}
  stuck:
    line: And then?
  bye: {end: true}
""",
        7,
        3,
        ["'stuck' is a dead end"],
    ),
    (
        "loop that never waits",
        """\
  hello: {line: Hi, goto: again}
  again: {line: Again, goto: hello}
  bye: {end: true}
""",
        6,
        3,
        ["loop of immediate steps"],
    ),
    (
        "no end reachable",
        """\
  hello:
    line: Hi
    choices: [{text: Hi, goto: chat}]
    triggers: [{id: leave, label: Leave, goto: bye}]
  chat:
    line: Chat
    choices: [{text: More, goto: chat}]
  bye: {end: true}
""",
        10,
        3,
        ["no end can be reached from node 'chat'"],
    ),
    (
        "unknown flag",
        """\
  hello: {line: Hi, set: {askd: true}, goto: bye}
  bye: {end: true}
""",
        6,
        27,
        ["unknown flag 'askd'", "did you mean 'asked'"],
    ),
    (
        "two immediate exits",
        """\
  hello: {line: Hi, goto: bye, end: true}
  bye: {end: true}
""",
        6,
        3,
        ["has goto and end"],
    ),
    (
        "goto with choices",
        """\
  hello:
    line: Hi
    goto: bye
    choices: [{text: Hi, goto: bye}]
  bye: {end: true}
""",
        6,
        3,
        ["has goto and choices", "never waits"],
    ),
    (
        "branch without otherwise",
        """\
  hello:
    branch:
      - if: {asked: true}
        goto: bye
  bye: {end: true}
""",
        8,
        9,
        ["last entry", "has a condition"],
    ),
    (
        "all choices conditional",
        """\
  hello:
    line: Hi
    choices:
      - {text: Hi, goto: bye, if: {asked: true}}
  bye: {end: true}
""",
        8,
        5,
        ["every choice", "stuck"],
    ),
    (
        "unknown gesture",
        """\
  hello: {line: Hi, gesture: wink, goto: bye}
  bye: {end: true}
""",
        6,
        30,
        ["'wink' is not a valid 'gesture'", "allowed values"],
    ),
    (
        "unknown start",
        """\
  hullo: {line: Hi, goto: bye}
  bye: {end: true}
""",
        4,
        8,
        ["start node 'hello' is not a node", "did you mean 'hullo'"],
    ),
]


def _write(tmp_path: Path, nodes: str) -> Path:
    path = tmp_path / "broken_dialogue.yaml"
    path.write_text(_HEAD + textwrap.dedent("    ") + nodes, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "nodes", "line", "col", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_structural_error_is_located(
    tmp_path: Path, name: str, nodes: str, line: int, col: int, words: list[str]
) -> None:
    path = _write(tmp_path, nodes)
    with pytest.raises(AuthoringError) as info:
        load_dialogue(path)
    located = [str(p) for p in info.value.problems if (p.line, p.column) == (line, col)]
    assert located, f"no problem at {line}:{col}; got {[str(p) for p in info.value.problems]}"
    for word in words:
        assert any(word in p for p in located), f"{word!r} missing from {located}"


def test_cli_validate_reports_dialogue_error_with_location(tmp_path: Path) -> None:
    path = _write(tmp_path, CASES[0][1])
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "broken_dialogue.yaml:9:26: " in result.output
    assert "Traceback" not in result.output


def test_valid_dialogue_loads_in_any_language() -> None:
    spec = load_dialogue(FIXTURES / "interview.yaml")
    assert spec.start == "greet"
    assert spec.nodes["goodbye"].line == "Thank you for coming. 再见!"
    assert spec.nodes["react"].branch is not None
    assert spec.nodes["react"].branch[0].if_ == {"bragged": True}


def test_cli_validate_accepts_scenario_with_its_dialogue() -> None:
    result = CliRunner().invoke(cli, ["validate", str(FIXTURES)])
    assert result.exit_code == 0, result.output


def test_scenario_partner_names_unknown_dialogue(tmp_path: Path) -> None:
    scene = (FIXTURES / "interview_scene.yaml").read_text(encoding="utf-8")
    path = tmp_path / "scene.yaml"
    path.write_text(scene.replace("dialogue: test.interview", "dialogue: test.intervew"), "utf-8")
    with pytest.raises(AuthoringError) as info:
        load_library([path, FIXTURES / "interview.yaml"])
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (10, 15)
    assert "unknown dialogue 'test.intervew'" in problem.message
    assert problem.hint is not None and "test.interview" in problem.hint


def test_speaker_must_be_a_partner_of_the_scenario(tmp_path: Path) -> None:
    text = (FIXTURES / "interview.yaml").read_text(encoding="utf-8")
    dialogue = tmp_path / "dialogue.yaml"
    dialogue.write_text(
        text.replace(
            "    line: Take your time", "    speaker: intervewer\n    line: Take your time"
        ),
        "utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_library([FIXTURES / "interview_scene.yaml", dialogue])
    [problem] = info.value.problems
    assert "has lines for 'intervewer', who is not a partner" in problem.message
    assert (problem.line, problem.column) == (10, 15)


def test_missing_recorded_audio_is_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "  hello: {line: Hi, audio: hello.wav, goto: bye}\n  bye: {end: true}\n"
    )
    with pytest.raises(AuthoringError) as info:
        load_dialogue(path)
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (6, 28)
    assert "audio file 'hello.wav' not found" in problem.message
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    assert load_dialogue(path).nodes["hello"].audio == "hello.wav"


def test_json_schema_accepts_fixture_and_rejects_typo(tmp_path: Path) -> None:
    import json

    import jsonschema
    import yaml

    result = CliRunner().invoke(cli, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    schema = json.loads((tmp_path / "dialogue.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    data = yaml.safe_load((FIXTURES / "interview.yaml").read_text(encoding="utf-8"))
    assert not list(validator.iter_errors(data))
    data["nodes"]["greet"]["choises"] = data["nodes"]["greet"].pop("choices")
    assert any("choises" in e.message for e in validator.iter_errors(data))


def test_a_voice_in_another_language_than_the_dialogue_is_a_warning(tmp_path: Path) -> None:
    text = (FIXTURES / "interview.yaml").read_text(encoding="utf-8")
    dialogue = tmp_path / "dialogue.yaml"
    dialogue.write_text(text.replace("language: en", "language: de"), "utf-8")
    lib = load_library([FIXTURES / "interview_scene.yaml", dialogue])
    [warning] = lib.warnings
    assert warning.severity == "warning" and (warning.line, warning.column) == (11, 12)
    assert "with the voice 'en-gb'" in warning.message and "language 'de'" in warning.message
    assert (
        load_library([FIXTURES / "interview_scene.yaml", FIXTURES / "interview.yaml"]).warnings
        == []
    )
