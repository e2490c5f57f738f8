"""The console offers interrupted sessions: resume (paused) or close as interrupted."""

from __future__ import annotations

from typing import Any

from tests.console.conftest import ORIGIN, Console
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.station import Station


def _until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(50):
        m = ws.receive_json()
        if m.get("type") == kind:
            return m  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} message")


def _both(ws: Any, *kinds: str) -> dict[str, dict[str, Any]]:
    got: dict[str, dict[str, Any]] = {}
    for _ in range(50):
        m = ws.receive_json()
        if m.get("type") in kinds:
            got[m["type"]] = m
        if len(got) == len(kinds):
            return got
    raise AssertionError(f"not all of {kinds}")


def _killed(console: Console, n: int) -> list[str]:
    """``n`` sessions whose station stopped (crashed) two minutes ago."""
    s = console.service
    out = []
    for i in range(n):
        code = s.create_client("heights.standard")
        hierarchy = s.hierarchy(code)
        e = Engine.start(
            s.store, s.library, ManualClock(), code, hierarchy, station=Station("gone", "h", i)
        )
        e.handle(c.StepUp(f"up-{i}"))
        out.append(e.session_id)
    assert isinstance(s.clock, ManualClock)
    s.clock.advance(120)
    return out


def test_the_console_resumes_or_closes_interrupted_sessions(console: Console) -> None:
    console.pair()
    first, second = _killed(console, 2)
    with console.client.websocket_connect("/ws", headers={"origin": ORIGIN}) as ws:
        ws.send_json({"type": "hello", "last_seq": 0})
        setup = _until(ws, "setup")
        offered = {x["session_id"]: x for x in setup["interrupted"]}
        assert set(offered) == {first, second}
        assert offered[first]["step"] == 2 and offered[first]["station"] == "gone"
        ws.send_json(
            {
                "type": "command",
                "id": "c1",
                "name": "close_interrupted",
                "args": {"session_id": second},
            }
        )
        got = _both(ws, "ack", "setup")  # the refreshed setup may come before the ack
        assert got["ack"]["accepted"]
        assert [x["session_id"] for x in got["setup"]["interrupted"]] == [first]
        ws.send_json(
            {"type": "command", "id": "c2", "name": "resume_session", "args": {"session_id": first}}
        )
        got = _both(ws, "ack", "welcome")
        assert got["ack"]["accepted"], got["ack"]
        welcome = got["welcome"]
        assert welcome["session_id"] == first and welcome["new_session"]
        ws.send_json({"type": "hello", "last_seq": 0})
        got = _both(ws, "events", "snapshot")
        snap = got["snapshot"]["snapshot"]
        assert snap["status"] == "running" and snap["safety"] == "paused"
        assert snap["step_index"] == 1 and snap["record_status"] == ""
        events = got["events"]["events"]
        kinds = [e["kind"] for e in events]
        assert kinds[-3:] == ["session_interrupted", "session_resumed", "safety_action"]
        assert "SESSION INTERRUPTED" in events[-3]["text"]
        # the same session cannot be resumed twice
        ws.send_json(
            {"type": "command", "id": "c3", "name": "resume_session", "args": {"session_id": first}}
        )
        assert not _until(ws, "ack")["accepted"]
