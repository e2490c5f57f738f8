"""A partner's interruption probability: when the client begins to speak (heard by the
voice-activity detector or marked by the therapist), a partner waiting for the answer
cuts in — goes on as it would without the answer — with that probability per client
turn, drawn from the session (reproducible) and recorded as an event."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.session.helpers import Ids, start
from vrtherapy.authoring import Library, load_library
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.conversation.decide import interruption_draw
from vrtherapy.session.engine import Engine
from vrtherapy.session.state import replay
from vrtherapy.session.store import open_store
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.timeline import describe

FIXTURES = Path(__file__).parent.parent / "partners" / "fixtures"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([FIXTURES, scenes_dir()])


def _say(engine: Engine, ids: Ids, action: conv.ConversationCommand, actor: str = "therapist"):  # type: ignore[no-untyped-def]
    out = engine.handle(c.Converse.of(ids(), actor, action))  # type: ignore[arg-type]
    assert out.accepted, out.reason
    return out


def _cut_ins(store: EventStore, library: Library, p: float, turns: int) -> list[int]:
    """The client turns (1-based) on which the interviewer cut in, the greeting started
    afresh before each turn (its node waits 8 s for an answer, then goes on)."""
    engine, _clock = start(store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", p))
    cut: list[int] = []
    for turn in range(1, turns + 1):
        _say(engine, ids, conv.StartConversation("interviewer"))
        _say(engine, ids, conv.LineFinished("interviewer"), actor="system")  # heard out
        assert engine.snapshot.conversation.partners[0].node == "greet"
        before = len(store.read(engine.session_id))
        _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
        new = [e.payload for e in store.read(engine.session_id)[before:]]
        assert new[0] == conv.ClientSpeaking(turn, "client")
        if any(isinstance(x, conv.PartnerCutIn) for x in new):
            cut.append(turn)
            # it went on without the answer: the greeting's no-answer line, at once
            said = [x.text for x in new if isinstance(x, conv.PartnerLineSpoken)]
            assert said[0] == "Take your time — whenever you are ready."
            [reached] = [x for x in new if isinstance(x, conv.DialogueReached)]
            assert reached.cause == "interruption" and reached.path[0] == "nudge"
    return cut


def test_never_at_zero_always_at_one(tmp_path: Path, library: Library) -> None:
    for p, expected in [(0.0, []), (1.0, list(range(1, 21)))]:
        store = open_store(str(tmp_path / f"p{p}.sqlite3"))
        assert _cut_ins(store, library, p, 20) == expected
        store.close()


def test_half_is_seeded_by_the_session_and_replays_alike(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _clock = start(sqlite_store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", 0.5))
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.LineFinished("interviewer"), actor="system")
    state = engine.state
    now = engine.snapshot.session_time

    def decided(session_state: object, turn: int) -> bool:
        talk = dataclasses.replace(state.conversation, client_turns=turn - 1)
        st = dataclasses.replace(session_state, conversation=talk)  # type: ignore[type-var]
        out = c.converse(st, conv.ClientStartsSpeaking("client"), "system", library, now)
        return any(isinstance(p, conv.PartnerCutIn) for _, p in out)

    first = [decided(state, k) for k in range(1, 201)]
    assert first == [decided(state, k) for k in range(1, 201)]  # the same session: the same
    assert 0.4 < sum(first) / len(first) < 0.6  # about half the turns
    assert first == [
        interruption_draw(engine.session_id, "interviewer", k) < 0.5 for k in range(1, 201)
    ]
    # on the record: the draw and the probability, the timeline's words, and a replay of
    # the record rebuilds the conversation where the cut-in left it
    k = first.index(True) + 1
    for _ in range(k):
        _say(engine, ids, conv.ClientStartsSpeaking("therapist"))
    events = sqlite_store.read(engine.session_id)
    [cut] = [e.payload for e in events if isinstance(e.payload, conv.PartnerCutIn)]
    assert cut.probability == 0.5 and cut.draw < 0.5 and cut.node == "greet"
    assert "interviewer cuts in" in [describe(e) for e in events]
    assert "therapist: the client speaks" in [describe(e) for e in events]
    rebuilt = replay(events)
    assert rebuilt.conversation == engine.state.conversation
    assert rebuilt.conversation.client_turns == k


def test_a_node_without_a_way_on_waits_for_the_answer(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _clock = start(sqlite_store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", 1.0))
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.ChooseOption("interviewer", 0), actor="client")
    node = engine.snapshot.conversation.partners[0].node
    assert node in ("ask_strengths", "ask_weakness")  # choices only: no timeout
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    assert engine.snapshot.conversation.partners[0].node == node
    kinds = [e.kind for e in sqlite_store.read(engine.session_id)]
    assert kinds.count("client_speaking") == 1 and "partner_cut_in" not in kinds


@pytest.mark.parametrize("action", ["pause", "blackout", "calm_scene"])
def test_nobody_cuts_in_while_the_scene_is_not_shown_plainly(
    tmp_path: Path, library: Library, action: str
) -> None:
    """Paused, blacked out or in the calm scene, the client's turn is on the record but
    no partner cuts in (and says nothing new); after resume the partner may again."""
    store = open_store(str(tmp_path / "s.sqlite3"))
    engine, _clock = start(store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", 1.0))
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.LineFinished("interviewer"), actor="system")
    assert engine.handle(c.Safety(ids(), "therapist", action, "test")).accepted
    before = len(store.read(engine.session_id))
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    new = [e.payload for e in store.read(engine.session_id)[before:]]
    assert new == [conv.ClientSpeaking(1, "client")]
    assert engine.state.conversation.partners[0][1].node == "greet"
    assert engine.handle(c.Safety(ids(), "therapist", "resume", "test")).accepted
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    kinds = [e.kind for e in store.read(engine.session_id)]
    assert kinds.count("client_speaking") == 2 and kinds.count("partner_cut_in") == 1
    store.close()


def test_no_cut_in_while_the_partner_still_says_its_line(
    sqlite_store: EventStore, library: Library
) -> None:
    """The client speaking over the greeting does not make the interviewer cut in; once
    the greeting has been heard to its end, it may."""
    engine, _clock = start(sqlite_store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", 1.0))
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    assert "partner_cut_in" not in [e.kind for e in sqlite_store.read(engine.session_id)]
    assert engine.snapshot.conversation.partners[0].node == "greet"
    _say(engine, ids, conv.LineFinished("interviewer"), actor="system")
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    assert [e.kind for e in sqlite_store.read(engine.session_id)].count("partner_cut_in") == 1


def test_no_cut_in_at_a_node_that_offers_no_choice(
    sqlite_store: EventStore, library: Library
) -> None:
    """At 'pleased' or 'sceptical' (a line, then only a timeout) the client has nothing
    to answer: the partner goes on when its timeout is due, not when the client speaks."""
    engine, _clock = start(sqlite_store, library, library.hierarchy("test.interview_practice"))
    ids = Ids()
    _say(engine, ids, conv.SetBehaviour("interviewer", "interruption", 1.0))
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.ChooseOption("interviewer", 0), actor="client")
    _say(engine, ids, conv.ChooseOption("interviewer", 0), actor="client")
    node = engine.snapshot.conversation.partners[0].node
    assert node in ("pleased", "sceptical")
    _say(engine, ids, conv.LineFinished("interviewer"), actor="system")
    _say(engine, ids, conv.ClientStartsSpeaking("client"), actor="system")
    assert engine.snapshot.conversation.partners[0].node == node
    assert "partner_cut_in" not in [e.kind for e in sqlite_store.read(engine.session_id)]
