"""Turn pydantic validation errors into located, readable problems.

The models in this package are strict (no silent coercion) and forbid unknown
keys; this module maps each pydantic error back to the YAML position it came
from and phrases it for a scene author, suggesting the closest valid key or
value for typos.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError

from vrtherapy.authoring.errors import Problem
from vrtherapy.authoring.yamlsource import DataPath, Document

M = TypeVar("M", bound=BaseModel)


def closest(word: str, options: typing.Iterable[str]) -> str | None:
    """The option closest to ``word``, if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, options: typing.Iterable[str], noun: str = "valid keys") -> str:
    opts = sorted(options)
    guess = closest(word, opts)
    listing = ", ".join(opts)
    if guess:
        return f"did you mean '{guess}'? {noun}: {listing}"
    return f"{noun}: {listing}"


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[DataPath, bool]:
    """Follow a pydantic ``loc`` through the data; skip union/tag members.

    Returns the deepest data path that exists and whether the whole loc was found.
    """
    path: list[str | int] = []
    cur = data
    found_all = True
    for part in loc:
        in_dict = isinstance(cur, dict) and part in cur
        in_list = isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        if in_dict or in_list:
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str):
            # a key pydantic expected but the author did not write
            found_all = False
            break
        # otherwise: a union member name such as 'float' or 'function-after[...]'
    return tuple(path), found_all


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def _model_at(root: type[BaseModel], path: DataPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (None if not a model)."""
    candidates: list[Any] = [root]
    for part in path:
        nxt: list[Any] = []
        for cand in candidates:
            for tp in _unwrap(cand):
                if isinstance(tp, type) and issubclass(tp, BaseModel):
                    field = tp.model_fields.get(str(part))
                    if field is not None:
                        nxt.append(field.annotation)
                    continue
                origin = typing.get_origin(tp)
                args = typing.get_args(tp)
                if origin in (list, tuple) and args:
                    nxt.append(args[0])
                elif origin is dict and len(args) == 2:
                    nxt.append(args[1])
        candidates = nxt
    for cand in candidates:
        for tp in _unwrap(cand):
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                return tp
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}


_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def _field_name(path: DataPath) -> str:
    """'family', or 'item 3 of levels' — the name an author would use for a place."""
    for part in reversed(path):
        if isinstance(part, str):
            return f"'{part}'"
    return "value"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) < 60 else "a long text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def problems_from(exc: ValidationError, doc: Document, root: type[BaseModel]) -> list[Problem]:
    src = doc.source
    problems: list[Problem] = []
    seen: set[DataPath] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path, found = _data_path(doc.data, loc)
        kind = err["type"]
        value = err.get("input")
        if kind == "missing" or not found:
            key = next((p for p in loc[len(path) :] if isinstance(p, str)), "?")
            model = _model_at(root, path)
            if model is not None and key not in model.model_fields:
                continue  # a union member's key, reported by another error
            problems.append(
                src.problem(path, f"missing required key '{key}'", f"add '{key}:' here")
            )
            continue
        if path in seen:
            continue  # one message per place: unions yield one error per member
        seen.add(path)
        if kind == "extra_forbidden":
            key = str(path[-1])
            model = _model_at(root, path[:-1])
            hint = did_you_mean(key, _keys_of(model)) if model else None
            problems.append(src.problem(path, f"unknown key '{key}'", hint, at_key=True))
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",")]
            options = [o for o in options if o]
            hint = did_you_mean(str(value), options, "allowed values") if options else None
            what = _field_name(path)
            problems.append(src.problem(path, f"{value!r} is not a valid {what}", hint))
        elif kind in _BOUNDS:
            limit = err.get("ctx", {}).get(_BOUNDS[kind][1])
            problems.append(
                src.problem(
                    path,
                    f"{_field_name(path)} {value!r} is out of range: it must be "
                    f"{_BOUNDS[kind][0]} {limit:g}"
                    if isinstance(limit, int | float)
                    else f"{_BOUNDS[kind][0]} {limit}",
                )
            )
        elif kind in ("too_short", "too_long"):
            ctx = err.get("ctx", {})
            if kind == "too_short":
                need = f"at least {ctx.get('min_length')}"
            else:
                need = f"at most {ctx.get('max_length')}"
            problems.append(src.problem(path, f"{_field_name(path)} needs {need} item(s)"))
        elif kind == "string_pattern_mismatch":
            problems.append(
                src.problem(path, f"{value!r} is not in the right form for {_field_name(path)}")
            )
        elif kind in _TYPE_WORDS:
            problems.append(
                src.problem(path, f"expected {_TYPE_WORDS[kind]}, got {_describe(value)}")
            )
        elif kind in ("value_error", "assertion_error"):
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
            message, _, hint = msg.partition(" | hint: ")
            problems.append(src.problem(path, message, hint or None))
        else:
            msg = err["msg"]
            problems.append(src.problem(path, f"{_describe(value)}: {msg[0].lower()}{msg[1:]}"))
    return problems


def validate(model: type[M], doc: Document) -> tuple[M | None, list[Problem]]:
    """Validate a document against a model, returning located problems on failure."""
    if not isinstance(doc.data, dict):
        return None, [
            doc.source.problem(
                (), f"the file must be a mapping of keys to values, got {_describe(doc.data)}"
            )
        ]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = problems_from(exc, doc, model)
        if not problems:  # never lose an error, even one we could not place
            problems = [doc.source.problem((), str(exc).splitlines()[0])]
        return None, problems
