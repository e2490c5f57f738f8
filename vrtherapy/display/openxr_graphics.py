"""The graphics half of the OpenXR backend: a GL context and swapchain framebuffers.

Kept apart from the OpenXR program (as hello_xr keeps its graphics plugin apart)
so the backend can be tested with a recording double and this part can be tested
on its own under Xvfb. The context lives in a hidden glfw window: on Linux its
GLX context goes to the runtime in ``XrGraphicsBindingOpenGLXlibKHR``, on Windows
its WGL context in ``XrGraphicsBindingOpenGLWin32KHR``.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vrtherapy.display.base import DisplayUnavailable

log = logging.getLogger(__name__)

# GL enums used here (numbers from the GL registry), so choosing a format needs no GL import.
GL_RGBA8 = 0x8058
GL_RGB10_A2 = 0x8059
GL_RGBA16F = 0x881A
GL_SRGB8 = 0x8C41
GL_SRGB8_ALPHA8 = 0x8C43

# Preferred colour formats, best first: sRGB so the compositor gets gamma-correct
# pixels from a renderer that writes linear colour with GL_FRAMEBUFFER_SRGB on.
PREFERRED_COLOR_FORMATS: tuple[int, ...] = (
    GL_SRGB8_ALPHA8,
    GL_SRGB8,
    GL_RGBA16F,
    GL_RGB10_A2,
    GL_RGBA8,
)
SRGB_FORMATS = frozenset({GL_SRGB8_ALPHA8, GL_SRGB8})


def select_color_format(runtime_formats: Sequence[int]) -> int:
    """The best of the runtime's formats (the runtime lists them in its own preference)."""
    offered = [int(f) for f in runtime_formats]
    for wanted in PREFERRED_COLOR_FORMATS:
        if wanted in offered:
            return wanted
    raise DisplayUnavailable(
        "the OpenXR runtime offers no OpenGL colour swapchain format vrtherapy can use "
        f"(offered: {', '.join(hex(f) for f in offered) or 'none'})"
    )


@dataclass
class SwapchainTargets:
    """GL objects for one swapchain: one framebuffer per image, one shared depth buffer."""

    framebuffers: list[int]
    depth_renderbuffer: int
    width: int
    height: int


class XrGraphics(Protocol):
    """What the OpenXR backend needs from the graphics side."""

    def create_context(self, min_version: tuple[int, int]) -> None:
        """Create and make current a GL context of at least ``min_version``."""

    def gl_version(self) -> tuple[int, int]:
        """The (major, minor) version of the current context."""

    def graphics_binding(self, xr: Any) -> Any:
        """The platform's ``XrGraphicsBindingOpenGL*KHR`` structure for this context."""

    def make_current(self) -> None: ...

    def create_targets(
        self, images: Sequence[int], width: int, height: int, color_format: int
    ) -> SwapchainTargets:
        """Framebuffers for the swapchain's GL textures ``images``."""

    def begin_views(self, srgb: bool) -> None:
        """Set GL state before the renderer draws into swapchain framebuffers."""

    def end_views(self) -> None:
        """Unbind after drawing (before the images go back to the runtime)."""

    def destroy_targets(self, targets: SwapchainTargets) -> None: ...

    def destroy(self) -> None:
        """Destroy the context; safe to call twice."""


