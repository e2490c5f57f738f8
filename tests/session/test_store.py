"""The event store, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pytest

from vrtherapy.session import events as ev
from vrtherapy.session.store import ConcurrencyError, StoreError, open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.migrations import SCHEMA_VERSION


def _raw(store: EventStore, sql: str, *args: object) -> None:
    """Change the database behind the store's back, as an attacker or a bad disk would."""
    conn = store._connection()
    cur = conn.cursor()
    cur.execute(sql.replace("?", store.placeholder), args)
    cur.close()
    conn.commit()


def _note(text: str, t: float = 0.0) -> ev.NewEvent:
    return ev.NewEvent("therapist", ev.NoteAdded(text), t)


def test_append_read_round_trip(store: EventStore) -> None:
    store.create_stream("session:A:1", "session", "A", 100.0)
    stored = store.append(
        "session:A:1",
        0,
        [
            _note("first", 1.0),
            ev.NewEvent(
                "client",
                ev.SudsRated(
                    40, 100, 40.0, "headset", "timer", 2, 55.5, {"height": 6.0, "rail": True}
                ),
                2.5,
            ),
        ],
        101.0,
        "cmd-1",
    )
    assert [e.seq for e in stored] == [1, 2]
    back = store.read("session:A:1")
    assert back == stored
    assert isinstance(back[1].payload, ev.SudsRated)
    assert back[1].payload.parameters == {"height": 6.0, "rail": True}
    assert back[1].session_time == 2.5 and back[1].actor == "client"
    assert store.read("session:A:1", after_seq=1) == stored[1:]


def test_command_ids_are_recorded_once(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    store.append("s", 0, [_note("a")], 1.0, "cmd-1")
    record = store.command("cmd-1")
    assert record is not None and (record.first_seq, record.last_seq) == (1, 1)
    with pytest.raises(StoreError, match="already applied"):
        store.append("s", 1, [_note("a again")], 2.0, "cmd-1")
    assert len(store.read("s")) == 1
    assert store.command("cmd-unknown") is None


def test_concurrent_writer_is_detected(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    store.append("s", 0, [_note("a")], 1.0)
    with pytest.raises(ConcurrencyError):
        store.append("s", 0, [_note("stale view")], 2.0)
    assert [e.payload for e in store.read("s")] == [ev.NoteAdded("a")]


def test_streams_are_listed_by_kind_and_client(store: EventStore) -> None:
    store.create_stream("client:A", "client", "A", 1.0)
    store.create_stream("session:A:1", "session", "A", 2.0)
    store.create_stream("session:B:1", "session", "B", 3.0)
    assert [s.stream for s in store.streams(kind="session")] == ["session:A:1", "session:B:1"]
    assert [s.stream for s in store.streams(client_code="A")] == ["client:A", "session:A:1"]
    with pytest.raises(StoreError, match="already exists"):
        store.create_stream("client:A", "client", "A", 4.0)


def test_hash_chain_verifies_and_detects_tampering(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    for i in range(5):
        store.append("s", i, [_note(f"n{i}", float(i))], 10.0 + i)
    assert store.verify("s").ok
    _raw(store, "UPDATE events SET data = ? WHERE stream = ? AND seq = 3", '{"text":"x"}', "s")
    report = store.verify("s")
    assert not report.ok
    assert any("event 3" in p and "altered" in p for p in report.problems)


def test_truncation_is_detected(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    store.append("s", 0, [_note("a"), _note("b"), _note("c")], 1.0)
    _raw(store, "DELETE FROM events WHERE stream = ? AND seq = 3", "s")
    report = store.verify("s")
    assert not report.ok and any("removed from the end" in p for p in report.problems)


def test_missing_middle_event_is_detected(store: EventStore) -> None:
    store.create_stream("s", "session", "A", 0.0)
    store.append("s", 0, [_note("a"), _note("b"), _note("c")], 1.0)
    _raw(store, "DELETE FROM events WHERE stream = ? AND seq = 2", "s")
    report = store.verify("s")
    assert any("event 2 is missing" in p for p in report.problems)


def test_schema_is_versioned_and_reopening_keeps_data(store_url: str) -> None:
    s = open_store(store_url)
    assert s.schema_version() == SCHEMA_VERSION
    s.create_stream("s", "session", "A", 0.0)
    s.append("s", 0, [_note("kept")], 1.0)
    s.close()
    again = open_store(store_url)
    assert again.migrate() == SCHEMA_VERSION
    assert [e.payload for e in again.read("s")] == [ev.NoteAdded("kept")]
    again.close()


def test_newer_schema_is_refused_with_a_clear_message(store_url: str) -> None:
    s = open_store(store_url)
    _raw(s, "UPDATE schema_version SET version = 99")
    s.close()
    with pytest.raises(StoreError, match="newer than this vrtherapy"):
        open_store(store_url)


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    try:
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    except StoreError as exc:
        assert "secret" not in str(exc)
