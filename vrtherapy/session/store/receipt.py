"""Signed receipts of every record's head, for a clinic to keep somewhere else.

A receipt lists each stream's head (last event and its hash), its client and
creation time, and the ledger's head, signed with the station's key. Checked
later against the database, it shows whether anything it listed was deleted,
cut short or rewritten since — including a cut at the end of the ledger itself,
which the database alone cannot show.
"""

from __future__ import annotations

import json
from typing import Any

from vrtherapy.session.store.base import EventStore, when
from vrtherapy.session.store.chain import canonical
from vrtherapy.session.store.signing import SigningKey, check_signature, fingerprint

FORMAT = "vrtherapy.record-receipt"


class ReceiptError(ValueError):
    """A receipt file that cannot be read or whose signature does not hold."""


def make_receipt(store: EventStore, key: SigningKey, now: float) -> dict[str, Any]:
    seq, ledger_hash = store.ledger_head()
    streams = [
        {
            "stream": h.stream,
            "kind": h.kind,
            "client_code": h.client_code,
            "created_at": h.created_at,
            "head_seq": h.head_seq,
            "head_hash": h.head_hash,
        }
        for h in store.heads()
    ]
    body: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "made_at": now,
        "database": store.description,
        "ledger": {"seq": seq, "hash": ledger_hash},
        "streams": streams,
        "public_key": key.public_hex,
    }
    body["signature"] = key.sign(canonical(body).encode("utf-8"))
    return body


def read_receipt(text: str, trusted: dict[str, str]) -> dict[str, Any]:
    """Parse a receipt and check its signature (by a trusted key); ReceiptError if not."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"not a receipt (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReceiptError(f"not a receipt (no '{FORMAT}' format field)")
    signature = data.pop("signature", "")
    key = str(data.get("public_key", ""))
    if not check_signature(key, canonical(data).encode("utf-8"), str(signature)):
        raise ReceiptError("the receipt's signature is not valid: the receipt was altered")
    fp = fingerprint(key)
    if trusted.get(fp) != key:
        raise ReceiptError(f"the receipt was signed by key {fp}, which this station does not trust")
    return data


def check_receipt(store: EventStore, receipt: dict[str, Any]) -> list[tuple[str, str]]:
    """What changed since the receipt, as (stream or 'ledger', problem); empty if nothing."""
    problems: list[tuple[str, str]] = []
    made = receipt.get("made_at", 0.0)
    entries = {e.seq: e for e in store.ledger()}
    seq, h = int(receipt["ledger"]["seq"]), str(receipt["ledger"]["hash"])
    if seq and (seq not in entries or entries[seq].hash != h):
        problems.append(
            (
                "ledger",
                f"the ledger was cut short or rewritten since the receipt (its entry {seq} "
                "is missing or different)",
            )
        )
    rows = {h.stream: h for h in store.heads()}
    hashes = store.event_hashes()
    for s in receipt["streams"]:
        name = str(s["stream"])
        row = rows.get(name)
        if row is None:
            problems.append(
                (name, f"deleted since the receipt of {when(made)} (it had {s['head_seq']} events)")
            )
            continue
        if str(row.client_code) != s["client_code"]:
            problems.append(
                (
                    name,
                    f"moved from client {s['client_code']} to {row.client_code} since the receipt",
                )
            )
        if row.created_at != float(s["created_at"]):
            problems.append((name, "its creation time was changed since the receipt"))
        n = int(s["head_seq"])
        if n == 0:
            continue
        stored = hashes.get((name, n))
        if stored is None:
            problems.append(
                (
                    name,
                    f"truncated: the receipt saw event {n}, the record ends at {row.head_seq}",
                )
            )
        elif stored != s["head_hash"]:
            problems.append((name, f"rewritten: event {n} differs from the receipt"))
    return problems
