"""The small interface every display backend (OpenXR, desktop, headless) implements.

A backend owns the GL context and the frame pacing; for each frame it asks the
renderer to draw one view per eye (the runtime decides how many), then presents
or submits. Input from the client (SUDS slider, stop button, head pose) comes
back as plain immutable events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from vrtherapy.world.types import F32


class DisplayUnavailable(RuntimeError):
    """This backend cannot run here; the message says what to install or use instead."""


@dataclass(frozen=True, eq=False)
class EyeView:
    """One view to render: where to draw it and with which camera."""

    eye: int  # 0 = left, 1 = right, ... (as many as the runtime reports)
    view: F32  # (4, 4) world -> eye
    projection: F32  # (4, 4) eye -> clip, OpenGL conventions
    framebuffer: int  # GL framebuffer object to draw into (0 = window)
    viewport: tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass(frozen=True)
class SliderMove:
    """The client moved the in-headset answer slider: to a position (0..1 of the
    scale, ``to``) or by a step (``by``, a fraction of the scale)."""

    to: float | None = None
    by: float = 0.0


@dataclass(frozen=True)
class SliderConfirm:
    """The client pressed Enter or the trigger: answer with the slider's value."""


@dataclass(frozen=True)
class ChoiceStep:
    """The client moved the highlight of the in-headset choice panel by ``by`` rows
    (+1 down, -1 up): an arrow key, or a flick of the thumbstick."""

    by: int


@dataclass(frozen=True)
class ChoicePick:
    """The client picked row ``row`` (0 = the first) of the choice panel: a number key."""

    row: int


@dataclass(frozen=True)
class FloorRequest:
    """The client asked the elevator to go one floor stop up (``up``) or down: E or Q
    on the desktop, a controller button in the headset."""

    up: bool


@dataclass(frozen=True)
class StopRequest:
    """The client pressed the stop/menu button: they want the exposure to stop."""


@dataclass(frozen=True)
class QuitRequest:
    """The window was closed or the runtime is exiting."""


InputEvent = (
    SliderMove | SliderConfirm | ChoiceStep | ChoicePick | FloorRequest | StopRequest | QuitRequest
)

RenderViews = Callable[[Sequence[EyeView], float], None]
"""Called once per frame with the views to draw and the predicted display time (s)."""

FrameResult = Literal["rendered", "skipped", "stopped"]


class DisplayBackend(Protocol):
    name: str
    refresh_hz: float  # how often the display shows a new image
    stop_reason: str  # why frame() said 'stopped' (empty before that)

    def open(self) -> None:
        """Create the GL context and everything the frames need.

        Raises DisplayUnavailable with a one-line message when this backend can't run.
        """

    def frame(self, render: RenderViews) -> FrameResult:
        """Run one frame: wait for the right moment, call ``render`` if the runtime
        wants pixels, present/submit. 'skipped' when nothing was to be drawn (e.g.
        OpenXR's should_render false, or the session not yet running), 'stopped'
        when the display has ended."""

    def poll_input(self) -> list[InputEvent]:
        """Input events since the last call."""

    def close(self) -> None:
        """Release everything; always safe to call, also after a failed open."""
