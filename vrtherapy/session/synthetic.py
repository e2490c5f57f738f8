"""A seeded model of a client, used by the demo and the tests to answer prompts.

Distress on a step rises to a peak over the first minute, then habituates
towards a floor with a time constant; each repeated exposure to a step lowers
its peak (between-trial habituation). The peak comes from the step's
anticipated SUDS and the intensity. Answers are noisy and rounded the way
people round, and now and then the client does not answer at all.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class ClientProfile:
    seed: int = 1
    sensitivity: float = 1.0  # multiplies every peak
    tau_min: float = 8.0  # within-step habituation time constant, minutes
    rise_s: float = 60.0  # time to reach the peak after entering a step
    onset: float = 0.8  # fraction of the peak felt right on entering a step
    floor_fraction: float = 0.2  # habituates towards this fraction of the peak
    carryover: float = 0.75  # each repeat exposure multiplies the peak by this
    noise: float = 3.0  # standard deviation, SUDS points (0–100)
    refusal: float = 0.05  # probability of not answering a prompt
    sickness: float = 1.0  # typical Fast Motion Sickness rating, 0–20


class SyntheticClient:
    def __init__(self, profile: ClientProfile, suds_scale: int = 100) -> None:
        self.profile = profile
        self.scale = suds_scale
        self._rng = random.Random(profile.seed)
        self._exposures: dict[int, int] = {}
        self._current: tuple[int, float] | None = None  # (step, entered at)

    def enter_step(self, step: int, at: float) -> None:
        self._exposures[step] = self._exposures.get(step, 0) + 1
        self._current = (step, at)

    def peak(self, step: int, anticipated: float, intensity: float) -> float:
        p = self.profile
        repeats = max(0, self._exposures.get(step, 1) - 1)
        raw = anticipated * p.sensitivity * (0.75 + 0.5 * intensity / 100.0)
        return max(0.0, min(100.0, raw * p.carryover**repeats))

    def true_suds(self, anticipated: float, intensity: float, now: float) -> float:
        """Distress 0–100 without noise at session time ``now``."""
        if self._current is None:
            return 0.0
        step, entered = self._current
        p = self.profile
        peak = self.peak(step, anticipated, intensity)
        t = max(0.0, now - entered)
        if t < p.rise_s:
            return peak * (p.onset + (1 - p.onset) * t / p.rise_s)
        floor = p.floor_fraction * peak
        return floor + (peak - floor) * math.exp(-(t - p.rise_s) / (p.tau_min * 60.0))

    def answer_suds(self, anticipated: float, intensity: float, now: float) -> float | None:
        """A SUDS answer on the client's scale, or None when the client does not answer."""
        if self._rng.random() < self.profile.refusal:
            return None
        value = self.true_suds(anticipated, intensity, now) + self._rng.gauss(0, self.profile.noise)
        value = max(0.0, min(100.0, value))
        if self.scale == 10:
            return float(round(value / 10))
        return float(5 * round(value / 5))

    def answer_comfort(self) -> float | None:
        if self._rng.random() < self.profile.refusal:
            return None
        return float(max(0, min(20, round(self._rng.gauss(self.profile.sickness, 1.0)))))

    def answer_expectancy(
        self, phase: str, anticipated: float, intensity: float, now: float
    ) -> float | None:
        """How likely (0–100 %) the client thinks the feared outcome is."""
        if self._rng.random() < self.profile.refusal:
            return None
        belief = min(95.0, anticipated * self.profile.sensitivity)
        if phase == "after" and self._current is not None:
            step = self._current[0]
            peak = max(1.0, self.peak(step, anticipated, intensity))
            relief = 1 - self.true_suds(anticipated, intensity, now) / peak
            belief *= max(0.1, 1 - 0.8 * relief)
        return float(5 * round(belief / 5))

    def choose(self, offered: int) -> int | None:
        """Which of ``offered`` answers to a virtual partner the client picks (a row,
        0-based), or None when the client says nothing this time."""
        if offered <= 0 or self._rng.random() < self.profile.refusal:
            return None
        return self._rng.randrange(offered)

    def thinking_s(self) -> float:
        """How long the client takes before answering a partner (seconds)."""
        return self._rng.uniform(2.0, 8.0)

    def answer_ssq(self, exposed: bool) -> dict[str, float]:
        """The 16 SSQ symptoms (0–3), all answered: mostly none, a few slight, more after
        exposure and for a client prone to sickness."""
        chance = min(0.6, 0.05 + 0.02 * self.profile.sickness + (0.1 if exposed else 0.0))
        answers: dict[str, float] = {}
        for n in range(1, 17):
            level = 0.0
            while level < 3 and self._rng.random() < chance * (0.5**level):
                level += 1
            answers[f"item{n}"] = level
        return answers
