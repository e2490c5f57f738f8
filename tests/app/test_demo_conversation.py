"""The demo with virtual partners: the therapist starts the interview, the synthetic client
picks its answers (seeded), the therapist scores the skills, all on the record and in
the timeline."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.slow  # a whole stock hierarchy: about a minute and a half of session steps
def test_demo_of_the_stock_job_interview(tmp_path: Path) -> None:
    env = {**os.environ, "VRTHERAPY_DATA_DIR": str(tmp_path)}
    args = ["demo", "--hierarchy", "social.job_interview", "--no-render"]
    proc = subprocess.run(
        [sys.executable, "-m", "vrtherapy", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "── step 1: social.interview" in out
    assert 'interviewer: "' in out and 'client chose: "' in out  # the timeline, as it runs
    summary = out[out.index("\nSummary") :]
    assert "integrity      verified" in summary
    lines = re.search(r"conversation   (\d+) lines spoken, (\d+) answers chosen", summary)
    assert lines is not None and int(lines[1]) > 10 and int(lines[2]) > 5
    scores = re.search(r"skills         (.*) \(latest scores, 1–5\)", summary)
    assert scores is not None
    named = dict(s.split(" ") for s in scores[1].split(", "))
    assert set(named) >= {"comfort", "professionalism", "negotiation"}
    assert all(v in {f"{n}/5" for n in range(1, 6)} for v in named.values())
    session = re.search(r"Inspect it with: vrtherapy show (\S+)", summary)
    assert session is not None
    shown = subprocess.run(
        [sys.executable, "-m", "vrtherapy", "show", session[1]],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert 'client chose: "' in shown.stdout and "skill comfort: " in shown.stdout
