"""A level sets the start of a partner's dialogue flags (``partners: - flags:``): the
same stock interview opens warmly at a friendly level and coolly at a critical one, and
the record carries the flags, so a replay needs no level values."""

from __future__ import annotations

import pytest

from tests.session.helpers import counter, start
from vrtherapy.authoring import HierarchySpec, Library, load_library
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def at_level(library: Library, level: str) -> HierarchySpec:
    """The stock interview hierarchy, cut down to its first step at ``level``."""
    h = library.hierarchy("social.job_interview")
    [step] = [s for s in h.steps if s.level == level][:1]
    return h.model_copy(update={"steps": [step]})


@pytest.mark.parametrize(
    ("level", "node", "flags"),
    [
        ("friendly_short", "greet_warm", {"hard": False, "salary_talk": False}),
        ("neutral", "greet_warm", {"hard": False, "salary_talk": True}),
        ("critical", "greet_cool", {"hard": True, "salary_talk": True}),
    ],
)
def test_the_level_sets_the_dialogue_flags_at_the_start(
    sqlite_store: EventStore, library: Library, level: str, node: str, flags: dict[str, bool]
) -> None:
    engine, _ = start(sqlite_store, library, at_level(library, level))
    ids = counter("cmd")
    out = engine.handle(
        c.Converse.of(ids(), "therapist", conv.StartConversation("interviewer"))  # type: ignore[arg-type]
    )
    assert out.accepted, out.reason
    [partner] = engine.snapshot.conversation.partners
    assert partner.node == node
    events = sqlite_store.read(engine.session_id)
    [reached] = [e.payload for e in events if e.payload.KIND == "dialogue_reached"]
    assert isinstance(reached, conv.DialogueReached)
    assert {k: v for k, v in reached.flags if k in flags} == flags
    replayed = replay(events)
    assert replayed.conversation.partner("interviewer").dialogue_state().flags == reached.flags  # type: ignore[union-attr]
