"""The console protocol: every command's arguments are checked, broken frames are
refused on a socket that stays open, free text is capped, and a new session can be
set up after a summary."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Console
from tests.console.test_security import _join, _start_session, _until, _ws
from vrtherapy.console import protocol
from vrtherapy.console.auth import PairingRefused
from vrtherapy.session import commands as c

SSQ_OK = {f"item{i}": 0 for i in range(1, 17)}


def _send(ws: Any, name: str, args: dict[str, Any], cid: str) -> dict[str, Any]:
    ws.send_json({"type": "command", "id": cid, "name": name, "args": args})
    return _until(ws, "ack")


@pytest.mark.parametrize(
    ("name", "args", "why"),
    [
        ("questionnaire", {"questionnaire": "ssq", "answers": {**SSQ_OK, "item3": -5}}, "item3"),
        ("questionnaire", {"questionnaire": "ssq", "answers": {**SSQ_OK, "item3": 1e308}}, "range"),
        ("questionnaire", {"questionnaire": "ssq", "answers": {**SSQ_OK, "item99": 1}}, "item99"),
        ("questionnaire", {"questionnaire": "ssq", "answers": {"item1": 1}}, "not answered"),
        ("questionnaire", {"questionnaire": "made_up", "answers": SSQ_OK}, "unknown questionnaire"),
        ("partner", {"partner_id": "ghost", "event": "say", "data": {}}, "no partner"),
        ("record_suds", {"value": -5}, "between"),
        ("record_suds", {"value": 1e308}, "range"),
        ("set_intensity", {"intensity": 1e308}, "range"),
        ("record_comfort", {"value": 21}, "between"),
        ("record_expectancy", {"phase": "during", "likelihood": 10}, "phase"),
        ("go_to_step", {"index": 99}, "index"),
        ("auto_mode", {"enabled": "yes"}, "true or false"),
        ("set_parameter", {"name": "height", "value": [1]}, "value"),
        ("send_elevator", {"floor": "10"}, "'floor' must be a number"),
        ("send_elevator", {"floor": 3}, "has no elevator"),  # the balcony has none
        ("lock_elevator", {"locked": "yes"}, "true or false"),
        ("made_up_command", {}, "unknown command"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_stored(
    console: Console, name: str, args: dict[str, Any], why: str
) -> None:
    console.pair()
    _start_session(console)
    engine = console.service.engine
    assert engine is not None
    before = engine.state.last_seq
    with _ws(console) as ws:
        _join(ws)
        ack = _send(ws, name, args, "bad")
        assert not ack["accepted"] and why in ack["reason"], ack
        assert _send(ws, "pause", {}, "still-open")["accepted"]  # the socket stays
    assert [e.kind for e in console.service.events(before)] == ["safety_action"]


def test_a_nan_answer_never_reaches_the_record(console: Console) -> None:
    """Python's json reads NaN and Infinity: the console refuses them."""
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        answers = json.dumps(SSQ_OK)[:-1] + ', "item2": NaN}'
        answers = answers.replace('"item2": 0, ', "")
        ws.send_text(
            '{"type": "command", "id": "nan", "name": "questionnaire", '
            f'"args": {{"questionnaire": "ssq", "answers": {answers}}}}}'
        )
        refused = _until(ws, "error")
        assert "NaN" in refused["reason"]
        assert _send(ws, "note", {"text": "still here"}, "after")["accepted"]
        ws.send_json({"type": "command", "id": "x", "name": "export", "args": {}})
        record = _until(ws, "export")["record"]
    assert not any(e["kind"] == "questionnaire_answered" for e in record["events"])


@pytest.mark.parametrize(
    "frame",
    [
        b"\x00\x01binary",
        "",
        "   ",
        "{not json",
        '{"type": "command", "id": "n", "name": "record_suds", "args": {"value": '
        + "9" * 400
        + "}}",
        '[{"type": "hello"}]',
        '"just text"',
        '{"type": "command", "id": "x", "name": "note", "args": ' + "[" * 50 + "]" * 50 + "}",
        '{"type": "hello", "x": Infinity}',
    ],
)
def test_broken_frames_are_refused_and_the_socket_stays(console: Console, frame: Any) -> None:
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        if isinstance(frame, bytes):
            ws.send_bytes(frame)
        else:
            ws.send_text(frame)
        assert _until(ws, "error")["reason"]
        assert _send(ws, "pause", {}, "after-broken-frame")["accepted"]


def test_notes_and_free_text_are_capped(console: Console) -> None:
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        ack = _send(ws, "note", {"text": "x" * (protocol.MAX_TEXT_BYTES + 1)}, "big")
        assert not ack["accepted"] and "at most 4096 bytes" in ack["reason"]
        ack = _send(ws, "end_session", {"reason": "é" * 3000}, "big-reason")
        assert not ack["accepted"] and "too long" in ack["reason"]
        assert _send(ws, "note", {"text": "x" * protocol.MAX_TEXT_BYTES}, "fits")["accepted"]
        ws.send_text(json.dumps({"type": "activity", "pad": "x" * (70 * 1024)}))
        assert "at most 64 KB" in _until(ws, "error")["reason"]
        assert _send(ws, "pause", {}, "open")["accepted"]


