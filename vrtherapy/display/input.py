"""Client input shared by the backends: the in-headset SUDS slider.

The slider holds a value in 0..1 of the SUDS scale; number keys, arrow keys or a
thumbstick move it, Enter or the trigger confirms it. Every change becomes a
``SudsInput`` so the engine can show the therapist the live value, and a
confirmation becomes ``SudsInput(confirmed=True)``, the recorded rating.
"""

from __future__ import annotations

from vrtherapy.display.base import SudsInput

STICK_DEADZONE = 0.2
STICK_RATE = 0.5  # of the full scale per second at full deflection
REPORT_STEP = 0.01  # a thumbstick move is reported when it changes the value by this much


class SudsSlider:
    def __init__(self, value: float = 0.0) -> None:
        self._value = _clamp(value)
        self._reported = self._value

    @property
    def value(self) -> float:
        return self._value

    def set(self, value: float) -> SudsInput:
        self._value = self._reported = _clamp(value)
        return SudsInput(self._value)

    def nudge(self, delta: float) -> SudsInput:
        return self.set(self._value + delta)

    def confirm(self) -> SudsInput:
        self._reported = self._value
        return SudsInput(self._value, confirmed=True)

    def stick(self, axis: float, dt: float) -> SudsInput | None:
        """Move by a thumbstick deflection ``axis`` (-1..1) held for ``dt`` seconds.

        Returns an event only when the value moved at least ``REPORT_STEP`` since the
        last report (or reached an end of the scale), so a held stick does not flood
        the engine with one event per frame.
        """
        if abs(axis) < STICK_DEADZONE or dt <= 0.0:
            return None
        scaled = (abs(axis) - STICK_DEADZONE) / (1.0 - STICK_DEADZONE)
        step = (1.0 if axis > 0 else -1.0) * scaled * STICK_RATE * min(dt, 0.1)
        self._value = _clamp(self._value + step)
        at_end = self._value in (0.0, 1.0) and self._value != self._reported
        if abs(self._value - self._reported) >= REPORT_STEP or at_end:
            self._reported = self._value
            return SudsInput(self._value)
        return None


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
