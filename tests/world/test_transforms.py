"""One transforms module for the world, the renderer and the display backends."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np

from vrtherapy.world.transforms import (
    camera_position,
    perspective,
    pose_matrix,
    projection_from_fov,
    rot_x,
    rot_y,
    translate,
    view_from_pose,
    yaw_pitch_quaternion,
)

PACKAGE = Path(__file__).resolve().parents[2] / "vrtherapy"


def test_a_pose_from_yaw_and_pitch_is_the_same_rotation_as_rot_y_then_rot_x() -> None:
    for yaw, pitch in ((30.0, -20.0), (-120.0, 45.0), (0.0, 89.0)):
        pose = pose_matrix((0.5, 1.6, -2.0), yaw_pitch_quaternion(yaw, pitch))
        composed = translate(0.5, 1.6, -2.0) @ rot_y(math.radians(yaw)) @ rot_x(math.radians(pitch))
        np.testing.assert_allclose(pose, composed, atol=1e-6)
        view = view_from_pose((0.5, 1.6, -2.0), yaw_pitch_quaternion(yaw, pitch))
        np.testing.assert_allclose(camera_position(view), [0.5, 1.6, -2.0], atol=1e-5)


def test_the_symmetric_perspective_is_the_off_axis_one_with_equal_halves() -> None:
    half = math.radians(35.0)
    aspect = 1.5
    half_x = math.atan(math.tan(half) * aspect)
    np.testing.assert_allclose(
        perspective(70.0, aspect, 0.1, 100.0),
        projection_from_fov(-half_x, half_x, half, -half, 0.1, 100.0),
        rtol=1e-6,
    )
    m = perspective(90.0, 1.0, 1.0, 10.0)
    assert m[0, 0] == m[1, 1] == np.float32(1.0)  # tan(45°) = 1


def test_the_math_and_the_f32_alias_live_in_one_place() -> None:
    for gone in ("vrtherapy.render.matrices", "vrtherapy.display.viewmath"):
        assert importlib.util.find_spec(gone) is None
    # the packages that may import the world (audio may not: it keeps its own)
    defining = [
        p.relative_to(PACKAGE).as_posix()
        for folder in ("world", "render", "display", "app")
        for p in (PACKAGE / folder).rglob("*.py")
        if re.search(r"^F32\s*=", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert defining == ["world/types.py"]