class GlfwXrGraphics:
    """A hidden glfw window whose GL context the runtime shares."""

    def __init__(self) -> None:
        self._window: Any = None
        self._glfw_initialised = False

    @property
    def window(self) -> Any:
        return self._window

    def create_context(self, min_version: tuple[int, int]) -> None:
        import glfw

        try:
            ok = glfw.init()
        except glfw.GLFWError as exc:
            raise DisplayUnavailable(f"glfw could not start ({exc})") from exc
        if not ok:
            raise DisplayUnavailable("glfw could not start (no display for the GL context)")
        self._glfw_initialised = True
        major, minor = max(min_version, (3, 3))
        glfw.default_window_hints()
        glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
        glfw.window_hint(glfw.DOUBLEBUFFER, glfw.FALSE)
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, major)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, minor)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        if sys.platform == "darwin":  # pragma: no cover - no OpenXR runtime on macOS
            glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, glfw.TRUE)
        try:
            window = glfw.create_window(64, 64, "vrtherapy OpenXR", None, None)
        except glfw.GLFWError as exc:
            raise DisplayUnavailable(
                f"could not create an OpenGL {major}.{minor} context for OpenXR ({exc})"
            ) from exc
        if not window:
            raise DisplayUnavailable(
                f"could not create an OpenGL {major}.{minor} context for OpenXR"
            )
        self._window = window
        glfw.make_context_current(window)
        glfw.swap_interval(0)  # xrWaitFrame paces the loop, never the desktop's vsync

    def make_current(self) -> None:
        import glfw

        if self._window is not None:
            glfw.make_context_current(self._window)

    def gl_version(self) -> tuple[int, int]:
        from OpenGL import GL

        major = GL.glGetIntegerv(GL.GL_MAJOR_VERSION)
        minor = GL.glGetIntegerv(GL.GL_MINOR_VERSION)
        return int(major), int(minor)

    def graphics_binding(self, xr: Any) -> Any:
        import glfw

        if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
            from OpenGL import WGL

            binding = xr.GraphicsBindingOpenGLWin32KHR()
            self.make_current()
            binding.h_dc = WGL.wglGetCurrentDC()
            binding.h_glrc = glfw.get_wgl_context(self._window)
            return binding
        if glfw.get_platform() != glfw.PLATFORM_X11:
            raise DisplayUnavailable(
                "OpenXR with OpenGL needs an X11 (or XWayland) GL context on Linux; "
                "start vrtherapy with DISPLAY set or use --display desktop"
            )
        from OpenGL import GLX

        display = glfw.get_x11_display()  # type: ignore[no-untyped-call]
        context = glfw.get_glx_context(self._window)
        drawable = glfw.get_glx_window(self._window)
        binding = xr.GraphicsBindingOpenGLXlibKHR(
            x_display=ctypes.cast(ctypes.c_void_p(display), ctypes.POINTER(GLX.Display)),
            glx_drawable=drawable,
            glx_context=ctypes.cast(ctypes.c_void_p(context), GLX.GLXContext),
        )
        fbconfig, visualid = _glx_fbconfig_and_visual(display, context)
        if fbconfig is not None:
            binding.glx_fbconfig = fbconfig
            binding.visualid = visualid
        return binding

    def create_targets(
        self, images: Sequence[int], width: int, height: int, color_format: int
    ) -> SwapchainTargets:
        from OpenGL import GL

        self.make_current()
        depth = int(GL.glGenRenderbuffers(1))
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, depth)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, width, height)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, 0)
        framebuffers: list[int] = []
        targets = SwapchainTargets(framebuffers, depth, width, height)
        try:
            for image in images:
                fbo = int(GL.glGenFramebuffers(1))
                framebuffers.append(fbo)
                GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
                GL.glFramebufferTexture2D(
                    GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, int(image), 0
                )
                GL.glFramebufferRenderbuffer(
                    GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, depth
                )
                status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
                if status != GL.GL_FRAMEBUFFER_COMPLETE:
                    raise DisplayUnavailable(
                        f"the OpenXR swapchain image {int(image)} (format {hex(color_format)}) "
                        f"cannot be rendered to (framebuffer status {hex(int(status))})"
                    )
        except BaseException:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
            self.destroy_targets(targets)
            raise
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        return targets

    def begin_views(self, srgb: bool) -> None:
        from OpenGL import GL

        self.make_current()
        if srgb:
            GL.glEnable(GL.GL_FRAMEBUFFER_SRGB)
        else:
            GL.glDisable(GL.GL_FRAMEBUFFER_SRGB)

    def end_views(self) -> None:
        from OpenGL import GL

        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        # SteamVR on Linux leaves a GL error behind in its compositor hand-off; clear it
        # so the renderer's own error checks do not blame the next call.
        GL.glGetError()

    def destroy_targets(self, targets: SwapchainTargets) -> None:
        from OpenGL import GL

        self.make_current()
        if targets.framebuffers:
            GL.glDeleteFramebuffers(len(targets.framebuffers), targets.framebuffers)
            targets.framebuffers = []
        if targets.depth_renderbuffer:
            GL.glDeleteRenderbuffers(1, [targets.depth_renderbuffer])
            targets.depth_renderbuffer = 0

    def destroy(self) -> None:
        import glfw

        if self._window is not None:
            glfw.destroy_window(self._window)
            self._window = None
        if self._glfw_initialised:
            glfw.terminate()
            self._glfw_initialised = False


def _glx_fbconfig_and_visual(display: int, context: int) -> tuple[Any, int]:
    """The GLXFBConfig and X visual id of a GLX context (None, 0 when GLX won't say)."""
    try:
        from OpenGL import GLX

        dpy = ctypes.cast(ctypes.c_void_p(display), ctypes.POINTER(GLX.Display))
        ctx = ctypes.cast(ctypes.c_void_p(context), GLX.GLXContext)
        config_id = ctypes.c_int(0)
        GLX.glXQueryContext(dpy, ctx, GLX.GLX_FBCONFIG_ID, ctypes.byref(config_id))
        screen = ctypes.c_int(0)
        GLX.glXQueryContext(dpy, ctx, GLX.GLX_SCREEN, ctypes.byref(screen))
        attribs = (ctypes.c_int * 3)(GLX.GLX_FBCONFIG_ID, config_id.value, 0)
        count = ctypes.c_int(0)
        configs = GLX.glXChooseFBConfig(dpy, screen.value, attribs, ctypes.byref(count))
        if not configs or count.value < 1:
            return None, 0
        config = configs[0]
        visual = GLX.glXGetVisualFromFBConfig(dpy, config)
        visualid = int(visual.contents.visualid) if visual else 0
        return config, visualid
    except Exception:  # best effort: runtimes in use today read only display, drawable, context
        log.debug("could not query the GLX framebuffer configuration", exc_info=True)
        return None, 0
