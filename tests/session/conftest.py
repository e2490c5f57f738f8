"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.session.postgres_server import pg_bin, postgres_server
from tests.system_needs import missing
from vrtherapy.authoring import Library, load_library
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    if pg_bin() is None:
        missing("PostgreSQL", "apt-get install postgresql")
    with postgres_server() as dsn:
        yield dsn


def _fresh_pg_database(dsn: str) -> str:
    import psycopg

    name = f"vrtherapy_test_{os.getpid()}_{next(_db_numbers)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return dsn.replace("dbname=postgres", f"dbname={name}")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite3")
    dsn: str = request.getfixturevalue("postgres_dsn")
    return _fresh_pg_database(dsn)


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[EventStore]:
    s = open_store(str(tmp_path / "store.sqlite3"))
    yield s
    s.close()


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()
