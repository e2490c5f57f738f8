"""How the client's display keeps up: frame times measured in the render loop.

Pure bookkeeping (times come in as arguments): a live figure for the console
every second over the last few seconds, and a summary per minute for the
session record. A frame is *late* when drawing it took longer than one display
period; a display refresh is *dropped* when it got no new frame (the gap between
two frames spans more than one period).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

from vrtherapy.session.events import FrameTimes
from vrtherapy.session.snapshot import FrameRate


@dataclass(frozen=True)
class _Frame:
    start: float  # monotonic seconds
    ms: float  # time to draw it
    late: bool
    dropped: int  # refreshes missed between the previous frame and this one


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class FrameMeter:
    def __init__(
        self,
        target_hz: float,
        *,
        live_every_s: float = 1.0,
        window_s: float = 5.0,
        summary_every_s: float = 60.0,
    ) -> None:
        self.target_hz = target_hz
        self.live_every_s = live_every_s
        self.window_s = window_s
        self.summary_every_s = summary_every_s
        self._recent: deque[_Frame] = deque()
        self._period: list[_Frame] = []
        self._last_start: float | None = None
        self._live_at: float | None = None
        self._summary_from: float | None = None

    def add(self, start: float, seconds: float, target_hz: float | None = None) -> None:
        """A frame was drawn, beginning at ``start`` and taking ``seconds``."""
        if target_hz:
            self.target_hz = target_hz
        period = 1.0 / self.target_hz
        dropped = 0
        if self._last_start is not None:
            # a gap of n periods means n - 1 refreshes showed the old frame again
            dropped = max(0, round((start - self._last_start) / period) - 1)
        self._last_start = start
        frame = _Frame(start, seconds * 1000.0, seconds > period, dropped)
        self._recent.append(frame)
        self._period.append(frame)
        while self._recent and self._recent[0].start < start - self.window_s:
            self._recent.popleft()
        if self._live_at is None:
            self._live_at = start
        if self._summary_from is None:
            self._summary_from = start

    def live(self, now: float) -> FrameRate | None:
        """The last few seconds, once a second (None in between)."""
        if self._live_at is None or now - self._live_at < self.live_every_s:
            return None
        self._live_at = now
        frames = list(self._recent)
        span = max(now - frames[0].start, 1e-6)
        return FrameRate(
            fps=round(len(frames) / span, 1),
            target_hz=round(self.target_hz, 1),
            median_ms=round(statistics.median(f.ms for f in frames), 2),
            worst_ms=round(max(f.ms for f in frames), 2),
            late=sum(f.late for f in frames),
            dropped=sum(f.dropped for f in frames),
            window_s=round(span, 1),
        )

    def summary(self, now: float) -> FrameTimes | None:
        """The last minute, once a minute (None in between), for the session record."""
        start = self._summary_from
        if start is None or now - start < self.summary_every_s or not self._period:
            return None
        frames, self._period = self._period, []
        self._summary_from = now
        times = [f.ms for f in frames]
        span = now - start
        return FrameTimes(
            period_s=round(span, 1),
            frames=len(frames),
            fps=round(len(frames) / span, 1),
            target_hz=round(self.target_hz, 1),
            median_ms=round(statistics.median(times), 2),
            p95_ms=round(_p95(times), 2),
            worst_ms=round(max(times), 2),
            late=sum(f.late for f in frames),
            dropped=sum(f.dropped for f in frames),
        )
