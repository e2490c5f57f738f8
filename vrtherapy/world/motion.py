"""Authored motion along a path of keys (``motion:`` of an object): pure functions of a
driver value, which is a parameter's value or the scene's clock.

An elevator car follows ``$floor``; a spider walks towards the client by the clock. The
pose depends only on the driver's value, so a scene shows the same picture at the same
time and values every time (snapshots, golden tests, the therapist's mirror).

A parameter-driven motion with ride limits (``ride:``) does not jump when the value
changes: it travels from where it was (a :class:`Leg`: the offset and velocity it had
when the new value arrived, and when) to the new value's pose, straight, speeding up and
slowing down at a bounded acceleration and never faster than its top speed
(:func:`vrtherapy.authoring.ride.travel`, closed form, so still a pure function of
time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from vrtherapy.authoring.ride import RideLimits, travel
from vrtherapy.world.transforms import compose, rot_x, rot_y, rot_z, translate
from vrtherapy.world.types import F32

Repeat = Literal["once", "loop", "back_and_forth"]


@dataclass(frozen=True)
class Path:
    """Keys (strictly increasing ``at``) with an offset (metres) and turn (degrees) each."""

    at: tuple[float, ...]
    offsets: tuple[tuple[float, float, float], ...]
    rotations: tuple[tuple[float, float, float], ...]

    def __post_init__(self) -> None:
        if len(self.at) < 2 or not len(self.at) == len(self.offsets) == len(self.rotations):
            raise ValueError("a path needs two or more keys, each with an offset and rotation")
        if any(b <= a for a, b in zip(self.at, self.at[1:], strict=False)):
            raise ValueError("path keys must be in increasing order of 'at'")

    def sample(self, x: float) -> tuple[np.ndarray, np.ndarray]:
        """Offset and rotation (degrees) at driver value ``x``, held at the end keys."""
        at = np.asarray(self.at, dtype=np.float64)
        off = np.asarray(self.offsets, dtype=np.float64)
        rot = np.asarray(self.rotations, dtype=np.float64)
        o = np.array([np.interp(x, at, off[:, k]) for k in range(3)])
        r = np.array([np.interp(x, at, rot[:, k]) for k in range(3)])
        return o, r


def timed(t: float, start: float, end: float, repeat: Repeat) -> float:
    """The driver value ``t`` seconds in, for keys from ``start`` to ``end`` seconds."""
    if t <= start:
        return start
    span = end - start
    if repeat == "once" or span <= 0:
        return min(t, end)
    phase = (t - start) % (2 * span if repeat == "back_and_forth" else span)
    if repeat == "back_and_forth" and phase > span:
        phase = 2 * span - phase
    return start + phase


def matrix(offset: np.ndarray, rotation_deg: np.ndarray) -> F32:
    """The move as a matrix: turn by yaw, pitch, roll (as ``transform.rotation``), then shift."""
    yaw, pitch, roll = (float(np.radians(a)) for a in rotation_deg)
    return compose(
        translate(float(offset[0]), float(offset[1]), float(offset[2])),
        rot_y(yaw),
        rot_x(pitch),
        rot_z(roll),
    )


@dataclass(frozen=True)
class Leg:
    """A ride under way: it left ``start`` (offset, metres) at time ``t0`` moving at
    ``velocity`` (m/s, a 3-vector)."""

    start: tuple[float, float, float]
    velocity: tuple[float, float, float]
    t0: float


@dataclass(frozen=True)
class Motion:
    """One object's motion: by a parameter (``value`` set) or by time (``rate`` times t)."""

    path: Path
    value: float | None = None  # the driving parameter's value; None: driven by time
    rate: float = 1.0
    repeat: Repeat = "once"
    ride: RideLimits | None = None  # a parameter-driven motion that rides to a new value

    def driver(self, t: float) -> float:
        if self.value is not None:
            return self.value
        return timed(t * self.rate, self.path.at[0], self.path.at[-1], self.repeat)

    def riding(self, t: float, leg: Leg | None) -> tuple[np.ndarray, np.ndarray]:
        """Offset (metres) and velocity (m/s) at time ``t`` on ``leg`` towards this
        motion's value; at rest at the value's pose without a leg."""
        target, _ = self.path.sample(self.driver(t))
        if leg is None or self.ride is None:
            return target, np.zeros(3)
        start = np.asarray(leg.start, dtype=np.float64)
        way = target - start
        distance = float(np.linalg.norm(way))
        if distance < 1e-9:
            return target, np.zeros(3)
        direction = way / distance
        v0 = float(np.asarray(leg.velocity, dtype=np.float64) @ direction)
        x, v = travel(distance, v0, self.ride, t - leg.t0)
        return start + direction * x, direction * v

    def place(self, t: float, placed: F32, leg: Leg | None = None) -> F32:
        """The object's root transform at time ``t``, given where the author placed it:
        moved by the offset in the parent's frame, turned about the object's own origin.
        On a ride (``leg``), the offset is where the ride has got to."""
        offset, rotation = self.path.sample(self.driver(t))
        if leg is not None:
            offset, _ = self.riding(t, leg)
        shift = translate(float(offset[0]), float(offset[1]), float(offset[2]))
        if not rotation.any():
            return (shift @ placed).astype(np.float32)
        turn = matrix(np.zeros(3), rotation)
        origin = translate(*(float(v) for v in placed[:3, 3]))
        back = translate(*(-float(v) for v in placed[:3, 3]))
        return compose(shift, origin, turn, back, placed)
