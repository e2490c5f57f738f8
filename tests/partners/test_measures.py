"""Automatic measures: how long the client's head points at the partner's face."""

from __future__ import annotations

import numpy as np
import pytest

from vrtherapy.partners.measures import FaceGaze, response_latency

FACE = np.array([0.0, 1.6, -1.5])
HEAD = np.array([0.0, 1.6, 0.0])


def direction(yaw_deg: float, pitch_deg: float = 0.0) -> np.ndarray:
    y, p = np.radians(yaw_deg), np.radians(pitch_deg)
    return np.array([-np.sin(y) * np.cos(p), np.sin(p), -np.cos(y) * np.cos(p)])


def test_share_counts_time_within_the_cone_around_the_face() -> None:
    meter = FaceGaze()
    assert meter.share is None
    for _ in range(30):  # 3 s at the face, slightly off-centre
        meter = meter.add(0.1, HEAD, direction(8.0), FACE)
    for _ in range(10):  # 1 s looking down at the floor
        meter = meter.add(0.1, HEAD, direction(0.0, -40.0), FACE)
    for _ in range(10):  # 1 s looking away sideways
        meter = meter.add(0.1, HEAD, direction(30.0), FACE)
    assert meter.total_s == pytest.approx(5.0)
    assert meter.share == pytest.approx(0.6)


def test_bad_intervals_are_ignored_and_latency_is_never_negative() -> None:
    meter = (
        FaceGaze().add(float("nan"), HEAD, direction(0.0), FACE).add(-1, HEAD, direction(0), FACE)
    )
    assert meter.total_s == 0.0
    assert response_latency(10.0, 12.5) == 2.5
    assert response_latency(10.0, 9.0) == 0.0
