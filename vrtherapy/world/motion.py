"""Authored motion along a path of keys (``motion:`` of an object): pure functions of a
driver value, which is a parameter's value or the scene's clock.

An elevator car follows ``$floor``; a spider walks towards the client by the clock. The
pose depends only on the driver's value, so a scene shows the same picture at the same
time and values every time (snapshots, golden tests, the therapist's mirror).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

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
class Motion:
    """One object's motion: by a parameter (``value`` set) or by time (``rate`` times t)."""

    path: Path
    value: float | None = None  # the driving parameter's value; None: driven by time
    rate: float = 1.0
    repeat: Repeat = "once"

    def driver(self, t: float) -> float:
        if self.value is not None:
            return self.value
        return timed(t * self.rate, self.path.at[0], self.path.at[-1], self.repeat)

    def place(self, t: float, placed: F32) -> F32:
        """The object's root transform at time ``t``, given where the author placed it:
        moved by the offset in the parent's frame, turned about the object's own origin."""
        offset, rotation = self.path.sample(self.driver(t))
        shift = translate(float(offset[0]), float(offset[1]), float(offset[2]))
        if not rotation.any():
            return (shift @ placed).astype(np.float32)
        turn = matrix(np.zeros(3), rotation)
        origin = translate(*(float(v) for v in placed[:3, 3]))
        back = translate(*(-float(v) for v in placed[:3, 3]))
        return compose(shift, origin, turn, back, placed)
