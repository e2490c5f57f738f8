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
    decide,
    step_entry,
)
from vrtherapy.session.snapshot import Snapshot, make_snapshot
from vrtherapy.session.sound import due_cues
from vrtherapy.session.state import SessionState, apply, replay
from vrtherapy.session.store.base import EventStore, StoreError

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


class Engine:
    """One running session."""

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
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.session_id = session_id
        self._state = state
        self._new_id = new_id
        self._t0 = clock.monotonic() - time_offset
        self._listeners: list[Callable[[Snapshot, tuple[ev.Event, ...]], None]] = []
        # a safety action the store could not take: shown to the client all the same,
        # and stored as soon as the store works again (see tick)
        self._unstored_safety: tuple[ev.Actor, ev.SafetyAction] | None = None
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
    ) -> Engine:
        """Create a new session stream and enter its first step."""
        if not 0 <= start_step < len(hierarchy.steps):
            start_step = 0
        session_id = f"session:{client_code}:{new_id()[:12]}"
        store.create_stream(session_id, "session", client_code, clock.wall())
        engine = cls(store, library, clock, session_id, SessionState(), new_id=new_id)
        started = ev.SessionStarted(
            client_code, hierarchy.model_dump(mode="json"), start_step, previous_session
        )
        state = apply(engine._state, ev.Event(session_id, 1, 0, 0, "therapist", started))
        decided: Decided = [("therapist", started)]
        if auto_mode if auto_mode is not None else hierarchy.progression.auto:
            decided.append(("therapist", ev.AutoModeChanged(True)))
        decided.append(("system", step_entry(state, start_step, "start", library)))
        engine._commit(decided, None)
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
    ) -> Engine:
        """Rebuild a session from its stored events (e.g. after a crash) and go on.

        A running session comes back paused, so the client is never dropped into
        the scene without the therapist's say.
        """
        events = store.read(session_id)
        if not events:
            raise StoreError(f"no session '{session_id}' in {store.description}")
        state = replay(events)
        engine = cls(
            store,
            library,
            clock,
            session_id,
            state,
            new_id=new_id,
            time_offset=events[-1].session_time,
        )
        if state.running and state.safety == "none":
            engine._commit(
                [("system", ev.SafetyAction("pause", "resumed after an interruption"))], None
            )
        return engine

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

    def refresh_snapshot(self) -> Snapshot:
        """Re-make the snapshot so its timers show the current time."""
        self._snapshot = self._make_snapshot(self.now())
        return self._snapshot

    def _make_snapshot(self, now: float) -> Snapshot:
        snap = make_snapshot(self._state, self.library, now)
        if self._unstored_safety is None:
            return snap
        actor, action = self._unstored_safety
        shown = apply(self._state, ev.Event(self.session_id, 0, 0.0, now, actor, action))
        return dataclasses.replace(
            snap, safety=shown.safety, safety_reason=shown.safety_reason or action.action
        )

    def subscribe(self, listener: Callable[[Snapshot, tuple[ev.Event, ...]], None]) -> None:
        """Call ``listener(snapshot, new_events)`` after every stored change."""
        self._listeners.append(listener)

    # -- writing ---------------------------------------------------------------------------
    def handle(self, command: Command) -> Outcome:
        """Validate a command, store its events, apply them; applied once per command id."""
        if not command.command_id:
            return Outcome("", False, "a command needs an id")
        try:
            applied = self.store.command(command.command_id) is not None
        except Exception:
            log.exception("could not look up command %s", command.command_id)
            applied = False  # storing will fail too and say so; a safety action still acts
        if applied:
            return Outcome(command.command_id, True, "already applied", duplicate=True)
        ctx = Context(self.now(), self.library, self._new_id)
        try:
            decided = decide(self._state, command, ctx)
        except Rejected as exc:
            return Outcome(command.command_id, False, str(exc))
        safety = decided[0] if isinstance(command, Safety) else None
        try:
            if self._unstored_safety is not None:
                self._store_unstored_safety()  # the record keeps the order of events
                decided = decide(self._state, command, ctx)
            stored = self._commit(decided, command.command_id)
        except Rejected as exc:
            return Outcome(command.command_id, False, str(exc))
        except Exception as exc:
            # the record could not be written: refuse with a reason instead of failing the
            # caller's connection; a safety action still reaches the client's view
            log.exception("could not store the events of a %s command", type(command).__name__)
            if safety is not None and isinstance(safety[1], ev.SafetyAction):
                self._unstored_safety = (safety[0], safety[1])
                self._publish(self._make_snapshot(self.now()), ())
                return Outcome(
                    command.command_id,
                    False,
                    f"{safety[1].action.replace('_', ' ')} is shown to the client, but the "
                    f"session record could not be written ({type(exc).__name__}); it will be "
                    "stored when the record works again",
                )
            return Outcome(
                command.command_id,
                False,
                f"the session record could not be written ({type(exc).__name__}); "
                "nothing was recorded, try again",
            )
        return Outcome(command.command_id, True, events=stored)

    def tick(self) -> tuple[ev.Event, ...]:
        """Issue due prompts, time out unanswered ones, and re-evaluate progression."""
        now = self.now()
        decided: Decided = []
        if self._unstored_safety is not None:
            return self._store_unstored_safety()
        for action in prompts.due(self._state, now):
            if isinstance(action, prompts.TimeOut):
                decided.append(
                    ("system", ev.PromptTimedOut(action.prompt.prompt_id, action.prompt.kind))
                )
            else:
                decided.append(
                    ("system", ev.PromptIssued(self._new_id(), action.kind, action.trigger))
                )
        if not decided and not self._follow_ups(self._state, now):
            return ()
        return self._commit(decided, None)

    # -- internals ---------------------------------------------------------------------------
    def _store_unstored_safety(self) -> tuple[ev.Event, ...]:
        """Store the safety action that is shown but could not be stored when it was given."""
        assert self._unstored_safety is not None
        actor, shown = self._unstored_safety
        note = f"{shown.reason} (stored late: the record was unavailable)".strip()
        decided: Decided = [(actor, dataclasses.replace(shown, reason=note))]
        if shown.action == "stop" and self._state.running:
            ended = f"stopped: {shown.reason}" if shown.reason else "stopped"
            decided.append((actor, ev.SessionEnded(ended)))
        self._unstored_safety = None
        try:
            return self._commit(decided, None)
        except Exception:
            self._unstored_safety = (actor, shown)
            raise

    def _follow_ups(self, state: SessionState, now: float) -> Decided:
        """Cues due (timers, level changes), proposals (and, in auto mode, their
        acceptance) that the new state calls for."""
        if not state.running:
            return []
        cues = due_cues(state, self.library, now)
        return cues + self._progression(state, now)

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

    def _commit(self, decided: Decided, command_id: str | None) -> tuple[ev.Event, ...]:
        """Store the decided events plus the follow-ups they call for, then apply them."""
        now = self.now()
        wall = self.clock.wall()
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
        if not provisional:
            return ()
        new = [ev.NewEvent(e.actor, e.payload, now) for e in provisional]
        stored = tuple(
            self.store.append(self.session_id, self._state.last_seq, new, wall, command_id)
        )
        # durable now: apply the stored events (same payloads) to the real state
        self._state = state
        self._publish(self._make_snapshot(now), stored)
        return stored

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
