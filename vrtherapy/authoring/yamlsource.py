"""Read a YAML file into plain Python data plus a map from data paths to source positions.

PyYAML's node tree carries the line and column of every key and value; we keep
them so that any later check can name the exact place an author must fix.
Duplicate keys, which PyYAML would silently collapse, are reported here.

Files come from people and from anywhere, so reading one is bounded: the text
is refused above :data:`MAX_DOCUMENT_CHARS` before parsing, and while the node
tree is composed the number of aliases, the nesting depth and the size of the
document *once aliases are expanded* are limited (an "alias bomb" of a few
hundred bytes otherwise expands to billions of values). Whatever is wrong with
a file, the only exception that leaves this module is :class:`AuthoringError`.
"""

from __future__ import annotations

import functools
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.reader import ReaderError

from vrtherapy.authoring.errors import AuthoringError, Problem

DataPath = tuple[str | int, ...]

MAX_DOCUMENT_CHARS = 256 * 1024  # stock files are a few kilobytes; parsing this takes ~1 s
MAX_DEPTH = 64  # levels of nesting, counted after aliases are expanded
MAX_ALIASES = 100  # uses of '*name' in one file
MAX_NODES = 100_000  # keys, values and items, counted after aliases are expanded

_FRAGMENT_HINT = (
    "inside {{ }} an unquoted ',' ends a value, so '{key}' became a key of its own; "
    'put the whole value in quotes, e.g. notes: "Look down, then look up."'
)


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
    # keys written inside { } with no value: most likely the tail of a value that
    # an unquoted comma cut off ("{notes: Look down, then look up.}")
    fragments: set[DataPath] = field(default_factory=set)

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
        self,
        path: DataPath,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
        severity: Literal["error", "warning"] = "error",
    ) -> Problem:
        """A problem located at ``path``; a problem about a key that is really the cut-off
        tail of a value (see ``fragments``) says so in its hint."""
        pos = self.key(path) if at_key else self.value(path)
        if at_key and path in self.fragments:
            hint = _FRAGMENT_HINT.format(key=path[-1])
        return Problem(self.path, pos.line, pos.column, message, hint, severity)


@dataclass(frozen=True)
class Document:
    data: Any
    source: SourceMap


class _TooMuch(Exception):
    """A limit on aliases, depth or size was reached while composing."""

    def __init__(self, where: Position, message: str, hint: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message
        self.hint = hint


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits checked while the node tree is composed.

    For every composed node we remember how many nodes and how many levels it
    stands for once its aliases are expanded, so an alias costs what it expands
    to; the limits are checked before the next node is read, so neither memory
    nor time grows past them.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliases = 0
        self._expanded = 0
        self._cost: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, levels)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        mark = self._next_mark()
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooMuch(
                    mark,
                    f"the file uses more than {MAX_ALIASES} aliases (*name)",
                    "write the values out, or use fewer anchors and aliases",
                )
            target = super().compose_node(parent, index)
            cost = self._cost.get(id(target))
            if cost is None:  # the anchored collection is still being composed
                raise _TooMuch(
                    mark,
                    "an alias (*name) refers to the list or mapping it is inside",
                    "an anchored value cannot contain itself",
                )
            self._count(mark, cost[0], self._depth + cost[1])
            return target
        self._depth += 1
        self._count(mark, 1, self._depth)
        before = self._expanded - 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        levels = 1 + max((self._cost[id(c)][1] for c in children), default=0)
        self._cost[id(node)] = (self._expanded - before, levels)
        return node

    def _next_mark(self) -> Position:
        """Where the next node starts."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        return Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)

    def _count(self, where: Position, nodes: int, depth: int) -> None:
        self._expanded += nodes
        if depth > MAX_DEPTH:
            raise _TooMuch(
                where,
                f"the document is nested too deeply (more than {MAX_DEPTH} levels)",
                "a scenario or hierarchy needs only a few levels; check for runaway brackets",
            )
        if self._expanded > MAX_NODES:
            raise _TooMuch(
                where,
                f"the document has more than {MAX_NODES} values (counting what its "
                "aliases stand for)",
                "split it into several files, or use fewer aliases (*name)",
            )


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

    def build(self, node: yaml.Node, path: DataPath) -> Any:
        # depth and size are bounded by _GuardedLoader, so this recursion is too
        self.source.values[path] = _pos(node)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN:
            # '!!set', '!!omap', '!!python/...': nothing in these files needs them, and
            # reading the collection as plain data would silently drop what they mean
            self.problem(node, f"the tag '{_short_tag(node.tag)}' is not supported", "remove it")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception as exc:
            # PyYAML's scalar constructors raise YAMLError but also ValueError
            # ('!!float abc', '2020-13-45'), KeyError ('!!bool maybe'), AttributeError
            # ('!!timestamp x') and more; each is one unreadable value here.
            self.problem(node, *_unreadable(node, exc))
            return None

    def _mapping(self, node: yaml.MappingNode, path: DataPath) -> dict[Any, Any]:
        own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
        try:
            self.loader.flatten_mapping(node)  # resolves '<<' merge keys
        except yaml.YAMLError as exc:
            self.problem(node, f"cannot merge this mapping: {_first_line(exc)}")
            node.value = [pair for pair in node.value if pair[0].tag != _MERGE]
        # flatten_mapping puts the merged pairs first: a key written here overrides a
        # merged one (as YAML specifies); only a key written twice here is a duplicate
        merged = len(node.value) - own
        out: dict[Any, Any] = {}
        written: dict[Any, Position] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a key must be a plain word, not a list or mapping")
                continue
            key = self.build(key_node, (*path, "<key>"))
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problem(key_node, f"a key must be a plain word, got {key!r}")
                continue
            if isinstance(key, bool | int | float):
                key = str(key_node.value)
            if index >= merged:
                if key in written:
                    self.problem(
                        key_node,
                        f"duplicate key '{key}' (first defined on line {written[key].line})",
                        "remove one of them; YAML keeps only one value per key",
                    )
                    continue
                written[key] = _pos(key_node)
            self.source.keys[(*path, key)] = _pos(key_node)
            if node.flow_style and key_node.style is None and _is_implicit_null(value_node):
                self.source.fragments.add((*path, key))
            out[key] = self.build(value_node, (*path, key))
        self.source.values.pop((*path, "<key>"), None)
        return out


_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN = (f"{_YAML_TAG}seq", f"{_YAML_TAG}map")
_MERGE = f"{_YAML_TAG}merge"
_SCALAR_TYPES = ("str", "int", "float", "bool", "null", "timestamp", "binary")


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _is_implicit_null(node: yaml.Node) -> bool:
    """A value left out entirely, as in '{a: 1, b}' (not 'b: null' or 'b: ~')."""
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.value == ""


_TAGGED = re.compile(r"(&\S+\s+)?!")


def _unreadable(node: yaml.Node, exc: BaseException) -> tuple[str, str | None]:
    """Message and hint for a scalar that its YAML type cannot be made of."""
    kind = node.tag.removeprefix(_YAML_TAG)
    if not node.tag.startswith(_YAML_TAG) or kind not in _SCALAR_TYPES:
        return f"the tag '{_short_tag(node.tag)}' is not supported", "remove it"
    detail = f": {_first_line(exc)}" if isinstance(exc, ValueError | yaml.YAMLError) else ""
    mark = node.start_mark
    tagged = isinstance(mark.buffer, str) and bool(_TAGGED.match(mark.buffer, mark.pointer))
    hint = (
        f"remove the '!!{kind}' tag, or write a valid {kind}"
        if tagged
        else "put it in quotes if you mean it as text"
    )
    return f"cannot read {node.value!r} as {kind}{detail}", hint


def _first_line(exc: BaseException) -> str:
    problem = getattr(exc, "problem", None)
    lines = str(problem or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _too_large(path: str, size: int, line: int, unit: str) -> AuthoringError:
    return AuthoringError(
        [
            Problem(
                path,
                line,
                1,
                f"the file is too large ({size:,} {unit}; at most {MAX_DOCUMENT_CHARS:,})",
                "a scenario or hierarchy is a few kilobytes; split a larger one into several files",
            )
        ]
    )


PARSED_CACHE_FILES = 256  # texts whose parse is kept (the stock library is about 50 files)


def parse_yaml(text: str, path: str) -> Document:
    """Parse YAML text; raise AuthoringError with positions for any problem, never hang.

    Loading a library parses every file of it, and validating one edited file loads
    the others as context, so the same texts are parsed again and again (PyYAML's
    scanner is pure Python and takes most of the time). The parse of a text that
    parsed cleanly is therefore kept, by its exact text and shown path, and every
    call gets its own copy of it: nothing a caller does to one Document reaches
    another. A text with problems is parsed, and reported, afresh each time.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise _too_large(path, len(text), _line_col(text, MAX_DOCUMENT_CHARS)[0], "characters")
    document: Document = pickle.loads(_parsed(text, path))
    return document


