"""The store interface shared by the SQLite and PostgreSQL back ends.

Rows are the same in both; only the connection and the SQL dialect differ, so
one class holds the logic and each back end supplies a small adapter.
"""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vrtherapy.session.events import Event, NewEvent, TrackingChunk, payload_from
from vrtherapy.session.station import LEASE_SECONDS, Lease, Station
from vrtherapy.session.store.chain import (
    GENESIS,
    canonical,
    event_hash,
    ledger_hash,
    stream_genesis,
)
from vrtherapy.session.store.migrations import MIGRATIONS, SCHEMA_VERSION
from vrtherapy.session.store.signing import (
    SigningKey,
    SigningKeyError,
    check_signature,
    fingerprint,
)

if TYPE_CHECKING:  # numpy: only where poses are read, not for every command
    from vrtherapy.session.tracking import TrackingSamples

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do."""


class ConcurrencyError(StoreError):
    """Another writer appended to the stream first; reload and retry."""


class LeaseHeld(StoreError):
    """Another station runs this session; the message names it."""

    def __init__(self, message: str, holder: Lease) -> None:
        super().__init__(message)
        self.holder = holder


class LeaseLost(StoreError):
    """This station no longer holds the session's lease (another station took it over)."""


@dataclass(frozen=True)
class StreamInfo:
    stream: str
    kind: str  # 'session' or 'client'
    client_code: str
    created_at: float
    head_seq: int
    updated_at: float


@dataclass(frozen=True)
class StreamHead:
    stream: str
    kind: str
    client_code: str
    created_at: float
    head_seq: int
    head_hash: str


