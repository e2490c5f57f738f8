"""One station per session (issue 9, item 5) and stations starting together (item 6)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from tests.session.conftest import _fresh_pg_database
from tests.session.helpers import start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.station import Station
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore, LeaseHeld


def test_a_second_station_is_refused_with_the_name_of_the_first(
    store_url: str, library: Library
) -> None:
    first_store, second_store = open_store(store_url), open_store(store_url)
    a = Station("reception-pc", "host-a", 111)
    b = Station("room-2", "host-b", 222)
    engine, clock = start(first_store, library, station=a)
    with pytest.raises(LeaseHeld, match="reception-pc"):
        Engine.resume(
            second_store, library, ManualClock(clock.wall()), engine.session_id, station=b
        )
    # the first station goes on undisturbed
    assert engine.handle(c.RecordSuds("s1", value=30)).accepted
    first_store.close()
    second_store.close()


def test_an_explicit_takeover_is_recorded_and_the_first_station_stops_driving(
    store_url: str, library: Library
) -> None:
    first_store, second_store = open_store(store_url), open_store(store_url)
    a = Station("reception-pc", "host-a", 111)
    b = Station("room-2", "host-b", 222)
    engine, clock = start(first_store, library, station=a)
    taken = Engine.resume(
        second_store,
        library,
        ManualClock(clock.wall()),
        engine.session_id,
        station=b,
        takeover=True,
    )
    events = second_store.read(engine.session_id)
    over = [e.payload for e in events if isinstance(e.payload, ev.SessionTakenOver)]
    assert over == [ev.SessionTakenOver("reception-pc", "room-2", "taken over")]
    assert taken.snapshot.safety == "paused"
    assert taken.handle(c.RecordSuds("b1", value=20)).accepted
    # the first station's next command is refused, naming the station that runs it now
    out = engine.handle(c.RecordSuds("a1", value=25))
    assert not out.accepted and "room-2 took over" in out.reason
    assert "room-2" in engine.snapshot.record_status
    # its safety buttons still act on its own client view, but write nothing
    stop = engine.handle(c.Safety("a2", action="blackout"))
    assert not stop.accepted and engine.snapshot.safety == "blackout"
    clock.advance(60)
    assert engine.tick() == ()  # never raises
    kinds = [e.actor for e in second_store.read(engine.session_id, events[-1].seq)]
    assert kinds == ["therapist"]  # only b1's rating was added after the takeover
    first_store.close()
    second_store.close()


def test_a_lapsed_lease_is_free_without_takeover(
    sqlite_store: EventStore, library: Library
) -> None:
    a = Station("reception-pc", "host-a", 111)
    b = Station("room-2", "host-b", 222)
    engine, clock = start(sqlite_store, library, station=a)
    later = ManualClock(clock.wall() + 120)  # a stopped renewing two minutes ago
    again = Engine.resume(sqlite_store, library, later, engine.session_id, station=b)
    kinds = [e.kind for e in sqlite_store.read(engine.session_id)]
    assert "session_taken_over" not in kinds and "session_interrupted" in kinds
    assert again.handle(c.RecordSuds("s", value=10)).accepted


def _open(
    url: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    try:
        barrier.wait(timeout=30)
        s = open_store(url)
        out.put(("ok", s.schema_version()))
        s.close()
    except Exception as exc:  # reported to the parent
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def test_many_stations_can_open_a_fresh_postgres_database_at_once(postgres_dsn: str) -> None:
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    for _ in range(3):
        url = _fresh_pg_database(postgres_dsn)
        n = 8
        barrier = ctx.Barrier(n)
        out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
        procs = [ctx.Process(target=_open, args=(url, barrier, out)) for _ in range(n)]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        errors = [r[1] for r in results if r[0] != "ok"]
        assert not errors, errors
