"""The virtual partners on the render thread: their animation each frame, the client's
choice panel and subtitles, and the client's choices back to the session.

- :class:`ChoiceCursor` (pure): the highlighted row of the in-headset choice panel,
  moved by the arrow keys or a flick of the thumbstick, picked with Enter / the
  trigger or a number key; fresh for every node that offers choices.
- :class:`PartnersOnStage`: owns a :class:`~vrtherapy.partners.stage.Stage` for the
  world on screen. Each frame it retargets the partners' behaviour when the level or
  the therapist's live values change (blended by the stage, never a jump), and poses
  them looking at the client's *tracked* head (from this frame's eye views), with the
  jaw following the line being played (lip sync from the published
  :class:`~vrtherapy.app.speech_wiring.Voices`; the lips' shape from its visemes where
  the voice gives phoneme timings), the line's expression and gesture, and listening
  nods while they wait for an answer. It reads the snapshot and the voices by
  reference and never waits.
  While a partner's conversation runs it measures the share of time the client's
  head points at the partner's face (:class:`~vrtherapy.partners.measures.FaceGaze`)
  and hands it to the session as a ``face_gaze_share`` measure when the
  conversation ends or the scene changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from vrtherapy.app.director import Talk
from vrtherapy.app.speech_wiring import Voices
from vrtherapy.audio.scene import Vec3
from vrtherapy.display.base import ChoicePick, ChoiceStep, InputEvent, SliderConfirm
from vrtherapy.partners.measures import FaceGaze
from vrtherapy.partners.stage import Stage
from vrtherapy.render.overlay import ChoicePanel
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.snapshot import Snapshot

Offers = tuple[tuple[int, str], ...]
MEASURE_GAP_S = 0.1  # a longer gap between frames (a stall, a pause) counts this much


def client_offers(snap: Snapshot | None) -> tuple[str, str, Offers] | None:
    """(partner, node, choices) the client may answer now: the first partner that waits
    for a choice, while the scene runs without a safety action."""
    if snap is None or snap.status != "running" or snap.safety != "none":
        return None
    for p in snap.conversation.partners:
        if p.offers and not p.ended:
            return p.partner_id, p.node, p.offers
    return None


@dataclass(frozen=True)
class ChoiceCursor:
    """The choice panel's state: which choices, which row is highlighted, whether this
    node's answer was already sent (a held trigger never answers twice)."""

    partner_id: str = ""
    node: str = ""
    offers: Offers = ()
    highlighted: int | None = None
    sent: bool = False

    def follow(self, offered: tuple[str, str, Offers] | None) -> ChoiceCursor:
        """The cursor for what is offered now (a fresh one for a new node)."""
        if offered is None:
            return ChoiceCursor()
        pid, node, offers = offered
        if (pid, node, offers) == (self.partner_id, self.node, self.offers):
            return self
        return ChoiceCursor(pid, node, offers)

    def on(self, event: InputEvent) -> tuple[ChoiceCursor, int | None]:
        """The cursor after an input event, and the dialogue's index of a choice picked."""
        if not self.offers or self.sent:
            return self, None
        if isinstance(event, ChoiceStep):
            if self.highlighted is None:
                row = 0 if event.by > 0 else len(self.offers) - 1
            else:
                row = min(len(self.offers) - 1, max(0, self.highlighted + event.by))
            return replace(self, highlighted=row), None
        if isinstance(event, ChoicePick):
            if not 0 <= event.row < len(self.offers):
                return self, None
            return replace(self, highlighted=event.row, sent=True), self.offers[event.row][0]
        if isinstance(event, SliderConfirm) and self.highlighted is not None:
            return replace(self, sent=True), self.offers[self.highlighted][0]
        return self, None

    def panel(self) -> ChoicePanel | None:
        if not self.offers:
            return None
        return ChoicePanel(tuple(text for _, text in self.offers), self.highlighted)


def head_in_world(world: Any, views: Sequence[Any]) -> tuple[float, float, float]:
    """The client's tracked head (between the eyes) in world space, from this frame's
    world->eye view matrices (tracking space, floor under the client at the origin)."""
    heads = [np.linalg.inv(np.asarray(v.view, np.float64))[:3, 3] for v in views]
    centre = np.mean(heads, axis=0)
    point: tuple[float, float, float] = world.tracking_to_world(
        (float(centre[0]), float(centre[1]), float(centre[2]))
    )
    return point


