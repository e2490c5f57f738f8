"""What a therapist wants to see when a session ends: duration, steps reached,
peak and end SUDS on every visit to a step, comfort and questionnaires."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vrtherapy.authoring.questionnaires import QuestionnaireError, score_ssq
from vrtherapy.session import events as ev


@dataclass(frozen=True)
class StepVisit:
    step_index: int
    scenario: str
    level: str | None
    entered_at: float
    left_at: float
    ratings: int
    peak_suds: float | None  # normalised 0–100
    end_suds: float | None

    @property
    def minutes(self) -> float:
        return (self.left_at - self.entered_at) / 60

    @property
    def habituation_percent(self) -> float | None:
        """Peak → end drop within the visit (within-session habituation)."""
        if self.peak_suds is None or self.end_suds is None or self.peak_suds == 0:
            return None
        return round(100 * (self.peak_suds - self.end_suds) / self.peak_suds, 1)


@dataclass(frozen=True)
class Summary:
    session_id: str
    client_code: str
    hierarchy_title: str
    step_count: int
    duration_min: float
    highest_step: int
    visits: tuple[StepVisit, ...]
    proposals: int
    accepted: int
    declined: int
    safety_actions: tuple[tuple[float, str, str], ...]
    max_comfort: float | None
    ssq: tuple[tuple[str, float], ...]  # ('baseline total', 7.48), …
    end_reason: str

    def to_data(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "client_code": self.client_code,
            "hierarchy_title": self.hierarchy_title,
            "step_count": self.step_count,
            "duration_min": round(self.duration_min, 1),
            "highest_step": self.highest_step,
            "visits": [
                {
                    "step": v.step_index + 1,
                    "scenario": v.scenario,
                    "level": v.level,
                    "minutes": round(v.minutes, 1),
                    "ratings": v.ratings,
                    "peak_suds": v.peak_suds,
                    "end_suds": v.end_suds,
                    "habituation_percent": v.habituation_percent,
                }
                for v in self.visits
            ],
            "proposals": self.proposals,
            "accepted": self.accepted,
            "declined": self.declined,
            "safety_actions": [list(a) for a in self.safety_actions],
            "max_comfort": self.max_comfort,
            "ssq": dict(self.ssq),
            "end_reason": self.end_reason,
        }


def summarise(events: Iterable[ev.Event]) -> Summary:
    session_id = client = title = end_reason = ""
    step_count = 0
    visits: list[StepVisit] = []
    current: dict[str, Any] | None = None
    last_time = 0.0
    proposals = accepted = declined = 0
    safety: list[tuple[float, str, str]] = []
    comfort: list[float] = []
    ssq: list[tuple[str, float]] = []

    def close(at: float) -> None:
        if current is not None:
            r = current["ratings"]
            visits.append(
                StepVisit(
                    current["index"],
                    current["scenario"],
                    current["level"],
                    current["at"],
                    at,
                    len(r),
                    max(r) if r else None,
                    r[-1] if r else None,
                )
            )

    for e in events:
        p = e.payload
        last_time = e.session_time
        if isinstance(p, ev.SessionStarted):
            session_id, client = e.stream, p.client_code
            title = str(p.hierarchy.get("title", ""))
            step_count = len(p.hierarchy.get("steps", []))
        elif isinstance(p, ev.StepEntered):
            close(e.session_time)
            current = {
                "index": p.index,
                "scenario": p.scenario,
                "level": p.level,
                "at": e.session_time,
                "ratings": [],
            }
        elif isinstance(p, ev.SudsRated) and current is not None:
            current["ratings"].append(p.normalised)
        elif isinstance(p, ev.ProgressionProposed):
            proposals += 1
        elif isinstance(p, ev.ProgressionDecided):
            accepted += p.decision == "accepted"
            declined += p.decision == "declined"
        elif isinstance(p, ev.SafetyAction):
            safety.append((round(e.session_time, 1), p.action, p.reason))
        elif isinstance(p, ev.ComfortRated):
            comfort.append(p.value)
        elif isinstance(p, ev.QuestionnaireAnswered) and p.questionnaire == "ssq":
            with contextlib.suppress(QuestionnaireError):
                ssq.append((f"{p.when or 'ssq'} total", score_ssq(p.answers).total))
        elif isinstance(p, ev.SessionEnded):
            end_reason = p.reason
    close(last_time)
    return Summary(
        session_id,
        client,
        title,
        step_count,
        last_time / 60,
        max((v.step_index for v in visits), default=0) + 1 if visits else 0,
        tuple(visits),
        proposals,
        accepted,
        declined,
        tuple(safety),
        max(comfort) if comfort else None,
        tuple(ssq),
        end_reason,
    )
