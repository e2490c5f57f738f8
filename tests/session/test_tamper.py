"""Tamper evidence against careful edits (issue 9, item 2).

Each test edits a copy of a real database the way a careful person with
database access would — recomputing every hash after a change, cutting the
tail and fixing the head row, deleting a whole session, moving a session to
another client, changing its date — and `vrtherapy verify` must fail, naming
the session and what is wrong. None of these edits was detected before the
stream genesis, the ledger and its signatures.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from vrtherapy.authoring import Library
from vrtherapy.cli.main import cli
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.chain import event_hash, ledger_hash, stream_genesis
from vrtherapy.session.store.signing import KEY_FILE, SigningKey, config_dir


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, library: Library) -> tuple[Path, str, str]:
    """A database with two clients' finished sessions; returns (path, session, other client)."""
    db = tmp_path_factory.mktemp("tamper") / "clinic.sqlite3"
    store = open_store(str(db))
    clock = ManualClock(wall_start=1_790_000_000.0)
    service = SessionService(store, library, clock)
    code = service.create_client("heights.standard")
    other = service.create_client("heights.standard")
    engine = service.start(code)
    for n, suds in enumerate([70, 60, 40, 30]):
        clock.advance(90)
        service.tick()
        assert service.handle(c.RecordSuds(f"s{n}", value=suds)).accepted
    assert service.handle(c.StepUp("up")).accepted
    clock.advance(60)
    assert service.handle(c.RecordSuds("s9", value=55)).accepted
    assert service.handle(c.EndSession("end")).accepted
    session = engine.session_id
    engine2 = service.start(other)
    service.handle(c.RecordSuds("o1", value=20))
    service.handle(c.EndSession("end2"))
    assert engine2.session_id != session
    store.close()
    return db, session, other


def _copy(pristine: tuple[Path, str, str], tmp_path: Path) -> tuple[sqlite3.Connection, str]:
    db = tmp_path / "edited.sqlite3"
    shutil.copy(pristine[0], db)
    return sqlite3.connect(db), str(db)


def _verify(db: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", "--database", db, *extra])
    return result.exit_code, result.output


def _rechain(conn: sqlite3.Connection, stream: str, first_prev: str) -> None:
    """What a careful editor does: recompute every hash of a stream and its head row."""
    rows = conn.execute(
        "SELECT seq, wall_time, session_time, actor, kind, data FROM events "
        "WHERE stream = ? ORDER BY seq",
        (stream,),
    ).fetchall()
    prev = first_prev
    for seq, wall, st, actor, kind, data in rows:
        h = event_hash(stream, seq, wall, st, actor, kind, data, prev)
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE stream = ? AND seq = ?",
            (prev, h, stream, seq),
        )
        prev = h
    conn.execute(
        "UPDATE streams SET head_seq = ?, head_hash = ? WHERE stream = ?",
        (rows[-1][0] if rows else 0, prev, stream),
    )
    conn.commit()


def _genesis(conn: sqlite3.Connection, stream: str) -> str:
    kind, client, created = conn.execute(
        "SELECT kind, client_code, created_at FROM streams WHERE stream = ?", (stream,)
    ).fetchone()
    return stream_genesis(stream, kind, client, created)


def _failed_naming(db: str, session: str, *words: str) -> str:
    code, out = _verify(db)
    assert code == 1, out
    line = next((ln for ln in out.splitlines() if ln.startswith(f"TAMPERED {session}")), "")
    assert line, out
    for w in words:
        assert w in line, line
    return line


def test_the_untouched_database_verifies_and_shows_the_key(
    pristine: tuple[Path, str, str],
) -> None:
    code, out = _verify(str(pristine[0]))
    assert code == 0, out
    key = SigningKey.load_or_create()
    assert f"signing key {key.fingerprint}" in out
    assert "ok       ledger" in out and "all 4 record(s) verified" in out


