"""Session state as a pure fold over its events.

``replay(events)`` rebuilds exactly the state the engine had; nothing here
reads a clock, a file or a random generator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from vrtherapy.authoring.elevator import Ride
from vrtherapy.authoring.hierarchy import HierarchySpec
from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev
from vrtherapy.session.vocabulary import SafetyState as SafetyState

Status = Literal["not_started", "running", "ended"]
CUES_KEPT = 16  # fired cues kept in the state (the audio needs only the newest)


@dataclass(frozen=True)
class Rating:
    """One SUDS rating, normalised to 0–100, as the policies see it."""

    time: float  # session time, s
    value: float  # raw value on its scale
    normalised: float  # 0..100
    step_index: int
    source: str


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    kind: ev.PromptKind
    trigger: ev.PromptTrigger
    issued_at: float


@dataclass(frozen=True)
class Proposal:
    proposal_id: str
    direction: ev.Direction
    from_step: int
    target_step: int
    rule: str
    reason: str
    numbers: tuple[tuple[str, float], ...]
    proposed_at: float


@dataclass(frozen=True)
class Expectancy:
    before: float | None = None
    after: float | None = None  # the latest re-test
    feared_outcome: str = ""
    trials: int = 0  # re-tests after a trial on this step entry


@dataclass(frozen=True)
class CueFiring:
    """A sound cue that was fired: its event's seq (the audio plays each seq once)."""

    seq: int
    cue: str
    trigger: str
    time: float
    step_entry: int  # state.step_entries when it was fired


@dataclass(frozen=True)
class ElevatorReply:
    """What the client's latest elevator request on this step did, for the headset's
    short notice: the car set off (``outcome`` "up" or "down", ``floor`` where it goes)
    or the request was refused (``outcome`` the refusal's cause, ``floor`` where the car
    stands)."""

    at: float  # session time of the request
    outcome: str  # "up", "down", or a :data:`ev.RefusalCause`
    floor: float


@dataclass(frozen=True)
class SessionState:
    session_id: str = ""
    client_code: str = ""
    hierarchy: HierarchySpec | None = None
    status: Status = "not_started"
    end_reason: str = ""
    safety: SafetyState = "none"
    safety_reason: str = ""
    safety_since: float = 0.0  # session time of the latest safety action
    step_index: int = 0
    step_entered_at: float = 0.0
    step_entries: int = 0  # how many times any step was entered
    intensity: float = 0.0
    overrides: tuple[tuple[str, float | bool | str], ...] = ()
    auto_mode: bool = False
    ratings: tuple[Rating, ...] = ()
    comfort: tuple[tuple[float, float, int], ...] = ()  # (time, value, step)
    prompts: tuple[Prompt, ...] = ()  # pending
    last_prompt_at: dict[str, float] = field(default_factory=dict)
    timed_out_prompts: int = 0
    expectancy: tuple[tuple[int, Expectancy], ...] = ()  # by step entry number
    proposal: Proposal | None = None
    last_decision_at: float | None = None
    last_decision: str = ""
    proposals_made: int = 0
    stop_requested_at: float | None = None
    load_error: str = ""
    notes: tuple[tuple[float, str], ...] = ()
    questionnaires: tuple[tuple[str, str], ...] = ()  # (questionnaire, when)
    partners: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()
    sound_volume: float = 1.0
    sound_muted: bool = False
    voice_recording: bool = False  # the client's voice is recorded (the therapist's choice)
    cues_fired: tuple[CueFiring, ...] = ()  # the latest, oldest first
    conversation: conv.ConversationState = field(default_factory=conv.ConversationState)
    last_seq: int = 0
    session_time: float = 0.0
    started_wall: float = 0.0
    interruptions: int = 0  # times the engine running it stopped without ending it
    elevator_locked: bool = False  # the therapist locked the client's elevator controls
    # the client's latest refused elevator request on this step: (session time, reason)
    elevator_refused: tuple[float, str] | None = None
    elevator_reply: ElevatorReply | None = None  # what the client's latest button did
    # the car's latest rides on this step, oldest first: where it is now follows from them
    elevator_rides: tuple[Ride, ...] = ()

    # -- derived views -----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def step_count(self) -> int:
        return len(self.hierarchy.steps) if self.hierarchy else 0

    @property
    def step_ratings(self) -> tuple[Rating, ...]:
        """Ratings since the current step was last entered."""
        return tuple(
            r
            for r in self.ratings
            if r.step_index == self.step_index and r.time >= self.step_entered_at
        )

    @property
    def last_rating_at(self) -> float | None:
        return self.ratings[-1].time if self.ratings else None

    @property
    def current_expectancy(self) -> Expectancy:
        for entry, e in self.expectancy:
            if entry == self.step_entries:
                return e
        return Expectancy()

    def pending(self, kind: str) -> Prompt | None:
        return next((p for p in self.prompts if p.kind == kind), None)


