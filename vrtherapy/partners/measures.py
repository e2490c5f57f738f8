"""Automatic measures of the client's side of a conversation (pure).

Recorded in the session as ``measure_recorded`` events (``RecordMeasure``); they are
companions to the therapist's scores, not judgements (DOMAIN.md: "record them, do not
act on them automatically"). Socially anxious people tend to look less at faces, so
the share of time the client's head points at the partner's face is measured here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

FACE_CONE_DEG = 15.0  # head direction within this of the face counts as looking at it


@dataclass(frozen=True)
class FaceGaze:
    """Time the client's head pointed at a partner's face, of the time measured."""

    looking_s: float = 0.0
    total_s: float = 0.0
    cone_deg: float = FACE_CONE_DEG

    def add(
        self,
        dt: float,
        head: npt.ArrayLike,
        forward: npt.ArrayLike,
        face: npt.ArrayLike,
    ) -> FaceGaze:
        """One more interval of ``dt`` seconds with the head at ``head`` looking along
        ``forward`` (world space) and the partner's face at ``face``."""
        if dt <= 0 or not math.isfinite(dt):
            return self
        to_face = np.asarray(face, np.float64) - np.asarray(head, np.float64)
        f = np.asarray(forward, np.float64)
        norm = float(np.linalg.norm(to_face) * np.linalg.norm(f))
        looking = norm > 0 and float(to_face @ f) / norm >= math.cos(math.radians(self.cone_deg))
        return replace(
            self, looking_s=self.looking_s + (dt if looking else 0.0), total_s=self.total_s + dt
        )

    @property
    def share(self) -> float | None:
        """0..1, or None before anything was measured."""
        return self.looking_s / self.total_s if self.total_s > 0 else None


def response_latency(line_ended_at: float, answered_at: float) -> float:
    """Seconds from the end of the partner's line to the client's answer (0 if the client
    answered while the partner still spoke, i.e. interrupted)."""
    return max(0.0, answered_at - line_ended_at)
