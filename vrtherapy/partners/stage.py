"""The partners of one built world, animated each frame from the session's snapshot.

:class:`Stage` keeps one :class:`~vrtherapy.partners.behaviour.BehaviourTrack` per
partner: when a level or the therapist changes a behaviour value, the track blends
from where it is to the new value over 1.5 s, so nothing on screen jumps. Each
frame, :meth:`Stage.pose` turns the blended behaviour, the client's tracked head and
what each partner is saying (jaw openness from lip sync) into one
:class:`~vrtherapy.world.model.AvatarBatch` per partner and hands it to the world's
rig. The render thread owns a Stage with its world; it reads the snapshot by
reference and never waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.partners.behaviour import (
    Behaviour,
    BehaviourTrack,
    Members,
    animate,
    behaviour_of,
)
from vrtherapy.world.resolve import Values
from vrtherapy.world.world import World

HEAD = "body/hips/torso/neck/head"  # an avatar's head joint, below the partner's object
EYES_IN_HEAD = np.array([0.0, 0.135, 0.088, 1.0])  # between the eyes, in the head joint


def _with_overrides(base: Behaviour, live: Mapping[str, float | str]) -> Behaviour:
    changes = {k: v for k, v in live.items() if hasattr(base, k)}
    return replace(base, **changes) if changes else base  # type: ignore[arg-type]


class Stage:
    """Behaviour tracks and per-frame animation of a scenario's partners in one world."""

    def __init__(self, scenario: ScenarioSpec, world: World) -> None:
        self.scenario = scenario
        self.world = world
        self.ids = tuple(p.id for p in scenario.partners)
        self.tracks: dict[str, BehaviourTrack] = {}
        self.problems: list[str] = []
        self._seeds = np.arange(len(self.ids), dtype=np.int64) * 7919 + 17

    def behaviour_at(
        self, partner_id: str, values: Values, live: Mapping[str, float | str]
    ) -> Behaviour:
        """The target behaviour: the level's (through the scenario's $parameters) with
        the therapist's live values on top."""
        partner = next(p for p in self.scenario.partners if p.id == partner_id)
        base, problems = behaviour_of(partner, values)
        for p in problems:
            if p not in self.problems:
                self.problems.append(p)
        return _with_overrides(base, live)

    def retarget(
        self,
        now: float,
        values: Values,
        live: Mapping[str, Mapping[str, float | str]] | None = None,
    ) -> None:
        """New targets from the current parameter values and live behaviour (call when the
        snapshot changes; an unchanged target leaves its blend alone)."""
        for pid in self.ids:
            target = self.behaviour_at(pid, values, (live or {}).get(pid, {}))
            track = self.tracks.get(pid)
            if track is None:
                self.tracks[pid] = BehaviourTrack.steady(target, now)
            elif track.target != target:
                self.tracks[pid] = track.retarget(target, now)

    def pose(
        self,
        now: float,
        head: tuple[float, float, float],
        speaking: Mapping[str, float] | None = None,
        listening: bool = False,
        visemes: Mapping[str, int] | None = None,
    ) -> None:
        """Animate every partner at ``now`` (world time, seconds), looking at ``head``
        (the client's tracked head, world space); ``speaking`` is each talking partner's
        jaw openness (lip sync), ``listening`` whether the client is speaking,
        ``visemes`` each talking partner's mouth shape where the voice gives one
        (``MouthTrack.viseme_at``; a glTF character with viseme targets shows it)."""
        if not self.ids:
            return
        self.world.set_client_head(head)
        talk = speaking or {}
        for i, pid in enumerate(self.ids):
            track = self.tracks.get(pid)
            if track is None:
                continue
            own = self.world.eyes_of(pid)  # a glTF character's own eye joints
            if own is None:
                own = (self.world.world_matrix(f"{pid}/{HEAD}") @ EYES_IN_HEAD)[:3]
            eyes = np.asarray(own, dtype=np.float64)
            m = Members.of(eyes[None], [track], now, self._seeds[i : i + 1])
            jaw = talk.get(pid)
            m = replace(
                m,
                listening=np.array([listening]),
                jaw=np.array([np.nan if jaw is None else jaw]),
            )
            batch = animate(now, np.asarray(head, np.float64), m)
            if visemes and pid in visemes:
                batch = replace(batch, viseme=np.array([visemes[pid]], np.int64))
            self.world.control_avatars(pid, batch)
        self.world.advance(now)
