"""The stock dialogues, walked through by the runtime: from the start values every
stock scenario's levels give a partner's flags, the choices, triggers, timeouts and
seeded variants reach every node, and from every state reached an end can still be
reached. The levels change the path through the same dialogue in the promised
direction (a critical interviewer asks about the gap in the CV; salary talk only
where the level has it)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from vrtherapy.authoring import Library, load_library, parameter_values
from vrtherapy.authoring.common import is_ref, ref_name
from vrtherapy.authoring.dialogue import DialogueSpec
from vrtherapy.authoring.intensity import level_intensity
from vrtherapy.authoring.stock import dialogues_dir
from vrtherapy.partners.dialogue import DialogueRuntime, DialogueState

SEEDS = range(8)  # enough seeded runs to take every variant of every stock dialogue
MAX_STATES = 50_000


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def stock_dialogues(library: Library) -> list[DialogueSpec]:
    folder = dialogues_dir().resolve()
    return [d for d in library.dialogues.values() if library.files[d.id].resolve().parent == folder]


def start_flags(library: Library, dialogue: str) -> list[tuple[str, str, dict[str, bool]]]:
    """(scenario, level, start flags) for every stock level whose partner speaks it."""
    out = []
    for spec in library.scenarios.values():
        for partner in spec.partners:
            if partner.dialogue != dialogue:
                continue
            for lv in spec.levels:
                values = parameter_values(spec, level_intensity(spec, lv.name))
                flags = {
                    k: bool(values[ref_name(v)]) if is_ref(v) else bool(v)
                    for k, v in partner.flags.items()
                }
                out.append((spec.id, lv.name, flags))
    return out


@dataclass
class Walk:
    """Every state the runtime reaches from one start, and what each leads to."""

    nodes: set[str]  # every node entered on the way (immediate ones too)
    edges: dict[DialogueState, set[DialogueState]]
    ends: int  # ways the conversation ended


def actions(rt: DialogueRuntime, state: DialogueState) -> Iterator[tuple[str, object]]:
    node = rt.node(state)
    assert node is not None
    for offer in rt.offers(state):
        yield "choose", offer.index
    for t in node.triggers:
        yield "trigger", t.id
    if node.timeout is not None:
        yield "timeout", None


_WALKS: dict[tuple[str, int, tuple[tuple[str, bool], ...]], Walk] = {}


def walk(spec: DialogueSpec, seed: int, flags: dict[str, bool]) -> Walk:
    """The walk from one start (remembered: several tests walk the same dialogue)."""
    key = (spec.id, seed, tuple(sorted(flags.items())))
    if key not in _WALKS:
        _WALKS[key] = _walk(spec, seed, flags)
    return _WALKS[key]


def _walk(spec: DialogueSpec, seed: int, flags: dict[str, bool]) -> Walk:
    rt = DialogueRuntime(spec, seed)
    first = rt.start(0.0, flags)
    nodes = set(first.path)
    edges: dict[DialogueState, set[DialogueState]] = {}
    ends = 0
    todo = deque([first.state])
    while todo:
        state = todo.popleft()
        if state in edges:
            continue
        edges[state] = set()
        if state.ended:
            ends += 1
            continue
        assert len(edges) < MAX_STATES, f"{spec.id}: the state space does not close"
        for kind, arg in actions(rt, state):
            now = state.waiting_since + 1.0
            if kind == "choose":
                step = rt.choose(state, int(str(arg)), now)
            elif kind == "trigger":
                step = rt.trigger(state, str(arg), now)
            else:
                due = rt.deadline(state)
                assert due is not None
                tick = rt.tick(state, due)
                assert tick is not None
                step = tick
            nodes.update(step.path)
            # where the conversation is, not when: a state is its node, flags and picks
            nxt = DialogueState(step.state.node, step.state.flags, 0.0, step.state.picks)
            edges[state].add(nxt)
            todo.append(nxt)
    return Walk(nodes, edges, ends)


def can_end(w: Walk) -> set[DialogueState]:
    """The states from which some sequence of actions ends the conversation."""
    good = {s for s in w.edges if s.ended}
    changed = True
    while changed:
        changed = False
        for s, nxt in w.edges.items():
            if s not in good and nxt & good:
                good.add(s)
                changed = True
    return good


def test_there_is_a_stock_dialogue_for_every_stock_partner(library: Library) -> None:
    named = {p.dialogue for s in library.scenarios.values() for p in s.partners if p.dialogue}
    assert named, "no stock scenario has a partner with a dialogue"
    assert named <= {d.id for d in stock_dialogues(library)}


def test_every_stock_dialogue_reaches_every_node_and_always_an_end(library: Library) -> None:
    dialogues = stock_dialogues(library)
    assert len(dialogues) == len(list(dialogues_dir().glob("*.yaml"))) >= 5
    for spec in dialogues:
        # levels that give the same start flags walk the same: one walk each
        starts = {
            tuple(sorted(f.items())): (sid, lv, f) for sid, lv, f in start_flags(library, spec.id)
        }
        reached: set[str] = set()
        for sid, level, flags in starts.values() or [("", "", {})]:
            for seed in SEEDS:
                w = walk(spec, seed, flags)
                reached |= w.nodes
                assert w.ends > 0, (spec.id, sid, level)
                stuck = set(w.edges) - can_end(w)
                assert not stuck, (spec.id, sid, level, sorted({s.node or "" for s in stuck}))
        assert reached == set(spec.nodes), (spec.id, sorted(set(spec.nodes) - reached))


def silent_client(spec: DialogueSpec, flags: dict[str, bool], seed: int = 0) -> list[str]:
    """The nodes a client who never answers goes through (timeouts; where a node has
    none, the first choice), until the end."""
    rt = DialogueRuntime(spec, seed)
    step = rt.start(0.0, flags)
    path = list(step.path)
    for _ in range(len(spec.nodes)):
        state = step.state
        if state.ended:
            return path
        due = rt.deadline(state)
        if due is not None:
            tick = rt.tick(state, due)
            assert tick is not None
            step = tick
        else:
            step = rt.choose(state, rt.offers(state)[0].index, state.waiting_since + 1)
        path += step.path
    raise AssertionError(f"{spec.id}: a silent client never reaches the end: {path}")


def test_a_silent_client_is_carried_to_the_end_of_every_stock_dialogue(library: Library) -> None:
    for spec in stock_dialogues(library):
        for _, _, flags in start_flags(library, spec.id) or [("", "", {})]:
            path = silent_client(spec, flags)
            assert spec.nodes[path[-1]].end, (spec.id, path)


def interview_nodes(library: Library, level: str) -> set[str]:
    spec = library.dialogues["interview.job"]
    [flags] = [f for sid, lv, f in start_flags(library, spec.id) if lv == level]
    nodes: set[str] = set()
    for seed in SEEDS:
        nodes |= walk(spec, seed, flags).nodes
    return nodes


def test_the_interview_levels_choose_the_harder_path(library: Library) -> None:
    friendly = interview_nodes(library, "friendly_short")
    salary = interview_nodes(library, "friendly_salary")
    critical = interview_nodes(library, "critical")
    hard_only = {"cv_gap", "greet_cool", "salary_counter_hard", "closing_cool"}
    assert not hard_only & friendly and not hard_only & salary
    assert hard_only <= critical
    assert "salary" not in friendly and {"salary", "salary_counter_soft"} <= salary
    assert "greet_warm" not in critical and "strengths" not in critical


def test_seeded_variants_make_repeats_differ_and_a_seed_repeats_exactly(
    library: Library,
) -> None:
    spec = library.dialogues["interview.job"]
    openings = set()
    for seed in SEEDS:
        rt = DialogueRuntime(spec, seed)
        state = rt.start(0.0, {"hard": False, "salary_talk": False}).state
        step = rt.choose(state, 0, 1.0)
        openings.add(step.state.node)
        again = DialogueRuntime(spec, seed).choose(state, 0, 1.0)
        assert again.state == step.state
    assert openings == {"about_you_a", "about_you_b", "about_you_c"}


def test_the_interviewer_remembers_an_answer(library: Library) -> None:
    """Saying the client likes working with people early on is remembered at the close."""
    spec = library.dialogues["interview.job"]
    rt = DialogueRuntime(spec, 3)
    step = rt.start(0.0, {"hard": False, "salary_talk": False})
    step = rt.choose(step.state, 0, 1.0)  # the greeting answered
    step = rt.choose(step.state, 0, 2.0)  # "... a busy customer service desk"
    assert step.state.flag("likes_people")
    step = rt.trigger(step.state, "wrap_up", 3.0)  # the therapist wraps up
    assert step.state.node == "client_questions"
    step = rt.choose(step.state, 2, 4.0)  # "No, I think you have covered everything."
    assert step.path == ("closing", "closing_remember", "closing_warm")
    assert "enjoy working with people" in (step.lines[0].text or "")
    assert step.state.ended
