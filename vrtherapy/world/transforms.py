"""4x4 transform matrices (float32, column vectors, metres, +y up), single and batched:
the one place for the project's matrix math, used by the world, the renderer and the
display backends.

Right-handed, OpenGL conventions: cameras look down -z, clip depth -1..1, and
``world = M @ local``. Angles are radians unless a name says degrees. ``rot_x`` by a
positive angle tips +z downwards (a nod); ``rot_y`` by a positive angle turns +z
towards +x. OpenXR reports each view as a pose (position + unit quaternion) and a
field of view of four angles that need not be symmetric, so the projection is the
general off-axis frustum (as the OpenXR SDK's ``XrMatrix4x4f_CreateProjectionFov``
for OpenGL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vrtherapy.world.types import F32

Vec3 = tuple[float, float, float]
FloatArray = npt.NDArray[np.floating]


def identity() -> F32:
    return np.eye(4, dtype=np.float32)


def translate(x: float, y: float, z: float) -> F32:
    m = identity()
    m[:3, 3] = (x, y, z)
    return m


def scale(s: float) -> F32:
    m = identity()
    m[0, 0] = m[1, 1] = m[2, 2] = s
    return m


def rot_x(a: float) -> F32:
    m: F32 = rot_x_batch(np.array([a]))[0]
    return m


def rot_y(a: float) -> F32:
    m: F32 = rot_y_batch(np.array([a]))[0]
    return m


def rot_z(a: float) -> F32:
    m: F32 = rot_z_batch(np.array([a]))[0]
    return m


def _batch(angles: FloatArray, i: int, j: int, sign: float) -> F32:
    a = np.asarray(angles, dtype=np.float64).reshape(-1)
    c, s = np.cos(a), np.sin(a)
    m = np.zeros((a.size, 4, 4), dtype=np.float32)
    m[:, 0, 0] = m[:, 1, 1] = m[:, 2, 2] = m[:, 3, 3] = 1.0
    m[:, i, i] = c
    m[:, j, j] = c
    m[:, i, j] = -sign * s
    m[:, j, i] = sign * s
    return m


def rot_x_batch(angles: FloatArray) -> F32:
    """(N,) angles -> (N, 4, 4) rotations about x."""
    return _batch(angles, 1, 2, 1.0)


def rot_y_batch(angles: FloatArray) -> F32:
    """(N,) angles -> (N, 4, 4) rotations about y."""
    return _batch(angles, 2, 0, 1.0)


def rot_z_batch(angles: FloatArray) -> F32:
    """(N,) angles -> (N, 4, 4) rotations about z."""
    return _batch(angles, 0, 1, 1.0)


def translate_batch(xyz: FloatArray) -> F32:
    """(N, 3) offsets -> (N, 4, 4) translations."""
    v = np.asarray(xyz, dtype=np.float32).reshape(-1, 3)
    m = np.broadcast_to(np.eye(4, dtype=np.float32), (len(v), 4, 4)).copy()
    m[:, :3, 3] = v
    return m


def compose(*ms: F32) -> F32:
    out = identity()
    for m in ms:
        out = out @ m
    return out.astype(np.float32)


def trs(position: Sequence[float], rotation_deg: Sequence[float], s: float) -> F32:
    """Translation, then yaw (about y), pitch (about x), roll (about z) in degrees, then scale."""
    yaw, pitch, roll = (float(np.radians(a)) for a in rotation_deg)
    x, y, z = (float(p) for p in position)
    return compose(translate(x, y, z), rot_y(yaw), rot_x(pitch), rot_z(roll), scale(float(s)))


def apply(m: F32, points: FloatArray) -> F32:
    """Transform (N, 3) points by a 4x4 matrix."""
    p = np.asarray(points, dtype=np.float32).reshape(-1, 3)
    return (p @ m[:3, :3].T + m[:3, 3]).astype(np.float32)


# -- cameras: views and projections ------------------------------------------------------


def camera_position(view: F32) -> F32:
    """Where the camera of a world -> eye matrix sits in the world."""
    inv = np.linalg.inv(view.astype(np.float64))
    return inv[:3, 3].astype(np.float32)


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


def yaw_pitch_quaternion(yaw_degrees: float, pitch_degrees: float) -> tuple[float, ...]:
    """Unit quaternion (x, y, z, w) for a yaw about +y followed by a pitch about +x."""
    hy = math.radians(yaw_degrees) / 2.0
    hp = math.radians(pitch_degrees) / 2.0
    cy, sy, cp, sp = math.cos(hy), math.sin(hy), math.cos(hp), math.sin(hp)
    # q = q_yaw * q_pitch
    return (cy * sp, sy * cp, -sy * sp, cy * cp)


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


def perspective(fov_y_degrees: float, aspect: float, near: float, far: float) -> F32:
    """Symmetric perspective with a vertical field of view and an aspect ratio (w / h)."""
    half_y = math.radians(fov_y_degrees) / 2.0
    half_x = math.atan(math.tan(half_y) * aspect)
    return projection_from_fov(-half_x, half_x, half_y, -half_y, near, far)


def vertical_fov(horizontal_fov_degrees: float, aspect: float) -> float:
    """The vertical field of view that goes with a horizontal one at ``aspect`` (w / h)."""
    half = math.radians(horizontal_fov_degrees) / 2.0
    return math.degrees(2.0 * math.atan(math.tan(half) / aspect))
