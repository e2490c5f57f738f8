"""The console shows what `run --watch` found and offers "reload scene"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.test_watch import RED, SCENE, clinic, loader
from tests.console.conftest import Console
from tests.console.test_security import _until, _ws
from vrtherapy.app.watch import revalidate

__all__ = ["clinic"]  # the fixture


def _welcome_setup(ws: Any) -> dict[str, Any]:
    ws.send_json({"type": "hello", "last_seq": 0})
    return _until(ws, "setup")


def test_the_console_shows_changes_and_reloads(console: Console, clinic: Path) -> None:
    # (the watcher hands results over on the engine thread; the test offers them before a
    # tab connects, as its own thread is not the console's loop)
    console.pair()
    (clinic / "block.yaml").write_text("id: clinic.block\n")
    console.service.reloads.offer(revalidate([clinic / "block.yaml"], loader(clinic)))
    with _ws(console) as ws:
        setup = _welcome_setup(ws)
        assert setup["library"]["state"] == "invalid"
        assert any("block.yaml:1:1" in p for p in setup["library"]["problems"])
        ws.send_json({"type": "command", "id": "r1", "name": "reload_scene", "args": {}})
        refused = _until(ws, "ack")
        assert not refused["accepted"] and "no valid changed files" in refused["reason"]

    (clinic / "block.yaml").write_text(SCENE.format(color=RED))
    console.service.reloads.offer(revalidate([clinic / "block.yaml"], loader(clinic)))
    with _ws(console) as ws:
        setup = _welcome_setup(ws)
        assert setup["library"] == {
            "state": "ready",
            "files": [str(clinic / "block.yaml")],
            "problems": [],
        }
        ws.send_json({"type": "command", "id": "r2", "name": "reload_scene", "args": {}})
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 2:
            m = ws.receive_json()
            if m["type"] in ("ack", "setup"):
                seen[m["type"]] = m
        assert seen["ack"]["accepted"]
        assert seen["setup"]["library"] is None  # every tab hears the offer is gone
    assert "clinic.block" in console.service.library.scenarios
