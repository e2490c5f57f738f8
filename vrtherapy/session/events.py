"""Session events: every change to a session or a client is one immutable event.

An event is an envelope (stream, sequence number, wall-clock time, session
time, actor, hash chain) around a typed payload. Payloads are frozen
dataclasses registered by their ``KIND`` so they round-trip through JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

# the vocabulary is defined once, in vocabulary.py; re-exported here for the payloads' users
from vrtherapy.session.vocabulary import Actor as Actor
from vrtherapy.session.vocabulary import CueTrigger as CueTrigger
from vrtherapy.session.vocabulary import Decision as Decision
from vrtherapy.session.vocabulary import Direction as Direction
from vrtherapy.session.vocabulary import ExpectancyPhase as ExpectancyPhase
from vrtherapy.session.vocabulary import FloorDirection as FloorDirection
from vrtherapy.session.vocabulary import PromptKind as PromptKind
from vrtherapy.session.vocabulary import PromptTrigger as PromptTrigger
from vrtherapy.session.vocabulary import RatingSource as RatingSource
from vrtherapy.session.vocabulary import RefusalCause as RefusalCause
from vrtherapy.session.vocabulary import SafetyKind as SafetyKind

_REGISTRY: dict[str, type[Payload]] = {}
P = TypeVar("P", bound="Payload")


@dataclass(frozen=True)
class Payload:
    """Base of all event payloads; subclasses set ``KIND``."""

    KIND: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            if cls.KIND in _REGISTRY:
                raise TypeError(f"duplicate event kind {cls.KIND}")
            _REGISTRY[cls.KIND] = cls

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = _plain(dataclasses.asdict(self))
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def payload_from(kind: str, data: dict[str, Any]) -> Payload:
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise ValueError(f"unknown event kind '{kind}'")
    names = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key in names:
            kwargs[key] = _tuplify(value)
    return cls(**kwargs)


def _tuplify(value: Any) -> Any:
    """JSON lists become tuples so that payloads stay immutable and hashable-ish."""
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


@dataclass(frozen=True)
class Event:
    """A stored event: the payload plus where and when it happened."""

    stream: str
    seq: int
    wall_time: float  # seconds since the epoch, UTC
    session_time: float  # seconds since the session started (0 for client streams)
    actor: Actor
    payload: Payload
    prev_hash: str = ""
    hash: str = ""

    @property
    def kind(self) -> str:
        return self.payload.KIND


@dataclass(frozen=True)
class NewEvent:
    """An event decided by the engine, not yet stored (no sequence number or hash)."""

    actor: Actor
    payload: Payload
    session_time: float


# --- session life cycle ------------------------------------------------------


@dataclass(frozen=True)
class SessionStarted(Payload):
    KIND: ClassVar[str] = "session_started"
    client_code: str
    hierarchy: dict[str, Any]  # the client's hierarchy at start (HierarchySpec as data)
    start_step: int
    previous_session: str | None = None


@dataclass(frozen=True)
class SessionEnded(Payload):
    KIND: ClassVar[str] = "session_ended"
    reason: str


@dataclass(frozen=True)
class SessionInterrupted(Payload):
    """The engine running the session stopped without ending it (a crash, a power cut).

    Recorded when the session is found again: ``last_event_at`` is the wall time of
    the last stored event, ``noticed_at`` when the interruption was noticed.
    """

    KIND: ClassVar[str] = "session_interrupted"
    last_event_at: float
    noticed_at: float
    station: str = ""  # the station that ran it, where known


@dataclass(frozen=True)
class SessionResumed(Payload):
    """An interrupted session goes on (paused, at the same step); ``gap`` in seconds."""

    KIND: ClassVar[str] = "session_resumed"
    gap: float
    station: str


@dataclass(frozen=True)
class SessionTakenOver(Payload):
    """A station took over a session another station was still running."""

    KIND: ClassVar[str] = "session_taken_over"
    from_station: str
    to_station: str
    reason: str = ""


@dataclass(frozen=True)
class SafetyAction(Payload):
    """Pause, blackout, calm scene, resume or stop; always accepted."""

    KIND: ClassVar[str] = "safety_action"
    action: SafetyKind
    reason: str = ""


@dataclass(frozen=True)
class ClientStopRequested(Payload):
    KIND: ClassVar[str] = "client_stop_requested"


@dataclass(frozen=True)
class ScenarioLoadFailed(Payload):
    KIND: ClassVar[str] = "scenario_load_failed"
    scenario: str
    message: str


@dataclass(frozen=True)
class FrameTimes(Payload):
    """How the client's display kept up over one period (a minute), measured by the renderer."""

    KIND: ClassVar[str] = "frame_times"
    period_s: float
    frames: int
    fps: float
    target_hz: float  # the display's refresh rate
    median_ms: float  # time to draw a frame
    p95_ms: float
    worst_ms: float
    late: int  # frames that took longer than one display period to draw
    dropped: int  # display refreshes that got no new frame


@dataclass(frozen=True)
class TrackingChunk(Payload):
    """A chunk of the client's tracked poses (head, hands, stimulus; see
    ``vrtherapy.session.tracking``), stored beside the log: ``sha256`` of its bytes puts
    them in the hash chain. ``start``/``end`` are the session times of its first and
    last sample, ``moments`` how many moments were sampled."""

    KIND: ClassVar[str] = "tracking_chunk"
    sha256: str
    size: int  # bytes stored
    start: float
    end: float
    moments: int
    tracks: tuple[str, ...] = ()


# --- hierarchy position and intensity -----------------------------------------


@dataclass(frozen=True)
class StepEntered(Payload):
    KIND: ClassVar[str] = "step_entered"
    index: int
    scenario: str
    level: str | None
    intensity: float
    reason: str  # start, step_up, step_down, variation, therapist, resume


