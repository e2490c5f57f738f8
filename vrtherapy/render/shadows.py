"""The sun's shadow map: one depth-only pass per frame, shared by both eyes.

The pass draws the frame's opaque batches (the same instanced draw commands the eyes
use) and its skinned characters from the sun into a depth texture;
the lit shader (``scene.frag.glsl``) compares against it with percentage-closer
filtering. Glass is not drawn into it, so sunlight passes through windows.

The light's box is orthographic and fitted, without cascades, to a sphere around
the floor the client stands on: wide enough to hold the ground below a balcony or
an elevator (its radius grows in powers of two with the height, so the texel size
changes only at a few heights), and its centre is snapped to whole texels in light
space. It depends on where the client stands, not on the head: shadows do not
crawl or shimmer when the client looks or leans around.

The light box (:func:`light_box`) is pure numpy, tested without GL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrtherapy.world.types import F32, EnvironmentLook, ShadowQuality

SHADOW_TEXTURE_UNIT = 1  # unit 0 is the panels' glyph atlas


@dataclass(frozen=True)
class ShadowSettings:
    """What a quality level costs: the map's size and the PCF kernel's half-width."""

    size: int  # texels on a side
    pcf_radius: int  # 0: one (bilinear, 2x2) comparison; 1: 3x3 of them; 2: 5x5


QUALITY: dict[ShadowQuality, ShadowSettings | None] = {
    "off": None,
    "low": ShadowSettings(1024, 0),
    "medium": ShadowSettings(2048, 1),
    "high": ShadowSettings(4096, 2),
}

MIN_RADIUS = 40.0  # metres around the client's floor that always get shadows
CASTER_MARGIN = 160.0  # metres up-sun of the box that still cast into it (a tower)
NORMAL_OFFSET_TEXELS = 1.5  # the lookup moves this far along the surface normal
DEPTH_BIAS_TEXELS = 1.0  # and compares this much closer to the sun (grazing: more)


@dataclass(frozen=True)
class LightBox:
    """The sun's orthographic box: world -> shadow-map coordinates (0..1 in x, y and
    depth), the world size of one texel, and the box's radius."""

    matrix: F32  # (4, 4) world -> [0, 1]^3
    texel: float  # metres per texel
    radius: float
    depth_range: float  # metres from the map's depth 0 to depth 1


def fitted_radius(standing_height: float) -> float:
    """The box radius for a client whose floor is ``standing_height`` metres up: the
    sphere reaches the ground below and ``MIN_RADIUS`` around; powers of two only."""
    needed = max(standing_height, 0.0) * 0.5 + MIN_RADIUS
    return MIN_RADIUS * 2.0 ** math.ceil(math.log2(needed / MIN_RADIUS))


def _basis(light_dir: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = light_dir / np.linalg.norm(light_dir)
    helper = np.array([0.0, 0.0, 1.0]) if abs(f[1]) > 0.9 else np.array([0.0, 1.0, 0.0])
    r = np.cross(helper, f)
    r /= np.linalg.norm(r)
    u = np.cross(f, r)
    return r, u, f


def light_box(sun_direction: Sequence[float], standing_height: float, size: int) -> LightBox:
    """The light box for a sun shining along ``sun_direction`` onto a client standing
    ``standing_height`` metres up at x = z = 0 (the draw list's frame)."""
    r, u, f = _basis(np.asarray(sun_direction, dtype=np.float64))
    radius = fitted_radius(standing_height)
    texel = 2.0 * radius / size
    centre = np.array([0.0, standing_height * 0.5, 0.0])
    # snapped to whole texels across the light, so moving the box never resamples
    cx = math.floor(float(r @ centre) / texel) * texel
    cy = math.floor(float(u @ centre) / texel) * texel
    cd = float(f @ centre)
    near, far = cd - radius - CASTER_MARGIN, cd + radius
    m = np.zeros((4, 4))
    m[0, :3], m[0, 3] = r / (2 * radius), 0.5 - cx / (2 * radius)
    m[1, :3], m[1, 3] = u / (2 * radius), 0.5 - cy / (2 * radius)
    m[2, :3], m[2, 3] = f / (far - near), -near / (far - near)
    m[3, 3] = 1.0
    return LightBox(m.astype(np.float32), texel, radius, far - near)


def casts_shadows(env: EnvironmentLook, quality: ShadowQuality) -> bool:
    return env.shadows and QUALITY[quality] is not None and env.sun_intensity > 0.0


def shadow_params(box: LightBox | None, quality: ShadowQuality) -> tuple[float, ...]:
    """The ``u_shadow`` vector of the Frame block (see frame.glsl): PCF half-width + 1,
    one texel (map units), normal offset (metres), depth bias (map depth units); all
    zero when the frame has no shadow map."""
    settings = QUALITY[quality]
    if box is None or settings is None:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        float(settings.pcf_radius + 1),
        1.0 / settings.size,
        NORMAL_OFFSET_TEXELS * box.texel,
        DEPTH_BIAS_TEXELS * box.texel / box.depth_range,
    )


