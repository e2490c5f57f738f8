"""Interrupted sessions come back (issue 9, item 1).

A killed engine leaves its session stored as running. It is listed as
interrupted (by `run`, `vrtherapy sessions` and the console), and can be
resumed — same step, paused, with a session_interrupted/session_resumed pair
giving the gap — or closed as interrupted. Creating a session and its first
events is one transaction, so a kill in between leaves no empty session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.session.helpers import start
from vrtherapy.authoring import Library
from vrtherapy.cli.main import cli
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import ServiceError, SessionService
from vrtherapy.session.station import Station
from vrtherapy.session.store import base as store_base
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore

GONE = Station("station-that-crashed", "another-host", 4242)


def _killed_session(
    store: EventStore, library: Library, wall_start: float = 1_800_000_000.0
) -> tuple[str, ManualClock]:
    """A session whose engine stopped renewing its lease (killed), at step 3."""
    engine, clock = start(store, library, station=GONE, clock=ManualClock(wall_start))
    assert engine.handle(c.GoToStep("g", index=2)).accepted
    clock.advance(100)
    assert engine.handle(c.RecordSuds("s", value=55)).accepted
    return engine.session_id, clock


def test_a_killed_session_is_listed_and_resumed_paused_with_the_gap(
    store: EventStore, library: Library
) -> None:
    session, clock = _killed_session(store, library)
    later = ManualClock(wall_start=clock.wall() + 300)  # five minutes later
    service = SessionService(store, library, later)
    (found,) = service.interrupted()
    assert found.session_id == session and found.step_index == 2
    assert found.station == "station-that-crashed"
    engine = service.resume(session)
    assert engine.snapshot.step_index == 2 and engine.snapshot.safety == "paused"
    assert engine.now() == pytest.approx(100)  # session time goes on from where it stopped
    tail = [e.payload for e in store.read(session)][-3:]
    assert tail[0] == ev.SessionInterrupted(clock.wall(), later.wall(), "station-that-crashed")
    assert isinstance(tail[1], ev.SessionResumed) and tail[1].gap == pytest.approx(300)
    assert isinstance(tail[2], ev.SafetyAction) and tail[2].action == "pause"
    assert service.interrupted() == []
    assert service.handle(c.Safety("r", action="resume")).accepted
    assert store.verify(session).ok


def test_a_killed_session_can_be_closed_as_interrupted(store: EventStore, library: Library) -> None:
    session, clock = _killed_session(store, library)
    service = SessionService(store, library, ManualClock(wall_start=clock.wall() + 60))
    service.close_interrupted(session)
    events = store.read(session)
    assert [e.kind for e in events][-2:] == ["session_interrupted", "session_ended"]
    assert isinstance(events[-1].payload, ev.SessionEnded)
    assert events[-1].payload.reason.startswith("interrupted")
    assert service.interrupted() == []
    with pytest.raises(ServiceError, match="not an interrupted session"):
        service.close_interrupted(session)


def test_a_running_session_on_a_live_station_is_not_interrupted(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library, station=GONE)
    service = SessionService(sqlite_store, library, ManualClock(wall_start=clock.wall() + 5))
    assert service.interrupted() == []
    with pytest.raises(ServiceError, match="station-that-crashed"):
        service.resume(engine.session_id)


def test_a_kill_between_creating_a_session_and_its_first_event_leaves_nothing(
    sqlite_store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(*args: object) -> str:
        raise KeyboardInterrupt  # the process dies while writing the first events

    monkeypatch.setattr(store_base, "event_hash", killed)
    with pytest.raises(KeyboardInterrupt):
        start(sqlite_store, library)
    monkeypatch.undo()
    assert sqlite_store.streams(kind="session") == []  # no empty orphan
    assert [e.entry for e in sqlite_store.ledger()] == []


def test_sessions_and_resume_from_the_terminal(tmp_path: Path, library: Library) -> None:
    db = str(tmp_path / "s.sqlite3")
    store = open_store(db)
    # a real wall clock far in the past: the lease lapsed long ago
    session, _ = _killed_session(store, library, wall_start=1_700_000_000.0)
    store.close()
    runner = CliRunner()
    listing = runner.invoke(cli, ["sessions", "--database", db])
    assert listing.exit_code == 0 and session in listing.output
    assert listing.output.strip().endswith("interrupted"), listing.output
    closed = runner.invoke(cli, ["resume", session, "--close", "--database", db])
    assert closed.exit_code == 0, closed.output
    assert f"session {session} closed as interrupted" in closed.output
    listing = runner.invoke(cli, ["sessions", "--database", db])
    assert "ended (interrupted: closed as interrupted)" in listing.output
    again = runner.invoke(cli, ["resume", session, "--close", "--database", db])
    assert again.exit_code == 1 and "is not interrupted" in again.output
    assert runner.invoke(cli, ["verify", "--database", db]).exit_code == 0
