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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.partners.behaviour import (
    Behaviour,
    BehaviourTrack,
    Members,
    animate,
    behaviour_of,
    expression,
    look_share,
)
from vrtherapy.partners.gestures import LineAct, face_valence, gesture_channels, nod_since
from vrtherapy.world.graph import SceneGraph
from vrtherapy.world.model import AvatarBatch
from vrtherapy.world.resolve import Values
from vrtherapy.world.world import World

HEAD = "body/hips/torso/neck/head"  # an avatar's head joint, below the partner's object
MEMBER_HEAD = "hips/torso/neck/head"  # a crowd member's head joint, below the member
EYES_IN_HEAD = np.array([0.0, 0.135, 0.088, 1.0])  # between the eyes, in the head joint
MOUTH_IN_HEAD = np.array([0.0, 0.07, 0.09, 1.0])  # the lips, in the head joint
EYES_TO_MOUTH = (MOUTH_IN_HEAD - EYES_IN_HEAD)[:3]  # from between the eyes to the lips


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
        # where each partner's mouth was at the last pose (world space): its voice's place
        self.mouths: dict[str, tuple[float, float, float]] = {}
        self.faces: dict[str, tuple[float, float, float]] = {}  # between the eyes, likewise
        self._seeds = np.arange(len(self.ids), dtype=np.int64) * 7919 + 17
        self._heads: tuple[SceneGraph, npt.NDArray[np.int64]] | None = None  # head nodes
        self._crowd: tuple[tuple[Bystanders, ...], _Crowd] | None = None  # see _crowd_of

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
        bystanders: Sequence[Bystanders] = (),
        *,
        acts: Mapping[str, LineAct] | None = None,
        advance: bool = True,
    ) -> None:
        """Animate every partner at ``now`` (world time, seconds), looking at ``head``
        (the client's tracked head, world space); ``speaking`` is each talking partner's
        jaw openness (lip sync), ``listening`` whether the client is speaking,
        ``visemes`` each talking partner's mouth shape where the voice gives one
        (``MouthTrack.viseme_at``; the procedural face shapes its lips for it, a glTF
        character with viseme targets shows it); ``acts`` each partner's line being
        said (or just said): its expression takes over the face from the valence while
        it plays, its gesture plays once (:mod:`vrtherapy.partners.gestures`).

        A glTF character's eyes are its own eye joints (``World.eyes_of``), its mouth
        just below them; a procedural avatar's come from its head joint.

        ``bystanders`` (audiences, passers-by) are animated from their behaviour in the
        same batch: one ``animate`` call for all the people of the scene. With
        ``advance`` False the caller advances the world (once a frame, for everything)."""
        if not self.ids and not bystanders:
            return
        self.world.set_client_head(head)
        talk = speaking or {}
        posed = [(i, pid, t) for i, pid in enumerate(self.ids) if (t := self.tracks.get(pid))]
        groups = [b for b in bystanders if len(b.heads)]
        if posed or groups:
            which = [i for i, _, _ in posed]
            graph = self.world.graph  # a parameter change may rebuild it
            if self._heads is None or self._heads[0] is not graph:
                # a glTF character has no avatar head joint: its root stands in (its
                # eyes come from its own eye joints below)
                names = set(self.world.node_names)
                heads = [graph.index(_head_of(pid, names)) for pid in self.ids]
                self._heads = (graph, np.array(heads, np.int64))
            crowd = self._crowd_of(groups)
            nodes = np.concatenate([self._heads[1][which], crowd.heads])
            matrices = self.world.world_matrices_of(nodes)
            eyes = (matrices @ EYES_IN_HEAD)[:, :3]
            mouths = (matrices[: len(posed)] @ MOUTH_IN_HEAD)[:, :3]
            for k, (_, pid, _) in enumerate(posed):
                own = self.world.eyes_of(pid)  # a glTF character's own eye joints
                if own is not None:
                    eyes[k] = own
                    mouths[k] = eyes[k] + EYES_TO_MOUTH
            for k, (_, pid, _) in enumerate(posed):
                self.faces[pid] = (float(eyes[k, 0]), float(eyes[k, 1]), float(eyes[k, 2]))
                self.mouths[pid] = (float(mouths[k, 0]), float(mouths[k, 1]), float(mouths[k, 2]))
            # the partners' behaviour blended now (as Members.of), then the crowd's
            now_b = [t.at(now) for _, _, t in posed]
            valence = [expression(b, bystander=False) for b in now_b]
            nod = [np.nan] * len(posed)
            said = [(acts or {}).get(pid) for _, pid, _ in posed]
            if any(a is not None for a in said):
                valence = [face_valence(float(v), a) for v, a in zip(valence, said, strict=True)]
                nod = [nod_since(a) for a in said]
            jaw = [np.nan if (j := talk.get(pid)) is None else j for _, pid, _ in posed]
            m = Members(
                eyes,
                np.concatenate([[look_share(b, bystander=False) for b in now_b], crowd.share]),
                np.concatenate([valence, crowd.valence]),
                np.concatenate([self._seeds[which], crowd.seeds]),
                np.concatenate([np.full(len(posed), listening), crowd.listening]),
                np.concatenate([jaw, crowd.jaw]),
                np.concatenate([nod, crowd.nod]),
            )
            batch = animate(now, np.asarray(head, np.float64), m)
            for k, (_, pid, _) in enumerate(posed):
                rows = _rows(batch, k, k + 1)
                if visemes and pid in visemes:
                    rows = replace(rows, viseme=np.array([visemes[pid]], np.int64))
                if said[k] is not None:
                    rows = replace(rows, gesture=gesture_channels(said[k])[None])
                self.world.control_avatars(pid, rows)
            at = len(posed)
            for b in groups:
                self.world.control_avatars(b.name, _rows(batch, at, at + len(b.heads)))
                at += len(b.heads)
        if advance:
            self.world.advance(now)

    def _crowd_of(self, groups: Sequence[Bystanders]) -> _Crowd:
        """The bystander groups joined (kept while the same groups come each frame)."""
        key = tuple(groups)
        kept = self._crowd
        if kept is None or kept[0] != key:
            n = sum(len(b.heads) for b in groups)

            def cat(arrays: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
                return np.concatenate([np.zeros(0, dtype), *arrays]).astype(dtype)

            kept = self._crowd = (
                key,
                _Crowd(
                    cat([b.heads for b in groups], np.int64),
                    cat([b.share for b in groups], np.float64),
                    cat([b.valence for b in groups], np.float64),
                    cat([b.seeds for b in groups], np.int64),
                    np.zeros(n, bool),
                    np.full(n, np.nan),
                    np.full(n, np.nan),
                ),
            )
        return kept[1]


@dataclass(frozen=True, eq=False)
class _Crowd:
    """The bystanders of one pose as arrays over all of them (what does not change from
    frame to frame): their head nodes, and what :class:`Members` needs of them."""

    heads: npt.NDArray[np.int64]
    share: npt.NDArray[np.float64]
    valence: npt.NDArray[np.float64]
    seeds: npt.NDArray[np.int64]
    listening: npt.NDArray[np.bool_]  # never: the client speaks to the partners
    jaw: npt.NDArray[np.float64]  # NaN: not speaking
    nod: npt.NDArray[np.float64]  # NaN: no nod asked


@dataclass(frozen=True, eq=False)
class Bystanders:
    """People of one crowd object (an audience) animated from behaviour with the partners:
    ``heads`` their head nodes in the world's graph, in the object's member order, and per
    member the share of time looking at the client, the valence shown, a seed."""

    name: str
    heads: npt.NDArray[np.int64]
    share: npt.NDArray[np.float64]
    valence: npt.NDArray[np.float64]
    seeds: npt.NDArray[np.int64]

    @staticmethod
    def of(world: World, name: str, behaviour: Behaviour, seed: int = 5) -> Bystanders:
        """Every member of crowd object ``name`` (its ``member_<i>`` avatars) with one
        bystander behaviour (attitude and glances per minute)."""
        names = set(world.node_names)
        heads: list[int] = []
        while f"{name}/member_{len(heads)}/{MEMBER_HEAD}" in names:
            heads.append(world.graph.index(f"{name}/member_{len(heads)}/{MEMBER_HEAD}"))
        n = len(heads)
        return Bystanders(
            name,
            np.asarray(heads, np.int64),
            np.full(n, look_share(behaviour, bystander=True)),
            np.full(n, expression(behaviour, bystander=True)),
            np.arange(n, dtype=np.int64) * 104729 + seed,
        )


def _head_of(pid: str, names: set[str]) -> str:
    """A partner's avatar head joint, or its object's root where it has none (a glTF
    character, whose eyes the world knows)."""
    head = f"{pid}/{HEAD}"
    return head if head in names else pid


def _rows(batch: AvatarBatch, start: int, stop: int) -> AvatarBatch:
    """Members ``start:stop`` of a batch, as a batch."""
    at = slice(start, stop)
    return AvatarBatch(
        batch.gaze_target[at], batch.jaw_open[at], batch.blink[at], batch.brows[at],
        batch.nod_pitch[at],
    )  # fmt: skip
