"""Connections from console tabs, and what each message does.

Runs on the engine thread's asyncio loop, like the session itself, so commands
are handled one at a time. Every tab gets the same snapshots and events; a tab
that reconnects says which event it saw last and gets exactly the ones after.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from vrtherapy.authoring.questionnaires import SSQ_ITEMS, SSQ_LEVELS
from vrtherapy.console.auth import Pairing, PairingRefused
from vrtherapy.console.mirror import MirrorBuffer, encode_jpeg
from vrtherapy.console.protocol import ProtocolError, is_safety, session_command, snapshot_data
from vrtherapy.session import events as ev
from vrtherapy.session.commands import Rejected
from vrtherapy.session.service import ServiceError, SessionService, event_data
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.timeline import describe

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Tab:
    socket: WebSocket
    token: str
    address: str
    client_code: str | None = None
    sending_image: bool = False
    locked_sent: bool = False  # the tab was told it is locked and gets only the safety state
    queue: asyncio.Queue[dict[str, Any] | bytes] = field(default_factory=asyncio.Queue)


def event_json(e: ev.Event) -> dict[str, Any]:
    data = event_data(e)
    data["text"] = describe(e, verbose=True) or e.kind.replace("_", " ")
    return data


class Hub:
    def __init__(self, service: SessionService, pairing: Pairing, mirror: MirrorBuffer) -> None:
        self.service = service
        self.pairing = pairing
        self.mirror = mirror
        self.tabs: set[Tab] = set()
        self._setup_acks: OrderedDict[str, dict[str, Any]] = OrderedDict()
        service.subscribe(self._on_change)
        service.reloads.subscribe(self._on_library)

    # -- broadcasting ---------------------------------------------------------------
    def _on_change(self, snapshot: Snapshot, events: tuple[ev.Event, ...]) -> None:
        message = {"type": "events", "events": [event_json(e) for e in events]}
        snap = self._snapshot_message()
        for tab in list(self.tabs):
            self._publish(tab, [message, snap])

    def _on_library(self) -> None:
        """`run --watch` re-validated changed files: every unlocked tab shows the result."""
        for tab in list(self.tabs):
            if not self.pairing_locked(tab):
                tab.queue.put_nowait(self.setup_message(tab.client_code))

    def _snapshot_message(self) -> dict[str, Any]:
        return {"type": "snapshot", "snapshot": snapshot_data(self.service.snapshot)}

    def broadcast_snapshot(self) -> None:
        message = self._snapshot_message()
        for tab in list(self.tabs):
            self._publish(tab, [message])

    def _publish(self, tab: Tab, messages: list[dict[str, Any]]) -> None:
        """Send live data to an unlocked tab; a locked one (idle, or its pairing gone) is
        told so once and then sees only the safety state, never clinical data."""
        if self.pairing_locked(tab):
            if not tab.locked_sent:
                tab.locked_sent = True
                tab.queue.put_nowait({"type": "locked"})
            snap = self.service.snapshot
            tab.queue.put_nowait(
                {
                    "type": "safety",
                    "safety": snap.safety if snap else "none",
                    "status": snap.status if snap else "not_started",
                }
            )
            return
        if tab.locked_sent:
            # unlocked from another tab of this browser: catch up from the start
            tab.locked_sent = False
            for m in [{"type": "unlocked"}, *self._welcome(tab, {"last_seq": 0})]:
                tab.queue.put_nowait(m)
            return
        for m in messages:
            tab.queue.put_nowait(m)

    def setup_message(self, code: str | None) -> dict[str, Any]:
        clients = [
            {"code": x.code, "sessions": x.sessions, "hierarchy": x.hierarchy}
            for x in self.service.client_list()
        ]
        templates = [
            {"id": h.id, "title": h.title, "steps": len(h.steps)} for h in self.service.templates()
        ]
        hierarchy = None
        if code is not None:
            try:
                h = self.service.hierarchy(code)
                hierarchy = h.model_dump(mode="json")
                for step, data in zip(h.steps, hierarchy["steps"], strict=True):
                    spec = self.service.library.scenarios.get(step.scenario)
                    data["scenario_title"] = spec.title if spec else step.scenario
            except ServiceError:
                hierarchy = None
        scenarios = {
            sid: {"title": s.title, "levels": s.level_names}
            for sid, s in self.service.library.scenarios.items()
        }
        return {
            "type": "setup",
            "interrupted": [i.to_data() for i in self.service.interrupted()],
            "clients": clients,
            "templates": templates,
            "client": code,
            "hierarchy": hierarchy,
            "scenarios": scenarios,
            "ssq": {"items": list(SSQ_ITEMS), "levels": list(SSQ_LEVELS)},
            "library": self.service.reloads.to_data(),  # changed files (run --watch)
        }

    async def pump_mirror(self, fps: float = 15.0) -> None:
        """Send the newest mirror frame to every tab, at most ``fps`` times a second."""
        last = 0
        while True:
            await asyncio.sleep(1.0 / fps)
            frame = self.mirror.latest()
            if frame is None or frame.number == last or not self.tabs:
                continue
            last = frame.number
            jpeg = encode_jpeg(frame.pixels)
            for tab in list(self.tabs):
                if not tab.sending_image and not self.pairing_locked(tab):
                    tab.queue.put_nowait(jpeg)

    def pairing_locked(self, tab: Tab) -> bool:
        b = self.pairing.browser(tab.token)
        return b is None or b.locked

    # -- one tab ----------------------------------------------------------------------
    async def serve(self, tab: Tab) -> None:
        self.tabs.add(tab)
        sender = asyncio.create_task(self._send_loop(tab))
        try:
            while True:
                message = await tab.socket.receive_json()
                reply = self.receive(tab, message)
                for r in reply:
                    tab.queue.put_nowait(r)
        except Exception as exc:  # disconnects end here
            if not _is_disconnect(exc):
                log.exception("console connection failed")
        finally:
            self.tabs.discard(tab)
            sender.cancel()

    async def _send_loop(self, tab: Tab) -> None:
        while True:
            item = await tab.queue.get()
            if tab.socket.application_state != WebSocketState.CONNECTED:
                return
            if isinstance(item, bytes):
                # drop stale mirror frames rather than queue them behind each other
                if any(isinstance(x, bytes) for x in list(tab.queue._queue)):  # type: ignore[attr-defined]
                    continue
                tab.sending_image = True
                try:
                    await tab.socket.send_bytes(item)
                finally:
                    tab.sending_image = False
            else:
                await tab.socket.send_json(item)

    def receive(self, tab: Tab, message: Any) -> list[dict[str, Any]]:
        """Handle one message from a tab; returns the replies for that tab."""
        if not isinstance(message, dict):
            return [{"type": "error", "reason": "messages are JSON objects"}]
        kind = message.get("type")
        browser = self.pairing.browser(tab.token)
        if browser is None:
            return [{"type": "unpaired"}]
        if kind == "hello":
            return self._welcome(tab, message)
        if kind == "unlock":
            try:
                self.pairing.unlock(tab.token, str(message.get("code", "")), tab.address)
            except PairingRefused as exc:
                return [{"type": "locked", "reason": str(exc)}]
            tab.locked_sent = False
            return [{"type": "unlocked"}, *self._welcome(tab, {"last_seq": 0})]
        if kind == "activity":
            if not browser.locked:
                self.pairing.touch(tab.token)
            return [{"type": "locked"}] if browser.locked else []
        if kind != "command":
            return [{"type": "error", "reason": f"unknown message type {kind!r}"}]
        cid = message.get("id")
        name = message.get("name")
        args = message.get("args") or {}
        if (
            not isinstance(cid, str)
            or not cid
            or not isinstance(name, str)
            or not isinstance(args, dict)
        ):
            return [{"type": "ack", "id": cid, "accepted": False, "reason": "malformed command"}]
        if browser.locked and not is_safety(name):
            return [
                {"type": "ack", "id": cid, "accepted": False, "reason": "the console is locked"},
                {"type": "locked"},
            ]
        if not browser.locked:
            self.pairing.touch(tab.token)
        return self._command(tab, cid, name, args)

    def _welcome(self, tab: Tab, message: dict[str, Any]) -> list[dict[str, Any]]:
        browser = self.pairing.browser(tab.token)
        after = message.get("last_seq", 0)
        after = after if isinstance(after, int) and after >= 0 else 0
        engine = self.service.engine
        seen = message.get("session_id")
        if engine is None or (
            # the tab's events belong to another session: start over
            after > engine.state.last_seq or (isinstance(seen, str) and seen != engine.session_id)
        ):
            after = 0
        events = [event_json(e) for e in self.service.events(after)] if engine else []
        code = engine.state.client_code if engine else tab.client_code
        out: list[dict[str, Any]] = [
            {
                "type": "welcome",
                "session_id": engine.session_id if engine else None,
                "locked": bool(browser and browser.locked),
            },
        ]
        if browser is not None and browser.locked:
            tab.locked_sent = True
            return out
        out += [self.setup_message(code), {"type": "events", "events": events, "reset": after == 0}]
        out.append(self._snapshot_message())
        return out

    def _command(self, tab: Tab, cid: str, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        if cid in self._setup_acks:
            return [{**self._setup_acks[cid], "duplicate": True}]
        try:
            command = session_command(name, cid, args)
        except (ProtocolError, Rejected) as exc:  # Rejected: a field the command refuses
            return [{"type": "ack", "id": cid, "accepted": False, "reason": str(exc)}]
        if command is not None:
            outcome = self.service.handle(command)
            return [
                {
                    "type": "ack",
                    "id": cid,
                    "accepted": outcome.accepted,
                    "reason": outcome.reason,
                    "duplicate": outcome.duplicate,
                }
            ]
        replies: list[dict[str, Any]] = []
        try:
            replies = self._setup(tab, name, args)
            ack = {"type": "ack", "id": cid, "accepted": True, "reason": ""}
        except (ServiceError, ProtocolError, KeyError, ValueError, TypeError) as exc:
            reason = str(exc.args[0]) if exc.args else type(exc).__name__
            ack = {"type": "ack", "id": cid, "accepted": False, "reason": reason}
        self._setup_acks[cid] = ack
        while len(self._setup_acks) > 1000:
            self._setup_acks.popitem(last=False)
        return [ack, *replies]

    def _setup(self, tab: Tab, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        s = self.service
        if name == "create_client":
            tab.client_code = s.create_client(str(args["template"]))
            self._refresh_setup(tab.client_code)
            return []
        if name == "select_client":
            code = str(args["code"])
            s.hierarchy(code)  # raises a clear error for an unknown client
            tab.client_code = code
            return [self.setup_message(code)]
        if name == "edit_hierarchy":
            code = str(args["code"])
            s.edit_hierarchy(code, str(args["op"]), dict(args.get("args") or {}))
            self._refresh_setup(code)
            return []
        if name in ("start_session", "resume_session"):
            if name == "resume_session":
                engine = s.resume(str(args["session_id"]), takeover=bool(args.get("take_over")))
            else:
                code = str(args["code"])
                baseline = args.get("baseline_ssq")
                engine = s.start(
                    code,
                    baseline_ssq=(
                        {str(k): float(v) for k, v in baseline.items()} if baseline else None
                    ),
                    auto_mode=bool(args["auto_mode"]) if "auto_mode" in args else None,
                )
            for t in list(self.tabs):
                t.queue.put_nowait(
                    {
                        "type": "welcome",
                        "session_id": engine.session_id,
                        "new_session": True,
                        "locked": self.pairing_locked(t),
                    }
                )
            return []
        if name == "close_interrupted":
            s.close_interrupted(str(args["session_id"]))
            self._refresh_setup(tab.client_code or "")
            return []
        if name == "reload_scene":
            s.reload_library()
            return []  # every tab hears of it through the reload listener
        if name == "summary":
            return [{"type": "summary", "summary": s.summary().to_data()}]
        if name == "export":
            return [{"type": "export", "record": s.export()}]
        raise ProtocolError(f"unknown command '{name}'")

    def _refresh_setup(self, code: str) -> None:
        for t in list(self.tabs):
            t.queue.put_nowait(self.setup_message(t.client_code or code or None))


def _is_disconnect(exc: Exception) -> bool:
    from starlette.websockets import WebSocketDisconnect

    return isinstance(exc, WebSocketDisconnect | RuntimeError | asyncio.CancelledError)
