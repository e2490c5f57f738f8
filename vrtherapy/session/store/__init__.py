"""Durable, append-only event storage: SQLite by default, PostgreSQL for shared clinics."""

from vrtherapy.session.store.base import (
    ConcurrencyError,
    EventStore,
    StoreError,
    StreamInfo,
    VerifyReport,
)
from vrtherapy.session.store.open import default_database, open_store

__all__ = [
    "ConcurrencyError",
    "EventStore",
    "StoreError",
    "StreamInfo",
    "VerifyReport",
    "default_database",
    "open_store",
]