P = TypeVar("P", bound=ev.Payload)
Reducer = Callable[[SessionState, Any, ev.Event], SessionState]
_REDUCERS: dict[type[ev.Payload], Reducer] = {}
r = dataclasses.replace


def _reduces(kind: type[P]) -> Callable[[Callable[[SessionState, P, ev.Event], SessionState]], Any]:
    """Register how one kind of event changes the state (one table, no isinstance chain)."""

    def register(fn: Callable[[SessionState, P, ev.Event], SessionState]) -> Any:
        _REDUCERS[kind] = fn
        return fn

    return register


def apply(state: SessionState, event: ev.Event) -> SessionState:
    """The state after one more event."""
    s = r(state, last_seq=event.seq, session_time=event.session_time)
    if type(event.payload) in conv.FOLDED:  # virtual partners (session/conversation)
        s = r(s, conversation=conv.fold(s.conversation, event))
    reducer = _REDUCERS.get(type(event.payload))
    return reducer(s, event.payload, event) if reducer is not None else s


@_reduces(ev.SessionStarted)
def _started(s: SessionState, p: ev.SessionStarted, e: ev.Event) -> SessionState:
    return r(
        s,
        session_id=e.stream,
        client_code=p.client_code,
        hierarchy=HierarchySpec.model_validate(p.hierarchy),
        status="running",
        step_index=p.start_step,
        auto_mode=False,
        started_wall=e.wall_time,
    )


@_reduces(ev.SessionEnded)
def _ended(s: SessionState, p: ev.SessionEnded, e: ev.Event) -> SessionState:
    return r(s, status="ended", end_reason=p.reason, prompts=(), proposal=None)


@_reduces(ev.SessionInterrupted)
def _interrupted(s: SessionState, p: ev.SessionInterrupted, e: ev.Event) -> SessionState:
    return r(s, interruptions=s.interruptions + 1)


_SAFETY_STATE: dict[ev.SafetyKind, SafetyState] = {
    "resume": "none",
    "stop": "blackout",
    "pause": "paused",
    "blackout": "blackout",
    "calm_scene": "calm_scene",
}


@_reduces(ev.SafetyAction)
def _safety(s: SessionState, p: ev.SafetyAction, e: ev.Event) -> SessionState:
    reason = "" if p.action == "resume" else p.reason
    if p.action == "stop":
        reason = p.reason or "stopped"
    state = _SAFETY_STATE[p.action]
    return r(
        s,
        safety=state,
        safety_reason=reason,
        safety_since=e.session_time,
        elevator_rides=_rides_after_safety(s, state, e.session_time),
    )


def _rides_after_safety(s: SessionState, state: SafetyState, t: float) -> tuple[Ride, ...]:
    """The client's view holds a ride still while paused and goes on from there on resume
    (so the rides start later by the pause); a blackout or the calm scene takes the car
    out of view, and it is at its floor when the scene comes back."""
    if state in ("blackout", "calm_scene"):
        return ()
    if s.safety == "paused" and state == "none":
        held = t - s.safety_since
        return tuple(dataclasses.replace(x, started=x.started + held) for x in s.elevator_rides)
    return s.elevator_rides


@_reduces(ev.SoundCueFired)
def _cue_fired(s: SessionState, p: ev.SoundCueFired, e: ev.Event) -> SessionState:
    firing = CueFiring(e.seq, p.cue, p.trigger, e.session_time, s.step_entries)
    return r(s, cues_fired=(*s.cues_fired, firing)[-CUES_KEPT:])


