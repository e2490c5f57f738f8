"""The hash chain that makes a tampered or truncated event log detectable.

Each event's hash covers its own fields and its predecessor's hash, so
changing, removing or reordering any stored event breaks every later link.
The first event links to the stream's genesis, a hash of the stream's own
stored fields (name, kind, client, creation time), so moving a session to
another client or changing its date breaks the chain too. Ledger entries are
chained the same way (see :func:`ledger_hash`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # the first link of streams made before schema 2, and of the ledger


class NotFinite(ValueError):
    """A payload with NaN or an infinity: such a number has no place in a record."""


def canonical(data: Any) -> str:
    """The one JSON text of a payload that is stored and hashed (finite numbers only)."""
    try:
        return json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError as exc:
        message = f"a record holds finite numbers only, not NaN or infinity ({exc})"
        raise NotFinite(message) from None


def stream_genesis(stream: str, kind: str, client_code: str, created_at: float) -> str:
    """The link before a stream's first event: a hash of the stream's stored fields."""
    text = json.dumps(
        ["vrtherapy-stream/2", stream, kind, client_code, repr(float(created_at))],
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ledger_hash(fields: list[Any], prev_hash: str) -> str:
    """The hash of one ledger entry: its fields (floats as repr) and the previous hash."""
    plain = [repr(float(f)) if isinstance(f, float) else f for f in fields]
    text = json.dumps(["vrtherapy-ledger/1", *plain, prev_hash], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
