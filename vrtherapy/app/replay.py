"""Replay: what the client saw at a moment of a stored session, drawn again.

The live path is reused end to end: the record's snapshots (reports/replay.py, the
engine's own fold) go through the live :class:`~vrtherapy.app.director.Director`,
fed at every time the record changed exactly as the render loop feeds it each frame,
and the presentation is drawn by the live :class:`~vrtherapy.app.run.ClientView`
(same worlds, same renderer). Time is the record's session time throughout; the
director starts fades at the record's times and a paused scene holds still at the
pause's time, so the same record gives the same frames.

What the record does not hold is not replayed: how long a scene took to build (a
replay shows a scene from the moment the record asked for it), and the client's
slider before an answer was confirmed (the panel shows the question as first asked).
The head pose is the one recorded beside the log (``vrtherapy.session.tracking``),
interpolated to the moment; where none was recorded, the display's standing pose.

Virtual partners are posed as live (``PartnersOnStage``), from the record: their
behaviour from the level and the therapist's live values, their gaze on the recorded
head, listening while they wait for an answer, and each line from when it played
(``partner_line_played``) for as long as it lasted, with its expression and gesture,
the mouth shut (the record holds no audio, so there is no lip sync). A record made
before lines were recorded as played gives a line's time from its event to the
partner's next line, skip or ``partner_line_finished``; a line with no end on the
record is not shown as spoken.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation

from vrtherapy.app.director import Director, Presentation, Slider
from vrtherapy.app.speech_wiring import Voiced, Voices, cut_short
from vrtherapy.reports.replay import SessionRecord, format_time
from vrtherapy.session import conversation as conv
from vrtherapy.session import events as ev
from vrtherapy.session.snapshot import Snapshot
from vrtherapy.session.tracking import Pose, TrackingSamples
from vrtherapy.world.types import F32

if TYPE_CHECKING:
    from vrtherapy.app.run import ClientView
    from vrtherapy.display.headless import Head, HeadlessDisplay

HeadAt = Callable[[float], "Head"]
LEAD_IN_S = 1.0  # the director shows the waiting room this long before the session starts


@dataclass(frozen=True)
class TrackedHead:
    """A recorded head pose as the display's head (head -> tracking space)."""

    pose: Pose

    def matrix(self) -> F32:
        m = np.eye(4, dtype=np.float64)
        m[:3, :3] = Rotation.from_quat(np.asarray(self.pose.orientation, np.float64)).as_matrix()
        m[:3, 3] = self.pose.position
        return m.astype(np.float32)


def recorded_head(record: SessionRecord, default: Head) -> HeadAt:
    """The head at each moment as recorded, else ``default``."""

    def at(t: float) -> Head:
        pose = record.head_at(t)
        return default if pose is None else TrackedHead(pose)

    return at


def recorded_lines(events: Sequence[ev.Event]) -> tuple[Voiced, ...]:
    """The partners' lines as the client heard them, from the record (see the module):
    each with its start (session time), length, gesture and expression; no sound."""
    played = {
        e.payload.line: (e.session_time, e.payload.seconds)
        for e in events
        if isinstance(e.payload, conv.PartnerLinePlayed)
    }
    hushes: list[tuple[float, str | None]] = []  # (time, partner; None: every partner)
    for e in events:
        p = e.payload
        if isinstance(p, conv.PartnerLineSkipped):
            hushes.append((e.session_time, p.partner_id))
        elif isinstance(p, ev.StepEntered | ev.SessionEnded) or (
            isinstance(p, ev.SafetyAction) and p.action != "resume"
        ):
            hushes.append((e.session_time, None))
    out: list[Voiced] = []
    for i, e in enumerate(events):
        p = e.payload
        if not isinstance(p, conv.PartnerLineSpoken) or not (p.text or p.gesture != "none"):
            continue
        if e.seq in played:
            start, seconds = played[e.seq]
        elif played:
            continue  # recorded as played, or silenced before it played
        else:  # an older record: from the event to the partner's next line or its end
            end = next(
                (
                    x.session_time
                    for x in events[i + 1 :]
                    if isinstance(
                        x.payload,
                        conv.PartnerLineSpoken | conv.PartnerLineFinished | conv.PartnerLinePlayed,
                    )
                    and x.payload.partner_id == p.partner_id
                ),
                None,
            )
            if end is None:
                continue
            start, seconds = e.session_time, end - e.session_time
        line = Voiced(e.seq, p.partner_id, p.text, None, start, seconds, p.gesture, p.expression)
        cut = [t for t, who in hushes if who in (None, p.partner_id) and start < t]
        out.append(cut_short(line, min(cut)) if cut else line)
    return tuple(out)


