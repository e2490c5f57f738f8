"""The glass elevator in the session: the client asks for the next stop up or down, the
therapist sends the car to a declared floor and locks the client's buttons; every
request, refusal and lock is an event in the record, and the snapshot carries the floor."""

from __future__ import annotations

from tests.session.helpers import Ids, start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.timeline import describe

# seconds after which any ride of the glass elevator has ended (1 -> 49: 172.8 m at 2 m/s)
ARRIVED = 120.0


def _on_level(engine: Engine, ids: Ids, level: str) -> None:
    h = engine.state.hierarchy
    assert h is not None
    index = next(
        i
        for i, s in enumerate(h.steps)
        if s.scenario == "heights.glass_elevator" and s.level == level
    )
    assert engine.handle(c.GoToStep(ids(), index=index)).accepted


def _elevator_lines(engine: Engine) -> list[str]:
    events = engine.store.read(engine.session_id)
    return [
        line for e in events if e.kind.startswith("elevator_") and (line := describe(e)) is not None
    ]


def test_client_rides_stop_by_stop_and_is_refused_beyond_the_top(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_35")
    snap = engine.snapshot
    assert snap.elevator is not None
    assert snap.elevator.floor == 35
    assert snap.elevator.stops == (1, 3, 5, 10, 20, 35, 49)
    assert engine.handle(c.RequestFloor(ids(), direction="up")).accepted
    assert engine.snapshot.elevator.floor == 49  # type: ignore[union-attr]
    assert dict(engine.snapshot.parameters)["floor"] == 49  # the world rides there
    clock.advance(ARRIVED)
    # at the top: refused with the reason, and the refusal is in the record
    assert engine.handle(c.RequestFloor(ids(), direction="up")).accepted
    snap = engine.snapshot
    assert snap.elevator is not None and snap.elevator.floor == 49
    assert snap.elevator.refused == "already at the top floor (49)"
    engine.handle(c.RequestFloor(ids(), direction="down"))
    assert engine.snapshot.elevator.floor == 35  # type: ignore[union-attr]
    assert _elevator_lines(engine) == [
        "elevator sent from floor 35 to floor 49 by client",
        "elevator request (up, at floor 49) by client refused: already at the top floor (49)",
        "elevator sent from floor 49 to floor 35 by client",
    ]
    # the record rebuilds the same state (the replay and the report read it)
    replayed = replay(engine.store.read(engine.session_id))
    assert dict(replayed.overrides)["floor"] == 35


def test_the_session_report_lists_the_rides_refusals_and_locks(
    sqlite_store: EventStore, library: Library
) -> None:
    from tests.reports.test_session_report import Tables
    from vrtherapy.reports.document import session_html
    from vrtherapy.reports.session import session_report

    engine, clock = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_10")
    clock.advance(61.0)
    engine.handle(c.RequestFloor(ids(), direction="up"))
    engine.handle(c.LockElevator(ids(), locked=True))
    clock.advance(60.0)
    engine.handle(c.RequestFloor(ids(), direction="down"))
    engine.handle(c.EndSession(ids()))
    tables = Tables(session_html(session_report(engine.store.read(engine.session_id))))
    assert tables.tables["elevator"][1:] == [
        ["1:01", "floor 20 (from 10)", "client", ""],
        ["1:01", "client's buttons locked", "therapist", ""],
        [
            "2:01",
            "down from floor 20",
            "client",
            "the therapist has locked the elevator's controls",
        ],
    ]


def test_bottom_floor_refuses_down(sqlite_store: EventStore, library: Library) -> None:
    engine, clock = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_3")
    engine.handle(c.RequestFloor(ids(), direction="down"))
    assert engine.snapshot.elevator.floor == 1  # type: ignore[union-attr]
    clock.advance(ARRIVED)
    engine.handle(c.RequestFloor(ids(), direction="down"))
    snap = engine.snapshot
    assert snap.elevator is not None and snap.elevator.floor == 1
    assert snap.elevator.refused == "already at the bottom floor (1)"


def test_locked_controls_refuse_the_client_but_not_the_therapist(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_10")
    assert engine.handle(c.LockElevator(ids(), locked=True)).accepted
    assert engine.snapshot.elevator.locked  # type: ignore[union-attr]
    engine.handle(c.RequestFloor(ids(), direction="up"))
    snap = engine.snapshot
    assert snap.elevator is not None
    assert snap.elevator.floor == 10  # no motion
    assert snap.elevator.refused == "the therapist has locked the elevator's controls"
    # the client cannot unlock; the therapist sends the car where they choose
    refused = engine.handle(c.LockElevator(ids(), actor="client", locked=False))
    assert not refused.accepted
    assert engine.handle(c.SendElevator(ids(), floor=20)).accepted
    assert engine.snapshot.elevator.floor == 20  # type: ignore[union-attr]
    assert engine.snapshot.elevator.refused == ""  # type: ignore[union-attr]
    clock.advance(ARRIVED)
    engine.handle(c.LockElevator(ids(), locked=False))
    engine.handle(c.RequestFloor(ids(), direction="up"))
    assert engine.snapshot.elevator.floor == 35  # type: ignore[union-attr]
    assert _elevator_lines(engine) == [
        "the client's elevator controls locked by therapist",
        "elevator request (up, at floor 10) by client refused: the therapist has locked "
        "the elevator's controls",
        "elevator sent from floor 10 to floor 20 by therapist",
        "the client's elevator controls unlocked by therapist",
        "elevator sent from floor 20 to floor 35 by client",
    ]


def test_therapist_floor_must_be_a_declared_stop(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_3")
    above = engine.handle(c.SendElevator(ids(), floor=60))
    assert not above.accepted and above.reason == "floor 60 is above the top floor (49)"
    below = engine.handle(c.SendElevator(ids(), floor=0))
    assert not below.accepted and below.reason == "floor 0 is below the bottom floor (1)"
    between = engine.handle(c.SendElevator(ids(), floor=7))
    assert not between.accepted
    assert (
        between.reason
        == "the elevator does not stop at floor 7; its stops: 1, 3, 5, 10, 20, 35, 49"
    )
    assert engine.snapshot.elevator.floor == 3  # type: ignore[union-attr]


def test_requests_refused_while_the_car_rides_on_its_timer_or_the_scene_is_paused(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "ride_10_20")
    snap = engine.snapshot
    assert snap.elevator is not None and not snap.elevator.available
    engine.handle(c.RequestFloor(ids(), direction="up"))
    refused = engine.snapshot.elevator
    assert refused is not None and refused.floor == 10
    assert refused.refused == "the car does not stop at floors at these settings (mode: ride)"
    assert not engine.handle(c.SendElevator(ids(), floor=20)).accepted
    _on_level(engine, ids, "floor_10")
    assert engine.snapshot.elevator.refused == ""  # type: ignore[union-attr]
    engine.handle(c.Safety(ids(), action="pause"))
    engine.handle(c.RequestFloor(ids(), direction="up"))
    paused = engine.snapshot.elevator
    assert paused is not None and paused.floor == 10
    assert paused.refused == "the scene is not shown (paused)"


def test_a_scenario_without_an_elevator_has_none(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)  # the balcony
    assert engine.snapshot.elevator is None
    outcome = engine.handle(c.RequestFloor(Ids()(), direction="up"))
    assert not outcome.accepted and "has no elevator" in outcome.reason


def _two_seconds_up_from_floor_10(
    store: EventStore, library: Library
) -> tuple[Engine, ManualClock, Ids]:
    """A session on floor 10 whose therapist sent the car to 49 two seconds ago."""
    engine, clock = start(store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_10")
    assert engine.handle(c.SendElevator(ids(), floor=49)).accepted
    clock.advance(2.0)
    return engine, clock, ids


def test_a_floor_button_pressed_while_the_car_rides_counts_from_where_the_car_is(
    sqlite_store: EventStore, library: Library
) -> None:
    """The therapist sends the car from floor 10 to 49; 2 s later it has risen 0.8 m
    (0.4 m/s^2), a fifth of a floor. The client presses "down": the car turns back to the
    next stop below where it is (10), not below where it was going (35), and the record
    says where it was. "Up" while it rides up stops it at the next floor above it."""
    engine, clock, ids = _two_seconds_up_from_floor_10(sqlite_store, library)
    assert engine.handle(c.RequestFloor(ids(), direction="down")).accepted
    assert engine.snapshot.elevator.floor == 10  # type: ignore[union-attr]
    clock.advance(ARRIVED)
    assert engine.handle(c.SendElevator(ids(), floor=49)).accepted
    clock.advance(10.0)  # 5 s speeding up to 2 m/s (5 m), then 5 s at 2 m/s: 15 m up
    assert engine.handle(c.RequestFloor(ids(), direction="up")).accepted
    assert engine.snapshot.elevator.floor == 20  # type: ignore[union-attr]
    assert _elevator_lines(engine) == [
        "elevator sent from floor 10 to floor 49 by therapist",
        "elevator sent from floor 10.22 to floor 10 by client",
        "elevator sent from floor 10 to floor 49 by therapist",
        "elevator sent from floor 14.17 to floor 20 by client",
    ]


def test_a_ride_held_by_a_pause_goes_on_from_where_it_was_after_it(
    sqlite_store: EventStore, library: Library
) -> None:
    """The client's view holds the car still while paused; the session counts the same:
    after a long pause the car is where it was when the pause began."""
    engine, clock, ids = _two_seconds_up_from_floor_10(sqlite_store, library)
    assert engine.handle(c.Safety(ids(), action="pause")).accepted
    clock.advance(300.0)
    assert engine.handle(c.Safety(ids(), action="resume")).accepted
    assert engine.handle(c.RequestFloor(ids(), direction="down")).accepted
    assert _elevator_lines(engine)[-1] == "elevator sent from floor 10.22 to floor 10 by client"


def test_the_car_is_not_sent_while_the_scene_is_held_or_hidden(
    sqlite_store: EventStore, library: Library
) -> None:
    """Paused, blacked out or in the calm scene, neither the therapist's floor buttons nor
    the floor slider send the car: it would ride unseen and the client would find
    themselves elsewhere when the scene comes back."""
    engine, _ = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_10")
    for action, shown in (("pause", "paused"), ("calm_scene", "calm scene")):
        assert engine.handle(c.Safety(ids(), action=action)).accepted  # type: ignore[arg-type]
        sent = engine.handle(c.SendElevator(ids(), floor=49))
        assert not sent.accepted
        assert sent.reason == (
            f"the scene is not shown ({shown}): resume the scene before sending the elevator"
        )
        slid = engine.handle(c.SetParameter(ids(), name="floor", value=49))
        assert not slid.accepted and slid.reason == sent.reason
        assert engine.handle(c.Safety(ids(), action="resume")).accepted
    assert engine.snapshot.elevator.floor == 10  # type: ignore[union-attr]
    assert _elevator_lines(engine) == []


def test_the_floor_slider_sends_the_car_like_the_buttons(
    sqlite_store: EventStore, library: Library
) -> None:
    """The therapist's floor slider on the car's parameter is a request like the floor
    buttons: in the record (and so in the report) with where the car was."""
    engine, clock = start(sqlite_store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    _on_level(engine, ids, "floor_10")
    assert engine.handle(c.SetParameter(ids(), name="floor", value=20)).accepted
    assert engine.snapshot.elevator.floor == 20  # type: ignore[union-attr]
    clock.advance(ARRIVED)
    assert engine.handle(c.SetParameter(ids(), name="floor", value=None)).accepted  # reset
    assert engine.snapshot.elevator.floor == 10  # type: ignore[union-attr]
    assert _elevator_lines(engine) == ["elevator sent from floor 10 to floor 20 by therapist"]
