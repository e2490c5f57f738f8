"""What the client sees on top of the scene: in-headset panels (plain data).

Kept independent of the session package: the app turns session state into an
:class:`Overlay` each frame; equal overlays are not rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SudsPanel:
    """The SUDS rating slider: a prompt, a 0..scale_max scale, the current marker."""

    value: float | None = None  # marker position in scale units; None: not yet moved
    scale_max: int = 100  # 100 (worksheets) or 10 (spoken coaches)
    prompt: str = "How anxious do you feel right now?"
    low_label: str = "no distress"
    high_label: str = "worst imaginable"
    confirmed: bool = False  # the client confirmed the value (marker turns green)

    def __post_init__(self) -> None:
        if self.scale_max <= 0:
            raise ValueError(f"scale_max must be positive, got {self.scale_max}")
        if self.value is not None and not 0.0 <= self.value <= self.scale_max:
            raise ValueError(f"SUDS value {self.value:g} is outside 0–{self.scale_max}")


@dataclass(frozen=True)
class ChoicePanel:
    """What the client may answer a virtual partner: numbered rows, one highlighted
    (moved with the stick or the arrow keys, chosen with the trigger or Enter)."""

    choices: tuple[str, ...]
    highlighted: int | None = None  # row index
    heading: str = "Your answer:"

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("a choice panel needs at least one choice")
        if self.highlighted is not None and not 0 <= self.highlighted < len(self.choices):
            raise ValueError(f"no choice row {self.highlighted}")


@dataclass(frozen=True)
class Overlay:
    suds: SudsPanel | None = None
    subtitle: str | None = None
    instruction: str | None = None
    choices: ChoicePanel | None = None

    @property
    def empty(self) -> bool:
        return (
            self.suds is None
            and not self.subtitle
            and not self.instruction
            and self.choices is None
        )


NO_OVERLAY = Overlay()


@dataclass(frozen=True)
class PanelLayout:
    """Where panels float, in tracking space (the client's floor at y = 0, facing -z).

    Heights are relative to the client's eye height.
    """

    distance: float = 1.4  # metres in front of the client
    suds_offset: float = -0.15  # centre of the SUDS panel relative to eye height
    suds_width: float = 1.1
    instruction_offset: float = 0.32  # centre of the instruction panel
    instruction_width: float = 0.9
    subtitle_offset: float = -0.58  # centre of the subtitle strip
    subtitle_width: float = 1.5
    choices_offset: float = -0.3  # centre of the choice panel
    choices_width: float = 1.2
    text_size: float = 0.05  # em height of subtitle and instruction text, metres (~2 degrees)
