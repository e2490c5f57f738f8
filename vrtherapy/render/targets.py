"""Off-screen render targets: an sRGB colour attachment and a depth buffer.

With ``samples > 0`` the target draws into multisampled renderbuffers and
``resolve()`` blits them into the single-sampled texture that is read back.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from OpenGL import GL

from vrtherapy.world.types import F32

U8 = npt.NDArray[np.uint8]


class FramebufferError(RuntimeError):
    pass


def _check_complete(what: str) -> None:
    status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
    if status != GL.GL_FRAMEBUFFER_COMPLETE:
        raise FramebufferError(f"{what} framebuffer incomplete (status 0x{int(status):x})")


class RenderTarget:
    """A ``width`` x ``height`` target; draw into ``framebuffer``, read with ``read_pixels``."""

    def __init__(self, width: int, height: int, samples: int = 0) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"render target size must be positive, got {width}x{height}")
        self.width, self.height, self.samples = width, height, samples
        self.texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.texture)
        GL.glTexImage2D(
            GL.GL_TEXTURE_2D,
            0,
            GL.GL_SRGB8_ALPHA8,
            width,
            height,
            0,
            GL.GL_RGBA,
            GL.GL_UNSIGNED_BYTE,
            None,
        )
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self.resolved = int(GL.glGenFramebuffers(1))
        self._renderbuffers: list[int] = []
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.resolved)
        GL.glFramebufferTexture2D(
            GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self.texture, 0
        )
        if samples > 0:
            _check_complete("resolve")
            self.framebuffer = int(GL.glGenFramebuffers(1))
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.framebuffer)
            color = self._renderbuffer(GL.GL_SRGB8_ALPHA8)
            GL.glFramebufferRenderbuffer(
                GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, color
            )
        else:
            self.framebuffer = self.resolved
        depth = self._renderbuffer(GL.GL_DEPTH_COMPONENT24)
        GL.glFramebufferRenderbuffer(
            GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, depth
        )
        _check_complete("eye")
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)

    def _renderbuffer(self, fmt: int) -> int:
        rb = int(GL.glGenRenderbuffers(1))
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, rb)
        if self.samples > 0:
            GL.glRenderbufferStorageMultisample(
                GL.GL_RENDERBUFFER, self.samples, fmt, self.width, self.height
            )
        else:
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, self.width, self.height)
        self._renderbuffers.append(rb)
        return rb

    @property
    def viewport(self) -> tuple[int, int, int, int]:
        return (0, 0, self.width, self.height)

    def resolve(self) -> None:
        """Copy the multisampled image into the readable texture (no-op without MSAA)."""
        if self.framebuffer == self.resolved:
            return
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.framebuffer)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self.resolved)
        w, h = self.width, self.height
        GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT, GL.GL_NEAREST)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)

    def read_pixels(self, alpha: bool = False) -> U8:
        """The stored (sRGB-encoded) pixels, top row first: (H, W, 3) or (H, W, 4) uint8."""
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.resolved)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        fmt = GL.GL_RGBA if alpha else GL.GL_RGB
        raw = GL.glReadPixels(0, 0, self.width, self.height, fmt, GL.GL_UNSIGNED_BYTE)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        channels = 4 if alpha else 3
        image = np.frombuffer(raw, dtype=np.uint8).reshape(self.height, self.width, channels)
        return np.ascontiguousarray(image[::-1])

    def read_depth(self) -> F32:
        """Window-space depth (0 near .. 1 far), top row first; single-sampled targets only."""
        if self.samples > 0:
            raise ValueError("read_depth needs a target without multisampling")
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.resolved)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        raw = GL.glReadPixels(0, 0, self.width, self.height, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        depth = np.frombuffer(raw, dtype=np.float32).reshape(self.height, self.width)
        return np.ascontiguousarray(depth[::-1])

    def release(self) -> None:
        fbs = {self.framebuffer, self.resolved}
        GL.glDeleteFramebuffers(len(fbs), list(fbs))
        GL.glDeleteRenderbuffers(len(self._renderbuffers), self._renderbuffers)
        GL.glDeleteTextures(1, [self.texture])
        self._renderbuffers = []
