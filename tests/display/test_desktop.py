"""The desktop backend, the mirror and the OpenXR GL half under a real X server (Xvfb).

PyOpenGL picks its platform once per process, and these need GLX, so each check
runs in a child Python with DISPLAY pointing at an Xvfb this module starts.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.display.child_process import run_python
from tests.system_needs import missing

ROOT = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    for number in range(91, 200):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        missing("Xvfb", "apt-get install xvfb")
    number = _free_display()
    process = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb :{number} did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_child(display: str | None, code: str) -> dict[str, Any]:
    return run_python(code, **({"DISPLAY": display} if display is not None else {}))


DESKTOP = """
import json
import glfw
from OpenGL import GL
from vrtherapy.display.desktop import DesktopBackend
from vrtherapy.display.base import StopRequest, QuitRequest

backend = DesktopBackend(width=64, height=48, stereo=STEREO, vsync=False)
backend.open()
seen = []

def render(views, t):
    seen.append([(v.eye, list(v.viewport), v.framebuffer) for v in views])
    GL.glEnable(GL.GL_SCISSOR_TEST)
    for v in views:
        GL.glViewport(*v.viewport)
        GL.glScissor(*v.viewport)
        colour = (1.0, 0.0, 0.0) if v.eye == 0 else (0.0, 0.0, 1.0)
        GL.glClearColor(*colour, 1.0)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    GL.glDisable(GL.GL_SCISSOR_TEST)
    # Read the window's own (back) buffer just before the backend presents it.
    GL.glReadBuffer(GL.GL_BACK)
    pixels["left"] = list(GL.glReadPixels(8, 24, 1, 1, GL.GL_RGB, GL.GL_UNSIGNED_BYTE))
    pixels["right"] = list(GL.glReadPixels(56, 24, 1, 1, GL.GL_RGB, GL.GL_UNSIGNED_BYTE))

pixels = {}
results = [backend.frame(render) for _ in range(3)]
w = backend.window
press = lambda key: backend._on_key(w, key, 0, glfw.PRESS, 0)
press(glfw.KEY_7); press(glfw.KEY_UP); press(glfw.KEY_ENTER)
press(glfw.KEY_E); press(glfw.KEY_Q)
press(glfw.KEY_S); press(glfw.KEY_ESCAPE)
height0 = float(backend.position[1])
press(glfw.KEY_PAGE_UP)
height1 = float(backend.position[1])
events = backend.poll_input()
# Mouse look: drag 100 px right with the left button held; S now moves, not stops.
backend._on_mouse_button(w, glfw.MOUSE_BUTTON_LEFT, glfw.PRESS, 0)
backend._on_cursor(w, 10.0, 10.0)
backend._on_cursor(w, 110.0, 10.0)
press(glfw.KEY_S)
moving_events = backend.poll_input()
yaw = backend.yaw
backend._on_mouse_button(w, glfw.MOUSE_BUTTON_LEFT, glfw.RELEASE, 0)
glfw.set_window_should_close(w, True)
closing = backend.frame(render)
quit_events = backend.poll_input()
backend.close()
print(json.dumps({
    "results": results, "views": seen[-1], "pixels": pixels,
    "events": [[type(e).__name__, getattr(e, "to", getattr(e, "row", getattr(e, "up", None))),
                getattr(e, "by", None)] for e in events],
    "moving_events": len(moving_events), "yaw": yaw, "height": [height0, height1],
    "closing": closing, "quit": [type(e).__name__ for e in quit_events],
}))
"""


@pytest.mark.parametrize("stereo", [False, True])
def test_desktop_window_renders_and_maps_input(xvfb: str, stereo: bool) -> None:
    out = run_child(xvfb, DESKTOP.replace("STEREO", str(stereo)))
    assert out["results"] == ["rendered"] * 3
    pixels = out["pixels"]
    assert isinstance(pixels, dict)
    if stereo:
        assert out["views"] == [[0, [0, 0, 32, 48], 0], [1, [32, 0, 32, 48], 0]]
        assert pixels == {"left": [255, 0, 0], "right": [0, 0, 255]}
    else:
        assert out["views"] == [[0, [0, 0, 64, 48], 0]]
        assert pixels == {"left": [255, 0, 0], "right": [255, 0, 0]}
    assert out["events"] == [
        ["SliderMove", 0.7, 0.0],  # raw input: the app owns the slider
        ["ChoicePick", 6, None],  # ... and the choice panel: key 7 is the seventh row
        ["SliderMove", None, pytest.approx(0.05)],
        ["ChoiceStep", None, -1],  # Up: the highlight moves up a row
        ["SliderConfirm", None, None],
        ["FloorRequest", True, None],  # E: the elevator's next floor up
        ["FloorRequest", False, None],  # Q: the next floor down
        ["StopRequest", None, None],
        ["StopRequest", None, None],
    ]
    assert out["moving_events"] == 0  # S moves back while the mouse is held
    assert out["yaw"] == pytest.approx(360.0 - 15.0)  # 100 px right turns right
    height = out["height"]
    assert isinstance(height, list)
    assert height[1] == pytest.approx(height[0] + 0.05)
    assert out["closing"] == "stopped"
    assert out["quit"] == ["QuitRequest"]


MIRROR = """
import ctypes
import json
import glfw
from OpenGL import GL
from vrtherapy.display.desktop import DesktopMirror