# Clip space of the depth pass: the shadow-map coordinates mapped back to -1..1.
_TO_CLIP = np.array([[2, 0, 0, -1], [0, 2, 0, -1], [0, 0, 2, -1], [0, 0, 0, 1]], dtype=np.float64)


class ShadowPass:
    """The GL side: a depth texture and framebuffer, and the depth-only program.

    ``draw`` renders the frame's opaque batches (their instance rows already uploaded)
    into the map and binds the map on ``SHADOW_TEXTURE_UNIT`` for the lit programs
    (every frame: the binding is the context's, shared with any other renderer in it)."""

    def __init__(self, gl: Any, quality: ShadowQuality) -> None:
        from vrtherapy.render.shaders import build_program

        self.gl = gl
        self.quality: ShadowQuality = quality
        self._program = build_program("shadow.vert.glsl", "shadow.frag.glsl")
        self._u_light = int(gl.glGetUniformLocation(self._program, "u_light"))
        self._texture = 0
        self._framebuffer = 0
        self._size = 0

    def _ensure_map(self, size: int) -> None:
        if size == self._size:
            return
        gl = self.gl
        self._free_map()
        self._texture = int(gl.glGenTextures(1))
        gl.glActiveTexture(gl.GL_TEXTURE0 + SHADOW_TEXTURE_UNIT)
        gl.glBindTexture(gl.GL_TEXTURE_2D, self._texture)
        gl.glTexImage2D(
            gl.GL_TEXTURE_2D,
            0,
            gl.GL_DEPTH_COMPONENT24,
            size,
            size,
            0,
            gl.GL_DEPTH_COMPONENT,
            gl.GL_UNSIGNED_INT,
            None,
        )
        for name, value in (
            (gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR),
            (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
            (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_BORDER),
            (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_BORDER),
            (gl.GL_TEXTURE_COMPARE_MODE, gl.GL_COMPARE_REF_TO_TEXTURE),
            (gl.GL_TEXTURE_COMPARE_FUNC, gl.GL_LEQUAL),
        ):
            gl.glTexParameteri(gl.GL_TEXTURE_2D, name, value)
        # beyond the map: lit
        gl.glTexParameterfv(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_BORDER_COLOR, [1.0, 1.0, 1.0, 1.0])
        gl.glActiveTexture(gl.GL_TEXTURE0)
        self._framebuffer = int(gl.glGenFramebuffers(1))
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._framebuffer)
        gl.glFramebufferTexture2D(
            gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, gl.GL_TEXTURE_2D, self._texture, 0
        )
        gl.glDrawBuffer(gl.GL_NONE)
        gl.glReadBuffer(gl.GL_NONE)
        status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"shadow map framebuffer incomplete (status 0x{int(status):x})")
        self._size = size

    def box(self, env: EnvironmentLook, standing_height: float) -> LightBox | None:
        """The frame's light box, or None when this frame casts no shadows."""
        settings = QUALITY[self.quality]
        if settings is None or not casts_shadows(env, self.quality):
            return None
        return light_box(env.sun_direction, standing_height, settings.size)

    def draw(self, box: LightBox, draw_casters: Callable[[F32], None]) -> None:
        """Render the map from the sun: ``draw_casters`` draws the frame's opaque batches
        with the program in use (the depth-only one here), and may draw other casters
        (skinned characters) with programs of their own, given the light's clip matrix
        (world -> the map's clip space, row-major)."""
        settings = QUALITY[self.quality]
        assert settings is not None  # box() said this frame has shadows
        self._ensure_map(settings.size)
        gl = self.gl
        size = settings.size
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._framebuffer)
        gl.glViewport(0, 0, size, size)
        gl.glScissor(0, 0, size, size)
        gl.glClear(gl.GL_DEPTH_BUFFER_BIT)
        gl.glUseProgram(self._program)
        clip = (_TO_CLIP @ box.matrix.astype(np.float64)).astype(np.float32)
        gl.glUniformMatrix4fv(self._u_light, 1, gl.GL_TRUE, clip)
        draw_casters(clip)
        # texture bindings are the context's: another renderer in it may have bound its
        # own map on the unit since (or deleted it, leaving none), so bind ours each frame
        gl.glActiveTexture(gl.GL_TEXTURE0 + SHADOW_TEXTURE_UNIT)
        gl.glBindTexture(gl.GL_TEXTURE_2D, self._texture)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def _free_map(self) -> None:
        if self._framebuffer:
            self.gl.glDeleteFramebuffers(1, [self._framebuffer])
        if self._texture:
            self.gl.glDeleteTextures(1, [self._texture])
        self._texture = self._framebuffer = self._size = 0

    def release(self) -> None:
        self._free_map()
        self.gl.glDeleteProgram(self._program)