@functools.lru_cache(maxsize=PARSED_CACHE_FILES)
def _parsed(text: str, path: str) -> bytes:
    """The pickled Document of a text (pickled, so that each caller unpickles a copy)."""
    return pickle.dumps(_parse(text, path), protocol=pickle.HIGHEST_PROTOCOL)


def _parse(text: str, path: str) -> Document:
    source = SourceMap(path)
    loader: _GuardedLoader | None = None
    try:
        try:
            loader = _GuardedLoader(text)  # reading the text may already fail
            node = loader.get_single_node()
        except _TooMuch as exc:
            where = exc.where
            raise AuthoringError(
                [Problem(path, where.line, where.column, exc.message, exc.hint)]
            ) from None
        except ReaderError as exc:
            line, col = _line_col(text, exc.position)
            code = exc.character if isinstance(exc.character, int) else 0
            raise AuthoringError(
                [
                    Problem(
                        path,
                        line,
                        col,
                        f"the file contains a control character (U+{code:04X}) that YAML "
                        "does not allow",
                        "delete it; it is often left by copying from another program",
                    )
                ]
            ) from None
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
        if loader is not None:
            loader.dispose()
    if builder.problems:
        raise AuthoringError(builder.problems)
    return Document(data, source)


def _syntax_hint(msg: str) -> str | None:
    if "tab" in msg:
        return "indent with spaces, not tabs"
    if "flow mapping" in msg or "flow sequence" in msg:
        return (
            "inside { } or [ ] an unquoted ':' or ',' ends a value; put the value in "
            'quotes, e.g. {notes: "Step 1: look down, then up"}'
        )
    if "mapping values are not allowed" in msg:
        return "a value containing ': ' must be quoted, or a key is indented wrongly"
    if "expected <block end>" in msg or "could not find expected ':'" in msg:
        return "check the indentation of this line and the one above"
    return None


def read_yaml(path: Path, display: str | None = None) -> Document:
    """Read and parse a YAML file from disk (at most MAX_DOCUMENT_CHARS bytes are read)."""
    shown = display or str(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_DOCUMENT_CHARS + 1)
    except OSError as exc:
        raise AuthoringError([Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_DOCUMENT_CHARS:
        size = path.stat().st_size
        raise _too_large(shown, size, raw[:MAX_DOCUMENT_CHARS].count(b"\n") + 1, "bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AuthoringError(
            [Problem(shown, line, 1, "the file is not valid UTF-8 text", "save it as UTF-8")]
        ) from None
    return parse_yaml(text, shown)
