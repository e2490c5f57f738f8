"""``bench --audio``: what the sound costs and how fast it follows the head.

Runs the real engine (the same :class:`AudioEngine`, OpenAL Soft with HRTF at 48 kHz)
on the loopback device, faster than real time, and measures honestly what a sound
card would impose:

- **Load**: a 2-minute scene with 16 positional sources, 2 beds, a streamed 150 s
  file and a cue every 10 s, while the head sweeps left and right (poses published
  at 90 Hz as the render thread does). The audio is mixed in device periods of 1024
  frames (OpenAL Soft's default period, 21.3 ms at 48 kHz); before each period the
  control ticks due in it run (every 5 ms, as the audio thread runs). CPU time is
  measured per thread (``time.thread_time``) for the control work and the mixing
  separately; the share is CPU seconds per second of sound. A period whose control
  work and mixing together took longer than the period lasts is one a sound card
  would have starved on: it counts as an underrun, and so does a streamed source
  that ran dry.
- **Head-turn latency**: a broadband source on the left; at a moment that falls
  anywhere within a period the head turns 180°. The latency is measured in the
  rendered output: from the pose's publication to the first 2.5 ms window where the
  source is louder on the right. It covers the control tick, the mixing period and
  OpenAL's HRTF cross-fade (a device mixes a period when it begins, so a pose that
  arrives during a period is heard from the next); the output device's buffer comes
  on top (on OpenAL
  Soft's defaults, up to 2 further periods, ~43 ms; it cannot be measured without a
  sound card).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vrtherapy.audio import AudioEngine, ListenerPose, SceneSound, open_offline
from vrtherapy.authoring.sounds import BedSpec, CueSpec, SoundsSpec, SourceSpec

RATE = 48_000
PERIOD = 1024  # frames per mixing period (OpenAL Soft's default)
CONTROL_S = 0.005
POSE_HZ = 90.0
LOOPS = ("engine_hum", "murmur", "ventilation", "traffic", "waves", "rain", "room_tone", "wind")


@dataclass(frozen=True)
class AudioBench:
    seconds: float
    sources: int
    hrtf: bool
    control_cpu_s: float
    mix_cpu_s: float
    late_periods: int
    stream_underruns: int
    worst_period_ms: float
    wall_s: float
    latencies_ms: tuple[float, ...]

    @property
    def underruns(self) -> int:
        return self.late_periods + self.stream_underruns

    def report(self) -> str:
        share = (self.control_cpu_s + self.mix_cpu_s) / self.seconds
        lat = self.latencies_ms
        return "\n".join(
            [
                f"scene: {self.seconds:.0f} s of sound, {self.sources} positional sources + 2 beds "
                f"+ 1 streamed file + a cue every 10 s; HRTF {'on' if self.hrtf else 'OFF'}; "
                f"rendered in {self.wall_s:.1f} s",
                f"audio CPU share: {100 * share:.1f} % of one core "
                f"(control thread {100 * self.control_cpu_s / self.seconds:.2f} %, "
                f"mixing {100 * self.mix_cpu_s / self.seconds:.1f} %)",
                f"buffer underruns: {self.underruns} "
                f"({self.late_periods} periods over their {1000 * PERIOD / RATE:.1f} ms deadline, "
                f"{self.stream_underruns} streams run dry); worst period "
                f"{self.worst_period_ms:.2f} ms",
                f"head-turn -> sound field: median {statistics.median(lat):.1f} ms, "
                f"max {max(lat):.1f} ms over {len(lat)} turns "
                "(plus the output device's buffer)",
            ]
        )


def bench_scene(folder: Path, sources: int) -> SoundsSpec:
    """16 loops placed around the listener, 2 beds, a long streamed file, a cue."""
    import soundfile

    rng = np.random.default_rng(3)
    long_file = folder / "long.flac"
    # 150 s, longer than the scene: streamed block by block, never decoded whole
    samples = (0.2 * rng.standard_normal(16_000 * 150)).astype(np.float32)
    soundfile.write(str(long_file), samples, 16_000)
    placed = [
        SourceSpec(
            name=f"s{i}",
            sound=LOOPS[i % len(LOOPS)],  # type: ignore[arg-type]
            position=[
                4.0 * math.cos(2 * math.pi * i / sources),
                1.0 + (i % 3),
                4.0 * math.sin(2 * math.pi * i / sources),
            ],
            gain=0.3,
        )
        for i in range(sources)
    ]
    return SoundsSpec(
        beds=[
            BedSpec(name="wind", sound="wind", gain=0.3),
            BedSpec(name="long", file=long_file.name, gain=0.3),
        ],
        sources=placed,
        cues=[CueSpec(name="gust", sound="gust", gain=0.5)],
    )


def _head(t: float) -> ListenerPose:
    """The client looks around: yaw sweeping ±60° every 5 s."""
    return ListenerPose.facing((0.0, 1.6, 0.0), 60.0 * math.sin(2 * math.pi * t / 5.0))


def measure_load(
    engine: AudioEngine, sounds: SoundsSpec, folder: Path, seconds: float
) -> dict[str, float]:
    engine.publish_pose(_head(0.0))
    engine.publish_scene(SceneSound("bench", sounds, base_dirs=(folder,)))
    engine.step(0.0)
    engine.wait_loaded()  # decoding and synthesis are the loader thread's work, not timed
    engine.step(0.0)
    control = mix = worst = 0.0
    late = 0
    period_s = PERIOD / RATE
    periods = int(seconds / period_s)
    next_tick = next_pose = 0.0
    cues: tuple[tuple[int, str], ...] = ()
    for k in range(periods):
        start = time.perf_counter()
        t_start = k * period_s
        c0 = time.thread_time()
        while next_tick < t_start:  # the control ticks before this period is mixed
            while next_pose <= next_tick:
                engine.publish_pose(_head(next_pose))
                next_pose += 1.0 / POSE_HZ
            fire = int(next_tick // 10.0)
            if fire > len(cues):
                cues = (*cues, (fire, "gust"))
                engine.publish_scene(SceneSound("bench", sounds, base_dirs=(folder,), cues=cues))
            engine.step(CONTROL_S)
            next_tick += CONTROL_S
        c1 = time.thread_time()
        engine.device.render(PERIOD)
        c2 = time.thread_time()
        control += c1 - c0
        mix += c2 - c1
        took = time.perf_counter() - start
        worst = max(worst, took)
        if took > period_s:
            late += 1
    return {"control": control, "mix": mix, "late": late, "worst": worst * 1000}


def measure_latency(engine: AudioEngine, turns: int = 12) -> tuple[float, ...]:
    """Head turns at moments spread over a period; latency read from the output."""
    sounds = SoundsSpec(
        sources=[SourceSpec(name="probe", sound="ventilation", position=[-2.0, 1.6, 0.0])]
    )
    engine.publish_scene(SceneSound("probe", sounds))
    out: list[float] = []
    period_s = PERIOD / RATE
    t = 0.0
    facing = 0.0
    engine.publish_pose(ListenerPose.facing((0.0, 1.6, 0.0), facing))
    # let the probe fade in
    for _ in range(int(1.5 / period_s)):
        engine.step(period_s)
        engine.wait_loaded()
        engine.device.render(PERIOD)
        t += period_s
    next_tick = t
    for i in range(turns):
        turn_at = t + 0.3 + period_s * (i + 0.5) / turns  # anywhere within a period
        facing = 180.0 - facing
        frames: list[npt.NDArray[np.float32]] = []
        start = t
        turned = False
        while t < turn_at + 0.15:
            # a device mixes a period when it starts: ticks after that wait for the next
            while next_tick < t:
                if not turned and next_tick >= turn_at:
                    engine.publish_pose(ListenerPose.facing((0.0, 1.6, 0.0), facing))
                    turned = True
                engine.step(CONTROL_S)
                next_tick += CONTROL_S
            frames.append(engine.device.render(PERIOD))
            t += period_s
        mix = np.concatenate(frames)
        out.append(
            1000 * (_flip_time(mix, turn_at - start, right=facing == 180.0) - (turn_at - start))
        )
    return tuple(out)


def _flip_time(mix: npt.NDArray[np.float32], after_s: float, right: bool) -> float:
    """When the probe is first louder on the side it moved to (2.5 ms windows)."""
    w = int(0.0025 * RATE)
    for a in range(int(after_s * RATE), len(mix) - w, w):
        left = float(np.sqrt(np.mean(mix[a : a + w, 0] ** 2)))
        rightv = float(np.sqrt(np.mean(mix[a : a + w, 1] ** 2)))
        if (rightv > left) if right else (left > rightv):
            return a / RATE
    return len(mix) / RATE


def run_audio_bench(seconds: float = 120.0, sources: int = 16) -> AudioBench:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vrtherapy-audio-bench-") as tmp:
        folder = Path(tmp)
        sounds = bench_scene(folder, sources)
        engine = open_offline(synchronous_loading=False)  # sounds load on a thread, as in run
        try:
            hrtf = engine.hrtf
            load = measure_load(engine, sounds, folder, seconds)
            underruns = engine.underruns
        finally:
            engine.close()
        probe = open_offline()
        try:
            latencies = measure_latency(probe)
        finally:
            probe.close()
    return AudioBench(
        seconds=seconds,
        sources=sources,
        hrtf=hrtf,
        control_cpu_s=load["control"],
        mix_cpu_s=load["mix"],
        late_periods=int(load["late"]),
        stream_underruns=underruns,
        worst_period_ms=load["worst"],
        wall_s=time.perf_counter() - started,
        latencies_ms=latencies,
    )
