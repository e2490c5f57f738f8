"""What the renderer needs to know about a view: structurally typed, so that
``vrtherapy.display.base.EyeView`` fits without render importing display."""

from __future__ import annotations

from typing import Protocol

from vrtherapy.world.types import F32


class View(Protocol):
    @property
    def view(self) -> F32:  # (4, 4) tracking space -> eye
        ...

    @property
    def projection(self) -> F32:  # (4, 4) eye -> clip
        ...

    @property
    def framebuffer(self) -> int: ...

    @property
    def viewport(self) -> tuple[int, int, int, int]: ...
