"""``bench --tracking``: what recording the client's behaviour costs.

- **Bytes**: 60 minutes of tracked moments at SAMPLE_HZ — the synthetic client's head
  (its distress rising and falling over the hour), a hand controller that follows it,
  and the stimulus — with sensor-like noise added (0.2 mm on the head, 1 mm on the hand)
  so that the compression is not flattered, chunked and compressed as a session stores
  them: the bytes of the chunks, and how much a SQLite store grows when they are stored
  with their events.
- **Render-thread cost**: the render loop's sampling step (``PoseSampler.after_frame``:
  the decimation, and at each due moment the head from the eye views, the hand, the
  stimulus's centre in a built spiders.kitchen world, and the hand-over to the engine
  thread, which stores the chunks meanwhile) timed frame by frame at 90 frames per
  second of session time: the median over all frames, and the median and p99 over the
  frames that took a moment.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vrtherapy.app.pose_sampler import PoseSampler
from vrtherapy.session.tracking import (
    CHUNK_S,
    ChunkBuilder,
    EncodedChunk,
    Pose,
    PoseSample,
)

LIMIT_BYTES_60_MIN = 5_000_000
LIMIT_FRAME_MS = 0.2
STIMULUS = (0.15, 0.8, -1.75)  # the spider's jar across the table (spiders.kitchen)
FRAME_HZ = 90.0


def session_moments(minutes: float = 60.0, seed: int = 11) -> list[PoseSample]:
    """``minutes`` of a client's tracked moments (deterministic for a seed)."""
    from vrtherapy.session.synthetic import SyntheticHead

    def distress(t: float) -> float:  # rises and falls over each 20 minutes
        return 50.0 + 30.0 * math.sin(2 * math.pi * t / 1200.0)

    moments = SyntheticHead(seed).moments(0.0, minutes * 60.0, distress, STIMULUS)
    rng = np.random.default_rng(seed)
    out: list[PoseSample] = []
    for m in moments:
        head = m.pose("head")
        assert head is not None
        hx, hy, hz = (v + rng.normal(0.0, 0.0002) for v in head.position)
        x, y, z, w = head.orientation
        yaw = math.atan2(2 * (w * y + x * z), 1 - 2 * (y * y + x * x))
        hand = (
            hx + 0.25 * math.cos(yaw) - 0.3 * math.sin(yaw) + rng.normal(0.0, 0.001),
            hy - 0.45 + rng.normal(0.0, 0.001),
            hz - 0.25 * math.sin(yaw) - 0.3 * math.cos(yaw) + rng.normal(0.0, 0.001),
        )
        out.append(
            PoseSample(
                m.t,
                (
                    ("head", Pose((hx, hy, hz), head.orientation)),
                    ("right_hand", Pose(hand, head.orientation)),
                    ("stimulus", Pose(STIMULUS)),
                ),
            )
        )
    return out


def chunks_of(moments: Sequence[PoseSample]) -> list[EncodedChunk]:
    builder = ChunkBuilder(CHUNK_S)
    done = builder.add(moments)
    last = builder.flush()
    return [*done, last] if last is not None else done


@dataclass(frozen=True)
class TrackingBench:
    minutes: float
    moments: int
    chunks: int
    chunk_bytes: int
    store_growth: int  # bytes the SQLite file grew by, chunks and their events
    frames: int
    sampled_frames: int
    frame_ms_median: float
    sampling_ms_median: float
    sampling_ms_p99: float

    def report(self) -> str:
        mb = self.chunk_bytes / 1e6
        ok = "within" if self.chunk_bytes < LIMIT_BYTES_60_MIN else "OVER"
        fast = "within" if self.frame_ms_median < LIMIT_FRAME_MS else "OVER"
        return "\n".join(
            [
                f"  {self.minutes:.0f}-minute session: {self.moments} moments (head, hand, "
                f"stimulus) in {self.chunks} chunks of {CHUNK_S:g} s = {mb:.2f} MB "
                f"({ok} the 5 MB limit); the store grew by {self.store_growth / 1e6:.2f} MB "
                "with their events",
                f"  render thread, sampling per frame ({self.frames} frames at "
                f"{FRAME_HZ:g} /s): median {self.frame_ms_median:.4f} ms ({fast} the "
                f"{LIMIT_FRAME_MS} ms limit); the {self.sampled_frames} frames that took a "
                f"moment: median {self.sampling_ms_median:.3f} ms, p99 "
                f"{self.sampling_ms_p99:.3f} ms",
            ]
        )


