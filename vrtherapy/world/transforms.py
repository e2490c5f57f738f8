"""4x4 transform matrices (float32, column vectors, metres, +y up), single and batched.

Angles are radians unless a name says degrees. ``rot_x`` by a positive angle tips
+z downwards (a nod); ``rot_y`` by a positive angle turns +z towards +x.
"""

from __future__ import annotations

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
