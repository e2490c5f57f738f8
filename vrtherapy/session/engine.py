"""The session engine: commands in, events stored, state folded, snapshots out.

Every change is first appended to the store (durably) and only then applied
to the in-memory state; a command is acknowledged only after that. Commands
are handled one at a time, so the state needs no locks. Time-driven work —
prompts, time-outs, proposals that depend on how long something held — happens
in :meth:`Engine.tick`, which the engine thread calls a few times a second.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vrtherapy.authoring import HierarchySpec, Library
from vrtherapy.session import events as ev
from vrtherapy.session import policies, prompts
from vrtherapy.session.clock import Clock
from vrtherapy.session.commands import (
    Command,
    Context,
    Decided,
    Rejected,
    Safety,
    apply_proposal,
    check_fields,
    decide,
    due_dialogue_timeouts,
    step_entry,
)
from vrtherapy.session.snapshot import Snapshot, make_snapshot
from vrtherapy.session.sound import due_cues
from vrtherapy.session.state import SessionState, apply, replay
from vrtherapy.session.station import RENEW_SECONDS, Station
from vrtherapy.session.store.base import ConcurrencyError, EventStore, LeaseLost, StoreError

if TYPE_CHECKING:
    from vrtherapy.session.tracking import EncodedChunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """The answer to a command: accepted (with the events it caused) or rejected."""

    command_id: str
    accepted: bool
    reason: str = ""
    events: tuple[ev.Event, ...] = ()
    duplicate: bool = False


def _uuid() -> str:
    return uuid.uuid4().hex


CHECKPOINT_SECONDS = 60.0  # the ledger sees every running session's head at least this often
_CHECKPOINT_KINDS = {
    "session_started": "start",
    "step_entered": "step change",
    "safety_action": "safety action",
    "session_ended": "end",
    "session_interrupted": "interruption",
    "session_resumed": "resume",
    "session_taken_over": "takeover",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Engine:
    """One running session, driven by this station (which holds the session's lease)."""

    def __init__(
        self,
        store: EventStore,
        library: Library,
        clock: Clock,
        session_id: str,
        state: SessionState,
        *,
        new_id: Callable[[], str] = _uuid,
        time_offset: float = 0.0,
        station: Station | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.session_id = session_id
        self.station = station or Station.this()
        self._state = state
        self._new_id = new_id
        self._t0 = clock.monotonic() - time_offset
        self._listeners: list[Callable[[Snapshot, tuple[ev.Event, ...]], None]] = []
        # safety actions the store could not take, in order: shown to the client all the
        # same, and stored, all of them in order, as soon as the store works again (tick)
        self._unstored: list[tuple[ev.Actor, ev.SafetyAction]] = []
        self._store_down = False
        # set when another station took the session over: this one records nothing more
        self._detached = ""
        self._lease_at = clock.wall()
        self._checkpoint_at = clock.wall()
        self._checkpointed = state.last_seq
        self._snapshot = self._make_snapshot(self.now())

    # -- creation ----------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        store: EventStore,
        library: Library,
        clock: Clock,
        client_code: str,
        hierarchy: HierarchySpec,
        *,
        start_step: int = 0,
        previous_session: str | None = None,
        new_id: Callable[[], str] = _uuid,
        auto_mode: bool | None = None,
        station: Station | None = None,
    ) -> Engine:
        """Create a new session stream and enter its first step, in one transaction."""
        if not 0 <= start_step < len(hierarchy.steps):
            start_step = 0
        session_id = f"session:{client_code}:{new_id()[:12]}"
        engine = cls(
            store, library, clock, session_id, SessionState(), new_id=new_id, station=station
        )
        started = ev.SessionStarted(
            client_code, hierarchy.model_dump(mode="json"), start_step, previous_session
        )
        state = apply(engine._state, ev.Event(session_id, 1, 0, 0, "therapist", started))
        decided: Decided = [("therapist", started)]
        if auto_mode if auto_mode is not None else hierarchy.progression.auto:
            decided.append(("therapist", ev.AutoModeChanged(True)))
        decided.append(("system", step_entry(state, start_step, "start", library)))
        now, wall = engine.now(), clock.wall()
        provisional, state = engine._provisional(decided, now, wall)
        stored = store.create_stream(
            session_id,
            "session",
            client_code,
            wall,
            [ev.NewEvent(e.actor, e.payload, now) for e in provisional],
            holder=engine.station,
        )
        engine._stored(tuple(stored), state, now, checkpoint="start")
        return engine

    @classmethod
    def resume(
        cls,
        store: EventStore,
        library: Library,
        clock: Clock,
        session_id: str,
        *,
        new_id: Callable[[], str] = _uuid,
        station: Station | None = None,
        takeover: bool = False,
    ) -> Engine:
        """Go on with a stored session: after a crash, or taking it over from another station.

        The session's lease is taken first (LeaseHeld names the station that runs it;
        ``takeover`` takes it all the same, and the takeover is recorded). An interrupted
        session gets a ``session_interrupted``/``session_resumed`` pair giving the gap,
        and a running session comes back paused at the same step, so the client is
        never dropped into the scene without the therapist's say.
        """
        station = station or Station.this()
        events = store.read(session_id)
        if not events:
            raise StoreError(f"no session '{session_id}' in {store.description}")
        before = store.lease(session_id)
        taken = store.acquire_lease(session_id, station, clock.wall(), takeover=takeover)
        events = store.read(session_id)  # anything its last holder wrote meanwhile
        state = replay(events)
        engine = cls(
            store,
            library,
            clock,
            session_id,
            state,
            new_id=new_id,
            time_offset=events[-1].session_time,
            station=station,
        )
        if not state.running:
            return engine
        wall = clock.wall()
        decided: Decided = []
        if taken is not None:
            decided.append(
                ("therapist", ev.SessionTakenOver(taken.label, station.label, "taken over"))
            )
        else:
            last = events[-1].wall_time
            decided.append(
                ("system", ev.SessionInterrupted(last, wall, before.label if before else ""))
            )
            decided.append(("system", ev.SessionResumed(round(wall - last, 3), station.label)))
        if state.safety == "none":
            why = "taken over from another station" if taken else "resumed after an interruption"
            decided.append(("system", ev.SafetyAction("pause", why)))
        engine._commit(decided, None)
        return engine

    @classmethod
    def close_interrupted(
        cls,
        store: EventStore,
        clock: Clock,
        session_id: str,
        *,
        station: Station | None = None,
        reason: str = "closed as interrupted",
    ) -> tuple[ev.Event, ...]:
        """End an interrupted session on the record without resuming it."""
        station = station or Station.this()
        events = store.read(session_id)
        if not events:
            raise StoreError(f"no session '{session_id}' in {store.description}")
        before = store.lease(session_id)
        store.acquire_lease(session_id, station, clock.wall())
        try:
            state = replay(events)
            if not state.running:
                return ()
            wall = clock.wall()
            last = events[-1]
            new = [
                ev.NewEvent(
                    "system",
                    ev.SessionInterrupted(last.wall_time, wall, before.label if before else ""),
                    last.session_time,
                ),
                ev.NewEvent(
                    "therapist", ev.SessionEnded(f"interrupted: {reason}"), last.session_time
                ),
            ]
            return tuple(
                store.append(
                    session_id, state.last_seq, new, wall, checkpoint="end", holder=station
                )
            )
        finally:
            store.release_lease(session_id, station)

    # -- reading ---------------------------------------------------------------------------
    def now(self) -> float:
        """Session time in seconds."""
        return self.clock.monotonic() - self._t0

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def detached(self) -> str:
        """Why this engine records nothing more (another station took over), or ''."""
        return self._detached

    def refresh_snapshot(self) -> Snapshot:
        """Re-make the snapshot so its timers show the current time."""
        self._snapshot = self._make_snapshot(self.now())
        return self._snapshot

    def _record_status(self) -> str:
        if self._detached:
            return self._detached
        if self._store_down or self._unstored:
            waiting = _plural(len(self._unstored), "action")
            return f"record unavailable — {waiting} waiting"
        return ""

    def _make_snapshot(self, now: float) -> Snapshot:
        snap = make_snapshot(self._state, self.library, now)
        status = self._record_status()
        if not self._unstored:
            return dataclasses.replace(snap, record_status=status) if status else snap
        shown = self._state
        for actor, action in self._unstored:
            shown = apply(shown, ev.Event(self.session_id, 0, 0.0, now, actor, action))
        return dataclasses.replace(
            snap,
            safety=shown.safety,
            safety_reason=shown.safety_reason or self._unstored[-1][1].action,
            safety_since=shown.safety_since,
            changed_at=shown.session_time,
            unstored_actions=len(self._unstored),
            record_status=status,
        )

    def subscribe(self, listener: Callable[[Snapshot, tuple[ev.Event, ...]], None]) -> None:
        """Call ``listener(snapshot, new_events)`` after every stored change."""
        self._listeners.append(listener)

    # -- writing ---------------------------------------------------------------------------
    def handle(self, command: Command) -> Outcome:
        """Check a command, store its events, apply them; applied once per command id.

        Returns the outcome (refusals carry a reason); raises only :class:`Rejected`,
        for something that is not a well-formed command at all.
        """
        check_fields(command)  # InvalidCommand (a Rejected) for anything malformed
        if not command.command_id:
            return Outcome("", False, "a command needs an id")
        if self._detached:
            return self._refuse_detached(command)
        try:
            applied = self.store.command(command.command_id) is not None
        except Exception:
            log.exception("could not look up command %s", command.command_id)
            applied = False  # storing will fail too and say so; a safety action still acts
        if applied:
            return Outcome(command.command_id, True, "already applied", duplicate=True)
        for attempt in range(2):
            try:
                return self._handle_once(command)
            except ConcurrencyError:
                # another writer moved the stream on (or an earlier write did land):
                # reload the stored truth and decide again, once
                log.warning("session %s moved on in the store; reloading", self.session_id)
                if not self._reload() or attempt == 1:
                    break
                if self.store.command(command.command_id) is not None:
                    return Outcome(command.command_id, True, "already applied", duplicate=True)
        if self._detached:
            return self._refuse_detached(command)
        return Outcome(
            command.command_id,
            False,
            "the session record changed underneath this station and was reloaded; "
            "check the console and try again",
        )

    def _handle_once(self, command: Command) -> Outcome:
        ctx = Context(self.now(), self.library, self._new_id)
        try:
            decided = decide(self._state, command, ctx)
        except Rejected as exc:
            return Outcome(command.command_id, False, str(exc))
        safety = decided[0] if isinstance(command, Safety) else None
        try:
            if self._unstored:
                self._store_unstored()  # the record keeps the order of events
                decided = decide(self._state, command, ctx)
            stored = self._commit(decided, command.command_id)
        except Rejected as exc:
            return Outcome(command.command_id, False, str(exc))
        except (ConcurrencyError, LeaseLost) as exc:
            if isinstance(exc, LeaseLost):
                self._detach(str(exc))
                return self._refuse_detached(command)
            raise
        except Exception as exc:
            # the record could not be written: refuse with a reason instead of failing the
            # caller's connection; a safety action still reaches the client's view
            log.exception("could not store the events of a %s command", type(command).__name__)
            self._store_down = True
            if safety is not None and isinstance(safety[1], ev.SafetyAction):
                self._unstored.append((safety[0], safety[1]))
                self._publish(self._make_snapshot(self.now()), ())
                return Outcome(
                    command.command_id,
                    False,
                    f"{safety[1].action.replace('_', ' ')} is shown to the client, but the "
                    f"session record could not be written ({type(exc).__name__}); it will be "
                    f"stored when the record works again "
                    f"({_plural(len(self._unstored), 'action')} waiting)",
                )
            self._publish(self._make_snapshot(self.now()), ())
            return Outcome(
                command.command_id,
                False,
                f"the session record could not be written ({type(exc).__name__}); "
                "nothing was recorded, try again",
            )
        return Outcome(command.command_id, True, events=stored)

    def tick(self) -> tuple[ev.Event, ...]:
        """Store waiting safety actions, renew the lease, issue due prompts, time out
        unanswered ones, re-evaluate progression and checkpoint the head. Never raises
        for a store problem: it logs it, shows it to the therapist and tries again."""
        if self._detached:
            return ()
        try:
            return self._tick()
        except LeaseLost as exc:
            self._detach(str(exc))
        except ConcurrencyError:
            log.warning("session %s moved on in the store; reloading", self.session_id)
            self._reload()
        except Exception:
            log.exception("the session tick could not write the record")
            if not self._store_down:
                self._store_down = True
                self._publish(self._make_snapshot(self.now()), ())
        return ()

    def _tick(self) -> tuple[ev.Event, ...]:
        if self._unstored:
            return self._store_unstored()
        wall = self.clock.wall()
        now = self.now()
        decided: Decided = []
        for action in prompts.due(self._state, now):
            if isinstance(action, prompts.TimeOut):
                decided.append(
                    ("system", ev.PromptTimedOut(action.prompt.prompt_id, action.prompt.kind))
                )
            else:
                decided.append(
                    ("system", ev.PromptIssued(self._new_id(), action.kind, action.trigger))
                )
        if decided or self._follow_ups(self._state, now):
            return self._commit(decided, None)  # renews the lease in the same transaction
        if self._checkpointed < self._state.last_seq and wall - self._checkpoint_at >= (
            CHECKPOINT_SECONDS
        ):
            self.store.checkpoint(self.session_id, wall)
            self._checkpointed, self._checkpoint_at = self._state.last_seq, wall
        if self._state.running and wall - self._lease_at >= RENEW_SECONDS:
            self.store.renew_lease(self.session_id, self.station, wall)
            self._lease_at = wall
            self._recovered()
        return ()

    def record_tracking(self, chunk: EncodedChunk) -> bool:
        """Store one chunk of tracked poses: its bytes beside the log and an event with
        their hash in the chain, in one transaction. True once durable; False (logged)
        when the record cannot take it now, so that the caller can offer it again."""
        if self._detached or self._unstored:
            return False  # safety actions waiting to be stored go first (tick)
        payload = ev.TrackingChunk(
            chunk.sha256, len(chunk.data), chunk.start, chunk.end, chunk.moments, chunk.tracks
        )
        try:
            self._commit([("system", payload)], None, tracking=chunk.data)
        except LeaseLost as exc:
            self._detach(str(exc))
            return False
        except ConcurrencyError:
            log.warning("session %s moved on in the store; reloading", self.session_id)
            self._reload()
            return False
        except Exception:
            log.exception("could not store tracking samples of session %s", self.session_id)
            return False
        return True

    def release(self) -> None:
        """Let go of the session's lease (the engine is closing)."""
        if self._detached:
            return
        try:
            self.store.release_lease(self.session_id, self.station)
        except Exception:
            log.exception("could not release the lease of %s", self.session_id)

    # -- internals ---------------------------------------------------------------------------
    def _refuse_detached(self, command: Command) -> Outcome:
        if isinstance(command, Safety):
            # still shown to the client at this station; the record is the other station's
            self._unstored.append((command.actor, ev.SafetyAction(command.action, command.reason)))
            self._publish(self._make_snapshot(self.now()), ())
            return Outcome(
                command.command_id,
                False,
                f"{command.action.replace('_', ' ')} is shown to the client here, but "
                f"{self._detached}",
            )
        return Outcome(command.command_id, False, self._detached)

    def _detach(self, reason: str) -> None:
        log.warning("session %s: %s", self.session_id, reason)
        self._detached = reason
        self._publish(self._make_snapshot(self.now()), ())

    def _reload(self) -> bool:
        """Re-read the session from the store; False if this station lost it meanwhile."""
        try:
            events = self.store.read(self.session_id)
            self.store.renew_lease(self.session_id, self.station, self.clock.wall())
        except LeaseLost as exc:
            self._state = replay(self.store.read(self.session_id))
            self._detach(str(exc))
            return False
        except Exception:
            log.exception("could not reload session %s", self.session_id)
            return False
        self._state = replay(events)
        self._publish(self._make_snapshot(self.now()), ())
        return True

    def _recovered(self) -> None:
        if self._store_down:
            self._store_down = False
            self._publish(self._make_snapshot(self.now()), ())

    def _store_unstored(self) -> tuple[ev.Event, ...]:
        """Store every safety action that was shown but could not be stored, in order."""
        running = self._state.running
        decided: Decided = []
        for actor, shown in self._unstored:
            note = f"{shown.reason} (stored late: the record was unavailable)".strip()
            decided.append((actor, dataclasses.replace(shown, reason=note)))
            if shown.action == "stop" and running:
                ended = f"stopped: {shown.reason}" if shown.reason else "stopped"
                decided.append((actor, ev.SessionEnded(ended)))
                running = False
        stored = self._commit(decided, None)
        self._unstored = []
        self._publish(self._make_snapshot(self.now()), ())
        return stored

    def _follow_ups(self, state: SessionState, now: float) -> Decided:
        """Cues due (timers, level changes), proposals (and, in auto mode, their
        acceptance) that the new state calls for."""
        if not state.running:
            return []
        cues = due_cues(state, self.library, now)
        timeouts = due_dialogue_timeouts(state, self.library, now)
        return cues + timeouts + self._progression(state, now)

    def _progression(self, state: SessionState, now: float) -> Decided:
        suggestion = policies.evaluate(state, now)
        pending = state.proposal
        out: Decided = []
        if pending is not None:
            same = (
                suggestion is not None
                and suggestion.rule == pending.rule
                and suggestion.direction == pending.direction
                and suggestion.target_step == pending.target_step
            )
            if same:
                return []
            out.append(
                (
                    "system",
                    ev.ProgressionDecided(
                        pending.proposal_id, "withdrawn", _withdraw_note(pending.rule)
                    ),
                )
            )
        if suggestion is None:
            return out
        if state.last_decision_at is not None and not _new_evidence(state, state.last_decision_at):
            return out
        proposal = ev.ProgressionProposed(
            self._new_id(),
            suggestion.direction,
            state.step_index,
            suggestion.target_step,
            suggestion.rule,
            suggestion.reason,
            dict(suggestion.numbers),
        )
        out.append(("system", proposal))
        if state.auto_mode:
            out.append(
                ("system", ev.ProgressionDecided(proposal.proposal_id, "accepted", "auto mode"))
            )
            out.extend(
                apply_proposal(
                    state, suggestion.direction, suggestion.target_step, "system", self.library
                )
            )
        return out

    def _provisional(
        self, decided: Decided, now: float, wall: float
    ) -> tuple[list[ev.Event], SessionState]:
        """The decided events plus the follow-ups they call for, numbered and applied."""
        state = self._state
        provisional: list[ev.Event] = []
        seq = state.last_seq

        def add(items: Decided) -> None:
            nonlocal state, seq
            for actor, payload in items:
                seq += 1
                e = ev.Event(self.session_id, seq, wall, now, actor, payload)
                provisional.append(e)
                state = apply(state, e)

        add(decided)
        for _ in range(3):  # follow-ups may cause follow-ups (auto mode); bounded
            more = self._follow_ups(state, now)
            if not more:
                break
            add(more)
        return provisional, state

    def _commit(
        self, decided: Decided, command_id: str | None, *, tracking: bytes | None = None
    ) -> tuple[ev.Event, ...]:
        """Store the decided events plus the follow-ups they call for, then apply them.
        ``tracking``: the bytes of the tracking chunk that is the first decided event."""
        now = self.now()
        wall = self.clock.wall()
        provisional, state = self._provisional(decided, now, wall)
        if not provisional:
            return ()
        reasons = [_CHECKPOINT_KINDS[e.kind] for e in provisional if e.kind in _CHECKPOINT_KINDS]
        if not reasons and wall - self._checkpoint_at >= CHECKPOINT_SECONDS:
            reasons = ["periodic"]
        if not reasons and self._state.status == "ended":
            reasons = ["after the end"]  # notes and questionnaires: no tick will follow
        new = [ev.NewEvent(e.actor, e.payload, now) for e in provisional]
        stored = tuple(
            self.store.append(
                self.session_id,
                self._state.last_seq,
                new,
                wall,
                command_id,
                checkpoint=reasons[0] if reasons else "",
                # while it runs, only the lease holder writes; notes after the end need none
                holder=self.station if self._state.running else None,
                tracking={0: tracking} if tracking is not None else None,
            )
        )
        self._stored(stored, state, now, checkpoint=reasons[0] if reasons else "")
        if self._state.status == "ended":
            self.release()
        return stored

    def _stored(
        self, stored: tuple[ev.Event, ...], state: SessionState, now: float, checkpoint: str
    ) -> None:
        """Durable now: take the state the stored events lead to, and tell the listeners."""
        self._state = state
        wall = self.clock.wall()
        self._lease_at = wall
        if checkpoint:
            self._checkpointed, self._checkpoint_at = state.last_seq, wall
        self._store_down = False
        self._publish(self._make_snapshot(now), stored)

    def _publish(self, snapshot: Snapshot, stored: tuple[ev.Event, ...]) -> None:
        self._snapshot = snapshot
        for listener in self._listeners:
            try:
                listener(self._snapshot, stored)
            except Exception:
                log.exception("a snapshot listener failed")


def _withdraw_note(rule: str) -> str:
    return {
        "ceiling": "SUDS came back below the ceiling",
        "habituation_drop": "SUDS rose again",
        "habituation_absolute": "SUDS rose again",
        "comfort": "comfort improved",
    }.get(rule, "no longer applies")


def _new_evidence(state: SessionState, since: float) -> bool:
    """Anything rated after ``since`` (a declined proposal is not re-made without it)."""
    if state.ratings and state.ratings[-1].time > since:
        return True
    if state.comfort and state.comfort[-1][0] > since:
        return True
    return state.stop_requested_at is not None and state.stop_requested_at > since
