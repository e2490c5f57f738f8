"""The session report's elevator table lists every ride the car was sent on: by the
client's floor buttons, the therapist's floor buttons and the therapist's floor slider."""

from __future__ import annotations

from pathlib import Path

from tests.reports.test_session_report import Tables
from tests.session.helpers import Ids, start
from vrtherapy.authoring import load_library
from vrtherapy.reports.document import session_html
from vrtherapy.reports.session import session_report
from vrtherapy.session import commands as c
from vrtherapy.session.store import open_store


def test_rides_sent_with_the_floor_slider_are_in_the_elevator_table(tmp_path: Path) -> None:
    library = load_library()
    store = open_store(str(tmp_path / "store.sqlite3"))
    engine, clock = start(store, library, library.hierarchy("heights.rothbaum"))
    ids = Ids()
    h = engine.state.hierarchy
    assert h is not None
    index = next(
        i
        for i, s in enumerate(h.steps)
        if s.scenario == "heights.glass_elevator" and s.level == "floor_10"
    )
    assert engine.handle(c.GoToStep(ids(), index=index)).accepted
    clock.advance(30.0)
    assert engine.handle(c.SetParameter(ids(), name="floor", value=20)).accepted  # slider
    clock.advance(60.0)
    assert engine.handle(c.SendElevator(ids(), floor=35)).accepted  # floor button
    clock.advance(60.0)
    assert engine.handle(c.RequestFloor(ids(), actor="client", direction="down")).accepted
    engine.handle(c.EndSession(ids()))
    tables = Tables(session_html(session_report(store.read(engine.session_id))))
    store.close()
    assert tables.tables["elevator"][1:] == [
        ["0:30", "floor 20 (from 10)", "therapist", ""],
        ["1:30", "floor 35 (from 20)", "therapist", ""],
        ["2:30", "floor 20 (from 35)", "client", ""],
    ]
