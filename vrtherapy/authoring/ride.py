"""How a ride moves (``motion.ride`` of an object): the quickest trip to a goal within a
top speed and an acceleration, in closed form.

Pure maths shared by the world, which moves the car in the picture
(``vrtherapy.world.motion``), and the session, which works out where the car is when
someone presses a floor button (``vrtherapy.authoring.elevator``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RideLimits:
    """How a ride moves: top speed (m/s) and acceleration and braking (m/s^2)."""

    speed: float
    acceleration: float

    def __post_init__(self) -> None:
        if self.speed <= 0 or self.acceleration <= 0:
            raise ValueError("a ride's speed and acceleration must be positive")


def travel(distance: float, v0: float, limits: RideLimits, t: float) -> tuple[float, float]:
    """Position (metres from the start towards the goal) and velocity ``t`` seconds into
    the quickest ride to ``distance`` that starts at velocity ``v0`` (towards the goal:
    positive), ends at rest, and keeps within ``limits``: accelerate, cruise, brake.

    Starting too fast to stop in time, it brakes, passes the goal and comes back."""
    a, top = limits.acceleration, limits.speed
    t = max(t, 0.0)
    if distance < 0:
        x, v = travel(-distance, -v0, limits, t)
        return -x, -v
    v0 = min(v0, top)
    stopping = v0 * abs(v0) / (2 * a)  # signed: moving away needs no braking room
    if stopping > distance:  # overshoots: brake to a stop, then ride back
        t_stop = v0 / a
        if t <= t_stop:
            return v0 * t - a * t * t / 2, v0 - a * t
        x, v = travel(distance - stopping, 0.0, limits, t - t_stop)
        return stopping + x, v
    peak = min(top, math.sqrt((2 * a * distance + v0 * v0) / 2))
    t1 = (peak - v0) / a  # speeding up (from a backwards start, through rest)
    d1 = (peak * peak - v0 * v0) / (2 * a)
    d3 = peak * peak / (2 * a)
    t2 = max(distance - d1 - d3, 0.0) / peak if peak > 0 else 0.0
    t3 = peak / a
    if t <= t1:
        return v0 * t + a * t * t / 2, v0 + a * t
    if t <= t1 + t2:
        return d1 + peak * (t - t1), peak
    if t <= t1 + t2 + t3:
        u = t - t1 - t2
        return d1 + peak * t2 + peak * u - a * u * u / 2, peak - a * u
    return distance, 0.0
