"""A console app over a real session service on a temporary SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from vrtherapy.authoring import load_library
from vrtherapy.console.app import create_app
from vrtherapy.console.auth import Pairing
from vrtherapy.console.hub import Hub
from vrtherapy.console.mirror import MirrorBuffer
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store

ORIGIN = "http://testserver"


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Console:
    client: TestClient
    pairing: Pairing
    service: SessionService
    codes: list[str]
    time: FakeTime
    hub: Hub

    def pair(self) -> str:
        code = self.pairing.code
        r = self.client.post("/pair", data={"code": code}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return str(
            r.cookies.get("vrtherapy_console") or self.client.cookies.get("vrtherapy_console")
        )


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    store = open_store(str(tmp_path / "console.sqlite3"))
    service = SessionService(store, load_library(), ManualClock())
    codes: list[str] = []
    fake = FakeTime()
    pairing = Pairing(announce=codes.append, idle_timeout_s=600, clock=fake)
    hub = Hub(service, pairing, MirrorBuffer())
    app = create_app(hub, pairing)
    with TestClient(app, base_url=ORIGIN) as client:
        yield Console(client, pairing, service, codes, fake, hub)
    store.close()
