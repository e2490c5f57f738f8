"""``demo``, ``sessions``, ``show`` and ``verify``: running and inspecting session records."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from vrtherapy.cli.library_option import library_option, open_library
from vrtherapy.session.state import replay
from vrtherapy.session.store import StoreError, open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.open import data_dir
from vrtherapy.session.timeline import clock, describe

database_option = click.option(
    "--database",
    metavar="PATH|URL",
    default=None,
    help="SQLite file or postgresql:// URL (default: $VRTHERAPY_DATABASE or the user data folder).",
)


def _open(database: str | None) -> EventStore:
    try:
        return open_store(database)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


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
@database_option
def demo_command(
    hierarchy_id: str,
    libraries: tuple[Path, ...],
    seed: int,
    render: bool,
    database: str | None,
) -> None:
    """Run a complete session with a synthetic client, in accelerated time.

    The hierarchy manager proposes steps up and down from the client's SUDS
    ratings; a scripted therapist accepts them. The session is stored like any
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
        for problem in frames.problems:
            click.echo(f"  scene problem  {problem}")
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
    """List stored sessions, newest last."""
    store = _open(database)
    infos = store.streams(kind="session", client_code=client_code)
    if not infos:
        click.echo(f"no sessions in {store.description}")
        return
    click.echo(f"{len(infos)} session(s) in {store.description}")
    for info in infos:
        state = replay(store.read(info.stream))
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at))
        status = state.status if state.status != "ended" else f"ended ({state.end_reason})"
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
@database_option
def verify_command(streams: tuple[str, ...], database: str | None) -> None:
    """Check the integrity (hash chain) of stored session and client records.

    With no arguments every record is checked. Exits 1 if any was altered,
    truncated or has events missing.
    """
    store = _open(database)
    names = list(streams) or [s.stream for s in store.streams()]
    if not names:
        click.echo(f"nothing stored yet in {store.description}")
        return
    bad = 0
    for name in names:
        report = store.verify(name)
        if report.ok:
            click.echo(f"ok       {name} ({report.events} events)")
        else:
            bad += 1
            click.echo(f"TAMPERED {name}: " + "; ".join(report.problems), err=True)
    if bad:
        click.echo(f"{bad} of {len(names)} record(s) failed verification", err=True)
        sys.exit(1)
    click.echo(f"all {len(names)} record(s) verified in {store.description}")
