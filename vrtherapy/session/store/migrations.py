"""Schema versions of the event store. Append a new version; never edit an old one."""

from __future__ import annotations

from collections.abc import Callable

SCHEMA_VERSION = 3


def _v1(dialect: str) -> list[str]:
    real = "DOUBLE PRECISION" if dialect == "postgres" else "REAL"
    return [
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        f"""CREATE TABLE streams (
            stream TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            client_code TEXT NOT NULL,
            created_at {real} NOT NULL,
            head_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            updated_at {real} NOT NULL)""",
        f"""CREATE TABLE events (
            stream TEXT NOT NULL REFERENCES streams(stream),
            seq INTEGER NOT NULL,
            wall_time {real} NOT NULL,
            session_time {real} NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (stream, seq))""",
        """CREATE TABLE commands (
            command_id TEXT PRIMARY KEY,
            stream TEXT NOT NULL REFERENCES streams(stream),
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            applied_at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX streams_by_client ON streams (client_code, kind)",
    ]


def _v2(dialect: str) -> list[str]:
    """The clinic-wide ledger (signed checkpoints of every stream's head) and session leases."""
    real = "DOUBLE PRECISION" if dialect == "postgres" else "REAL"
    return [
        f"""CREATE TABLE ledger (
            seq INTEGER PRIMARY KEY,
            wall_time {real} NOT NULL,
            entry TEXT NOT NULL,
            stream TEXT NOT NULL,
            stream_kind TEXT NOT NULL,
            client_code TEXT NOT NULL,
            created_at {real} NOT NULL,
            head_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            note TEXT NOT NULL,
            public_key TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            signature TEXT NOT NULL)""",
        "CREATE INDEX ledger_by_stream ON ledger (stream, seq)",
        """CREATE TABLE ledger_head (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL)""",
        "INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')",
        f"""CREATE TABLE leases (
            stream TEXT PRIMARY KEY,
            station TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            token TEXT NOT NULL,
            acquired_at {real} NOT NULL,
            expires_at {real} NOT NULL)""",
    ]


def _v3(dialect: str) -> list[str]:
    """Tracked poses, stored in chunks beside the events whose payload holds their hash."""
    blob = "BYTEA" if dialect == "postgres" else "BLOB"
    return [
        f"""CREATE TABLE tracking_chunks (
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            data {blob} NOT NULL,
            PRIMARY KEY (stream, seq),
            FOREIGN KEY (stream, seq) REFERENCES events(stream, seq))""",
    ]


MIGRATIONS: dict[int, Callable[[str], list[str]]] = {1: _v1, 2: _v2, 3: _v3}
