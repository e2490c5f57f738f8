"""An OpenGL 3.3+ core context without any window, through EGL (Mesa surfaceless).

Used by the headless backend, tests and the ``snapshot``/``bench`` commands:
render into framebuffer objects, read the pixels back. PyOpenGL picks its
platform when OpenGL is first imported, so ``PYOPENGL_PLATFORM=egl`` must be set
before that; importing this module first does it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

from vrtherapy.display.base import DisplayUnavailable

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
_INSTALL_HINT = "install libegl1, libegl-mesa0 and libgl1-mesa-dri (Mesa)"


def _egl() -> Any:
    platform = getattr(sys.modules.get("OpenGL.platform"), "PLATFORM", None)
    if platform is not None and "EGL" not in type(platform).__name__:
        raise DisplayUnavailable(
            "PyOpenGL was loaded for another platform; set PYOPENGL_PLATFORM=egl "
            "before anything imports OpenGL"
        )
    try:
        # Imported before any OpenGL.ERROR_CHECKING change (PyOpenGL 3.1.10 fails otherwise).
        from OpenGL import EGL
    except (ImportError, AttributeError, OSError) as exc:
        raise DisplayUnavailable(f"EGL is not available ({exc}); {_INSTALL_HINT}") from None
    return EGL


class EglContext:
    """A current, surfaceless GL context; ``close()`` releases it."""

    def __init__(self, major: int = 3, minor: int = 3) -> None:
        egl = _egl()
        self._egl = egl
        self.display: Any = None
        self.context: Any = None
        try:
            self._open(egl, major, minor)
        except DisplayUnavailable:
            self.close()
            raise
        except Exception as exc:  # PyOpenGL raises its own error types for EGL failures
            self.close()
            raise DisplayUnavailable(f"could not create an EGL context: {exc}") from None

    def _open(self, egl: Any, major: int, minor: int) -> None:
        try:
            from OpenGL.EGL.EXT.platform_base import eglGetPlatformDisplayEXT

            display = eglGetPlatformDisplayEXT(
                EGL_PLATFORM_SURFACELESS_MESA, egl.EGL_DEFAULT_DISPLAY, None
            )
        except Exception:
            display = egl.EGL_NO_DISPLAY
        if not display:
            display = egl.eglGetDisplay(egl.EGL_DEFAULT_DISPLAY)
        if not display:
            raise DisplayUnavailable(f"no EGL display; {_INSTALL_HINT}")
        major_out, minor_out = egl.EGLint(), egl.EGLint()
        if not egl.eglInitialize(display, ctypes.pointer(major_out), ctypes.pointer(minor_out)):
            raise DisplayUnavailable(f"eglInitialize failed; {_INSTALL_HINT}")
        self.display = display
        if not egl.eglBindAPI(egl.EGL_OPENGL_API):
            raise DisplayUnavailable("this EGL cannot run desktop OpenGL (eglBindAPI failed)")
        attributes = (egl.EGLint * 5)(
            egl.EGL_RENDERABLE_TYPE, egl.EGL_OPENGL_BIT, egl.EGL_SURFACE_TYPE, 0, egl.EGL_NONE
        )
        config = egl.EGLConfig()
        count = egl.EGLint()
        if (
            not egl.eglChooseConfig(
                display, attributes, ctypes.pointer(config), 1, ctypes.pointer(count)
            )
            or count.value < 1
        ):
            raise DisplayUnavailable("no EGL configuration supports desktop OpenGL")
        context_attributes = (egl.EGLint * 7)(
            egl.EGL_CONTEXT_MAJOR_VERSION, major,
            egl.EGL_CONTEXT_MINOR_VERSION, minor,
            egl.EGL_CONTEXT_OPENGL_PROFILE_MASK, egl.EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
            egl.EGL_NONE,
        )  # fmt: skip
        context = egl.eglCreateContext(display, config, egl.EGL_NO_CONTEXT, context_attributes)
        if not context:
            raise DisplayUnavailable(f"EGL could not create an OpenGL {major}.{minor} core context")
        self.context = context
        self.make_current()

    def make_current(self) -> None:
        egl = self._egl
        if not egl.eglMakeCurrent(
            self.display, egl.EGL_NO_SURFACE, egl.EGL_NO_SURFACE, self.context
        ):
            raise DisplayUnavailable("eglMakeCurrent failed (surfaceless contexts unsupported?)")

    def close(self) -> None:
        """Release the context and the display; safe to call more than once."""
        egl = self._egl
        if self.display is not None:
            egl.eglMakeCurrent(
                self.display, egl.EGL_NO_SURFACE, egl.EGL_NO_SURFACE, egl.EGL_NO_CONTEXT
            )
            if self.context is not None:
                egl.eglDestroyContext(self.display, self.context)
            # No eglTerminate: the surfaceless display is one per process and other
            # contexts (another backend, a test) may still be using it.
        self.display = None
        self.context = None


def current_renderer_name() -> str:
    """The current context's GL renderer and version, e.g. 'llvmpipe (...), OpenGL 4.5 ...'."""
    from OpenGL import GL

    renderer = GL.glGetString(GL.GL_RENDERER) or b"unknown renderer"
    version = GL.glGetString(GL.GL_VERSION) or b"?"
    return f"{renderer.decode()}, OpenGL {version.decode()}"
