"""The frame-budget scene of ``vrtherapy bench``: an audience animated from partner
behaviour as one batch and one partner talking, driven each frame as the live loop
drives a session's partners (gaze at the client's moving head, blinking, nods and
expression from ``partners.behaviour``, lip sync from ``partners.lipsync``).

The partner's speech is a synthetic, speech-like sound (syllables at about 4 Hz with
pauses between phrases), so the benchmark needs no voice installed; the mouth follows
it through the same amplitude-envelope lip sync as a synthesised line.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring import ScenarioSpec
from vrtherapy.cli.render_scenes import audience_scenario
from vrtherapy.partners.behaviour import Behaviour
from vrtherapy.partners.lipsync import MouthTrack, mouth_track
from vrtherapy.partners.stage import Bystanders, Stage
from vrtherapy.world.types import DrawList
from vrtherapy.world.world import World

AUDIENCE = "audience"
TALKER = "asker"
SPEECH_RATE = 16_000


def live_scenario(size: int) -> ScenarioSpec:
    """The bench's audience of ``size`` with one partner standing at the front, talking."""
    base = audience_scenario(size).model_dump()
    base["id"] = f"bench.audience_{size}_live"
    base["title"] = f"Talk to an audience of {size}, a partner talking"
    base["partners"] = [
        {
            "id": TALKER,
            "name": "Questioner",
            "avatar": {"seed": 11, "pose": "standing", "attitude": "interested"},
            "behaviour": {"eye_contact": 0.8, "valence": 0.4},
            "transform": {"position": [1.6, 0, -1.4], "rotation": [0, -130, 0]},
        }
    ]
    return ScenarioSpec.model_validate(base)


def speech_like(seconds: float, seed: int = 3) -> npt.NDArray[np.float64]:
    """A deterministic sound with speech's rhythm: noisy syllables at ~4 Hz in phrases of
    ~2 s with ~0.5 s pauses (what matters to lip sync is the envelope)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SPEECH_RATE)) / SPEECH_RATE
    syllables = np.clip(np.sin(2 * math.pi * 4.0 * t), 0.0, None) ** 2
    phrases = (np.mod(t, 2.5) < 2.0).astype(np.float64)
    return np.asarray(rng.normal(0.0, 0.3, len(t)) * syllables * phrases, np.float64)


class LiveAudience:
    """One live frame's work: the partner's behaviour and lip sync and the audience's
    behaviour in one batch (``Stage.pose`` with the audience as bystanders), the
    client's head moving, then one pose of the world."""

    def __init__(self, spec: ScenarioSpec, world: World, attitude: Behaviour) -> None:
        self.world = world
        self.stage = Stage(spec, world)
        self.stage.retarget(0.0, {})
        self.audience = Bystanders.of(world, AUDIENCE, attitude)
        self.heads = self.audience.heads
        self.mouth: MouthTrack = mouth_track(speech_like(10.0), SPEECH_RATE)

    def head(self, t: float) -> tuple[float, float, float]:
        """The client's head, swaying and turning a little as a speaker's does."""
        return (
            0.15 * math.sin(0.6 * t),
            1.6 + 0.03 * math.sin(1.7 * t),
            0.08 * math.sin(0.9 * t),
        )

    def advance(self, t: float) -> None:
        talking = {TALKER: self.mouth.at(t % self.mouth.seconds)}
        # poses the world once, partner and audience included
        self.stage.pose(t, self.head(t), talking, bystanders=[self.audience])

    def draw_list(self) -> DrawList:
        return self.world.draw_list()


def live_audience(size: int) -> LiveAudience:
    spec = live_scenario(size)
    world = World(spec, {})
    return LiveAudience(spec, world, Behaviour(attitude="neutral", glances_per_min=6.0))
