"""Conversations in a session: every line, choice, trigger, timeout, say again, skip,
say this now, score, measure and behaviour change is an event; replay rebuilds the
conversation; the snapshot shows it; the timeline tells it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.session.helpers import Ids, start
from vrtherapy.authoring import Library, load_library
from vrtherapy.authoring.stock import scenes_dir
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.engine import Engine
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.timeline import describe

FIXTURES = Path(__file__).parent.parent / "partners" / "fixtures"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([FIXTURES, scenes_dir()])


def _engine(store: EventStore, library: Library) -> tuple[Engine, object, Ids]:
    engine, clock = start(store, library, library.hierarchy("test.interview_practice"))
    return engine, clock, Ids()


def _say(engine: Engine, ids: Ids, action: conv.ConversationCommand, actor: str = "therapist"):  # type: ignore[no-untyped-def]
    out = engine.handle(c.Converse.of(ids(), actor, action))  # type: ignore[arg-type]
    assert out.accepted, out.reason
    return out


def test_a_conversation_is_recorded_replayed_and_shown(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, clock, ids = _engine(sqlite_store, library)
    _say(engine, ids, conv.StartConversation("interviewer"))
    view = engine.snapshot.conversation
    [p] = view.partners
    assert p.node == "greet" and p.line == "Good morning! Please, take a seat."
    assert [t for _, t in p.offers] == ["Thank you, good morning.", "(sit down silently)"]
    assert p.triggers == (("hurry", "Skip the small talk"),)
    assert p.deadline == pytest.approx(engine.snapshot.session_time + 8.0)

    clock.advance(2.0)  # type: ignore[attr-defined]
    _say(engine, ids, conv.ChooseOption("interviewer", 0), actor="client")
    node = engine.snapshot.conversation.partners[0].node
    assert node in ("ask_strengths", "ask_weakness")
    _say(engine, ids, conv.SayAgain("interviewer"))
    _say(engine, ids, conv.SayThisNow("interviewer", "Take a sip of water if you like."))
    _say(engine, ids, conv.SkipLine("interviewer"))
    # the therapist marks the client's spoken answer (Wizard-of-Oz)
    _say(engine, ids, conv.ChooseOption("interviewer", 0, marked_by="therapist"))
    _say(engine, ids, conv.ScoreSkill("professionalism", 4, "calm and clear"))
    _say(engine, ids, conv.RecordMeasure("face_gaze_share", 0.42, "", "interviewer"), "system")
    _say(engine, ids, conv.SetBehaviour("interviewer", "valence", -0.5))

    # the waiting node's timeout (5 s) fires from the engine's tick
    clock.advance(5.5)  # type: ignore[attr-defined]
    engine.tick()
    view = engine.snapshot.conversation
    assert view.partners[0].ended
    assert view.transcript[-1][2] == "Thank you for coming. 再见!"
    assert ("professionalism", "Professionalism", 4) in view.skills
    assert ("comfort", "Comfort", None) in view.skills
    assert view.measures == (("interviewer.face_gaze_share", 0.42),)
    assert view.partners[0].behaviour == (("valence", -0.5),)
    assert view.turns == 2

    stored = sqlite_store.read(engine.session_id)
    assert replay(stored) == engine.state
    lines = [line for e in stored if (line := describe(e))]
    text = "\n".join(lines)
    assert 'interviewer: "Good morning! Please, take a seat."' in text
    assert 'client chose: "Thank you, good morning."' in text
    assert "therapist marked the answer" in text
    assert "(again)" in text and "(typed by the therapist)" in text
    assert "therapist skipped interviewer's line" in text
    assert "skill professionalism: 4/5 — calm and clear" in text
    assert "measure face_gaze_share: 0.42" in text
    assert "interviewer valence → -0.5" in text
    assert "no answer: interviewer goes on" in text
    assert "conversation with interviewer ended" in text


def test_therapist_trigger_and_rejections(sqlite_store: EventStore, library: Library) -> None:
    engine, _, ids = _engine(sqlite_store, library)
    out = engine.handle(c.Converse.of(ids(), "therapist", conv.ChooseOption("interviewer", 0)))
    assert not out.accepted and "has not started" in out.reason
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.TriggerPartner("interviewer", "hurry"))
    assert engine.snapshot.conversation.partners[0].node in ("ask_strengths", "ask_weakness")
    for action, words in [
        (conv.ChooseOption("interviewer", 7), "no choice 7"),
        (conv.TriggerPartner("interviewer", "later"), "no trigger 'later'"),
        (conv.StartConversation("boss"), "no partner 'boss'"),
        (conv.ScoreSkill("honesty", 3), "no skill 'honesty'"),
        (conv.ScoreSkill("comfort", 6), "1, 2, 3, 4 or 5"),
        (conv.SetBehaviour("interviewer", "eye_contact", 1.5), "0–1"),
        (conv.SetBehaviour("interviewer", "attitude", "sleepy"), "interested"),
        (conv.SetBehaviour("interviewer", "charm", 1.0), "no behaviour 'charm'"),
        (conv.SayThisNow("interviewer", "   "), "type what"),
    ]:
        out = engine.handle(c.Converse.of(ids(), "therapist", action))
        assert not out.accepted and words in out.reason, (action, out.reason)


def test_a_new_step_starts_the_partners_afresh(sqlite_store: EventStore, library: Library) -> None:
    engine, _, ids = _engine(sqlite_store, library)
    _say(engine, ids, conv.StartConversation("interviewer"))
    _say(engine, ids, conv.ScoreSkill("comfort", 2))
    assert engine.handle(c.StepUp(ids())).accepted
    view = engine.snapshot.conversation
    assert not view.partners[0].started
    assert ("comfort", "Comfort", 2) in view.skills  # scores stay with the session


def test_deciding_again_from_the_replayed_state_gives_the_same_variant(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _, ids = _engine(sqlite_store, library)
    _say(engine, ids, conv.StartConversation("interviewer"))
    before = engine.state
    _say(engine, ids, conv.ChooseOption("interviewer", 0))
    stored = sqlite_store.read(engine.session_id)
    [*_, reached] = [e for e in stored if isinstance(e.payload, conv.DialogueReached)]
    assert isinstance(reached.payload, conv.DialogueReached)
    assert reached.payload.path[0] == "first_question"
    again = c.converse(
        replay([e for e in stored if e.seq <= before.last_seq]),
        conv.ChooseOption("interviewer", 0),
        "client",
        library,
        reached.session_time,
    )
    assert again[-1][1] == reached.payload


def test_vrtherapy_show_prints_the_conversation(tmp_path: Path, library: Library) -> None:
    from click.testing import CliRunner

    from vrtherapy.cli.main import cli
    from vrtherapy.session.store import open_store

    db = str(tmp_path / "s.sqlite3")
    store = open_store(db)
    try:
        engine, _, ids = _engine(store, library)
        _say(engine, ids, conv.StartConversation("interviewer"))
        _say(engine, ids, conv.ChooseOption("interviewer", 1), actor="client")
        _say(engine, ids, conv.ScoreSkill("comfort", 3))
        session_id = engine.session_id
    finally:
        store.close()
    shown = CliRunner().invoke(cli, ["show", session_id, "--database", db])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert 'interviewer: "Good morning! Please, take a seat."' in out
    assert 'client chose: "(sit down silently)"' in out
    assert 'interviewer: "Take your time — whenever you are ready."' in out
    assert "skill comfort: 3/5" in out


def test_converse_is_strictly_typed_and_round_trips_its_action() -> None:
    action = conv.ChooseOption("interviewer", 2, "therapist")
    cmd = c.Converse.of("cid", "therapist", action)
    assert cmd.kind == "choose" and cmd.action == action
    with pytest.raises(c.InvalidCommand):
        c.Converse("cid", "therapist", "choose", partner_id="interviewer", index="2")  # type: ignore[arg-type]
    with pytest.raises(c.InvalidCommand):
        c.Converse("cid", "therapist", "whisper")  # type: ignore[arg-type]
    with pytest.raises(c.InvalidCommand):
        c.Converse("cid", "therapist", "measure", name="x", value=float("inf"))
