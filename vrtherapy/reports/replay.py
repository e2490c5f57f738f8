"""What a session looked like at any moment, from its record alone.

A :class:`SessionRecord` folds the session's stored events with the engine's own
fold (:func:`vrtherapy.session.state.apply`) up to a time t, and turns that state
into the snapshot the renderer saw at t with the engine's own
:func:`~vrtherapy.session.snapshot.make_snapshot`: scenario, level and parameter
values (live slider changes included), safety state, prompts, partner lines; and
gives the client's head pose from the tracked samples stored beside the log. Pure:
no clock, no GL; the app's replay (``app/replay.py``) draws the snapshots with the
live director and renderer.

The scenes themselves come from the scenario library (the record names them; it
does not hold the scenario files), so a scenario edited since the session is drawn
as it is now.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vrtherapy.authoring import Library
from vrtherapy.session import events as ev
from vrtherapy.session.snapshot import Snapshot, make_snapshot
from vrtherapy.session.state import SessionState, apply
from vrtherapy.session.timeline import describe
from vrtherapy.session.tracking import SAMPLE_HZ, Pose, TrackingSamples, pose_at

NEAREST_S = 0.5 / SAMPLE_HZ  # a head sample this close to a moment stands for it
CHECKPOINT_EVERY = 64  # a state is kept every this many events, so a seek folds few
MomentKind = Literal["step", "rating", "proposal", "decision", "safety"]
_MOMENT_KINDS: dict[type[ev.Payload], MomentKind] = {
    ev.StepEntered: "step",
    ev.SudsRated: "rating",
    ev.ComfortRated: "rating",
    ev.ExpectancyRecorded: "rating",
    ev.ProgressionProposed: "proposal",
    ev.ProgressionDecided: "decision",
    ev.SafetyAction: "safety",
    ev.ClientStopRequested: "safety",
}


class ReplayError(ValueError):
    """A replay that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Moment:
    """A moment worth seeing again: a step entered, a rating, a proposal or its decision,
    a safety action."""

    time: float  # session time, s
    kind: MomentKind
    label: str
    seq: int


class SessionRecord:
    """One stored session, folded on demand: its state and snapshot at any time."""

    def __init__(
        self,
        events: Sequence[ev.Event],
        library: Library,
        tracking: TrackingSamples | None = None,
    ) -> None:
        if not events:
            raise ReplayError("the session has no events")
        if not isinstance(events[0].payload, ev.SessionStarted):
            raise ReplayError(
                f"'{events[0].stream}' is not a session record (it starts with "
                f"'{events[0].kind}', not 'session_started')"
            )
        self.events = tuple(events)
        self.library = library
        self.tracking = tracking or TrackingSamples()
        # when each event is in effect: session times never go back (a safety action stored
        # late, after an outage, takes effect when it is stored)
        times: list[float] = []
        latest = 0.0
        for e in self.events:
            latest = max(latest, e.session_time)
            times.append(latest)
        self.times = tuple(times)
        self._checkpoints: list[SessionState] = [SessionState()]  # after 0, 64, 128 … events

    # -- facts -------------------------------------------------------------------------
    @property
    def session_id(self) -> str:
        return self.events[0].stream

    @property
    def client_code(self) -> str:
        payload = self.events[0].payload
        assert isinstance(payload, ev.SessionStarted)
        return payload.client_code

    @property
    def duration(self) -> float:
        """Session time of the end (or of the last event, for a session not ended)."""
        return self.times[-1]

    # -- the fold ----------------------------------------------------------------------
    def state_at(self, t: float) -> SessionState:
        """The engine's state with every event recorded up to and including time ``t``."""
        n = bisect.bisect_right(self.times, t)
        while len(self._checkpoints) * CHECKPOINT_EVERY <= n:  # keep states along the way
            k = len(self._checkpoints) - 1
            state = self._checkpoints[k]
            for e in self.events[k * CHECKPOINT_EVERY : (k + 1) * CHECKPOINT_EVERY]:
                state = apply(state, e)
            self._checkpoints.append(state)
        k = n // CHECKPOINT_EVERY
        state = self._checkpoints[k]
        for e in self.events[k * CHECKPOINT_EVERY : n]:
            state = apply(state, e)
        return state

    def snapshot_at(self, t: float) -> Snapshot:
        """The snapshot the renderer saw at session time ``t``."""
        return make_snapshot(self.state_at(t), self.library, t)

    def head_at(self, t: float) -> Pose | None:
        """The client's recorded head pose at ``t`` (tracking space), interpolated between
        the samples either side; a sample within half a sampling period stands for a moment
        next to a gap; None where the head was not tracked."""
        head = self.tracking.head
        found = pose_at(head, t)
        if found is not None or not len(head):
            return found
        i = int(bisect.bisect_left(head.times, t))
        near = [j for j in (i - 1, i) if 0 <= j < len(head) and abs(head.times[j] - t) <= NEAREST_S]
        return pose_at(head, float(head.times[near[0]])) if near else None

    def change_times(self, after: float, until: float) -> tuple[float, ...]:
        """The distinct times in (after, until] at which the record changed."""
        lo = bisect.bisect_right(self.times, after)
        hi = bisect.bisect_right(self.times, until)
        return tuple(dict.fromkeys(self.times[lo:hi]))

    def moments(self) -> tuple[Moment, ...]:
        """Steps entered, ratings, proposals, decisions and safety actions, in order."""
        return moments(self.events)

    def check_time(self, t: float) -> float:
        """``t`` if the session was under way then, else a :class:`ReplayError`."""
        if not math.isfinite(t) or t < 0:
            raise ReplayError(f"{t:g} is not a time in the session (give MM:SS from 00:00)")
        if t > self.duration:
            raise ReplayError(
                f"{format_time(t)} is after the end: the session lasted "
                f"{format_time(self.duration)}"
            )
        return t


def moments(events: Sequence[ev.Event]) -> tuple[Moment, ...]:
    """Steps entered, ratings, proposals, decisions and safety actions of a session's
    events, in order, at the time each took effect."""
    out = []
    latest = 0.0
    for e in events:
        latest = max(latest, e.session_time)
        kind = _MOMENT_KINDS.get(type(e.payload))
        if kind is not None:
            out.append(Moment(latest, kind, describe(e) or e.kind.replace("_", " "), e.seq))
    return tuple(out)


_TIME = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$|^(\d+(?:\.\d+)?)$")


def parse_time(text: str) -> float:
    """Session time from ``MM:SS``, ``H:MM:SS`` or plain seconds (fractions allowed)."""
    m = _TIME.match(text.strip())
    if m is None:
        raise ReplayError(f"'{text}' is not a time; give MM:SS (e.g. 12:30) or seconds")
    if m.group(4) is not None:
        return float(m.group(4))
    hours = int(m.group(1) or 0)
    minutes, seconds = int(m.group(2)), float(m.group(3))
    if seconds >= 60 or (m.group(1) is not None and minutes >= 60):
        raise ReplayError(f"'{text}' is not a time; seconds and minutes go up to 59")
    return hours * 3600 + minutes * 60 + seconds


def format_time(t: float) -> str:
    """MM:SS (H:MM:SS from an hour on), rounded down to the second."""
    s = int(max(0.0, t))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
