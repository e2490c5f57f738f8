"""Which station (computer and process) runs a session, for the session lease.

One session is driven by one station at a time. The store keeps a lease row
naming the holder; it expires unless renewed, and a holder on this same
computer whose process is gone has plainly let go (a crash), so its lease is free.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

LEASE_SECONDS = 30.0  # a lease not renewed for this long has lapsed
RENEW_SECONDS = 10.0  # the engine renews its lease this often


@dataclass(frozen=True)
class Station:
    name: str  # what people see: $VRTHERAPY_STATION or the host name
    host: str
    pid: int
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def this(cls, name: str | None = None) -> Station:
        host = socket.gethostname()
        return cls(name or os.environ.get("VRTHERAPY_STATION") or host, host, os.getpid())

    @property
    def label(self) -> str:
        return f"{self.name} (process {self.pid})" if self.name == self.host else self.name


@dataclass(frozen=True)
class Lease:
    stream: str
    station: str
    host: str
    pid: int
    token: str
    acquired_at: float
    expires_at: float

    def lapsed(self, now: float) -> bool:
        """Expired, or held by a process on this computer that no longer exists."""
        if now >= self.expires_at:
            return True
        return self.host == socket.gethostname() and not _alive(self.pid)

    @property
    def label(self) -> str:
        return f"{self.station} (process {self.pid})" if self.station == self.host else self.station


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
