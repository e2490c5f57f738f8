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
The head pose comes from a function of session time (the default: the display's
standing pose).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vrtherapy.app.director import Director, Presentation, Slider
from vrtherapy.reports.replay import SessionRecord
from vrtherapy.session.snapshot import Snapshot

if TYPE_CHECKING:
    from vrtherapy.app.run import ClientView
    from vrtherapy.display.headless import HeadlessDisplay, HeadPose

HeadAt = Callable[[float], "HeadPose"]
LEAD_IN_S = 1.0  # the director shows the waiting room this long before the session starts


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
    """Draws a record's frames into a headless display's first eye (EGL, no window)."""

    def __init__(
        self,
        record: SessionRecord,
        display: HeadlessDisplay,
        *,
        head: HeadAt | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        from vrtherapy.app.run import ClientView

        self.record = record
        self.display = display
        self.head = head
        self.timeout_s = timeout_s
        self.problems: list[tuple[str, str]] = []  # (scenario, why) scenes that could not be shown
        self.director = ReplayDirector(record)
        display.make_current()
        self.view: ClientView = ClientView(
            record.library, lambda scenario, why: self.problems.append((scenario, why))
        )

    def frame(self, t: float) -> npt.NDArray[np.uint8]:
        """The client's view at session time ``t``: (H, W, 3) sRGB pixels."""
        snap, pres = self.director.at(t)
        if pres.fade < 1.0:
            self.view.make_ready(pres, snap.calm_scene, self.timeout_s)
        if self.head is not None:
            self.display.head = self.head(t)

        def draw(views: Any, _t: float) -> None:
            self.view.show(views, pres, snap.calm_scene, t)

        self.display.frame(draw)
        return self.display.read_pixels(0)

    def close(self) -> None:
        self.display.make_current()
        self.view.close()