@_reduces(ev.SoundOutputSet)
def _sound_output(s: SessionState, p: ev.SoundOutputSet, e: ev.Event) -> SessionState:
    return r(s, sound_volume=p.volume, sound_muted=p.muted)


@_reduces(ev.VoiceRecordingSet)
def _voice_recording(s: SessionState, p: ev.VoiceRecordingSet, e: ev.Event) -> SessionState:
    return r(s, voice_recording=p.on)


@_reduces(ev.ClientStopRequested)
def _client_stop(s: SessionState, p: ev.ClientStopRequested, e: ev.Event) -> SessionState:
    return r(s, stop_requested_at=e.session_time)


@_reduces(ev.ScenarioLoadFailed)
def _load_failed(s: SessionState, p: ev.ScenarioLoadFailed, e: ev.Event) -> SessionState:
    return r(s, load_error=f"{p.scenario}: {p.message}")


@_reduces(ev.StepEntered)
def _step_entered(s: SessionState, p: ev.StepEntered, e: ev.Event) -> SessionState:
    return r(
        s,
        step_index=p.index,
        step_entered_at=e.session_time,
        step_entries=s.step_entries + 1,
        intensity=p.intensity,
        overrides=(),
        prompts=tuple(x for x in s.prompts if x.kind == "comfort"),
        stop_requested_at=None,
        load_error="",
        elevator_refused=None,
        elevator_reply=None,
        elevator_rides=(),
    )


@_reduces(ev.IntensityChanged)
def _intensity(s: SessionState, p: ev.IntensityChanged, e: ev.Event) -> SessionState:
    return r(s, intensity=p.intensity)


@_reduces(ev.ParameterChanged)
def _parameter(s: SessionState, p: ev.ParameterChanged, e: ev.Event) -> SessionState:
    rest = tuple((k, v) for k, v in s.overrides if k != p.name)
    return r(s, overrides=rest if p.value is None else (*rest, (p.name, p.value)))


@_reduces(ev.ElevatorFloorRequested)
def _elevator_sent(s: SessionState, p: ev.ElevatorFloorRequested, e: ev.Event) -> SessionState:
    """The floor parameter takes the requested floor, as if set directly."""
    rest = tuple((k, v) for k, v in s.overrides if k != p.parameter)
    reply = None  # the therapist's send answers no button of the client's
    if p.by == "client":
        way = "up" if p.to_floor > p.from_floor else "down"
        reply = ElevatorReply(e.session_time, way, p.to_floor)
    rides = (
        *s.elevator_rides[-(_RIDES_KEPT - 1) :],
        Ride(p.from_floor, p.to_floor, e.session_time),
    )
    return r(
        s,
        overrides=(*rest, (p.parameter, p.to_floor)),
        elevator_refused=None,
        elevator_reply=reply,
        elevator_rides=rides,
    )


_RIDES_KEPT = 16  # enough to know where the car is: older rides ended long before


@_reduces(ev.ElevatorRequestRefused)
def _elevator_refused(s: SessionState, p: ev.ElevatorRequestRefused, e: ev.Event) -> SessionState:
    reply = ElevatorReply(e.session_time, p.cause, p.from_floor)
    return r(s, elevator_refused=(e.session_time, p.reason), elevator_reply=reply)


@_reduces(ev.ElevatorLockSet)
def _elevator_lock(s: SessionState, p: ev.ElevatorLockSet, e: ev.Event) -> SessionState:
    return r(s, elevator_locked=p.locked)


@_reduces(ev.AutoModeChanged)
def _auto_mode(s: SessionState, p: ev.AutoModeChanged, e: ev.Event) -> SessionState:
    return r(s, auto_mode=p.enabled)


@_reduces(ev.PromptIssued)
def _prompt_issued(s: SessionState, p: ev.PromptIssued, e: ev.Event) -> SessionState:
    t = e.session_time
    prompt = Prompt(p.prompt_id, p.prompt, p.trigger, t)
    others = tuple(x for x in s.prompts if x.kind != p.prompt)
    return r(s, prompts=(*others, prompt), last_prompt_at={**s.last_prompt_at, p.prompt: t})


