"""Ids for the commands the app sends on its own (the synthetic client's answers, the
microphone's turns and measures, frame-time summaries, load failures).

The store refuses a command whose id it has seen before anywhere in its database (a
retried command is taken once), so an id must not repeat across runs: a second
``run`` on the same store, or a session resumed in a new process, counts from 1 again.
Each id names the session and a nonce drawn once per :class:`CommandIds` (per process),
then a count.
"""

from __future__ import annotations

import itertools
import uuid


class CommandIds:
    """``ids(session_id)`` gives the next id: ``PREFIX-SESSION-NONCE-N``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.nonce = uuid.uuid4().hex[:12]
        self._count = itertools.count(1)

    def __call__(self, session_id: str) -> str:
        return f"{self.prefix}-{session_id}-{self.nonce}-{next(self._count)}"
