"""Hostile or broken YAML: every case ends in a located AuthoringError, quickly.

Nothing may escape as another exception (a traceback for the author) and nothing
may hang or eat memory: the loader bounds the document's size, its aliases and
its depth before and while composing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.stock import hierarchies_dir, scenes_dir
from vrtherapy.authoring.yamlsource import parse_yaml

STOCK_SCENE = scenes_dir() / "heights_balcony.yaml"


def _billion_laughs() -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb() -> str:
    lines = ["m0: &m0 {x: 1, y: 2}"]
    for i in range(1, 14):
        lines.append(f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: [*m{i - 1}, *m{i - 1}, *m{i - 1}]}}")
    return "\n".join(lines) + "\n"


# (name, text, line of the problem, words the message must contain)
HOSTILE: list[tuple[str, str, int, list[str]]] = [
    ("nul", "id: t.nul\ntitle: a\x00b\n", 2, ["control character", "U+0000"]),
    ("bell", "id: t.bell\n\ntitle: a\x07\n", 3, ["control character", "U+0007"]),
    ("escape", "id: t.esc\x1b[0m\n", 1, ["control character", "U+001B"]),
    ("deep_flow", "id: t.deep\ntitle: " + "[" * 1000 + "]" * 1000 + "\n", 2, ["nested"]),
    ("deep_block", "id: t.deep\nx:\n" + "- " * 1000 + "1\n", 3, ["nested"]),
    ("deep_mapping", "a: " + "{b: " * 1000 + "1" + "}" * 1000 + "\n", 1, ["nested"]),
    ("bad_float", "id: t.f\ntitle: t\nfamily: custom\nx: !!float abc\n", 4, ["'abc'", "float"]),
    ("bad_int", "id: t.i\nx: !!int zz\n", 2, ["'zz'", "int"]),
    ("bad_bool", "id: t.b\nx: !!bool maybe\n", 2, ["'maybe'", "bool"]),
    ("bad_timestamp", "id: t.t\nx: !!timestamp abc\n", 2, ["'abc'", "timestamp"]),
    ("impossible_date", "id: t.t\nx: 2020-13-45\n", 2, ["2020-13-45"]),
    ("huge_int", "id: t.i\nx: !!int " + "9" * 5000 + "\n", 2, ["int"]),
    ("billion_laughs", _billion_laughs(), 6, ["more than", "aliases"]),
    ("merge_bomb", _merge_bomb(), 8, ["more than", "aliases"]),
    ("self_alias", "id: t.a\nx: &a [1, *a]\n", 2, ["refers to the list or mapping it is inside"]),
    ("self_merge", "id: t.a\nx: &a {<<: *a}\n", 2, ["refers to the list or mapping it is inside"]),
    ("many_aliases", "a: &a 1\nb: [" + ", ".join(["*a"] * 150) + "]\n", 2, ["aliases"]),
    ("bad_merge", "id: t.m\nx: {<<: 5, c: 2}\n", 2, ["cannot merge"]),
    ("undefined_alias", "id: t.a\nx: *nowhere\n", 2, ["undefined alias"]),
    (
        "python_tag",
        "id: t.p\nx: !!python/object/apply:os.system [ls]\n",
        2,
        ["python", "not supported"],
    ),
    (
        "python_scalar",
        "id: t.p\nx: !!python/name:os.system x\n",
        2,
        ["!!python/name:os.system", "not supported"],
    ),
    ("custom_tag", "id: t.p\nx: !custom x\n", 2, ["'!custom' is not supported"]),
    ("set_tag", "id: t.p\nx: !!set {a, b}\n", 2, ["!!set", "not supported"]),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_yaml_is_a_located_error_not_a_traceback(
    tmp_path: Path, name: str, text: str, line: int, words: list[str]
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(AuthoringError) as info:
        load_library([path])
    assert time.perf_counter() - started < 5, "the loader must refuse this early"
    here = [p for p in info.value.problems if p.path.endswith(path.name) and p.line == line]
    assert here, info.value.report()
    for word in words:
        assert any(word in p.message for p in here), (word, info.value.report())


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("id: t.big\nnotes: |\n" + "  padding text\n" * 200_000)  # 3 MB
    started = time.perf_counter()
    with pytest.raises(AuthoringError, match="too large"):
        load_library([path])
    assert time.perf_counter() - started < 1
    with pytest.raises(AuthoringError, match="too large"):
        parse_yaml("x" * 3_000_000, "text.yaml")


def test_aliases_and_merge_keys_within_the_limits_still_work() -> None:
    doc = parse_yaml(
        "base: &b {type: number, min: 0, max: 1}\nuse: [*b, *b]\nmerged: {<<: *b, max: 2}\n",
        "ok.yaml",
    )
    assert doc.data["use"] == [{"type": "number", "min": 0, "max": 1}] * 2
    assert doc.data["merged"] == {"type": "number", "min": 0, "max": 2}


def test_unquoted_comma_in_a_flow_mapping_gets_a_hint(tmp_path: Path) -> None:
    hierarchy = tmp_path / "h.yaml"
    hierarchy.write_text(
        "id: t.commas\ntitle: t\nsteps:\n"
        "  - {scenario: heights.balcony, level: ground, anticipated_suds: 10,\n"
        "     notes: Look down, then look up).}\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_library([hierarchy], context=[scenes_dir()])
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (5, 24)
    assert "unknown key 'then look up).'" in problem.message
    assert problem.hint is not None and "unquoted ','" in problem.hint and "quotes" in problem.hint


def test_a_key_really_left_without_a_value_keeps_the_usual_hint(tmp_path: Path) -> None:
    hierarchy = tmp_path / "h.yaml"
    hierarchy.write_text(
        "id: t.keys\ntitle: t\nsteps:\n"
        "  - scenario: heights.balcony\n    level: ground\n    anticipated_suds: 10\n"
        "    noets:\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_library([hierarchy], context=[scenes_dir()])
    (problem,) = info.value.problems
    assert problem.hint is not None and "did you mean 'notes'" in problem.hint


def test_unquoted_colon_in_a_flow_mapping_gets_a_hint(tmp_path: Path) -> None:
    hierarchy = tmp_path / "h.yaml"
    hierarchy.write_text(
        "id: t.colon\ntitle: t\nsteps:\n"
        "  - {scenario: heights.balcony, level: ground, anticipated_suds: 10,\n"
        "     title: Step 1: look down}\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_library([hierarchy], context=[scenes_dir()])
    (problem,) = info.value.problems
    assert problem.line == 5 and "YAML syntax error" in problem.message
    assert problem.hint is not None and "unquoted ':'" in problem.hint


@pytest.mark.parametrize(
    "content",
    ["", "# nothing but a comment\n", "id: heights.balcony\ntitle: [unclosed\n", "- a list\n"],
    ids=["empty", "comment_only", "syntax_error", "not_a_mapping"],
)
def test_a_broken_scenario_is_reported_once_not_at_every_step_using_it(
    tmp_path: Path, content: str
) -> None:
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "heights_balcony.yaml").write_text(content, encoding="utf-8")
    (scenes / "calm_room.yaml").write_text(
        (scenes_dir() / "calm_room.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    hierarchy = hierarchies_dir() / "heights_standard.yaml"
    with pytest.raises(AuthoringError) as info:
        load_library([scenes, hierarchy])
    files = {Path(p.path).name for p in info.value.problems}
    assert files == {"heights_balcony.yaml"}, info.value.report()
    assert len(info.value.problems) == 1, info.value.report()


def test_a_genuinely_unknown_scenario_is_still_reported(tmp_path: Path) -> None:
    broken = tmp_path / "scenes"
    broken.mkdir()
    (broken / "other.yaml").write_text("id: other.thing\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        load_library([broken, hierarchies_dir()], context=[scenes_dir()])
    assert len(info.value.problems) == 1  # the stock hierarchy's scenarios all exist
    hierarchy = tmp_path / "h.yaml"
    hierarchy.write_text(
        "id: t.h\ntitle: t\nsteps:\n  - {scenario: nowhere.scene, level: a, "
        "anticipated_suds: 10}\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoringError) as info:
        load_library([broken, hierarchy], context=[scenes_dir()])
    assert any("unknown scenario 'nowhere.scene'" in p.message for p in info.value.problems)
