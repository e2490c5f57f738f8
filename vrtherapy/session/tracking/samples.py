"""Tracked poses of a session: what the render loop sampled, as read back for replay and
for the behaviour measures.

Everything is in the renderer's *tracking space*: metres, y up, the floor the client
stands on at y = 0 and the client's stand point at x = z = 0 (see
``vrtherapy.render.renderer``). Orientations are unit quaternions (x, y, z, w); a head
looks along its local -z (OpenGL's camera convention).

A recorded moment holds the client's head, the hand controllers that were tracked, and
the centre of the scenario's stimulus object (``stimulus:`` in the scenario) where it was
on screen, so that measures such as "looking at the stimulus" need only the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

TrackName = Literal["head", "left_hand", "right_hand", "stimulus"]
TRACKS: tuple[TrackName, ...] = ("head", "left_hand", "right_hand", "stimulus")

SAMPLE_HZ = 20.0  # moments sampled per second of session time
MAX_GAP_S = 1.0  # pose_at interpolates over gaps up to this long (a lost controller: None)

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]  # x, y, z, w
IDENTITY: Quat = (0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class Pose:
    position: Vec3
    orientation: Quat = IDENTITY


@dataclass(frozen=True)
class PoseSample:
    """One sampled moment, made on the render thread and handed to the engine thread:
    session time in seconds and the pose of each thing tracked at that moment."""

    t: float
    poses: tuple[tuple[TrackName, Pose], ...]

    def pose(self, name: TrackName) -> Pose | None:
        for n, p in self.poses:
            if n == name:
                return p
        return None


def _frozen(a: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Track:
    """The samples of one tracked thing, in time order (read-only arrays)."""

    name: TrackName
    times: npt.NDArray[np.float64]  # (N,) session time, s
    positions: npt.NDArray[np.float32]  # (N, 3) metres, tracking space
    orientations: npt.NDArray[np.float32]  # (N, 4) unit quaternions x, y, z, w

    def __post_init__(self) -> None:
        n = len(self.times)
        if self.positions.shape != (n, 3) or self.orientations.shape != (n, 4):
            raise ValueError(
                f"track {self.name}: {n} times need ({n}, 3) positions and ({n}, 4) "
                f"orientations, got {self.positions.shape} and {self.orientations.shape}"
            )
        for a in (self.times, self.positions, self.orientations):
            _frozen(a)

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def empty(cls, name: TrackName) -> Track:
        return cls(
            name,
            np.zeros(0, np.float64),
            np.zeros((0, 3), np.float32),
            np.zeros((0, 4), np.float32),
        )

    @classmethod
    def of(cls, name: TrackName, times: Sequence[float], poses: Sequence[Pose]) -> Track:
        if not times:
            return cls.empty(name)
        return cls(
            name,
            np.asarray(times, np.float64),
            np.asarray([p.position for p in poses], np.float32).reshape(-1, 3),
            np.asarray([p.orientation for p in poses], np.float32).reshape(-1, 4),
        )


@dataclass(frozen=True, eq=False)
class TrackingSamples:
    """Every track of a session (or of one stored chunk). Tracks never sampled are empty."""

    tracks: Mapping[TrackName, Track] = field(default_factory=dict)

    def track(self, name: TrackName) -> Track:
        found = self.tracks.get(name)
        return found if found is not None else Track.empty(name)

    @property
    def head(self) -> Track:
        return self.track("head")

    @property
    def stimulus(self) -> Track:
        return self.track("stimulus")

    @property
    def moments(self) -> int:
        """How many moments were sampled (the head is tracked at every one)."""
        return len(self.head)

    @property
    def span(self) -> tuple[float, float] | None:
        """(first, last) sample time over all tracks, or None when nothing was sampled."""
        starts = [float(t.times[0]) for t in self.tracks.values() if len(t)]
        ends = [float(t.times[-1]) for t in self.tracks.values() if len(t)]
        return (min(starts), max(ends)) if starts else None

    def between(self, start: float, end: float) -> TrackingSamples:
        """The samples with ``start <= t < end``."""
        out: dict[TrackName, Track] = {}
        for name, t in self.tracks.items():
            lo, hi = np.searchsorted(t.times, [start, end], side="left")
            out[name] = Track(
                name, t.times[lo:hi].copy(), t.positions[lo:hi].copy(), t.orientations[lo:hi].copy()
            )
        return TrackingSamples(out)

    @classmethod
    def from_moments(cls, moments: Sequence[PoseSample]) -> TrackingSamples:
        times: dict[TrackName, list[float]] = {n: [] for n in TRACKS}
        poses: dict[TrackName, list[Pose]] = {n: [] for n in TRACKS}
        for m in moments:
            for name, pose in m.poses:
                times[name].append(m.t)
                poses[name].append(pose)
        return cls({n: Track.of(n, times[n], poses[n]) for n in TRACKS if times[n]})

    @classmethod
    def concat(cls, parts: Sequence[TrackingSamples]) -> TrackingSamples:
        """Parts in time order (stored chunks) as one."""
        out: dict[TrackName, Track] = {}
        for name in TRACKS:
            pieces = [p.tracks[name] for p in parts if name in p.tracks and len(p.tracks[name])]
            if pieces:
                out[name] = Track(
                    name,
                    np.concatenate([p.times for p in pieces]),
                    np.concatenate([p.positions for p in pieces]),
                    np.concatenate([p.orientations for p in pieces]),
                )
        return cls(out)


def pose_at(track: Track, t: float, max_gap: float = MAX_GAP_S) -> Pose | None:
    """The pose at session time ``t``: positions interpolated linearly, orientations by
    spherical linear interpolation between the samples either side. An exact sample time
    gives that sample. None before the first or after the last sample, and inside a gap
    longer than ``max_gap`` seconds (the thing was not tracked then)."""
    times = track.times
    n = len(times)
    if n == 0 or t < times[0] or t > times[-1]:
        return None
    i = int(np.searchsorted(times, t, side="right")) - 1
    if i >= n - 1 or times[i] == t:
        i = min(i, n - 1)
        return Pose(_vec(track.positions[i]), _quat(track.orientations[i]))
    t0, t1 = float(times[i]), float(times[i + 1])
    if t1 - t0 > max_gap:
        return None
    u = (t - t0) / (t1 - t0)
    p = track.positions[i].astype(np.float64) * (1 - u) + track.positions[i + 1] * u
    q = slerp(_quat(track.orientations[i]), _quat(track.orientations[i + 1]), u)
    return Pose(_vec(p), q)


def slerp(a: Quat, b: Quat, u: float) -> Quat:
    """Spherical linear interpolation of unit quaternions, ``u`` in 0..1 (scipy's)."""
    from scipy.spatial.transform import Rotation, Slerp  # imported when first needed

    key = Rotation.from_quat(np.asarray([a, b], np.float64))
    q = Slerp([0.0, 1.0], key)([min(1.0, max(0.0, u))]).as_quat()[0]
    return (float(q[0]), float(q[1]), float(q[2]), float(q[3]))


def forward(orientations: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """(N, 3) unit directions a head with these (N, 4) orientations looks along (local -z)."""
    q = np.asarray(orientations, np.float64).reshape(-1, 4)
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    # the third column of the rotation matrix, negated
    out = -np.stack([2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)], axis=1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.where(norms > 0, norms, 1.0), np.float64)


def _vec(a: npt.NDArray[np.floating]) -> Vec3:
    return (float(a[0]), float(a[1]), float(a[2]))


def _quat(a: npt.NDArray[np.floating]) -> Quat:
    return (float(a[0]), float(a[1]), float(a[2]), float(a[3]))
