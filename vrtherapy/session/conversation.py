"""Conversations with virtual partners in a session: commands, events and their fold.

Every line a partner speaks, every choice the client makes (in the headset, or marked
by the therapist, Wizard-of-Oz), every therapist trigger, "say again", "skip",
free-text "say this now", skill score (1–5), automatic measure and live change of a
partner's behaviour is an event. The events carry their outcome (the node reached,
the flags, the lines), so :func:`fold` rebuilds the conversation without running the
dialogue: a replay shows exactly what was said even if the dialogue file changed.

:func:`decide` runs the dialogue runtime (``vrtherapy.partners.dialogue``, pure; it
imports only ``authoring``) to find what an action causes. The seed of a partner's
random picks comes from the session and partner ids, so a session is reproducible.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from vrtherapy.authoring import Library
from vrtherapy.authoring.behaviour import BEHAVIOUR
from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.partners.dialogue import DialogueError, DialogueRuntime, DialogueState, Step
from vrtherapy.session import events as ev

LineSource = Literal["dialogue", "say_again", "say_this_now"]
Cause = Literal["start", "choice", "trigger", "timeout"]
MarkedBy = Literal["client", "therapist"]
LINES_KEPT = 50  # lines kept in the state for the console's transcript


class ConversationRejected(ValueError):
    """A conversation command that does not fit (no such partner, choice or skill)."""


# --- events -------------------------------------------------------------------------------


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


EVENTS: tuple[type[ev.Payload], ...] = (
    PartnerLineSpoken,
    DialogueChoiceMade,
    DialogueTriggered,
    DialogueTimedOut,
    PartnerLineSkipped,
    DialogueReached,
    SkillScored,
    MeasureRecorded,
    PartnerBehaviourSet,
)


# --- state --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineHeard:
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
    lines: tuple[LineHeard, ...] = ()  # the newest LINES_KEPT, oldest first
    scores: tuple[tuple[str, int], ...] = ()  # the latest score of each skill
    measures: tuple[tuple[str, float], ...] = ()  # the latest value of each measure
    behaviour: tuple[tuple[str, tuple[tuple[str, float | str], ...]], ...] = ()  # live values
    turns: int = 0  # client choices made
    last_lines: tuple[tuple[str, tuple[str, str]], ...] = ()  # partner -> (text, node)

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
def _skipped(s: ConversationState, p: PartnerLineSkipped, e: ev.Event) -> ConversationState:
    c = s.partner(p.partner_id)
    if c is None:
        return s
    c = dataclasses.replace(c, waiting_since=e.session_time)
    return dataclasses.replace(s, partners=_put(s.partners, p.partner_id, c))


@_folds(DialogueChoiceMade)
def _chose(s: ConversationState, p: DialogueChoiceMade, e: ev.Event) -> ConversationState:
    return dataclasses.replace(s, turns=s.turns + 1)


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


@_folds(ev.StepEntered)
def _new_step(s: ConversationState, p: ev.StepEntered, e: ev.Event) -> ConversationState:
    """A new step shows a new scene: its partners start afresh (scores and lines stay)."""
    return dataclasses.replace(s, partners=(), behaviour=(), last_lines=())


FOLDED: frozenset[type[ev.Payload]] = frozenset(_FOLDS)


# --- commands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationCommand:
    """Base of the conversation commands (the session's Command carries id and actor)."""


@dataclass(frozen=True)
class StartConversation(ConversationCommand):
    partner_id: str


@dataclass(frozen=True)
class ChooseOption(ConversationCommand):
    partner_id: str
    index: int
    marked_by: MarkedBy = "client"


@dataclass(frozen=True)
class TriggerPartner(ConversationCommand):
    partner_id: str
    trigger_id: str


@dataclass(frozen=True)
class CheckTimeouts(ConversationCommand):
    """Fire any dialogue timeout that is due (the engine's timer sends this)."""


@dataclass(frozen=True)
class SayAgain(ConversationCommand):
    partner_id: str


@dataclass(frozen=True)
class SkipLine(ConversationCommand):
    partner_id: str


@dataclass(frozen=True)
class SayThisNow(ConversationCommand):
    partner_id: str
    text: str


@dataclass(frozen=True)
class ScoreSkill(ConversationCommand):
    skill: str
    score: int
    note: str = ""


@dataclass(frozen=True)
class RecordMeasure(ConversationCommand):
    name: str
    value: float
    unit: str = ""
    partner_id: str = ""


@dataclass(frozen=True)
class SetBehaviour(ConversationCommand):
    partner_id: str
    name: str
    value: float | str | None


@dataclass(frozen=True)
class Scene:
    """What :func:`decide` needs besides the conversation: the scenario shown, the
    dialogues, the session's id (it seeds random picks) and the time."""

    scenario: ScenarioSpec | None
    library: Library
    session_id: str
    now: float


Payloads = list[ev.Payload]
Handler = Callable[[ConversationState, Any, Scene], Payloads]
_HANDLERS: dict[type[ConversationCommand], Handler] = {}


def _handles(kind: type[ConversationCommand]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def decide(state: ConversationState, cmd: ConversationCommand, scene: Scene) -> Payloads:
    """The events a conversation command causes, or :class:`ConversationRejected`."""
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        raise ConversationRejected(f"unknown conversation command {type(cmd).__name__}")
    try:
        return handler(state, cmd, scene)
    except DialogueError as exc:
        raise ConversationRejected(str(exc)) from None


def _seed(session_id: str, partner_id: str) -> int:
    digest = hashlib.sha256(f"{session_id}/{partner_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _runtime(scene: Scene, partner_id: str) -> DialogueRuntime:
    if scene.scenario is None:
        raise ConversationRejected("no scenario is shown")
    partner = next((p for p in scene.scenario.partners if p.id == partner_id), None)
    if partner is None:
        known = ", ".join(p.id for p in scene.scenario.partners) or "none"
        raise ConversationRejected(
            f"scenario '{scene.scenario.id}' has no partner '{partner_id}' (partners: {known})"
        )
    if partner.dialogue is None:
        raise ConversationRejected(f"partner '{partner_id}' has no dialogue")
    spec = scene.library.dialogues.get(partner.dialogue)
    if spec is None:
        raise ConversationRejected(f"dialogue '{partner.dialogue}' is not loaded")
    return DialogueRuntime(spec, _seed(scene.session_id, partner_id))


def _waiting(state: ConversationState, partner_id: str) -> PartnerConversation:
    c = state.partner(partner_id)
    if c is None:
        raise ConversationRejected(f"partner '{partner_id}' has not started talking")
    if c.ended:
        raise ConversationRejected(f"the conversation with '{partner_id}' has ended")
    return c


def _outcome(partner_id: str, dialogue: str, step: Step, cause: Cause) -> Payloads:
    out: Payloads = []
    for line in step.lines:
        text = line.text or ""
        speaker = line.speaker or partner_id
        out.append(
            PartnerLineSpoken(
                speaker,
                text,
                line.node,
                line.audio or "",
                line.gesture,
                line.expression or "",
            )
        )
    st = step.state
    out.append(
        DialogueReached(
            partner_id,
            dialogue,
            st.node or "",
            st.flags,
            st.picks,
            st.waiting_since,
            step.path,
            cause,
        )
    )
    return out


@_handles(StartConversation)
def _start(state: ConversationState, cmd: StartConversation, scene: Scene) -> Payloads:
    rt = _runtime(scene, cmd.partner_id)
    return _outcome(cmd.partner_id, rt.spec.id, rt.start(scene.now), "start")


@_handles(ChooseOption)
def _choose(state: ConversationState, cmd: ChooseOption, scene: Scene) -> Payloads:
    c = _waiting(state, cmd.partner_id)
    rt = _runtime(scene, cmd.partner_id)
    ds = c.dialogue_state()
    offers = {o.index: o.text for o in rt.offers(ds)}
    step = rt.choose(ds, cmd.index, scene.now)
    made = DialogueChoiceMade(cmd.partner_id, c.node, cmd.index, offers[cmd.index], cmd.marked_by)
    return [made, *_outcome(cmd.partner_id, c.dialogue, step, "choice")]


@_handles(TriggerPartner)
def _trigger(state: ConversationState, cmd: TriggerPartner, scene: Scene) -> Payloads:
    c = _waiting(state, cmd.partner_id)
    rt = _runtime(scene, cmd.partner_id)
    step = rt.trigger(c.dialogue_state(), cmd.trigger_id, scene.now)
    node = rt.spec.nodes[c.node]
    label = next(t.label for t in node.triggers if t.id == cmd.trigger_id)
    pressed = DialogueTriggered(cmd.partner_id, c.node, cmd.trigger_id, label)
    return [pressed, *_outcome(cmd.partner_id, c.dialogue, step, "trigger")]


@_handles(CheckTimeouts)
def _timeouts(state: ConversationState, cmd: CheckTimeouts, scene: Scene) -> Payloads:
    out: Payloads = []
    for partner_id, c in state.partners:
        if c.ended:
            continue
        rt = _runtime(scene, partner_id)
        step = rt.tick(c.dialogue_state(), scene.now)
        if step is not None:
            out.append(DialogueTimedOut(partner_id, c.node))
            out.extend(_outcome(partner_id, c.dialogue, step, "timeout"))
    return out


@_handles(SayAgain)
def _say_again(state: ConversationState, cmd: SayAgain, scene: Scene) -> Payloads:
    text, node = state.last_line(cmd.partner_id)
    if not text:
        raise ConversationRejected(f"'{cmd.partner_id}' has said nothing yet to say again")
    return [PartnerLineSpoken(cmd.partner_id, text, node, source="say_again")]


@_handles(SkipLine)
def _skip(state: ConversationState, cmd: SkipLine, scene: Scene) -> Payloads:
    c = _waiting(state, cmd.partner_id)
    return [PartnerLineSkipped(cmd.partner_id, c.node)]


@_handles(SayThisNow)
def _say_this_now(state: ConversationState, cmd: SayThisNow, scene: Scene) -> Payloads:
    text = cmd.text.strip()
    if not text:
        raise ConversationRejected("type what the partner should say")
    _runtime_partner(scene, cmd.partner_id)
    return [PartnerLineSpoken(cmd.partner_id, text, source="say_this_now")]


def _runtime_partner(scene: Scene, partner_id: str) -> None:
    if scene.scenario is None or partner_id not in {p.id for p in scene.scenario.partners}:
        raise ConversationRejected(f"no partner '{partner_id}' in the scene shown")


@_handles(ScoreSkill)
def _score(state: ConversationState, cmd: ScoreSkill, scene: Scene) -> Payloads:
    skills = {s.name for s in scene.scenario.skills} if scene.scenario else set()
    if cmd.skill not in skills:
        listed = ", ".join(sorted(skills)) or "none"
        raise ConversationRejected(
            f"this scenario scores no skill '{cmd.skill}' (skills: {listed})"
        )
    if isinstance(cmd.score, bool) or cmd.score not in (1, 2, 3, 4, 5):
        raise ConversationRejected(f"a skill score is 1, 2, 3, 4 or 5, got {cmd.score!r}")
    return [SkillScored(cmd.skill, cmd.score, cmd.note.strip())]


@_handles(RecordMeasure)
def _measure(state: ConversationState, cmd: RecordMeasure, scene: Scene) -> Payloads:
    if not cmd.name or not math.isfinite(cmd.value):
        raise ConversationRejected("a measure needs a name and a finite value")
    return [MeasureRecorded(cmd.name, float(cmd.value), cmd.unit, cmd.partner_id)]


@_handles(SetBehaviour)
def _set_behaviour(state: ConversationState, cmd: SetBehaviour, scene: Scene) -> Payloads:
    _runtime_partner(scene, cmd.partner_id)
    arg = BEHAVIOUR.get(cmd.name)
    if arg is None:
        raise ConversationRejected(
            f"no behaviour '{cmd.name}' (behaviours: {', '.join(sorted(BEHAVIOUR))})"
        )
    v = cmd.value
    if v is not None:
        if arg.type == "choice":
            if v not in arg.choices:
                raise ConversationRejected(f"'{cmd.name}' is one of {', '.join(arg.choices)}")
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ConversationRejected(f"'{cmd.name}' is a number")
        elif arg.min is not None and arg.max is not None and not arg.min <= v <= arg.max:
            raise ConversationRejected(f"'{cmd.name}' is {arg.min:g}–{arg.max:g}, got {v:g}")
        else:
            v = float(v)
    return [PartnerBehaviourSet(cmd.partner_id, cmd.name, v)]


# --- the view in the snapshot ------------------------------------------------------------


@dataclass(frozen=True)
class PartnerView:
    """One partner as the console's partners panel and the headset's choice panel see it."""

    partner_id: str
    name: str
    node: str  # '' before it started or once ended
    line: str  # the latest line it said
    offers: tuple[tuple[int, str], ...]  # choices the client may make now (index, text)
    triggers: tuple[tuple[str, str], ...]  # therapist triggers now (id, label)
    deadline: float | None  # when the node's timeout fires (session time)
    started: bool
    ended: bool
    behaviour: tuple[tuple[str, float | str], ...]  # live values set by the therapist


@dataclass(frozen=True)
class ConversationView:
    partners: tuple[PartnerView, ...] = ()
    transcript: tuple[tuple[float, str, str, str], ...] = ()  # (time, partner, text, source)
    skills: tuple[tuple[str, str, int | None], ...] = ()  # (name, label, latest score)
    measures: tuple[tuple[str, float], ...] = ()
    turns: int = 0


def view(state: ConversationState, scene: Scene) -> ConversationView:
    """What the snapshot shows of the conversation in the scenario shown now."""
    partners: list[PartnerView] = []
    for partner in scene.scenario.partners if scene.scenario else ():
        c = state.partner(partner.id)
        offers: tuple[tuple[int, str], ...] = ()
        triggers: tuple[tuple[str, str], ...] = ()
        deadline = None
        spec = scene.library.dialogues.get(partner.dialogue or "")
        if c is not None and not c.ended and spec is not None and c.node in spec.nodes:
            rt = DialogueRuntime(spec, 0)  # offers and deadlines do not depend on the seed
            ds = c.dialogue_state()
            offers = tuple((o.index, o.text) for o in rt.offers(ds))
            triggers = tuple((t.id, t.label) for t in spec.nodes[c.node].triggers)
            deadline = rt.deadline(ds)
        partners.append(
            PartnerView(
                partner.id,
                partner.name,
                c.node if c else "",
                state.last_line(partner.id)[0],
                offers,
                triggers,
                deadline,
                c is not None,
                c is not None and c.ended,
                tuple(sorted(state.behaviour_of(partner.id).items())),
            )
        )
    scores = dict(state.scores)
    skills = scene.scenario.skills if scene.scenario else []
    return ConversationView(
        tuple(partners),
        tuple((x.time, x.partner_id, x.text, x.source) for x in state.lines),
        tuple((k.name, k.label, scores.get(k.name)) for k in skills),
        state.measures,
        state.turns,
    )


# --- the timeline -------------------------------------------------------------------------

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
    DialogueReached: lambda p: None if p.node else f"conversation with {p.partner_id} ended",
    SkillScored: lambda p: f"skill {p.skill}: {p.score}/5" + (f" — {p.note}" if p.note else ""),
    MeasureRecorded: lambda p: f"measure {p.name}: {p.value:g}" + (f" {p.unit}" if p.unit else ""),
    PartnerBehaviourSet: lambda p: (
        f"{p.partner_id} {p.name} → " + ("the level's value" if p.value is None else f"{p.value}")
    ),
}
assert set(_DESCRIBE) == set(EVENTS)


def describe(p: ev.Payload) -> str | None:
    """A timeline line for a conversation event (None for other events, or nothing to show)."""
    fn = _DESCRIBE.get(type(p))
    return fn(p) if fn is not None else None
