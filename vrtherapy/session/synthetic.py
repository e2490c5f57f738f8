"""A seeded model of a client, used by the demo and the tests to answer prompts.

Distress on a step rises to a peak over the first minute, then habituates
towards a floor with a time constant; each repeated exposure to a step lowers
its peak (between-trial habituation). The peak comes from the step's
anticipated SUDS and the intensity. Answers are noisy and rounded the way
people round, and now and then the client does not answer at all.

Its head (:class:`SyntheticHead`) looks at the stimulus or away from it, away more
often and for longer the more distressed it is — avoidance, as exposure sees it — and
sways a little where it stands.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from scipy.spatial.transform import Rotation

from vrtherapy.session.tracking import SAMPLE_HZ, Pose, PoseSample, TrackName, Vec3


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


EYE = (0.0, 1.6, 0.0)  # where the head stands in tracking space (metres)
DECIDE_S = 0.5  # the head decides this often whether to look away or back
FOLLOW_S = 0.25  # time constant of the head turning towards where it wants to look


class SyntheticHead:
    """A seeded, deterministic model of the client's head for the demo and the tests.

    Every DECIDE_S the head either keeps attending or averts: from attending it averts
    with probability 0.05 + 0.35·d, from averting it looks back with probability
    0.5 − 0.35·d (d: distress 0–1), so it spends about 9 % of the time averted when calm
    and about 73 % at the worst distress. Averting is turning the head 70–120° to one
    side or, two times in five, looking down 45°. Attending is looking at the stimulus
    (straight ahead when there is none), leaning up to 10 cm towards it when calm and
    back from it when distressed. The head follows its aim with a lag and a little noise.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed * 1_000_003 + 17)  # apart from the answers' draws
        self._averted = False
        self._aim = (0.0, -5.0)  # yaw, pitch in degrees
        self._yaw, self._pitch = 0.0, -5.0
        self._decided_at = -math.inf
        self._last_t: float | None = None

    def moments(
        self,
        start: float,
        end: float,
        distress: Callable[[float], float],
        stimulus: Vec3 | None,
        rate_hz: float = SAMPLE_HZ,
    ) -> list[PoseSample]:
        """Moments at ``start``, ``start`` + 1/rate_hz, … before ``end`` (session time);
        ``distress(t)`` is 0–100, ``stimulus`` where the stimulus is (tracking space)."""
        n = max(0, math.ceil((end - start) * rate_hz - 1e-9))
        times = [round(start + i / rate_hz, 6) for i in range(n)]
        heads = [self._head(t, max(0.0, min(1.0, distress(t) / 100.0)), stimulus) for t in times]
        if not heads:
            return []
        # yaw about +y (left), then pitch about the turned x (up)
        quats = Rotation.from_euler("YX", [(y, p) for _, y, p in heads], degrees=True).as_quat()
        out: list[PoseSample] = []
        for t, (position, _, _), q in zip(times, heads, quats, strict=True):
            orientation = (float(q[0]), float(q[1]), float(q[2]), float(q[3]))
            poses: list[tuple[TrackName, Pose]] = [("head", Pose(position, orientation))]
            if stimulus is not None:
                poses.append(("stimulus", Pose(stimulus)))
            out.append(PoseSample(t, tuple(poses)))
        return out

    def _head(self, t: float, d: float, stimulus: Vec3 | None) -> tuple[Vec3, float, float]:
        """Where the head is at ``t`` and where it points (yaw, pitch in degrees)."""
        rng = self._rng
        if t - self._decided_at >= DECIDE_S:
            self._decided_at = t
            if self._averted:
                self._averted = rng.random() >= 0.5 - 0.35 * d
            elif rng.random() < 0.05 + 0.35 * d:
                self._averted = True
                if rng.random() < 0.4:
                    self._aim = (rng.uniform(-20.0, 20.0), -45.0)
                else:
                    self._aim = (rng.choice((-1.0, 1.0)) * rng.uniform(70.0, 120.0), 0.0)
        lean = 0.1 * (1.0 - 2.0 * d)  # towards the stimulus when calm, away when distressed
        x, y, z = EYE
        target = stimulus if stimulus is not None else (x, y - 0.1, z - 2.0)
        tx, ty, tz = target[0] - x, target[1] - y, target[2] - z
        reach = math.sqrt(tx * tx + ty * ty + tz * tz) or 1.0
        sway = 0.02 * math.sin(2 * math.pi * 0.2 * t)
        position = (
            x + sway + lean * tx / reach,
            y + 0.005 * math.sin(2 * math.pi * 0.31 * t),
            z + lean * tz / reach,
        )
        if not self._averted:
            dx, dy, dz = target[0] - position[0], target[1] - position[1], target[2] - position[2]
            self._aim = (
                math.degrees(math.atan2(-dx, -dz)),
                math.degrees(math.atan2(dy, math.hypot(dx, dz))),
            )
        dt = t - self._last_t if self._last_t is not None else 1.0
        self._last_t = t
        follow = 1.0 - math.exp(-max(0.0, dt) / FOLLOW_S)
        turn = (self._aim[0] - self._yaw + 180.0) % 360.0 - 180.0
        self._yaw += follow * turn + rng.gauss(0.0, 0.3)
        self._pitch += follow * (self._aim[1] - self._pitch) + rng.gauss(0.0, 0.2)
        self._pitch = max(-85.0, min(85.0, self._pitch))
        return position, self._yaw, self._pitch
