"""`bench --tracking`: the bytes of an hour of tracked poses (deterministic), and the
bench's bookkeeping on a short run (its timings are reported, never asserted)."""

from __future__ import annotations

from vrtherapy.app.tracking_bench import (
    LIMIT_BYTES_60_MIN,
    chunks_of,
    run_tracking_bench,
    session_moments,
)
from vrtherapy.session.tracking import TrackingSamples, decode_chunk


def test_an_hour_of_head_hand_and_stimulus_stays_under_5_mb() -> None:
    moments = session_moments(60.0)
    assert len(moments) == 60 * 60 * 20
    chunks = chunks_of(moments)
    assert len(chunks) == 360  # 10 s each
    size = sum(len(c.data) for c in chunks)
    assert size < LIMIT_BYTES_60_MIN
    again = chunks_of(session_moments(1.0))  # the same seed: the same bytes
    assert [c.data for c in again] == [c.data for c in chunks[:6]]
    # what is stored is what was sampled, to its quantisation
    back = TrackingSamples.concat([decode_chunk(c.data) for c in chunks[:3]])
    first = TrackingSamples.from_moments(moments[:600])
    assert back.moments == 600
    assert (
        abs(back.track("right_hand").positions - first.track("right_hand").positions).max() < 1e-4
    )


def test_the_bench_counts_what_it_measured() -> None:
    result = run_tracking_bench(minutes=1.0, frame_seconds=2.0)
    assert (result.moments, result.chunks, result.frames) == (1200, 6, 180)
    assert result.sampled_frames == 40  # 20 moments a second of session time
    assert 0 < result.chunk_bytes < result.store_growth  # the events come on top
    text = result.report()
    assert "1-minute session: 1200 moments" in text and "40 frames that took a moment" in text
