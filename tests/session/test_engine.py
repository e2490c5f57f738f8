"""The engine as the console and the headset use it: commands, safety, prompts, proposals."""

from __future__ import annotations

import pytest

from tests.session.helpers import Ids, hierarchy, start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore


def kinds(store: EventStore, stream: str) -> list[str]:
    return [e.kind for e in store.read(stream)]


def test_start_enters_the_first_step(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    snap = engine.snapshot
    assert snap.status == "running" and snap.safety == "none"
    assert snap.step_index == 0 and snap.scenario == "heights.balcony" and snap.level == "ground"
    assert dict(snap.parameters)["height"] == 0.0
    assert kinds(sqlite_store, engine.session_id) == ["session_started", "step_entered"]


def test_step_up_and_down_with_clear_refusals(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    ids = Ids()
    out = engine.handle(c.StepDown(ids()))
    assert not out.accepted and out.reason == "cannot step down: already at the first step"
    for _ in range(5):
        assert engine.handle(c.StepUp(ids())).accepted
    assert engine.snapshot.step_index == 5
    out = engine.handle(c.StepUp(ids()))
    assert not out.accepted and out.reason == "cannot step up: already at the top of the hierarchy"
    assert dict(engine.snapshot.parameters)["height"] == 60.0
    assert engine.handle(c.GoToStep(ids(), index=3)).accepted
    assert engine.snapshot.step_index == 3 and engine.snapshot.intensity == 70
    assert not engine.handle(c.GoToStep(ids(), index=9)).accepted


def test_repeated_command_is_applied_once(store: EventStore, library: Library) -> None:
    engine, _ = start(store, library)
    first = engine.handle(c.RecordSuds("same-id", value=40))
    again = engine.handle(c.RecordSuds("same-id", value=40))
    assert first.accepted and again.accepted and again.duplicate
    assert kinds(store, engine.session_id).count("suds_rated") == 1


def test_rating_is_recorded_with_everything_a_report_needs(
    sqlite_store: EventStore, library: Library
) -> None:
    h = hierarchy(library)
    h = h.model_copy(update={"suds_scale": 10})
    engine, clock = start(sqlite_store, library, h)
    clock.advance(31)
    engine.tick()  # step-entry prompt after the settle time
    prompt = engine.snapshot.prompts[0]
    assert (prompt.kind, prompt.trigger) == ("suds", "step_entry")
    out = engine.handle(c.RecordSuds("r1", "client", value=4, source="headset"))
    rated = out.events[0].payload
    assert isinstance(rated, ev.SudsRated)
    assert (rated.value, rated.scale, rated.normalised) == (4.0, 10, 40.0)
    assert rated.source == "headset" and rated.trigger == "step_entry"
    assert rated.prompt_id == prompt.prompt_id and rated.step_index == 0
    assert rated.parameters["height"] == 0.0 and rated.parameters["railing"] is True
    assert engine.snapshot.prompts == () and engine.snapshot.last_suds == 4
    bad = engine.handle(c.RecordSuds("r2", value=11))
    assert not bad.accepted and "between 0 and 10" in bad.reason


@pytest.mark.parametrize("action", ["pause", "blackout", "calm_scene", "resume", "stop"])
def test_safety_is_always_accepted(sqlite_store: EventStore, library: Library, action: str) -> None:
    engine, _ = start(sqlite_store, library)
    ids = Ids()
    # even with a scenario that failed to load, and after the session has ended
    engine.handle(c.ReportLoadFailure(ids(), scenario="heights.balcony", message="GL error"))
    assert engine.snapshot.load_error
    out = engine.handle(c.Safety(ids(), action=action, reason="test"))  # type: ignore[arg-type]
    assert out.accepted
    expected = {
        "pause": "paused",
        "blackout": "blackout",
        "calm_scene": "calm_scene",
        "resume": "none",
        "stop": "blackout",
    }[action]
    assert engine.snapshot.safety == expected
    engine.handle(c.EndSession(ids()))
    assert engine.handle(c.Safety(ids(), action="blackout")).accepted
    assert engine.snapshot.safety == "blackout"


def test_stop_ends_the_session_and_blacks_out(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.Safety("s1", action="stop", reason="client overwhelmed"))
    snap = engine.snapshot
    assert snap.status == "ended" and snap.safety == "blackout"
    refused = engine.handle(c.RecordSuds("late", value=10))
    assert not refused.accepted and refused.reason == "the session has ended"


def test_snapshot_shows_safety_first() -> None:
    from dataclasses import fields

    from vrtherapy.session.snapshot import Snapshot

    assert [f.name for f in fields(Snapshot)][:2] == ["safety", "safety_reason"]


def test_no_prompts_while_paused(sqlite_store: EventStore, library: Library) -> None:
    engine, clock = start(sqlite_store, library)
    engine.handle(c.Safety("p", action="pause"))
    clock.advance(600)
    engine.tick()
    assert engine.snapshot.prompts == ()
    engine.handle(c.Safety("r", action="resume"))
    engine.tick()
    assert [p.kind for p in engine.snapshot.prompts] == ["suds", "comfort"]


def test_prompt_schedule_and_timeout(sqlite_store: EventStore, library: Library) -> None:
    engine, clock = start(sqlite_store, library)  # interval 2 min, settle 30 s, timeout 45 s
    clock.advance(29)
    engine.tick()
    assert engine.snapshot.prompts == ()
    clock.advance(1)
    engine.tick()
    assert [p.trigger for p in engine.snapshot.prompts if p.kind == "suds"] == ["step_entry"]
    clock.advance(45)
    engine.tick()  # unanswered: timed out and recorded
    events = sqlite_store.read(engine.session_id)
    assert any(isinstance(e.payload, ev.PromptTimedOut) for e in events)
    assert not [p for p in engine.snapshot.prompts if p.kind == "suds"]
    clock.advance(120 - 45)
    engine.tick()
    assert [p.trigger for p in engine.snapshot.prompts if p.kind == "suds"] == ["timer"]
    engine.handle(c.RecordSuds("a", "client", value=30, source="headset"))
    clock.advance(119)
    engine.tick()
    assert not [p for p in engine.snapshot.prompts if p.kind == "suds"]
    clock.advance(1)
    engine.tick()
    assert [p.trigger for p in engine.snapshot.prompts if p.kind == "suds"] == ["timer"]
    # on demand
    engine.handle(c.AskNow("ask", prompt="suds"))
    assert [p.trigger for p in engine.snapshot.prompts if p.kind == "suds"] == ["therapist"]


def test_habituation_proposal_accept(sqlite_store: EventStore, library: Library) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    for suds in [60, 40, 30, 25, 25]:
        clock.advance(60)
        engine.handle(c.RecordSuds(ids(), value=suds))
    proposal = engine.snapshot.proposal
    assert proposal is not None and proposal.direction == "up" and proposal.target_step == 1
    assert "SUDS fell from 60 to 25" in proposal.reason
    assert engine.handle(c.AcceptProposal(ids(), proposal_id=proposal.proposal_id)).accepted
    assert engine.snapshot.step_index == 1 and engine.snapshot.proposal is None
    decided = [
        e.payload
        for e in sqlite_store.read(engine.session_id)
        if isinstance(e.payload, ev.ProgressionDecided)
    ]
    assert decided[-1].decision == "accepted"
    stale = engine.handle(c.AcceptProposal(ids(), proposal_id=proposal.proposal_id))
    assert not stale.accepted and "no longer open" in stale.reason


def test_declined_proposal_is_not_repeated_without_new_ratings(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    for suds in [60, 40, 30, 25, 25]:
        clock.advance(60)
        engine.handle(c.RecordSuds(ids(), value=suds))
    p = engine.snapshot.proposal
    assert p is not None
    engine.handle(c.DeclineProposal(ids(), proposal_id=p.proposal_id, note="one more round"))
    clock.advance(30)
    engine.tick()
    assert engine.snapshot.proposal is None
    clock.advance(30)
    engine.handle(c.RecordSuds(ids(), value=20))
    assert engine.snapshot.proposal is not None  # new evidence: proposed again


def test_ceiling_step_down_is_withdrawn_when_relieved(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    engine.handle(c.GoToStep(ids(), index=4))
    engine.handle(c.RecordSuds(ids(), value=90))
    clock.advance(60)
    engine.handle(c.RecordSuds(ids(), value=92))
    p = engine.snapshot.proposal
    assert p is not None and p.direction == "down" and p.rule == "ceiling" and p.target_step == 3
    clock.advance(60)
    engine.handle(c.RecordSuds(ids(), value=60))
    assert engine.snapshot.proposal is None
    last = [
        e.payload
        for e in sqlite_store.read(engine.session_id)
        if isinstance(e.payload, ev.ProgressionDecided)
    ][-1]
    assert last.decision == "withdrawn" and "below the ceiling" in last.note


def test_client_stop_pauses_and_proposes_step_down(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.GoToStep("g", index=2))
    engine.handle(c.ClientStop("stop-button"))
    snap = engine.snapshot
    assert snap.safety == "paused" and "asked to stop" in snap.safety_reason
    assert snap.proposal is not None and snap.proposal.rule == "stop_request"
    assert snap.proposal.target_step == 1


def test_therapist_moving_elsewhere_overrides_the_proposal(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.GoToStep("g", index=2))
    engine.handle(c.ClientStop("s"))
    engine.handle(c.GoToStep("g2", index=0))
    decided = [
        e.payload
        for e in sqlite_store.read(engine.session_id)
        if isinstance(e.payload, ev.ProgressionDecided)
    ]
    assert decided[-1].decision == "overridden"


def test_auto_mode_applies_proposals_and_is_recorded(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    assert engine.handle(c.SetAutoMode(ids(), enabled=True)).accepted
    for suds in [60, 40, 30, 25, 25]:
        clock.advance(60)
        engine.handle(c.RecordSuds(ids(), value=suds))
    assert engine.snapshot.step_index == 1
    names = kinds(sqlite_store, engine.session_id)
    assert "auto_mode_changed" in names
    decided = [
        e
        for e in sqlite_store.read(engine.session_id)
        if isinstance(e.payload, ev.ProgressionDecided)
    ]
    assert decided[-1].actor == "system" and decided[-1].payload.note == "auto mode"


def test_manual_mode_never_proposes_up_but_still_steps_down(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock = start(sqlite_store, library, hierarchy(library, mode="manual"))
    ids = Ids()
    for suds in [60, 20, 10, 5, 5, 5]:
        clock.advance(60)
        engine.handle(c.RecordSuds(ids(), value=suds))
    assert engine.snapshot.proposal is None
    engine.handle(c.GoToStep(ids(), index=3))
    engine.handle(c.RecordSuds(ids(), value=90))
    engine.handle(c.RecordSuds(ids(), value=90))
    assert engine.snapshot.proposal is not None and engine.snapshot.proposal.direction == "down"


def test_inhibitory_mode_asks_expectancy_and_proposes_on_violation(
    sqlite_store: EventStore, library: Library
) -> None:
    h = hierarchy(
        library, mode="inhibitory", inhibitory={"violation_margin": 20, "min_trial_min": 3}
    )
    engine, clock = start(sqlite_store, library, h)
    ids = Ids()
    engine.tick()
    assert "expectancy_before" in [p.kind for p in engine.snapshot.prompts]
    engine.handle(
        c.RecordExpectancy(
            ids(), "client", phase="before", likelihood=70, feared_outcome="I will fall"
        )
    )
    clock.advance(180)
    engine.tick()
    assert "expectancy_after" in [p.kind for p in engine.snapshot.prompts]
    engine.handle(c.RecordExpectancy(ids(), "client", phase="after", likelihood=30))
    p = engine.snapshot.proposal
    assert p is not None and p.rule == "expectancy_violated" and p.direction == "up"


@pytest.mark.parametrize("seed", range(6))
def test_a_varied_proposal_stays_put_until_the_therapist_decides(
    sqlite_store: EventStore, library: Library, seed: int
) -> None:
    """With variability on, the drawn target must not change (withdrawn and re-made) on
    every tick: the therapist would be clicking on a proposal that keeps disappearing."""
    h = hierarchy(
        library,
        mode="inhibitory",
        inhibitory={
            "violation_margin": 20,
            "min_trial_min": 3,
            "variability": {"enabled": True, "band": 2, "seed": seed},
        },
    )
    engine, clock = start(sqlite_store, library, h)
    ids = Ids()
    engine.handle(c.GoToStep(ids(), index=2))
    engine.handle(c.RecordExpectancy(ids(), "client", phase="before", likelihood=80))
    clock.advance(180)
    engine.handle(c.RecordExpectancy(ids(), "client", phase="after", likelihood=20))
    first = engine.snapshot.proposal
    assert first is not None and first.rule == "expectancy_violated"
    for _ in range(10):
        clock.advance(1)
        engine.tick()
    assert engine.snapshot.proposal == first
    names = kinds(sqlite_store, engine.session_id)
    assert names.count("progression_proposed") == 1
    assert "progression_decided" not in names
    assert engine.handle(c.AcceptProposal(ids(), proposal_id=first.proposal_id)).accepted
    assert engine.snapshot.step_index == first.target_step


def test_parameters_can_be_set_directly_and_are_checked(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    assert engine.handle(c.SetParameter("p1", name="height", value=12.5)).accepted
    assert dict(engine.snapshot.parameters)["height"] == 12.5
    bad = engine.handle(c.SetParameter("p2", name="height", value=500))
    assert not bad.accepted and "outside the range" in bad.reason
    assert not engine.handle(c.SetParameter("p3", name="colour", value=1)).accepted
    assert engine.handle(c.SetParameter("p4", name="height", value=None)).accepted
    assert dict(engine.snapshot.parameters)["height"] == 0.0
    assert engine.handle(c.SetIntensity("i", intensity=50)).accepted
    assert dict(engine.snapshot.parameters)["height"] == pytest.approx(22.5)


def test_resume_after_interruption_comes_back_paused(
    sqlite_store: EventStore, library: Library
) -> None:
    from vrtherapy.session.clock import ManualClock
    from vrtherapy.session.engine import Engine

    engine, clock = start(sqlite_store, library)
    engine.handle(c.GoToStep("g", index=2))
    clock.advance(100)
    engine.handle(c.RecordSuds("s", value=50))
    # the first engine's lease lapses (it stopped renewing it); a minute later it resumes
    later = ManualClock(wall_start=clock.wall() + 60)
    again = Engine.resume(sqlite_store, library, later, engine.session_id)
    assert again.snapshot.step_index == 2 and again.snapshot.safety == "paused"
    assert again.now() == pytest.approx(100)
    assert again.state.ratings == engine.state.ratings


def test_listeners_get_each_stored_change(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    seen: list[tuple[int, list[str]]] = []
    engine.subscribe(lambda snap, events: seen.append((snap.last_seq, [e.kind for e in events])))
    engine.handle(c.AddNote("n", text="client seems calm"))
    assert seen == [(3, ["note_added"])]


def test_replay_matches_live_state(sqlite_store: EventStore, library: Library) -> None:
    engine, clock = start(sqlite_store, library)
    ids = Ids()
    for suds in [60, 40, 30, 25, 25]:
        clock.advance(60)
        engine.tick()
        engine.handle(c.RecordSuds(ids(), value=suds))
    assert replay(sqlite_store.read(engine.session_id)) == engine.state


def test_safety_reaches_the_client_when_the_record_cannot_be_written(
    sqlite_store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    engine, clock = start(sqlite_store, library)
    ids = Ids()
    seen: list[str] = []
    engine.subscribe(lambda snap, _events: seen.append(snap.safety))
    real_append = sqlite_store.append

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite_store, "append", broken)
    out = engine.handle(c.Safety(ids(), action="blackout", reason="panic"))
    # refused (not stored), with a reason, but the client's view is black right away
    assert not out.accepted and "could not be written" in out.reason
    assert engine.snapshot.safety == "blackout" and seen[-1] == "blackout"
    clock.advance(1)
    engine.refresh_snapshot()
    assert engine.snapshot.safety == "blackout"  # timers refreshing must not undo it
    rating = engine.handle(c.RecordSuds(ids(), value=40))
    assert not rating.accepted and "could not be written" in rating.reason  # said, not lost
    assert engine.state.ratings == ()
    # the store works again: the blackout goes into the record, in order
    monkeypatch.setattr(sqlite_store, "append", real_append)
    engine.tick()
    assert engine.snapshot.safety == "blackout"
    stored = replay(sqlite_store.read(engine.session_id))
    assert stored.safety == "blackout" and stored == engine.state
    last = sqlite_store.read(engine.session_id)[-1].payload
    assert isinstance(last, ev.SafetyAction) and "stored late" in last.reason
    assert engine.handle(c.Safety(ids(), action="resume")).accepted
    assert engine.snapshot.safety == "none"


def test_a_prompt_left_open_by_a_step_change_is_recorded_as_unanswered(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.AskNow("ask"))
    prompt = engine.snapshot.prompts[0]
    engine.handle(c.StepUp("up"))
    events = sqlite_store.read(engine.session_id)
    timed_out = [e.payload for e in events if isinstance(e.payload, ev.PromptTimedOut)]
    assert [p.prompt_id for p in timed_out] == [prompt.prompt_id]
    kinds_in_order = [e.kind for e in events][-2:]
    assert kinds_in_order == ["prompt_timed_out", "step_entered"]
    assert engine.snapshot.prompts == ()


def test_post_session_questionnaire_and_notes_are_recorded_after_the_end(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    engine.handle(c.EndSession("end"))
    answers = {f"item{n}": 0.0 for n in range(1, 17)}
    assert engine.handle(
        c.AnswerQuestionnaire("q", questionnaire="ssq", answers=answers, when="post")
    ).accepted
    assert engine.handle(c.AddNote("n", text="client calm at the end")).accepted
    assert not engine.handle(c.RecordSuds("s", value=10)).accepted
    from vrtherapy.session.summary import summarise

    summary = summarise(sqlite_store.read(engine.session_id))
    assert dict(summary.ssq)["post total"] == 0.0
