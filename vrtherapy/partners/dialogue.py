"""The dialogue runtime: where a conversation is, and where each action takes it.

Pure and deterministic: every function takes the state and returns a new one;
the time (seconds on the session clock) and the seed are passed in, so a
session replays to the same lines from its events. Validation of the format
(``vrtherapy.authoring.dialogue``) guarantees that every target exists and that
immediate steps never loop; the runtime still refuses to run forever on a spec
built without validation.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace

from vrtherapy.authoring.dialogue import DialogueSpec, NodeSpec


class DialogueError(ValueError):
    """An action that does not fit where the conversation is (a choice not offered, …)."""


@dataclass(frozen=True)
class Line:
    """What a partner says (and shows) on reaching a node."""

    node: str
    speaker: str | None  # a partner id; None: the partner that runs the dialogue
    text: str | None
    audio: str | None
    gesture: str
    expression: str | None  # shown while the line is said; None: the valence's face


@dataclass(frozen=True)
class Offer:
    """A choice the client may make now; ``index`` is its place in the node's list."""

    index: int
    text: str


@dataclass(frozen=True)
class DialogueState:
    node: str | None  # the node that waits now; None once the conversation ended
    flags: tuple[tuple[str, bool], ...]
    waiting_since: float  # when the node began to wait (its timeout counts from here)
    picks: int = 0  # random picks made so far: the next pick's seed

    @property
    def ended(self) -> bool:
        return self.node is None

    def flag(self, name: str) -> bool:
        return dict(self.flags)[name]


@dataclass(frozen=True)
class Step:
    """The outcome of an action: the new state and what was said on the way, in order."""

    state: DialogueState
    lines: tuple[Line, ...]
    path: tuple[str, ...]  # the nodes entered, in order


def _holds(condition: dict[str, bool], flags: dict[str, bool]) -> bool:
    return all(flags.get(k, False) == v for k, v in condition.items())


