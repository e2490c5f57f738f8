"""Sessions produced by the synthetic client (the demo), stored in a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vrtherapy.app.demo import run_demo, stimulus_in_world
from vrtherapy.authoring import load_library
from vrtherapy.session import events as ev
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore


@dataclass(frozen=True)
class DemoRecord:
    database: str
    store: EventStore
    client_code: str
    sessions: tuple[str, ...]  # oldest first

    def events(self, session_id: str) -> list[ev.Event]:
        return self.store.read(session_id)


@pytest.fixture(scope="session")
def demo_record(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRecord]:
    """Two demo sessions of one client (seeds 7 and 8), as `vrtherapy demo` runs them."""
    folder: Path = tmp_path_factory.mktemp("reports")
    database = str(folder / "sessions.sqlite3")
    store = open_store(database)
    lib = load_library()
    hierarchy = lib.hierarchy("heights.standard")
    at = stimulus_in_world(lib)  # the scenes' stimuli, built once for both sessions
    first = run_demo(store, lib, hierarchy, seed=7, echo=lambda _line: None, stimulus=at)
    second = run_demo(
        store,
        lib,
        hierarchy,
        seed=8,
        echo=lambda _line: None,
        client_code=first.client_code,
        stimulus=at,
    )
    yield DemoRecord(database, store, first.client_code, (first.session_id, second.session_id))
    store.close()
