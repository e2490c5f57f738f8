"""Property: replaying any stored session reproduces the engine's final state exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.session.helpers import start
from vrtherapy.authoring import Library, load_library
from vrtherapy.session import commands as c
from vrtherapy.session.state import replay
from vrtherapy.session.store import open_store

LIBRARY: Library = load_library()

safety = st.sampled_from(["pause", "blackout", "calm_scene", "resume"]).map(lambda a: ("safety", a))
command = st.one_of(
    st.tuples(st.just("suds"), st.integers(-5, 105)),
    st.tuples(st.just("comfort"), st.integers(0, 22)),
    st.tuples(st.just("up"), st.none()),
    st.tuples(st.just("down"), st.none()),
    st.tuples(st.just("goto"), st.integers(-1, 7)),
    st.tuples(st.just("intensity"), st.floats(-10, 110, allow_nan=False)),
    st.tuples(st.just("param"), st.floats(0, 70, allow_nan=False)),
    st.tuples(st.just("accept"), st.none()),
    st.tuples(st.just("decline"), st.none()),
    st.tuples(st.just("auto"), st.booleans()),
    st.tuples(st.just("expect_before"), st.integers(0, 100)),
    st.tuples(st.just("expect_after"), st.integers(0, 100)),
    st.tuples(st.just("client_stop"), st.none()),
    st.tuples(st.just("note"), st.text(max_size=10)),
    st.tuples(st.just("ask"), st.none()),
    st.tuples(st.just("repeat"), st.none()),
    safety,
)
step = st.tuples(st.integers(0, 200), command)  # seconds to wait, then a command


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(step, min_size=1, max_size=40),
    mode=st.sampled_from(["habituation", "inhibitory", "manual"]),
)
def test_replay_reproduces_state(steps: list[tuple[int, tuple[str, object]]], mode: str) -> None:
    from tests.session.helpers import hierarchy

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "s.sqlite3"))
        engine, clock = start(store, LIBRARY, hierarchy(LIBRARY, mode=mode))
        last_id = "none"
        for n, (wait, (kind, arg)) in enumerate(steps, 1):
            clock.advance(wait)
            engine.tick()
            cid = f"c{n}"
            p = engine.snapshot.proposal
            cmd: c.Command
            if kind == "suds":
                cmd = c.RecordSuds(cid, value=float(arg))  # type: ignore[arg-type]
            elif kind == "comfort":
                cmd = c.RecordComfort(cid, value=float(arg))  # type: ignore[arg-type]
            elif kind == "up":
                cmd = c.StepUp(cid)
            elif kind == "down":
                cmd = c.StepDown(cid)
            elif kind == "goto":
                cmd = c.GoToStep(cid, index=int(arg))  # type: ignore[call-overload]
            elif kind == "intensity":
                cmd = c.SetIntensity(cid, intensity=float(arg))  # type: ignore[arg-type]
            elif kind == "param":
                cmd = c.SetParameter(cid, name="height", value=float(arg))  # type: ignore[arg-type]
            elif kind == "accept":
                cmd = c.AcceptProposal(cid, proposal_id=p.proposal_id if p else "x")
            elif kind == "decline":
                cmd = c.DeclineProposal(cid, proposal_id=p.proposal_id if p else "x")
            elif kind == "auto":
                cmd = c.SetAutoMode(cid, enabled=bool(arg))
            elif kind == "expect_before":
                cmd = c.RecordExpectancy(cid, phase="before", likelihood=float(arg))  # type: ignore[arg-type]
            elif kind == "expect_after":
                cmd = c.RecordExpectancy(cid, phase="after", likelihood=float(arg))  # type: ignore[arg-type]
            elif kind == "client_stop":
                cmd = c.ClientStop(cid)
            elif kind == "note":
                cmd = c.AddNote(cid, text=str(arg))
            elif kind == "ask":
                cmd = c.AskNow(cid)
            elif kind == "repeat":
                cmd = c.AddNote(last_id, text="repeated id")
            else:
                cmd = c.Safety(cid, action=arg)  # type: ignore[arg-type]
            engine.handle(cmd)
            last_id = cid
        stored = store.read(engine.session_id)
        assert replay(stored) == engine.state
        assert store.verify(engine.session_id).ok
        store.close()