class DialogueRuntime:
    """Runs one dialogue; ``seed`` fixes its random picks among variants."""

    def __init__(self, spec: DialogueSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed

    # --- reading the state -------------------------------------------------------

    def node(self, state: DialogueState) -> NodeSpec | None:
        return None if state.node is None else self.spec.nodes[state.node]

    def offers(self, state: DialogueState) -> tuple[Offer, ...]:
        """The choices the client may make now (those whose flags hold)."""
        node = self.node(state)
        if node is None:
            return ()
        flags = dict(state.flags)
        return tuple(Offer(i, c.text) for i, c in enumerate(node.choices) if _holds(c.if_, flags))

    def line(self, state: DialogueState) -> Line | None:
        """The waiting node's line, to say again; None where it has none."""
        if state.node is None:
            return None
        line = _line(state.node, self.spec.nodes[state.node])
        return line if line.text is not None or line.audio is not None else None

    def deadline(self, state: DialogueState) -> float | None:
        """When the waiting node's timeout fires, if it has one."""
        node = self.node(state)
        if node is None or node.timeout is None:
            return None
        return state.waiting_since + node.timeout.after_s

    def upcoming(self, state: DialogueState) -> tuple[Line, ...]:
        """Every line the next action may lead to (whichever choice, trigger, timeout,
        variant or branch it takes), so speech can be synthesised ahead of need."""
        node = self.node(state)
        if node is None:
            return ()
        waits = [c.goto for c in node.choices] + [t.goto for t in node.triggers]
        if node.timeout is not None:
            waits.append(node.timeout.goto)
        out: dict[str, Line] = {}
        todo = list(dict.fromkeys(waits))
        seen: set[str] = set()
        while todo:  # follow immediate steps (all their targets) until nodes that wait
            name = todo.pop(0)
            if name in seen or name not in self.spec.nodes:
                continue
            seen.add(name)
            n = self.spec.nodes[name]
            if n.line is not None or n.audio is not None:
                out[name] = _line(name, n)
            todo.extend(n.immediate_targets())
        return tuple(out.values())

    # --- actions -----------------------------------------------------------------

    def start(self, now: float, flags: Mapping[str, bool] | None = None) -> Step:
        """Enter the start node; ``flags`` replaces the start value of declared flags
        (a scenario's level sets them through its partner's ``flags:``)."""
        given = dict(flags or {})
        unknown = sorted(set(given) - set(self.spec.flags))
        if unknown:
            raise DialogueError(f"dialogue '{self.spec.id}' declares no flag {', '.join(unknown)}")
        start_flags = tuple(sorted((self.spec.flags | given).items()))
        initial = DialogueState(self.spec.start, start_flags, now)
        return self._enter(initial, self.spec.start, now)

    def choose(self, state: DialogueState, index: int, now: float) -> Step:
        node = self._waiting(state)
        if index not in {o.index for o in self.offers(state)}:
            offered = ", ".join(str(o.index) for o in self.offers(state)) or "none"
            raise DialogueError(
                f"node '{state.node}' offers no choice {index} now (offered: {offered})"
            )
        choice = node.choices[index]
        return self._enter(_set(state, choice.set), choice.goto, now)

    def trigger(self, state: DialogueState, trigger_id: str, now: float) -> Step:
        node = self._waiting(state)
        for t in node.triggers:
            if t.id == trigger_id:
                return self._enter(state, t.goto, now)
        known = ", ".join(t.id for t in node.triggers) or "none"
        raise DialogueError(f"node '{state.node}' has no trigger '{trigger_id}' (has: {known})")

    def tick(self, state: DialogueState, now: float) -> Step | None:
        """Fire the waiting node's timeout if it is due at ``now``; None if nothing happens."""
        due = self.deadline(state)
        if due is None or now < due:
            return None
        node = self._waiting(state)
        assert node.timeout is not None  # a deadline implies a timeout
        return self._enter(state, node.timeout.goto, now)

    def cut_in(self, state: DialogueState, now: float) -> Step | None:
        """The partner cuts in on the client's answer: it goes on now as it would when
        the client gives no answer (the waiting node's timeout, taken early); None where
        the node offers the client no choice now (nothing to answer) or has no timeout
        (the partner waits for the answer, a trigger or the therapist)."""
        if state.ended:
            return None
        node = self._waiting(state)
        if node.timeout is None or not self.offers(state):
            return None
        return self._enter(state, node.timeout.goto, now)

    def line_finished(self, state: DialogueState, now: float) -> DialogueState:
        """The partner finished (or skipped) the line: the timeout counts from ``now``."""
        return state if state.ended else replace(state, waiting_since=now)

    # --- inside ------------------------------------------------------------------

    def _waiting(self, state: DialogueState) -> NodeSpec:
        node = self.node(state)
        if node is None:
            raise DialogueError("the conversation has ended")
        return node

    def _enter(self, state: DialogueState, name: str, now: float) -> Step:
        lines: list[Line] = []
        path: list[str] = []
        for _ in range(len(self.spec.nodes) + 1):
            node = self.spec.nodes[name]
            path.append(name)
            state = _set(state, node.set)
            line = _line(name, node)
            if line.text is not None or line.audio is not None or line.gesture != "none":
                lines.append(line)
            nxt: str | None
            if node.end:
                state = replace(state, node=None, waiting_since=now)
                return Step(state, tuple(lines), tuple(path))
            if node.goto is not None:
                nxt = node.goto
            elif node.variants is not None:
                rng = random.Random(f"{self.seed}:{state.picks}")
                weights = [v.weight for v in node.variants]
                nxt = rng.choices([v.goto for v in node.variants], weights)[0]
                state = replace(state, picks=state.picks + 1)
            elif node.branch is not None:
                flags = dict(state.flags)
                nxt = next((b.goto for b in node.branch if _holds(b.if_, flags)), None)
                if nxt is None:
                    raise DialogueError(f"no entry of node '{name}''s branch holds")
            else:  # the node waits
                state = replace(state, node=name, waiting_since=now)
                return Step(state, tuple(lines), tuple(path))
            name = nxt
        raise DialogueError(f"immediate steps loop through node '{name}' without waiting")


def _line(name: str, node: NodeSpec) -> Line:
    return Line(name, node.speaker, node.line, node.audio, node.gesture, node.expression)


def _set(state: DialogueState, values: dict[str, bool]) -> DialogueState:
    if not values:
        return state
    flags = dict(state.flags) | values
    return replace(state, flags=tuple(sorted(flags.items())))
