"""No safety action is lost in a store outage (issue 9, item 3), and a stale engine
recovers instead of wedging (item 4)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.session.helpers import Ids, start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore


class Outage:
    """Makes every write of a store fail until it is over."""

    def __init__(self, store: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store, self.monkeypatch = store, monkeypatch
        self.real = {n: getattr(store, n) for n in ("append", "checkpoint", "renew_lease")}

    def __enter__(self) -> Outage:
        def broken(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        for name in self.real:
            self.monkeypatch.setattr(self.store, name, broken)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, fn in self.real.items():
            self.monkeypatch.setattr(self.store, name, fn)


def test_every_safety_action_in_an_outage_is_stored_in_order(
    store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, clock = start(store, library)
    ids = Ids()
    shown: list[tuple[str, str]] = []
    engine.subscribe(lambda snap, _e: shown.append((snap.safety, snap.record_status)))
    with Outage(store, monkeypatch):
        first = engine.handle(c.Safety(ids(), action="blackout", reason="panic"))
        assert not first.accepted and "1 action waiting" in first.reason
        assert engine.snapshot.safety == "blackout"
        assert engine.snapshot.record_status == "record unavailable — 1 action waiting"
        clock.advance(1)
        assert engine.tick() == ()  # the store is still down: no exception, nothing lost
        second = engine.handle(c.Safety(ids(), action="resume", reason="calmer"))
        assert not second.accepted and "2 actions waiting" in second.reason
        third = engine.handle(c.Safety(ids(), action="calm_scene"))
        assert not third.accepted
        assert engine.snapshot.safety == "calm_scene"  # the client sees the latest action
        assert engine.snapshot.unstored_actions == 3
        assert engine.snapshot.record_status == "record unavailable — 3 actions waiting"
        rating = engine.handle(c.RecordSuds(ids(), value=40))
        assert not rating.accepted and "could not be written" in rating.reason
    clock.advance(1)
    stored = engine.tick()  # the store works again: all of them, in the order given
    actions = [
        (e.payload.action, e.payload.reason)
        for e in stored
        if isinstance(e.payload, ev.SafetyAction)
    ]
    assert [a for a, _ in actions] == ["blackout", "resume", "calm_scene"]
    assert all("stored late" in r for _, r in actions)
    assert engine.snapshot.unstored_actions == 0 and engine.snapshot.record_status == ""
    assert engine.snapshot.safety == "calm_scene"
    assert replay(store.read(engine.session_id)) == engine.state
    assert shown[-1] == ("calm_scene", "")


def test_a_stop_in_an_outage_ends_the_session_when_stored(
    sqlite_store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = start(sqlite_store, library)
    with Outage(sqlite_store, monkeypatch):
        engine.handle(c.Safety("b", action="blackout"))
        engine.handle(c.Safety("s", action="stop", reason="client unwell"))
    # the next command stores the waiting actions first, in order, then is decided
    out = engine.handle(c.AddNote("n", text="stopped during a record outage"))
    assert out.accepted
    kinds = [e.kind for e in sqlite_store.read(engine.session_id)][-4:]
    assert kinds == ["safety_action", "safety_action", "session_ended", "note_added"]
    assert engine.state.status == "ended"


def test_a_stale_engine_reloads_and_goes_on(store: EventStore, library: Library) -> None:
    engine, clock = start(store, library)
    ids = Ids()
    assert engine.handle(c.RecordSuds(ids(), value=50)).accepted
    # something else wrote to the session (an earlier write that did land although it
    # reported an error, or a tool): the engine's state is behind the store
    head = store.stream(engine.session_id)
    assert head is not None
    store.append(
        engine.session_id,
        head.head_seq,
        [ev.NewEvent("therapist", ev.NoteAdded("written elsewhere"), engine.now())],
        clock.wall(),
    )
    clock.advance(30)
    assert engine.tick() == ()  # never raises; it reloads
    out = engine.handle(c.RecordSuds(ids(), value=40))
    assert out.accepted, out.reason
    assert engine.state == replay(store.read(engine.session_id))
    assert "written elsewhere" in [t for _, t in engine.state.notes]
    clock.advance(30)
    engine.tick()
    assert engine.handle(c.StepUp(ids())).accepted


def test_a_command_refused_by_a_stale_state_is_decided_again(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    head = sqlite_store.stream(engine.session_id)
    assert head is not None
    sqlite_store.append(
        engine.session_id,
        head.head_seq,
        [ev.NewEvent("therapist", ev.SafetyAction("pause", "elsewhere"), engine.now())],
        clock.wall(),
    )
    out = engine.handle(c.Safety("r", action="resume"))
    assert out.accepted, out.reason  # reloaded, decided again, stored
    assert [e.kind for e in sqlite_store.read(engine.session_id)][-2:] == [
        "safety_action",
        "safety_action",
    ]
    assert engine.snapshot.safety == "none"


def test_tracked_poses_wait_for_the_safety_actions_of_an_outage(
    store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vrtherapy.session.tracking import Pose, PoseSample, TrackingRecorder

    engine, clock = start(store, library)
    recorder = TrackingRecorder(engine.record_tracking, chunk_s=1.0)
    head = (("head", Pose((0.0, 1.6, 0.0))),)
    moments = [PoseSample(i * 0.05, head) for i in range(50)]  # 0–2.45 s: two chunks done
    with Outage(store, monkeypatch):
        engine.handle(c.Safety("b", action="blackout", reason="panic"))
        recorder.add(moments)
        assert recorder.unstored == 2 and recorder.stored == 0  # kept, not dropped
    recorder.retry()  # the store is back, but the blackout is not stored yet: it goes first
    assert recorder.stored == 0
    clock.advance(1)
    engine.tick()
    recorder.retry()
    assert recorder.stored == 2
    kinds = [e.kind for e in store.read(engine.session_id)]
    assert kinds.index("safety_action") < kinds.index("tracking_chunk")
    assert store.verify(engine.session_id).ok
