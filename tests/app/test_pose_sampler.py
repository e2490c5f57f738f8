"""The render thread's sampler: a fixed rate of session time whatever the frame rate,
small immutable batches to the engine thread, poses read correctly off the matrices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from vrtherapy.app.pose_sampler import PoseSampler, head_pose, pose_of
from vrtherapy.session.tracking import PoseSample
from vrtherapy.world.transforms import pose_matrix, view_from_pose, yaw_pitch_quaternion


@dataclass(frozen=True)
class View:
    view: Any


def test_frames_at_90_hz_give_moments_at_20_hz_in_batches() -> None:
    batches: list[tuple[str, tuple[PoseSample, ...]]] = []
    sampler = PoseSampler(lambda sid, b: batches.append((sid, b)))
    views = [View(view_from_pose((0.0, 1.6, 0.0), (0.0, 0.0, 0.0, 1.0)))]
    took = sum(sampler.frame("s1", i / 90, views) for i in range(900))  # 10 s
    sampler.flush()
    moments = [m for _, b in batches for m in b]
    assert took == len(moments) == 200
    assert np.allclose(np.diff([m.t for m in moments]), 0.05, atol=1 / 90)
    assert all(sid == "s1" for sid, _ in batches)
    assert max(len(b) for _, b in batches) <= 7  # about a quarter second each
    # a slow display: every frame is a moment, never two at once
    slow: list[PoseSample] = []
    other = PoseSampler(lambda sid, b: slow.extend(b))
    assert all(other.frame("s1", i / 10, views) for i in range(20))
    other.flush()
    assert len(slow) == 20


def test_a_new_session_hands_over_what_the_last_one_gathered() -> None:
    batches: list[tuple[str, tuple[PoseSample, ...]]] = []
    sampler = PoseSampler(lambda sid, b: batches.append((sid, b)))
    views = [View(view_from_pose((0.0, 1.6, 0.0), (0.0, 0.0, 0.0, 1.0)))]
    sampler.frame("s1", 0.0, views)
    sampler.frame("s2", 0.0, views)
    assert batches and batches[0][0] == "s1"


@pytest.mark.parametrize(("yaw", "pitch"), [(0, 0), (35, -20), (-170, 60), (90, 0)])
def test_head_and_controller_poses_come_back_from_their_matrices(yaw: float, pitch: float) -> None:
    q = yaw_pitch_quaternion(yaw, pitch)
    eyes = [View(view_from_pose((x, 1.5, -0.2), q)) for x in (-0.032, 0.032)]
    head = head_pose(eyes)
    assert head.position == pytest.approx((0.0, 1.5, -0.2), abs=1e-5)
    same = abs(float(np.dot(head.orientation, q)))
    assert same == pytest.approx(1.0, abs=1e-6)
    hand = pose_of(pose_matrix((0.3, 1.1, -0.4), q))
    assert hand.position == pytest.approx((0.3, 1.1, -0.4), abs=1e-6)
    assert abs(float(np.dot(hand.orientation, q))) == pytest.approx(1.0, abs=1e-6)
