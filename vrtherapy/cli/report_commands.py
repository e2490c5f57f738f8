"""``report`` and ``export``: session reports, progress across sessions and open exports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vrtherapy.cli.session_commands import _open, database_option
from vrtherapy.reports import tidy
from vrtherapy.reports.progress import client_progress
from vrtherapy.reports.session import ReportError, SessionReport, session_report
from vrtherapy.session import events as ev
from vrtherapy.session.clients import client_stream
from vrtherapy.session.store.base import EventStore, StoreError
from vrtherapy.session.store.open import data_dir


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def session_events(store: EventStore, session_id: str) -> list[ev.Event]:
    events = store.read(session_id)
    if not events:
        raise ReportError(
            f"no session '{session_id}' in {store.description} (see 'vrtherapy sessions')"
        )
    return events


def client_sessions(store: EventStore, client_code: str) -> list[str]:
    """The client's session ids, oldest first."""
    infos = store.streams(kind="session", client_code=client_code)
    if not infos:
        raise ReportError(
            f"no sessions for client '{client_code}' in {store.description} "
            "(see 'vrtherapy sessions')"
        )
    return [i.stream for i in sorted(infos, key=lambda i: i.created_at)]


def _reports(store: EventStore, session_id: str | None, client: str | None) -> list[SessionReport]:
    if (session_id is None) == (client is None):
        raise click.UsageError("give a SESSION or --client CODE (one of them)")
    ids = [session_id] if session_id is not None else client_sessions(store, client or "")
    return [recorded_report(store, sid) for sid in ids]


def recorded_report(store: EventStore, session_id: str) -> SessionReport:
    """A stored session's report: its events and its tracked poses."""
    try:
        samples = store.tracking(session_id)
    except StoreError as exc:  # an unreadable chunk: the measures would be incomplete
        raise ReportError(f"{exc}; 'vrtherapy verify' checks the record") from None
    return session_report(session_events(store, session_id), samples=samples)


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def write_session_report(store: EventStore, session_id: str, out: Path | None = None) -> Path:
    """Write one session's HTML report (default: the data folder's reports/); returns its path."""
    from vrtherapy.reports import document  # matplotlib: only when a report is written

    html = document.session_html(recorded_report(store, session_id))
    path = out or data_dir() / "reports" / f"{_safe_name(session_id)}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


@click.command("report")
@click.argument("session_id", required=False, metavar="SESSION")
@click.option("--client", "client", metavar="CODE", help="Progress across this client's sessions.")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: reports/ in the data folder, named for the session or client).",
)
@database_option
def report_command(
    session_id: str | None, client: str | None, fmt: str, out: Path | None, database: str | None
) -> None:
    """Write a session report, or with --client a progress report across sessions.

    A session report holds the header (pseudonymous code, date, duration,
    hierarchy, policy), SUDS over time with steps, prompts, proposals and safety
    events marked, a table per step (time, start/peak/end SUDS, drop, expectancy),
    proposals and decisions, safety events, SSQ before and after, other
    questionnaire scores with ranges and cut-offs, and notes. HTML is one
    self-contained file; PDF has the same content.
    """
    from vrtherapy.reports import document  # matplotlib: only when a report is written

    store = _open(database)
    try:
        reports = _reports(store, session_id, client)
        if client is not None:
            html = document.client_html(client_progress(client, reports))
            name = f"client-{_safe_name(client)}"
        else:
            html = document.session_html(reports[0])
            name = _safe_name(reports[0].header.session_id)
        path = out or data_dir() / "reports" / f"{name}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            path.write_bytes(document.html_to_pdf(html))
        else:
            path.write_text(html, encoding="utf-8")
    except (ReportError, RuntimeError, OSError) as exc:
        _fail(str(exc))
        return
    finally:
        store.close()
    click.echo(str(path))


def export_text(
    store: EventStore, session_id: str | None, client: str | None, fmt: str, table: str
) -> str:
    """A session's (or a client's sessions') export: tidy CSV of ``table`` ("trials" or
    "ratings"), the JSON record, or a FHIR bundle ("fhir"). Raises ReportError."""
    reports = _reports(store, session_id, client)
    if fmt == "csv":
        if table == "trials":
            return tidy.to_csv(tidy.TRIAL_COLUMNS, tidy.trial_rows(reports))
        return tidy.to_csv(tidy.RATING_COLUMNS, tidy.rating_rows(reports))
    if fmt == "json":
        streams: list[tuple[str, str, list[ev.Event]]] = []
        if client is not None:
            stream = client_stream(client)
            streams.append((stream, "client", store.read(stream)))
        for r in reports:
            sid = r.header.session_id
            streams.append((sid, "session", store.read(sid)))
        return tidy.record_json(streams)
    from vrtherapy.reports import fhir  # fhir.resources is heavy: only for this export

    return fhir.bundle_json(reports)


@click.command("export")
@click.argument("session_id", required=False, metavar="SESSION")
@click.option("--client", "client", metavar="CODE", help="Export all of this client's sessions.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "fhir"]),
    required=True,
    help="csv: tidy table; json: the whole record; fhir: a FHIR R4 Bundle.",
)
@click.option(
    "--table",
    type=click.Choice(["trials", "ratings"]),
    default="trials",
    show_default=True,
    help="For csv: one row per exposure trial, or one row per rating.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@database_option
def export_command(
    session_id: str | None,
    client: str | None,
    fmt: str,
    table: str,
    out: Path | None,
    database: str | None,
) -> None:
    """Export a session (or all of a client's sessions) as tidy CSV, JSON or FHIR.

    Nothing identifies the client beyond the pseudonymous code.
    """
    store = _open(database)
    try:
        text = export_text(store, session_id, client, fmt, table)
    except ReportError as exc:
        _fail(str(exc))
        return
    finally:
        store.close()
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        click.echo(str(out), err=True)
