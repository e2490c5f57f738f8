"""Connections from console tabs, and what each message does.

Runs on the engine thread's asyncio loop, like the session itself, so commands
are handled one at a time. Every tab gets the same snapshots and events; a tab
that reconnects says which event it saw last and gets exactly the ones after.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketState

from vrtherapy.console.auth import Pairing, PairingRefused
from vrtherapy.console.mirror import MirrorBuffer, encode_jpeg
from vrtherapy.console.protocol import (
    Context,
    ProtocolError,
    Setup,
    build_command,
    dumps,
    is_safety,
    parse_message,
    snapshot_data,
)
from vrtherapy.session import events as ev
from vrtherapy.session.commands import Rejected
from vrtherapy.session.questionnaires import form
from vrtherapy.session.service import ServiceError, SessionService, event_data
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.timeline import describe
from vrtherapy.session.tracking import TrackingSamples

log = logging.getLogger(__name__)
REPLAY_INTERVAL_S = 0.5  # a tab asks for a replayed picture at most this often


class ReplayFrames(Protocol):
    """Pictures of what the client saw at a moment of a session (the app's replay). The
    record is read here, on the engine thread (the store's thread); the picture is made
    off it."""

    def moments(self, events: Sequence[ev.Event]) -> list[dict[str, Any]]:
        """The moments worth seeing again: time (s), clock (MM:SS), kind, label."""

    def png(self, events: Sequence[ev.Event], tracking: TrackingSamples, t: float) -> bytes:
        """The picture at session time ``t`` (blocks; raises ValueError saying why not)."""


@dataclass(eq=False)
class Tab:
    socket: WebSocket
    token: str
    address: str
    client_code: str | None = None
    sending_image: bool = False
    locked_sent: bool = False  # the tab was told it is locked and gets only the safety state
    replay_busy: bool = False  # a replayed picture is being made for this tab
    replay_at: float = -math.inf  # when it last asked for one (monotonic)
    queue: asyncio.Queue[dict[str, Any] | bytes] = field(default_factory=asyncio.Queue)


def event_json(e: ev.Event) -> dict[str, Any]:
    data = event_data(e)
    data["text"] = describe(e, verbose=True) or e.kind.replace("_", " ")
    return data


class Hub:
    def __init__(
        self,
        service: SessionService,
        pairing: Pairing,
        mirror: MirrorBuffer,
        replay: ReplayFrames | None = None,
    ) -> None:
        self.service = service
        self.pairing = pairing
        self.mirror = mirror
        self.replay = replay
        self._replay_tasks: set[asyncio.Task[None]] = set()
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

    def show_client_slider(self, prompt_id: str, kind: str, value: float | None) -> None:
        """The client is moving the in-headset slider (not yet confirmed): show it live.
        ``value`` is on the prompt's own scale; None once the prompt is gone."""
        message = {"type": "slider", "prompt_id": prompt_id, "kind": kind, "value": value}
        for tab in list(self.tabs):
            if not self.pairing_locked(tab):
                tab.queue.put_nowait(message)

    def _broadcast_setup(self, code: str | None) -> None:
        for t in list(self.tabs):
            t.queue.put_nowait(self.setup_message(t.client_code or code))

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
        next_step = 0
        if code is not None:
            try:
                h = self.service.hierarchy(code)
                hierarchy = h.model_dump(mode="json")
                for step, data in zip(h.steps, hierarchy["steps"], strict=True):
                    spec = self.service.library.scenarios.get(step.scenario)
                    data["scenario_title"] = spec.title if spec else step.scenario
                next_step = self.service.clients.resume_step(code)[0]
            except ServiceError:
                hierarchy = None
        ssq = form("ssq")
        library = self.service.library.scenarios
        scenarios = {
            sid: {
                "title": s.title,
                "family": s.family,
                "levels": [
                    {"name": lv.name, "title": lv.title or "", "description": lv.description or ""}
                    for lv in s.levels
                ],
                "parameters": {
                    name: {"label": p.label or name, "unit": p.unit or ""}
                    for name, p in s.parameters.items()
                },
            }
            for sid, s in library.items()
        }
        return {
            "type": "setup",
            "interrupted": [i.to_data() for i in self.service.interrupted()],
            "clients": clients,
            "templates": templates,
            "client": code,
            "hierarchy": hierarchy,
            "next_step": next_step,
            "scenarios": scenarios,
            "ssq": {"items": list(ssq.items), "levels": list(ssq.levels)} if ssq else None,
            "library": self.service.reloads.to_data(),  # changed files (run --watch)
        }

    async def pump_mirror(self, fps: float = 15.0) -> None:
        """Send the newest mirror frame to every tab, at most ``fps`` times a second.

        Frames are encoded here, on the engine thread, never on the render thread; a
        tab still receiving the previous image skips this one (stale frames are
        dropped, not queued). When the client's view turns black or comes back
        (blackout, a fade, a scene still loading) the tabs are told in words too."""
        last = 0
        black: bool | None = None
        while True:
            await asyncio.sleep(1.0 / fps)
            frame = self.mirror.latest()
            if frame is None or frame.number == last or not self.tabs:
                continue
            last = frame.number
            # encoded in a worker: this loop keeps handling commands meanwhile
            jpeg = await asyncio.get_running_loop().run_in_executor(None, encode_jpeg, frame.pixels)
            news = frame.blackout != black
            black = frame.blackout
            for tab in list(self.tabs):
                if self.pairing_locked(tab):
                    continue
                if news:
                    tab.queue.put_nowait({"type": "mirror", "black": frame.blackout})
                if not tab.sending_image:
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
                frame = await tab.socket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                try:
                    message = parse_message(frame.get("text", frame.get("bytes")))
                except ProtocolError as exc:
                    # a broken message is refused; the connection stays
                    tab.queue.put_nowait({"type": "error", "reason": str(exc)})
                    continue
                for r in self.receive(tab, message):
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
                await tab.socket.send_text(dumps(item))

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
        if kind == "replay_frame":
            return self._replay_frame(tab, message, browser.locked)
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

    def _context(self) -> Context:
        snap = self.service.snapshot
        partners: frozenset[str] = frozenset()
        if snap is not None and snap.status == "running":
            spec = self.service.library.scenarios.get(snap.scenario)
            partners = frozenset(p.id for p in spec.partners) if spec is not None else frozenset()
        return Context(snap, partners)

    def _command(self, tab: Tab, cid: str, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        if cid in self._setup_acks:
            return [{**self._setup_acks[cid], "duplicate": True}]
        try:
            command = build_command(name, cid, args, self._context())
        except (ProtocolError, Rejected) as exc:  # Rejected: a field the command refuses
            return [{"type": "ack", "id": cid, "accepted": False, "reason": str(exc)}]
        if not isinstance(command, Setup):
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
            replies = SETUP[command.name](self, tab, command.args)
            ack = {"type": "ack", "id": cid, "accepted": True, "reason": ""}
        except (ServiceError, ProtocolError) as exc:
            ack = {"type": "ack", "id": cid, "accepted": False, "reason": str(exc)}
        self._setup_acks[cid] = ack
        while len(self._setup_acks) > 1000:
            self._setup_acks.popitem(last=False)
        return [ack, *replies]

    # -- set-up requests (one row each in protocol.COMMANDS) ------------------------------
    def _create_client(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        tab.client_code = self.service.create_client(args["template"])
        self._broadcast_setup(tab.client_code)
        return []

    def _reload_scene(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.service.reload_library()
        return []  # every tab hears of it through the reload listener

    def _select_client(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.service.hierarchy(args["code"])  # raises a clear error for an unknown client
        tab.client_code = args["code"]
        return [self.setup_message(tab.client_code)]

    def _edit_hierarchy(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.service.edit_hierarchy(args["code"], args["op"], args["args"])
        self._broadcast_setup(args["code"])
        return []

    def _start_session(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        engine = self.service.start(
            args["code"], baseline_ssq=args.get("baseline_ssq"), auto_mode=args.get("auto_mode")
        )
        self._welcome_session(engine.session_id)
        return []

    def _resume_session(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Go on with an interrupted session (same step, paused)."""
        engine = self.service.resume(args["session_id"], takeover=args["take_over"])
        self._welcome_session(engine.session_id)
        return []

    def _welcome_session(self, session_id: str) -> None:
        """Every tab follows the session that now runs."""
        for t in list(self.tabs):
            t.queue.put_nowait(
                {
                    "type": "welcome",
                    "session_id": session_id,
                    "new_session": True,
                    "locked": self.pairing_locked(t),
                }
            )

    def _close_interrupted(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.service.close_interrupted(args["session_id"])
        self._broadcast_setup(tab.client_code)
        return []

    def _new_session(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        """After a session has ended: back to setting up the next one, in every tab."""
        engine = self.service.engine
        code = engine.state.client_code if engine is not None else tab.client_code
        self.service.close_ended()
        mine: list[dict[str, Any]] = []
        for t in list(self.tabs):
            t.client_code = t.client_code or code
            if t is not tab and self.pairing_locked(t):
                continue
            messages: list[dict[str, Any]] = [
                {"type": "welcome", "session_id": None, "locked": False},
                {"type": "events", "events": [], "reset": True},
                self.setup_message(t.client_code),
                self._snapshot_message(),
            ]
            if t is tab:
                mine = messages  # after this tab's ack
            else:
                for m in messages:
                    t.queue.put_nowait(m)
        return mine

    def _summary(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        engine = self.service.engine
        moments = (
            self.replay.moments(self.service.store.read(engine.session_id))
            if self.replay is not None and engine is not None
            else []
        )
        return [
            {
                "type": "summary",
                "summary": self.service.summary().to_data(),
                "moments": moments,  # each links to the replayed picture of its moment
            }
        ]

    # -- replayed pictures of the session's moments ---------------------------------------
    def _replay_frame(
        self, tab: Tab, message: dict[str, Any], locked: bool
    ) -> list[dict[str, Any]]:
        """Ask for the picture the client saw at a moment of this console's session; it
        comes back later as a ``replay_frame`` message. One at a time per tab, at most one
        every REPLAY_INTERVAL_S; a locked console gets none."""
        if locked:
            return [{"type": "locked"}]
        t = message.get("t")
        engine = self.service.engine

        def refused(reason: str) -> list[dict[str, Any]]:
            return [{"type": "replay_frame", "t": t, "error": reason}]

        if self.replay is None:
            return refused("replayed pictures are not available in this console")
        if engine is None:
            return refused("no session to replay")
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            return refused("the moment must be a number of seconds")
        now = time.monotonic()
        if tab.replay_busy or now - tab.replay_at < REPLAY_INTERVAL_S:
            return refused("a picture is still being made; try again in a moment")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return refused("replayed pictures are made only for a connected console")
        self.pairing.touch(tab.token)
        tab.replay_busy, tab.replay_at = True, now
        store = self.service.store  # read here, on the store's thread
        events, tracking = store.read(engine.session_id), store.tracking(engine.session_id)
        task = loop.create_task(self._send_replay_frame(tab, events, tracking, float(t)))
        self._replay_tasks.add(task)  # kept until done (the loop holds tasks weakly)
        task.add_done_callback(self._replay_tasks.discard)
        return []

    async def _send_replay_frame(
        self, tab: Tab, events: Sequence[ev.Event], tracking: TrackingSamples, t: float
    ) -> None:
        replay = self.replay
        assert replay is not None
        loop = asyncio.get_running_loop()
        try:
            png = await loop.run_in_executor(None, replay.png, events, tracking, t)
            image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            reply: dict[str, Any] = {"type": "replay_frame", "t": t, "image": image}
        except ValueError as exc:
            reply = {"type": "replay_frame", "t": t, "error": str(exc)}
        except Exception:
            log.exception("a replayed picture could not be made")
            reply = {"type": "replay_frame", "t": t, "error": "the picture could not be made"}
        finally:
            tab.replay_busy = False
        if not self.pairing_locked(tab):
            tab.queue.put_nowait(reply)

    def _export(self, tab: Tab, args: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"type": "export", "record": self.service.export()}]


SETUP: dict[str, Callable[[Hub, Tab, dict[str, Any]], list[dict[str, Any]]]] = {
    "create_client": Hub._create_client,
    "select_client": Hub._select_client,
    "edit_hierarchy": Hub._edit_hierarchy,
    "start_session": Hub._start_session,
    "new_session": Hub._new_session,
    "resume_session": Hub._resume_session,
    "close_interrupted": Hub._close_interrupted,
    "reload_scene": Hub._reload_scene,
    "summary": Hub._summary,
    "export": Hub._export,
}


def _is_disconnect(exc: Exception) -> bool:
    from starlette.websockets import WebSocketDisconnect

    return isinstance(exc, WebSocketDisconnect | RuntimeError | asyncio.CancelledError)
