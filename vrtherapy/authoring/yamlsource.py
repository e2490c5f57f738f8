"""Read a YAML file into plain Python data plus a map from data paths to source positions.

PyYAML's node tree carries the line and column of every key and value; we keep
them so that any later check can name the exact place an author must fix.
Duplicate keys, which PyYAML would silently collapse, are reported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vrtherapy.authoring.errors import AuthoringError, Problem

DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class SourceMap:
    """Where each part of a loaded document came from."""

    path: str
    values: dict[DataPath, Position] = field(default_factory=dict)
    keys: dict[DataPath, Position] = field(default_factory=dict)

    def value(self, path: DataPath) -> Position:
        """Position of the value at ``path``, or of the nearest enclosing value."""
        for n in range(len(path), -1, -1):
            pos = self.values.get(path[:n])
            if pos is not None:
                return pos
        return Position(1, 1)

    def key(self, path: DataPath) -> Position:
        """Position of the key that names ``path`` (falls back to the value)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.value(path)

    def problem(
        self, path: DataPath, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> Problem:
        pos = self.key(path) if at_key else self.value(path)
        return Problem(self.path, pos.line, pos.column, message, hint)


@dataclass(frozen=True)
class Document:
    data: Any
    source: SourceMap


def _pos(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, message: str, hint: str | None = None) -> None:
        p = _pos(node)
        self.problems.append(Problem(self.source.path, p.line, p.column, message, hint))

    def build(self, node: yaml.Node, path: DataPath, depth: int = 0) -> Any:
        self.source.values[path] = _pos(node)
        if depth > 64:
            self.problem(node, "the document is nested too deeply (more than 64 levels)")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problem(node, f"cannot read this value: {_first_line(exc)}")
            return None

    def _mapping(self, node: yaml.MappingNode, path: DataPath, depth: int) -> dict[Any, Any]:
        try:
            self.loader.flatten_mapping(node)  # resolves '<<' merge keys
        except yaml.YAMLError as exc:
            self.problem(node, f"cannot merge this mapping: {_first_line(exc)}")
        out: dict[Any, Any] = {}
        first_seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a key must be a plain word, not a list or mapping")
                continue
            key = self.build(key_node, (*path, "<key>"), depth + 1)
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problem(key_node, f"a key must be a plain word, got {key!r}")
                continue
            if isinstance(key, bool | int | float):
                key = str(key_node.value)
            if key in first_seen:
                prev = first_seen[key]
                self.problem(
                    key_node,
                    f"duplicate key '{key}' (first defined on line {prev.line})",
                    "remove one of them; YAML keeps only one value per key",
                )
                continue
            first_seen[key] = _pos(key_node)
            self.source.keys[(*path, key)] = _pos(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        self.source.values.pop((*path, "<key>"), None)
        return out


def _first_line(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    return str(problem or exc).strip().splitlines()[0]


def parse_yaml(text: str, path: str) -> Document:
    """Parse YAML text; raise AuthoringError with positions for any syntax problem."""
    source = SourceMap(path)
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            msg = exc.problem or "invalid YAML"
            if exc.context:
                msg = f"{exc.context}, {msg}" if "expected a single" not in exc.context else msg
            hint = _syntax_hint(msg)
            raise AuthoringError(
                [Problem(path, line, col, f"YAML syntax error: {msg}", hint)]
            ) from None
        except yaml.YAMLError as exc:
            raise AuthoringError([Problem(path, 1, 1, f"YAML error: {_first_line(exc)}")]) from None
        if node is None:
            raise AuthoringError(
                [Problem(path, 1, 1, "the file is empty", "see docs/authoring.md")]
            )
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    finally:
        loader.dispose()
    if builder.problems:
        raise AuthoringError(builder.problems)
    return Document(data, source)


def _syntax_hint(msg: str) -> str | None:
    if "tab" in msg:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in msg:
        return "a value containing ': ' must be quoted, or a key is indented wrongly"
    if "expected <block end>" in msg or "could not find expected ':'" in msg:
        return "check the indentation of this line and the one above"
    return None


def read_yaml(path: Path, display: str | None = None) -> Document:
    """Read and parse a YAML file from disk."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AuthoringError([Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AuthoringError(
            [Problem(shown, line, 1, "the file is not valid UTF-8 text", "save it as UTF-8")]
        ) from None
    return parse_yaml(text, shown)
