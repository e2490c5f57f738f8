"""Recordings of the client's voice beside the record: each one's SHA-256 is in the
hash-chained log (``client_audio_stored``), so a changed file is detected like a
changed event. A recording that is gone is noted, not called tampering: a clinic may
erase recordings (data protection) while keeping the record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from vrtherapy.session import events as ev


def recordings_folder(data: Path, session_id: str) -> Path:
    return data / "recordings" / session_id


def check_recordings(events: Iterable[ev.Event], folder: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) for the recordings the log names, against the files in ``folder``."""
    problems: list[str] = []
    notes: list[str] = []
    for e in events:
        p = e.payload
        if not isinstance(p, ev.ClientAudioStored):
            continue
        path = folder / p.file
        if not path.is_file():
            notes.append(f"recording {p.file} (event {e.seq}) is not present")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != p.sha256:
            problems.append(
                f"recording {p.file} differs from the one stored at event {e.seq} "
                "(its SHA-256 does not match the log)"
            )
    return problems, notes
