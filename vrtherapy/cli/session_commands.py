"""``demo``, ``sessions``, ``show``, ``verify`` and ``resume``: running, inspecting and
recovering session records."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from vrtherapy.cli.library_option import library_option, open_library
from vrtherapy.session import recovery
from vrtherapy.session.recordings import check_recordings, recordings_folder
from vrtherapy.session.state import replay
from vrtherapy.session.store import StoreError, open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.open import data_dir
from vrtherapy.session.store.receipt import ReceiptError, check_receipt, make_receipt, read_receipt
from vrtherapy.session.store.signing import SigningKeyError
from vrtherapy.session.timeline import clock, describe

database_option = click.option(
    "--database",
    metavar="PATH|URL",
    default=None,
    help="SQLite file or postgresql:// URL (default: $VRTHERAPY_DATABASE or the user data folder).",
)

DEMO_LINES_SHOWN = 40  # the demo summary lists the conversation up to this many entries


def _open(database: str | None) -> EventStore:
    try:
        return open_store(database)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _speech_cache() -> Any:
    """The partners' speech cache in the user's cache folder (as ``vrtherapy run``)."""
    from vrtherapy.app.speech_wiring import speech_folder
    from vrtherapy.partners.speech import SpeechCache

    return SpeechCache(speech_folder())


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command("demo")
@click.option(
    "--hierarchy",
    "hierarchy_id",
    default="heights.standard",
    show_default=True,
    help="Hierarchy to run (stock or from a library folder).",
)
@library_option
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic client.")
@click.option(
    "--render/--no-render",
    default=True,
    show_default=True,
    help="Render the client's view headless at every tick (needs Mesa EGL).",
)
@click.option(
    "--voices/--no-voices",
    default=True,
    show_default=True,
    help="Synthesise the partners' lines (espeak-ng, or a Piper voice where installed) "
    "and record each as played and heard, as `vrtherapy run` does; without, lines are "
    "only recorded as said.",
)
@database_option
def demo_command(
    hierarchy_id: str,
    libraries: tuple[Path, ...],
    seed: int,
    render: bool,
    voices: bool,
    database: str | None,
) -> None:
    """Run a complete session with a synthetic client, in accelerated time.

    The hierarchy manager proposes steps up and down from the client's SUDS
    ratings; a scripted therapist accepts them. In scenes with virtual partners
    (e.g. --hierarchy social.job_interview) the therapist starts the interview,
    the synthetic client picks its answers (seeded), the therapist scores the
    scenario's skills 1-5 and starts it again two minutes later; the summary
    lists the lines, answers and latest scores. The partners' lines are voiced
    on the session's clock (synthesised offline, cached; no sound card is
    needed) and recorded as played and heard. The session is stored like any
    other and its record is verified at the end.
    """
    from vrtherapy.app.demo import run_demo

    started = time.monotonic()
    lib = open_library(libraries)
    try:
        hierarchy = lib.hierarchy(hierarchy_id)
    except KeyError as exc:
        _fail(str(exc.args[0]), 2)
        return
    store = _open(database)
    click.echo(f"vrtherapy demo: hierarchy '{hierarchy.id}', synthetic client (seed {seed})")
    frames = _open_frames(lib) if render else None
    try:
        result = run_demo(
            store,
            lib,
            hierarchy,
            seed=seed,
            echo=click.echo,
            on_tick=frames.on_tick if frames else None,
            voices=_speech_cache() if voices else None,
        )
    finally:
        if frames is not None:
            frames.close()
    report = store.verify(result.session_id)
    click.echo("")
    click.echo("Summary")
    click.echo(f"  session        {result.session_id}")
    click.echo(f"  client         {result.client_code}")
    click.echo(
        f"  duration       {result.session_minutes:.0f} min of session time "
        f"(ran in {time.monotonic() - started:.1f} s)"
    )
    click.echo(f"  steps up       {result.accepted_up} accepted")
    click.echo(f"  step-down      {result.step_down_proposals} proposal(s)")
    click.echo(f"  ended          {result.end_reason}")
    click.echo(f"  record         {result.events} events in {store.description}")
    click.echo(
        f"  integrity      {'verified' if report.ok else 'FAILED: ' + '; '.join(report.problems)}"
    )
    if frames is not None:
        sheet = frames.contact_sheet(data_dir() / "demo-views.png")
        w, h = frames.size
        click.echo(
            f"  frames         {frames.frames} stereo frames rendered headless ({w}x{h} per eye, "
            f"median {frames.median_ms:.1f} ms); the client's view at each step: {sheet}"
        )
    for failure in result.load_failures:
        click.echo(f"  scene failed   {failure}")
    if result.conversation:
        click.echo(f"  conversation   {result.said(voices)}:")
        for said in result.conversation[:DEMO_LINES_SHOWN]:
            click.echo(f"    {said}")
        more = len(result.conversation) - DEMO_LINES_SHOWN
        if more > 0:
            click.echo(f"    … and {more} more (vrtherapy show {result.session_id})")
    if result.scores:
        scored = ", ".join(f"{skill} {score}/5" for skill, score in result.scores)
        click.echo(f"  skills         {scored} (latest scores, 1–5)")
    from vrtherapy.cli.report_commands import write_session_report

    report_path = write_session_report(store, result.session_id)
    click.echo(f"Inspect it with: vrtherapy show {result.session_id}")
    click.echo(f"Session report (HTML): {report_path}")
    store.close()


def _open_frames(lib: Any) -> Any:
    """Headless rendering for the demo, or None (with the reason) where EGL is missing."""
    from vrtherapy.display.base import DisplayUnavailable
    from vrtherapy.display.select import configure_gl_platform

    try:
        configure_gl_platform("headless")
        from vrtherapy.app.demo_frames import DemoFrames

        frames = DemoFrames(lib)
        frames.open()
        return frames
    except (DisplayUnavailable, RuntimeError) as exc:
        click.echo(f"(not rendering frames: {exc}; use --no-render to skip this)")
        return None


@click.command("sessions")
@click.option("--client", "client_code", default=None, help="Only this client's sessions.")
@database_option
def sessions_command(client_code: str | None, database: str | None) -> None:
    """List stored sessions, newest last.

    A session stored as running that no station runs (its engine was killed)
    is shown as interrupted: resume it with `vrtherapy resume SESSION`, or
    close it with `vrtherapy resume SESSION --close`.
    """
    store = _open(database)
    infos = store.streams(kind="session", client_code=client_code)
    if not infos:
        click.echo(f"no sessions in {store.description}")
        return
    click.echo(f"{len(infos)} session(s) in {store.description}")
    now = time.time()
    for info in infos:
        state = replay(store.read(info.stream))
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at))
        status = recovery.status(state, store.lease(info.stream), now)
        click.echo(
            f"  {info.stream}  {when}  {clock(state.session_time).strip()} min  "
            f"step {state.step_index + 1}/{state.step_count}  {info.head_seq} events  {status}"
        )


@click.command("show")
@click.argument("session_id")
@click.option("--all", "show_all", is_flag=True, help="Also show prompts and comfort ratings.")
@database_option
def show_command(session_id: str, show_all: bool, database: str | None) -> None:
    """Print the timeline of one stored session."""
    store = _open(database)
    events = store.read(session_id)
    if not events:
        _fail(f"no session '{session_id}' in {store.description} (see 'vrtherapy sessions')")
    for e in events:
        line = describe(e, verbose=show_all)
        if line:
            click.echo(f"{clock(e.session_time)}  {line}")


@click.command("verify")
@click.argument("streams", nargs=-1)
@click.option(
    "--receipt",
    "receipt_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a signed receipt of every record's head to FILE, to keep elsewhere.",
)
@click.option(
    "--against",
    "against_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Also check that nothing in an earlier receipt FILE was deleted, cut or rewritten.",
)
@database_option
def verify_command(
    streams: tuple[str, ...],
    receipt_path: Path | None,
    against_path: Path | None,
    database: str | None,
) -> None:
    """Check the integrity of stored session and client records.

    Each record's hash chain is recomputed (it also covers the record's client
    and creation time), and the clinic-wide ledger is checked: its own chain,
    every entry's Ed25519 signature by a trusted key, every record it saw
    created still there unchanged, and every signed checkpoint's event still
    there with the same hash. With no arguments every record is checked.
    Exits 1 if anything was altered, truncated, moved, re-dated or deleted.
    The fingerprint of this station's signing key is printed first.
    """
    store = _open(database)
    try:
        key = store.signing_key()
        trusted = key.trusted()
    except (StoreError, SigningKeyError) as exc:
        _fail(str(exc))
        return
    click.echo(f"signing key {key.fingerprint} ({key.path}; public key {key.public_hex})")
    others = sorted(fp for fp in trusted if fp != key.fingerprint)
    if others:
        click.echo(f"also trusted: {', '.join(others)}")
    everything = not streams
    names = list(streams) or [s.stream for s in store.streams()]
    ledger = store.verify_ledger(trusted)
    by_stream: dict[str, list[str]] = {}
    for name, problem in ledger.problems:
        by_stream.setdefault(name, []).append(problem)
    if everything:
        names += sorted(n for n in by_stream if n not in names and n != "ledger")
    against: list[tuple[str, str]] = []
    if against_path is not None:
        try:
            receipt = read_receipt(against_path.read_text(encoding="utf-8"), trusted)
        except (OSError, ReceiptError) as exc:
            _fail(f"{against_path}: {exc}")
            return
        against = check_receipt(store, receipt)
        for name, problem in against:
            by_stream.setdefault(name, []).append(problem)
            if name not in names and name != "ledger":
                names.append(name)
    bad = 0
    for name in names:
        report = store.verify(name) if store.stream(name) else None
        problems = [*(report.problems if report else ()), *by_stream.get(name, [])]
        if report is not None and not report.problems:  # recordings of the client's voice
            heard, gone = check_recordings(store.read(name), recordings_folder(data_dir(), name))
            problems += heard
            report = replace(report, notes=(*report.notes, *gone)) if gone else report
        if report is None and not problems:
            problems = [f"no record '{name}'"]
        if problems:
            bad += 1
            click.echo(f"TAMPERED {name}: " + "; ".join(problems), err=True)
        else:
            assert report is not None
            note = f"; {'; '.join(report.notes)}" if report.notes else ""
            click.echo(f"ok       {name} ({report.events} events{note})")
    ledger_problems = by_stream.get("ledger", [])
    if ledger_problems:
        bad += 1
        click.echo("TAMPERED ledger: " + "; ".join(ledger_problems), err=True)
    else:
        signers = ", ".join(ledger.signers) or "none yet"
        click.echo(f"ok       ledger ({ledger.entries} entries; signed by {signers})")
    if against_path is not None and not against:
        click.echo(f"ok       nothing in {against_path} was deleted, cut short or rewritten")
    if receipt_path is not None:
        data = make_receipt(store, key, time.time())
        receipt_path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        click.echo(f"receipt of {len(data['streams'])} record(s) written to {receipt_path}")
    if bad:
        click.echo(f"{bad} record(s) failed verification", err=True)
        sys.exit(1)
    if not names:
        click.echo(f"nothing stored yet in {store.description}")
        return
    click.echo(f"all {len(names)} record(s) verified in {store.description}")


@click.command("resume")
@click.argument("session_id")
@click.option("--close", is_flag=True, help="End it on the record as interrupted instead.")
@click.option(
    "--take-over",
    is_flag=True,
    help="Run it here even though another station holds it (recorded in the session).",
)
@click.option(
    "--display",
    type=click.Choice(["auto", "openxr", "desktop", "headless"]),
    default="auto",
    show_default=True,
    help="Where the client sees the scene (as for `run`).",
)
@click.option("--listen", default="127.0.0.1", show_default=True, help="Console address.")
@click.option("--port", default=8765, show_default=True, help="Console port.")
@click.option("--frames", type=int, default=None, help="Stop after this many frames.")
@library_option
@database_option
@click.pass_context
def resume_command(
    ctx: click.Context,
    session_id: str,
    close: bool,
    take_over: bool,
    display: str,
    listen: str,
    port: int,
    frames: int | None,
    libraries: tuple[Path, ...],
    database: str | None,
) -> None:
    """Resume an interrupted session (same step, paused), or --close it.

    Resuming records a session_interrupted/session_resumed pair giving the gap,
    then runs the session like `run` does: the display for the client and the
    console for the therapist. `vrtherapy sessions` lists interrupted sessions.
    """
    if close:
        from vrtherapy.session.clock import SystemClock
        from vrtherapy.session.engine import Engine
        from vrtherapy.session.station import Station

        store = _open(database)
        waiting = {s.session_id for s in recovery.interrupted_sessions(store, time.time())}
        if session_id not in waiting:
            _fail(f"session {session_id} is not interrupted (see `vrtherapy sessions`)")
        try:
            Engine.close_interrupted(store, SystemClock(), session_id, station=Station.this())
        except StoreError as exc:
            _fail(str(exc))
        click.echo(f"session {session_id} closed as interrupted")
        store.close()
        return
    from vrtherapy.cli.run_command import run_command

    ctx.invoke(
        run_command,
        display=display,
        listen=listen,
        port=port,
        frames=frames,
        libraries=libraries,
        database=database,
        size=(1280, 720),  # ctx.invoke does not run the option's callback on its default
        resume_session=session_id,
        take_over=take_over,
    )
