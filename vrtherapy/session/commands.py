"""Commands: the only way to change a session.

A command comes from the console, the headset, a coach or the CLI, carries a
client-generated id (so a repeated command is applied once), and is checked
twice: its fields when it is made (types, finite numbers, known kinds — see
:class:`Command`), and its fit with the current state by :func:`decide`, which
returns the events it causes or a rejection with a reason a person can act on.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic

from vrtherapy.authoring import Library
from vrtherapy.authoring.elevator import Elevator, car_position, elevator_of, floor_text
from vrtherapy.authoring.intensity import (
    ParameterError,
    check_override,
    level_intensity,
    parameter_values,
)
from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev
from vrtherapy.session.sound import cue_choices, heard_scenario
from vrtherapy.session.state import SessionState
from vrtherapy.session.vocabulary import (
    Actor,
    ExpectancyPhase,
    FloorDirection,
    PromptKind,
    RatingSource,
    SafetyKind,
)


class Rejected(Exception):
    """A command that does not fit (its fields, or the current state); the message says why."""


class InvalidCommand(Rejected, ValueError):
    """A command made with a field of the wrong type, a number that is not finite, or an
    unknown kind, source or actor."""


# strict: "50" is not a number, True is not a step index; finite numbers only
_STRICT = pydantic.ConfigDict(strict=True, allow_inf_nan=False)


class _FieldError(Exception):
    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


Check = Callable[[Any], None]  # raises _FieldError


def _checker(hint: Any) -> Check:
    """A strict check for one declared type. A dataclass (an event payload a command
    carries) is checked field by field, as pydantic takes no config for dataclasses."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        inner = [(f.name, _checker(hints[f.name])) for f in dataclasses.fields(hint)]

        def check_dataclass(value: Any) -> None:
            if not isinstance(value, hint):
                raise _FieldError((), f"should be a {hint.__name__}")
            for name, check in inner:
                try:
                    check(getattr(value, name))
                except _FieldError as exc:
                    raise _FieldError((name, *exc.loc), exc.message) from None

        return check_dataclass
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(hint, config=_STRICT)

    def check_value(value: Any) -> None:
        try:
            adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            raise _FieldError(tuple(str(x) for x in first["loc"]), first["msg"].lower()) from None

    return check_value


_CHECKS: dict[type, tuple[tuple[str, Check], ...]] = {}


def _field_checks(cls: type) -> tuple[tuple[str, Check], ...]:
    """One strict check per field of a command class (made once per class)."""
    checks = _CHECKS.get(cls)
    if checks is None:
        hints = typing.get_type_hints(cls)
        checks = tuple((f.name, _checker(hints[f.name])) for f in dataclasses.fields(cls))
        _CHECKS[cls] = checks
    return checks


def check_fields(command: object) -> None:
    """Raise :class:`InvalidCommand` unless every field of ``command`` has its declared type."""
    if not isinstance(command, Command):
        raise InvalidCommand(f"not a command: {type(command).__name__}")
    name = type(command).__name__
    for field_name, check in _field_checks(type(command)):
        value = getattr(command, field_name)
        try:
            check(value)
        except _FieldError as exc:
            where = ".".join((field_name, *exc.loc))
            raise InvalidCommand(f"{name}: {where}: {exc.message} (got {value!r})") from None


@dataclass(frozen=True)
class Command:
    """Base of all commands. Fields are checked when a command is made: a wrong type
    raises :class:`InvalidCommand` (a :class:`Rejected`), never a TypeError later."""

    command_id: str
    actor: Actor = "therapist"

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class Safety(Command):
    """Pause, blackout, calm scene, resume or stop: always accepted."""

    action: SafetyKind = "pause"
    reason: str = ""


@dataclass(frozen=True)
class ClientStop(Command):
    """The client pressed stop in the headset."""

    actor: Actor = "client"


@dataclass(frozen=True)
class StepUp(Command):
    pass


@dataclass(frozen=True)
class StepDown(Command):
    pass


@dataclass(frozen=True)
class GoToStep(Command):
    index: int = 0


@dataclass(frozen=True)
class SetIntensity(Command):
    intensity: float = 0.0


@dataclass(frozen=True)
class SetParameter(Command):
    """Set one scenario parameter directly; ``value=None`` returns it to the level's value."""

    name: str = ""
    value: float | bool | str | None = None


