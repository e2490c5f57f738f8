"""PostgreSQL back end, for clinics where several stations share one database.

Same rows, same hash chain as SQLite; appends lock the stream's row so two
stations can never interleave events of one stream.
"""

from __future__ import annotations

from typing import Any

from vrtherapy.session.store.base import EventStore, StoreError


class PostgresStore(EventStore):
    dialect = "postgres"
    placeholder = "%s"

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "PostgreSQL support needs the psycopg package: pip install 'psycopg[binary]'"
            ) from None
        self.description = _redact(dsn)
        try:
            self._conn = psycopg.connect(dsn, autocommit=False)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cannot connect to PostgreSQL ({self.description}): {first}"
            ) from None
        self.migrate()

    def _connection(self) -> Any:
        return self._conn

    def _begin_write(self, cur: Any) -> None:
        """PostgreSQL opens a transaction implicitly with the first statement."""

    def _lock_suffix(self) -> str:
        return " FOR UPDATE"

    def _table_exists(self, cur: Any, table: str) -> bool:
        cur.execute("SELECT to_regclass(%s)", (table,))
        row = cur.fetchone()
        return row is not None and row[0] is not None

    def _migration_lock(self, cur: Any) -> None:
        # serialise migrations between stations starting at the same time: the lock is
        # held until the migrating transaction ends, so the next station waits, then
        # finds the schema up to date
        cur.execute("SELECT pg_advisory_xact_lock(7418529)")

    def close(self) -> None:
        self._conn.close()


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    if "://" in dsn and "@" in dsn:
        scheme, rest = dsn.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return " ".join(p for p in dsn.split() if not p.startswith("password="))