def test_an_edit_with_every_later_hash_recomputed_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session = pristine[1]
    conn.execute(
        "UPDATE events SET data = replace(data, '\"value\":70.0', '\"value\":20.0') "
        "WHERE stream = ? AND kind = 'suds_rated'",
        (session,),
    )
    _rechain(conn, session, _genesis(conn, session))
    assert open_store(db).verify(session).ok  # the chain alone no longer shows it
    print(_failed_naming(db, session, "rewritten", "signed checkpoint"))


def test_a_cut_tail_with_the_head_row_updated_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session = pristine[1]
    (last,) = conn.execute("SELECT MAX(seq) FROM events WHERE stream = ?", (session,)).fetchone()
    conn.execute("DELETE FROM commands WHERE stream = ?", (session,))
    conn.execute("DELETE FROM events WHERE stream = ? AND seq > ?", (session, last - 4))
    _rechain(conn, session, _genesis(conn, session))  # head row set to the new last event
    assert open_store(db).verify(session).ok
    print(_failed_naming(db, session, "truncated", f"event {last}"))


def test_a_deleted_session_is_detected(pristine: tuple[Path, str, str], tmp_path: Path) -> None:
    conn, db = _copy(pristine, tmp_path)
    session = pristine[1]
    for table in ("commands", "events", "leases", "streams"):
        conn.execute(f"DELETE FROM {table} WHERE stream = ?", (session,))
    conn.commit()
    print(_failed_naming(db, session, "deleted"))


def test_a_session_moved_to_another_client_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session, other = pristine[1], pristine[2]
    (old,) = conn.execute("SELECT client_code FROM streams WHERE stream = ?", (session,)).fetchone()
    conn.execute("UPDATE streams SET client_code = ? WHERE stream = ?", (other, session))
    conn.execute(
        "UPDATE events SET data = replace(data, ?, ?) WHERE stream = ?", (old, other, session)
    )
    _rechain(conn, session, _genesis(conn, session))  # even with a consistent new chain
    assert open_store(db).verify(session).ok
    print(_failed_naming(db, session, f"moved from client {old} to client {other}"))


def test_a_naive_client_move_breaks_the_chain_itself(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session, other = pristine[1], pristine[2]
    conn.execute("UPDATE streams SET client_code = ? WHERE stream = ?", (other, session))
    conn.commit()
    report = open_store(db).verify(session)
    assert not report.ok and "moved to another client" in report.problems[0]


def test_a_changed_creation_date_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session = pristine[1]
    conn.execute(
        "UPDATE streams SET created_at = created_at - 86400 * 30 WHERE stream = ?", (session,)
    )
    _rechain(conn, session, _genesis(conn, session))
    assert open_store(db).verify(session).ok
    print(_failed_naming(db, session, "creation time was changed"))


def _resign_ledger(conn: sqlite3.Connection, key: SigningKey | None) -> None:
    """Recompute every ledger hash; re-sign with ``key`` (None: keep the old signatures)."""
    rows = conn.execute(
        "SELECT seq, wall_time, entry, stream, stream_kind, client_code, created_at, head_seq, "
        "head_hash, note, public_key, signature FROM ledger ORDER BY seq"
    ).fetchall()
    prev = "0" * 64
    for r in rows:
        fields = list(r[:11])
        if key is not None:
            fields[10] = key.public_hex
        h = ledger_hash(fields, prev)
        sig = key.sign(h.encode("ascii")) if key is not None else r[11]
        conn.execute(
            "UPDATE ledger SET public_key = ?, prev_hash = ?, hash = ?, signature = ? "
            "WHERE seq = ?",
            (fields[10], prev, h, sig, r[0]),
        )
        prev = h
    conn.execute("UPDATE ledger_head SET hash = ? WHERE id = 1", (prev,))
    conn.commit()


@pytest.mark.parametrize("own_key", [False, True], ids=["no-key", "own-key"])
def test_a_ledger_rewritten_without_the_station_key_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path, own_key: bool
) -> None:
    conn, db = _copy(pristine, tmp_path)
    session, other = pristine[1], pristine[2]
    # move the session and make the ledger agree: impossible to sign without the key
    conn.execute("UPDATE streams SET client_code = ? WHERE stream = ?", (other, session))
    _rechain(conn, session, _genesis(conn, session))
    conn.execute("UPDATE ledger SET client_code = ? WHERE stream = ?", (other, session))
    _resign_ledger(conn, SigningKey.generate() if own_key else None)
    line = _failed_naming(db, session)
    assert ("does not trust" if own_key else "signature is not valid") in line
    print(line)