@dataclass(frozen=True)
class RecordSuds(Command):
    value: float = 0.0
    source: RatingSource = "therapist"
    prompt_id: str | None = None


@dataclass(frozen=True)
class AskNow(Command):
    """Send an in-headset prompt now (SUDS by default)."""

    prompt: PromptKind = "suds"


@dataclass(frozen=True)
class RecordComfort(Command):
    value: float = 0.0
    source: RatingSource = "therapist"
    prompt_id: str | None = None


@dataclass(frozen=True)
class RecordExpectancy(Command):
    phase: ExpectancyPhase = "before"
    likelihood: float = 0.0
    feared_outcome: str = ""
    prompt_id: str | None = None


@dataclass(frozen=True)
class AcceptProposal(Command):
    proposal_id: str = ""


@dataclass(frozen=True)
class DeclineProposal(Command):
    proposal_id: str = ""
    note: str = ""


@dataclass(frozen=True)
class SetAutoMode(Command):
    enabled: bool = False


@dataclass(frozen=True)
class AddNote(Command):
    text: str = ""


@dataclass(frozen=True)
class AnswerQuestionnaire(Command):
    questionnaire: str = ""
    answers: dict[str, float] = field(default_factory=dict)
    when: str = ""


@dataclass(frozen=True)
class PartnerCommand(Command):
    partner_id: str = ""
    event: str = ""
    data: dict[str, pydantic.JsonValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FireCue(Command):
    """Play one of the heard scenario's named sound cues now."""

    cue: str = ""


@dataclass(frozen=True)
class RequestFloor(Command):
    """The client asks the elevator to go one of the scenario's stops up or down (keys,
    controller buttons), counted from where the car is (it may be riding). Refused, and
    the refusal recorded, while the therapist has locked the controls, at the top or
    bottom, or while the scene is not shown."""

    actor: Actor = "client"
    direction: FloorDirection = "up"


@dataclass(frozen=True)
class SendElevator(Command):
    """The therapist sends the elevator to one of the scenario's stops; refused while the
    scene is paused, blacked out or calm (the car would ride out of the client's view)."""

    floor: float = 0.0


@dataclass(frozen=True)
class LockElevator(Command):
    """Lock (or unlock) the client's elevator controls: the therapist decides."""

    locked: bool = True


@dataclass(frozen=True)
class SetSoundOutput(Command):
    """The client's master volume (0..1) and mute; None keeps the current value."""

    volume: float | None = None
    muted: bool | None = None


@dataclass(frozen=True)
class ReportLoadFailure(Command):
    """The renderer could not load the current scenario (the engine keeps going)."""

    actor: Actor = "system"
    scenario: str = ""
    message: str = ""


@dataclass(frozen=True)
class ReportFrameTimes(Command):
    """The renderer's summary of the display's frame times over the last period."""

    actor: Actor = "system"
    summary: ev.FrameTimes = field(default_factory=lambda: ev.FrameTimes(0, 0, 0, 0, 0, 0, 0, 0, 0))


@dataclass(frozen=True)
class SetVoiceRecording(Command):
    """Record the client's voice from now on (True) or stop recording (False)."""

    on: bool = False


@dataclass(frozen=True)
class StoreClientAudio(Command):
    """A recording of the client's voice is on disk: enter its hash in the record."""

    actor: Actor = "system"
    file: str = ""
    sha256: str = ""
    seconds: float = 0.0
    started: float = 0.0


@dataclass(frozen=True)
class EndSession(Command):
    reason: str = "completed"


@dataclass(frozen=True)
class Converse(Command):
    """A conversation action: a choice, trigger, say again, skip, say this now, score,
    measure or behaviour change (see :mod:`vrtherapy.session.conversation`).

    Its fields are plain (strictly checked like every command's); :meth:`of` makes one
    from a conversation command and :attr:`action` gives it back.
    """

    kind: conv.ConversationKind = "timeouts"
    partner_id: str = ""
    index: int = 0
    marked_by: conv.MarkedBy = "client"
    trigger_id: str = ""
    text: str = ""
    skill: str = ""
    score: int = 0
    note: str = ""
    name: str = ""
    value: float | str | None = None
    unit: str = ""
    on: bool = False
    line: int = 0
    seconds: float = 0.0

    @staticmethod
    def of(command_id: str, actor: Actor, action: conv.ConversationCommand) -> Converse:
        fields = dataclasses.asdict(action)
        return Converse(command_id, actor, conv.KIND_OF[type(action)], **fields)  # type: ignore[arg-type]

    @property
    def action(self) -> conv.ConversationCommand:
        cls = conv.KINDS[self.kind]
        return cls(**{f.name: getattr(self, f.name) for f in dataclasses.fields(cls)})


@dataclass(frozen=True)
class Context:
    """What :func:`decide` may use besides the state: the time, the scenarios, new ids."""

    now: float
    library: Library
    new_id: Callable[[], str]


Decided = list[tuple[ev.Actor, ev.Payload]]


def step_entry(state: SessionState, index: int, reason: str, library: Library) -> ev.StepEntered:
    assert state.hierarchy is not None
    step = state.hierarchy.steps[index]
    intensity = step_intensity(library, step.scenario, step.level, step.intensity)
    return ev.StepEntered(index, step.scenario, step.level, intensity, reason)


def unanswered_on_leaving(state: SessionState) -> Decided:
    """Prompts still open when a step is left are recorded as unanswered (timed out)."""
    return [
        ("system", ev.PromptTimedOut(p.prompt_id, p.kind))
        for p in state.prompts
        if p.kind != "comfort"  # comfort prompts are not about the step; they stay open
    ]


def step_intensity(
    library: Library, scenario: str, level: str | None, intensity: float | None
) -> float:
    if level is None:
        return float(intensity or 0.0)
    spec = library.scenarios.get(scenario)
    if spec is None or level not in spec.level_names:
        return float(intensity or 0.0)
    return level_intensity(spec, level)


def current_parameters(state: SessionState, library: Library) -> dict[str, float | bool | str]:
    """Parameter values now in force (empty if the scenario is not in the library)."""
    if state.hierarchy is None:
        return {}
    step = state.hierarchy.steps[state.step_index]
    spec = library.scenarios.get(step.scenario)
    if spec is None:
        return {}
    try:
        return parameter_values(spec, state.intensity, dict(state.overrides))
    except ParameterError:
        return parameter_values(spec, state.intensity)


Handler = Callable[[SessionState, Any, "Context"], Decided]
H = TypeVar("H", bound=Handler)
_HANDLERS: dict[type[Command], Handler] = {}


def _handles(*kinds: type[Command]) -> Callable[[H], H]:
    """Register the function that decides a kind of command (one table, no isinstance chain)."""

    def register(fn: H) -> H:
        for kind in kinds:
            _HANDLERS[kind] = fn
        return fn

    return register


def decide(state: SessionState, cmd: Command, ctx: Context) -> Decided:
    """The events a command causes, or :class:`Rejected`."""
    check_fields(cmd)  # also catches a command changed after it was made
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        raise Rejected(f"unknown command {type(cmd).__name__}")
    if isinstance(cmd, Safety):
        return handler(state, cmd, ctx)
    if state.status == "ended" and isinstance(cmd, AnswerQuestionnaire | AddNote):
        return handler(state, cmd, ctx)  # the post-session questionnaire and closing notes
    if not state.running:
        raise Rejected(
            "the session has ended" if state.status == "ended" else "the session has not started"
        )
    return handler(state, cmd, ctx)


@_handles(Safety)
def _safety(state: SessionState, cmd: Safety, ctx: Context) -> Decided:
    a = cmd.actor
    out: Decided = [(a, ev.SafetyAction(cmd.action, cmd.reason))]
    if cmd.action == "stop" and state.running:
        out.append((a, ev.SessionEnded(f"stopped: {cmd.reason}" if cmd.reason else "stopped")))
    return out


@_handles(ClientStop)
def _client_stop(state: SessionState, cmd: ClientStop, ctx: Context) -> Decided:
    return [
        (cmd.actor, ev.ClientStopRequested()),
        (cmd.actor, ev.SafetyAction("pause", "the client asked to stop")),
    ]


def _target(state: SessionState, cmd: Command) -> tuple[int, str]:
    steps = state.step_count
    if isinstance(cmd, StepUp):
        if state.step_index + 1 >= steps:
            raise Rejected("cannot step up: already at the top of the hierarchy")
        return state.step_index + 1, "step_up"
    if isinstance(cmd, StepDown):
        if state.step_index - 1 < 0:
            raise Rejected("cannot step down: already at the first step")
        return state.step_index - 1, "step_down"
    assert isinstance(cmd, GoToStep)
    if not 0 <= cmd.index < steps:
        raise Rejected(f"no step {cmd.index + 1}: the hierarchy has {steps} steps")
    return cmd.index, "therapist"


@_handles(StepUp, StepDown, GoToStep)
def _move(state: SessionState, cmd: Command, ctx: Context) -> Decided:
    target, reason = _target(state, cmd)
    a = cmd.actor
    out: Decided = []
    if state.proposal is not None:
        matches = state.proposal.target_step == target
        out.append(
            (
                a,
                ev.ProgressionDecided(
                    state.proposal.proposal_id,
                    "accepted" if matches else "overridden",
                    "" if matches else f"therapist moved to step {target + 1}",
                ),
            )
        )
    out.extend(unanswered_on_leaving(state))
    out.append((a, step_entry(state, target, reason, ctx.library)))
    return out


@_handles(SetIntensity)
def _set_intensity(state: SessionState, cmd: SetIntensity, ctx: Context) -> Decided:
    if not 0 <= cmd.intensity <= 100:
        raise Rejected(f"intensity must be between 0 and 100, got {cmd.intensity:g}")
    return [(cmd.actor, ev.IntensityChanged(float(cmd.intensity)))]


@_handles(SetParameter)
def _set_parameter(state: SessionState, cmd: SetParameter, ctx: Context) -> Decided:
    assert state.hierarchy is not None
    step = state.hierarchy.steps[state.step_index]
    spec = ctx.library.scenarios.get(step.scenario)
    if spec is None:
        raise Rejected(f"scenario '{step.scenario}' is not loaded; parameters can't be set")
    value = cmd.value
    if value is not None:
        try:
            value = check_override(spec, cmd.name, value)
        except ParameterError as exc:
            raise Rejected(str(exc)) from None
    elif cmd.name not in spec.parameters:
        raise Rejected(f"scenario '{spec.id}' has no parameter '{cmd.name}'")
    ride = _slider_ride(state, cmd, value, ctx)
    if ride is not None:
        return [(cmd.actor, ride)]
    return [(cmd.actor, ev.ParameterChanged(cmd.name, value))]


def _slider_ride(
    state: SessionState, cmd: SetParameter, value: float | bool | str | None, ctx: Context
) -> ev.ElevatorFloorRequested | None:
    """The elevator's floor set with its slider sends the car like the floor buttons do
    (recorded as a request, in the report's elevator table, never while the scene is
    held); None for any other parameter, a reset, or a car not in the scene."""
    found = current_elevator(state, ctx.library)
    if found is None or value is None or isinstance(value, bool | str):
        return None
    lift, values = found
    if cmd.name != lift.parameter or not lift.shown(values):
        return None
    if state.safety != "none":
        raise Rejected(f"{_safety_refusal(state)}: resume the scene before sending the elevator")
    sent = float(values[lift.parameter])
    if abs(float(value) - sent) < 1e-9:
        return None
    here = car_floor(state, lift, values, ctx.now)
    return ev.ElevatorFloorRequested(lift.parameter, here, float(value), cmd.actor)


def current_elevator(
    state: SessionState, library: Library
) -> tuple[Elevator, dict[str, float | bool | str]] | None:
    """The elevator of the current step's scenario and the parameter values in force;
    None when that scenario has none (or is not loaded)."""
    if state.hierarchy is None:
        return None
    spec = library.scenarios.get(state.hierarchy.steps[state.step_index].scenario)
    lift = elevator_of(spec) if spec is not None else None
    if lift is None:
        return None
    return lift, current_parameters(state, library)


def _elevator(state: SessionState, ctx: Context) -> tuple[Elevator, dict[str, float | bool | str]]:
    found = current_elevator(state, ctx.library)
    if found is None:
        assert state.hierarchy is not None
        scenario = state.hierarchy.steps[state.step_index].scenario
        raise Rejected(f"scenario '{scenario}' has no elevator (no ride with stops)")
    return found


def car_floor(
    state: SessionState, lift: Elevator, values: Mapping[str, float | bool | str], now: float
) -> float:
    """The floor the car is at now (a fraction between floors while it rides, to a
    hundredth): worked out from its recorded rides the way the client's view moves it.
    Without a ride on record that ends at the parameter's value (the step just began, a
    level or a reset moved it), the car stands at that value."""
    sent = float(values[lift.parameter])
    rides = state.elevator_rides
    if not rides or abs(rides[-1].to_floor - sent) > 1e-9:
        return sent
    floor, _ = car_position(lift, rides, now)
    return round(floor, 2)


def _safety_refusal(state: SessionState) -> str:
    return f"the scene is not shown ({state.safety.replace('_', ' ')})"


def _not_stopping(lift: Elevator, values: dict[str, float | bool | str]) -> str:
    settings = ", ".join(f"{k}: {values.get(k)}" for k, _ in lift.shown_when)
    return f"the car does not stop at floors at these settings ({settings or 'hidden'})"


@_handles(RequestFloor)
def _request_floor(state: SessionState, cmd: RequestFloor, ctx: Context) -> Decided:
    lift, values = _elevator(state, ctx)
    here = car_floor(state, lift, values, ctx.now)  # where the car is, not where it goes
    target = lift.next_stop(here, cmd.direction)
    reason = ""
    cause: ev.RefusalCause = ""
    if state.safety != "none":
        reason = _safety_refusal(state)
        cause = "not_shown"
    elif cmd.actor == "client" and state.elevator_locked:
        reason = "the therapist has locked the elevator's controls"
        cause = "locked"
    elif not lift.shown(values):
        reason = _not_stopping(lift, values)
        cause = "not_stopping"
    elif target is None:
        cause = "top" if cmd.direction == "up" else "bottom"
        end = lift.top if cmd.direction == "up" else lift.bottom
        reason = f"already at the {cause} floor ({floor_text(end)})"
    elif abs(target - float(values[lift.parameter])) < 1e-9:
        reason = f"the car is already on its way to floor {floor_text(target)}"
        cause = "on_its_way"
    if reason or target is None:
        refused = ev.ElevatorRequestRefused(
            lift.parameter, here, cmd.direction, cmd.actor, reason, cause
        )
        return [(cmd.actor, refused)]
    return [(cmd.actor, ev.ElevatorFloorRequested(lift.parameter, here, target, cmd.actor))]


@_handles(SendElevator)
def _send_elevator(state: SessionState, cmd: SendElevator, ctx: Context) -> Decided:
    lift, values = _elevator(state, ctx)
    sent = float(values[lift.parameter])
    floor = float(cmd.floor)
    stops = ", ".join(floor_text(x) for x in lift.stops)
    if floor > lift.top:
        raise Rejected(f"floor {floor_text(floor)} is above the top floor ({floor_text(lift.top)})")
    if floor < lift.bottom:
        raise Rejected(
            f"floor {floor_text(floor)} is below the bottom floor ({floor_text(lift.bottom)})"
        )
    if not lift.is_stop(floor):
        raise Rejected(
            f"the elevator does not stop at floor {floor_text(floor)}; its stops: {stops}"
        )
    if not lift.shown(values):
        raise Rejected(_not_stopping(lift, values))
    if state.safety != "none":
        raise Rejected(f"{_safety_refusal(state)}: resume the scene before sending the elevator")
    if abs(floor - sent) < 1e-9:
        raise Rejected(f"the elevator is already sent to floor {floor_text(floor)}")
    here = car_floor(state, lift, values, ctx.now)
    return [(cmd.actor, ev.ElevatorFloorRequested(lift.parameter, here, floor, cmd.actor))]


@_handles(LockElevator)
def _lock_elevator(state: SessionState, cmd: LockElevator, ctx: Context) -> Decided:
    if cmd.actor == "client":
        raise Rejected("only the therapist locks or unlocks the elevator's controls")
    if cmd.locked == state.elevator_locked:
        raise Rejected(
            f"the client's elevator controls are already {'locked' if cmd.locked else 'unlocked'}"
        )
    return [(cmd.actor, ev.ElevatorLockSet(bool(cmd.locked)))]


@_handles(RecordSuds)
def _record_suds(state: SessionState, cmd: RecordSuds, ctx: Context) -> Decided:
    assert state.hierarchy is not None
    scale = state.hierarchy.suds_scale
    if not 0 <= cmd.value <= scale:
        raise Rejected(f"SUDS must be between 0 and {scale}, got {cmd.value:g}")
    pending = state.pending("suds")
    prompt_id = cmd.prompt_id or (pending.prompt_id if pending else None)
    rated_for = pending.trigger if pending is not None else "unprompted"
    return [
        (
            cmd.actor,
            ev.SudsRated(
                value=float(cmd.value),
                scale=scale,
                normalised=round(100.0 * cmd.value / scale, 3),
                source=cmd.source,
                trigger=rated_for,
                step_index=state.step_index,
                intensity=state.intensity,
                parameters=current_parameters(state, ctx.library),
                prompt_id=prompt_id,
            ),
        )
    ]


@_handles(AskNow)
def _ask_now(state: SessionState, cmd: AskNow, ctx: Context) -> Decided:
    trigger: ev.PromptTrigger = "coach" if cmd.actor == "coach" else "therapist"
    return [(cmd.actor, ev.PromptIssued(ctx.new_id(), cmd.prompt, trigger))]


@_handles(RecordComfort)
def _record_comfort(state: SessionState, cmd: RecordComfort, ctx: Context) -> Decided:
    if not 0 <= cmd.value <= 20:
        raise Rejected(f"a comfort rating (Fast Motion Sickness) is 0–20, got {cmd.value:g}")
    pending = state.pending("comfort")
    return [
        (
            cmd.actor,
            ev.ComfortRated(
                float(cmd.value),
                cmd.source,
                state.step_index,
                cmd.prompt_id or (pending.prompt_id if pending else None),
            ),
        )
    ]


@_handles(RecordExpectancy)
def _record_expectancy(state: SessionState, cmd: RecordExpectancy, ctx: Context) -> Decided:
    assert state.hierarchy is not None
    if not 0 <= cmd.likelihood <= 100:
        raise Rejected(f"a likelihood is 0–100 %, got {cmd.likelihood:g}")
    if cmd.phase == "after" and state.current_expectancy.before is None:
        raise Rejected("record the expectancy before the trial first")
    step = state.hierarchy.steps[state.step_index]
    feared = cmd.feared_outcome or (
        step.expectancy.feared_outcome
        if step.expectancy
        else state.current_expectancy.feared_outcome
    )
    pending = state.pending(f"expectancy_{cmd.phase}")
    return [
        (
            cmd.actor,
            ev.ExpectancyRecorded(
                cmd.phase,
                feared,
                float(cmd.likelihood),
                state.step_index,
                cmd.prompt_id or (pending.prompt_id if pending else None),
            ),
        )
    ]


@_handles(AcceptProposal, DeclineProposal)
def _decide_proposal(
    state: SessionState, cmd: AcceptProposal | DeclineProposal, ctx: Context
) -> Decided:
    p = state.proposal
    if p is None or p.proposal_id != cmd.proposal_id:
        raise Rejected("that proposal is no longer open (it was decided or withdrawn)")
    if isinstance(cmd, DeclineProposal):
        return [(cmd.actor, ev.ProgressionDecided(p.proposal_id, "declined", cmd.note))]
    out: Decided = [(cmd.actor, ev.ProgressionDecided(p.proposal_id, "accepted"))]
    out.extend(apply_proposal(state, p.direction, p.target_step, cmd.actor, ctx.library))
    return out


@_handles(SetAutoMode)
def _set_auto_mode(state: SessionState, cmd: SetAutoMode, ctx: Context) -> Decided:
    return [(cmd.actor, ev.AutoModeChanged(cmd.enabled))]


@_handles(AddNote)
def _add_note(state: SessionState, cmd: AddNote, ctx: Context) -> Decided:
    """Notes are recorded during the session and after it ends."""
    text = cmd.text.strip()
    if not text:
        raise Rejected("a note needs some text")
    return [(cmd.actor, ev.NoteAdded(text))]


@_handles(AnswerQuestionnaire)
def _answer_questionnaire(state: SessionState, cmd: AnswerQuestionnaire, ctx: Context) -> Decided:
    """Questionnaires are recorded during the session and after it ends."""
    if not cmd.questionnaire:
        raise Rejected("name the questionnaire")
    return [(cmd.actor, ev.QuestionnaireAnswered(cmd.questionnaire, dict(cmd.answers), cmd.when))]


@_handles(PartnerCommand)
def _partner(state: SessionState, cmd: PartnerCommand, ctx: Context) -> Decided:
    return [(cmd.actor, ev.PartnerEvent(cmd.partner_id, cmd.event, dict(cmd.data)))]


@_handles(Converse)
def _converse(state: SessionState, cmd: Converse, ctx: Context) -> Decided:
    return converse(state, cmd.action, cmd.actor, ctx.library, ctx.now)


@_handles(ReportLoadFailure)
def _load_failure(state: SessionState, cmd: ReportLoadFailure, ctx: Context) -> Decided:
    return [(cmd.actor, ev.ScenarioLoadFailed(cmd.scenario, cmd.message))]


@_handles(ReportFrameTimes)
def _frame_times(state: SessionState, cmd: ReportFrameTimes, ctx: Context) -> Decided:
    return [(cmd.actor, cmd.summary)]


@_handles(SetSoundOutput)
def _sound_output(state: SessionState, cmd: SetSoundOutput, ctx: Context) -> Decided:
    volume = state.sound_volume if cmd.volume is None else cmd.volume
    if not 0 <= volume <= 1:
        raise Rejected(f"the volume is 0–1, got {volume:g}")
    muted = state.sound_muted if cmd.muted is None else cmd.muted
    return [(cmd.actor, ev.SoundOutputSet(float(volume), bool(muted)))]


@_handles(SetVoiceRecording)
def _voice_recording(state: SessionState, cmd: SetVoiceRecording, ctx: Context) -> Decided:
    if cmd.on == state.voice_recording:
        raise Rejected(f"recording of the client's voice is already {'on' if cmd.on else 'off'}")
    return [(cmd.actor, ev.VoiceRecordingSet(bool(cmd.on)))]


_AUDIO_FILE = re.compile(r"^[A-Za-z0-9_.-]{1,120}\.(wav|flac)$")


@_handles(StoreClientAudio)
def _client_audio(state: SessionState, cmd: StoreClientAudio, ctx: Context) -> Decided:
    if not _AUDIO_FILE.match(cmd.file):
        raise Rejected(f"not a recording's file name: {cmd.file!r}")
    if not re.fullmatch(r"[0-9a-f]{64}", cmd.sha256):
        raise Rejected("a recording's hash is 64 hexadecimal digits (SHA-256)")
    if not (math.isfinite(cmd.seconds) and cmd.seconds >= 0 and math.isfinite(cmd.started)):
        raise Rejected("a recording's length and start are finite, non-negative seconds")
    return [(cmd.actor, ev.ClientAudioStored(cmd.file, cmd.sha256, cmd.seconds, cmd.started))]


@_handles(FireCue)
def _fire_cue(state: SessionState, cmd: FireCue, ctx: Context) -> Decided:
    choices = [name for name, _ in cue_choices(state, ctx.library)]
    if cmd.cue not in choices:
        spec = heard_scenario(state, ctx.library)
        where = f"scenario '{spec.id}'" if spec else "this scene"
        offer = f"; its cues: {', '.join(choices)}" if choices else " (it has no sound cues)"
        raise Rejected(f"{where} has no sound cue '{cmd.cue}'{offer}")
    spec = heard_scenario(state, ctx.library)
    assert spec is not None
    return [(cmd.actor, ev.SoundCueFired(cmd.cue, spec.id, "therapist"))]


@_handles(EndSession)
def _end(state: SessionState, cmd: EndSession, ctx: Context) -> Decided:
    return [(cmd.actor, ev.SessionEnded(cmd.reason))]


def apply_proposal(
    state: SessionState, direction: ev.Direction, target: int, actor: ev.Actor, library: Library
) -> Decided:
    if direction == "calm":
        return [(actor, ev.SafetyAction("calm_scene", "step-down proposal accepted"))]
    reason = {"up": "step_up", "down": "step_down", "variation": "variation"}[direction]
    return [*unanswered_on_leaving(state), (actor, step_entry(state, target, reason, library))]


def converse(
    state: SessionState,
    action: conv.ConversationCommand,
    actor: ev.Actor,
    library: Library,
    now: float,
) -> Decided:
    """The events of a conversation action in the scenario the client sees now."""
    scene = conv.Scene(
        heard_scenario(state, library),
        library,
        state.session_id,
        now,
        current_parameters(state, library),
        shown_plainly=state.safety == "none",
    )
    try:
        payloads = conv.decide(state.conversation, action, scene)
    except conv.ConversationRejected as exc:
        raise Rejected(str(exc)) from None
    return [(actor, p) for p in payloads]


def due_dialogue_timeouts(state: SessionState, library: Library, now: float) -> Decided:
    """Dialogue timeouts that are due (checked at every engine tick)."""
    if not state.conversation.partners:
        return []
    try:
        return converse(state, conv.CheckTimeouts(), "system", library, now)
    except Rejected:  # e.g. the calm scene is shown: the partners wait
        return []
