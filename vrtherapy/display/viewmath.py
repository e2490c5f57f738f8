"""View and projection matrices for display backends (numpy, OpenGL conventions).

Right-handed, metres, +y up, cameras look down -z, clip depth -1..1; matrices act
on column vectors. OpenXR reports each view as a pose (position + unit quaternion)
and a field of view given as four angles that need not be symmetric, so the
projection here is the general off-axis frustum (as in the OpenXR SDK's
``XrMatrix4x4f_CreateProjectionFov`` for OpenGL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vrtherapy.display.base import F32


def pose_matrix(position: Sequence[float], orientation_xyzw: Sequence[float]) -> F32:
    """Local -> reference-space matrix of a pose (translation @ rotation)."""
    x, y, z, w = (float(v) for v in orientation_xyzw)
    n = math.sqrt(x * x + y * y + z * z + w * w)
    if n == 0.0:
        x, y, z, w = 0.0, 0.0, 0.0, 1.0
    else:
        x, y, z, w = x / n, y / n, z / n, w / n
    m = np.eye(4, dtype=np.float64)
    m[0, :3] = (1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w))
    m[1, :3] = (2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w))
    m[2, :3] = (2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y))
    m[:3, 3] = [float(v) for v in position]
    return m.astype(np.float32)


def view_from_pose(position: Sequence[float], orientation_xyzw: Sequence[float]) -> F32:
    """World -> eye matrix for an eye at ``position`` with ``orientation`` (rigid inverse)."""
    m = pose_matrix(position, orientation_xyzw).astype(np.float64)
    r = m[:3, :3]
    inv = np.eye(4, dtype=np.float64)
    inv[:3, :3] = r.T
    inv[:3, 3] = -r.T @ m[:3, 3]
    return inv.astype(np.float32)


def projection_from_fov(
    angle_left: float,
    angle_right: float,
    angle_up: float,
    angle_down: float,
    near: float,
    far: float,
) -> F32:
    """Off-axis OpenGL projection from OpenXR field-of-view angles (radians).

    ``angle_left`` and ``angle_down`` are normally negative, ``angle_right`` and
    ``angle_up`` positive.
    """
    if not 0.0 < near < far:
        raise ValueError(f"need 0 < near < far, got near={near}, far={far}")
    tan_left = math.tan(angle_left)
    tan_right = math.tan(angle_right)
    tan_up = math.tan(angle_up)
    tan_down = math.tan(angle_down)
    width = tan_right - tan_left
    height = tan_up - tan_down
    if width <= 0.0 or height <= 0.0:
        raise ValueError("field of view has no extent (check the angle signs)")
    m = np.zeros((4, 4), dtype=np.float64)
    m[0, 0] = 2.0 / width
    m[0, 2] = (tan_right + tan_left) / width
    m[1, 1] = 2.0 / height
    m[1, 2] = (tan_up + tan_down) / height
    m[2, 2] = -(far + near) / (far - near)
    m[2, 3] = -2.0 * far * near / (far - near)
    m[3, 2] = -1.0
    return m.astype(np.float32)


def symmetric_projection(fov_y_degrees: float, aspect: float, near: float, far: float) -> F32:
    """Symmetric perspective with a vertical field of view and an aspect ratio (w / h)."""
    half_y = math.radians(fov_y_degrees) / 2.0
    half_x = math.atan(math.tan(half_y) * aspect)
    return projection_from_fov(-half_x, half_x, half_y, -half_y, near, far)


def yaw_pitch_quaternion(yaw_degrees: float, pitch_degrees: float) -> tuple[float, ...]:
    """Unit quaternion (x, y, z, w) for a yaw about +y followed by a pitch about +x."""
    hy = math.radians(yaw_degrees) / 2.0
    hp = math.radians(pitch_degrees) / 2.0
    cy, sy, cp, sp = math.cos(hy), math.sin(hy), math.cos(hp), math.sin(hp)
    # q = q_yaw * q_pitch
    return (cy * sp, sy * cp, -sy * sp, cy * cp)
