"""4x4 transforms as numpy float32 arrays, for column vectors (``world = M @ local``).

OpenGL conventions: right-handed, the camera looks down -z, clip depth -1..1.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from vrtherapy.world.transforms import identity
from vrtherapy.world.transforms import translate as translation

F32 = npt.NDArray[np.float32]

__all__ = [
    "camera_position",
    "identity",
    "look_at",
    "perspective",
    "rotation_x",
    "rotation_y",
    "scaling",
    "translation",
    "vertical_fov",
]


def scaling(sx: float, sy: float | None = None, sz: float | None = None) -> F32:
    m = identity()
    m[0, 0] = sx
    m[1, 1] = sx if sy is None else sy
    m[2, 2] = sx if sz is None else sz
    return m


def rotation_x(degrees: float) -> F32:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    m = identity()
    m[1, 1], m[1, 2], m[2, 1], m[2, 2] = c, -s, s, c
    return m


def rotation_y(degrees: float) -> F32:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    m = identity()
    m[0, 0], m[0, 2], m[2, 0], m[2, 2] = c, s, -s, c
    return m


def perspective(fov_y_degrees: float, aspect: float, near: float, far: float) -> F32:
    """Symmetric perspective projection (like gluPerspective)."""
    f = 1.0 / math.tan(math.radians(fov_y_degrees) / 2.0)
    m = np.zeros((4, 4), dtype=np.float32)
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def vertical_fov(horizontal_fov_degrees: float, aspect: float) -> float:
    """The vertical field of view that goes with a horizontal one at ``aspect`` (w / h)."""
    half = math.radians(horizontal_fov_degrees) / 2.0
    return math.degrees(2.0 * math.atan(math.tan(half) / aspect))


def look_at(eye: tuple[float, float, float], target: tuple[float, float, float]) -> F32:
    """World -> eye matrix of a camera at ``eye`` looking at ``target`` (+y up)."""
    e = np.asarray(eye, dtype=np.float64)
    f = np.asarray(target, dtype=np.float64) - e
    f /= np.linalg.norm(f)
    up = np.array([0.0, 1.0, 0.0]) if abs(f[1]) < 0.999 else np.array([0.0, 0.0, -1.0])
    s = np.cross(f, up)
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ e
    return m.astype(np.float32)


def camera_position(view: F32) -> F32:
    """Where the camera of a world -> eye matrix sits in the world."""
    inv = np.linalg.inv(view.astype(np.float64))
    return inv[:3, 3].astype(np.float32)