def test_a_stored_non_finite_number_is_sent_as_null() -> None:
    text = protocol.dumps({"type": "events", "events": [{"data": {"value": math.nan}}]})
    assert json.loads(text) == {"type": "events", "events": [{"data": {"value": None}}]}


def test_new_session_after_a_summary(console: Console) -> None:
    console.pair()
    code = _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        assert _send(ws, "end_session", {}, "end")["accepted"]
        assert _send(ws, "summary", {}, "sum")["accepted"]
        ack = _send(ws, "start_session", {"code": code}, "too-early")
        assert ack["accepted"]  # an ended session does not block the next one...
        assert _send(ws, "end_session", {}, "end-2")["accepted"]
        assert _send(ws, "new_session", {}, "new")["accepted"]
        setup = _until(ws, "setup")
        assert setup["client"] == code and setup["hierarchy"] is not None
        snap = _until(ws, "snapshot")
        assert snap["snapshot"] is None  # every tab is back at setting up
        assert console.service.snapshot is None
        assert _send(ws, "start_session", {"code": code}, "next")["accepted"]
        assert console.service.snapshot is not None
        assert console.service.snapshot.status == "running"
    assert len(console.service.clients.get(code).sessions) == 3


def test_new_session_is_refused_while_one_runs(console: Console) -> None:
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        ack = _send(ws, "new_session", {}, "new")
        assert not ack["accepted"] and "running" in ack["reason"]


def test_setup_says_where_the_next_session_starts(console: Console) -> None:
    console.pair()
    code = _start_session(console)
    console.service.handle(c.StepUp("up"))
    console.service.handle(c.StepUp("up-2"))
    console.service.handle(c.EndSession("end"))
    message = console.hub.setup_message(code)
    assert message["next_step"] == 2
    assert message["scenarios"]["calm.room"]["family"] == "calm"
    levels = message["scenarios"]["heights.balcony"]["levels"]
    assert levels[1]["title"] == "Second floor (6 m)"
    assert message["scenarios"]["heights.balcony"]["parameters"]["height"]["unit"] == "m"


def test_one_command_table() -> None:
    """Set-up commands and session commands are rows of the same table; the hub has no
    if-chain of command names."""
    for name in ("create_client", "start_session", "summary", "export", "new_session", "pause"):
        assert name in protocol.COMMANDS
    hub = (Path(protocol.__file__).parent / "hub.py").read_text(encoding="utf-8")
    assert 'name == "' not in hub


def test_console_does_not_import_authoring() -> None:
    folder = Path(protocol.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("vrtherapy.authoring"), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("vrtherapy.authoring") for a in node.names)


def test_the_therapist_can_always_pair(console: Console) -> None:
    """Wrong guesses lock addresses out, but a fresh code from the terminal still works
    and the previous code stops working."""
    old = console.pairing.code
    for i in range(40):  # a brute-force run from this address and from many others
        for address in ("127.0.0.1", f"10.0.0.{i}"):
            with pytest.raises(PairingRefused):
                console.pairing.pair("999-999" if old != "999-999" else "111-111", address)
    with pytest.raises(PairingRefused, match="wait"):
        console.pairing.pair(old, "127.0.0.1")  # the lockout holds for the ordinary code
    fresh = console.pairing.therapist_code()
    assert fresh != old and len(fresh.replace("-", "")) == 10
    assert console.codes[-1] == fresh  # announced in the terminal
    token = console.pairing.pair(fresh.lower(), "127.0.0.1")
    assert console.pairing.browser(token) is not None
    with pytest.raises(PairingRefused):
        console.pairing.pair(fresh, "127.0.0.1")  # one time only


def test_the_terminal_issues_fresh_codes() -> None:
    import io

    from vrtherapy.app.terminal import watch_terminal

    pressed: list[int] = []
    watch_terminal(io.StringIO("\n\n"), lambda: pressed.append(1)).join(timeout=5)
    assert pressed == [1, 1]


def test_the_console_is_told_when_the_clients_view_goes_black(console: Console) -> None:
    """After Resume the mirror may stay black while the next scene fades in or loads:
    the tabs are told, so the page does not claim 'Scene running' over a black mirror."""
    import asyncio

    import numpy as np

    from vrtherapy.console.hub import Tab

    token = console.pair()
    hub = console.hub
    tab = Tab(None, token, "127.0.0.1")  # type: ignore[arg-type]

    async def pump_a_while() -> None:
        hub.tabs.add(tab)
        task = asyncio.create_task(hub.pump_mirror(200))
        hub.mirror.put(np.zeros((8, 8, 3), np.uint8), blackout=True)
        await asyncio.sleep(0.1)
        hub.mirror.put(np.full((8, 8, 3), 120, np.uint8), blackout=False)
        await asyncio.sleep(0.1)
        task.cancel()
        hub.tabs.discard(tab)

    asyncio.run(pump_a_while())
    sent = []
    while not tab.queue.empty():
        sent.append(tab.queue.get_nowait())
    states = [m["black"] for m in sent if isinstance(m, dict) and m.get("type") == "mirror"]
    assert states == [True, False]
    assert sum(isinstance(m, bytes) for m in sent) == 2  # the images themselves
