"""Progress across a client's sessions, recomputed from the two demo sessions' events."""

from __future__ import annotations

from html import unescape

import pytest

from tests.reports.conftest import DemoRecord
from tests.reports.test_session_report import Tables
from vrtherapy.reports.document import client_html
from vrtherapy.reports.progress import client_progress
from vrtherapy.reports.session import ReportError, session_report
from vrtherapy.session import events as ev


def _end_suds_by_item(events: list[ev.Event]) -> dict[str, float]:
    """Last SUDS of the last rated visit to each (scenario, level), straight from events."""
    out: dict[str, float] = {}
    current: str | None = None
    for e in events:
        p = e.payload
        if isinstance(p, ev.StepEntered):
            # an item is its scenario and level, or its intensity where no level is named
            current = f"{p.scenario}/{p.level}" if p.level else f"{p.scenario}@{p.intensity:g}"
        elif isinstance(p, ev.SudsRated) and current is not None:
            out[current] = p.normalised
    return out


def test_end_suds_per_item_and_highest_step_across_sessions(demo_record: DemoRecord) -> None:
    events = [demo_record.events(s) for s in demo_record.sessions]
    progress = client_progress(demo_record.client_code, [session_report(e) for e in events])
    assert [s.session_id for s in progress.sessions] == list(demo_record.sessions)
    expected = [_end_suds_by_item(e) for e in events]
    keys = {k for e in expected for k in e}
    assert {i.key for i in progress.items} == keys
    for item in progress.items:
        assert item.end_suds == tuple(e.get(item.key) for e in expected)
    for col, evs in zip(progress.sessions, events, strict=True):
        top = max(e.payload.index for e in evs if isinstance(e.payload, ev.StepEntered))
        assert col.highest_step == top + 1

    page = Tables(unescape(client_html(progress)))
    rows = {r[0]: r[1:] for r in page.tables["items"][1:]}
    for item in progress.items:
        assert rows[item.label] == ["—" if v is None else f"{v:.0f}" for v in item.end_suds]


def test_questionnaire_scores_over_time(demo_record: DemoRecord) -> None:
    reports = [session_report(demo_record.events(s)) for s in demo_record.sessions]
    progress = client_progress(demo_record.client_code, reports)
    total = progress.scores["ssq.total"]
    assert [p.when for p in total.points] == ["baseline", "post", "baseline", "post"]
    answered = [
        e.payload
        for s in demo_record.sessions
        for e in demo_record.events(s)
        if isinstance(e.payload, ev.QuestionnaireAnswered)
    ]
    d_items = (5, 8, 10, 11, 12, 13, 14)
    assert [p.value for p in progress.scores["ssq.disorientation"].points] == [
        pytest.approx(sum(q.answers[f"item{i}"] for i in d_items) * 13.92) for q in answered
    ]
    assert total.range == (0, 235.62)


def test_progress_refuses_another_clients_session(demo_record: DemoRecord) -> None:
    rep = session_report(demo_record.events(demo_record.sessions[0]))
    with pytest.raises(ReportError, match="another client"):
        client_progress("C-OTHER", [rep])
    with pytest.raises(ReportError, match="no sessions"):
        client_progress("C-OTHER", [])


def test_the_progress_page_lists_every_score_with_its_session(demo_record: DemoRecord) -> None:
    reports = [session_report(demo_record.events(s)) for s in demo_record.sessions]
    progress = client_progress(demo_record.client_code, reports)
    page = Tables(unescape(client_html(progress)))
    rows = page.tables["scores"][1:]
    assert len(rows) == sum(len(s.points) for s in progress.scores.values()) == 16
    total = [r for r in rows if r[0] == "SSQ Total"]
    assert [(r[2], r[4]) for r in total] == [
        ("1", "baseline"),
        ("1", "post"),
        ("2", "baseline"),
        ("2", "post"),
    ]
    assert [r[5] for r in total] == [f"{p.value:.2f}" for p in progress.scores["ssq.total"].points]
