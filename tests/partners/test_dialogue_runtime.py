"""The dialogue runtime, driven through the YAML fixtures: choices, triggers, timeouts,
seeded variants, flags and the end."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from vrtherapy.authoring.dialogue import load_dialogue
from vrtherapy.partners.dialogue import DialogueError, DialogueRuntime, DialogueState, Step

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def runtime() -> DialogueRuntime:
    return DialogueRuntime(load_dialogue(FIXTURES / "interview.yaml"), seed=7)


def _texts(step: Step) -> list[str | None]:
    return [line.text for line in step.lines]


def test_start_speaks_greeting_sets_flag_and_waits(runtime: DialogueRuntime) -> None:
    step = runtime.start(now=10.0)
    assert step.state.node == "greet"
    assert _texts(step) == ["Good morning! Please, take a seat."]
    assert step.lines[0].gesture == "wave" and step.lines[0].expression == "smile"
    assert step.state.flag("greeted") is True
    assert step.state.flag("bragged") is False
    assert [o.text for o in runtime.offers(step.state)] == [
        "Thank you, good morning.",
        "(sit down silently)",
    ]


def test_choice_leads_through_variant_to_a_question(runtime: DialogueRuntime) -> None:
    state = runtime.start(0.0).state
    step = runtime.choose(state, 0, now=3.0)
    assert step.path[0] == "first_question"
    assert step.state.node in ("ask_strengths", "ask_weakness")
    assert step.state.waiting_since == 3.0
    assert step.state.picks == 1


def test_second_choice_goes_to_nudge_then_on(runtime: DialogueRuntime) -> None:
    step = runtime.choose(runtime.start(0.0).state, 1, now=2.0)
    assert step.path[:2] == ("nudge", "first_question")
    assert _texts(step)[0] == "Take your time — whenever you are ready."


def test_unoffered_choice_and_unknown_trigger_are_refused(runtime: DialogueRuntime) -> None:
    state = runtime.start(0.0).state
    with pytest.raises(DialogueError, match="no choice 5"):
        runtime.choose(state, 5, now=1.0)
    with pytest.raises(DialogueError, match=r"no trigger 'later'.*hurry"):
        runtime.trigger(state, "later", now=1.0)


def test_therapist_trigger_jumps(runtime: DialogueRuntime) -> None:
    step = runtime.trigger(runtime.start(0.0).state, "hurry", now=1.0)
    assert step.path[0] == "first_question"
    assert "Take your time — whenever you are ready." not in _texts(step)


def test_timeout_fires_only_when_due_and_counts_from_line_end(runtime: DialogueRuntime) -> None:
    state = runtime.start(now=100.0).state
    assert runtime.deadline(state) == 108.0
    assert runtime.tick(state, now=107.9) is None
    # the line took 4 s to say: the 8 s wait starts when it ends
    state = runtime.line_finished(state, now=104.0)
    assert runtime.tick(state, now=111.9) is None
    step = runtime.tick(state, now=112.0)
    assert step is not None and step.path[0] == "nudge"


def test_seeded_variants_repeat_per_seed_and_follow_weights() -> None:
    spec = load_dialogue(FIXTURES / "interview.yaml")

    def pick(seed: int) -> str | None:
        rt = DialogueRuntime(spec, seed)
        return rt.choose(rt.start(0.0).state, 0, 1.0).state.node

    assert [pick(3) for _ in range(5)] == [pick(3)] * 5
    counts = Counter(pick(seed) for seed in range(600))
    assert set(counts) == {"ask_strengths", "ask_weakness"}
    # weights 2 : 1
    assert 0.58 < counts["ask_strengths"] / 600 < 0.75


def _to_question(runtime: DialogueRuntime, node: str) -> DialogueState:
    for seed in range(50):
        rt = DialogueRuntime(runtime.spec, seed)
        state = rt.choose(rt.start(0.0).state, 0, 1.0).state
        if state.node == node:
            return state
    raise AssertionError(f"no seed leads to {node}")


def test_flags_set_by_a_choice_steer_the_branch(runtime: DialogueRuntime) -> None:
    state = _to_question(runtime, "ask_strengths")
    bragged = runtime.choose(state, 0, now=5.0)
    assert bragged.state.flag("bragged") is True
    assert bragged.path == ("react", "sceptical")
    assert _texts(bragged) == ["Bold words. ¿De verdad? We'll see."]
    modest = runtime.choose(state, 1, now=5.0)
    assert modest.state.flag("bragged") is False
    assert modest.path == ("react", "pleased")


def test_end_is_reached_and_nothing_follows(runtime: DialogueRuntime) -> None:
    state = runtime.choose(_to_question(runtime, "ask_weakness"), 0, now=5.0).state
    assert state.node == "pleased"
    step = runtime.tick(state, now=10.0)
    assert step is not None
    assert step.state.ended and step.state.node is None
    assert _texts(step) == ["Thank you for coming. 再见!"]
    assert runtime.offers(step.state) == ()
    assert runtime.tick(step.state, now=99.0) is None
    with pytest.raises(DialogueError, match="ended"):
        runtime.choose(step.state, 0, now=11.0)


def test_say_again_gives_the_waiting_line(runtime: DialogueRuntime) -> None:
    state = runtime.start(0.0).state
    line = runtime.line(state)
    assert line is not None and line.text == "Good morning! Please, take a seat."


def test_conditional_choices_are_offered_only_when_flags_hold(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        """\
id: test.cond
title: Conditional choices
flags: {met: false}
start: a
nodes:
  a:
    choices:
      - {text: Nice to see you again, goto: b, if: {met: true}}
      - {text: Hello, goto: b, set: {met: true}}
  b:
    line: Hi.
    choices:
      - {text: Nice to see you again, goto: c, if: {met: true}}
      - {text: Hello, goto: c}
  c: {end: true}
""",
        encoding="utf-8",
    )
    rt = DialogueRuntime(load_dialogue(tmp_path / "d.yaml"), seed=0)
    state = rt.start(0.0).state
    assert [o.index for o in rt.offers(state)] == [1]
    with pytest.raises(DialogueError):
        rt.choose(state, 0, 1.0)
    state = rt.choose(state, 1, 1.0).state
    assert [o.index for o in rt.offers(state)] == [0, 1]


def test_upcoming_lists_every_line_the_next_action_may_bring(runtime: DialogueRuntime) -> None:
    state = runtime.start(0.0).state
    nodes = [line.node for line in runtime.upcoming(state)]
    # choices and trigger lead to first_question (variants) or nudge; the timeout to nudge
    assert set(nodes) == {"nudge", "ask_strengths", "ask_weakness"}
    # at the last waiting node only the goodbye can come; after the end, nothing
    pleased = runtime.choose(_to_question(runtime, "ask_weakness"), 0, now=5.0).state
    assert [line.node for line in runtime.upcoming(pleased)] == ["goodbye"]
    ended = runtime.tick(pleased, now=60.0)
    assert ended is not None and runtime.upcoming(ended.state) == ()


def test_start_flags_replace_declared_start_values(runtime: DialogueRuntime) -> None:
    """A scenario's level gives some flags their start value (``partners: - flags:``)."""
    assert runtime.start(0.0).state.flag("bragged") is False
    assert runtime.start(0.0, {"bragged": True}).state.flag("bragged") is True
    with pytest.raises(DialogueError, match="declares no flag nope"):
        runtime.start(0.0, {"nope": True})
