"""Lip sync from a line's sound: how far the mouth is open at each moment (pure numpy).

espeak-ng's phoneme events are not exposed by its command-line tool in a form tied
to sample times, so for its lines the mouth follows the amplitude envelope: the RMS level in
10 ms windows, gated below a noise floor, normalised to the line's loud speech,
and smoothed with a fast attack and a slower release (as jaws move). The mouth is
shut in silence, between words and after the line. Lines from a voice that gives
phoneme timings (Piper) get visemes instead: :mod:`vrtherapy.partners.visemes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WINDOW_S = 0.010
GATE = 0.08  # below this share of the line's loud level the mouth is shut
ATTACK_S = 0.025
RELEASE_S = 0.04


@dataclass(frozen=True, eq=False)
class MouthTrack:
    """Mouth openness 0..1 every :data:`WINDOW_S` seconds from the start of a line."""

    openness: npt.NDArray[np.float64]
    # per window, an index into vrtherapy.partners.visemes.VISEMES where the synthesiser
    # gave phoneme timings; None for a track from the amplitude envelope
    visemes: npt.NDArray[np.int8] | None = None

    @property
    def seconds(self) -> float:
        return len(self.openness) * WINDOW_S

    def at(self, t: float) -> float:
        """Openness ``t`` seconds after the line began (0 before and after it)."""
        if t < 0 or t >= self.seconds:
            return 0.0
        i = t / WINDOW_S
        k = int(i)
        nxt = self.openness[min(k + 1, len(self.openness) - 1)]
        return float(self.openness[k] + (nxt - self.openness[k]) * (i - k))

    def viseme_at(self, t: float) -> int:
        """The viseme (index into ``VISEMES``; 0 is silence) ``t`` seconds into the line;
        0 for a track without phoneme timings."""
        if self.visemes is None or t < 0 or t >= self.seconds:
            return 0
        return int(self.visemes[min(int(t / WINDOW_S), len(self.visemes) - 1)])

    def at_all(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Vectorised :meth:`at` (one time per partner)."""
        idx = np.clip((t / WINDOW_S).astype(np.int64), 0, max(len(self.openness) - 1, 0))
        inside = (t >= 0) & (t < self.seconds)
        return np.where(inside, self.openness[idx] if len(self.openness) else 0.0, 0.0)


def mouth_track(samples: npt.NDArray[np.floating], rate: int) -> MouthTrack:
    """The mouth's openness over a line from its mono ``samples`` at ``rate`` Hz."""
    x = np.asarray(samples, np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    hop = max(1, round(rate * WINDOW_S))
    n = len(x) // hop
    if n == 0:
        return MouthTrack(np.zeros(0))
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))
    loud = np.percentile(rms, 95)
    if loud <= 1e-6:
        return MouthTrack(np.zeros(n))
    level = np.clip((rms / loud - GATE) / (1.0 - GATE), 0.0, 1.0)
    return MouthTrack(follow(level))


def follow(target: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """How far the jaw is open in each window when it chases ``target`` (0..1 per
    window): a one-pole follower with a fast attack and a slower release, as jaws move.
    A loop over ~100 windows per second of speech, run once per line when it is
    synthesised, not per frame."""
    goal = np.asarray(target, np.float64)
    out = np.empty(len(goal))
    attack = 1.0 - np.exp(-WINDOW_S / ATTACK_S)
    release = 1.0 - np.exp(-WINDOW_S / RELEASE_S)
    y = 0.0
    for i, v in enumerate(goal):
        y += (v - y) * (attack if v > y else release)
        out[i] = y
    return out
