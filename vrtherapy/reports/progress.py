"""Progress across a client's sessions: end SUDS per hierarchy item (between-session
habituation), the highest step reached, questionnaire scores over time, and the share
of time the client looked away from each item's stimulus (behaviour over time).

A hierarchy item is recognised across sessions by its scenario and its level
(or intensity), so it is followed even after the client's hierarchy was
reordered or re-rated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vrtherapy.reports.session import ReportError, SessionReport, Step


@dataclass(frozen=True)
class SessionColumn:
    number: int  # 1-based, in session order
    session_id: str
    started_wall: float
    duration_s: float
    highest_step: int | None  # 1-based, in that session's hierarchy
    highest_label: str
    end_reason: str

    @property
    def label(self) -> str:
        return f"{self.number} ({dt.datetime.fromtimestamp(self.started_wall, dt.UTC):%m-%d})"


@dataclass(frozen=True)
class ItemProgress:
    key: str  # scenario/level or scenario@intensity
    label: str
    end_suds: tuple[float | None, ...]  # per session: end SUDS of the last rated visit
    # per session: the looking-away share (0–1) of the last visit with the stimulus on screen
    away_share: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class ScorePoint:
    wall_time: float
    session_id: str
    when: str
    value: float


@dataclass(frozen=True)
class ScoreSeries:
    id: str  # e.g. 'ssq.total'
    label: str  # e.g. 'SSQ Total'
    range: tuple[float, float]
    points: tuple[ScorePoint, ...]


@dataclass(frozen=True)
class ClientProgress:
    client_code: str
    sessions: tuple[SessionColumn, ...]
    items: tuple[ItemProgress, ...]
    scores: dict[str, ScoreSeries]

    @property
    def tracked(self) -> bool:
        """Whether any session has behaviour measures to show."""
        return any(v is not None for item in self.items for v in item.away_share)

    @staticmethod
    def date_label(wall: float) -> str:
        return dt.datetime.fromtimestamp(wall, dt.UTC).strftime("%Y-%m-%d %H:%M")


def item_key(scenario: str, level: str | None, intensity: float | None) -> str:
    return f"{scenario}/{level}" if level is not None else f"{scenario}@{intensity:g}"


def _step_key(step: Step) -> str:
    return item_key(step.scenario, step.level, step.intensity)


def client_progress(client_code: str, reports: Sequence[SessionReport]) -> ClientProgress:
    """Progress over ``reports``: the client's sessions, oldest first."""
    if not reports:
        raise ReportError(f"client {client_code} has no sessions")
    for r in reports:
        if r.header.client_code != client_code:
            raise ReportError(f"session {r.header.session_id} belongs to another client")
    ordered = sorted(reports, key=lambda r: r.header.started_wall)
    columns: list[SessionColumn] = []
    labels: dict[str, str] = {}
    order: dict[str, tuple[int, int]] = {}  # key → (position in latest hierarchy, first seen)
    ends: dict[str, list[float | None]] = {}
    away: dict[str, list[float | None]] = {}
    points: dict[str, list[ScorePoint]] = {}
    meta: dict[str, tuple[str, tuple[float, float]]] = {}
    for n, rep in enumerate(ordered):
        steps = rep.header.steps
        for step in steps:
            key = _step_key(step)
            labels[key] = step.label
            order[key] = (step.number, order.get(key, (0, n))[1])
        highest = rep.highest_step
        columns.append(
            SessionColumn(
                n + 1,
                rep.header.session_id,
                rep.header.started_wall,
                rep.header.duration_s,
                highest,
                steps[highest - 1].label if highest and highest <= len(steps) else "",
                rep.header.end_reason,
            )
        )
        for trial in rep.trials:
            key = item_key(trial.scenario, trial.level, trial.intensity)
            labels.setdefault(key, f"{trial.scenario} ({trial.level or trial.intensity})")
            order.setdefault(key, (10_000 + trial.step_index, n))
            series = ends.setdefault(key, [None] * len(ordered))
            if trial.end_suds is not None:
                series[n] = trial.end_suds
            looked = away.setdefault(key, [None] * len(ordered))
            if trial.behaviour is not None and trial.behaviour.away_share is not None:
                looked[n] = trial.behaviour.away_share
        for q in rep.questionnaires:
            if q.scores is None:
                continue
            for s in q.scores.scores:
                if s.value is None:
                    continue
                sid = f"{q.key.split('_', 1)[0]}.{s.id}"
                meta[sid] = (f"{q.abbreviation} {s.title}", s.range)
                points.setdefault(sid, []).append(
                    ScorePoint(q.wall_time, rep.header.session_id, q.when, s.value)
                )
    items = tuple(
        ItemProgress(key, labels[key], tuple(ends[key]), tuple(away[key]))
        for key in sorted(ends, key=lambda k: order[k])
    )
    scores = {
        sid: ScoreSeries(sid, meta[sid][0], meta[sid][1], tuple(pts))
        for sid, pts in sorted(points.items())
    }
    return ClientProgress(client_code, tuple(columns), items, scores)
