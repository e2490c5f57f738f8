"""The demo with virtual partners: the therapist starts the interview, the synthetic client
picks its answers (seeded), the therapist scores the skills, all on the record and in
the timeline."""

from __future__ import annotations

import random
from pathlib import Path

from vrtherapy.app.demo import run_demo
from vrtherapy.app.demo_conversation import skill_score
from vrtherapy.authoring import load_library
from vrtherapy.session.store import open_store
from vrtherapy.session.timeline import describe

FIXTURES = Path(__file__).parents[1] / "partners" / "fixtures"


def test_the_demo_interviews_the_synthetic_client_and_scores_its_skills(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "demo.sqlite3"))
    lib = load_library(libraries=[FIXTURES])
    hierarchy = lib.hierarchy("test.interview_practice")
    shown: list[str] = []
    result = run_demo(store, lib, hierarchy, seed=7, max_minutes=6, echo=shown.append)
    events = store.read(result.session_id)
    kinds = [e.kind for e in events]
    assert kinds.count("partner_line_spoken") == result.lines_spoken >= 6
    assert kinds.count("dialogue_choice_made") == result.answers_chosen >= 2
    chosen = [e.payload for e in events if e.kind == "dialogue_choice_made"]
    assert all(p.marked_by == "client" for p in chosen)
    scored = [e.payload for e in events if e.kind == "skill_scored"]
    assert {p.skill for p in scored} == {"comfort", "professionalism", "positive_sharing"}
    assert all(1 <= p.score <= 5 for p in scored)
    assert dict(result.scores) == {p.skill: p.score for p in scored}  # the latest of each
    # the timeline shows them: lines, choices and scores
    timeline = [line for e in events if (line := describe(e))]
    assert 'interviewer: "Good morning! Please, take a seat."' in timeline
    assert any(line.startswith('client chose: "') for line in timeline)
    assert any(line.startswith("skill comfort: ") for line in timeline)
    assert any('interviewer: "Good morning!' in line for line in shown)  # printed as it runs
    assert result.conversation[0].endswith('interviewer: "Good morning! Please, take a seat."')
    # the same demo again on the same record (the CLI's default seed and database): its
    # commands are its own, not taken for the first session's and skipped
    again = run_demo(store, lib, hierarchy, seed=7, max_minutes=6, echo=lambda _line: None)
    assert again.session_id != result.session_id
    assert again.lines_spoken >= 6 and again.answers_chosen >= 2 and again.scores
    kinds = [e.kind for e in store.read(again.session_id)]
    assert "questionnaire_answered" in kinds and "suds_rated" in kinds
    store.close()


def test_calmer_clients_score_better() -> None:
    rng = random.Random(1)
    calm = [skill_score(5.0, rng) for _ in range(200)]
    anxious = [skill_score(85.0, rng) for _ in range(200)]
    assert sum(calm) / 200 > sum(anxious) / 200 + 2
    assert set(calm) | set(anxious) <= {1, 2, 3, 4, 5}
