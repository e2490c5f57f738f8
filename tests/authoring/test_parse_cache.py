"""A text that parsed cleanly is not parsed again, yet every caller gets its own copy,
a changed text is parsed afresh, and a text with problems is reported every time."""

from __future__ import annotations

import pytest

from vrtherapy.authoring import AuthoringError, yamlsource
from vrtherapy.authoring.yamlsource import parse_yaml

TEXT = "id: cache.test\nlevels:\n  - {name: low, notes: first}\n  - {name: high}\n"


def test_a_repeated_text_is_served_from_the_cache_as_an_independent_copy() -> None:
    first = parse_yaml(TEXT, "cache.yaml")
    hits = yamlsource._parsed.cache_info().hits
    first.data["levels"][0]["name"] = "changed by a caller"
    first.source.values.clear()
    second = parse_yaml(TEXT, "cache.yaml")
    assert yamlsource._parsed.cache_info().hits == hits + 1
    assert second.data["levels"][0]["name"] == "low"
    assert second.source.value(("levels", 1, "name")).line == 4
    assert second.data is not first.data and second.source is not first.source


def test_a_changed_text_or_another_path_is_parsed_afresh() -> None:
    parse_yaml(TEXT, "cache.yaml")
    edited = parse_yaml(TEXT.replace("first", "second"), "cache.yaml")
    assert edited.data["levels"][0]["notes"] == "second"
    elsewhere = parse_yaml(TEXT, "other.yaml")
    assert elsewhere.source.path == "other.yaml"
    assert elsewhere.source.problem(("id",), "x").path == "other.yaml"


def test_a_text_with_problems_is_reported_every_time() -> None:
    broken = "id: a\nid: b\n"
    for _ in range(2):
        with pytest.raises(AuthoringError) as caught:
            parse_yaml(broken, "dup.yaml")
        assert "duplicate key 'id'" in caught.value.problems[0].message
        assert caught.value.problems[0].line == 2