class PartnersOnStage:
    """The partners of the world on screen, for the render thread (see the module)."""

    def __init__(
        self,
        voices: Callable[[], Voices] = Voices,
        *,
        clock: Callable[[], float] = time.monotonic,
        publish_mouths: Callable[[str, Mapping[str, Vec3]], None] | None = None,
        record: Callable[[c.Command], None] | None = None,
    ) -> None:
        self.voices = voices  # the engine thread's latest Voices (a reference read)
        self.clock = clock
        self.publish_mouths = publish_mouths  # the sound's hook: where the voices come from
        self.cursor = ChoiceCursor()
        self.stage: Stage | None = None
        self.head: tuple[float, float, float] | None = None  # the last tracked head, world
        self.record = record  # hands a session command to the engine thread (measures)
        self.gaze: dict[str, FaceGaze] = {}  # per partner, while its conversation runs
        self._measured_at: float | None = None
        self._world: Any = None
        self._targets: tuple[object, ...] | None = None

    # -- panels and input ---------------------------------------------------------------
    def talk(self, snap: Snapshot | None) -> Talk:
        """The choice panel and subtitle to show with ``snap`` (the director decides
        whether panels are shown at all: not while paused, fading or rating)."""
        self.cursor = self.cursor.follow(client_offers(snap))
        subtitle = None
        if snap is not None and snap.conversation.subtitles and snap.status == "running":
            subtitle = self.voices().subtitle(self.clock())
        return Talk(self.cursor.panel(), subtitle)

    def takes(self, event: InputEvent, snap: Snapshot | None) -> bool:
        """Whether ``event`` is for the choice panel (shown with ``snap``)."""
        self.cursor = self.cursor.follow(client_offers(snap))
        return bool(self.cursor.offers) and isinstance(
            event, ChoiceStep | ChoicePick | SliderConfirm
        )

    def input(self, event: InputEvent) -> c.Converse | None:
        """The session command for a choice the client picked (None: only moved)."""
        self.cursor, index = self.cursor.on(event)
        if index is None:
            return None
        cur = self.cursor
        cid = f"headset-choice-{cur.partner_id}-{cur.node}-{time.monotonic_ns()}"
        return c.Converse.of(cid, "client", conv.ChooseOption(cur.partner_id, index, "client"))

    # -- animation ----------------------------------------------------------------------
    def animate(self, world: Any, snap: Snapshot | None, views: Sequence[Any], now: float) -> None:
        """Pose the partners of ``world`` for world time ``now`` (before it advances)."""
        spec = getattr(world, "spec", None)
        if spec is None or not spec.partners:
            return
        if world is not self._world:
            self.finish_measures()
            self._world, self.stage, self._targets = world, Stage(spec, world), None
        stage = self.stage
        assert stage is not None
        values: Mapping[str, Any] = dict(getattr(world, "values", {}))
        live: dict[str, dict[str, float | str]] = {}
        waiting = False
        if snap is not None and snap.scenario == spec.id:
            values = dict(snap.parameters)
            for p in snap.conversation.partners:
                live[p.partner_id] = dict(p.behaviour)
                waiting = waiting or bool(p.offers)
        targets = (
            tuple(sorted(values.items())),
            tuple(sorted((k, tuple(sorted(v.items()))) for k, v in live.items())),
        )
        if targets != self._targets:
            self._targets = targets
            stage.retarget(now, values, live)
        self.head = head_in_world(world, views)
        voices, clock = self.voices(), self.clock()
        jaws = voices.jaws(clock)
        stage.pose(
            now,
            self.head,
            jaws,
            listening=waiting and not jaws,
            visemes=voices.visemes(clock),
            acts=voices.acts(clock),
            advance=False,
        )
        if self.publish_mouths is not None:
            self.publish_mouths(spec.id, dict(stage.mouths))
        if snap is not None and snap.scenario == spec.id:
            self._measure(snap, stage, views)

    def _measure(self, snap: Snapshot, stage: Stage, views: Sequence[Any]) -> None:
        """Where the client's head points, against each talking partner's face."""
        now = self.clock()
        dt = 0.0 if self._measured_at is None else min(now - self._measured_at, MEASURE_GAP_S)
        self._measured_at = now
        assert self.head is not None
        forward = -np.linalg.inv(np.asarray(views[0].view, np.float64))[:3, 2]
        for p in snap.conversation.partners:
            face = stage.faces.get(p.partner_id)
            if p.started and not p.ended and face is not None:
                gaze = self.gaze.get(p.partner_id, FaceGaze())
                self.gaze[p.partner_id] = gaze.add(dt, self.head, forward, face)
            elif p.ended:
                self.finish_measures(p.partner_id)

    def finish_measures(self, partner_id: str | None = None) -> None:
        """Hand the face-gaze share measured so far to the session (one partner or all)."""
        for pid in [partner_id] if partner_id is not None else list(self.gaze):
            gaze = self.gaze.pop(pid, None)
            share = gaze.share if gaze is not None else None
            if share is None or self.record is None:
                continue
            measure = conv.RecordMeasure("face_gaze_share", round(share, 3), "", pid)
            cid = f"face-gaze-{pid}-{time.monotonic_ns()}"
            self.record(c.Converse.of(cid, "system", measure))