def voices_at(scope: str, lines: Sequence[Voiced], t: float) -> Voices:
    """Each partner's latest line begun by ``t``, the lines before fading out under it,
    as live (:meth:`Voices.with_line`)."""
    voices = Voices(scope)
    for v in sorted(lines, key=lambda v: (v.started, v.fire_id)):
        if v.started <= t:
            voices = voices.with_line(v)
    return voices


class ReplayDirector:
    """The live director, fed the record's snapshot at every change: the presentation at
    any time. Going forward it carries on; going back it starts again from the start."""

    def __init__(self, record: SessionRecord) -> None:
        self.record = record
        self._restart()

    def _restart(self) -> None:
        self._director = Director()
        self._t = -LEAD_IN_S
        self._director.update(None, Slider(), self._t)  # the waiting room, as before a session

    def at(self, t: float) -> tuple[Snapshot, Presentation]:
        if t < self._t:
            self._restart()
        for change in self.record.change_times(self._t, t):
            if change < t:
                self._director.update(self.record.snapshot_at(change), Slider(), change)
        snap = self.record.snapshot_at(t)
        self._t = t
        return snap, self._director.update(snap, Slider(), t)


class ReplayRenderer:
    """Draws a record's frames into a headless display's first eye (EGL, no window); the
    head is ``head(t)``, by default the recorded one."""

    def __init__(
        self,
        record: SessionRecord,
        display: HeadlessDisplay,
        *,
        head: HeadAt | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        from vrtherapy.app.conversation_wiring import PartnersOnStage  # imports GL
        from vrtherapy.app.run import ClientView

        self.record = record
        self.display = display
        self.head = head or recorded_head(record, display.head)
        self.timeout_s = timeout_s
        self.problems: list[tuple[str, str]] = []  # (scenario, why) scenes that could not be shown
        self.director = ReplayDirector(record)
        display.make_current()
        self.view: ClientView = ClientView(
            record.library, lambda scenario, why: self.problems.append((scenario, why))
        )
        self._lines = recorded_lines(record.events)
        self._t = 0.0
        self.view.partners = PartnersOnStage(
            lambda: voices_at(record.session_id, self._lines, self._t), clock=lambda: self._t
        )

    def frame(self, t: float) -> npt.NDArray[np.uint8]:
        """The client's view at session time ``t``: (H, W, 3) sRGB pixels."""
        snap, pres = self.director.at(t)
        if pres.fade < 1.0:
            self.view.make_ready(pres, snap.calm_scene, self.timeout_s)
        self.display.head = self.head(t)
        self._t = t

        def draw(views: Any, _t: float) -> None:
            self.view.show(views, pres, snap.calm_scene, t, snap)

        self.display.frame(draw)
        return self.display.read_pixels(0)

    def close(self) -> None:
        self.display.make_current()
        self.view.close()


def describe_moment(snap: Snapshot) -> str:
    """A short label for what the client saw: the step and level, and any safety state."""
    if snap.status == "not_started":
        return "before the session"
    step = f"step {snap.step_index + 1}: {snap.level or f'intensity {snap.intensity:.0f}'}"
    if snap.status == "ended":
        return f"ended ({step})"
    if snap.safety != "none":
        return f"{step} ({snap.safety.replace('_', ' ')})"
    return step


class ReplayPictures:
    """Replayed pictures for the console (``console.hub.ReplayFrames``), made in a worker
    process of their own: its own GL (EGL, whatever the headset's process uses), never the
    render or engine thread. One picture at a time; the worker keeps the last session's
    worlds between requests. ``libraries`` are the clinic folders the session's scenes
    come from (stock files are always there)."""

    def __init__(self, libraries: Sequence[Path] = (), size: tuple[int, int] = (480, 360)) -> None:
        self.libraries = tuple(libraries)
        self.size = size
        self._pool: ProcessPoolExecutor | None = None

    def moments(self, events: Sequence[ev.Event]) -> list[dict[str, Any]]:
        from vrtherapy.reports.replay import moments

        return [
            {"t": round(m.time, 3), "clock": format_time(m.time), "kind": m.kind, "label": m.label}
            for m in moments(events)
        ]

    def png(self, events: Sequence[ev.Event], tracking: TrackingSamples, t: float) -> bytes:
        from vrtherapy.app.replay_worker import picture, start

        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # a fresh interpreter: its own GL
            self._pool = ProcessPoolExecutor(
                1, mp_context=context, initializer=start, initargs=(self.libraries,)
            )
        try:
            return self._pool.submit(picture, tuple(events), tracking, t, self.size).result()
        except BrokenProcessPool:
            self._pool = None
            raise ValueError("the replay worker stopped; ask again") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
