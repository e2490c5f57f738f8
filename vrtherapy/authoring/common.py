"""Building blocks shared by the authored formats: strict models, ids, references."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
NAME_PATTERN = r"^[a-z_][a-z0-9_]*$"
REF_PATTERN = r"^\$[a-z_][a-z0-9_]*$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"

_ID_RE = re.compile(ID_PATTERN)
_NAME_RE = re.compile(NAME_PATTERN)
_REF_RE = re.compile(REF_PATTERN)
_COLOR_RE = re.compile(COLOR_PATTERN)


class Model(BaseModel):
    """Base of every authored model: immutable, strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _check_id(value: Any) -> Any:
    if isinstance(value, str) and not _ID_RE.match(value):
        raise ValueError(
            f"'{value}' is not a valid id | hint: use lower-case dotted words, "
            "e.g. 'heights.balcony'"
        )
    return value


def _check_name(value: Any) -> Any:
    if isinstance(value, str) and not _NAME_RE.match(value):
        raise ValueError(
            f"'{value}' is not a valid name | hint: use lower-case letters, digits and "
            "underscores, starting with a letter, e.g. 'railing_height'"
        )
    return value


def _check_number_or_ref(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(
            f"expected a number or a parameter reference such as $height, got {value!r}"
        )
    if isinstance(value, str) and not _REF_RE.match(value):
        raise ValueError(
            f"'{value}' is neither a number nor a parameter reference | hint: "
            "write a number, or $name to use the parameter 'name'"
        )
    return value


def _check_bool_or_ref(value: Any) -> Any:
    if isinstance(value, str) and not _REF_RE.match(value):
        raise ValueError(
            f"'{value}' is neither true/false nor a parameter reference | hint: "
            "write true, false, or $name to use a boolean parameter"
        )
    if not isinstance(value, bool | str):
        raise ValueError(f"expected true, false or a parameter reference, got {value!r}")
    return value


def _check_color(value: Any) -> Any:
    if not isinstance(value, str) or not (_COLOR_RE.match(value) or _REF_RE.match(value)):
        raise ValueError(
            f"expected a colour like '#a0b0c0' or a parameter reference, got {value!r}"
        )
    return value


Id = Annotated[str, BeforeValidator(_check_id), StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, BeforeValidator(_check_name), StringConstraints(pattern=NAME_PATTERN)]
Ref = Annotated[str, StringConstraints(pattern=REF_PATTERN)]
NumberOrRef = Annotated[float | Ref, BeforeValidator(_check_number_or_ref)]
BoolOrRef = Annotated[bool | Ref, BeforeValidator(_check_bool_or_ref)]
ColorOrRef = Annotated[
    str, BeforeValidator(_check_color), Field(pattern=f"{COLOR_PATTERN}|{REF_PATTERN}")
]
Percent = Annotated[float, Field(ge=0, le=100)]


def is_ref(value: Any) -> bool:
    return isinstance(value, str) and bool(_REF_RE.match(value))


def ref_name(value: str) -> str:
    return value[1:]
