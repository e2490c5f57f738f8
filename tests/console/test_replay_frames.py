"""Replayed pictures through the console: only for a paired, unlocked tab, only of the
console's own session, one at a time and rate-limited, made off the engine thread."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from tests.console.conftest import Console
from tests.console.test_security import _join, _start_session, _until, _ws
from vrtherapy.console import hub as hub_module
from vrtherapy.session import events as ev
from vrtherapy.session.tracking import TrackingSamples


class FakePictures:
    """Stands in for the app's ReplayPictures: records what it was asked, and where."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int, float, str]] = []
        self.release = threading.Event()
        self.release.set()

    def moments(self, events: Sequence[ev.Event]) -> list[dict[str, Any]]:
        return [
            {"t": e.session_time, "clock": "00:00", "kind": "step", "label": e.kind} for e in events
        ]

    def png(self, events: Sequence[ev.Event], tracking: TrackingSamples, t: float) -> bytes:
        self.asked.append((events[0].stream, len(events), t, threading.current_thread().name))
        self.release.wait(10)
        if t > 1000:
            raise ValueError("16:40 is after the end: the session lasted 00:00")
        return b"\x89PNG fake"


def _with_pictures(console: Console) -> FakePictures:
    pictures = FakePictures()
    console.hub.replay = pictures
    return pictures


def test_a_picture_of_the_consoles_session_comes_back_as_a_data_url(console: Console) -> None:
    pictures = _with_pictures(console)
    console.pair()
    _start_session(console)
    engine = console.service.engine
    assert engine is not None
    with _ws(console) as ws:
        _join(ws)
        ws.send_json({"type": "replay_frame", "t": 0})
        reply = _until(ws, "replay_frame")
        assert reply["image"].startswith("data:image/png;base64,")
        assert reply["t"] == 0
    (session, count, _t, thread) = pictures.asked[0]
    assert session == engine.session_id and count == len(console.service.store.read(session))
    assert thread != threading.main_thread().name  # made off the engine's loop


def test_the_summary_lists_the_moments(console: Console) -> None:
    _with_pictures(console)
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        ws.send_json({"type": "command", "id": "s1", "name": "summary", "args": {}})
        summary = _until(ws, "summary")
        assert [m["label"] for m in summary["moments"]][:2] == ["session_started", "step_entered"]


def test_errors_rate_limit_and_locked_consoles(console: Console) -> None:
    pictures = _with_pictures(console)
    console.pair()
    with _ws(console) as ws:
        ws.send_json({"type": "hello", "last_seq": 0})
        ws.send_json({"type": "replay_frame", "t": 5})
        assert _until(ws, "replay_frame")["error"] == "no session to replay"
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        for bad in ("5", None, True, [1]):
            ws.send_json({"type": "replay_frame", "t": bad})
            assert "number of seconds" in _until(ws, "replay_frame")["error"]
        ws.send_json({"type": "replay_frame", "t": 2000})
        assert "the session lasted" in _until(ws, "replay_frame")["error"]
        # one at a time, at most one every REPLAY_INTERVAL_S per tab
        ws.send_json({"type": "replay_frame", "t": 1})
        assert "still being made" in _until(ws, "replay_frame")["error"]
        hub_module.REPLAY_INTERVAL_S, interval = 0.0, hub_module.REPLAY_INTERVAL_S
        try:
            pictures.release.clear()
            ws.send_json({"type": "replay_frame", "t": 1})
            ws.send_json({"type": "replay_frame", "t": 2})  # while the first is being made
            assert "still being made" in _until(ws, "replay_frame")["error"]
            pictures.release.set()
            assert _until(ws, "replay_frame")["t"] == 1
        finally:
            hub_module.REPLAY_INTERVAL_S = interval
        asked = len(pictures.asked)
        console.time.t += 601  # idle longer than the lock time: no clinical pictures
        ws.send_json({"type": "replay_frame", "t": 1})
        assert _until(ws, "locked")
        assert len(pictures.asked) == asked


def test_without_a_replay_provider_the_console_says_so(console: Console) -> None:
    console.pair()
    _start_session(console)
    with _ws(console) as ws:
        _join(ws)
        ws.send_json({"type": "replay_frame", "t": 1})
        assert "not available" in _until(ws, "replay_frame")["error"]
