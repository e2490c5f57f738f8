"""The render thread's part of recording the client's behaviour: a moment every
1/SAMPLE_HZ s of session time — the head from the frame's eye views, the hand
controller when the display tracks one, and the centre of the scenario's stimulus when
it is on screen — handed to the engine thread in small immutable batches. Nothing here
waits on disk or the network: the engine thread chunks, encodes and stores them
(``vrtherapy.session.tracking``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from trimesh.transformations import quaternion_from_matrix

from vrtherapy.session.engine import Engine
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.tracking import SAMPLE_HZ, Pose, PoseSample, TrackName

HAND_OVER_S = 0.25  # a batch of moments goes to the engine thread this often
HandOver = Callable[[str, tuple[PoseSample, ...]], None]


def _quaternion(rotation: Any) -> tuple[float, float, float, float]:
    """The unit quaternion (x, y, z, w) of a rotation matrix. trimesh's conversion, not
    scipy's Rotation.from_matrix: that one orthonormalises first and costs about half a
    millisecond a call, more than the render thread's whole budget for sampling."""
    m = np.eye(4)
    m[:3, :3] = rotation
    w, x, y, z = quaternion_from_matrix(m, isprecise=True)  # type: ignore[no-untyped-call]
    return (float(x), float(y), float(z), float(w))


def pose_of(matrix: Any) -> Pose:
    """The pose of a local -> tracking-space 4x4 matrix."""
    m = np.asarray(matrix, np.float64)
    p = m[:3, 3]
    return Pose((float(p[0]), float(p[1]), float(p[2])), _quaternion(m[:3, :3]))


def head_pose(views: Sequence[Any]) -> Pose:
    """The head between the eyes: the mean of the eye positions, the first eye's
    orientation (a headset's eyes look the same way). A view matrix is rigid (tracking
    space -> eye), so its inverse is the transposed rotation and the rotated, negated
    translation."""
    eyes = []
    for v in views:
        m = np.asarray(v.view, np.float64)
        eyes.append(-(m[:3, :3].T @ m[:3, 3]))
    p = np.mean(eyes, axis=0) if len(eyes) > 1 else eyes[0]
    first = np.asarray(views[0].view, np.float64)[:3, :3].T
    return Pose((float(p[0]), float(p[1]), float(p[2])), _quaternion(first))


class PoseSampler:
    """Decimates frames to a fixed rate of session time and batches the moments."""

    def __init__(self, hand_over: HandOver, rate_hz: float = SAMPLE_HZ) -> None:
        self.hand_over = hand_over
        self.period = 1.0 / rate_hz
        self._session = ""
        self._due = 0.0
        self._batch: list[PoseSample] = []
        self._batch_from = 0.0

    def frame(
        self,
        session_id: str,
        t: float,
        views: Sequence[Any],
        stimulus: Callable[[], tuple[float, float, float] | None] = lambda: None,
        right_hand: Any = None,
    ) -> bool:
        """Called after every drawn frame of a running session, at session time ``t``.
        ``stimulus`` says where the stimulus is on screen (None: not shown; asked only
        when a moment is taken); ``right_hand`` is the controller's 4x4 pose when tracked.
        True when a moment was taken."""
        if session_id != self._session:
            self.flush()
            self._session, self._due = session_id, t
        if t < self._due or not views:
            return False
        self._due += self.period * (1 + (t - self._due) // self.period)  # a fixed grid
        poses: list[tuple[TrackName, Pose]] = [("head", head_pose(views))]
        if right_hand is not None:
            poses.append(("right_hand", pose_of(right_hand)))
        seen = stimulus()
        if seen is not None:
            poses.append(("stimulus", Pose(seen)))
        if not self._batch:
            self._batch_from = t
        self._batch.append(PoseSample(t, tuple(poses)))
        if t - self._batch_from >= HAND_OVER_S:
            self.flush()
        return True

    def after_frame(
        self,
        engine: Engine | None,
        snap: Snapshot | None,
        views: Sequence[Any],
        world: Any,
        fade: float,
        right_hand: Any = None,
    ) -> bool:
        """After each drawn frame (the render loop): a moment of the running session when
        one is due. ``world`` is the world the frame drew (None: black), ``fade`` its fade
        to black (1: black); the stimulus counts as on screen only when it was drawn."""
        if snap is None or snap.status != "running" or engine is None:
            self.flush()
            return False
        if engine.session_id != snap.session_id:
            return False

        def stimulus() -> tuple[float, float, float] | None:
            if world is None or fade >= 1.0 or not world.spec.stimulus:
                return None
            found: tuple[float, float, float] | None = world.shown_centre(world.spec.stimulus)
            return found

        return self.frame(snap.session_id, engine.now(), views, stimulus, right_hand)

    def flush(self) -> None:
        """Hand the moments gathered so far to the engine thread."""
        if self._batch:
            batch, self._batch = tuple(self._batch), []
            self.hand_over(self._session, batch)
