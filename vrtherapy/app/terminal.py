"""The engine's terminal as a control: each line typed (Enter) asks for a fresh
pairing code, so the therapist can always pair, whatever strangers have guessed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger(__name__)


def watch_terminal(stream: TextIO, on_enter: Callable[[], None]) -> threading.Thread:
    """Call ``on_enter`` for every line read from ``stream``, on a daemon thread,
    until the stream ends or ``on_enter`` raises."""

    def read() -> None:
        for _line in stream:
            try:
                on_enter()
            except Exception:
                log.exception("a fresh pairing code could not be issued")
                return

    thread = threading.Thread(target=read, name="terminal", daemon=True)
    thread.start()
    return thread
