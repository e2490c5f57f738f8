"""Behaviour measures from tracked poses, on poses whose answers are known by geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrtherapy.session.tracking import Pose, PoseSample, Track, TrackingSamples
from vrtherapy.session.tracking.measures import LiveBehaviour, behaviour, window_sums


def yaw_pitch(yaw: float, pitch: float) -> tuple[float, float, float, float]:
    """Yaw about +y (left), then pitch about +x (up), degrees -> quaternion x, y, z, w."""
    hy, hp = math.radians(yaw) / 2, math.radians(pitch) / 2
    cy, sy, cp, sp = math.cos(hy), math.sin(hy), math.cos(hp), math.sin(hp)
    return (cy * sp, sy * cp, -sy * sp, cy * cp)


def moments(
    headings: list[tuple[float, float]],
    stimulus: tuple[float, float, float] | None = (0.0, 1.6, -2.0),
    t0: float = 0.0,
    dt: float = 0.05,
) -> list[PoseSample]:
    out = []
    for i, (yaw, pitch) in enumerate(headings):
        poses: list[tuple[str, Pose]] = [("head", Pose((0.0, 1.6, 0.0), yaw_pitch(yaw, pitch)))]
        if stimulus is not None:
            poses.append(("stimulus", Pose(stimulus)))
        out.append(PoseSample(t0 + i * dt, tuple(poses)))  # type: ignore[arg-type]
    return out


def test_looking_at_away_and_down_by_angle() -> None:
    # at (0°, 15°, 19.9°), neither (30°), away (60°, 180°), down (pitch −40°: 40° off the
    # stimulus, which is straight ahead at eye height)
    heads = [(0, 0), (15, 0), (19.9, 0), (30, 0), (60, 0), (180, 0), (0, -40)]
    b = behaviour(TrackingSamples.from_moments(moments(heads)), 0.0, 10.0)
    assert (b.moments, b.with_stimulus) == (7, 7)
    assert b.at_share == pytest.approx(3 / 7)
    assert b.away_share == pytest.approx(2 / 7)
    assert b.down_share == pytest.approx(1 / 7)
    assert b.closest_m == pytest.approx(2.0)


def test_without_the_stimulus_on_screen_only_down_and_movement_count() -> None:
    b = behaviour(TrackingSamples.from_moments(moments([(0, -35), (0, 0)], None)), 0, 1)
    assert b.at_share is None and b.away_share is None and b.closest_m is None
    assert b.down_share == pytest.approx(0.5) and b.with_stimulus == 0


def test_path_turning_and_gaps() -> None:
    times = [0.0, 0.05, 0.10, 2.0, 2.05]  # a 1.9 s gap (not tracked): left out
    positions = [(0, 1.6, 0), (0.03, 1.6, 0.04), (0.03, 1.6, 0.04), (1.0, 1.6, 0), (1.0, 1.6, 0)]
    quats = [yaw_pitch(0, 0), yaw_pitch(0, 0), yaw_pitch(10, 0), yaw_pitch(90, 0), yaw_pitch(80, 0)]
    head = Track.of("head", times, [Pose(p, q) for p, q in zip(positions, quats, strict=True)])  # type: ignore[arg-type]
    b = behaviour(TrackingSamples({"head": head}), 0.0, 3.0)
    assert b.path_m == pytest.approx(0.05, abs=1e-6)  # 3-4-5 cm, then standing still
    assert b.seconds == pytest.approx(0.15)
    assert b.turn_deg_per_s == pytest.approx(20.0 / 0.15, rel=1e-4)  # 10° + 10° in 0.15 s


def test_windows_take_their_own_moments() -> None:
    samples = TrackingSamples.from_moments(moments([(0, 0)] * 10 + [(90, 0)] * 10))
    first, second = behaviour(samples, 0.0, 0.5), behaviour(samples, 0.5, 1.0)
    assert (first.moments, first.at_share) == (10, 1.0)
    assert (second.moments, second.away_share) == (10, 1.0)


def test_live_batches_add_up_to_the_whole_window() -> None:
    rng = np.random.default_rng(3)
    heads = [(float(y), float(p)) for y, p in rng.uniform(-90, 90, (200, 2))]
    ms = moments(heads, t0=12.0)
    whole = window_sums(TrackingSamples.from_moments(ms), 13.0, 100.0)
    live = LiveBehaviour()
    live.restart(13.0)
    for k in range(0, len(ms), 7):
        live.add(TrackingSamples.from_moments(ms[k : k + 7]))
    got = live.sums
    assert (got.moments, got.with_stimulus, got.at, got.away, got.down) == (
        whole.moments,
        whole.with_stimulus,
        whole.at,
        whole.away,
        whole.down,
    )
    assert got.turn_deg == pytest.approx(whole.turn_deg)
    assert got.seconds == pytest.approx(whole.seconds)
