"""A scenario's elevator: the object whose parameter-driven ride declares ``stops``.

The client (keys, controller buttons) and the therapist (console) send the car to one
of these floors; the session records each request and sets the driving parameter, and
the world rides the car there (``vrtherapy.world.motion``). Everything here is a pure
reading of the scenario: which parameter, which floors, and whether the car is in the
scene at the current parameter values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.scenario import ObjectSpec, ScenarioSpec

FloorDirection = Literal["up", "down"]


@dataclass(frozen=True)
class Elevator:
    """The car (an object path such as ``car``), the number parameter that drives it and
    the floors it stops at, lowest first."""

    car: str
    parameter: str
    label: str
    stops: tuple[float, ...]
    # the car is in the scene only while these hold (its own and its parents' conditions)
    shown_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shown_if: tuple[str, ...] = ()  # boolean parameters (``visible: $name``)

    def shown(self, values: Mapping[str, float | bool | str]) -> bool:
        """Whether the car is in the scene at these parameter values."""
        return all(values.get(name) in words for name, words in self.shown_when) and all(
            values.get(name) is True for name in self.shown_if
        )

    def next_stop(self, floor: float, direction: FloorDirection) -> float | None:
        """The next declared stop above (``up``) or below (``down``) ``floor``; None at
        the top or the bottom."""
        if direction == "up":
            return next((s for s in self.stops if s > floor + 1e-9), None)
        return next((s for s in reversed(self.stops) if s < floor - 1e-9), None)

    def is_stop(self, floor: float) -> bool:
        return any(abs(s - floor) < 1e-9 for s in self.stops)

    @property
    def bottom(self) -> float:
        return self.stops[0]

    @property
    def top(self) -> float:
        return self.stops[-1]


def floor_text(floor: float) -> str:
    """A floor as a person writes it: 10, not 10.0."""
    return f"{floor:g}"


def elevator_of(spec: ScenarioSpec) -> Elevator | None:
    """The scenario's elevator, or None when no object's ride declares ``stops``
    (validation allows one)."""
    found = _find(spec.objects, "", (), ())
    if found is None:
        return None
    obj, path, when, flags = found
    assert obj.motion is not None and obj.motion.ride is not None
    stops = obj.motion.ride.stops
    assert stops is not None
    name = ref_name(obj.motion.by)
    p = spec.parameters.get(name)
    label = (p.label if p is not None and p.label else name.replace("_", " ").capitalize()) or name
    return Elevator(path, name, label, tuple(float(s) for s in stops), when, flags)


def _find(
    objs: Iterable[ObjectSpec],
    parent: str,
    when: tuple[tuple[str, tuple[str, ...]], ...],
    flags: tuple[str, ...],
) -> tuple[ObjectSpec, str, tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]] | None:
    for obj in objs:
        path = f"{parent}/{obj.name}" if parent else obj.name
        mine = when + tuple((k, tuple(v)) for k, v in obj.visible_when.items())
        ref = obj.visible if isinstance(obj.visible, str) and is_ref(obj.visible) else None
        mine_flags = flags + ((ref_name(ref),) if ref is not None else ())
        m = obj.motion
        if m is not None and m.ride is not None and m.ride.stops is not None and m.by != "time":
            return obj, path, mine, mine_flags
        found = _find(obj.children, path, mine, mine_flags)
        if found is not None:
            return found
    return None
