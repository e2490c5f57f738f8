"""Open the store a person asked for: a SQLite file (default) or a PostgreSQL URL."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.signing import SigningKey


def data_dir() -> Path:
    """Where vrtherapy keeps its data: $VRTHERAPY_DATA_DIR or the user data folder."""
    override = os.environ.get("VRTHERAPY_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("vrtherapy"))


def default_database() -> str:
    return os.environ.get("VRTHERAPY_DATABASE") or str(data_dir() / "sessions.sqlite3")


def open_store(database: str | None = None, key: SigningKey | None = None) -> EventStore:
    """``database``: a file path (SQLite) or ``postgresql://…`` (PostgreSQL).

    ``key`` signs the ledger's checkpoints; by default the station's key in the user
    config folder, made on first use (see :mod:`vrtherapy.session.store.signing`).
    """
    target = database or default_database()
    store: EventStore
    if target.startswith(("postgresql://", "postgres://")) or target.startswith("host="):
        from vrtherapy.session.store.postgres import PostgresStore

        store = PostgresStore(target)
    else:
        from vrtherapy.session.store.sqlite import SQLiteStore

        store = SQLiteStore(Path(target).expanduser())
    if key is not None:
        store.use_signing_key(key)
    return store
