"""The demo with virtual partners: the therapist starts the interview, the synthetic client
picks its answers (seeded), the therapist scores the skills, all on the record and in
the timeline."""

from __future__ import annotations

import itertools
import math
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


def test_the_demo_voices_the_partners_lines_on_the_sessions_clock(tmp_path: Path) -> None:
    """With voices, each line the interviewer says is synthesised and recorded as played
    (for as long as its audio lasts) one after the other, the last of a turn as heard to
    its end, and the client's answers get a response latency from that end, measured in
    steps finer than the demo's ticks."""
    from tests.app.test_speech_wiring import SECONDS_PER_CHAR, fake_espeak
    from vrtherapy.partners.speech import SpeechCache

    store = open_store(str(tmp_path / "demo.sqlite3"))
    lib = load_library(libraries=[FIXTURES])
    hierarchy = lib.hierarchy("test.interview_practice")
    cache = SpeechCache(tmp_path / "speech", run=fake_espeak)
    result = run_demo(
        store, lib, hierarchy, seed=7, max_minutes=6, echo=lambda _line: None, voices=cache
    )
    events = store.read(result.session_id)
    said = {e.seq: e for e in events if e.kind == "partner_line_spoken" and e.payload.text}
    played = [e for e in events if e.kind == "partner_line_played"]
    assert result.lines_played == len(played) == len(said) >= 6
    for e in played:
        line = said[e.payload.line]
        assert e.session_time >= line.session_time  # voiced once said, never before
        assert e.payload.seconds == pytest.approx(SECONDS_PER_CHAR * len(line.payload.text), 0.05)
    for a, b in itertools.pairwise(played):  # one after the other
        assert b.session_time >= a.session_time + a.payload.seconds - 1e-6
    assert sum(e.kind == "partner_line_finished" for e in events) >= 3
    latencies = [e.payload.value for e in events if e.kind == "measure_recorded"]
    assert len(latencies) == result.answers_chosen
    assert all(v >= 0 for v in latencies)
    assert any(v % 5 for v in latencies)  # not on the demo's 5 s ticks
    answered = [e.session_time for e in events if e.kind == "dialogue_choice_made"]
    assert any(t % 5 for t in answered)  # the client answers when it has thought, too
    # each distinct line said once (then from the cache), and no other: synthesis is
    # inline on the demo's clock, so lines the dialogue might have said are not made
    assert cache.synthesised == len({e.payload.text for e in said.values()}) >= 3
    assert result.lines_silent == 0
    assert result.said(True) == (
        f"{result.lines_spoken} lines spoken, {len(played)} voiced, "
        f"{result.answers_chosen} answers chosen"
    )
    store.close()


def test_without_a_synthesiser_the_lines_are_played_silently_and_not_called_voiced(
    tmp_path: Path,
) -> None:
    """Where espeak-ng is missing, each line is still recorded as played (for as long as
    its words would take, shown as subtitles as in ``vrtherapy run``), the problem is
    told once, and the summary does not call the lines voiced."""
    from vrtherapy.partners.speech import SpeechCache, SpeechError

    def no_espeak(_argv: list[str], _text: str) -> None:
        raise SpeechError("espeak-ng is not installed")

    store = open_store(str(tmp_path / "demo.sqlite3"))
    lib = load_library(libraries=[FIXTURES])
    hierarchy = lib.hierarchy("test.interview_practice")
    shown: list[str] = []
    cache = SpeechCache(tmp_path / "speech", run=no_espeak)
    result = run_demo(store, lib, hierarchy, seed=7, max_minutes=6, echo=shown.append, voices=cache)
    played = [e for e in store.read(result.session_id) if e.kind == "partner_line_played"]
    assert result.lines_played == len(played) == result.lines_silent >= 6
    assert sum("espeak-ng is not installed" in line for line in shown) == 1
    assert result.said(True) == (
        f"{result.lines_spoken} lines spoken, 0 voiced, {result.lines_silent} without sound, "
        f"{result.answers_chosen} answers chosen"
    )
    assert result.said(False) == (
        f"{result.lines_spoken} lines spoken, {result.answers_chosen} answers chosen"
    )
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
    said = r"conversation   (\d+) lines spoken, (\d+) voiced, (\d+) answers chosen"
    lines = re.search(said, summary)
    assert lines is not None and int(lines[1]) > 10 and int(lines[3]) > 5
    # each line voiced (espeak-ng), but for those a new step silenced before their turn
    assert 0.9 * int(lines[1]) <= int(lines[2]) <= int(lines[1])
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


def test_the_client_draws_its_thinking_time_once_per_node() -> None:
    """How often the client is asked while it thinks (each tick of the demo, each 0.25 s
    step while a partner talks, each console tick of ``run --synthetic-client``) changes
    neither when it answers nor what it answers or rates afterwards: its thinking time
    is drawn once per node, not at every ask."""
    from vrtherapy.app.demo_conversation import ClientAnswers
    from vrtherapy.session.conversation.view import PartnerView
    from vrtherapy.session.synthetic import ClientProfile, SyntheticClient

    offers = tuple((i, f"answer {i}") for i in range(4))
    node = PartnerView("p", "P", "ask", "?", offers, (), None, True, False, ())

    def answered(asks_per_second: int) -> tuple[int, int, list[float | None]]:
        client = SyntheticClient(ClientProfile(seed=5), 100)
        client.enter_step(0, 0.0)
        answers = ClientAnswers(client)
        for k in range(20 * asks_per_second):
            now = k / asks_per_second
            index = answers.pick(node, 0, 0.0, now)
            if index is not None:
                later = [client.answer_suds(40.0, 1.0, 60.0) for _ in range(5)]
                return math.ceil(now), index, later  # the whole second it answered in
        raise AssertionError("the client never answered")

    assert answered(1) == answered(4) == answered(20)