@dataclass(frozen=True)
class VerifyReport:
    stream: str
    events: int
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()  # not failures: what the check could not cover

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class LedgerReport:
    """The ledger's own chain and signatures, and every stream checked against it."""

    entries: int
    problems: tuple[tuple[str, str], ...]  # (stream, or 'ledger', what is wrong)
    signers: tuple[str, ...]  # fingerprints of the keys that signed entries

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    wall_time: float
    entry: str  # 'created' or 'checkpoint'
    stream: str
    stream_kind: str
    client_code: str
    created_at: float
    head_seq: int
    head_hash: str
    note: str
    public_key: str
    prev_hash: str
    hash: str
    signature: str

    def fields(self) -> list[Any]:
        """What the entry's hash covers (all but the links, the hash and the signature)."""
        return [
            self.seq,
            self.wall_time,
            self.entry,
            self.stream,
            self.stream_kind,
            self.client_code,
            self.created_at,
            self.head_seq,
            self.head_hash,
            self.note,
            self.public_key,
        ]


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
    def _migration_lock(self, cur: Any) -> None:
        """Serialise migrations of stations starting together (inside the migrating
        transaction); SQLite's BEGIN IMMEDIATE already does."""
        return None

    def migrate(self) -> int:
        """Bring the database schema up to date; returns the version now in force."""
        with self._write() as cur:
            self._migration_lock(cur)
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

    # -- signing -------------------------------------------------------------------
    _key: SigningKey | None = None

    def use_signing_key(self, key: SigningKey) -> None:
        self._key = key

    def signing_key(self) -> SigningKey:
        """The key that signs this station's ledger entries (made on first use)."""
        if self._key is None:
            try:
                self._key = SigningKey.load_or_create()
            except SigningKeyError as exc:
                raise StoreError(str(exc)) from None
        return self._key

    # -- writing -------------------------------------------------------------------
    def create_stream(
        self,
        stream: str,
        kind: str,
        client_code: str,
        now: float,
        events: Sequence[NewEvent] = (),
        *,
        command_id: str | None = None,
        holder: Station | None = None,
    ) -> list[Event]:
        """Create a stream with its first events, in one transaction: a crash leaves
        either the whole beginning or nothing. The ledger records the creation (and a
        checkpoint of the first events); ``holder`` takes the stream's lease."""
        key = self.signing_key()
        with self._write() as cur:
            cur.execute(self._sql("SELECT 1 FROM streams WHERE stream = ?"), (stream,))
            if cur.fetchone():
                raise StoreError(f"stream '{stream}' already exists")
            genesis = stream_genesis(stream, kind, client_code, now)
            cur.execute(
                self._sql(
                    "INSERT INTO streams (stream, kind, client_code, created_at, head_seq, "
                    "head_hash, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)"
                ),
                (stream, kind, client_code, now, genesis, now),
            )
            head = (stream, kind, client_code, now)
            self._ledger_add(cur, key, "created", head, 0, genesis, "created", now)
            if holder is not None:
                self._take_lease(cur, stream, holder, now)
            stored = self._append_rows(cur, stream, 0, genesis, events, now, command_id)
            if stored:
                last = stored[-1]
                self._ledger_add(cur, key, "checkpoint", head, last.seq, last.hash, "start", now)
        return stored

    def append(
        self,
        stream: str,
        expected_seq: int,
        events: Sequence[NewEvent],
        wall_time: float,
        command_id: str | None = None,
        *,
        checkpoint: str = "",
        holder: Station | None = None,
        tracking: Mapping[int, bytes] | None = None,
    ) -> list[Event]:
        """Append events atomically; durable when this returns.

        ``expected_seq`` is the sequence number of the last event the caller has
        seen; if another writer got there first, ConcurrencyError is raised and
        nothing is written. A ``command_id`` is recorded in the same transaction,
        so that a repeated command can be recognised (see :meth:`command`). With
        ``holder``, the write is refused (LeaseLost) unless that station holds the
        stream's lease, which it renews. A non-empty ``checkpoint`` (the reason)
        records the new head in the signed ledger in the same transaction.
        ``tracking`` maps the index of a ``tracking_chunk`` event in ``events`` to the
        chunk's bytes, stored beside it in the same transaction (their sha256 must be the
        one the event carries).
        """
        key = self.signing_key() if checkpoint else None
        chunks = dict(tracking or {})
        for index, data in chunks.items():
            payload = events[index].payload
            if not isinstance(payload, TrackingChunk) or payload.sha256 != _sha256(data):
                raise StoreError(
                    f"tracking bytes for event {index} of the append do not belong to a "
                    "tracking_chunk event with their hash"
                )
        with self._write() as cur:
            cur.execute(
                self._sql(
                    "SELECT head_seq, head_hash, kind, client_code, created_at FROM streams "
                    "WHERE stream = ?"
                )
                + self._lock_suffix(),
                (stream,),
            )
            row = cur.fetchone()
            if row is None:
                raise StoreError(f"no stream '{stream}'")
            head_seq, head_hash = int(row[0]), str(row[1])
            if holder is not None:
                self._check_lease(cur, stream, holder, wall_time)
            if head_seq != expected_seq:
                raise ConcurrencyError(
                    f"stream '{stream}' is at event {head_seq}, expected {expected_seq}"
                )
            stored = self._append_rows(
                cur, stream, head_seq, head_hash, events, wall_time, command_id
            )
            for index, data in chunks.items():
                cur.execute(
                    self._sql("INSERT INTO tracking_chunks (stream, seq, data) VALUES (?, ?, ?)"),
                    (stream, stored[index].seq, data),
                )
            if key is not None and stored:
                head = (stream, str(row[2]), str(row[3]), float(row[4]))
                last = stored[-1]
                self._ledger_add(
                    cur, key, "checkpoint", head, last.seq, last.hash, checkpoint, wall_time
                )
        return stored

    def _append_rows(
        self,
        cur: Any,
        stream: str,
        head_seq: int,
        head_hash: str,
        events: Sequence[NewEvent],
        wall_time: float,
        command_id: str | None,
    ) -> list[Event]:
        if command_id is not None:
            cur.execute(self._sql("SELECT 1 FROM commands WHERE command_id = ?"), (command_id,))
            if cur.fetchone():
                raise StoreError(f"command {command_id} was already applied")
        stored: list[Event] = []
        seq, prev = head_seq, head_hash
        for ev in events:
            seq += 1
            data_json = canonical(ev.payload.to_data())
            kind = ev.payload.KIND
            h = event_hash(stream, seq, wall_time, ev.session_time, ev.actor, kind, data_json, prev)
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

    # -- the ledger -------------------------------------------------------------------
    def _ledger_add(
        self,
        cur: Any,
        key: SigningKey,
        entry: str,
        head: tuple[str, str, str, float],
        head_seq: int,
        head_hash: str,
        note: str,
        now: float,
    ) -> None:
        """Append one signed entry to the clinic-wide ledger (inside the caller's transaction)."""
        cur.execute(
            "SELECT seq, hash FROM ledger_head WHERE id = 1" + self._lock_suffix(),
        )
        row = cur.fetchone()
        if row is None:
            raise StoreError(f"the ledger of {self.description} has no head row (altered?)")
        prev_seq, prev_hash = int(row[0]), str(row[1])
        stream, kind, client_code, created_at = head
        e = LedgerEntry(
            prev_seq + 1,
            float(now),
            entry,
            stream,
            kind,
            client_code,
            float(created_at),
            head_seq,
            head_hash,
            note,
            key.public_hex,
            prev_hash,
            "",
            "",
        )
        h = ledger_hash(e.fields(), prev_hash)
        cur.execute(
            self._sql(
                "INSERT INTO ledger (seq, wall_time, entry, stream, stream_kind, client_code, "
                "created_at, head_seq, head_hash, note, public_key, prev_hash, hash, signature) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (*e.fields(), prev_hash, h, key.sign(h.encode("ascii"))),
        )
        cur.execute(self._sql("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1"), (e.seq, h))

    def checkpoint(self, stream: str, now: float, note: str = "periodic") -> bool:
        """Record the stream's current head in the ledger, if not already; True if written."""
        key = self.signing_key()
        with self._write() as cur:
            cur.execute(
                self._sql(
                    "SELECT head_seq, head_hash, kind, client_code, created_at FROM streams "
                    "WHERE stream = ?"
                ),
                (stream,),
            )
            row = cur.fetchone()
            if row is None:
                raise StoreError(f"no stream '{stream}'")
            cur.execute(
                self._sql(
                    "SELECT MAX(head_seq) FROM ledger WHERE stream = ? AND entry = 'checkpoint'"
                ),
                (stream,),
            )
            done = cur.fetchone()
            if done is not None and done[0] is not None and int(done[0]) >= int(row[0]):
                return False
            head = (stream, str(row[2]), str(row[3]), float(row[4]))
            self._ledger_add(cur, key, "checkpoint", head, int(row[0]), str(row[1]), note, now)
        return True

    def ledger(self) -> list[LedgerEntry]:
        with self._read() as cur:
            cur.execute(
                "SELECT seq, wall_time, entry, stream, stream_kind, client_code, created_at, "
                "head_seq, head_hash, note, public_key, prev_hash, hash, signature "
                "FROM ledger ORDER BY seq"
            )
            rows = cur.fetchall()
        return [
            LedgerEntry(
                int(r[0]),
                float(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                str(r[5]),
                float(r[6]),
                int(r[7]),
                str(r[8]),
                str(r[9]),
                str(r[10]),
                str(r[11]),
                str(r[12]),
                str(r[13]),
            )
            for r in rows
        ]

    def ledger_head(self) -> tuple[int, str]:
        with self._read() as cur:
            cur.execute("SELECT seq, hash FROM ledger_head WHERE id = 1")
            row = cur.fetchone()
        return (int(row[0]), str(row[1])) if row else (0, "")

    # -- leases -------------------------------------------------------------------------
    def lease(self, stream: str) -> Lease | None:
        with self._read() as cur:
            return self._lease_row(cur, stream)

    def _lease_row(self, cur: Any, stream: str) -> Lease | None:
        cur.execute(
            self._sql(
                "SELECT stream, station, host, pid, token, acquired_at, expires_at FROM leases "
                "WHERE stream = ?"
            ),
            (stream,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        return Lease(
            str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), float(r[5]), float(r[6])
        )

    def _take_lease(self, cur: Any, stream: str, holder: Station, now: float) -> None:
        cur.execute(self._sql("DELETE FROM leases WHERE stream = ?"), (stream,))
        cur.execute(
            self._sql(
                "INSERT INTO leases (stream, station, host, pid, token, acquired_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (stream, holder.name, holder.host, holder.pid, holder.token, now, now + LEASE_SECONDS),
        )

    def acquire_lease(
        self, stream: str, holder: Station, now: float, *, takeover: bool = False
    ) -> Lease | None:
        """Make ``holder`` the station that runs ``stream``.

        Free, lapsed or already ours: taken. Held by another live station: LeaseHeld
        naming it, unless ``takeover``, which returns the lease that was taken over
        (the caller records the takeover in the session).
        """
        with self._write() as cur:
            cur.execute(
                self._sql("SELECT 1 FROM streams WHERE stream = ?") + self._lock_suffix(),
                (stream,),
            )
            if cur.fetchone() is None:
                raise StoreError(f"no stream '{stream}'")
            current = self._lease_row(cur, stream)
            live = current is not None and current.token != holder.token
            live = live and current is not None and not current.lapsed(now)
            if live and not takeover:
                assert current is not None
                raise LeaseHeld(
                    f"session {stream} is being run by station {current.label}; take it over "
                    "only if that station is not running it any more",
                    current,
                )
            self._take_lease(cur, stream, holder, now)
            return current if live else None

    def _check_lease(self, cur: Any, stream: str, holder: Station, now: float) -> None:
        current = self._lease_row(cur, stream)
        if current is not None and current.token != holder.token:
            raise LeaseLost(
                f"station {current.label} took over session {stream}; this station no longer "
                "records it"
            )
        if current is None:
            self._take_lease(cur, stream, holder, now)
        else:
            cur.execute(
                self._sql("UPDATE leases SET expires_at = ? WHERE stream = ?"),
                (now + LEASE_SECONDS, stream),
            )

    def renew_lease(self, stream: str, holder: Station, now: float) -> None:
        """Extend this station's lease; LeaseLost if another station has it now."""
        with self._write() as cur:
            self._check_lease(cur, stream, holder, now)

    def release_lease(self, stream: str, holder: Station) -> None:
        with self._write() as cur:
            cur.execute(
                self._sql("DELETE FROM leases WHERE stream = ? AND token = ?"),
                (stream, holder.token),
            )

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

    def tracking_chunks(self, stream: str) -> list[tuple[int, bytes]]:
        """The stored tracking chunks of a stream as (seq of their event, bytes), in order."""
        with self._read() as cur:
            cur.execute(
                self._sql("SELECT seq, data FROM tracking_chunks WHERE stream = ? ORDER BY seq"),
                (stream,),
            )
            return [(int(r[0]), bytes(r[1])) for r in cur.fetchall()]

    def tracking(self, stream: str) -> TrackingSamples:
        """Every tracked pose of a session, in time order (empty when none was recorded).

        Reads the chunks as stored; :meth:`verify` says whether they are the ones the
        hash chain recorded. A chunk that cannot be decoded raises StoreError naming it.
        """
        from vrtherapy.session.tracking import ChunkError, TrackingSamples, decode_chunk

        parts = []
        for seq, data in self.tracking_chunks(stream):
            try:
                parts.append(decode_chunk(data))
            except ChunkError as exc:
                raise StoreError(
                    f"the tracking chunk of event {seq} in session {stream} cannot be read: {exc}"
                ) from None
        return TrackingSamples.concat(parts)

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

    def heads(self) -> list[StreamHead]:
        """Every stream's stored identity and head, by name."""
        with self._read() as cur:
            cur.execute(
                "SELECT stream, kind, client_code, created_at, head_seq, head_hash FROM streams "
                "ORDER BY stream"
            )
            rows = cur.fetchall()
        return [
            StreamHead(str(r[0]), str(r[1]), str(r[2]), float(r[3]), int(r[4]), str(r[5]))
            for r in rows
        ]

    def event_hashes(self) -> dict[tuple[str, int], str]:
        """The stored hash of every event, by (stream, seq)."""
        with self._read() as cur:
            cur.execute("SELECT stream, seq, hash FROM events")
            return {(str(r[0]), int(r[1])): str(r[2]) for r in cur.fetchall()}

    def verify(self, stream: str) -> VerifyReport:
        """Recompute the hash chain of a stream, from its genesis (its stored name, kind,
        client and creation time) to its recorded head. See :meth:`verify_ledger` for
        what the chain alone cannot show (a recomputed chain, a deleted stream)."""
        problems: list[str] = []
        notes: list[str] = []
        with self._read() as cur:
            cur.execute(
                self._sql(
                    "SELECT head_seq, head_hash, kind, client_code, created_at FROM streams "
                    "WHERE stream = ?"
                ),
                (stream,),
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
            cur.execute(
                self._sql("SELECT 1 FROM ledger WHERE stream = ? AND entry = 'created'"),
                (stream,),
            )
            in_ledger = cur.fetchone() is not None
            cur.execute(
                self._sql("SELECT seq, data FROM tracking_chunks WHERE stream = ? ORDER BY seq"),
                (stream,),
            )
            chunks = {int(r[0]): bytes(r[1]) for r in cur.fetchall()}
        if head is None:
            return VerifyReport(stream, 0, (f"no stream '{stream}'",))
        genesis = stream_genesis(stream, str(head[2]), str(head[3]), float(head[4]))
        expected_prev, expected_seq = genesis, 0
        first_prev = str(rows[0][6]) if rows else str(head[1])
        if first_prev == GENESIS and not in_ledger:
            # made before schema 2: its chain starts from zeros, and the client and
            # creation time were not hashed (verify_ledger says whether that is plausible)
            expected_prev = GENESIS
            notes.append("made before the ledger: its client and creation time are not protected")
        elif first_prev != genesis:
            problems.append(
                "the stored client, kind or creation time do not match the ones its first "
                "event was chained to (moved to another client, or its date changed)"
            )
            expected_prev = first_prev
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
            if kind == TrackingChunk.KIND:
                problems.extend(_check_chunk(int(seq), str(data), chunks.pop(int(seq), None)))
        for seq in sorted(chunks):
            problems.append(
                f"tracking chunk beside event {seq} is not in the hash chain (added outside "
                "vrtherapy)"
            )
        head_seq, head_hash = int(head[0]), str(head[1])
        if head_seq != expected_seq or head_hash != expected_prev:
            problems.append(
                f"the log ends at event {expected_seq} but {head_seq} were recorded "
                "(events removed from the end, or the head was altered)"
            )
        return VerifyReport(stream, len(rows), tuple(problems), tuple(notes))

    def verify_ledger(self, trusted: dict[str, str]) -> LedgerReport:
        """Check the ledger (its chain, and each entry's signature by a ``trusted`` key,
        public keys by fingerprint) and every stream against it: a stream the ledger saw
        created must still exist with the same client and creation time; every signed
        checkpoint's event must still be there with the same hash."""
        entries = self.ledger()
        led_seq, led_hash = self.ledger_head()
        streams = {h.stream: h for h in self.heads()}
        hashes = self.event_hashes()
        problems: list[tuple[str, str]] = []
        signers: set[str] = set()
        unsigned: dict[tuple[str, str], list[int]] = {}  # (stream, why) -> entry numbers
        prev, expected = GENESIS, 0
        for e in entries:
            expected += 1
            where = f"ledger entry {e.seq} ({e.entry} of {e.stream})"
            if e.seq != expected:
                problems.append((e.stream, f"ledger entries {expected}–{e.seq - 1} are missing"))
                expected = e.seq
            if e.prev_hash != prev:
                problems.append((e.stream, f"{where}: link to the previous entry is broken"))
            if ledger_hash(e.fields(), e.prev_hash) != e.hash:
                problems.append((e.stream, f"{where}: contents do not match its hash (altered)"))
            fp = fingerprint(e.public_key) if _hex_key(e.public_key) else e.public_key[:16]
            if not check_signature(e.public_key, e.hash.encode("ascii"), e.signature):
                unsigned.setdefault((e.stream, "the signature is not valid (forged)"), []).append(
                    e.seq
                )
            elif trusted.get(fp) != e.public_key:
                why = f"signed by key {fp}, which this station does not trust"
                unsigned.setdefault((e.stream, why), []).append(e.seq)
            signers.add(fp)
            prev = e.hash
        for (name, why), seqs in unsigned.items():
            which = f"ledger entry {seqs[0]}" if len(seqs) == 1 else f"{len(seqs)} ledger entries"
            problems.append((name, f"{which} about it ({_ranges(seqs)}): {why}"))
        if (led_seq, led_hash) != (expected, prev):
            problems.append(
                (
                    "ledger",
                    f"the ledger ends at entry {expected} but its head says {led_seq} "
                    "(entries removed from the end, or the head altered)",
                )
            )
        created = {e.stream: e for e in entries if e.entry == "created"}
        for name, e in created.items():
            row = streams.get(name)
            what = "session" if e.stream_kind == "session" else "record"
            if row is None:
                problems.append(
                    (
                        name,
                        f"the {what} was deleted: the ledger recorded its creation on "
                        f"{when(e.created_at)} for client {e.client_code}",
                    )
                )
                continue
            if row.client_code != e.client_code:
                problems.append(
                    (name, f"moved from client {e.client_code} to client {row.client_code}")
                )
            if row.created_at != e.created_at:
                problems.append(
                    (
                        name,
                        f"its creation time was changed from {when(e.created_at)} "
                        f"to {when(row.created_at)}",
                    )
                )
            if row.kind != e.stream_kind:
                problems.append((name, f"its kind was changed from {e.stream_kind} to {row.kind}"))
        reported: set[str] = set()
        for e in reversed(entries):  # newest first: the furthest checkpoint says most
            if e.entry != "checkpoint" or e.stream in reported or e.stream not in streams:
                continue
            stored = hashes.get((e.stream, e.head_seq))
            if stored is None:
                reported.add(e.stream)
                problems.append(
                    (
                        e.stream,
                        f"truncated: the signed ledger saw event {e.head_seq} on "
                        f"{when(e.wall_time)}, but the record ends at event "
                        f"{streams[e.stream].head_seq}",
                    )
                )
            elif stored != e.head_hash:
                reported.add(e.stream)
                problems.append(
                    (
                        e.stream,
                        f"rewritten: event {e.head_seq} differs from the signed checkpoint of "
                        f"{when(e.wall_time)} (the chain was recomputed after an edit)",
                    )
                )
        first = entries[0].wall_time if entries else None
        for name, row in streams.items():
            if name in created:
                continue
            if first is not None and row.created_at >= first:
                problems.append(
                    (
                        name,
                        "not in the ledger: added outside vrtherapy, or its ledger entry "
                        "was removed",
                    )
                )
        return LedgerReport(len(entries), tuple(problems), tuple(sorted(signers)))


def _check_chunk(seq: int, data_json: str, data: bytes | None) -> list[str]:
    """Problems with the tracking chunk whose hash event ``seq`` carries."""
    try:
        meta = json.loads(data_json)
        expected = str(meta["sha256"])
        span = f"{_clock(float(meta['start']))}–{_clock(float(meta['end']))}"
    except (ValueError, KeyError, TypeError):
        return [f"event {seq}: a tracking chunk event without its hash"]
    name = f"tracking chunk of event {seq} (session time {span})"
    if data is None:
        return [f"{name} is missing"]
    if _sha256(data) != expected:
        return [f"{name}: its bytes do not match the hash in the chain (altered)"]
    return []


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _clock(t: float) -> str:
    """Session time as M:SS (H:MM:SS from an hour on)."""
    total = int(t)
    h, rest = divmod(total, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _ranges(seqs: list[int]) -> str:
    """1, 2, 3, 7 -> '1–3, 7'."""
    parts: list[str] = []
    start = prev = seqs[0]
    for n in [*seqs[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _hex_key(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


def when(t: float) -> str:
    """A wall time as people read it in verification messages (UTC)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
