"""Desktop display: a glfw window that stands in for a headset, and a headset mirror.

``DesktopBackend`` simulates a headset on a monitor:
- look: drag with any mouse button held (or ``capture_cursor=True`` for mouse look
  all the time);
- move: W/A/S/D while a mouse button is held (or the cursor is captured), head
  height PageUp/PageDown;
- SUDS slider: number keys 0-9 set 0-90 %, Up/Down nudge by 5 %, Enter confirms;
- a partner's choice panel: number keys 1-9 pick that row, Up/Down move the
  highlight, Enter picks it (the app applies whichever panel is shown);
- the elevator (scenarios with one): E asks for the next floor up, Q for the next one
  down (as a fly camera's up and down; the arrows belong to the slider);
- stop: Escape, or S when not moving (both give StopRequest); closing the window
  gives QuitRequest.
S doubles as "back" only while moving, so a client pressing S on its own always
reaches stop.

``DesktopMirror`` shows a headset's view on the therapist's monitor without
ever waiting for the monitor's refresh (swap interval 0), because the headset's
frame loop is paced by ``xrWaitFrame`` and must not be blocked by vsync.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from vrtherapy.display.base import (
    ChoicePick,
    ChoiceStep,
    DisplayUnavailable,
    EyeView,
    FloorRequest,
    FrameResult,
    InputEvent,
    QuitRequest,
    RenderViews,
    SliderConfirm,
    SliderMove,
    StopRequest,
)
from vrtherapy.world.transforms import perspective, view_from_pose, yaw_pitch_quaternion

log = logging.getLogger(__name__)

NO_DISPLAY_MESSAGE = (
    "no desktop display: DISPLAY (or WAYLAND_DISPLAY) is not set; run on a desktop "
    "session or use --display headless"
)

MOUSE_DEGREES_PER_PIXEL = 0.15
MOVE_SPEED = 1.5  # metres per second
HEIGHT_STEP = 0.05  # metres per PageUp/PageDown press
SUDS_NUDGE = 0.05
IPD = 0.064  # metres between the eyes in side-by-side stereo


def display_available() -> bool:
    """Cheap check whether a desktop window could open here (no connection is made)."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _init_glfw() -> Any:
    if not display_available():
        raise DisplayUnavailable(NO_DISPLAY_MESSAGE)
    try:
        import glfw
    except ImportError as exc:  # pragma: no cover - glfw is a dependency
        raise DisplayUnavailable("glfw is not installed (pip install glfw)") from exc
    try:
        ok = glfw.init()
    except glfw.GLFWError as exc:
        raise DisplayUnavailable(f"could not open the desktop display ({exc})") from exc
    if not ok:
        raise DisplayUnavailable(
            "could not open the desktop display (glfw failed to start); "
            "check DISPLAY or use --display headless"
        )
    return glfw


def _create_window(
    glfw: Any,
    width: int,
    height: int,
    title: str,
    gl_version: tuple[int, int],
    visible: bool,
    share: Any = None,
) -> Any:
    glfw.default_window_hints()
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, gl_version[0])
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, gl_version[1])
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    if sys.platform == "darwin":
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, glfw.TRUE)
    glfw.window_hint(glfw.SRGB_CAPABLE, glfw.TRUE)
    glfw.window_hint(glfw.VISIBLE, glfw.TRUE if visible else glfw.FALSE)
    try:
        window = glfw.create_window(width, height, title, None, share)
    except glfw.GLFWError as exc:
        raise DisplayUnavailable(
            f"could not create an OpenGL {gl_version[0]}.{gl_version[1]} window ({exc})"
        ) from exc
    if not window:
        raise DisplayUnavailable(
            f"could not create an OpenGL {gl_version[0]}.{gl_version[1]} window; "
            "update the graphics driver or use --display headless"
        )
    return window


