"""Headless display backend: EGL without a window, one framebuffer per eye.

For tests, screenshots (``vrtherapy snapshot``), benchmarks and running a
session without a headset. The head is a fixed, standing pose in tracking space
(the client's floor at y = 0, facing -z); eyes sit ``ipd`` apart, each with a
symmetric perspective projection. Frames are paced by a simulated clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from vrtherapy.display.base import (
    DisplayUnavailable,
    EyeView,
    FrameResult,
    InputEvent,
    RenderViews,
)
from vrtherapy.display.egl import EglContext
from vrtherapy.render.targets import RenderTarget
from vrtherapy.world.transforms import perspective, rot_x, rot_y, translate, vertical_fov
from vrtherapy.world.types import F32

U8 = npt.NDArray[np.uint8]

LEFT, RIGHT = 0, 1


class Head(Protocol):
    """Anything that says where the head is: head -> tracking space."""

    def matrix(self) -> F32: ...


@dataclass(frozen=True)
class HeadPose:
    """Where the head is, in tracking space. Pitch < 0 looks down; yaw > 0 turns left."""

    eye_height: float = 1.6
    x: float = 0.0
    z: float = 0.0
    yaw_degrees: float = 0.0
    pitch_degrees: float = 0.0

    def matrix(self) -> F32:
        """Head -> tracking space."""
        return (
            translate(self.x, self.eye_height, self.z)
            @ rot_y(math.radians(self.yaw_degrees))
            @ rot_x(math.radians(self.pitch_degrees))
        ).astype(np.float32)


def eye_offsets(eyes: int, ipd: float) -> list[float]:
    """Horizontal offset of each eye from the head centre: left negative."""
    if eyes == 1:
        return [0.0]
    return [(-ipd / 2.0 + ipd * i / (eyes - 1)) for i in range(eyes)]


class HeadlessDisplay:
    """A DisplayBackend with no window: renders each eye into its own framebuffer."""

    name = "headless"

    def __init__(
        self,
        size: tuple[int, int] = (640, 480),
        *,
        eyes: int = 2,
        fov_degrees: float = 95.0,
        ipd: float = 0.064,
        head: Head | None = None,
        samples: int = 0,
        refresh_hz: float = 90.0,
        near: float = 0.05,
        far: float = 3000.0,
        max_frames: int | None = None,
        finish: bool = False,
    ) -> None:
        if eyes < 1:
            raise ValueError(f"need at least one eye, got {eyes}")
        self.size = size
        self.eyes = eyes
        self.fov_degrees = fov_degrees  # horizontal
        self.ipd = ipd
        self.head: Head = head or HeadPose()
        self.samples = samples
        self.refresh_hz = refresh_hz
        self.near, self.far = near, far
        self.max_frames = max_frames
        # wait until each frame is drawn to its last pixel, as a compositor waits before it
        # shows one: on llvmpipe the rasteriser otherwise runs on behind the frame, and a
        # frame's time would leave out its drawing (benchmarks that compare frames use it)
        self.finish = finish
        self.stop_reason = ""
        self.frames = 0
        self._context: EglContext | None = None
        self._targets: list[RenderTarget] = []
        self._input: list[InputEvent] = []

    # -- DisplayBackend ------------------------------------------------------

    def open(self) -> None:
        if self._context is not None:
            return
        self._context = EglContext()
        try:
            w, h = self.size
            self._targets = [RenderTarget(w, h, self.samples) for _ in range(self.eyes)]
        except Exception as exc:
            self.close()
            raise DisplayUnavailable(f"could not create {w}x{h} eye framebuffers: {exc}") from None

    def frame(self, render: RenderViews) -> FrameResult:
        if self._context is None:
            raise RuntimeError("HeadlessDisplay.frame() before open()")
        if self.max_frames is not None and self.frames >= self.max_frames:
            self.stop_reason = f"the headless display's limit of {self.max_frames} frames"
            return "stopped"
        self._context.make_current()
        render(self.views(), self.frames / self.refresh_hz)
        for target in self._targets:
            target.resolve()
        if self.finish:
            from OpenGL import GL  # imported once the context has picked EGL

            GL.glFinish()
        self.frames += 1
        return "rendered"

    def poll_input(self) -> list[InputEvent]:
        events, self._input = self._input, []
        return events

    def close(self) -> None:
        if self._context is not None:
            self._context.make_current()
            for target in self._targets:
                target.release()
            self._context.close()
        self._targets = []
        self._context = None

    # -- headless extras -----------------------------------------------------

    def make_current(self) -> None:
        """Make this display's GL context current (before creating a Renderer for it)."""
        if self._context is None:
            raise RuntimeError("HeadlessDisplay.make_current() before open()")
        self._context.make_current()

    @property
    def targets(self) -> Sequence[RenderTarget]:
        """The eye framebuffers (e.g. for a mirror readback of one eye)."""
        return tuple(self._targets)

    def push_input(self, event: InputEvent) -> None:
        """Queue an input event, as if the client had given it (tests, synthetic clients)."""
        self._input.append(event)

    def projection(self) -> F32:
        w, h = self.size
        aspect = w / h
        return perspective(vertical_fov(self.fov_degrees, aspect), aspect, self.near, self.far)

    def eye_matrices(self) -> list[F32]:
        """Tracking space -> eye, per eye."""
        head = self.head.matrix()
        return [
            np.linalg.inv(head @ translate(dx, 0.0, 0.0)).astype(np.float32)
            for dx in eye_offsets(self.eyes, self.ipd)
        ]

    def views(self) -> Sequence[EyeView]:
        projection = self.projection()
        return [
            EyeView(i, view, projection, t.framebuffer, t.viewport)
            for i, (view, t) in enumerate(zip(self.eye_matrices(), self._targets, strict=True))
        ]

    def read_pixels(self, eye: int = LEFT, alpha: bool = False) -> U8:
        """The last frame of one eye as stored (sRGB): (H, W, 3), or (H, W, 4) with alpha."""
        if not self._targets:
            raise RuntimeError("HeadlessDisplay.read_pixels() before open()")
        if self._context is not None:
            self._context.make_current()
        return self._targets[eye].read_pixels(alpha)

    def read_distance(self, eye: int = LEFT) -> F32:
        """Distance along the view axis (metres) of what each pixel shows, top row first;
        ``far`` where only sky was drawn. Needs ``samples=0``."""
        if not self._targets:
            raise RuntimeError("HeadlessDisplay.read_distance() before open()")
        if self._context is not None:
            self._context.make_current()
        d = self._targets[eye].read_depth().astype(np.float64)
        ndc = 2.0 * d - 1.0
        n, f = self.near, self.far
        return (2.0 * n * f / (f + n - ndc * (f - n))).astype(np.float32)

    def __enter__(self) -> HeadlessDisplay:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