@dataclass(frozen=True)
class IntensityChanged(Payload):
    KIND: ClassVar[str] = "intensity_changed"
    intensity: float


@dataclass(frozen=True)
class ParameterChanged(Payload):
    KIND: ClassVar[str] = "parameter_changed"
    name: str
    value: float | bool | str | None  # None clears a direct setting


@dataclass(frozen=True)
class AutoModeChanged(Payload):
    KIND: ClassVar[str] = "auto_mode_changed"
    enabled: bool


# --- ratings -----------------------------------------------------------------


@dataclass(frozen=True)
class PromptIssued(Payload):
    KIND: ClassVar[str] = "prompt_issued"
    prompt_id: str
    prompt: PromptKind
    trigger: PromptTrigger


@dataclass(frozen=True)
class PromptTimedOut(Payload):
    KIND: ClassVar[str] = "prompt_timed_out"
    prompt_id: str
    prompt: PromptKind


@dataclass(frozen=True)
class SudsRated(Payload):
    KIND: ClassVar[str] = "suds_rated"
    value: float
    scale: int  # 10 or 100
    normalised: float  # 0..100
    source: RatingSource
    trigger: str  # the prompt's trigger, or 'unprompted'
    step_index: int
    intensity: float
    parameters: dict[str, float | bool | str] = field(default_factory=dict)
    prompt_id: str | None = None


@dataclass(frozen=True)
class ComfortRated(Payload):
    """Fast Motion Sickness scale, 0 (none) to 20 (frank sickness)."""

    KIND: ClassVar[str] = "comfort_rated"
    value: float
    source: RatingSource
    step_index: int
    prompt_id: str | None = None


@dataclass(frozen=True)
class ExpectancyRecorded(Payload):
    KIND: ClassVar[str] = "expectancy_recorded"
    phase: ExpectancyPhase
    feared_outcome: str
    likelihood: float  # 0..100 %
    step_index: int
    prompt_id: str | None = None


# --- progression ---------------------------------------------------------------


@dataclass(frozen=True)
class ProgressionProposed(Payload):
    KIND: ClassVar[str] = "progression_proposed"
    proposal_id: str
    direction: Direction
    from_step: int
    target_step: int
    rule: str
    reason: str
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ProgressionDecided(Payload):
    KIND: ClassVar[str] = "progression_decided"
    proposal_id: str
    decision: Decision
    note: str = ""


# --- everything else -------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnaireAnswered(Payload):
    KIND: ClassVar[str] = "questionnaire_answered"
    questionnaire: str  # e.g. 'ssq', 'ssq_post'
    answers: dict[str, float]
    when: str = ""  # 'baseline', 'post', ...


@dataclass(frozen=True)
class NoteAdded(Payload):
    KIND: ClassVar[str] = "note_added"
    text: str


@dataclass(frozen=True)
class PartnerEvent(Payload):
    """Room for the dialogue system: a partner said a line, changed attitude, …"""

    KIND: ClassVar[str] = "partner_event"
    partner_id: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SoundCueFired(Payload):
    """A named one-shot sound of the scene was played (console, timer or level)."""

    KIND: ClassVar[str] = "sound_cue_fired"
    cue: str
    scenario: str
    trigger: CueTrigger = "therapist"


@dataclass(frozen=True)
class SoundOutputSet(Payload):
    """The therapist set the client's master volume or muted the sound."""

    KIND: ClassVar[str] = "sound_output_set"
    volume: float
    muted: bool


@dataclass(frozen=True)
class VoiceRecordingSet(Payload):
    """The therapist turned recording of the client's voice on or off (off by default:
    no audio is stored unless the therapist turns this on)."""

    KIND: ClassVar[str] = "voice_recording_set"
    on: bool


@dataclass(frozen=True)
class ClientAudioStored(Payload):
    """A recording of the client's voice was stored beside the record; its hash is here,
    so the file verifies like the events do."""

    KIND: ClassVar[str] = "client_audio_stored"
    file: str  # relative to the session's recordings folder
    sha256: str
    seconds: float
    started: float  # session time the recording began


@dataclass(frozen=True)
class ElevatorFloorRequested(Payload):
    """The elevator was sent to a floor: by the client (one stop up or down: keys,
    controller) or by the therapist (a chosen floor, or the floor slider). The floor
    parameter takes the new value and the car rides there. ``from_floor`` is where the
    car was (a fraction, to a hundredth, while it rode between floors)."""

    KIND: ClassVar[str] = "elevator_floor_requested"
    parameter: str  # the number parameter that drives the car
    from_floor: float
    to_floor: float
    by: Actor  # who asked


@dataclass(frozen=True)
class ElevatorRequestRefused(Payload):
    """The client's request for another floor was refused (controls locked by the
    therapist, already at the top or bottom, the scene paused), and why."""

    KIND: ClassVar[str] = "elevator_request_refused"
    parameter: str
    from_floor: float
    direction: FloorDirection
    by: Actor
    reason: str
    cause: RefusalCause = ""  # the reason as a code: the headset's wording follows it


@dataclass(frozen=True)
class ElevatorLockSet(Payload):
    """The therapist locked (or unlocked) the client's elevator controls."""

    KIND: ClassVar[str] = "elevator_lock_set"
    locked: bool


# --- client streams ----------------------------------------------------------------


@dataclass(frozen=True)
class ClientCreated(Payload):
    KIND: ClassVar[str] = "client_created"
    code: str


@dataclass(frozen=True)
class HierarchyAssigned(Payload):
    """The client's hierarchy was set (from a template, or edited): the full result."""

    KIND: ClassVar[str] = "hierarchy_assigned"
    hierarchy: dict[str, Any]
    source: str  # 'template:<id>' or a description of the edit
