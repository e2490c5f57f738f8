"""The conversation part of a session's state, as a fold over conversation events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vrtherapy.partners.dialogue import DialogueState
from vrtherapy.session import events as ev
from vrtherapy.session.conversation.events import (
    ClientSpeaking,
    DialogueChoiceMade,
    DialogueReached,
    MeasureRecorded,
    PartnerBehaviourSet,
    PartnerLineFinished,
    PartnerLineSkipped,
    PartnerLineSpoken,
    SkillScored,
    SubtitlesSet,
)

LINES_KEPT = 50  # lines kept in the state for the console's transcript


@dataclass(frozen=True)
class LineHeard:
    """One entry of the transcript: a partner's line (``source`` 'dialogue', 'say_again'
    or 'say_this_now') or the client's answer to ``partner_id`` (``source`` 'client', or
    'therapist' when the therapist marked it)."""

    time: float
    partner_id: str
    text: str
    node: str
    source: str


@dataclass(frozen=True)
class PartnerConversation:
    """One partner's place in its dialogue."""

    dialogue: str
    node: str  # the waiting node; '' once ended
    flags: tuple[tuple[str, bool], ...] = ()
    picks: int = 0
    waiting_since: float = 0.0

    @property
    def ended(self) -> bool:
        return self.node == ""

    def dialogue_state(self) -> DialogueState:
        return DialogueState(self.node or None, self.flags, self.waiting_since, self.picks)


@dataclass(frozen=True)
class ConversationState:
    partners: tuple[tuple[str, PartnerConversation], ...] = ()
    lines: tuple[LineHeard, ...] = ()  # the newest LINES_KEPT lines and answers, oldest first
    scores: tuple[tuple[str, int], ...] = ()  # the latest score of each skill
    measures: tuple[tuple[str, float], ...] = ()  # the latest value of each measure
    behaviour: tuple[tuple[str, tuple[tuple[str, float | str], ...]], ...] = ()  # live values
    turns: int = 0  # client choices made
    last_lines: tuple[tuple[str, tuple[str, str]], ...] = ()  # partner -> (text, node)
    subtitles: bool = False  # the client sees the partners' lines written in the headset
    client_turns: int = 0  # turns the client began speaking (heard, or marked)
    # partners whose latest line (or words-free gesture) has not been heard to its end
    # (no partner_line_finished or skip since): they do not cut in on the client
    unheard: tuple[str, ...] = ()

    def partner(self, partner_id: str) -> PartnerConversation | None:
        return dict(self.partners).get(partner_id)

    def last_line(self, partner_id: str) -> tuple[str, str]:
        """What the partner said last, and at which node ('' for a typed line)."""
        return dict(self.last_lines).get(partner_id, ("", ""))

    def behaviour_of(self, partner_id: str) -> dict[str, float | str]:
        return dict(dict(self.behaviour).get(partner_id, ()))


def _put(pairs: tuple[tuple[str, Any], ...], key: str, value: Any) -> tuple[tuple[str, Any], ...]:
    d = dict(pairs)
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value
    return tuple(sorted(d.items()))


Fold = Callable[[ConversationState, Any, ev.Event], ConversationState]
_FOLDS: dict[type[ev.Payload], Fold] = {}


def _folds(kind: type[ev.Payload]) -> Callable[[Fold], Fold]:
    def register(fn: Fold) -> Fold:
        _FOLDS[kind] = fn
        return fn

    return register


def fold(state: ConversationState, event: ev.Event) -> ConversationState:
    """The conversation after one more event (other events leave it as it is)."""
    fn = _FOLDS.get(type(event.payload))
    return fn(state, event.payload, event) if fn is not None else state


@_folds(PartnerLineSpoken)
def _spoken(s: ConversationState, p: PartnerLineSpoken, e: ev.Event) -> ConversationState:
    heard = LineHeard(e.session_time, p.partner_id, p.text, p.node, p.source)
    if p.text or p.gesture != "none":
        s = dataclasses.replace(s, unheard=tuple(sorted({*s.unheard, p.partner_id})))
    if not p.text:
        return s
    return dataclasses.replace(
        s,
        lines=(*s.lines, heard)[-LINES_KEPT:],
        last_lines=_put(s.last_lines, p.partner_id, (p.text, p.node)),
    )


@_folds(DialogueReached)
def _reached(s: ConversationState, p: DialogueReached, e: ev.Event) -> ConversationState:
    flags = tuple((str(k), bool(v)) for k, v in p.flags)
    c = PartnerConversation(p.dialogue, p.node, flags, p.picks, p.waiting_since)
    return dataclasses.replace(s, partners=_put(s.partners, p.partner_id, c))


@_folds(PartnerLineSkipped)
@_folds(PartnerLineFinished)
def _skipped(
    s: ConversationState, p: PartnerLineSkipped | PartnerLineFinished, e: ev.Event
) -> ConversationState:
    """A line skipped or finished: the wait for the client's answer starts now."""
    s = dataclasses.replace(s, unheard=tuple(x for x in s.unheard if x != p.partner_id))
    c = s.partner(p.partner_id)
    if c is None:
        return s
    c = dataclasses.replace(c, waiting_since=e.session_time)
    return dataclasses.replace(s, partners=_put(s.partners, p.partner_id, c))


@_folds(DialogueChoiceMade)
def _chose(s: ConversationState, p: DialogueChoiceMade, e: ev.Event) -> ConversationState:
    heard = LineHeard(e.session_time, p.partner_id, p.text, p.node, p.marked_by)
    return dataclasses.replace(s, turns=s.turns + 1, lines=(*s.lines, heard)[-LINES_KEPT:])


@_folds(ClientSpeaking)
def _client_speaks(s: ConversationState, p: ClientSpeaking, e: ev.Event) -> ConversationState:
    return dataclasses.replace(s, client_turns=max(s.client_turns, p.turn))


@_folds(SkillScored)
def _scored(s: ConversationState, p: SkillScored, e: ev.Event) -> ConversationState:
    return dataclasses.replace(s, scores=_put(s.scores, p.skill, p.score))


@_folds(MeasureRecorded)
def _measured(s: ConversationState, p: MeasureRecorded, e: ev.Event) -> ConversationState:
    key = f"{p.partner_id}.{p.name}" if p.partner_id else p.name
    return dataclasses.replace(s, measures=_put(s.measures, key, p.value))


@_folds(PartnerBehaviourSet)
def _behaviour(s: ConversationState, p: PartnerBehaviourSet, e: ev.Event) -> ConversationState:
    values = _put(tuple(dict(s.behaviour).get(p.partner_id, ())), p.name, p.value)
    return dataclasses.replace(s, behaviour=_put(s.behaviour, p.partner_id, values))


@_folds(SubtitlesSet)
def _subtitles(s: ConversationState, p: SubtitlesSet, e: ev.Event) -> ConversationState:
    return dataclasses.replace(s, subtitles=bool(p.on))


@_folds(ev.StepEntered)
def _new_step(s: ConversationState, p: ev.StepEntered, e: ev.Event) -> ConversationState:
    """A new step shows a new scene: its partners start afresh (scores, lines and the
    subtitles setting stay)."""
    return dataclasses.replace(s, partners=(), behaviour=(), last_lines=())


FOLDED: frozenset[type[ev.Payload]] = frozenset(_FOLDS)
