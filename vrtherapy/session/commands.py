"""Commands: the only way to change a session.

A command comes from the console, the headset, a coach or the CLI, carries a
client-generated id (so a repeated command is applied once), and is checked
against the current state by :func:`decide`, which returns the events it
causes or a rejection with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from vrtherapy.authoring import Library
from vrtherapy.authoring.intensity import (
    ParameterError,
    check_override,
    level_intensity,
    parameter_values,
)
from vrtherapy.session import events as ev
from vrtherapy.session.sound import cue_choices, heard_scenario
from vrtherapy.session.state import SessionState


@dataclass(frozen=True)
class Command:
    command_id: str
    actor: ev.Actor = "therapist"


@dataclass(frozen=True)
class Safety(Command):
    """Pause, blackout, calm scene, resume or stop: always accepted."""

    action: ev.SafetyKind = "pause"
    reason: str = ""


@dataclass(frozen=True)
class ClientStop(Command):
    """The client pressed stop in the headset."""

    actor: ev.Actor = "client"


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
    source: ev.RatingSource = "therapist"
    prompt_id: str | None = None


@dataclass(frozen=True)
class AskNow(Command):
    """Send an in-headset prompt now (SUDS by default)."""

    prompt: ev.PromptKind = "suds"


@dataclass(frozen=True)
class RecordComfort(Command):
    value: float = 0.0
    source: ev.RatingSource = "therapist"
    prompt_id: str | None = None


@dataclass(frozen=True)
class RecordExpectancy(Command):
    phase: Literal["before", "after"] = "before"
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
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FireCue(Command):
    """Play one of the heard scenario's named sound cues now."""

    cue: str = ""


@dataclass(frozen=True)
class SetSoundOutput(Command):
    """The client's master volume (0..1) and mute; None keeps the current value."""

    volume: float | None = None
    muted: bool | None = None


@dataclass(frozen=True)
class ReportLoadFailure(Command):
    """The renderer could not load the current scenario (the engine keeps going)."""

    actor: ev.Actor = "system"
    scenario: str = ""
    message: str = ""


@dataclass(frozen=True)
class ReportFrameTimes(Command):
    """The renderer's summary of the display's frame times over the last period."""

    actor: ev.Actor = "system"
    summary: ev.FrameTimes = field(default_factory=lambda: ev.FrameTimes(0, 0, 0, 0, 0, 0, 0, 0, 0))


@dataclass(frozen=True)
class EndSession(Command):
    reason: str = "completed"


class Rejected(Exception):
    """A command that does not fit the current state; the message says why."""


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


