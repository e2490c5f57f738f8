"""The console benchmark's report judges its targets from the numbers it measured."""

from __future__ import annotations

from vrtherapy.app.console_bench import BrowserNumbers, ConsoleBench


def _bench(with_mirror_ms: float, latency_ms: float, frames: int) -> ConsoleBench:
    return ConsoleBench(
        latencies_ms=(latency_ms,) * 50,
        latency_frames=(1,) * 20 + (2,) * 29 + (frames,),
        stored_ms=(latency_ms / 3,) * 50,
        frame_ms_with_mirror=(with_mirror_ms,) * 10,
        frame_ms_without_mirror=(20.0,) * 10,
        mirror_images=120,
        seconds_with_mirror=10.0,
        browser=BrowserNumbers(11.0, (40.0, 50.0, 60.0)),
    )


def test_the_report_judges_each_target_from_its_numbers() -> None:
    cheap = _bench(with_mirror_ms=20.5, latency_ms=30.75, frames=2).report()
    assert "x1.02 of the frame time (+0.50 ms; target ≤ 5%: met)" in cheap
    assert "the 2nd frame after the command at p99, worst the 2nd (target ≤ 2: met" in cheap
    assert "12.0 mirror images/s reached the socket" in cheap
    assert "11.0 images/s shown (target ≥ 10: met)" in cheap
    assert "median   50.0 ms" in cheap
    assert "of which to stored      median   10.2 ms" in cheap
    dear = _bench(with_mirror_ms=22.0, latency_ms=66.0, frames=3).report()
    assert "x1.10 of the frame time (+2.00 ms; target ≤ 5%: NOT met)" in dear
    assert "the 3rd frame after the command at p99, worst the 3rd (target ≤ 2: NOT met" in dear
