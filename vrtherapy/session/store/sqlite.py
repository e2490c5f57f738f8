"""SQLite back end: the default, a single file with nothing to configure.

WAL journal with ``synchronous=FULL``: once :meth:`append` returns, the events
survive a crash of the process or the machine.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from vrtherapy.session.store.base import EventStore, StoreError


class SQLiteStore(EventStore):
    dialect = "sqlite"
    placeholder = "?"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {path}: {exc}") from None
        self.migrate()

    def _connection(self) -> Any:
        return self._conn

    def _begin_write(self, cur: Any) -> None:
        cur.execute("BEGIN IMMEDIATE")

    def _table_exists(self, cur: Any, table: str) -> bool:
        cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (table,))
        return cur.fetchone() is not None

    def close(self) -> None:
        self._conn.close()
