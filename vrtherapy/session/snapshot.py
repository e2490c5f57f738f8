"""An immutable, cheap view of a session for the renderer and the console.

Safety comes first: a reader that looks at nothing else still knows whether the
client must see a blackout, the calm scene or a paused scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vrtherapy.authoring import Library
from vrtherapy.authoring.intensity import ParameterError, parameter_values
from vrtherapy.session.commands import current_elevator, current_parameters, step_intensity
from vrtherapy.session.conversation import ConversationView, Scene
from vrtherapy.session.conversation import view as conversation_view
from vrtherapy.session.sound import cue_choices, heard_scenario
from vrtherapy.session.state import ElevatorReply, SessionState
from vrtherapy.session.vocabulary import PromptKind, SafetyState

if TYPE_CHECKING:  # numpy: not for every command that reads a snapshot
    from vrtherapy.session.tracking.measures import Behaviour


@dataclass(frozen=True)
class PromptView:
    prompt_id: str
    kind: PromptKind
    trigger: str
    issued_at: float


@dataclass(frozen=True)
class ProposalView:
    proposal_id: str
    direction: str
    from_step: int
    target_step: int
    rule: str
    reason: str
    numbers: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class FrameRate:
    """How the client's display keeps up, over the last few seconds (not recorded)."""

    fps: float
    target_hz: float  # the display's refresh rate
    median_ms: float  # time to draw a frame
    worst_ms: float
    late: int  # frames that took longer than one display period to draw
    dropped: int  # display refreshes that got no new frame
    window_s: float

    @property
    def below_target(self) -> bool:
        return self.fps < 0.95 * self.target_hz


@dataclass(frozen=True)
class ElevatorView:
    """The current scenario's elevator: the floor the car is sent to (it rides there),
    its stops, whether the client's controls are locked, and the client's latest refused
    request on this step (empty if none)."""

    parameter: str
    label: str
    floor: float
    stops: tuple[float, ...]
    locked: bool
    available: bool  # the car stops at floors at the current settings
    refused: str = ""
    refused_at: float | None = None
    reply: ElevatorReply | None = None  # what the client's latest button did (the headset)


@dataclass(frozen=True)
class Snapshot:
    safety: SafetyState
    safety_reason: str
    status: str  # not_started, running, ended
    session_id: str
    client_code: str
    calm_scene: str
    step_index: int
    step_count: int
    step_title: str
    scenario: str
    level: str | None
    anticipated_suds: float
    intensity: float
    parameters: tuple[tuple[str, float | bool | str], ...]
    overrides: tuple[tuple[str, float | bool | str], ...]
    suds_scale: int
    comfort_enabled: bool
    prompts: tuple[PromptView, ...]
    proposal: ProposalView | None
    auto_mode: bool
    session_time: float
    time_on_step: float
    since_last_rating: float | None
    last_suds: float | None
    ratings_on_step: int
    load_error: str
    partners: tuple[tuple[str, tuple[tuple[str, object], ...]], ...]
    last_seq: int
    # the scenes of the steps just above and below, for the renderer to build ahead
    upcoming: tuple[tuple[str, tuple[tuple[str, float | bool | str], ...]], ...] = ()
    frame_rate: FrameRate | None = None  # the display's, measured live by the renderer
    # the current trial's behaviour measures from the client's tracked head (not recorded:
    # the record holds the poses; see vrtherapy.session.tracking.measures)
    behaviour: Behaviour | None = None
    # sound: the client's master volume and mute, the heard scene's cues (name, label),
    # and the latest cues fired (event seq, cue name, session time), each played once
    sound_volume: float = 1.0
    sound_muted: bool = False
    voice_recording: bool = False
    cues: tuple[tuple[str, str], ...] = ()
    cues_fired: tuple[tuple[int, str, float], ...] = ()
    # the record's health, for the therapist: safety actions shown to the client but not
    # yet stored (a store outage), and why, if the record needs attention
    unstored_actions: int = 0
    record_status: str = ""
    # virtual partners: each partner's node, line, choices and triggers; transcript, scores
    conversation: ConversationView = field(default_factory=ConversationView)
    # when the record last changed, and when the latest safety action was taken (session
    # time): the renderer starts fades and holds a paused scene at these record times, so
    # that a replay of the record draws the same frames (reports/replay.py)
    changed_at: float = 0.0
    safety_since: float = 0.0
    elevator: ElevatorView | None = None  # the scenario has a ride with stops


