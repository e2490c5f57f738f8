"""Every command is typed at the door (issue 9, item 7): wrong types, non-finite numbers
and unknown kinds are refused when a command is made, with a readable reason, and
``Engine.handle`` raises nothing but ``Rejected``."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from tests.session.helpers import start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.store.chain import NotFinite, canonical

BAD: list[tuple[type[c.Command], dict[str, Any], str]] = [
    (c.RecordSuds, {"value": "50"}, "value: input should be a valid number"),
    (c.RecordSuds, {"value": None}, "value"),
    (c.RecordSuds, {"value": math.nan}, "finite"),
    (c.RecordSuds, {"value": math.inf}, "finite"),
    (c.RecordSuds, {"value": True}, "value"),
    (c.RecordSuds, {"value": 5, "source": "telepathy"}, "source"),
    (c.GoToStep, {"index": 2.5}, "index: input should be a valid integer"),
    (c.GoToStep, {"index": True}, "index"),
    (c.AddNote, {"text": None}, "text: input should be a valid string"),
    (c.Safety, {"action": "explode"}, "action: input should be 'pause'"),
    (c.AskNow, {"prompt": "mood"}, "prompt"),
    (c.RecordExpectancy, {"phase": "during"}, "phase"),
    (c.RecordExpectancy, {"likelihood": -math.inf}, "finite"),
    (c.SetIntensity, {"intensity": math.nan}, "finite"),
    (c.RecordComfort, {"value": "3"}, "value"),
    (c.SetParameter, {"name": "height", "value": math.nan}, "finite"),
    (c.SetParameter, {"name": "height", "value": [1]}, "value"),
    (c.AnswerQuestionnaire, {"questionnaire": "ssq", "answers": {"item1": "x"}}, "answers"),
    (c.AnswerQuestionnaire, {"questionnaire": "ssq", "answers": {"item1": math.nan}}, "finite"),
    (c.PartnerCommand, {"partner_id": "p", "data": {"x": math.inf}}, "finite"),
    (c.PartnerCommand, {"partner_id": "p", "data": {"x": object()}}, "data"),
    (c.SetAutoMode, {"enabled": "yes"}, "enabled"),
    (c.EndSession, {"reason": 3}, "reason"),
    (c.StepUp, {"actor": "robot"}, "actor"),
]


@pytest.mark.parametrize(("cls", "fields", "words"), BAD, ids=lambda x: str(x)[:30])
def test_a_malformed_command_is_refused_when_made(
    cls: type[c.Command], fields: dict[str, Any], words: str
) -> None:
    with pytest.raises(c.InvalidCommand) as caught:
        cls("cmd-1", **fields)
    message = str(caught.value)
    assert message.startswith(cls.__name__) and words in message.lower(), message
    assert isinstance(caught.value, c.Rejected)


def test_well_formed_commands_are_made(library: Library) -> None:
    assert c.RecordSuds("a", "client", 50, "headset").value == 50  # an int is a number
    assert c.GoToStep("b", index=2).index == 2
    assert c.SetParameter("c", name="lit", value=True).value is True
    assert c.PartnerCommand("d", data={"line": "hi", "n": [1, 2.5, None]}).data["line"] == "hi"


@pytest.mark.parametrize(("cls", "fields", "words"), BAD[:12], ids=lambda x: str(x)[:30])
def test_handle_raises_only_rejected_for_a_command_changed_after_it_was_made(
    sqlite_store: EventStore,
    library: Library,
    cls: type[c.Command],
    fields: dict[str, Any],
    words: str,
) -> None:
    engine, _ = start(sqlite_store, library)
    command = cls("cmd-1")
    for name, value in fields.items():
        object.__setattr__(command, name, value)  # what a careless caller might do
    with pytest.raises(c.Rejected, match=cls.__name__):
        engine.handle(command)
    assert engine.state.last_seq == sqlite_store.read(engine.session_id)[-1].seq


def test_handle_refuses_what_is_not_a_command(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    for junk in ("pause", None, {"name": "pause"}, 3):
        with pytest.raises(c.Rejected, match="not a command"):
            engine.handle(junk)  # type: ignore[arg-type]


def test_unknown_kinds_are_never_stored(sqlite_store: EventStore, library: Library) -> None:
    engine, _ = start(sqlite_store, library)
    before = len(sqlite_store.read(engine.session_id))
    for cls, fields, _ in BAD:
        with pytest.raises(c.Rejected):
            engine.handle(cls("x", **fields))
    assert len(sqlite_store.read(engine.session_id)) == before


def test_the_event_serialiser_refuses_nan_and_infinity() -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(NotFinite, match="finite numbers only"):
            canonical(ev.SudsRated(bad, 100, 50.0, "therapist", "x", 0, 0.0).to_data())
    assert canonical({"a": 1.5}) == '{"a":1.5}'


def test_commands_are_still_frozen_dataclasses() -> None:
    cmd = c.RecordSuds("a", value=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmd.value = 20  # type: ignore[misc]
