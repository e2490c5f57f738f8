"""The dialogue format (``*.yaml`` with ``nodes:``): what a virtual partner says, as a graph.

A scenario's partner names a dialogue by id (``partners: - dialogue: interview.friendly``).
The dialogue is a graph of nodes; each node may have a line the partner speaks
(any language: the text is UTF-8, spoken by the partner's voice), an optional
recorded audio file, a gesture and an expression, flags it sets, and what comes next:

- ``choices``: the client picks one (in the headset, or the therapist marks the
  spoken answer); a choice may be offered only when flags hold (``if:``);
- ``triggers``: buttons for the therapist;
- ``timeout``: where to go when nobody acted for some seconds after the line;
- ``goto``: go on at once; ``variants``: a seeded random pick among targets;
  ``branch``: the first entry whose flags hold (the last entry has no ``if``);
- ``end: true``: the conversation is over.

``choices``, ``triggers`` and ``timeout`` wait and may be combined; ``goto``,
``variants``, ``branch`` and ``end`` are immediate and stand alone. Structural
mistakes — a target that names no node, a node no path reaches, a node with no
way on (a dead end), a loop of immediate steps that would never wait, a node
from which no end can be reached — are reported at their line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field

from vrtherapy.authoring.common import Id, Model, Name
from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.validation import did_you_mean, validate
from vrtherapy.authoring.yamlsource import DataPath, Document, SourceMap, read_yaml

# What the partners' rig can show (vrtherapy.partners.behaviour implements each).
Gesture = Literal["none", "nod", "shake_head", "shrug", "wave", "lean_forward", "lean_back"]
Expression = Literal["neutral", "smile", "frown", "surprise", "concern", "bored"]
GESTURES: tuple[str, ...] = get_args(Gesture)
EXPRESSIONS: tuple[str, ...] = get_args(Expression)
DIALOGUE_AUDIO_SUFFIXES = (".wav", ".ogg", ".flac")

Flags = dict[Name, bool]


class ChoiceSpec(Model):
    """Something the client may answer; shown only when the flags in ``if`` hold."""

    text: Annotated[str, Field(min_length=1)]
    goto: Name
    if_: Annotated[Flags, Field(alias="if")] = {}
    set: Flags = {}


class TriggerSpec(Model):
    """A button the therapist presses to steer the partner."""

    id: Name
    label: Annotated[str, Field(min_length=1)]
    goto: Name


class TimeoutSpec(Model):
    """Where to go when nobody acted for ``after_s`` seconds after the line."""

    after_s: Annotated[float, Field(gt=0, le=600)]
    goto: Name


class VariantSpec(Model):
    goto: Name
    weight: Annotated[float, Field(gt=0)] = 1.0


class BranchSpec(Model):
    """Go to ``goto`` when every flag in ``if`` has the given value (an empty ``if``: always)."""

    if_: Annotated[Flags, Field(alias="if")] = {}
    goto: Name


class NodeSpec(Model):
    """One step of the conversation."""

    speaker: Name | None = None  # a partner id of the scenario; default: the dialogue's partner
    line: Annotated[str, Field(min_length=1)] | None = None
    audio: str | None = None
    gesture: Gesture = "none"
    expression: Expression | None = None  # shown while the line is said; None: the valence's
    set: Flags = {}
    choices: list[ChoiceSpec] = []
    triggers: list[TriggerSpec] = []
    timeout: TimeoutSpec | None = None
    goto: Name | None = None
    variants: Annotated[list[VariantSpec], Field(min_length=2)] | None = None
    branch: Annotated[list[BranchSpec], Field(min_length=1)] | None = None
    end: bool = False

    @property
    def waits(self) -> bool:
        """Whether the node waits for the client, the therapist or a timeout."""
        return bool(self.choices or self.triggers or self.timeout is not None)

    @property
    def immediate(self) -> list[str]:
        """The kinds of immediate exits this node has."""
        kinds = [("goto", self.goto is not None), ("variants", self.variants is not None)]
        kinds += [("branch", self.branch is not None), ("end", self.end)]
        return [k for k, present in kinds if present]

    def targets(self) -> list[tuple[DataPath, str]]:
        """Every node this one may lead to, with the data path (below the node) that names it."""
        out: list[tuple[DataPath, str]] = []
        out += [(("choices", i, "goto"), c.goto) for i, c in enumerate(self.choices)]
        out += [(("triggers", i, "goto"), t.goto) for i, t in enumerate(self.triggers)]
        if self.timeout is not None:
            out.append((("timeout", "goto"), self.timeout.goto))
        if self.goto is not None:
            out.append((("goto",), self.goto))
        out += [(("variants", i, "goto"), v.goto) for i, v in enumerate(self.variants or [])]
        out += [(("branch", i, "goto"), b.goto) for i, b in enumerate(self.branch or [])]
        return out

    def immediate_targets(self) -> list[str]:
        out = [self.goto] if self.goto is not None else []
        out += [v.goto for v in self.variants or []]
        out += [b.goto for b in self.branch or []]
        return out


class DialogueSpec(Model):
    """A validated dialogue. Build one with :func:`load_dialogue`."""

    id: Id
    title: str
    overrides: bool = False  # a clinic file that replaces the stock dialogue of the same id
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    flags: Flags = {}
    start: Name
    nodes: Annotated[dict[Name, NodeSpec], Field(min_length=1)]

    def node(self, name: str) -> NodeSpec:
        return self.nodes[name]

    @property
    def speakers(self) -> set[str]:
        return {n.speaker for n in self.nodes.values() if n.speaker is not None}


def is_dialogue(doc: Document) -> bool:
    return isinstance(doc.data, dict) and "nodes" in doc.data


class _Checker:
    def __init__(self, spec: DialogueSpec, source: SourceMap, base_dirs: list[Path]) -> None:
        self.spec = spec
        self.source = source
        self.base_dirs = base_dirs
        self.problems: list[Problem] = []

    def add(
        self, path: DataPath, message: str, hint: str | None = None, at_key: bool = False
    ) -> None:
        self.problems.append(self.source.problem(path, message, hint, at_key=at_key))

    def run(self) -> list[Problem]:
        spec = self.spec
        nodes = spec.nodes
        if spec.start not in nodes:
            self.add(
                ("start",),
                f"start node '{spec.start}' is not a node",
                did_you_mean(spec.start, nodes, "nodes"),
            )
        for name, node in nodes.items():
            self.node(name, node)
        if spec.start in nodes:
            self.reachability()
        return self.problems

    def node(self, name: str, node: NodeSpec) -> None:
        path: DataPath = ("nodes", name)
        for sub, target in node.targets():
            if target not in self.spec.nodes:
                self.add(
                    (*path, *sub),
                    f"node '{name}' leads to '{target}', which is not a node",
                    did_you_mean(target, self.spec.nodes, "nodes"),
                )
        immediate = node.immediate
        if len(immediate) > 1:
            self.add(
                path,
                f"node '{name}' has {' and '.join(immediate)}; it can have only one",
                at_key=True,
            )
        if immediate and node.waits:
            waiting = [
                k
                for k, v in (
                    ("choices", node.choices),
                    ("triggers", node.triggers),
                    ("timeout", node.timeout),
                )
                if v
            ]
            self.add(
                path,
                f"node '{name}' has {immediate[0]} and {', '.join(waiting)}",
                f"'{immediate[0]}' goes on at once, so the node never waits for "
                f"{' or '.join(waiting)}; keep one",
                at_key=True,
            )
        if not immediate and not node.waits:
            self.add(
                path,
                f"node '{name}' is a dead end: nothing comes after it",
                "give it choices, triggers, a timeout, a goto, variants or a branch, "
                "or write 'end: true' if the conversation ends here",
                at_key=True,
            )
        if (
            node.choices
            and all(c.if_ for c in node.choices)
            and not node.triggers
            and node.timeout is None
        ):
            self.add(
                (*path, "choices"),
                f"every choice of node '{name}' has a condition, so when none holds the "
                "conversation is stuck",
                "give one choice no 'if', or add a timeout or a trigger",
                at_key=True,
            )
        if node.branch is not None and node.branch[-1].if_:
            self.add(
                (*path, "branch", len(node.branch) - 1),
                f"the last entry of node '{name}''s branch has a condition, so when no "
                "condition holds the conversation is stuck",
                "end the branch with an entry without 'if' (the otherwise case)",
            )
        seen_triggers: set[str] = set()
        for i, t in enumerate(node.triggers):
            if t.id in seen_triggers:
                self.add(
                    (*path, "triggers", i, "id"), f"duplicate trigger id '{t.id}' in node '{name}'"
                )
            seen_triggers.add(t.id)
        self.flags(node.set, (*path, "set"))
        for i, c in enumerate(node.choices):
            self.flags(c.if_, (*path, "choices", i, "if"))
            self.flags(c.set, (*path, "choices", i, "set"))
        for i, b in enumerate(node.branch or []):
            self.flags(b.if_, (*path, "branch", i, "if"))
        if node.audio is not None:
            self.audio(node.audio, (*path, "audio"))

    def flags(self, flags: Mapping[str, bool], path: DataPath) -> None:
        for flag in flags:
            if flag not in self.spec.flags:
                hint = (
                    did_you_mean(flag, self.spec.flags, "flags")
                    if self.spec.flags
                    else "declare it under 'flags:' with its starting value, e.g. flags: {"
                    + flag
                    + ": false}"
                )
                self.add((*path, flag), f"unknown flag '{flag}'", hint, at_key=True)

    def audio(self, name: str, path: DataPath) -> None:
        if not name.lower().endswith(DIALOGUE_AUDIO_SUFFIXES):
            self.add(
                path, f"audio file '{name}' must be one of: {', '.join(DIALOGUE_AUDIO_SUFFIXES)}"
            )
            return
        if not any((base / name).is_file() for base in self.base_dirs):
            looked = ", ".join(str(d) for d in self.base_dirs)
            self.add(path, f"audio file '{name}' not found", f"looked in: {looked}")

    def reachability(self) -> None:
        nodes = self.spec.nodes
        edges = {name: [t for _, t in n.targets() if t in nodes] for name, n in nodes.items()}
        reached = _reach([self.spec.start], edges)
        for name in nodes:
            if name not in reached:
                self.add(
                    ("nodes", name),
                    f"node '{name}' is unreachable: no path from the start node "
                    f"'{self.spec.start}' leads to it",
                    "lead to it from another node, or remove it",
                    at_key=True,
                )
        # a loop of immediate steps never waits: the partner would talk forever
        immediate = {
            name: [t for t in n.immediate_targets() if t in nodes] for name, n in nodes.items()
        }
        for name in _on_cycles(immediate):
            self.add(
                ("nodes", name),
                f"node '{name}' is on a loop of immediate steps (goto, variants, branch) "
                "that never waits for the client or the therapist",
                "let a node on the loop wait: choices, triggers or a timeout",
                at_key=True,
            )
        reverse: dict[str, list[str]] = {name: [] for name in nodes}
        for name, targets in edges.items():
            for t in targets:
                reverse[t].append(name)
        finishing = _reach([n for n, spec in nodes.items() if spec.end], reverse)
        for name, node in nodes.items():
            stuck = name in reached and name not in finishing
            if stuck and (node.immediate or node.waits):  # dead ends are reported already
                self.add(
                    ("nodes", name),
                    f"no end can be reached from node '{name}': the conversation could "
                    "never finish once it gets here",
                    "lead one of its paths to a node with 'end: true'",
                    at_key=True,
                )


def _reach(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(edges.get(n, []))
    return seen


def _on_cycles(edges: Mapping[str, list[str]]) -> list[str]:
    """The nodes that lie on a cycle of ``edges``, in the order of ``edges``."""
    return [n for n in edges if n in _reach(edges[n], edges)]


def dialogue_from_document(doc: Document, base_dirs: list[Path]) -> DialogueSpec:
    spec, problems = validate(DialogueSpec, doc)
    if spec is None:
        raise AuthoringError(problems)
    problems = _Checker(spec, doc.source, base_dirs).run()
    if problems:
        raise AuthoringError(problems)
    return spec


def load_dialogue(path: Path, audio_dirs: list[Path] | None = None) -> DialogueSpec:
    """Load and validate one dialogue file; raise AuthoringError listing every problem.

    Recorded audio files are looked up next to the file first, then in ``audio_dirs``.
    """
    doc = read_yaml(path)
    return dialogue_from_document(doc, [path.parent, *(audio_dirs or [])])
