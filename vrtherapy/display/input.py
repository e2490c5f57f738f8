"""Client input shared by the backends, reported raw: the in-headset answer slider and
the choice panel's row steps.

The display holds no slider of its own: it reports what the client did — set the
slider to a position (number keys), move it by a step (arrow keys, thumbstick) or
confirm (Enter, trigger) — and ``vrtherapy.app`` keeps the one slider of the
current prompt, fresh for every prompt.
"""

from __future__ import annotations

from vrtherapy.display.base import ChoiceStep, SliderMove

STICK_DEADZONE = 0.2
STICK_RATE = 0.5  # of the full scale per second at full deflection
FLICK_ON = 0.7  # the stick counts as flicked up or down beyond this...
FLICK_OFF = 0.3  # ...and as back in the middle below this (hysteresis)


def stick_move(axis: float, dt: float) -> SliderMove | None:
    """The slider move for a thumbstick deflection ``axis`` (-1..1) held for ``dt``
    seconds; None inside the dead zone."""
    if abs(axis) < STICK_DEADZONE or dt <= 0.0:
        return None
    scaled = (min(1.0, abs(axis)) - STICK_DEADZONE) / (1.0 - STICK_DEADZONE)
    return SliderMove(by=(1.0 if axis > 0 else -1.0) * scaled * STICK_RATE * min(dt, 0.1))


def stick_flick(axis: float, flicked: bool) -> tuple[bool, ChoiceStep | None]:
    """A row step of the choice panel for a thumbstick at ``axis`` (-1 down .. 1 up):
    one step per flick, the next only after the stick came back to the middle.
    Returns (still flicked, the step or None)."""
    if flicked:
        return abs(axis) > FLICK_OFF, None
    if abs(axis) >= FLICK_ON:
        return True, ChoiceStep(by=-1 if axis > 0 else 1)  # up: the row above
    return False, None
