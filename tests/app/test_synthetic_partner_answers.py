"""`vrtherapy run --synthetic-client` answers the virtual partners as well as the ratings:
with the stock job interview running and the therapist starting the interviewer from
the console, the synthetic client picks answers (seeded) and the dialogue moves on
through further nodes, each choice on the record as the client's."""

from __future__ import annotations

from pathlib import Path

from vrtherapy.app.responder import SyntheticResponder
from vrtherapy.authoring import load_library
from vrtherapy.cli.run_command import practice_hierarchy
from vrtherapy.console.protocol import Context, build_command
from vrtherapy.session import commands as c
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.service import SessionService
from vrtherapy.session.store import open_store


def _run(
    tmp_path: Path, name: str, seed: int, clock: ManualClock | None = None
) -> list[tuple[float, int]]:
    """A run's choices: (when, index) as recorded, after two minutes of session (a
    process of its own: its own service and responder, on the store named ``name``)."""
    store = open_store(str(tmp_path / f"{name}.sqlite3"))
    clock = clock or ManualClock()
    lib = load_library()
    service = SessionService(store, lib, clock)
    hierarchy = practice_hierarchy(lib.scenarios["social.interview"], "social.interview")
    engine = service.start(service.clients.create(hierarchy))
    responder = SyntheticResponder(service, seed=seed)  # as `run --synthetic-client` makes it
    started = False
    for i in range(240):  # two minutes of session in half seconds, ticked as the engine does
        clock.advance(0.5)
        service.tick()
        responder.tick()
        snap = service.snapshot
        if not started and snap is not None and snap.status == "running":
            partners = frozenset(p.partner_id for p in snap.conversation.partners)
            cmd = build_command(
                "partner_start", f"console-{engine.session_id}-{i}", {"partner_id": "interviewer"},
                Context(snap, partners),
            )  # fmt: skip
            assert isinstance(cmd, c.Command)
            started = service.handle(cmd).accepted
    events = store.read(engine.session_id)
    store.close()
    assert started
    chosen = [e.payload for e in events if e.kind == "dialogue_choice_made"]
    assert all(p.marked_by == "client" for p in chosen)
    reached = [e.payload.node for e in events if e.kind == "dialogue_reached"]
    assert len(set(reached)) >= 4, reached  # the dialogue went on past its first nodes
    return [(e.session_time, e.payload.index) for e in events if e.kind == "dialogue_choice_made"]


def test_the_synthetic_client_answers_the_partner_and_the_dialogue_goes_on(
    tmp_path: Path,
) -> None:
    first = _run(tmp_path, "a", seed=7)
    assert len(first) >= 3, first
    # seeded: the same answers at the same moments again (the dialogue's own variants are
    # drawn per session, so the questions may differ)
    assert first == _run(tmp_path, "b", seed=7)


def test_a_second_run_on_the_same_store_records_its_answers_too(tmp_path: Path) -> None:
    """The store takes a command id once in its whole database: a second
    `run --synthetic-client` (a new process, the same seed) on the same store must not
    send the ids of the first run, or its answers are dropped as duplicates (and come
    late, once its count has passed the first run's)."""
    clock = ManualClock()
    first = _run(tmp_path, "clinic", seed=7, clock=clock)
    second = _run(tmp_path, "clinic", seed=7, clock=clock)
    assert len(first) >= 3
    assert second == first  # the same answers at the same moments, as on a store of its own
