"""Frame times measured in the render loop: live in the snapshot, a minute's summary
on the record."""

from __future__ import annotations

import time
from pathlib import Path

from vrtherapy.app.frame_meter import FrameMeter


def test_a_steady_display_keeps_its_rate() -> None:
    meter = FrameMeter(90.0)
    for i in range(181):
        meter.add(i / 90, 0.004)
    rate = meter.live(2.0)
    assert rate is not None
    assert 88 <= rate.fps <= 91 and rate.target_hz == 90
    assert (rate.late, rate.dropped) == (0, 0) and not rate.below_target
    assert meter.live(2.5) is None  # once a second


def test_late_and_dropped_frames_are_counted_and_warned_about() -> None:
    meter = FrameMeter(90.0, window_s=10.0)
    t = 0.0
    for i in range(90):
        slow = i % 3 == 0
        meter.add(t, 0.020 if slow else 0.004)  # 20 ms: longer than 11.1 ms
        t += 2 / 90 if slow else 1 / 90  # and the next refresh shows the old frame again
    rate = meter.live(t)
    assert rate is not None
    assert rate.late == 30 and rate.dropped == 30
    assert rate.below_target and rate.worst_ms == 20.0


def test_a_summary_per_minute() -> None:
    meter = FrameMeter(72.0)
    for i in range(72 * 60):
        meter.add(i / 72, 0.010 if i % 100 else 0.030)
    assert meter.summary(59.0) is None
    summary = meter.summary(60.0)
    assert summary is not None and summary.frames == 72 * 60
    assert summary.median_ms == 10.0 and summary.worst_ms == 30.0
    assert summary.late == 44 and summary.dropped == 0
    assert meter.summary(61.0) is None  # the next one a minute later


def test_the_render_loop_reports_live_and_on_the_record(tmp_path: Path) -> None:
    from tests.app.test_render_loop import _frames, _loop
    from vrtherapy.authoring import load_library
    from vrtherapy.display.headless import HeadlessDisplay
    from vrtherapy.session.clock import ManualClock
    from vrtherapy.session.service import SessionService
    from vrtherapy.session.store import open_store

    store = open_store(str(tmp_path / "meter.sqlite3"))
    service = SessionService(store, load_library(), ManualClock())
    service.start(service.create_client("heights.standard"))
    with HeadlessDisplay((80, 60)) as display:
        loop = _loop(service, display)
        loop.meter.summary_every_s = 1.5
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            e.kind == "frame_times" for e in service.events()
        ):
            _frames(loop, 5)
        snap = service.snapshot
        assert snap is not None and snap.frame_rate is not None
        assert snap.frame_rate.fps > 0 and snap.frame_rate.target_hz == 200.0
        (summary,) = [e.payload for e in service.events() if e.kind == "frame_times"]
        assert summary.frames > 0 and summary.median_ms > 0  # type: ignore[attr-defined]
        loop.close()
    store.close()
