"""SSQ scores in a session summary come from the stored answers, scored now."""

from __future__ import annotations

from tests.session.helpers import start
from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import events as ev
from vrtherapy.session.store.base import EventStore
from vrtherapy.session.summary import summarise


def test_stored_ssq_answers_are_scored_by_the_current_rules_and_left_untouched(
    sqlite_store: EventStore, library: Library
) -> None:
    engine, _ = start(sqlite_store, library)
    # only 'nausea' (item 8) rated: it counts on the Nausea and Disorientation subscales,
    # so the total is (3 + 3) x 3.74 = 22.44 (scoring that left item 8 out of D gave 11.22)
    answers = {f"item{n}": 0.0 for n in range(1, 17)} | {"item8": 3.0}
    assert engine.handle(
        c.AnswerQuestionnaire("q", questionnaire="ssq", answers=answers, when="baseline")
    ).accepted
    before = sqlite_store.read(engine.session_id)

    assert dict(summarise(before).ssq)["baseline total"] == 22.44

    after = sqlite_store.read(engine.session_id)
    assert after == before  # scoring rewrites nothing that is stored
    stored = [e.payload for e in after if isinstance(e.payload, ev.QuestionnaireAnswered)]
    assert [p.answers for p in stored] == [answers]
