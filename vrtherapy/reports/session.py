"""A session's event log as the tables a report shows: pure functions, no IO.

An exposure trial is one visit to a hierarchy step: from its ``step_entered``
event to the next one, or to the end of the session. SUDS values are the
normalised 0–100 values the engine stores beside the raw answer. With the
session's tracked poses, each trial also carries its behaviour measures
(``vrtherapy.session.tracking.measures``) over the same window of session time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vrtherapy.authoring.questionnaire import QuestionnaireError, QuestionnaireScores
from vrtherapy.authoring.questionnaires import questionnaire, score_questionnaire
from vrtherapy.session import events as ev

if TYPE_CHECKING:  # numpy: only for a session with tracked poses
    from vrtherapy.session.tracking import TrackingSamples
    from vrtherapy.session.tracking.measures import Behaviour


class ReportError(ValueError):
    """The record cannot be reported on (not a session, empty, …); the message says why."""


@dataclass(frozen=True)
class Rating:
    time: float  # session seconds
    wall_time: float
    value: float  # as answered
    scale: int  # 10 or 100
    normalised: float  # 0–100
    source: str
    trigger: str
    step_index: int
    intensity: float
    trial: int  # 1-based number of the trial it belongs to


@dataclass(frozen=True)
class Comfort:
    """A Fast Motion Sickness rating, 0 (none) to 20 (frank sickness)."""

    time: float
    wall_time: float
    value: float
    source: str
    step_index: int
    prompted: bool


@dataclass(frozen=True)
class Trial:
    number: int  # 1-based, in order within the session
    step_index: int  # 0-based
    visit: int  # 1-based: the how-manieth visit to this step in this session
    scenario: str
    level: str | None
    intensity: float  # at entry
    intensity_end: float
    start: float  # session seconds
    end: float
    reason: str
    ratings: tuple[Rating, ...]
    expectancy_before: float | None  # likelihood %, the last one recorded for this trial
    expectancy_after: float | None
    feared_outcome: str
    behaviour: Behaviour | None = None  # from the tracked head; None: nothing was tracked

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60

    @property
    def first_suds(self) -> float | None:
        return self.ratings[0].normalised if self.ratings else None

    @property
    def peak_suds(self) -> float | None:
        return max(r.normalised for r in self.ratings) if self.ratings else None

    @property
    def end_suds(self) -> float | None:
        return self.ratings[-1].normalised if self.ratings else None

    @property
    def drop_percent(self) -> float | None:
        """Peak → end drop (within-session habituation); None without a non-zero peak."""
        peak, end = self.peak_suds, self.end_suds
        if peak is None or end is None or peak == 0:
            return None
        return 100 * (peak - end) / peak


@dataclass(frozen=True)
class Marker:
    time: float
    kind: str  # step, prompt, proposal, safety, stop_request, load_failure
    label: str


@dataclass(frozen=True)
class Proposal:
    time: float
    proposal_id: str
    direction: str
    from_step: int
    target_step: int
    rule: str
    reason: str
    decision: str | None  # None: never decided
    decided_at: float | None
    decided_by: str | None
    note: str


@dataclass(frozen=True)
class SafetyEvent:
    time: float
    action: str  # pause, blackout, calm_scene, resume, stop, stop_request, load_failure
    actor: str
    detail: str


@dataclass(frozen=True)
class ElevatorEntry:
    """A floor request (the client's or the therapist's), a refused client request, or
    the therapist locking or unlocking the client's elevator buttons."""

    time: float
    actor: str
    what: str  # e.g. 'floor 3 to 5', 'up from floor 49', 'buttons locked'
    refused: str = ""  # why a client's request was refused


@dataclass(frozen=True)
class AnsweredQuestionnaire:
    time: float
    wall_time: float
    key: str  # as recorded, e.g. 'ssq'
    when: str  # 'baseline', 'post', …
    title: str
    abbreviation: str
    answers: dict[str, float]
    scores: QuestionnaireScores | None
    problem: str | None  # why it could not be scored at all


@dataclass(frozen=True)
class Note:
    time: float
    text: str


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    scenario: str
    level: str | None
    intensity: float | None
    anticipated_suds: float
    title: str

    @property
    def label(self) -> str:
        where = self.level if self.level is not None else f"intensity {self.intensity:g}"
        return self.title or f"{self.scenario} ({where})"


