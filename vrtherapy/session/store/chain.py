"""The hash chain that makes a tampered or truncated event log detectable.

Each event's hash covers its own fields and its predecessor's hash, so
changing, removing or reordering any stored event breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    """The one JSON text of a payload that is stored and hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    stream: str,
    seq: int,
    wall_time: float,
    session_time: float,
    actor: str,
    kind: str,
    data_json: str,
    prev_hash: str,
) -> str:
    header = json.dumps(
        [stream, seq, repr(float(wall_time)), repr(float(session_time)), actor, kind, prev_hash],
        separators=(",", ":"),
    )
    h = hashlib.sha256()
    h.update(header.encode("utf-8"))
    h.update(b"\n")
    h.update(data_json.encode("utf-8"))
    return h.hexdigest()