assert glfw.init()
glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
headset = glfw.create_window(32, 32, "headset", None, None)
glfw.make_context_current(headset)
texture = int(GL.glGenTextures(1))
GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, 40, 20, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
fbo = int(GL.glGenFramebuffers(1))
GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture, 0)
GL.glClearColor(0.0, 1.0, 0.0, 1.0)
GL.glClear(GL.GL_COLOR_BUFFER_BIT)
GL.glFinish()
GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)

mirror = DesktopMirror(headset, width=80, height=60)
mirror.open()
address = lambda w: ctypes.cast(w, ctypes.c_void_p).value
assert address(glfw.get_current_context()) == address(headset)
# Read the mirror window's back buffer at the moment it is presented.
seen = {}
real_swap = glfw.swap_buffers
def swap_and_look(window):
    seen["window"] = address(window) == address(mirror.window)
    GL.glReadBuffer(GL.GL_BACK)
    seen["centre"] = list(GL.glReadPixels(40, 30, 1, 1, GL.GL_RGB, GL.GL_UNSIGNED_BYTE))
    seen["bar"] = list(GL.glReadPixels(40, 2, 1, 1, GL.GL_RGB, GL.GL_UNSIGNED_BYTE))
    real_swap(window)
glfw.swap_buffers = swap_and_look
mirror.show_framebuffer(fbo, (40, 20))
glfw.swap_buffers = real_swap
still_current = address(glfw.get_current_context()) == address(headset)
centre, bar = seen["centre"], seen["bar"]  # bar: the letterbox above/below the picture
assert seen["window"]
mirror.close()
glfw.destroy_window(headset)
glfw.terminate()
print(json.dumps({"centre": centre, "bar": bar, "still_current": still_current}))
"""


def test_mirror_shows_a_headset_texture_without_taking_the_context(xvfb: str) -> None:
    out = run_child(xvfb, MIRROR)
    assert out["centre"] == [0, 255, 0]
    assert out["bar"] == [0, 0, 0]
    assert out["still_current"] is True


XR_GRAPHICS = """
import ctypes, json
import xr
from OpenGL import GL
from vrtherapy.display.openxr_graphics import GlfwXrGraphics, GL_SRGB8_ALPHA8

g = GlfwXrGraphics()
g.create_context((3, 3))
version = g.gl_version()
binding = g.graphics_binding(xr)
fields = {
    "type": int(binding.type) == int(xr.StructureType.GRAPHICS_BINDING_OPENGL_XLIB_KHR),
    "display": bool(binding.x_display),
    "context": bool(binding.glx_context),
    "drawable": int(binding.glx_drawable) != 0,
}
images = [int(t) for t in GL.glGenTextures(3)]
for t in images:
    GL.glBindTexture(GL.GL_TEXTURE_2D, t)
    GL.glTexStorage2D(GL.GL_TEXTURE_2D, 1, GL_SRGB8_ALPHA8, 16, 8)
targets = g.create_targets(images, 16, 8, GL_SRGB8_ALPHA8)
fbo_count = len(set(targets.framebuffers))
g.begin_views(True)
srgb_on = bool(GL.glIsEnabled(GL.GL_FRAMEBUFFER_SRGB))
GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, targets.framebuffers[1])
GL.glViewport(0, 0, 16, 8)
GL.glClearColor(0.0, 0.0, 1.0, 1.0)
GL.glClearDepth(0.25)
GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
pixel = list(GL.glReadPixels(3, 3, 1, 1, GL.GL_RGB, GL.GL_UNSIGNED_BYTE))
depth = float(GL.glReadPixels(3, 3, 1, 1, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT).ravel()[0])
g.end_views()
g.destroy_targets(targets)
g.destroy()
g.destroy()
fbos = [fbo_count, len(targets.framebuffers)]
print(json.dumps({"version": version, "fields": fields, "fbos": fbos,
                  "srgb_on": srgb_on, "pixel": pixel, "depth": depth}))
"""


def test_openxr_gl_half_makes_a_binding_and_swapchain_framebuffers(xvfb: str) -> None:
    out = run_child(xvfb, XR_GRAPHICS)
    version = out["version"]
    assert isinstance(version, list) and tuple(version) >= (3, 3)
    assert out["fields"] == {"type": True, "display": True, "context": True, "drawable": True}
    assert out["fbos"] == [3, 0]  # one framebuffer per image, all deleted again
    assert out["srgb_on"] is True
    assert out["pixel"] == [0, 0, 255]
    assert out["depth"] == pytest.approx(0.25, abs=1e-3)  # a depth buffer is attached


NO_DISPLAY = """
import json
from vrtherapy.display.base import DisplayUnavailable
from vrtherapy.display.desktop import DesktopBackend
backend = DesktopBackend()
try:
    backend.open()
except DisplayUnavailable as exc:
    print(json.dumps({"message": str(exc)}))
backend.close()
"""


def test_no_display_is_a_clear_error() -> None:
    out = run_child(None, NO_DISPLAY)
    message = out["message"]
    assert isinstance(message, str)
    assert "DISPLAY" in message and "--display headless" in message
    assert "\n" not in message
