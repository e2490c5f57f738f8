"""Packing the per-view ``Frame`` uniform block (std140; see shaders/frame.glsl)."""

from __future__ import annotations

import math

import numpy as np

from vrtherapy.world.transforms import camera_position
from vrtherapy.world.types import F32, EnvironmentLook, InteriorLighting

FRAME_BLOCK_SIZE = 448  # bytes: 3 mat4 + 8 vec4, the shadow mat4 + vec4, 3 interior vec4


def aligned(size: int, alignment: int) -> int:
    return (size + alignment - 1) // alignment * alignment


def _unit(v: tuple[float, float, float]) -> tuple[float, float, float]:
    n = math.sqrt(sum(c * c for c in v)) or 1.0
    return (v[0] / n, v[1] / n, v[2] / n)


def pack_frame_block(
    view: F32,
    projection: F32,
    env: EnvironmentLook,
    *,
    fade: float,
    encode_srgb: bool,
    time: float = 0.0,
    shadow_matrix: F32 | None = None,
    shadow: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0),
    interior: InteriorLighting | None = None,
) -> F32:
    """One view's ``Frame`` block as 112 float32 in std140 order.

    Matrices are stored transposed, because GLSL reads them column by column.
    ``shadow_matrix`` and ``shadow`` are the sun's shadow map (``render/shadows.py``);
    ``interior`` the lights of the interior the client is in (none: all zero).
    """
    out = np.zeros(FRAME_BLOCK_SIZE // 4, dtype=np.float32)
    view_projection = projection.astype(np.float64) @ view.astype(np.float64)
    out[0:16] = view.T.ravel()
    out[16:32] = projection.T.ravel()
    out[32:48] = np.linalg.inv(view_projection).T.ravel()
    out[48:51] = camera_position(view)
    to_sun = _unit(env.sun_direction)
    out[52:55] = (-to_sun[0], -to_sun[1], -to_sun[2])
    out[56:59] = [c * env.sun_intensity for c in env.sun_color]
    out[60:63] = env.sky_zenith
    out[64:67] = env.sky_horizon
    out[68:71] = env.ground_ambient
    out[72:75] = env.fog_color
    out[75] = env.fog_density
    out[76:80] = (env.ambient_intensity, 1.0 - min(max(fade, 0.0), 1.0), float(encode_srgb), time)
    if shadow_matrix is not None:
        out[80:96] = shadow_matrix.T.ravel()
    out[96:100] = shadow
    if interior is not None:
        out[100:103] = interior.color
        out[103] = 1.0
        out[104:107] = interior.low
        out[108:111] = interior.high
    return out
