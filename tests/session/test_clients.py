"""Pseudonymous clients and the hierarchy each keeps between sessions."""

from __future__ import annotations

import re

import pytest

from vrtherapy.authoring import Library
from vrtherapy.authoring.hierarchy import HierarchyStep
from vrtherapy.session import commands as c
from vrtherapy.session.clients import (
    ClientError,
    Clients,
    add_step,
    new_client_code,
    remove_step,
    reorder,
    set_anticipated,
)
from vrtherapy.session.clock import ManualClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.store.base import EventStore


def test_codes_are_random_and_readable() -> None:
    codes = {new_client_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(r"C-[2-9A-Z]{4}-[2-9A-Z]{4}", x) for x in codes)
    assert not any(ch in x[2:] for x in codes for ch in "01OIL")


def test_hierarchy_edits(library: Library) -> None:
    h = library.hierarchy("heights.standard")
    r = reorder(h, [1, 0, 2, 3, 4, 5])
    assert [s.anticipated_suds for s in r.steps][:2] == [30, 15]
    with pytest.raises(ClientError, match="each of the 6 steps once"):
        reorder(h, [0, 0, 1, 2, 3, 4])
    extra = HierarchyStep(scenario="heights.balcony", intensity=50, anticipated_suds=48)
    a = add_step(h, 3, extra)
    assert len(a.steps) == 7 and a.steps[3].intensity == 50
    assert len(remove_step(a, 3).steps) == 6
    assert set_anticipated(h, 0, 22).steps[0].anticipated_suds == 22
    with pytest.raises(ClientError, match="0–100"):
        set_anticipated(h, 0, 120)
    with pytest.raises(ClientError, match="no step 9"):
        remove_step(h, 8)


def test_client_keeps_edited_hierarchy_and_next_session_continues(
    store: EventStore, library: Library
) -> None:
    clock = ManualClock()
    clients = Clients(store, clock)
    template = library.hierarchy("heights.standard")
    code = clients.create(template)
    edited = set_anticipated(template, 2, 45)
    clients.assign(code, edited, "anticipated SUDS of step 3 set to 45")
    record = clients.get(code)
    assert record.hierarchy is not None and record.hierarchy.steps[2].anticipated_suds == 45
    assert clients.resume_step(code) == (0, None)

    first = Engine.start(store, library, clock, code, record.hierarchy)
    first.handle(c.StepUp("u1"))
    first.handle(c.StepUp("u2"))
    first.handle(c.EndSession("end1", reason="time"))
    step, previous = clients.resume_step(code)
    assert (step, previous) == (2, first.session_id)
    second = Engine.start(
        store, library, clock, code, record.hierarchy, start_step=step, previous_session=previous
    )
    assert second.snapshot.step_index == 2
    assert len(clients.get(code).sessions) == 2
    assert store.verify(f"client:{code}").ok


def test_unknown_client_is_a_clear_error(store: EventStore) -> None:
    with pytest.raises(ClientError, match="no client with code C-NOPE-NOPE"):
        Clients(store, ManualClock()).get("C-NOPE-NOPE")


def test_next_session_finds_the_same_step_after_a_reorder(
    store: EventStore, library: Library
) -> None:
    clock = ManualClock()
    clients = Clients(store, clock)
    template = library.hierarchy("heights.standard")
    code = clients.create(template)
    first = Engine.start(store, library, clock, code, template)
    first.handle(c.GoToStep("g", index=2))  # floor_5
    first.handle(c.EndSession("e", reason="time"))
    clients.assign(code, reorder(template, [2, 0, 1, 3, 4, 5]), "floor_5 moved first")
    step, _ = clients.resume_step(code)
    hierarchy = clients.get(code).hierarchy
    assert hierarchy is not None
    assert step == 0 and hierarchy.steps[step].level == "floor_5"
