"""Asynchronous readback of a small mirror image for the therapist console.

``capture()`` (after each rendered frame, on the GL thread) starts a readback at
most ``max_rate_hz`` times a second: the eye image is scaled into a small
framebuffer and read into a pixel buffer object, with a fence. Nothing waits:
``latest()`` returns the newest image whose fence has signalled (the previous
capture's), or None before the first one is ready.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from OpenGL import GL
from OpenGL.raw.GL.VERSION.GL_1_0 import glReadPixels as raw_read_pixels

from vrtherapy.render.targets import RenderTarget

U8 = npt.NDArray[np.uint8]


@dataclass
class _Slot:
    buffer: int
    fence: Any = None  # GLsync while a read is in flight
    started: float = 0.0


class MirrorReadback:
    """Small RGB mirror images of an eye view, read back without stalling the frame."""

    def __init__(
        self,
        width: int = 320,
        height: int = 240,
        max_rate_hz: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        slots: int = 2,
    ) -> None:
        self.width, self.height = width, height
        self.min_interval = 1.0 / max_rate_hz
        self.clock = clock
        self._target = RenderTarget(width, height)
        self._size = width * height * 4
        self._slots = [_Slot(int(b)) for b in np.atleast_1d(GL.glGenBuffers(slots))]
        for slot in self._slots:
            GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, slot.buffer)
            GL.glBufferData(GL.GL_PIXEL_PACK_BUFFER, self._size, None, GL.GL_STREAM_READ)
        GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, 0)
        self._next = 0
        self._last_start = -float("inf")
        self._image: U8 | None = None
        self._image_time = 0.0
        self.captures = 0  # readbacks started
        self.completed = 0  # readbacks finished and turned into images

    def capture(self, framebuffer: int, viewport: tuple[int, int, int, int]) -> bool:
        """Start reading ``viewport`` of a single-sampled framebuffer, if one is due and a
        pixel buffer is free; return whether a readback started."""
        self._collect()
        now = self.clock()
        if now - self._last_start < self.min_interval:
            return False
        slot = self._slots[self._next]
        if slot.fence is not None:
            return False  # all buffers still in flight: skip rather than wait
        x, y, w, h = viewport
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, framebuffer)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._target.framebuffer)
        GL.glBlitFramebuffer(
            x, y, x + w, y + h, 0, 0, self.width, self.height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR
        )
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._target.framebuffer)
        GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, slot.buffer)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        raw_read_pixels(
            0, 0, self.width, self.height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, ctypes.c_void_p(0)
        )
        GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, 0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        slot.fence = GL.glFenceSync(GL.GL_SYNC_GPU_COMMANDS_COMPLETE, 0)
        slot.started = now
        GL.glFlush()  # make sure the fence is submitted, so it can signal
        self._next = (self._next + 1) % len(self._slots)
        self._last_start = now
        self.captures += 1
        return True

    def _collect(self) -> None:
        """Turn every finished readback into the latest image, oldest first; never waits."""
        for slot in sorted(self._slots, key=lambda s: s.started):
            if slot.fence is None:
                continue
            status = GL.glClientWaitSync(slot.fence, 0, 0)
            if status not in (GL.GL_ALREADY_SIGNALED, GL.GL_CONDITION_SATISFIED):
                continue
            GL.glDeleteSync(slot.fence)
            slot.fence = None
            GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, slot.buffer)
            pointer = GL.glMapBufferRange(
                GL.GL_PIXEL_PACK_BUFFER, 0, self._size, GL.GL_MAP_READ_BIT
            )
            try:
                data = ctypes.string_at(pointer, self._size)
            finally:
                GL.glUnmapBuffer(GL.GL_PIXEL_PACK_BUFFER)
                GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, 0)
            rgba = np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 4)
            self._image = np.ascontiguousarray(rgba[::-1, :, :3])
            self._image_time = slot.started
            self.completed += 1

    def latest(self) -> U8 | None:
        """The newest finished mirror image, (H, W, 3) uint8 sRGB, top row first."""
        self._collect()
        return self._image

    @property
    def latest_time(self) -> float:
        """Clock time at which the newest image's readback started."""
        return self._image_time

    def release(self) -> None:
        for slot in self._slots:
            if slot.fence is not None:
                GL.glDeleteSync(slot.fence)
                slot.fence = None
        GL.glDeleteBuffers(len(self._slots), [s.buffer for s in self._slots])
        self._target.release()