@dataclass(frozen=True)
class Header:
    session_id: str
    client_code: str
    started_wall: float  # seconds since the epoch, UTC
    duration_s: float
    hierarchy_id: str
    hierarchy_title: str
    steps: tuple[Step, ...]
    suds_scale: int
    mode: str
    auto_at_start: bool
    auto_changes: tuple[tuple[float, bool], ...]
    suds_interval_min: float
    start_step: int
    end_reason: str
    previous_session: str | None

    @property
    def date(self) -> str:
        return dt.datetime.fromtimestamp(self.started_wall, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Section:
    """An extra table a caller adds to a report (e.g. behaviour measures), shown as given."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SessionReport:
    header: Header
    ratings: tuple[Rating, ...]
    comfort: tuple[Comfort, ...]
    trials: tuple[Trial, ...]
    markers: tuple[Marker, ...]
    proposals: tuple[Proposal, ...]
    safety: tuple[SafetyEvent, ...]
    questionnaires: tuple[AnsweredQuestionnaire, ...]
    notes: tuple[Note, ...]
    sections: tuple[Section, ...] = field(default=())
    # the behaviour measures over consecutive minutes (middle time, measures), for
    # the SUDS plot; empty when nothing was tracked
    behaviour_series: tuple[tuple[float, Behaviour], ...] = ()
    elevator: tuple[ElevatorEntry, ...] = ()  # rides asked for, refusals, locks

    @property
    def tracked(self) -> bool:
        """Whether the client's head was tracked (the report shows behaviour measures)."""
        return any(t.behaviour is not None and t.behaviour.moments for t in self.trials)

    @property
    def highest_step(self) -> int | None:
        """1-based number of the highest step visited; None before any step."""
        if not self.trials:
            return None
        return max(t.step_index for t in self.trials) + 1

    def ssq(self) -> list[AnsweredQuestionnaire]:
        return [q for q in self.questionnaires if q.key.split("_", 1)[0] == "ssq"]


@dataclass
class _TrialDraft:
    """A trial while its events are being read (mutable, private to this module)."""

    step_index: int
    visit: int
    scenario: str
    level: str | None
    intensity: float
    start: float
    reason: str
    intensity_end: float
    ratings: list[Rating] = field(default_factory=list)
    expectancy: dict[str, float] = field(default_factory=dict)  # phase → likelihood
    feared_outcome: str = ""

    def finish(self, number: int, end: float) -> Trial:
        return Trial(
            number,
            self.step_index,
            self.visit,
            self.scenario,
            self.level,
            self.intensity,
            self.intensity_end,
            self.start,
            end,
            self.reason,
            tuple(self.ratings),
            self.expectancy.get("before"),
            self.expectancy.get("after"),
            self.feared_outcome,
        )


def _steps(hierarchy: dict[str, Any]) -> tuple[Step, ...]:
    out = []
    for i, s in enumerate(hierarchy.get("steps", [])):
        out.append(
            Step(
                i + 1,
                str(s.get("scenario", "")),
                s.get("level"),
                s.get("intensity"),
                float(s.get("anticipated_suds", 0)),
                str(s.get("title") or ""),
            )
        )
    return tuple(out)


def _score(
    key: str, answers: dict[str, float]
) -> tuple[str, str, QuestionnaireScores | None, str | None]:
    try:
        spec = questionnaire(key)
    except KeyError as exc:
        return key, key, None, str(exc.args[0])
    try:
        return spec.title, spec.abbreviation, score_questionnaire(key, answers), None
    except QuestionnaireError as exc:
        return spec.title, spec.abbreviation, None, str(exc)


BEHAVIOUR_WINDOW_S = 60.0  # the SUDS plot's behaviour strip: one point per minute


def session_report(
    events: Iterable[ev.Event],
    sections: Sequence[Section] = (),
    samples: TrackingSamples | None = None,
) -> SessionReport:
    """Everything a session report shows, from the session's events in order (and its
    tracked poses, ``store.tracking(session)``, for the behaviour measures)."""
    evs = list(events)
    if not evs or not isinstance(evs[0].payload, ev.SessionStarted):
        raise ReportError("not a session record: it does not start with 'session_started'")
    first = evs[0]
    started = first.payload
    assert isinstance(started, ev.SessionStarted)
    hierarchy = started.hierarchy
    progression = hierarchy.get("progression", {}) or {}
    ended = next((e for e in evs if isinstance(e.payload, ev.SessionEnded)), None)
    end_time = ended.session_time if ended is not None else evs[-1].session_time
    end_reason = (
        ended.payload.reason
        if ended is not None and isinstance(ended.payload, ev.SessionEnded)
        else ""
    )

    ratings: list[Rating] = []
    comfort: list[Comfort] = []
    markers: list[Marker] = []
    proposals: dict[str, Proposal] = {}
    safety: list[SafetyEvent] = []
    answered: list[AnsweredQuestionnaire] = []
    notes: list[Note] = []
    elevator: list[ElevatorEntry] = []
    auto_changes: list[tuple[float, bool]] = []
    drafts: list[_TrialDraft] = []
    visits: dict[int, int] = {}

    for e in evs:
        p, t = e.payload, e.session_time
        current = drafts[-1] if drafts else None
        if isinstance(p, ev.StepEntered):
            visits[p.index] = visits.get(p.index, 0) + 1
            drafts.append(
                _TrialDraft(
                    p.index,
                    visits[p.index],
                    p.scenario,
                    p.level,
                    p.intensity,
                    t,
                    p.reason,
                    intensity_end=p.intensity,
                )
            )
            markers.append(Marker(t, "step", f"step {p.index + 1}"))
        elif isinstance(p, ev.IntensityChanged):
            if current is not None:
                current.intensity_end = p.intensity
        elif isinstance(p, ev.SudsRated):
            r = Rating(
                t,
                e.wall_time,
                p.value,
                p.scale,
                p.normalised,
                p.source,
                p.trigger,
                p.step_index,
                p.intensity,
                len(drafts),
            )
            ratings.append(r)
            if current is not None:
                current.ratings.append(r)
        elif isinstance(p, ev.ComfortRated):
            comfort.append(
                Comfort(t, e.wall_time, p.value, p.source, p.step_index, p.prompt_id is not None)
            )
        elif isinstance(p, ev.ExpectancyRecorded):
            # the trial it belongs to: the latest visit to the step it names
            target = next((d for d in reversed(drafts) if d.step_index == p.step_index), None)
            if target is not None:
                target.expectancy[p.phase] = p.likelihood
                target.feared_outcome = p.feared_outcome or target.feared_outcome
        elif isinstance(p, ev.PromptIssued):
            markers.append(Marker(t, "prompt", p.prompt.replace("_", " ")))
        elif isinstance(p, ev.ProgressionProposed):
            proposals[p.proposal_id] = Proposal(
                t,
                p.proposal_id,
                p.direction,
                p.from_step,
                p.target_step,
                p.rule,
                p.reason,
                None,
                None,
                None,
                "",
            )
            markers.append(Marker(t, "proposal", f"{p.direction} → step {p.target_step + 1}"))
        elif isinstance(p, ev.ProgressionDecided):
            if p.proposal_id in proposals:
                proposals[p.proposal_id] = dataclasses.replace(
                    proposals[p.proposal_id],
                    decision=p.decision,
                    decided_at=t,
                    decided_by=e.actor,
                    note=p.note,
                )
        elif isinstance(p, ev.SafetyAction):
            safety.append(SafetyEvent(t, p.action, e.actor, p.reason))
            markers.append(Marker(t, "safety", p.action.replace("_", " ")))
        elif isinstance(p, ev.ClientStopRequested):
            safety.append(SafetyEvent(t, "stop_request", e.actor, "the client asked to stop"))
            markers.append(Marker(t, "safety", "client stop request"))
        elif isinstance(p, ev.ScenarioLoadFailed):
            safety.append(SafetyEvent(t, "load_failure", e.actor, f"{p.scenario}: {p.message}"))
            markers.append(Marker(t, "safety", "scenario failed to load"))
        elif isinstance(p, ev.AutoModeChanged):
            auto_changes.append((t, p.enabled))
        elif isinstance(p, ev.QuestionnaireAnswered):
            title, abbreviation, scores, problem = _score(p.questionnaire, dict(p.answers))
            answered.append(
                AnsweredQuestionnaire(
                    t,
                    e.wall_time,
                    p.questionnaire,
                    p.when,
                    title,
                    abbreviation,
                    dict(p.answers),
                    scores,
                    problem,
                )
            )
        elif isinstance(p, ev.NoteAdded):
            notes.append(Note(t, p.text))
        elif isinstance(p, ev.ElevatorFloorRequested):
            what = f"floor {p.to_floor:g} (from {p.from_floor:g})"
            elevator.append(ElevatorEntry(t, p.by, what))
        elif isinstance(p, ev.ElevatorRequestRefused):
            what = f"{p.direction} from floor {p.from_floor:g}"
            elevator.append(ElevatorEntry(t, p.by, what, p.reason))
        elif isinstance(p, ev.ElevatorLockSet):
            what = f"client's buttons {'locked' if p.locked else 'unlocked'}"
            elevator.append(ElevatorEntry(t, e.actor, what))

    trials = [
        d.finish(n + 1, drafts[n + 1].start if n + 1 < len(drafts) else end_time)
        for n, d in enumerate(drafts)
    ]
    series: tuple[tuple[float, Behaviour], ...] = ()
    if samples is not None and samples.moments:
        from vrtherapy.session.tracking.measures import behaviour, share_series

        trials = [
            dataclasses.replace(t, behaviour=behaviour(samples, t.start, t.end)) for t in trials
        ]
        series = tuple(share_series(samples, 0.0, end_time, BEHAVIOUR_WINDOW_S))
    header = Header(
        session_id=first.stream,
        client_code=started.client_code,
        started_wall=first.wall_time,
        duration_s=end_time,
        hierarchy_id=str(hierarchy.get("id", "")),
        hierarchy_title=str(hierarchy.get("title", "")),
        steps=_steps(hierarchy),
        suds_scale=int(hierarchy.get("suds_scale", 100)),
        mode=str(progression.get("mode", "")),
        auto_at_start=bool(progression.get("auto", False)),
        auto_changes=tuple(auto_changes),
        suds_interval_min=float((hierarchy.get("prompts") or {}).get("suds_interval_min", 0)),
        start_step=started.start_step,
        end_reason=end_reason,
        previous_session=started.previous_session,
    )
    return SessionReport(
        header,
        tuple(ratings),
        tuple(comfort),
        tuple(trials),
        tuple(markers),
        tuple(proposals.values()),
        tuple(safety),
        tuple(answered),
        tuple(notes),
        tuple(sections),
        series,
        tuple(elevator),
    )