def decide(state: SessionState, cmd: Command, ctx: Context) -> Decided:
    """The events a command causes, or :class:`Rejected`."""
    a = cmd.actor
    if isinstance(cmd, Safety):
        out: Decided = [(a, ev.SafetyAction(cmd.action, cmd.reason))]
        if cmd.action == "stop" and state.running:
            out.append((a, ev.SessionEnded(f"stopped: {cmd.reason}" if cmd.reason else "stopped")))
        return out
    if state.status == "ended" and isinstance(cmd, AnswerQuestionnaire | AddNote):
        return _record_only(cmd)  # the post-session questionnaire and closing notes
    if not state.running:
        raise Rejected(
            "the session has ended" if state.status == "ended" else "the session has not started"
        )
    h = state.hierarchy
    assert h is not None
    if isinstance(cmd, ClientStop):
        return [
            (a, ev.ClientStopRequested()),
            (a, ev.SafetyAction("pause", "the client asked to stop")),
        ]
    if isinstance(cmd, StepUp | StepDown | GoToStep):
        if isinstance(cmd, StepUp):
            target, reason = state.step_index + 1, "step_up"
            if target >= len(h.steps):
                raise Rejected("cannot step up: already at the top of the hierarchy")
        elif isinstance(cmd, StepDown):
            target, reason = state.step_index - 1, "step_down"
            if target < 0:
                raise Rejected("cannot step down: already at the first step")
        else:
            target, reason = cmd.index, "therapist"
            if not 0 <= target < len(h.steps):
                raise Rejected(f"no step {target + 1}: the hierarchy has {len(h.steps)} steps")
        out = []
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
    if isinstance(cmd, SetIntensity):
        if not 0 <= cmd.intensity <= 100:
            raise Rejected(f"intensity must be between 0 and 100, got {cmd.intensity:g}")
        return [(a, ev.IntensityChanged(float(cmd.intensity)))]
    if isinstance(cmd, SetParameter):
        step = h.steps[state.step_index]
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
        return [(a, ev.ParameterChanged(cmd.name, value))]
    if isinstance(cmd, RecordSuds):
        scale = h.suds_scale
        if not 0 <= cmd.value <= scale:
            raise Rejected(f"SUDS must be between 0 and {scale}, got {cmd.value:g}")
        pending = state.pending("suds")
        prompt_id = cmd.prompt_id or (pending.prompt_id if pending else None)
        rated_for = pending.trigger if pending is not None else "unprompted"
        return [
            (
                a,
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
    if isinstance(cmd, AskNow):
        trigger: ev.PromptTrigger = "coach" if a == "coach" else "therapist"
        return [(a, ev.PromptIssued(ctx.new_id(), cmd.prompt, trigger))]
    if isinstance(cmd, RecordComfort):
        if not 0 <= cmd.value <= 20:
            raise Rejected(f"a comfort rating (Fast Motion Sickness) is 0–20, got {cmd.value:g}")
        pending = state.pending("comfort")
        return [
            (
                a,
                ev.ComfortRated(
                    float(cmd.value),
                    cmd.source,
                    state.step_index,
                    cmd.prompt_id or (pending.prompt_id if pending else None),
                ),
            )
        ]
    if isinstance(cmd, RecordExpectancy):
        if not 0 <= cmd.likelihood <= 100:
            raise Rejected(f"a likelihood is 0–100 %, got {cmd.likelihood:g}")
        if cmd.phase == "after" and state.current_expectancy.before is None:
            raise Rejected("record the expectancy before the trial first")
        step = h.steps[state.step_index]
        feared = cmd.feared_outcome or (
            step.expectancy.feared_outcome
            if step.expectancy
            else state.current_expectancy.feared_outcome
        )
        pending = state.pending(f"expectancy_{cmd.phase}")
        return [
            (
                a,
                ev.ExpectancyRecorded(
                    cmd.phase,
                    feared,
                    float(cmd.likelihood),
                    state.step_index,
                    cmd.prompt_id or (pending.prompt_id if pending else None),
                ),
            )
        ]
    if isinstance(cmd, AcceptProposal | DeclineProposal):
        p = state.proposal
        if p is None or p.proposal_id != cmd.proposal_id:
            raise Rejected("that proposal is no longer open (it was decided or withdrawn)")
        if isinstance(cmd, DeclineProposal):
            return [(a, ev.ProgressionDecided(p.proposal_id, "declined", cmd.note))]
        out = [(a, ev.ProgressionDecided(p.proposal_id, "accepted"))]
        out.extend(apply_proposal(state, p.direction, p.target_step, a, ctx.library))
        return out
    if isinstance(cmd, SetAutoMode):
        return [(a, ev.AutoModeChanged(cmd.enabled))]
    if isinstance(cmd, AddNote | AnswerQuestionnaire):
        return _record_only(cmd)
    if isinstance(cmd, PartnerCommand):
        return [(a, ev.PartnerEvent(cmd.partner_id, cmd.event, dict(cmd.data)))]
    if isinstance(cmd, ReportLoadFailure):
        return [(a, ev.ScenarioLoadFailed(cmd.scenario, cmd.message))]
    if isinstance(cmd, ReportFrameTimes):
        return [(a, cmd.summary)]
    if isinstance(cmd, FireCue | SetSoundOutput):
        return _sound(state, cmd, ctx)
    if isinstance(cmd, EndSession):
        return [(a, ev.SessionEnded(cmd.reason))]
    raise Rejected(f"unknown command {type(cmd).__name__}")


def _record_only(cmd: AddNote | AnswerQuestionnaire) -> Decided:
    """Notes and questionnaires: recorded during the session and after it ends."""
    if isinstance(cmd, AddNote):
        text = cmd.text.strip()
        if not text:
            raise Rejected("a note needs some text")
        return [(cmd.actor, ev.NoteAdded(text))]
    if not cmd.questionnaire:
        raise Rejected("name the questionnaire")
    return [(cmd.actor, ev.QuestionnaireAnswered(cmd.questionnaire, dict(cmd.answers), cmd.when))]


def _sound(state: SessionState, cmd: FireCue | SetSoundOutput, ctx: Context) -> Decided:
    if isinstance(cmd, SetSoundOutput):
        volume = state.sound_volume if cmd.volume is None else cmd.volume
        if not 0 <= volume <= 1:
            raise Rejected(f"the volume is 0–1, got {volume:g}")
        muted = state.sound_muted if cmd.muted is None else cmd.muted
        return [(cmd.actor, ev.SoundOutputSet(float(volume), bool(muted)))]
    choices = [name for name, _ in cue_choices(state, ctx.library)]
    if cmd.cue not in choices:
        spec = heard_scenario(state, ctx.library)
        where = f"scenario '{spec.id}'" if spec else "this scene"
        offer = f"; its cues: {', '.join(choices)}" if choices else " (it has no sound cues)"
        raise Rejected(f"{where} has no sound cue '{cmd.cue}'{offer}")
    spec = heard_scenario(state, ctx.library)
    assert spec is not None
    return [(cmd.actor, ev.SoundCueFired(cmd.cue, spec.id, "therapist"))]


def apply_proposal(
    state: SessionState, direction: ev.Direction, target: int, actor: ev.Actor, library: Library
) -> Decided:
    if direction == "calm":
        return [(actor, ev.SafetyAction("calm_scene", "step-down proposal accepted"))]
    reason = {"up": "step_up", "down": "step_down", "variation": "variation"}[direction]
    return [*unanswered_on_leaving(state), (actor, step_entry(state, target, reason, library))]
