"""Every number in a session report, recomputed here from the raw event log.

The expected values are derived in this file straight from the stored events
(not through vrtherapy.reports) and compared with the cells of the rendered
HTML, so a wrong derivation or a wrong cell shows up.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.reports.conftest import DemoRecord
from vrtherapy.reports.document import session_html
from vrtherapy.reports.session import ReportError, Section, session_report
from vrtherapy.session import events as ev

# Kennedy et al. (1993): item 8 counts on Nausea and Disorientation.
KENNEDY = {
    "Nausea": ((1, 6, 7, 8, 9, 15, 16), 9.54),
    "Oculomotor": ((1, 2, 3, 4, 5, 9, 11), 7.58),
    "Disorientation": ((5, 8, 10, 11, 12, 13, 14), 13.92),
}


class Tables(HTMLParser):
    """Cell texts of every table with an id, and the text of elements with an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._id_stack: list[tuple[str, str | None]] = []
        self.images: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        self._id_stack.append((tag, a.get("id")))
        if a.get("id"):
            self.texts[a["id"] or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None
        while self._id_stack:
            t, _ = self._id_stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, i in self._id_stack:
            if i:
                self.texts[i] += data


def fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def mmss(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def independent_trials(events: list[ev.Event]) -> list[dict[str, Any]]:
    end = next(e.session_time for e in events if isinstance(e.payload, ev.SessionEnded))
    trials: list[dict[str, Any]] = []
    for e in events:
        p = e.payload
        if isinstance(p, ev.StepEntered):
            trials.append(
                {"step": p.index, "start": e.session_time, "suds": [], "intensity": p.intensity}
            )
            trials[-1]["before"] = trials[-1]["after"] = None
        elif isinstance(p, ev.SudsRated):
            trials[-1]["suds"].append(p.normalised)
        elif isinstance(p, ev.ExpectancyRecorded):
            mine = [t for t in trials if t["step"] == p.step_index][-1]
            mine[p.phase] = p.likelihood
    for i, t in enumerate(trials):
        t["end"] = trials[i + 1]["start"] if i + 1 < len(trials) else end
        t["visit"] = sum(1 for u in trials[: i + 1] if u["step"] == t["step"])
    return trials


def expected_rows(events: list[ev.Event]) -> list[list[str]]:
    rows = []
    for n, t in enumerate(independent_trials(events), start=1):
        s = t["suds"]
        first = s[0] if s else None
        peak = max(s) if s else None
        last = s[-1] if s else None
        drop = 100 * (peak - last) / peak if s and peak else None
        rows.append(
            [
                str(n),
                str(t["visit"]),
                fmt(t["intensity"], 0),
                mmss(t["start"]),
                fmt((t["end"] - t["start"]) / 60, 1),
                str(len(s)),
                fmt(first, 0),
                fmt(peak, 0),
                fmt(last, 0),
                fmt(drop, 1),
                fmt(t["before"], 0),
                fmt(t["after"], 0),
            ]
        )
    return rows


@pytest.mark.parametrize("which", [0, 1])
def test_every_number_in_the_demo_report_matches_the_event_log(
    demo_record: DemoRecord, which: int
) -> None:
    events = demo_record.events(demo_record.sessions[which])
    html = session_html(session_report(events))
    page = Tables(html)

    # per-step table: every cell but the step's name
    shown = [row[:1] + row[2:] for row in page.tables["trials"][1:]]
    assert shown == expected_rows(events)
    assert len(shown) >= 6  # the demo climbs all six steps

    # header
    end = next(e for e in events if isinstance(e.payload, ev.SessionEnded))
    assert page.texts["duration"].strip() == f"{end.session_time / 60:.1f} min"
    top = max(e.payload.index for e in events if isinstance(e.payload, ev.StepEntered))
    assert page.texts["highest"].strip() == f"{top + 1} of 6"
    ratings = sum(isinstance(e.payload, ev.SudsRated) for e in events)
    assert f"{ratings} ratings." in html

    # proposals: time and decision of each
    proposed = [e for e in events if isinstance(e.payload, ev.ProgressionProposed)]
    decided = {
        e.payload.proposal_id: e for e in events if isinstance(e.payload, ev.ProgressionDecided)
    }
    rows = page.tables["proposals"][1:]
    assert len(rows) == len(proposed) > 0
    for row, e in zip(rows, proposed, strict=True):
        assert isinstance(e.payload, ev.ProgressionProposed)
        assert row[0] == mmss(e.session_time)
        assert row[1] == (
            f"{e.payload.direction}: step {e.payload.from_step + 1} → {e.payload.target_step + 1}"
        )
        d = decided[e.payload.proposal_id]
        assert isinstance(d.payload, ev.ProgressionDecided)
        assert row[3].startswith(f"{d.payload.decision} by {d.actor} at {mmss(d.session_time)}")

    # SSQ before and after, hand-computed with Kennedy's keys
    answered = [e.payload for e in events if isinstance(e.payload, ev.QuestionnaireAnswered)]
    assert [q.when for q in answered] == ["baseline", "post"]
    ssq = {row[0]: row[1:3] for row in page.tables["ssq"][1:]}
    raws = []
    for q in answered:
        raws.append(
            {k: sum(q.answers[f"item{i}"] for i in items) for k, (items, _) in KENNEDY.items()}
        )
    for k, (_, weight) in KENNEDY.items():
        assert ssq[k] == [f"{raw[k] * weight:.2f}" for raw in raws]
    assert ssq["Total"] == [f"{sum(raw.values()) * 3.74:.2f}" for raw in raws]
    assert any(sum(raw.values()) > 0 for raw in raws)  # the check is not all zeros

    # notes
    notes = [e for e in events if isinstance(e.payload, ev.NoteAdded)]
    assert page.tables["notes"][1:] == [
        [mmss(n.session_time), n.payload.text] for n in notes if isinstance(n.payload, ev.NoteAdded)
    ]


def test_the_html_is_self_contained(demo_record: DemoRecord) -> None:
    html = session_html(session_report(demo_record.events(demo_record.sessions[0])))
    page = Tables(html)
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    assert "<link" not in html and "<script" not in html


def test_the_report_names_the_client_only_by_code(demo_record: DemoRecord) -> None:
    """Nothing beyond the pseudonymous code: no database path, user or machine name."""
    import getpass
    import socket

    html = session_html(session_report(demo_record.events(demo_record.sessions[0])))
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert demo_record.client_code in text
    assert demo_record.database not in text
    for name in (getpass.getuser(), socket.gethostname()):
        assert not re.search(rf"\b{re.escape(name)}\b", text), name


# --- a hand-written record: safety events, other questionnaires, a 0–10 scale ------------


def _events(payloads: list[tuple[float, ev.Actor, ev.Payload]]) -> list[ev.Event]:
    return [
        ev.Event("session:C-TEST:1", i + 1, 1_700_000_000 + t, t, actor, p)
        for i, (t, actor, p) in enumerate(payloads)
    ]


HIERARCHY = {
    "id": "test.h",
    "title": "Test hierarchy",
    "suds_scale": 10,
    "prompts": {"suds_interval_min": 2.0},
    "progression": {"mode": "inhibitory", "auto": False},
    "steps": [
        {"scenario": "heights.balcony", "level": "ground", "anticipated_suds": 30},
        {"scenario": "heights.balcony", "level": "floor_2", "anticipated_suds": 50},
    ],
}


def _hand_record() -> list[ev.Event]:
    def suds(v: float, step: int) -> ev.SudsRated:
        return ev.SudsRated(v, 10, v * 10, "headset", "timer", step, 0.0)

    spin = {f"item{i}": 1.0 for i in range(1, 18)} | {"item1": 3.0}  # 19: reaches the cut-off
    return _events(
        [
            (0, "system", ev.SessionStarted("C-TEST", HIERARCHY, 0)),
            (0, "system", ev.StepEntered(0, "heights.balcony", "ground", 0.0, "start")),
            (30, "client", suds(4, 0)),
            (90, "client", suds(6, 0)),
            (100, "therapist", ev.SafetyAction("pause", "phone rang")),
            (130, "therapist", ev.SafetyAction("resume")),
            (150, "client", suds(3, 0)),
            (160, "therapist", ev.AutoModeChanged(True)),
            (200, "system", ev.StepEntered(1, "heights.balcony", "floor_2", 20.0, "therapist")),
            (230, "client", suds(8, 1)),
            (240, "client", ev.ClientStopRequested()),
            (245, "therapist", ev.SafetyAction("stop", "client asked")),
            (250, "therapist", ev.QuestionnaireAnswered("spin", spin, "baseline")),
            (251, "therapist", ev.QuestionnaireAnswered("ssq", {"item1": 1.0}, "post")),
            (252, "therapist", ev.QuestionnaireAnswered("lsas", {"item1": 1.0}, "")),
        ]
    )


def test_hand_record_safety_questionnaires_and_an_unended_session() -> None:
    rep = session_report(_hand_record(), sections=[Section("Extra", ("a",), (("1",),))])
    assert [(s.time, s.action) for s in rep.safety] == [
        (100, "pause"),
        (130, "resume"),
        (240, "stop_request"),
        (245, "stop"),
    ]
    t1, t2 = rep.trials
    assert (t1.first_suds, t1.peak_suds, t1.end_suds) == (40, 60, 30)
    assert t1.drop_percent == pytest.approx(50.0)
    assert (t1.start, t1.end, t2.end) == (0, 200, 252)  # not ended: up to the last event
    assert rep.header.auto_changes == ((160, True),)
    html = session_html(rep)
    page = Tables(html)
    html = unescape(html)
    assert [r[1] for r in page.tables["safety"][1:]] == ["pause", "resume", "stop request", "stop"]
    assert "(the client rated 0–10)" in html
    assert "auto mode off at start, on at 2:40" in html
    # SPIN 19 reaches Connor et al.'s cut-off; the incomplete SSQ and unknown LSAS say why not
    assert "19.00" in html and "(reached)" in html
    assert "Not scored" not in html.split("Simulator sickness")[0]
    assert "not scored" in page.tables["ssq"][1][1]
    assert "post: not scored: SSQ not scored" not in html  # the reason, not a stack of prefixes
    assert "post: not scored — 15 of 16 items unanswered" in html
    assert "no questionnaire 'lsas'" in html
    assert "<h2>Extra</h2>" in html


def test_a_record_that_is_not_a_session_is_refused() -> None:
    with pytest.raises(ReportError, match="not a session record"):
        session_report(_hand_record()[1:])
    with pytest.raises(ReportError):
        session_report([])
