"""The store interface shared by the SQLite and PostgreSQL back ends.

Rows are the same in both; only the connection and the SQL dialect differ, so
one class holds the logic and each back end supplies a small adapter.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vrtherapy.session.events import Event, NewEvent, payload_from
from vrtherapy.session.store.chain import GENESIS, canonical, event_hash
from vrtherapy.session.store.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do."""


class ConcurrencyError(StoreError):
    """Another writer appended to the stream first; reload and retry."""


@dataclass(frozen=True)
class StreamInfo:
    stream: str
    kind: str  # 'session' or 'client'
    client_code: str
    created_at: float
    head_seq: int
    updated_at: float


@dataclass(frozen=True)
class VerifyReport:
    stream: str
    events: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class CommandRecord:
    command_id: str
    stream: str
    first_seq: int
    last_seq: int


class EventStore(ABC):
    """Append-only streams of hash-chained events, with command de-duplication."""

    placeholder = "?"
    description = ""

    # -- adapter hooks -------------------------------------------------------
    @abstractmethod
    def _connection(self) -> Any: ...

    @abstractmethod
    def _begin_write(self, cur: Any) -> None: ...

    @abstractmethod
    def _table_exists(self, cur: Any, table: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...

    dialect = "sqlite"

    # -- helpers -----------------------------------------------------------------
    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        conn = self._connection()
        cur = conn.cursor()
        self._begin_write(cur)
        try:
            yield cur
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    @contextmanager
    def _read(self) -> Iterator[Any]:
        conn = self._connection()
        cur = conn.cursor()
        try:
            yield cur
        finally:
            cur.close()
            conn.rollback()  # end the read transaction; reads never change anything

    # -- schema --------------------------------------------------------------------
    def migrate(self) -> int:
        """Bring the database schema up to date; returns the version now in force."""
        with self._write() as cur:
            current = 0
            if self._table_exists(cur, "schema_version"):
                cur.execute("SELECT version FROM schema_version")
                row = cur.fetchone()
                current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the database ({self.description}) has schema version {current}, newer "
                    f"than this vrtherapy understands ({SCHEMA_VERSION}); upgrade vrtherapy"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                log.info("migrating store to schema version %d", version)
                for statement in MIGRATIONS[version](self.dialect):
                    cur.execute(statement)
                if version == 1:
                    cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), (1,))
                else:
                    cur.execute(self._sql("UPDATE schema_version SET version = ?"), (version,))
            return max(current, SCHEMA_VERSION)

    def schema_version(self) -> int:
        with self._read() as cur:
            cur.execute("SELECT version FROM schema_version")
            row = cur.fetchone()
            return int(row[0]) if row else 0

    # -- writing -------------------------------------------------------------------
    def create_stream(self, stream: str, kind: str, client_code: str, now: float) -> None:
        with self._write() as cur:
            cur.execute(self._sql("SELECT 1 FROM streams WHERE stream = ?"), (stream,))
            if cur.fetchone():
                raise StoreError(f"stream '{stream}' already exists")
            cur.execute(
                self._sql(
                    "INSERT INTO streams (stream, kind, client_code, created_at, head_seq, "
                    "head_hash, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)"
                ),
                (stream, kind, client_code, now, GENESIS, now),
            )

    def append(
        self,
        stream: str,
        expected_seq: int,
        events: Sequence[NewEvent],
        wall_time: float,
        command_id: str | None = None,
    ) -> list[Event]:
        """Append events atomically; durable when this returns.

        ``expected_seq`` is the sequence number of the last event the caller has
        seen; if another writer got there first, ConcurrencyError is raised and
        nothing is written. A ``command_id`` is recorded in the same transaction,
        so that a repeated command can be recognised (see :meth:`command`).
        """
        stored: list[Event] = []
        with self._write() as cur:
            cur.execute(
                self._sql("SELECT head_seq, head_hash FROM streams WHERE stream = ?")
                + self._lock_suffix(),
                (stream,),
            )
            row = cur.fetchone()
            if row is None:
                raise StoreError(f"no stream '{stream}'")
            head_seq, head_hash = int(row[0]), str(row[1])
            if head_seq != expected_seq:
                raise ConcurrencyError(
                    f"stream '{stream}' is at event {head_seq}, expected {expected_seq}"
                )
            if command_id is not None:
                cur.execute(self._sql("SELECT 1 FROM commands WHERE command_id = ?"), (command_id,))
                if cur.fetchone():
                    raise StoreError(f"command {command_id} was already applied")
            seq, prev = head_seq, head_hash
            for ev in events:
                seq += 1
                data_json = canonical(ev.payload.to_data())
                kind = ev.payload.KIND
                h = event_hash(
                    stream, seq, wall_time, ev.session_time, ev.actor, kind, data_json, prev
                )
                cur.execute(
                    self._sql(
                        "INSERT INTO events (stream, seq, wall_time, session_time, actor, kind, "
                        "data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (stream, seq, wall_time, ev.session_time, ev.actor, kind, data_json, prev, h),
                )
                stored.append(
                    Event(stream, seq, wall_time, ev.session_time, ev.actor, ev.payload, prev, h)
                )
                prev = h
            if stored:
                cur.execute(
                    self._sql(
                        "UPDATE streams SET head_seq = ?, head_hash = ?, updated_at = ? "
                        "WHERE stream = ?"
                    ),
                    (seq, prev, wall_time, stream),
                )
            if command_id is not None:
                cur.execute(
                    self._sql(
                        "INSERT INTO commands (command_id, stream, first_seq, last_seq, "
                        "applied_at) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (command_id, stream, head_seq + 1, seq, wall_time),
                )
        return stored

    def _lock_suffix(self) -> str:
        return ""

    # -- reading -------------------------------------------------------------------
    def command(self, command_id: str) -> CommandRecord | None:
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT command_id, stream, first_seq, last_seq FROM commands "
                    "WHERE command_id = ?"
                ),
                (command_id,),
            )
            row = cur.fetchone()
        return CommandRecord(str(row[0]), str(row[1]), int(row[2]), int(row[3])) if row else None

    def read(self, stream: str, after_seq: int = 0) -> list[Event]:
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT stream, seq, wall_time, session_time, actor, kind, data, prev_hash, "
                    "hash FROM events WHERE stream = ? AND seq > ? ORDER BY seq"
                ),
                (stream, after_seq),
            )
            rows = cur.fetchall()
        return [_event_from_row(r) for r in rows]

    def stream(self, stream: str) -> StreamInfo | None:
        infos = self._streams("WHERE stream = ?", (stream,))
        return infos[0] if infos else None

    def streams(self, kind: str | None = None, client_code: str | None = None) -> list[StreamInfo]:
        clauses, args = [], []
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        if client_code is not None:
            clauses.append("client_code = ?")
            args.append(client_code)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._streams(where, tuple(args))

    def _streams(self, where: str, args: tuple[Any, ...]) -> list[StreamInfo]:
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT stream, kind, client_code, created_at, head_seq, updated_at "
                    f"FROM streams {where} ORDER BY created_at, stream"
                ),
                args,
            )
            rows = cur.fetchall()
        return [
            StreamInfo(str(r[0]), str(r[1]), str(r[2]), float(r[3]), int(r[4]), float(r[5]))
            for r in rows
        ]

    def verify(self, stream: str) -> VerifyReport:
        """Recompute the hash chain of a stream and compare it with its recorded head."""
        problems: list[str] = []
        with self._read() as cur:
            cur.execute(
                self._sql("SELECT head_seq, head_hash FROM streams WHERE stream = ?"), (stream,)
            )
            head = cur.fetchone()
            cur.execute(
                self._sql(
                    "SELECT seq, wall_time, session_time, actor, kind, data, prev_hash, hash "
                    "FROM events WHERE stream = ? ORDER BY seq"
                ),
                (stream,),
            )
            rows = cur.fetchall()
        if head is None:
            return VerifyReport(stream, 0, (f"no stream '{stream}'",))
        expected_prev, expected_seq = GENESIS, 0
        for seq, wall, st, actor, kind, data, prev, h in rows:
            expected_seq += 1
            if int(seq) != expected_seq:
                problems.append(f"event {expected_seq} is missing (next stored is {seq})")
                expected_seq = int(seq)
            if prev != expected_prev:
                problems.append(f"event {seq}: link to the previous event is broken")
            recomputed = event_hash(
                stream,
                int(seq),
                float(wall),
                float(st),
                str(actor),
                str(kind),
                str(data),
                str(prev),
            )
            if recomputed != h:
                problems.append(f"event {seq}: contents do not match its hash (altered)")
            expected_prev = str(h)
        head_seq, head_hash = int(head[0]), str(head[1])
        if head_seq != expected_seq or head_hash != expected_prev:
            problems.append(
                f"the log ends at event {expected_seq} but {head_seq} were recorded "
                "(events removed from the end, or the head was altered)"
            )
        return VerifyReport(stream, len(rows), tuple(problems))


def _event_from_row(r: Sequence[Any]) -> Event:
    return Event(
        stream=str(r[0]),
        seq=int(r[1]),
        wall_time=float(r[2]),
        session_time=float(r[3]),
        actor=r[4],
        payload=payload_from(str(r[5]), json.loads(r[6])),
        prev_hash=str(r[7]),
        hash=str(r[8]),
    )
