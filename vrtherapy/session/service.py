"""One place for everything the console (and the CLI) does with clients and sessions.

Holds at most one running session (one headset per engine). The snapshot is
published by swapping one reference, so the render thread can read it at any
time without locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from vrtherapy.authoring import HierarchySpec, Library
from vrtherapy.authoring.hierarchy import HierarchyStep
from vrtherapy.session import clients as cl
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session import policies
from vrtherapy.session.clients import ClientError, Clients
from vrtherapy.session.clock import Clock
from vrtherapy.session.engine import Engine, Outcome
from vrtherapy.session.library_reload import LibraryReloads
from vrtherapy.session.recovery import Interrupted, interrupted_sessions
from vrtherapy.session.snapshot import FrameRate, Snapshot
from vrtherapy.session.station import Station
from vrtherapy.session.store.base import EventStore, LeaseHeld, StoreError
from vrtherapy.session.summary import Summary, summarise

if TYPE_CHECKING:  # numpy: loaded once poses come
    from vrtherapy.session.tracking import PoseSample, TrackingRecorder
    from vrtherapy.session.tracking.measures import Behaviour, LiveBehaviour

Listener = Callable[[Snapshot, tuple[ev.Event, ...]], None]


class ServiceError(ValueError):
    """Something the console asked for that cannot be done; the message says why."""


@dataclass(frozen=True)
class ClientListing:
    code: str
    created_at: float
    sessions: int
    hierarchy: str


def _uuid() -> str:
    return uuid.uuid4().hex


def event_data(e: ev.Event) -> dict[str, Any]:
    """An event as plain JSON-ready data."""
    return {
        "seq": e.seq,
        "wall_time": e.wall_time,
        "session_time": round(e.session_time, 3),
        "actor": e.actor,
        "kind": e.kind,
        "data": e.payload.to_data(),
        "hash": e.hash,
    }


class SessionService:
    def __init__(
        self,
        store: EventStore,
        library: Library,
        clock: Clock,
        *,
        new_id: Callable[[], str] = _uuid,
        station: Station | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.station = station or Station.this()
        self.clients = Clients(store, clock)
        self._new_id = new_id
        self._engine: Engine | None = None
        self._frame_rate: FrameRate | None = None  # the display's, from the render loop
        self._with_rate: tuple[Snapshot, FrameRate | None, Behaviour | None, Snapshot] | None = None
        self._listeners: list[Listener] = []
        self.reloads = LibraryReloads()  # `run --watch`: changed files, offered for reload
        self._tracking: tuple[Engine, TrackingRecorder] | None = None  # the session's poses
        # the running trial's behaviour measures: (its start, the sums, their measures)
        self._live: tuple[float, LiveBehaviour, Behaviour] | None = None

    # -- setup ---------------------------------------------------------------------
    def templates(self) -> list[HierarchySpec]:
        return [self.library.hierarchies[k] for k in sorted(self.library.hierarchies)]

    def client_list(self) -> list[ClientListing]:
        out = []
        for info in self.clients.list():
            record = self.clients.get(info.client_code)
            out.append(
                ClientListing(
                    record.code,
                    record.created_at,
                    len(record.sessions),
                    record.hierarchy.title if record.hierarchy else "",
                )
            )
        return out

    def create_client(self, template_id: str) -> str:
        try:
            template = self.library.hierarchy(template_id)
        except KeyError as exc:
            raise ServiceError(str(exc.args[0])) from None
        return self.clients.create(template)

    def hierarchy(self, code: str) -> HierarchySpec:
        record = self._client(code)
        if record.hierarchy is None:
            raise ServiceError(f"client {code} has no hierarchy yet; choose a template")
        return record.hierarchy

    def edit_hierarchy(self, code: str, op: str, args: dict[str, Any]) -> HierarchySpec:
        """Reorder, add or remove steps, change anticipated SUDS or the progression mode."""
        h = self.hierarchy(code)
        try:
            if op == "reorder":
                new = cl.reorder(h, [int(i) for i in args["order"]])
                what = "steps reordered"
            elif op == "set_anticipated":
                new = cl.set_anticipated(h, int(args["index"]), float(args["value"]))
                what = f"anticipated SUDS of step {int(args['index']) + 1} set to {args['value']}"
            elif op == "remove_step":
                new = cl.remove_step(h, int(args["index"]))
                what = f"step {int(args['index']) + 1} removed"
            elif op == "add_step":
                step = HierarchyStep.model_validate(args["step"])
                if step.scenario not in self.library.scenarios:
                    raise ServiceError(f"no scenario '{step.scenario}'")
                new = cl.add_step(h, int(args["index"]), step)
                what = f"step added at position {int(args['index']) + 1}"
            elif op == "set_mode":
                mode = str(args["mode"])
                if mode not in policies.POLICIES:
                    raise ServiceError(f"unknown progression mode '{mode}'")
                prog = h.progression.model_copy(update={"mode": mode})
                new = h.model_copy(update={"progression": prog})
                what = f"progression mode set to {mode}"
            elif op == "use_template":
                new = self.library.hierarchy(str(args["template"]))
                what = f"template:{new.id}"
            else:
                raise ServiceError(f"unknown hierarchy edit '{op}'")
        except (ClientError, KeyError, ValueError, TypeError) as exc:
            if isinstance(exc, ServiceError):
                raise
            raise ServiceError(str(exc.args[0]) if exc.args else str(exc)) from None
        new = HierarchySpec.model_validate(new.model_dump())
        self.clients.assign(code, new, what)
        return new

    def reload_library(self) -> None:
        """The therapist's "reload scene": use the re-validated files from now on.

        The running session keeps its step; its parameters come from the new files
        at once, and the render thread swaps the scene in at a fade through black
        (it watches ``library``). The reload is on the session's record as a note.
        """
        update = self.reloads.latest
        if update is None or update.library is None or not update.valid:
            raise ServiceError("no valid changed files to reload")
        self.library = update.library
        self.reloads.offer(None)
        engine = self._engine
        if engine is not None:
            engine.library = update.library
            files = ", ".join(update.files)
            self.handle(c.AddNote(self._new_id(), "therapist", f"scene files reloaded: {files}"))
            engine.refresh_snapshot()

    def _client(self, code: str) -> cl.ClientRecord:
        try:
            return self.clients.get(code)
        except ClientError as exc:
            raise ServiceError(str(exc)) from None

    # -- the running session ------------------------------------------------------------
    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def snapshot(self) -> Snapshot | None:
        """The running (or just ended) session's latest snapshot; safe to read from any
        thread (the engine publishes it by swapping one reference)."""
        engine = self._engine
        return self._with_display(engine.snapshot) if engine is not None else None

    def session_time(self) -> float | None:
        """The running (or just ended) session's time now, on the clock its events are
        recorded with; None without a session. Safe to read from any thread."""
        engine = self._engine
        return engine.now() if engine is not None else None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(
        self,
        code: str,
        *,
        baseline_ssq: dict[str, float] | None = None,
        auto_mode: bool | None = None,
    ) -> Engine:
        if self._engine is not None and self._engine.state.running:
            raise ServiceError("a session is already running; end it before starting another")
        hierarchy = self.hierarchy(code)
        step, previous = self.clients.resume_step(code)
        engine = Engine.start(
            self.store,
            self.library,
            self.clock,
            code,
            hierarchy,
            start_step=step,
            previous_session=previous,
            new_id=self._new_id,
            auto_mode=auto_mode,
            station=self.station,
        )
        self._attach(engine)
        if baseline_ssq:
            self.handle(
                c.AnswerQuestionnaire(self._new_id(), "therapist", "ssq", baseline_ssq, "baseline")
            )
        return engine

    def close_ended(self) -> None:
        """Put an ended session away so that the next one can be set up; its record stays
        in the store. A running session must be ended first."""
        if self._engine is not None and self._engine.state.running:
            raise ServiceError("a session is running; end it before setting up another")
        self._flush_tracking()
        self._tracking = None
        self._engine = None

    # -- interrupted sessions -------------------------------------------------------------
    def interrupted(self) -> list[Interrupted]:
        """Sessions stored as running that no station runs (the engine was killed)."""
        return interrupted_sessions(self.store, self.clock.wall())

    def resume(self, session_id: str, *, takeover: bool = False) -> Engine:
        """Go on with an interrupted session (same step, paused); with ``takeover``, also
        one that another station still holds (the takeover is recorded)."""
        if self._engine is not None and self._engine.state.running:
            raise ServiceError("a session is already running; end it before resuming another")
        try:
            engine = Engine.resume(
                self.store,
                self.library,
                self.clock,
                session_id,
                new_id=self._new_id,
                station=self.station,
                takeover=takeover,
            )
        except LeaseHeld as exc:
            raise ServiceError(f"{exc} (choose 'take over' to run it here)") from None
        except StoreError as exc:
            raise ServiceError(str(exc)) from None
        self._attach(engine)
        return engine

    def close_interrupted(self, session_id: str) -> None:
        """End an interrupted session on the record, without resuming it."""
        if session_id not in {s.session_id for s in self.interrupted()}:
            raise ServiceError(f"session {session_id} is not an interrupted session")
        try:
            Engine.close_interrupted(self.store, self.clock, session_id, station=self.station)
        except StoreError as exc:
            raise ServiceError(str(exc)) from None

    def close(self) -> None:
        """Let go of the running session's lease (the station is shutting down)."""
        self._flush_tracking()
        if self._engine is not None:
            self._engine.release()

    # -- tracked poses --------------------------------------------------------------------
    def record_poses(self, session_id: str, moments: tuple[PoseSample, ...]) -> None:
        """Moments the render loop sampled (on the engine thread): stored in chunks of
        session time, each with its hash in the chain. Moments of another session than the
        one attached (it ended and another started meanwhile) are not recorded."""
        engine = self._engine
        if engine is None or engine.session_id != session_id:
            return
        from vrtherapy.session.tracking import TrackingRecorder

        if self._tracking is None or self._tracking[0] is not engine:
            self._flush_tracking()
            self._tracking = (engine, TrackingRecorder(engine.record_tracking))
            self._live = None
        recorder = self._tracking[1]
        self._measure(engine, moments)
        recorder.add(moments)
        if not engine.state.running:
            recorder.flush()

    def _measure(self, engine: Engine, moments: tuple[PoseSample, ...]) -> None:
        from vrtherapy.session.tracking import TrackingSamples
        from vrtherapy.session.tracking.measures import LiveBehaviour

        start = engine.state.step_entered_at
        if self._live is None or self._live[0] != start:
            live = LiveBehaviour()
            live.restart(start)
        else:
            live = self._live[1]
        live.add(TrackingSamples.from_moments(moments))
        self._live = (start, live, live.measures())

    def _flush_tracking(self) -> None:
        if self._tracking is not None:
            self._tracking[1].flush()

    def _attach(self, engine: Engine) -> None:
        self._engine = engine
        engine.subscribe(self._changed)
        self._changed(engine.snapshot, tuple(self.store.read(engine.session_id)))

    def _changed(self, snapshot: Snapshot, events: tuple[ev.Event, ...]) -> None:
        snapshot = self._with_display(snapshot)
        for listener in self._listeners:
            listener(snapshot, events)

    def report_frame_rate(self, rate: FrameRate) -> None:
        """The renderer's live measure of the display; shown in the next snapshots."""
        self._frame_rate = rate

    def _with_display(self, snapshot: Snapshot) -> Snapshot:
        """The engine's snapshot with the display's frame rate and the current trial's
        behaviour measures (one copy per change)."""
        rate = self._frame_rate
        behaviour = self._live_behaviour(snapshot)
        if (rate is None or snapshot.frame_rate is rate) and snapshot.behaviour is behaviour:
            return snapshot
        cached = self._with_rate
        if cached is not None and cached[0] is snapshot and cached[1:3] == (rate, behaviour):
            return cached[3]
        out = replace(snapshot, frame_rate=rate or snapshot.frame_rate, behaviour=behaviour)
        self._with_rate = (snapshot, rate, behaviour, out)
        return out

    def _live_behaviour(self, snapshot: Snapshot) -> Behaviour | None:
        """The measures of the trial the snapshot shows, once moments of it have come."""
        if self._tracking is None:
            return None
        engine = self._tracking[0]
        live = self._live
        if engine.session_id != snapshot.session_id or live is None:
            return None
        if live[0] != engine.state.step_entered_at or not live[1].sums.moments:
            return None
        return live[2]

    def handle(self, command: c.Command) -> Outcome:
        if self._engine is None:
            return Outcome(command.command_id, False, "no session is running; start one first")
        return self._engine.handle(command)

    def tick(self) -> None:
        if self._tracking is not None:  # the last chunk once the session has ended
            engine, recorder = self._tracking
            if engine.state.running:
                recorder.retry()
            else:
                recorder.flush()
        if self._engine is not None and self._engine.state.running:
            self._engine.tick()
            self._engine.refresh_snapshot()  # timers move even when nothing was stored

    def events(self, after_seq: int = 0) -> list[ev.Event]:
        if self._engine is None:
            return []
        return self.store.read(self._engine.session_id, after_seq)

    def summary(self) -> Summary:
        if self._engine is None:
            raise ServiceError("no session to summarise")
        return summarise(self.store.read(self._engine.session_id))

    def export(self) -> dict[str, Any]:
        """The complete session record as JSON-ready data (until full reports exist)."""
        if self._engine is None:
            raise ServiceError("no session to export")
        sid = self._engine.session_id
        report = self.store.verify(sid)
        return {
            "format": "vrtherapy.session-record",
            "version": 1,
            "session_id": sid,
            "exported_at": self.clock.wall(),
            "integrity": "verified" if report.ok else list(report.problems),
            "summary": self.summary().to_data(),
            "events": [event_data(e) for e in self.store.read(sid)],
        }