def _elevator_view(state: SessionState, library: Library) -> ElevatorView | None:
    found = current_elevator(state, library)
    if found is None:
        return None
    lift, values = found
    refusal = state.elevator_refused
    floor = float(values[lift.parameter])
    return ElevatorView(
        lift.parameter,
        lift.label,
        floor,
        lift.stops,
        state.elevator_locked,
        lift.shown(values),
        refusal[1] if refusal else "",
        refusal[0] if refusal else None,
        state.elevator_reply,
    )


def make_snapshot(state: SessionState, library: Library, now: float) -> Snapshot:
    h = state.hierarchy
    step = h.steps[state.step_index] if h is not None and h.steps else None
    scenario = library.scenarios.get(step.scenario) if step else None
    last = state.ratings[-1] if state.ratings else None
    p = state.proposal
    return Snapshot(
        safety=state.safety,
        safety_reason=state.safety_reason,
        status=state.status,
        session_id=state.session_id,
        client_code=state.client_code,
        calm_scene=(scenario.calm_scene if scenario and scenario.calm_scene else "calm.room"),
        step_index=state.step_index,
        step_count=state.step_count,
        step_title=(step.title or (scenario.title if scenario else step.scenario) if step else ""),
        scenario=step.scenario if step else "",
        level=step.level if step else None,
        anticipated_suds=step.anticipated_suds if step else 0.0,
        intensity=state.intensity,
        parameters=tuple(sorted(current_parameters(state, library).items())),
        overrides=state.overrides,
        suds_scale=h.suds_scale if h else 100,
        comfort_enabled=h.prompts.comfort_enabled if h else False,
        prompts=tuple(
            PromptView(x.prompt_id, x.kind, x.trigger, x.issued_at) for x in state.prompts
        ),
        proposal=(
            ProposalView(
                p.proposal_id, p.direction, p.from_step, p.target_step, p.rule, p.reason, p.numbers
            )
            if p
            else None
        ),
        auto_mode=state.auto_mode,
        session_time=now,
        time_on_step=max(0.0, now - state.step_entered_at),
        since_last_rating=(now - last.time) if last else None,
        last_suds=last.value if last else None,
        ratings_on_step=len(state.step_ratings),
        load_error=state.load_error,
        partners=state.partners,
        last_seq=state.last_seq,
        upcoming=_upcoming(state, library),
        sound_volume=state.sound_volume,
        sound_muted=state.sound_muted,
        voice_recording=state.voice_recording,
        cues=cue_choices(state, library),
        cues_fired=tuple((f.seq, f.cue, f.time) for f in state.cues_fired),
        conversation=conversation_view(
            state.conversation,
            Scene(heard_scenario(state, library), library, state.session_id, now),
        ),
        changed_at=state.session_time,
        safety_since=state.safety_since,
        elevator=_elevator_view(state, library),
    )


def _upcoming(
    state: SessionState, library: Library
) -> tuple[tuple[str, tuple[tuple[str, float | bool | str], ...]], ...]:
    h = state.hierarchy
    if h is None or not state.running:
        return ()
    out = []
    for i in (state.step_index + 1, state.step_index - 1):
        if not 0 <= i < len(h.steps):
            continue
        step = h.steps[i]
        spec = library.scenarios.get(step.scenario)
        if spec is None:
            continue
        try:
            level = step_intensity(library, step.scenario, step.level, step.intensity)
            values = parameter_values(spec, level)
        except ParameterError:
            continue
        out.append((step.scenario, tuple(sorted(values.items()))))
    return tuple(out)
