"""Report documents: self-contained HTML (plots embedded as PNG data) from Jinja2
templates, and PDF from the same HTML with WeasyPrint."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2

from vrtherapy import __version__
from vrtherapy.authoring.questionnaire import Cutoff, Norm
from vrtherapy.authoring.questionnaires import questionnaire
from vrtherapy.reports import figures
from vrtherapy.reports.progress import ClientProgress
from vrtherapy.reports.session import AnsweredQuestionnaire, SessionReport, Trial
from vrtherapy.session.tracking import SAMPLE_HZ
from vrtherapy.session.tracking.measures import AT_DEG, AWAY_DEG, DOWN_DEG


def number(value: float | None, digits: int = 1) -> str:
    """How every number in a report is written; None (not available) is a dash."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}"


def percent(share: float | None) -> str:
    """A 0–1 share as a whole percentage; None is a dash."""
    return number(None if share is None else 100 * share, 0)


def clock(seconds: float) -> str:
    """Session time as M:SS."""
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def _cutoffs(q: AnsweredQuestionnaire, score_id: str) -> list[Cutoff]:
    try:
        return list(questionnaire(q.key).score(score_id).cutoffs)
    except KeyError:
        return []


def _norms(q: AnsweredQuestionnaire, score_id: str) -> list[Norm]:
    try:
        return list(questionnaire(q.key).score(score_id).norms)
    except KeyError:
        return []


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vrtherapy.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["clock"] = clock
    env.globals["cutoffs"] = _cutoffs
    env.globals["norms"] = _norms
    env.globals["version"] = __version__
    env.globals["percent"] = percent
    env.globals["sample_hz"] = SAMPLE_HZ
    env.globals["at_deg"] = AT_DEG
    env.globals["away_deg"] = AWAY_DEG
    env.globals["down_deg"] = DOWN_DEG
    return env


def _css() -> str:
    return (resources.files("vrtherapy.reports") / "templates" / "report.css").read_text("utf-8")


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class SsqRow:
    title: str
    values: tuple[float | None, ...]  # one per SSQ administration, in order
    range: tuple[float, float]


def ssq_rows(report: SessionReport) -> list[SsqRow]:
    """SSQ subscales (rows) by administration (columns: baseline, post, …)."""
    spec = questionnaire("ssq")
    answered = report.ssq()
    rows = []
    for score in spec.scores:
        values = tuple(q.scores.value(score.id) if q.scores is not None else None for q in answered)
        rows.append(SsqRow(score.title, values, (score.range[0], score.range[1])))
    return rows


def session_html(report: SessionReport) -> str:
    """The session report as one self-contained HTML page."""
    h = report.header

    def step_label(t: Trial) -> str:
        if 0 <= t.step_index < len(h.steps):
            return h.steps[t.step_index].label
        return f"{t.scenario} ({t.level or t.intensity})"

    context: dict[str, Any] = {
        "r": report,
        "h": h,
        "css": _css(),
        "suds_png": _b64(figures.suds_figure(report)),
        "step_label": step_label,
        "ssq": report.ssq(),
        "ssq_rows": ssq_rows(report),
        "others": [q for q in report.questionnaires if q not in report.ssq()],
        "max_comfort": max((c.value for c in report.comfort), default=None),
    }
    return _environment().get_template("session.html.j2").render(context)


def client_html(progress: ClientProgress) -> str:
    """Progress across a client's sessions as one self-contained HTML page."""
    series = list(progress.scores)
    context: dict[str, Any] = {
        "p": progress,
        "css": _css(),
        "items_png": _b64(figures.between_sessions_figure(progress)),
        "scores_png": _b64(figures.scores_figure(progress, series)) if series else "",
        "session_numbers": {s.session_id: s.number for s in progress.sessions},
    }
    return _environment().get_template("client.html.j2").render(context)


def html_to_pdf(html: str) -> bytes:
    """The same document as PDF (A4). Needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0)."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise RuntimeError(
            f"PDF needs the Pango library ({exc}); install libpango-1.0-0 and "
            "libpangoft2-1.0-0, or write HTML with --format html"
        ) from exc
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
