"""Clocks are passed in, so that the core stays deterministic and the demo can run fast."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def wall(self) -> float:
        """Seconds since the epoch (UTC)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""


class SystemClock:
    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to (tests, accelerated demo)."""

    def __init__(self, wall_start: float = 1_800_000_000.0) -> None:
        self._wall0 = wall_start
        self._t = 0.0

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock never goes back")
        self._t += seconds

    def wall(self) -> float:
        return self._wall0 + self._t

    def monotonic(self) -> float:
        return self._t


class ScaledClock:
    """Session time that runs ``scale`` times faster than real time (demos and tests).

    Wall-clock timestamps stay real.
    """

    def __init__(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = scale
        self._t0 = time.monotonic()

    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return (time.monotonic() - self._t0) * self.scale
