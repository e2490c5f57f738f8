"""Inhibitory learning in a running session: repeated trials are re-tested and a step
never waits for ever for a proposal."""

from __future__ import annotations

import pytest

from tests.session.helpers import Ids, hierarchy, start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import policies
from vrtherapy.session.engine import Engine
from vrtherapy.session.state import SessionState
from vrtherapy.session.store.base import EventStore

INHIBITORY = {
    "violation_margin": 20,
    "min_trial_min": 3,
    "propose_after_trials": 3,
    "propose_after_min": 20,
}


def pending(engine: Engine) -> list[str]:
    return [p.kind for p in engine.snapshot.prompts]


def test_a_small_violation_is_re_tested_each_trial_then_proposed(
    sqlite_store: EventStore, library: Library
) -> None:
    h = hierarchy(library, mode="inhibitory", inhibitory=INHIBITORY)
    engine, clock = start(sqlite_store, library, h)
    ids = Ids()
    engine.tick()
    engine.handle(c.RecordExpectancy(ids(), "client", phase="before", likelihood=80))
    for trial in (1, 2, 3):
        clock.advance(180)
        engine.tick()
        assert "expectancy_after" in pending(engine), f"no re-test after trial {trial}"
        assert engine.snapshot.proposal is None
        engine.handle(c.RecordExpectancy(ids(), "client", phase="after", likelihood=70))
    p = engine.snapshot.proposal
    assert p is not None and p.rule == "trials_completed" and p.direction == "up"
    assert "not violated after 3 trials" in p.reason


def test_a_step_without_any_expectancy_answer_still_gets_a_proposal(
    sqlite_store: EventStore, library: Library
) -> None:
    # default limits: a proposal after 15 minutes on the step at the latest
    h = hierarchy(library, mode="inhibitory", inhibitory={"violation_margin": 20})
    engine, clock = start(sqlite_store, library, h)
    for tick in range(1, 15 * 6 + 1):  # 15 minutes in 10 s ticks; the client never answers
        clock.advance(10)
        engine.tick()
        if tick < 15 * 6:
            assert engine.snapshot.proposal is None, f"proposed after {tick * 10} s"
    p = engine.snapshot.proposal
    assert p is not None and p.rule == "time_on_step"
    assert "no expectancy was recorded" in p.reason
    events = sqlite_store.read(engine.session_id)
    issued = [e for e in events if e.kind == "prompt_issued" and "before" in str(e.payload)]
    assert len(issued) >= 2  # asked again after it timed out, once a trial


def test_a_new_mode_is_one_function_in_the_registry(
    sqlite_store: EventStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []

    def spy(state: SessionState, now: float, prog: object) -> None:
        calls.append(now)

    monkeypatch.setitem(policies.POLICIES, "manual", spy)
    engine, clock = start(sqlite_store, library, hierarchy(library, mode="manual"))
    clock.advance(5)
    engine.tick()
    assert calls and calls[-1] == 5


def test_trials_of_no_minimum_length_are_re_tested_at_the_suds_interval(
    sqlite_store: EventStore, library: Library
) -> None:
    # 0 stays valid (stored records hold such hierarchies) and must not re-ask at every tick
    h = hierarchy(library, mode="inhibitory", inhibitory={"min_trial_min": 0})
    engine, clock = start(sqlite_store, library, h)
    ids = Ids()
    engine.tick()
    engine.handle(c.RecordExpectancy(ids(), "client", phase="before", likelihood=80))
    clock.advance(120)  # the stock hierarchy asks SUDS every 2 minutes
    engine.tick()
    assert "expectancy_after" in pending(engine)
    engine.handle(c.RecordExpectancy(ids(), "client", phase="after", likelihood=75))
    clock.advance(60)
    engine.tick()
    assert "expectancy_after" not in pending(engine)
    clock.advance(60)
    engine.tick()
    assert "expectancy_after" in pending(engine)
