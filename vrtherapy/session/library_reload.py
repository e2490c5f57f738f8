"""Scenario and hierarchy files changed while `vrtherapy run --watch` runs: what the
re-validation found, offered to the therapist as "reload scene" when every file is
valid, or shown as file:line:col problems when not (the current scene stays).

Lives on the engine thread, like the session: the file watcher hands its results
over with ``call``, the console reads them here, and the render thread only sees
the new library once the therapist reloads (``SessionService.library`` swaps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vrtherapy.authoring import Library


@dataclass(frozen=True)
class LibraryUpdate:
    """The library after some files changed: valid (``library`` set) or not (``problems``)."""

    files: tuple[str, ...]  # the changed files, as a person would type them
    library: Library | None = None
    problems: tuple[str, ...] = ()  # each 'file:line:col: message'

    @property
    def valid(self) -> bool:
        return self.library is not None and not self.problems

    def to_data(self) -> dict[str, Any]:
        return {
            "state": "ready" if self.valid else "invalid",
            "files": list(self.files),
            "problems": list(self.problems),
        }


class LibraryReloads:
    """The latest update (a newer one replaces it), and who wants to hear of changes."""

    def __init__(self) -> None:
        self.latest: LibraryUpdate | None = None
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def offer(self, update: LibraryUpdate | None) -> None:
        self.latest = update
        for listener in self._listeners:
            listener()

    def to_data(self) -> dict[str, Any] | None:
        return self.latest.to_data() if self.latest is not None else None
