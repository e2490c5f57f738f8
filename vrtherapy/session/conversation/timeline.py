"""One timeline line per conversation event (``vrtherapy show``, the console's log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vrtherapy.session import events as ev
from vrtherapy.session.conversation.events import (
    EVENTS,
    ClientSpeaking,
    DialogueChoiceMade,
    DialogueReached,
    DialogueTimedOut,
    DialogueTriggered,
    MeasureRecorded,
    PartnerBehaviourSet,
    PartnerCutIn,
    PartnerLineFinished,
    PartnerLinePlayed,
    PartnerLineSkipped,
    PartnerLineSpoken,
    SkillScored,
    SubtitlesSet,
)

_SOURCE = {"dialogue": "", "say_again": " (again)", "say_this_now": " (typed by the therapist)"}
_DESCRIBE: dict[type[ev.Payload], Callable[[Any], str | None]] = {
    PartnerLineSpoken: lambda p: (
        f'{p.partner_id}: "{p.text}"{_SOURCE[p.source]}' if p.text else None
    ),
    DialogueChoiceMade: lambda p: (
        f'client chose: "{p.text}"'
        if p.marked_by == "client"
        else f'therapist marked the answer: "{p.text}"'
    ),
    DialogueTriggered: lambda p: f"therapist: {p.label} ({p.partner_id})",
    DialogueTimedOut: lambda p: f"no answer: {p.partner_id} goes on",
    PartnerLineSkipped: lambda p: f"therapist skipped {p.partner_id}'s line",
    PartnerLineFinished: lambda p: None,  # shown in the verbose timeline only
    DialogueReached: lambda p: None if p.node else f"conversation with {p.partner_id} ended",
    SkillScored: lambda p: f"skill {p.skill}: {p.score}/5" + (f" — {p.note}" if p.note else ""),
    MeasureRecorded: lambda p: f"measure {p.name}: {p.value:g}" + (f" {p.unit}" if p.unit else ""),
    PartnerBehaviourSet: lambda p: (
        f"{p.partner_id} {p.name} → " + ("the level's value" if p.value is None else f"{p.value}")
    ),
    SubtitlesSet: lambda p: "subtitles " + ("on" if p.on else "off"),
    ClientSpeaking: lambda p: (
        "client speaks" if p.marked_by == "client" else "therapist: the client speaks"
    ),
    PartnerCutIn: lambda p: f"{p.partner_id} cuts in",
    PartnerLinePlayed: lambda p: None,  # shown in the verbose timeline only
}
assert set(_DESCRIBE) == set(EVENTS)


def describe(p: ev.Payload, verbose: bool = False) -> str | None:
    """A timeline line for a conversation event (None for other events, or nothing to
    show); ``verbose`` also tells where the dialogue waits and gestures without words."""
    fn = _DESCRIBE.get(type(p))
    line = fn(p) if fn is not None else None
    if line is None and verbose:
        if isinstance(p, DialogueReached):
            return f"{p.partner_id} waits at '{p.node}'"
        if isinstance(p, PartnerLineFinished):
            return f"{p.partner_id} finished speaking"
        if isinstance(p, PartnerLinePlayed):
            return f"{p.partner_id} speaks ({p.seconds:.1f} s)"
        if isinstance(p, PartnerLineSpoken):
            return f"{p.partner_id} gestures: {p.gesture.replace('_', ' ')}"
    return line