@dataclass(frozen=True)
class _View:
    view: Any
    projection: Any = None
    framebuffer: int = 0
    viewport: tuple[int, int, int, int] = (0, 0, 1, 1)


def _views(t: float) -> list[_View]:
    from vrtherapy.world.transforms import view_from_pose, yaw_pitch_quaternion

    q = yaw_pitch_quaternion(25.0 * math.sin(t), -10.0 + 5.0 * math.sin(0.7 * t))
    x = 0.02 * math.sin(0.4 * t)
    return [_View(view_from_pose((x + dx, 1.6, 0.0), q)) for dx in (-0.032, 0.032)]


def run_tracking_bench(minutes: float = 60.0, frame_seconds: float = 60.0) -> TrackingBench:
    from vrtherapy.authoring import load_library
    from vrtherapy.authoring.intensity import level_intensity, parameter_values
    from vrtherapy.session.clock import ManualClock
    from vrtherapy.session.service import SessionService
    from vrtherapy.session.store import open_store
    from vrtherapy.world import build_world

    moments = session_moments(minutes)
    chunks = chunks_of(moments)
    library = load_library()
    with tempfile.TemporaryDirectory(prefix="vrtherapy-tracking-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        store = open_store(str(path))
        clock = ManualClock()
        service = SessionService(store, library, clock)
        engine = service.start(service.create_client("spiders.standard"))
        store.checkpoint(engine.session_id, clock.wall())
        before = _file_bytes(path)
        for chunk in chunks:
            if not engine.record_tracking(chunk):
                raise RuntimeError("the bench's store refused a tracking chunk")
        growth = _file_bytes(path) - before

        spec = library.scenarios["spiders.kitchen"]
        world = build_world(spec, parameter_values(spec, level_intensity(spec, "table_near")))
        loop = asyncio.new_event_loop()
        runner = threading.Thread(target=loop.run_forever, name="engine", daemon=True)
        runner.start()

        def hand_over(session_id: str, batch: tuple[PoseSample, ...]) -> None:
            loop.call_soon_threadsafe(service.record_poses, session_id, batch)

        sampler = PoseSampler(hand_over)
        snap = service.snapshot
        frame_ms: list[float] = []
        sampling_ms: list[float] = []
        try:
            for i in range(int(frame_seconds * FRAME_HZ)):
                clock.advance(1.0 / FRAME_HZ)
                t = i / FRAME_HZ
                world.advance(t)
                world.draw_list()
                views = _views(t)
                started = time.perf_counter()
                took = sampler.after_frame(engine, snap, views, world, 0.0)
                ms = (time.perf_counter() - started) * 1000
                frame_ms.append(ms)
                if took:
                    sampling_ms.append(ms)
            sampler.flush()
        finally:
            done = threading.Event()
            loop.call_soon_threadsafe(done.set)
            done.wait(10)
            loop.call_soon_threadsafe(loop.stop)
            runner.join(10)
            loop.close()
            store.close()
    return TrackingBench(
        minutes,
        len(moments),
        len(chunks),
        sum(len(c.data) for c in chunks),
        growth,
        len(frame_ms),
        len(sampling_ms),
        statistics.median(frame_ms),
        statistics.median(sampling_ms),
        float(np.percentile(sampling_ms, 99)),
    )


def _file_bytes(path: Path) -> int:
    """The database file's bytes once its write-ahead log is folded in."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path.stat().st_size
