"""Replace ``$name`` references in authored values by current parameter values.

References are looked up, never evaluated. Procedural arguments are completed
with the catalogue's defaults and brought into range (an interpolated number
given to a whole-number argument is rounded; values are clamped to the
argument's limits) so that a builder always receives exactly its arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.procedural import CATALOGUE, Arg

Value = float | bool | str
Values = Mapping[str, Value]


class MissingValue(KeyError):
    """A reference names a parameter that has no current value."""


def resolve(value: Any, values: Values) -> Any:
    """``value`` with a reference replaced by its parameter's value (lists element-wise)."""
    if isinstance(value, list | tuple):
        return [resolve(v, values) for v in value]
    if is_ref(value):
        name = ref_name(value)
        if name not in values:
            raise MissingValue(name)
        return values[name]
    return value


def procedural_args(
    kind: str, args: Mapping[str, Any], values: Values
) -> tuple[dict[str, float | int | bool | str], list[str]]:
    """Every argument of ``kind`` with references resolved; and problems found on the way."""
    return resolve_args(CATALOGUE[kind], args, values)


def resolve_args(
    spec: Mapping[str, Arg], args: Mapping[str, Any], values: Values
) -> tuple[dict[str, float | int | bool | str], list[str]]:
    """Every argument of ``spec`` (defaults filled in, references resolved, values brought
    into range); and problems found on the way."""
    out: dict[str, float | int | bool | str] = {}
    problems: list[str] = []
    for key, arg in spec.items():
        raw = args.get(key, arg.default)
        try:
            raw = resolve(raw, values)
        except MissingValue as e:
            problems.append(f"argument '{key}' refers to ${e.args[0]}, which has no value")
            raw = arg.default
        out[key] = arg.coerce(raw)
    return out, problems
