"""A scenario's elevator: the object whose parameter-driven ride declares ``stops``.

The client (keys, controller buttons) and the therapist (console) send the car to one
of these floors; the session records each request and sets the driving parameter, and
the world rides the car there (``vrtherapy.world.motion``). Everything here is a pure
reading of the scenario: which parameter, which floors, whether the car is in the scene
at the current parameter values, and where a car that was sent somewhere has got to
(:func:`car_position`: the same ride maths the world moves the car by).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.ride import RideLimits, travel
from vrtherapy.authoring.scenario import ObjectSpec, ScenarioSpec

FloorDirection = Literal["up", "down"]
_PASSENGER_LIFT = RideLimits(1.0, 0.4)  # ``RideSpec``'s defaults


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
    # how the car moves between floors, and where each value of the parameter puts it:
    # (value, offset in metres) keys, as authored in ``motion.keys``
    limits: RideLimits = _PASSENGER_LIFT
    keys: tuple[tuple[float, tuple[float, float, float]], ...] = ()

    def offset(self, floor: float) -> tuple[float, float, float]:
        """The car's offset (metres) at this value of the parameter: the path's keys
        interpolated linearly, held at the end keys (as the world places it)."""
        if not self.keys:
            return (0.0, 0.0, 0.0)
        if floor <= self.keys[0][0]:
            return self.keys[0][1]
        for (a, oa), (b, ob) in zip(self.keys, self.keys[1:], strict=False):
            if floor <= b:
                f = (floor - a) / (b - a)
                return (
                    oa[0] + (ob[0] - oa[0]) * f,
                    oa[1] + (ob[1] - oa[1]) * f,
                    oa[2] + (ob[2] - oa[2]) * f,
                )
        return self.keys[-1][1]

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


@dataclass(frozen=True)
class Ride:
    """The car was sent from ``from_floor`` to ``to_floor`` at session time ``started``
    (seconds the scene was held still since are added to ``started``)."""

    from_floor: float
    to_floor: float
    started: float


def car_position(lift: Elevator, rides: tuple[Ride, ...], now: float) -> tuple[float, float]:
    """Where the car is at session time ``now`` after ``rides`` (oldest first, each
    leaving from where the one before had got to): its floor (a fraction between two
    floors while it moves) and its velocity (m/s, positive towards higher floors). Each
    ride is the world's: the car leaves at the speed it had, speeds up and brakes within
    the ride's limits (:func:`vrtherapy.authoring.ride.travel`). The floor is read back
    along the straight line the car travels, so it is exact while the path between the
    two floors is one straight segment (as an elevator shaft's is)."""
    floor, up = (rides[0].from_floor if rides else 0.0), 0.0
    for i, ride in enumerate(rides):
        until = rides[i + 1].started if i + 1 < len(rides) else now
        floor, up = _ride(lift, ride.from_floor, ride.to_floor, up, until - ride.started)
    return floor, up


def _ride(
    lift: Elevator, start: float, goal: float, up: float, seconds: float
) -> tuple[float, float]:
    distance = math.dist(lift.offset(start), lift.offset(goal))
    if distance < 1e-9:
        return goal, 0.0
    sign = 1.0 if goal > start else -1.0
    x, v = travel(distance, up * sign, lift.limits, seconds)
    return start + (goal - start) * x / distance, v * sign


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
    ride = obj.motion.ride
    keys = tuple(
        (float(k.at), (float(k.offset[0]), float(k.offset[1]), float(k.offset[2])))
        for k in obj.motion.keys
    )
    return Elevator(
        path,
        name,
        label,
        tuple(float(s) for s in stops),
        when,
        flags,
        RideLimits(ride.speed, ride.acceleration),
        keys,
    )


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
