"""Conversation commands and what they cause: :func:`decide` runs the dialogue runtime
(``vrtherapy.partners.dialogue``, pure; it imports only ``authoring``). The seed of a
partner's random picks comes from the session and partner ids, so a session is
reproducible.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from vrtherapy.authoring import Library
from vrtherapy.authoring.behaviour import BEHAVIOUR, behaviour_number
from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.partners.dialogue import DialogueError, DialogueRuntime, Step
from vrtherapy.session import events as ev
from vrtherapy.session.conversation.events import (
    Cause,
    ClientSpeaking,
    DialogueChoiceMade,
    DialogueReached,
    DialogueTimedOut,
    DialogueTriggered,
    MarkedBy,
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
from vrtherapy.session.conversation.state import ConversationState, PartnerConversation


class ConversationRejected(ValueError):
    """A conversation command that does not fit (no such partner, choice or skill)."""


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
class LineFinished(ConversationCommand):
    """The partner's line finished playing (the speech wiring sends this)."""

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
class LinePlayed(ConversationCommand):
    """A partner's line began to play (the speech wiring sends this): ``line`` the
    sequence number of its ``partner_line_spoken`` event, ``seconds`` its length."""

    partner_id: str
    line: int
    seconds: float


@dataclass(frozen=True)
class ClientStartsSpeaking(ConversationCommand):
    """The client began a turn of speech: heard by the voice-activity detector
    (``marked_by`` 'client') or marked by the therapist. A partner waiting for the
    client's answer may cut in (its ``interruption`` probability, a seeded draw)."""

    marked_by: MarkedBy = "client"


@dataclass(frozen=True)
class ShowSubtitles(ConversationCommand):
    """Subtitles of the partners' lines in the headset, on or off (a session option)."""

    on: bool


ConversationKind = Literal[
    "start", "choose", "trigger", "timeouts", "say_again", "skip", "say", "score", "measure",
    "behaviour", "subtitles", "finished", "speaking", "played",
]  # fmt: skip
KINDS: dict[str, type[ConversationCommand]] = {
    "start": StartConversation,
    "choose": ChooseOption,
    "trigger": TriggerPartner,
    "timeouts": CheckTimeouts,
    "say_again": SayAgain,
    "skip": SkipLine,
    "say": SayThisNow,
    "score": ScoreSkill,
    "measure": RecordMeasure,
    "behaviour": SetBehaviour,
    "subtitles": ShowSubtitles,
    "finished": LineFinished,
    "speaking": ClientStartsSpeaking,
    "played": LinePlayed,
}
KIND_OF: dict[type[ConversationCommand], str] = {v: k for k, v in KINDS.items()}
assert set(KINDS) == set(get_args(ConversationKind))


@dataclass(frozen=True)
class Scene:
    """What :func:`decide` needs besides the conversation: the scenario shown, the
    dialogues, the session's id (it seeds random picks) and the time."""

    scenario: ScenarioSpec | None
    library: Library
    session_id: str
    now: float
    # the scenario's parameter values in force (a partner's ``flags:`` may refer to them)
    values: Mapping[str, float | bool | str] = field(default_factory=dict)
    # the step's own scenario is shown plainly (no pause, blackout or calm scene):
    # only then may a partner cut in on the client
    shown_plainly: bool = True


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
    flags = _start_flags(scene, cmd.partner_id)
    return _outcome(cmd.partner_id, rt.spec.id, rt.start(scene.now, flags), "start")


def _start_flags(scene: Scene, partner_id: str) -> dict[str, bool]:
    """The start values the partner's ``flags:`` give, resolved against the level's values
    (a reference to a parameter without a value leaves the dialogue's own start value)."""
    assert scene.scenario is not None  # _runtime checked it
    partner = next(p for p in scene.scenario.partners if p.id == partner_id)
    out: dict[str, bool] = {}
    for flag, value in partner.flags.items():
        if is_ref(value):
            given = scene.values.get(ref_name(str(value)))
            if isinstance(given, bool):
                out[flag] = given
        else:
            out[flag] = bool(value)
    return out


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


@_handles(LineFinished)
def _finished(state: ConversationState, cmd: LineFinished, scene: Scene) -> Payloads:
    c = _waiting(state, cmd.partner_id)
    return [PartnerLineFinished(cmd.partner_id, c.node)]


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


@_handles(LinePlayed)
def _played(state: ConversationState, cmd: LinePlayed, scene: Scene) -> Payloads:
    _runtime_partner(scene, cmd.partner_id)
    if cmd.line < 0 or not math.isfinite(cmd.seconds) or cmd.seconds < 0:
        raise ConversationRejected("a line played needs its event and a length in seconds")
    return [PartnerLinePlayed(cmd.partner_id, cmd.line, float(cmd.seconds))]


@_handles(ClientStartsSpeaking)
def _client_speaks(state: ConversationState, cmd: ClientStartsSpeaking, scene: Scene) -> Payloads:
    """The client's turn on the record; each partner that has said its line to the end
    and waits for the client's choice at a node with a way on without the answer (a
    timeout) cuts in with its ``interruption`` probability, drawn from the session, the
    partner and the turn (so a session's record always cuts in alike). Nobody cuts in
    while the scene is paused, blacked out or calm."""
    turn = state.client_turns + 1
    out: Payloads = [ClientSpeaking(turn, cmd.marked_by)]
    if scene.scenario is None or not scene.shown_plainly:
        return out  # paused, blacked out or calm: the turn is recorded, nobody cuts in
    for partner_id, c in state.partners:
        if c.ended or partner_id in state.unheard:
            continue  # it is still saying its line: the client speaks over it
        p = interruption_of(scene, state, partner_id)
        if p <= 0.0:
            continue
        draw = interruption_draw(scene.session_id, partner_id, turn)
        if draw >= p:
            continue
        step = _runtime(scene, partner_id).cut_in(c.dialogue_state(), scene.now)
        if step is None:
            continue
        out.append(PartnerCutIn(partner_id, c.node, p, round(draw, 6)))
        out.extend(_outcome(partner_id, c.dialogue, step, "interruption"))
    return out


def interruption_of(scene: Scene, state: ConversationState, partner_id: str) -> float:
    """A partner's interruption probability now: the therapist's live value, else the
    level's (a ``$parameter`` of the scenario), else the default."""
    assert scene.scenario is not None
    partner = next((x for x in scene.scenario.partners if x.id == partner_id), None)
    behaviour = partner.behaviour if partner is not None else {}
    return behaviour_number(behaviour, "interruption", scene.values, state.behaviour_of(partner_id))


def interruption_draw(session_id: str, partner_id: str, turn: int) -> float:
    """The seeded draw in [0, 1) that decides whether the partner cuts in on the
    client's ``turn``: below the partner's probability it does (never at 0, always at 1)."""
    digest = hashlib.sha256(f"{session_id}/{partner_id}/cut-in/{turn}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


@_handles(ShowSubtitles)
def _show_subtitles(state: ConversationState, cmd: ShowSubtitles, scene: Scene) -> Payloads:
    if not isinstance(cmd.on, bool):
        raise ConversationRejected("subtitles are on (true) or off (false)")
    return [SubtitlesSet(cmd.on)]
