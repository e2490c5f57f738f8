"""The console benchmark's report judges its targets from the numbers it measured."""

from __future__ import annotations

from vrtherapy.app.console_bench import BrowserNumbers, ConsoleBench


def _bench(mirror_ms: float, latency_ms: float) -> ConsoleBench:
    return ConsoleBench(
        latencies_ms=(latency_ms,) * 50,
        frame_ms_during_commands=(20.0,) * 10,
        frame_ms_with_mirror=(20.0,) * 10,
        frame_ms_without_mirror=(19.0,) * 10,
        mirror_ms_on_render_thread=(mirror_ms,) * 10,
        mirror_images=120,
        seconds_with_mirror=10.0,
        browser=BrowserNumbers(11.0, (40.0, 50.0, 60.0)),
    )


def test_the_render_thread_share_of_the_mirror_decides_the_cost_target() -> None:
    cheap = _bench(mirror_ms=0.5, latency_ms=30.0).report()
    assert "2.5% of the frame (target ≤ 5%: met)" in cheap
    assert "1.5 frames of 20.0 ms (target ≤ 2: met" in cheap
    assert "12.0 mirror images/s reached the socket" in cheap
    assert "11.0 images/s shown (target ≥ 10: met)" in cheap
    assert "median   50.0 ms" in cheap
    dear = _bench(mirror_ms=2.0, latency_ms=60.0).report()
    assert "10.0% of the frame (target ≤ 5%: NOT met)" in dear
    assert "3.0 frames of 20.0 ms (target ≤ 2: NOT met" in dear