def test_a_receipt_kept_elsewhere_shows_a_cut_the_database_cannot(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    receipt = tmp_path / "receipt.json"
    code, out = _verify(db, "--receipt", str(receipt))
    assert code == 0 and "receipt of 4 record(s) written" in out
    data = json.loads(receipt.read_text())
    assert data["signature"] and len(data["streams"]) == 4
    assert _verify(db, "--against", str(receipt))[0] == 0
    # cut the last session's tail AND the ledger's tail consistently
    (session,) = conn.execute("SELECT stream FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    (first_of_session,) = conn.execute(
        "SELECT MIN(seq) FROM ledger WHERE stream = ? AND entry = 'checkpoint'", (session,)
    ).fetchone()
    conn.execute("DELETE FROM ledger WHERE seq > ?", (first_of_session,))
    (seq, h) = conn.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    conn.execute("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (seq, h))
    (kept,) = conn.execute(
        "SELECT head_seq FROM ledger WHERE seq = ?", (first_of_session,)
    ).fetchone()
    conn.execute("DELETE FROM events WHERE stream = ? AND seq > ?", (session, kept))
    conn.execute("DELETE FROM commands WHERE stream = ?", (session,))
    _rechain(conn, session, _genesis(conn, session))
    code, out = _verify(db)
    assert code == 0, out  # without the receipt this careful cut is not detectable
    code, out = _verify(db, "--against", str(receipt))
    assert code == 1
    assert f"TAMPERED {session}: truncated" in out and "TAMPERED ledger" in out
    print(out)
    # a receipt that was itself edited is refused
    data["streams"][0]["head_seq"] += 1
    receipt.write_text(json.dumps(data))
    code, out = _verify(db, "--against", str(receipt))
    assert code == 1 and "signature is not valid" in out


def test_the_key_is_private_and_a_readable_key_is_refused(tmp_path: Path) -> None:
    key_path = config_dir() / KEY_FILE
    SigningKey.load_or_create()
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    elsewhere = tmp_path / "k" / KEY_FILE
    made = SigningKey.load_or_create(elsewhere)
    assert stat.S_IMODE(os.stat(elsewhere).st_mode) == 0o600
    assert SigningKey.load_or_create(elsewhere).public_hex == made.public_hex
    os.chmod(elsewhere, 0o644)
    from vrtherapy.session.store.signing import SigningKeyError

    with pytest.raises(SigningKeyError, match="chmod 600"):
        SigningKey.load_or_create(elsewhere)


def test_a_record_added_outside_vrtherapy_is_detected(
    pristine: tuple[Path, str, str], tmp_path: Path
) -> None:
    conn, db = _copy(pristine, tmp_path)
    fake = "session:C-FAKE-0000:000000000000"
    conn.execute(
        "INSERT INTO streams (stream, kind, client_code, created_at, head_seq, head_hash, "
        "updated_at) VALUES (?, 'session', 'C-FAKE-0000', 1799999999.0, 0, ?, 1799999999.0)",
        (fake, stream_genesis(fake, "session", "C-FAKE-0000", 1799999999.0)),
    )
    conn.commit()
    print(_failed_naming(db, fake, "not in the ledger"))


_: Callable[..., object] = _copy  # keep the helper's name stable for readers


def test_notes_after_the_end_are_checkpointed(sqlite_store: EventStore, library: Library) -> None:
    from tests.session.helpers import start

    engine, _ = start(sqlite_store, library)
    engine.handle(c.EndSession("end"))
    engine.handle(c.AddNote("n", text="closing note"))
    last = sqlite_store.read(engine.session_id)[-1]
    checkpoints = [e for e in sqlite_store.ledger() if e.stream == engine.session_id]
    assert checkpoints[-1].head_seq == last.seq and checkpoints[-1].note == "after the end"
