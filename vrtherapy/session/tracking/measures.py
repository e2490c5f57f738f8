"""Behaviour measures from tracked poses: where the client's head points, how close it
comes to the stimulus, how much it moves. Pure functions of the samples (and of a time
window, such as an exposure trial); see docs/behaviour-measures.md for the definitions.

Every measure is a sum over sampled moments, or over pairs of consecutive moments, so
the live readout (adding batches as they come) and the report (the whole window at
once) count exactly the same things.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vrtherapy.session.tracking.samples import MAX_GAP_S, Track, TrackingSamples, forward

AT_DEG = 20.0  # "looking at": the head points within this angle of the stimulus's centre
AWAY_DEG = 45.0  # "looking away": more than this (about the edge of a headset's view)
DOWN_DEG = 30.0  # "looking down": the head pitched more than this below the horizon


@dataclass(frozen=True)
class Behaviour:
    """The measures of a window of session time (None: not measurable in it)."""

    moments: int  # sampled moments (the head is sampled at each)
    with_stimulus: int  # of those, moments when the stimulus was on screen
    at_share: float | None  # of moments with the stimulus on screen: looking at it, 0..1
    away_share: float | None  # … looking away from it, 0..1
    down_share: float | None  # of all moments: looking down, 0..1
    closest_m: float | None  # closest distance from the head to the stimulus's centre
    path_m: float  # how far the head travelled
    turn_deg_per_s: float | None  # how fast it turned, on average (degrees per second)
    seconds: float  # time between consecutive moments (gaps over MAX_GAP_S left out)

    def to_data(self) -> dict[str, float | int | None]:
        return {
            "moments": self.moments,
            "with_stimulus": self.with_stimulus,
            "at_share": self.at_share,
            "away_share": self.away_share,
            "down_share": self.down_share,
            "closest_m": self.closest_m,
            "path_m": self.path_m,
            "turn_deg_per_s": self.turn_deg_per_s,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Sums:
    """What the measures are made of; sums of disjoint windows add up (:meth:`plus`)."""

    moments: int = 0
    with_stimulus: int = 0
    at: int = 0
    away: int = 0
    down: int = 0
    closest_m: float = math.inf
    path_m: float = 0.0
    turn_deg: float = 0.0
    seconds: float = 0.0

    def plus(self, o: Sums) -> Sums:
        return Sums(
            self.moments + o.moments,
            self.with_stimulus + o.with_stimulus,
            self.at + o.at,
            self.away + o.away,
            self.down + o.down,
            min(self.closest_m, o.closest_m),
            self.path_m + o.path_m,
            self.turn_deg + o.turn_deg,
            self.seconds + o.seconds,
        )

    def measures(self) -> Behaviour:
        seen = self.with_stimulus
        return Behaviour(
            self.moments,
            seen,
            self.at / seen if seen else None,
            self.away / seen if seen else None,
            self.down / self.moments if self.moments else None,
            self.closest_m if math.isfinite(self.closest_m) else None,
            self.path_m,
            self.turn_deg / self.seconds if self.seconds > 0 else None,
            self.seconds,
        )


def moment_sums(head: Track, stimulus: Track) -> Sums:
    """Counts over the head's moments (and the stimulus where it was sampled with them)."""
    n = len(head)
    if n == 0:
        return Sums()
    look = forward(head.orientations)
    down = int(np.count_nonzero(look[:, 1] < -math.sin(math.radians(DOWN_DEG))))
    seen, at, away, closest = 0, 0, 0, math.inf
    if len(stimulus):
        # the stimulus is recorded in the same moments as the head: match by time
        j = np.clip(np.searchsorted(stimulus.times, head.times), 0, len(stimulus) - 1)
        same = stimulus.times[j] == head.times
        if same.any():
            to = stimulus.positions[j[same]].astype(np.float64) - head.positions[same]
            dist = np.linalg.norm(to, axis=1)
            cos = np.einsum("ij,ij->i", look[same], to) / np.where(dist > 0, dist, 1.0)
            angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
            seen = int(np.count_nonzero(same))
            at = int(np.count_nonzero(angle <= AT_DEG))
            away = int(np.count_nonzero(angle > AWAY_DEG))
            closest = float(dist.min())
    return Sums(n, seen, at, away, down, closest)


def movement_sums(head: Track) -> Sums:
    """Path, turning and time over pairs of consecutive moments no more than MAX_GAP_S apart."""
    if len(head) < 2:
        return Sums()
    dt = np.diff(head.times)
    ok = dt <= MAX_GAP_S
    step = np.linalg.norm(np.diff(head.positions.astype(np.float64), axis=0), axis=1)
    q = head.orientations.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    a, b = q[:-1], q[1:]
    b = np.where(np.einsum("ij,ij->i", a, b)[:, None] < 0, -b, b)  # q and -q: one rotation
    # the rotation between them, 4·atan2(|a − b|, |a + b|): exact for small turns too,
    # where 2·acos(a·b) loses most of its digits
    turn = np.degrees(4 * np.arctan2(np.linalg.norm(a - b, axis=1), np.linalg.norm(a + b, axis=1)))
    return Sums(
        path_m=float(step[ok].sum()), turn_deg=float(turn[ok].sum()), seconds=float(dt[ok].sum())
    )


def window_sums(samples: TrackingSamples, start: float, end: float) -> Sums:
    """The sums of the moments with ``start <= t < end``."""
    part = samples.between(start, end)
    return moment_sums(part.head, part.stimulus).plus(movement_sums(part.head))


def behaviour(samples: TrackingSamples, start: float, end: float) -> Behaviour:
    """The measures of the window ``start <= t < end`` of session time (a trial)."""
    return window_sums(samples, start, end).measures()


def share_series(
    samples: TrackingSamples, start: float, end: float, width_s: float = 30.0
) -> list[tuple[float, Behaviour]]:
    """The measures of consecutive windows ``width_s`` long (for plotting), each with the
    time of its middle; windows without moments are left out."""
    out: list[tuple[float, Behaviour]] = []
    t = start
    while t < end:
        b = behaviour(samples, t, min(end, t + width_s))
        if b.moments:
            out.append(((t + min(end, t + width_s)) / 2, b))
        t += width_s
    return out


class LiveBehaviour:
    """The current trial's measures while it runs (engine thread): batches of moments are
    added as the render loop hands them over; a new trial starts from nothing."""

    def __init__(self) -> None:
        self.start = 0.0
        self.sums = Sums()
        self._last: Track | None = None  # the latest moment: its pair with the next

    def restart(self, start: float) -> None:
        self.start, self.sums, self._last = start, Sums(), None

    def add(self, samples: TrackingSamples) -> None:
        part = samples.between(self.start, math.inf)
        head = part.head
        if not len(head):
            return
        moved = movement_sums(_joined(self._last, head))
        self.sums = self.sums.plus(moment_sums(head, part.stimulus)).plus(moved)
        self._last = Track(
            "head",
            head.times[-1:].copy(),
            head.positions[-1:].copy(),
            head.orientations[-1:].copy(),
        )

    def measures(self) -> Behaviour:
        return self.sums.measures()


def _joined(before: Track | None, head: Track) -> Track:
    if before is None or before.times[-1] >= head.times[0]:
        return head
    return Track(
        "head",
        np.concatenate([before.times, head.times]),
        np.concatenate([before.positions, head.positions]),
        np.concatenate([before.orientations, head.orientations]),
    )
