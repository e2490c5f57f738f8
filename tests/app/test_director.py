"""What the client sees for each session state, and how scenes change."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrtherapy.app.director import NOTICE_S, Director, Slider
from vrtherapy.authoring import Library, load_library
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.store import open_store


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    library: Library = load_library()
    store = open_store(str(tmp_path / "d.sqlite3"))
    h = library.hierarchy("heights.standard")
    return Engine.start(store, library, ManualClock(), "C-DIRE-CTOR", h)


def test_waiting_room_before_a_session_and_goodbye_after() -> None:
    d = Director()
    first = d.update(None, Slider(), 0.0)
    assert first.scenario == "calm.room" and "start soon" in (first.overlay.instruction or "")
    assert first.fade == 1.0  # fades in from black
    assert d.update(None, Slider(), 1.0).fade == 0.0


def test_blackout_is_black_on_the_very_next_frame(engine: Engine) -> None:
    d = Director()
    d.update(engine.snapshot, Slider(), 0.0)
    assert d.update(engine.snapshot, Slider(), 5.0).fade == 0.0
    engine.handle(c.Safety("b", action="blackout"))
    assert d.update(engine.snapshot, Slider(), 5.01).fade == 1.0
    engine.handle(c.Safety("r", action="resume"))
    back = d.update(engine.snapshot, Slider(), 5.02)
    assert back.scenario == "heights.balcony" and back.fade > 0.5  # fades back in
    assert d.update(engine.snapshot, Slider(), 6.0).fade == 0.0


def test_step_change_fades_out_the_old_scene_then_in_the_new(engine: Engine) -> None:
    d = Director(fade_s=0.5)
    d.update(engine.snapshot, Slider(), 0.0)
    d.update(engine.snapshot, Slider(), 2.0)
    engine.handle(c.StepUp("u"))
    d.update(engine.snapshot, Slider(), 2.1)  # the fade out starts
    out = d.update(engine.snapshot, Slider(), 2.2)
    assert out.key == ("step", 0, "heights.balcony") and 0.3 < out.fade < 0.5 and not out.animate
    mid = d.update(engine.snapshot, Slider(), 2.36)
    assert mid.key == ("step", 1, "heights.balcony") and mid.fade > 0.9
    assert dict(mid.values)["height"] == 6.0
    assert d.update(engine.snapshot, Slider(), 2.7).fade == 0.0


def test_calm_scene_shows_the_scenarios_calm_room(engine: Engine) -> None:
    d = Director(fade_s=0.0)
    engine.handle(c.Safety("c", action="calm_scene"))
    shown = d.update(engine.snapshot, Slider(), 0.0)
    assert shown.scenario == "calm.room" and shown.overlay.suds is None


def test_paused_scene_holds_still_with_a_reassuring_line(engine: Engine) -> None:
    d = Director(fade_s=0.0)
    engine.handle(c.Safety("p", action="pause"))
    shown = d.update(engine.snapshot, Slider(), 0.0)
    assert not shown.animate and "Paused" in (shown.overlay.instruction or "")


def test_a_pending_prompt_shows_the_slider_with_the_clients_value(engine: Engine) -> None:
    d = Director(fade_s=0.0)
    engine.handle(c.AskNow("a"))
    asked = engine.snapshot.prompts[0].prompt_id
    assert d.update(engine.snapshot, Slider("another prompt", 0.45), 0.0).overlay.suds.value is None  # type: ignore[union-attr]
    shown = d.update(engine.snapshot, Slider(asked, 0.45), 0.0)
    assert shown.overlay.suds is not None
    assert shown.overlay.suds.value == 45.0 and shown.overlay.suds.scale_max == 100
    engine.handle(c.AskNow("b", prompt="comfort"))
    engine.handle(c.RecordSuds("s", value=40))
    comfort_id = next(p.prompt_id for p in engine.snapshot.prompts if p.kind == "comfort")
    comfort = d.update(engine.snapshot, Slider(comfort_id, 0.5), 0.1)
    assert comfort.overlay.suds is not None and comfort.overlay.suds.scale_max == 20
    assert comfort.overlay.suds.value == 10.0


def test_after_stop_the_headset_stays_black_until_the_therapist_lifts_it(engine: Engine) -> None:
    d = Director(fade_s=0.0)
    engine.handle(c.Safety("s", action="stop", reason="overwhelmed"))
    assert d.update(engine.snapshot, Slider(), 0.0).fade == 1.0
    engine.handle(c.Safety("r", action="resume"))
    after = d.update(engine.snapshot, Slider(), 0.1)
    assert after.fade == 0.0 and "session has ended" in (after.overlay.instruction or "")


def test_the_choice_panel_waits_for_a_rating_and_is_gone_while_paused(engine: Engine) -> None:
    from vrtherapy.app.director import Talk
    from vrtherapy.render.overlay import ChoicePanel

    d = Director(fade_s=0.0)
    talk = Talk(ChoicePanel(("Yes.", "No.")), "Are you ready?")
    shown = d.update(engine.snapshot, Slider(), 0.0, talk=talk)
    assert shown.overlay.choices == talk.choices and shown.overlay.subtitle == "Are you ready?"
    assert "number key" in (shown.overlay.instruction or "")
    engine.handle(c.AskNow("a"))  # a rating first; the line stays written
    rating = d.update(engine.snapshot, Slider(), 0.1, talk=talk)
    assert rating.overlay.suds is not None and rating.overlay.choices is None
    assert rating.overlay.subtitle == "Are you ready?"
    engine.handle(c.RecordSuds("s", value=40))
    engine.handle(c.Safety("p", action="pause"))
    paused = d.update(engine.snapshot, Slider(), 0.2, talk=talk)
    assert paused.overlay.choices is None and paused.overlay.subtitle is None


def _timed_engine(tmp_path: Path) -> tuple[Engine, ManualClock]:
    clock = ManualClock()
    library = load_library()
    store = open_store(str(tmp_path / "t.sqlite3"))
    h = library.hierarchy("heights.standard")
    return Engine.start(store, library, clock, "C-TIME-DTOO", h), clock


def test_a_change_seen_promptly_fades_from_the_records_time(tmp_path: Path) -> None:
    """The frame at a moment depends on the record, not on when a frame noticed the change:
    a director that sees the step change 0.05 s late draws what one that saw it at once
    draws (a replay feeds it at the record's times)."""
    engine, clock = _timed_engine(tmp_path)
    prompt, late = Director(fade_s=0.5), Director(fade_s=0.5)
    clock.advance(10.0)
    for d in (prompt, late):
        d.update(engine.snapshot, Slider(), 0.0)
        d.update(engine.snapshot, Slider(), 9.0)
    engine.handle(c.StepUp("u"))
    snap = engine.snapshot
    assert snap.changed_at == 10.0
    prompt.update(snap, Slider(), 10.0)
    late.update(snap, Slider(), 10.05)
    fades = []
    for t in (10.1, 10.2, 10.3, 10.45, 10.6):
        shown = prompt.update(snap, Slider(), t)
        assert shown == late.update(snap, Slider(), t), t
        fades.append(shown.fade)
    assert fades[0] == pytest.approx(0.4) and fades[-1] == 0.0


def test_a_scene_ready_late_fades_from_when_it_is_ready(tmp_path: Path) -> None:
    """A scene still being built keeps the old one; once ready it fades from then, never
    jumping in."""
    engine, clock = _timed_engine(tmp_path)
    d = Director(fade_s=0.5)
    clock.advance(10.0)
    d.update(engine.snapshot, Slider(), 0.0)
    d.update(engine.snapshot, Slider(), 9.0)
    engine.handle(c.StepUp("u"))
    snap = engine.snapshot
    held = d.update(snap, Slider(), 10.01, ready=lambda _p: False)
    assert held.key == ("step", 0, "heights.balcony") and held.fade == 0.0
    assert d.update(snap, Slider(), 13.0).fade == 0.0  # ready: starts fading out now
    assert d.update(snap, Slider(), 13.125).fade == pytest.approx(0.5)


def test_a_calm_scene_that_waits_at_black_fades_in_when_ready(tmp_path: Path) -> None:
    engine, clock = _timed_engine(tmp_path)
    d = Director(fade_s=0.5)
    clock.advance(10.0)
    d.update(engine.snapshot, Slider(), 0.0)
    d.update(engine.snapshot, Slider(), 9.0)
    engine.handle(c.Safety("calm", action="calm_scene"))
    snap = engine.snapshot
    d.update(snap, Slider(), 10.0)
    black = d.update(snap, Slider(), 10.3, ready=lambda p: p.key[0] != "calm")
    assert black.fade == 1.0
    first = d.update(snap, Slider(), 12.0)  # ready two seconds late: from black, not a jump
    assert first.key[0] == "calm" and first.fade == 1.0
    assert d.update(snap, Slider(), 12.125).fade == pytest.approx(0.5)


def test_a_paused_scene_is_posed_at_the_pause(tmp_path: Path) -> None:
    engine, clock = _timed_engine(tmp_path)
    d = Director(fade_s=0.0)
    clock.advance(42.0)
    engine.handle(c.Safety("p", action="pause"))
    clock.advance(30.0)
    shown = d.update(engine.snapshot, Slider(), 72.0)
    assert not shown.animate and shown.still_at == 42.0


@pytest.fixture
def lift(tmp_path: Path) -> tuple[Engine, ManualClock]:
    """A session on the glass elevator step (floor 3; stops 1, 3, 5, 10, 20, 35, 49)."""
    library: Library = load_library()
    store = open_store(str(tmp_path / "lift.sqlite3"))
    clock = ManualClock()
    found = Engine.start(
        store, library, clock, "C-LIFT-NOTE", library.hierarchy("heights.rothbaum")
    )
    assert found.handle(c.GoToStep("go", index=1)).accepted
    assert found.snapshot.scenario == "heights.glass_elevator"
    return found, clock


def _instruction(engine: Engine, at: float) -> str | None:
    d = Director(fade_s=0.0)
    return d.update(engine.snapshot, Slider(), at).overlay.instruction


def test_the_clients_floor_button_is_answered_in_the_headset_for_three_seconds(
    lift: tuple[Engine, ManualClock],
) -> None:
    engine, clock = lift
    clock.advance(5.0)
    assert _instruction(engine, engine.now()) is None  # nothing asked, nothing shown
    assert engine.handle(c.RequestFloor("up", "client", "up")).accepted
    t = engine.now()
    assert _instruction(engine, t) == "Going up to floor 5."
    assert _instruction(engine, t + NOTICE_S - 0.1) == "Going up to floor 5."
    assert _instruction(engine, t + NOTICE_S) is None  # gone after three seconds
    clock.advance(4.0)
    assert engine.handle(c.RequestFloor("down", "client", "down")).accepted
    assert _instruction(engine, engine.now()) == "Going down to floor 3."


def test_a_refused_floor_button_says_plainly_why_the_car_stays(
    lift: tuple[Engine, ManualClock],
) -> None:
    engine, clock = lift
    assert engine.handle(c.RequestFloor("down", "client", "down")).accepted
    assert _instruction(engine, engine.now()) == "Going down to floor 1."
    clock.advance(1.0)  # still riding down: the car already goes to the lowest stop
    assert engine.handle(c.RequestFloor("down-again", "client", "down")).accepted
    assert _instruction(engine, engine.now()) == "The elevator is already on its way."
    clock.advance(120.0)  # arrived
    assert engine.handle(c.RequestFloor("down2", "client", "down")).accepted
    assert _instruction(engine, engine.now()) == "This is the lowest floor."
    engine.handle(c.LockElevator("lock", "therapist", locked=True))
    clock.advance(1.0)
    assert engine.handle(c.RequestFloor("up", "client", "up")).accepted
    said = _instruction(engine, engine.now())
    assert said == "The elevator stays here for now. Your therapist is holding it."
    assert engine.snapshot.elevator is not None
    assert engine.snapshot.elevator.refused == "the therapist has locked the elevator's controls"
    engine.handle(c.LockElevator("unlock", "therapist", locked=False))
    engine.handle(c.SendElevator("top", "therapist", floor=49))
    clock.advance(4.0)
    # the therapist's send is not the client's button: no notice for it
    assert _instruction(engine, engine.now()) is None
    clock.advance(120.0)  # at the top
    assert engine.handle(c.RequestFloor("up-top", "client", "up")).accepted
    assert _instruction(engine, engine.now()) == "This is the top floor."


def test_no_elevator_notice_in_blackout_pause_or_over_a_rating(
    lift: tuple[Engine, ManualClock],
) -> None:
    engine, _clock = lift
    engine.handle(c.LockElevator("lock", "therapist", locked=True))
    assert engine.handle(c.RequestFloor("up", "client", "up")).accepted
    now = engine.now()
    assert _instruction(engine, now) is not None
    engine.handle(c.Safety("b", action="blackout"))
    black = Director(fade_s=0.0).update(engine.snapshot, Slider(), now)
    assert black.fade == 1.0 and black.overlay.empty  # blackout stays black
    engine.handle(c.Safety("r", action="resume"))
    engine.handle(c.Safety("p", action="pause"))
    assert engine.handle(c.RequestFloor("up2", "client", "up")).accepted  # refused, recorded
    assert _instruction(engine, now).startswith("Paused.")  # type: ignore[union-attr]
    engine.handle(c.Safety("r2", action="resume"))
    engine.handle(c.AskNow("ask"))
    assert engine.handle(c.RequestFloor("up3", "client", "up")).accepted
    shown = Director(fade_s=0.0).update(engine.snapshot, Slider(), engine.now())
    assert shown.overlay.suds is not None  # the question comes first
    assert shown.overlay.instruction == "Move the stick, then press the trigger to answer."