class DesktopBackend:
    """A glfw window as a simulated headset (DisplayBackend)."""

    name = "desktop"

    def __init__(
        self,
        *,
        width: int = 1280,
        height: int = 720,
        title: str = "vrtherapy",
        stereo: bool = False,
        vsync: bool = True,
        capture_cursor: bool = False,
        eye_height: float = 1.6,
        fov_y: float = 70.0,
        near: float = 0.05,
        far: float = 500.0,
        gl_version: tuple[int, int] = (3, 3),
        visible: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.refresh_hz = 60.0  # the monitor's, once open
        self.stop_reason = ""
        self.stereo = stereo
        self.vsync = vsync
        self.capture_cursor = capture_cursor
        self.fov_y = fov_y
        self.near = near
        self.far = far
        self.gl_version = gl_version
        self.visible = visible
        self._clock = clock
        self.yaw = 0.0  # degrees, positive turns left (about +y)
        self.pitch = 0.0  # degrees, positive looks up
        self.position = np.array([0.0, eye_height, 0.0])
        self.window: Any = None
        self._glfw: Any = None
        self._events: list[InputEvent] = []
        self._buttons_down: set[int] = set()
        self._cursor: tuple[float, float] | None = None
        self._last_time: float | None = None
        self._closed_reported = False

    # -- life cycle ------------------------------------------------------------------

    def open(self) -> None:
        glfw = _init_glfw()
        self._glfw = glfw
        try:
            self.window = _create_window(
                glfw, self.width, self.height, self.title, self.gl_version, self.visible
            )
        except DisplayUnavailable:
            self.close()
            raise
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if self.vsync else 0)
        monitor = glfw.get_primary_monitor()
        mode = glfw.get_video_mode(monitor) if monitor else None
        if mode is not None and mode.refresh_rate > 0:
            self.refresh_hz = float(mode.refresh_rate)
        glfw.set_key_callback(self.window, self._on_key)
        glfw.set_mouse_button_callback(self.window, self._on_mouse_button)
        glfw.set_cursor_pos_callback(self.window, self._on_cursor)
        if self.capture_cursor:
            glfw.set_input_mode(self.window, glfw.CURSOR, glfw.CURSOR_DISABLED)
        from OpenGL import GL

        GL.glEnable(GL.GL_FRAMEBUFFER_SRGB)

    def close(self) -> None:
        glfw = self._glfw
        if glfw is None:
            return
        if self.window is not None:
            glfw.destroy_window(self.window)
            self.window = None
        glfw.terminate()
        self._glfw = None

    # -- frames ----------------------------------------------------------------------

    def frame(self, render: RenderViews) -> FrameResult:
        glfw = self._glfw
        if glfw is None or self.window is None:
            return "stopped"
        glfw.poll_events()
        if glfw.window_should_close(self.window):
            self.stop_reason = "the client's window was closed"
            if not self._closed_reported:
                self._events.append(QuitRequest())
                self._closed_reported = True
            return "stopped"
        now = self._clock()
        dt = 0.0 if self._last_time is None else min(now - self._last_time, 0.1)
        self._last_time = now
        self._move(dt)
        width, height = glfw.get_framebuffer_size(self.window)
        if width <= 0 or height <= 0:
            return "skipped"  # minimised
        glfw.make_context_current(self.window)
        render(self.eye_views(width, height), now)
        glfw.swap_buffers(self.window)
        return "rendered"

    def eye_views(self, width: int, height: int) -> list[EyeView]:
        """The views for a framebuffer of ``width`` x ``height`` (one, or two side by side)."""
        orientation = yaw_pitch_quaternion(self.yaw, self.pitch)
        if not self.stereo:
            view = view_from_pose(tuple(self.position), orientation)
            projection = perspective(self.fov_y, width / height, self.near, self.far)
            return [EyeView(0, view, projection, 0, (0, 0, width, height))]
        half = width // 2
        right = _rotate_y(np.array([1.0, 0.0, 0.0]), self.yaw)
        projection = perspective(self.fov_y, half / height, self.near, self.far)
        views = []
        for eye, sign in enumerate((-0.5, 0.5)):
            eye_position = self.position + right * (sign * IPD)
            views.append(
                EyeView(
                    eye,
                    view_from_pose(tuple(eye_position), orientation),
                    projection,
                    0,
                    (eye * half, 0, half if eye == 0 else width - half, height),
                )
            )
        return views

    def poll_input(self) -> list[InputEvent]:
        events, self._events = self._events, []
        return events

    # -- input -----------------------------------------------------------------------

    def _moving(self) -> bool:
        return self.capture_cursor or bool(self._buttons_down)

    def _move(self, dt: float) -> None:
        if dt <= 0.0 or not self._moving() or self._glfw is None:
            return
        glfw = self._glfw
        forward = _rotate_y(np.array([0.0, 0.0, -1.0]), self.yaw)
        right = _rotate_y(np.array([1.0, 0.0, 0.0]), self.yaw)
        step = np.zeros(3)
        for key, direction in (
            (glfw.KEY_W, forward),
            (glfw.KEY_S, -forward),
            (glfw.KEY_D, right),
            (glfw.KEY_A, -right),
        ):
            if glfw.get_key(self.window, key) == glfw.PRESS:
                step += direction
        self.position += step * MOVE_SPEED * dt

    def _on_key(self, window: Any, key: int, scancode: int, action: int, mods: int) -> None:
        glfw = self._glfw
        if glfw is None or action not in (glfw.PRESS, glfw.REPEAT):
            return
        if key == glfw.KEY_ESCAPE or (key == glfw.KEY_S and not self._moving()):
            if action == glfw.PRESS:
                self._events.append(StopRequest())
        elif glfw.KEY_0 <= key <= glfw.KEY_9 or glfw.KEY_KP_0 <= key <= glfw.KEY_KP_9:
            digit = key - (glfw.KEY_0 if key <= glfw.KEY_9 else glfw.KEY_KP_0)
            self._events.append(SliderMove(to=digit / 10.0))
            if digit and action == glfw.PRESS:
                self._events.append(ChoicePick(row=digit - 1))
        elif key == glfw.KEY_UP:
            self._events.append(SliderMove(by=SUDS_NUDGE))
            self._events.append(ChoiceStep(by=-1))
        elif key == glfw.KEY_DOWN:
            self._events.append(SliderMove(by=-SUDS_NUDGE))
            self._events.append(ChoiceStep(by=1))
        elif key in (glfw.KEY_ENTER, glfw.KEY_KP_ENTER) and action == glfw.PRESS:
            self._events.append(SliderConfirm())
        elif key in (glfw.KEY_E, glfw.KEY_Q) and action == glfw.PRESS:
            self._events.append(FloorRequest(up=key == glfw.KEY_E))
        elif key == glfw.KEY_PAGE_UP:
            self.position[1] += HEIGHT_STEP
        elif key == glfw.KEY_PAGE_DOWN:
            self.position[1] = max(0.1, self.position[1] - HEIGHT_STEP)

    def _on_mouse_button(self, window: Any, button: int, action: int, mods: int) -> None:
        glfw = self._glfw
        if glfw is None:
            return
        if action == glfw.PRESS:
            self._buttons_down.add(button)
        elif action == glfw.RELEASE:
            self._buttons_down.discard(button)
        if not self._buttons_down:
            self._cursor = None

    def _on_cursor(self, window: Any, x: float, y: float) -> None:
        if not self._moving():
            self._cursor = None
            return
        if self._cursor is not None:
            dx, dy = x - self._cursor[0], y - self._cursor[1]
            self.yaw = (self.yaw - dx * MOUSE_DEGREES_PER_PIXEL) % 360.0
            self.pitch = max(-89.0, min(89.0, self.pitch - dy * MOUSE_DEGREES_PER_PIXEL))
        self._cursor = (x, y)


