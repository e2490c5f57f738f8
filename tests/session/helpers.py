"""Small builders shared by the session tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from vrtherapy.authoring import HierarchySpec, Library
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.station import Station
from vrtherapy.session.store.base import EventStore


def hierarchy(library: Library, **progression: Any) -> HierarchySpec:
    """The stock heights hierarchy with progression settings changed."""
    base = library.hierarchy("heights.standard")
    data = base.model_dump(mode="json")
    for key, value in progression.items():
        if isinstance(value, dict):
            data["progression"].setdefault(key, {}).update(value)
        else:
            data["progression"][key] = value
    return HierarchySpec.model_validate(data)


def counter(prefix: str = "id") -> Callable[[], str]:
    n = itertools.count(1)
    return lambda: f"{prefix}{next(n):06d}"


def start(
    store: EventStore, library: Library, h: HierarchySpec | None = None, **kw: Any
) -> tuple[Engine, ManualClock]:
    clock = kw.pop("clock", None) or ManualClock()
    kw.setdefault("station", Station("test-station", "test-host", 1))
    engine = Engine.start(
        store,
        library,
        clock,
        "C-TEST-0001",
        h or library.hierarchy("heights.standard"),
        new_id=counter(),
        **kw,
    )
    return engine, clock


class Ids:
    """Fresh command ids."""

    def __init__(self) -> None:
        self._n = itertools.count(1)

    def __call__(self) -> str:
        return f"cmd-{next(self._n)}"
