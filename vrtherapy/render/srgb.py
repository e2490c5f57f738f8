"""sRGB transfer functions: the renderer shades in linear light and stores sRGB."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]


def srgb_to_linear(c: float | FloatArray) -> FloatArray:
    a = np.asarray(c, dtype=np.float64)
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: float | FloatArray) -> FloatArray:
    a = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(a <= 0.0031308, a * 12.92, 1.055 * a ** (1.0 / 2.4) - 0.055)


def hex_to_linear(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """'#rrggbb' (sRGB, as authors write colours) -> linear RGBA."""
    h = color.lstrip("#")
    rgb = srgb_to_linear(np.array([int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]))
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]), alpha)
