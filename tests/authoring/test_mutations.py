"""Property-based: whatever an author does to a stock file, the loader answers with
its own error type, and every problem points at a real line of the file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.stock import hierarchies_dir, scenes_dir

STOCK = sorted([*scenes_dir().glob("*.yaml"), *hierarchies_dir().glob("*.yaml")])
GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    source = draw(st.sampled_from(STOCK))
    text = source.read_text(encoding="utf-8")
    how = draw(st.sampled_from(["delete", "retype", "inject", "truncate", "splice"]))
    if how == "truncate":
        return source.name, text[: draw(st.integers(0, len(text)))]
    if how == "splice":
        at = draw(st.integers(0, len(text)))
        junk = draw(st.text(alphabet=":-[]{}#&*!|>'\"%@` \n\tab1", max_size=12))
        return source.name, text[:at] + junk + text[at:]
    data = yaml.safe_load(text)
    path = draw(st.sampled_from(_paths(data)[1:]))
    parent = _get(data, path[:-1])
    key = path[-1]
    if how == "delete":
        del parent[key]
    elif how == "retype":
        parent[key] = draw(GARBAGE)
    else:
        target = _get(data, path)
        if isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=8))] = draw(GARBAGE)
        elif isinstance(target, list):
            target.append(draw(GARBAGE))
        else:
            parent[key] = [target, draw(GARBAGE)]
    return source.name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@settings(
    # 100 in the default run; VRTHERAPY_FUZZ_CASES raises it for a deep run as for test_fuzz
    max_examples=max(100, int(os.environ.get("VRTHERAPY_FUZZ_CASES", "0")) // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated())
def test_loader_only_raises_its_own_error_with_lines(
    tmp_path_factory: Any, case: tuple[str, str]
) -> None:
    name, text = case
    folder = tmp_path_factory.mktemp("mut")
    target = folder / name
    target.write_text(text, encoding="utf-8")
    context = [p for p in STOCK if p.name != name]
    for p in context:
        shutil.copy(p, folder / p.name)
    n_lines = max(1, text.count("\n") + 1)
    try:
        load_library([folder])
    except AuthoringError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1
            if problem.path.endswith(name):
                assert problem.line <= n_lines, (problem, n_lines)
            assert problem.message and "Traceback" not in problem.message
    # a mutation may leave the file valid (e.g. deleting an optional key): that is fine


def test_non_finite_numbers_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "nan.yaml"
    bad.write_text(
        "id: t.nan\ntitle: t\nfamily: custom\nparameters:\n"
        "  h: {type: number, min: 0, max: .nan}\nlevels:\n  - name: a\n    values: {h: 0}\n"
    )
    try:
        load_library([bad], context=[scenes_dir()])
    except AuthoringError as exc:
        assert any(p.line == 5 for p in exc.problems), exc.report()
    else:
        raise AssertionError("a NaN bound must be rejected")
