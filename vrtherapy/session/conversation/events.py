"""Conversation events: what was said, chosen, triggered, scored and measured.

Each carries its outcome (the node reached, the flags, the lines), so the state is a
fold over them that never runs the dialogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vrtherapy.session import events as ev

LineSource = Literal["dialogue", "say_again", "say_this_now"]
Cause = Literal["start", "choice", "trigger", "timeout", "interruption"]
MarkedBy = Literal["client", "therapist"]


@dataclass(frozen=True)
class PartnerLineSpoken(ev.Payload):
    KIND = "partner_line_spoken"
    partner_id: str
    text: str
    node: str = ""  # '' for a free-text line
    audio: str = ""
    gesture: str = "none"
    expression: str = ""
    source: LineSource = "dialogue"


@dataclass(frozen=True)
class DialogueChoiceMade(ev.Payload):
    KIND = "dialogue_choice_made"
    partner_id: str
    node: str
    index: int
    text: str
    marked_by: MarkedBy = "client"


@dataclass(frozen=True)
class DialogueTriggered(ev.Payload):
    KIND = "dialogue_triggered"
    partner_id: str
    node: str
    trigger_id: str
    label: str


@dataclass(frozen=True)
class DialogueTimedOut(ev.Payload):
    KIND = "dialogue_timed_out"
    partner_id: str
    node: str


@dataclass(frozen=True)
class PartnerLineSkipped(ev.Payload):
    KIND = "partner_line_skipped"
    partner_id: str
    node: str


@dataclass(frozen=True)
class PartnerLineFinished(ev.Payload):
    """The partner finished saying its line (as the client heard it): the node's timeout
    and the client's response latency count from here."""

    KIND = "partner_line_finished"
    partner_id: str
    node: str


@dataclass(frozen=True)
class DialogueReached(ev.Payload):
    """Where a partner's dialogue is after an action: the waiting node ('' once ended)."""

    KIND = "dialogue_reached"
    partner_id: str
    dialogue: str
    node: str
    flags: tuple[tuple[str, bool], ...] = ()
    picks: int = 0
    waiting_since: float = 0.0
    path: tuple[str, ...] = ()
    cause: Cause = "start"


@dataclass(frozen=True)
class SkillScored(ev.Payload):
    KIND = "skill_scored"
    skill: str
    score: int
    note: str = ""


@dataclass(frozen=True)
class MeasureRecorded(ev.Payload):
    """An automatic measure (e.g. share of time looking at the partner's face)."""

    KIND = "measure_recorded"
    name: str
    value: float
    unit: str = ""
    partner_id: str = ""


@dataclass(frozen=True)
class PartnerBehaviourSet(ev.Payload):
    """The therapist set one of a partner's behaviour values live (None: back to the level's)."""

    KIND = "partner_behaviour_set"
    partner_id: str
    name: str
    value: float | str | None


@dataclass(frozen=True)
class SubtitlesSet(ev.Payload):
    """The therapist turned the client's in-headset subtitles of the partners' lines on or off."""

    KIND = "subtitles_set"
    on: bool


@dataclass(frozen=True)
class PartnerLinePlayed(ev.Payload):
    """A partner's line began to play, as the client heard it (the event's time): ``line``
    is the sequence number of its ``partner_line_spoken`` event, ``seconds`` its length.
    A replay poses the talking partner from it."""

    KIND = "partner_line_played"
    partner_id: str
    line: int
    seconds: float


@dataclass(frozen=True)
class ClientSpeaking(ev.Payload):
    """The client began speaking (its ``turn``-th turn of the session): heard by the
    voice-activity detector (``marked_by`` 'client') or marked by the therapist."""

    KIND = "client_speaking"
    turn: int
    marked_by: MarkedBy = "client"


@dataclass(frozen=True)
class PartnerCutIn(ev.Payload):
    """The partner cut in on the client's turn: it went on from ``node`` without the
    client's answer (its ``interruption`` probability, and the seeded draw that fell
    below it)."""

    KIND = "partner_cut_in"
    partner_id: str
    node: str
    probability: float
    draw: float


EVENTS: tuple[type[ev.Payload], ...] = (
    PartnerLineSpoken,
    DialogueChoiceMade,
    DialogueTriggered,
    DialogueTimedOut,
    PartnerLineSkipped,
    PartnerLineFinished,
    DialogueReached,
    SkillScored,
    MeasureRecorded,
    PartnerBehaviourSet,
    SubtitlesSet,
    ClientSpeaking,
    PartnerCutIn,
    PartnerLinePlayed,
)
