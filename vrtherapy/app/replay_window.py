"""`vrtherapy replay` without an output: the replay in a desktop window with a time bar.

The picture is the replay's (the same director, ClientView and framing as the headless
pictures, the recorded head); below it, a bar over the whole session: the part played,
ticks where steps were entered (white), ratings (blue), proposals and decisions
(yellow) and safety actions (red), and the current moment. The title says the time and
what the client saw.

Keys: Left/Right 5 s back/on (with Shift: a minute), Space play/pause, Home/End the
start/end; a click on the bar jumps there; Escape or closing the window ends it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.app.replay import ReplayDirector, describe_moment, recorded_head
from vrtherapy.display.headless import HeadPose
from vrtherapy.reports.replay import SessionRecord, format_time
from vrtherapy.world.transforms import perspective, vertical_fov

BAR_H = 28  # pixels of the time bar under the picture
FOV_DEGREES = 95.0  # horizontal, as the headless replay
STEP_S, BIG_STEP_S = 5.0, 60.0
TICK_COLOURS = {
    "step": (0.9, 0.9, 0.9),
    "rating": (0.35, 0.6, 1.0),
    "proposal": (1.0, 0.8, 0.2),
    "decision": (1.0, 0.8, 0.2),
    "safety": (1.0, 0.25, 0.2),
}


@dataclass
class Playhead:
    """Where the replay is and whether it plays: pure, so that keys and clicks are tested
    without a window."""

    duration: float
    t: float = 0.0
    playing: bool = False

    def seek(self, t: float) -> None:
        self.t = min(self.duration, max(0.0, t))

    def key(self, name: str, shift: bool = False) -> bool:
        """Apply a key; True when it asks to end."""
        step = BIG_STEP_S if shift else STEP_S
        if name == "escape":
            return True
        if name == "left":
            self.seek(self.t - step)
        elif name == "right":
            self.seek(self.t + step)
        elif name == "home":
            self.seek(0.0)
        elif name == "end":
            self.seek(self.duration)
        elif name == "space":
            if self.t >= self.duration:
                self.t = 0.0
            self.playing = not self.playing
        return False

    def click(self, x: float, width: int) -> None:
        """A click at ``x`` pixels on a bar ``width`` wide."""
        self.seek(self.duration * min(1.0, max(0.0, x / max(1, width))))

    def advance(self, seconds: float) -> None:
        if self.playing:
            self.seek(self.t + seconds)
            if self.t >= self.duration:
                self.playing = False


def run_replay_window(
    record: SessionRecord,
    start: float,
    size: tuple[int, int],
    *,
    keys: Sequence[str] = (),
    frames: int | None = None,
) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """Open the window and play until it is closed (raises DisplayUnavailable).

    For tests and scripted use: ``keys`` (e.g. "right", "shift+right", "space") are
    pressed one per drawn frame, and with ``frames`` the window closes after that many
    drawn frames and gives back each one's time and picture (the bar included)."""
    from vrtherapy.display.desktop import _create_window, _init_glfw

    glfw = _init_glfw()
    width, height = size
    window = None
    view = None
    script = list(keys)
    shown: list[tuple[float, npt.NDArray[np.uint8]]] = []
    try:
        window = _create_window(
            glfw, width, height + BAR_H, f"vrtherapy replay {record.session_id}", (3, 3), True
        )
        glfw.make_context_current(window)
        glfw.swap_interval(1)
        from OpenGL import GL

        from vrtherapy.app.run import ClientView

        GL.glEnable(GL.GL_FRAMEBUFFER_SRGB)
        head = recorded_head(record, HeadPose())
        director = ReplayDirector(record)
        view = ClientView(record.library, lambda _s, _m: None)
        play = Playhead(record.duration, start)
        moments = record.moments()
        pending: list[tuple[str, bool] | tuple[str, float]] = []

        def on_key(_w: Any, key: int, _sc: int, action: int, mods: int) -> None:
            names = {
                glfw.KEY_LEFT: "left",
                glfw.KEY_RIGHT: "right",
                glfw.KEY_SPACE: "space",
                glfw.KEY_HOME: "home",
                glfw.KEY_END: "end",
                glfw.KEY_ESCAPE: "escape",
            }
            if action in (glfw.PRESS, glfw.REPEAT) and key in names:
                pending.append((names[key], bool(mods & glfw.MOD_SHIFT)))

        def on_click(w: Any, button: int, action: int, _mods: int) -> None:
            if button == glfw.MOUSE_BUTTON_LEFT and action == glfw.PRESS:
                x, y = glfw.get_cursor_pos(w)
                ww, wh = glfw.get_window_size(w)
                if y >= wh - BAR_H * wh / (height + BAR_H):
                    pending.append(("click", x / max(1, ww)))

        glfw.set_key_callback(window, on_key)
        glfw.set_mouse_button_callback(window, on_click)
        last = time.monotonic()
        drawn: float | None = None
        while not glfw.window_should_close(window):
            glfw.wait_events_timeout(1 / 30)
            if script and drawn is not None:
                name = script.pop(0)
                pending.append((name.removeprefix("shift+"), name.startswith("shift+")))
            for name, arg in pending:
                if name == "click":
                    play.click(float(arg), 1)
                elif play.key(str(name), bool(arg)):
                    glfw.set_window_should_close(window, True)
            pending.clear()
            now = time.monotonic()
            play.advance(now - last)
            last = now
            if frames is not None and not script and not play.playing and drawn == play.t:
                break  # scripted: nothing more will change
            fw, fh = glfw.get_framebuffer_size(window)
            if fw <= 0 or fh <= BAR_H:
                continue
            if drawn != play.t or play.playing:
                snap, pres = director.at(play.t)
                if pres.fade < 1.0:
                    view.make_ready(pres, snap.calm_scene)
                bar = round(BAR_H * fh / (height + BAR_H))
                views = _views(head(play.t).matrix(), fw, fh - bar, bar)
                view.show(views, pres, snap.calm_scene, play.t)
                _draw_bar(GL, play, moments, fw, bar)
                state = "playing" if play.playing else "paused"
                glfw.set_window_title(
                    window,
                    f"{format_time(play.t)} / {format_time(record.duration)} — "
                    f"{describe_moment(snap)} — {state} (Space, Left/Right, Home/End)",
                )
                if frames is not None:
                    pixels = GL.glReadPixels(0, 0, fw, fh, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
                    image = np.frombuffer(pixels, np.uint8).reshape(fh, fw, 3)[::-1].copy()
                    shown.append((play.t, image))
                glfw.swap_buffers(window)
                drawn = play.t
                if frames is not None and len(shown) >= frames:
                    break
    finally:
        if view is not None:
            view.close()
        if window is not None:
            glfw.destroy_window(window)
        glfw.terminate()
    return shown


def _views(head: Any, width: int, height: int, bottom: int) -> list[Any]:
    from vrtherapy.display.base import EyeView

    aspect = width / height
    projection = perspective(vertical_fov(FOV_DEGREES, aspect), aspect, 0.05, 3000.0)
    eye = np.linalg.inv(np.asarray(head, np.float64)).astype(np.float32)
    return [EyeView(0, eye, projection, 0, (0, bottom, width, height))]


def _draw_bar(gl: Any, play: Playhead, moments: Any, width: int, height: int) -> None:
    """The time bar along the bottom, drawn with scissored clears (no shader needed)."""

    def rect(x: int, w: int, y: int, h: int, colour: tuple[float, float, float]) -> None:
        gl.glScissor(x, y, max(1, w), max(1, h))
        gl.glClearColor(*colour, 1.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)

    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
    gl.glEnable(gl.GL_SCISSOR_TEST)
    try:
        rect(0, width, 0, height, (0.08, 0.08, 0.08))
        track_y, track_h = height // 3, max(2, height // 3)
        rect(0, width, track_y, track_h, (0.25, 0.25, 0.25))
        share = play.t / play.duration if play.duration > 0 else 0.0
        rect(0, round(width * share), track_y, track_h, (0.2, 0.55, 0.35))
        for m in moments:
            x = round(width * m.time / play.duration) if play.duration > 0 else 0
            rect(x, 1, 0, track_y, TICK_COLOURS.get(m.kind, (0.6, 0.6, 0.6)))
        rect(round(width * share) - 1, 3, 0, height, (1.0, 1.0, 1.0))
    finally:
        gl.glDisable(gl.GL_SCISSOR_TEST)