class DesktopMirror:
    """A window that shows a headset's picture for the therapist, never vsync-blocking.

    The window's context shares objects with ``share`` (the headset's GL window), so
    ``show`` can blit a framebuffer of the headset's context straight into it.
    """

    def __init__(
        self,
        share: Any,
        *,
        width: int = 960,
        height: int = 540,
        title: str = "vrtherapy mirror",
        gl_version: tuple[int, int] = (3, 3),
        visible: bool = True,
    ) -> None:
        self._share = share
        self.width = width
        self.height = height
        self.title = title
        self.gl_version = gl_version
        self.visible = visible
        self.window: Any = None
        self._glfw: Any = None
        self._read_fbo = 0
        self._attached_texture = 0

    def open(self) -> None:
        glfw = _init_glfw()
        self._glfw = glfw
        self.window = _create_window(
            glfw,
            self.width,
            self.height,
            self.title,
            self.gl_version,
            self.visible,
            share=self._share,
        )
        previous = glfw.get_current_context()
        glfw.make_context_current(self.window)
        glfw.swap_interval(0)  # never wait for the monitor: the headset sets the pace
        from OpenGL import GL

        self._read_fbo = int(GL.glGenFramebuffers(1))
        glfw.make_context_current(previous)

    def closed(self) -> bool:
        return self.window is None or bool(self._glfw.window_should_close(self.window))

    def show_framebuffer(self, framebuffer: int, size: tuple[int, int]) -> None:
        """Show the colour texture behind ``framebuffer`` of the *current* context.

        Framebuffer objects are not shared between GL contexts but their textures
        are, so this looks up the texture attached to ``framebuffer`` and shows it.
        """
        from OpenGL import GL

        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, framebuffer)
        kind = GL.glGetFramebufferAttachmentParameteriv(
            GL.GL_READ_FRAMEBUFFER,
            GL.GL_COLOR_ATTACHMENT0,
            GL.GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE,
        )
        name = GL.glGetFramebufferAttachmentParameteriv(
            GL.GL_READ_FRAMEBUFFER,
            GL.GL_COLOR_ATTACHMENT0,
            GL.GL_FRAMEBUFFER_ATTACHMENT_OBJECT_NAME,
        )
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        if int(kind) != GL.GL_TEXTURE:
            raise ValueError(f"framebuffer {framebuffer} has no colour texture to mirror")
        self.show(int(name), size)

    def show(self, texture: int, size: tuple[int, int]) -> None:
        """Blit ``texture`` (``size`` = its width, height; shared with the mirror's
        context) into the window, letterboxed, and present without vsync. Never waits
        for the monitor; restores the caller's current context."""
        if self.window is None:
            return
        glfw = self._glfw
        from OpenGL import GL

        previous = glfw.get_current_context()
        glfw.make_context_current(self.window)
        try:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._read_fbo)
            if self._attached_texture != texture:
                GL.glFramebufferTexture2D(
                    GL.GL_READ_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture, 0
                )
                self._attached_texture = texture
            width, height = glfw.get_framebuffer_size(self.window)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, 0)
            GL.glClearColor(0.0, 0.0, 0.0, 1.0)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT)
            x0, y0, x1, y1 = _letterbox(size, (width, height))
            GL.glBlitFramebuffer(
                0, 0, size[0], size[1], x0, y0, x1, y1, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR
            )
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
            glfw.swap_buffers(self.window)  # swap interval 0: returns at once
            glfw.poll_events()  # keep the window responsive; nothing else polls it
        finally:
            glfw.make_context_current(previous)

    def close(self) -> None:
        if self.window is not None and self._glfw is not None:
            previous = self._glfw.get_current_context()
            self._glfw.make_context_current(self.window)
            if self._read_fbo:
                from OpenGL import GL

                GL.glDeleteFramebuffers(1, [self._read_fbo])
                self._read_fbo = 0
            same = _address(previous) == _address(self.window)
            self._glfw.make_context_current(None if same else previous)
            self._glfw.destroy_window(self.window)
            self.window = None


def _address(window: Any) -> int | None:
    return ctypes.cast(window, ctypes.c_void_p).value if window else None


def _letterbox(source: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    sw, sh = source
    tw, th = target
    if sw <= 0 or sh <= 0 or tw <= 0 or th <= 0:
        return 0, 0, 0, 0
    scale = min(tw / sw, th / sh)
    w, h = round(sw * scale), round(sh * scale)
    x0, y0 = (tw - w) // 2, (th - h) // 2
    return x0, y0, x0 + w, y0 + h


def _rotate_y(vector: np.ndarray[Any, Any], degrees: float) -> np.ndarray[Any, Any]:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    x, y, z = vector
    return np.array([c * x + s * z, y, -s * x + c * z])