@_reduces(ev.PromptTimedOut)
def _prompt_timed_out(s: SessionState, p: ev.PromptTimedOut, e: ev.Event) -> SessionState:
    return r(
        s,
        prompts=tuple(x for x in s.prompts if x.prompt_id != p.prompt_id),
        timed_out_prompts=s.timed_out_prompts + 1,
    )


@_reduces(ev.SudsRated)
def _suds(s: SessionState, p: ev.SudsRated, e: ev.Event) -> SessionState:
    rating = Rating(e.session_time, p.value, p.normalised, p.step_index, p.source)
    return r(s, ratings=(*s.ratings, rating), prompts=_answered(s, "suds", p.prompt_id))


@_reduces(ev.ComfortRated)
def _comfort(s: SessionState, p: ev.ComfortRated, e: ev.Event) -> SessionState:
    return r(
        s,
        comfort=(*s.comfort, (e.session_time, p.value, p.step_index)),
        prompts=_answered(s, "comfort", p.prompt_id),
    )


@_reduces(ev.ExpectancyRecorded)
def _expectancy(s: SessionState, p: ev.ExpectancyRecorded, e: ev.Event) -> SessionState:
    cur = s.current_expectancy
    new = (
        r(cur, before=p.likelihood, feared_outcome=p.feared_outcome)
        if p.phase == "before"
        else r(
            cur,
            after=p.likelihood,
            feared_outcome=p.feared_outcome or cur.feared_outcome,
            trials=cur.trials + 1,
        )
    )
    kept = tuple((k, v) for k, v in s.expectancy if k != s.step_entries)
    return r(
        s,
        expectancy=(*kept, (s.step_entries, new)),
        prompts=_answered(s, f"expectancy_{p.phase}", p.prompt_id),
    )


@_reduces(ev.ProgressionProposed)
def _proposed(s: SessionState, p: ev.ProgressionProposed, e: ev.Event) -> SessionState:
    proposal = Proposal(
        p.proposal_id,
        p.direction,
        p.from_step,
        p.target_step,
        p.rule,
        p.reason,
        tuple(sorted(p.numbers.items())),
        e.session_time,
    )
    return r(s, proposal=proposal, proposals_made=s.proposals_made + 1)


@_reduces(ev.ProgressionDecided)
def _decided(s: SessionState, p: ev.ProgressionDecided, e: ev.Event) -> SessionState:
    if s.proposal is None or s.proposal.proposal_id != p.proposal_id:
        return s
    return r(s, proposal=None, last_decision_at=e.session_time, last_decision=p.decision)


@_reduces(ev.NoteAdded)
def _note(s: SessionState, p: ev.NoteAdded, e: ev.Event) -> SessionState:
    return r(s, notes=(*s.notes, (e.session_time, p.text)))


@_reduces(ev.QuestionnaireAnswered)
def _questionnaire(s: SessionState, p: ev.QuestionnaireAnswered, e: ev.Event) -> SessionState:
    return r(s, questionnaires=(*s.questionnaires, (p.questionnaire, p.when)))


@_reduces(ev.PartnerEvent)
def _partner(s: SessionState, p: ev.PartnerEvent, e: ev.Event) -> SessionState:
    current = dict(s.partners)
    fields = dict(current.get(p.partner_id, ()))
    fields.update(p.data)
    fields["last_event"] = p.event
    current[p.partner_id] = tuple(sorted(fields.items()))
    return r(s, partners=tuple(sorted(current.items())))


def _answered(s: SessionState, kind: str, prompt_id: str | None) -> tuple[Prompt, ...]:
    """A rating answers the pending prompt of its kind (named or not)."""
    return tuple(
        x
        for x in s.prompts
        if not (x.kind == kind and (prompt_id is None or x.prompt_id == prompt_id))
    )


def replay(events: Iterable[ev.Event], initial: SessionState | None = None) -> SessionState:
    state = initial or SessionState()
    for e in events:
        state = apply(state, e)
    return state
