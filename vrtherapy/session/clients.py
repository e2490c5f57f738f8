"""Clients: pseudonymous codes, and the fear hierarchy each client keeps.

A client is identified only by a random code (no name is needed or stored).
Their hierarchy starts as a copy of a template and is then edited; every
change is an event in the client's own stream, so it is audited like a session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from vrtherapy.authoring.hierarchy import HierarchySpec, HierarchyStep
from vrtherapy.session import events as ev
from vrtherapy.session.clock import Clock
from vrtherapy.session.state import replay
from vrtherapy.session.store.base import EventStore, StreamInfo

# no 0/O, 1/I/L: codes are read aloud and typed by hand
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ClientError(ValueError):
    """A client operation that cannot be done; the message says why."""


def new_client_code() -> str:
    """A random pseudonymous code such as ``C-7KQ2-M9XD`` (about 47 bits)."""
    chars = [secrets.choice(_ALPHABET) for _ in range(8)]
    return f"C-{''.join(chars[:4])}-{''.join(chars[4:])}"


def client_stream(code: str) -> str:
    return f"client:{code}"


# --- pure hierarchy edits -------------------------------------------------------------


def reorder(h: HierarchySpec, order: list[int]) -> HierarchySpec:
    if sorted(order) != list(range(len(h.steps))):
        raise ClientError(
            f"a new order must list each of the {len(h.steps)} steps once (1–{len(h.steps)})"
        )
    return h.model_copy(update={"steps": [h.steps[i] for i in order]})


def add_step(h: HierarchySpec, index: int, step: HierarchyStep) -> HierarchySpec:
    if not 0 <= index <= len(h.steps):
        raise ClientError(f"a step can be inserted at positions 1–{len(h.steps) + 1}")
    steps = list(h.steps)
    steps.insert(index, step)
    return h.model_copy(update={"steps": steps})


def remove_step(h: HierarchySpec, index: int) -> HierarchySpec:
    if len(h.steps) == 1:
        raise ClientError("a hierarchy needs at least one step")
    if not 0 <= index < len(h.steps):
        raise ClientError(f"no step {index + 1}: the hierarchy has {len(h.steps)} steps")
    return h.model_copy(update={"steps": [s for i, s in enumerate(h.steps) if i != index]})


def set_anticipated(h: HierarchySpec, index: int, suds: float) -> HierarchySpec:
    if not 0 <= index < len(h.steps):
        raise ClientError(f"no step {index + 1}: the hierarchy has {len(h.steps)} steps")
    if not 0 <= suds <= 100:
        raise ClientError(f"anticipated SUDS is 0–100, got {suds:g}")
    steps = list(h.steps)
    steps[index] = steps[index].model_copy(update={"anticipated_suds": float(suds)})
    return h.model_copy(update={"steps": steps})


# --- stored clients ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientRecord:
    code: str
    hierarchy: HierarchySpec | None
    created_at: float
    sessions: tuple[StreamInfo, ...]


class Clients:
    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def create(self, template: HierarchySpec | None = None) -> str:
        code = new_client_code()
        stream = client_stream(code)
        events = [ev.NewEvent("therapist", ev.ClientCreated(code), 0.0)]
        if template is not None:
            events.append(
                ev.NewEvent(
                    "therapist",
                    ev.HierarchyAssigned(
                        template.model_dump(mode="json"), f"template:{template.id}"
                    ),
                    0.0,
                )
            )
        # one transaction: no client record without its first events
        self.store.create_stream(stream, "client", code, self.clock.wall(), events)
        return code

    def exists(self, code: str) -> bool:
        return self.store.stream(client_stream(code)) is not None

    def get(self, code: str) -> ClientRecord:
        info = self.store.stream(client_stream(code))
        if info is None:
            raise ClientError(f"no client with code {code}")
        hierarchy: HierarchySpec | None = None
        for e in self.store.read(client_stream(code)):
            if isinstance(e.payload, ev.HierarchyAssigned):
                hierarchy = HierarchySpec.model_validate(e.payload.hierarchy)
        sessions = tuple(self.store.streams(kind="session", client_code=code))
        return ClientRecord(code, hierarchy, info.created_at, sessions)

    def list(self) -> list[StreamInfo]:
        return self.store.streams(kind="client")

    def assign(self, code: str, hierarchy: HierarchySpec, source: str) -> None:
        info = self.store.stream(client_stream(code))
        if info is None:
            raise ClientError(f"no client with code {code}")
        self.store.append(
            client_stream(code),
            info.head_seq,
            [
                ev.NewEvent(
                    "therapist",
                    ev.HierarchyAssigned(hierarchy.model_dump(mode="json"), source),
                    0.0,
                )
            ],
            self.clock.wall(),
            checkpoint="hierarchy",
        )

    def resume_step(self, code: str) -> tuple[int, str | None]:
        """Where the client's next session starts: the step their last session ended on."""
        record = self.get(code)
        for info in reversed(record.sessions):
            state = replay(self.store.read(info.stream))
            if state.hierarchy is None:
                continue
            last = state.hierarchy.steps[state.step_index]
            steps = record.hierarchy.steps if record.hierarchy else state.hierarchy.steps
            # the hierarchy may have been reordered or edited since: find the same step
            for i, step in enumerate(steps):
                if (step.scenario, step.level, step.intensity) == (
                    last.scenario,
                    last.level,
                    last.intensity,
                ):
                    return i, info.stream
            return min(state.step_index, len(steps) - 1), info.stream
        return 0, None
