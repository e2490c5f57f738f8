"""Finding sessions that were interrupted: stored as running, with no station running them.

A session whose engine was killed (a crash, a power cut) stays "running" in
its record. It is interrupted when no live station holds its lease: the
lease lapsed, or its holder on this computer is gone. ``run`` lists these on
start so the therapist can resume each (same step, paused) or close it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vrtherapy.session.state import SessionState, replay
from vrtherapy.session.station import Lease
from vrtherapy.session.store.base import EventStore


@dataclass(frozen=True)
class Interrupted:
    session_id: str
    client_code: str
    step_index: int
    step_count: int
    last_event_at: float  # wall time of its last stored event
    station: str  # the station that ran it, where known

    def to_data(self) -> dict[str, object]:
        return {
            "session_id": self.session_id,
            "client_code": self.client_code,
            "step": self.step_index + 1,
            "steps": self.step_count,
            "last_event_at": self.last_event_at,
            "station": self.station,
        }


def status(state: SessionState, lease: Lease | None, now: float) -> str:
    """'running', 'interrupted', 'not started' or 'ended (reason)' for people to read."""
    if state.status == "ended":
        return f"ended ({state.end_reason})"
    if state.status == "running":
        return "running" if lease is not None and not lease.lapsed(now) else "interrupted"
    return "not started"


def interrupted_sessions(store: EventStore, now: float) -> list[Interrupted]:
    """Sessions stored as running that no live station runs, oldest first."""
    out = []
    for info in store.streams(kind="session"):
        events = store.read(info.stream)
        state = replay(events)
        if not state.running:
            continue
        lease = store.lease(info.stream)
        if lease is not None and not lease.lapsed(now):
            continue
        out.append(
            Interrupted(
                info.stream,
                state.client_code,
                state.step_index,
                state.step_count,
                events[-1].wall_time if events else info.created_at,
                lease.label if lease else "",
            )
        )
    return out
