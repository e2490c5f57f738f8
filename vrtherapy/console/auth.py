"""Pairing and authentication for the console.

Every browser pairs with a one-time code shown in the engine's terminal; it
then holds a random session token in an HttpOnly cookie. Failed pairing is
rate-limited per address and overall. A console left idle locks: it keeps
only the safety controls until the therapist enters a fresh code.

Guessing codes must never lock the therapist out: a key in the engine's
terminal issues a fresh, longer therapist code (10 letters and digits, about
49 bits) that replaces the current one and is accepted even while wrong guesses
are being rate-limited; at that length guessing it is hopeless.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "vrtherapy_console"
THERAPIST_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread
THERAPIST_CODE_LENGTH = 10


class PairingRefused(Exception):
    """Wrong or reused code; ``retry_after`` is set when rate-limited."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Browser:
    token: str
    paired_at: float
    last_activity: float
    locked: bool = False


@dataclass
class Pairing:
    announce: Callable[[str], None]
    idle_timeout_s: float = 600.0
    per_address_limit: int = 5
    global_limit: int = 20
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    code: str = ""
    therapist: bool = False  # the current code was issued at the terminal
    _browsers: dict[str, Browser] = field(default_factory=dict)
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _all_failures: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.new_code()

    def new_code(self) -> str:
        n = secrets.randbelow(1_000_000)
        self.code = f"{n // 1000:03d}-{n % 1000:03d}"
        self.therapist = False
        self.announce(self.code)
        return self.code

    def therapist_code(self) -> str:
        """A fresh code asked for at the terminal; the previous code stops working."""
        raw = "".join(secrets.choice(THERAPIST_ALPHABET) for _ in range(THERAPIST_CODE_LENGTH))
        half = THERAPIST_CODE_LENGTH // 2
        self.code = f"{raw[:half]}-{raw[half:]}"
        self.therapist = True
        self.announce(self.code)
        return self.code

    def _limited(self, address: str, counts_globally: bool = True) -> float | None:
        now = self.clock()
        for q in (self._failures.get(address), self._all_failures):
            if q is None:
                continue
            while q and now - q[0] > self.window_s:
                q.popleft()
        mine = self._failures.get(address, deque())
        if len(mine) >= self.per_address_limit:
            return self.window_s - (now - mine[0])
        if counts_globally and len(self._all_failures) >= self.global_limit:
            return self.window_s - (now - self._all_failures[0])
        return None

    def _check_code(self, code: str, address: str, *, counts_globally: bool = True) -> None:
        given = "".join(ch for ch in code[:64].upper() if ch.isascii() and ch.isalnum())
        expected = self.code.replace("-", "")
        right = bool(given) and hmac.compare_digest(given, expected)
        if right and self.therapist:
            self.new_code()  # the terminal's code is not held up by strangers' guesses
            return
        wait = self._limited(address, counts_globally)
        if wait is not None:
            raise PairingRefused(
                "too many wrong codes; wait a minute, or press Enter in the engine's "
                "terminal for a fresh code",
                retry_after=max(1.0, wait),
            )
        if not right:
            now = self.clock()
            self._failures.setdefault(address, deque()).append(now)
            if counts_globally:
                self._all_failures.append(now)
            raise PairingRefused("that code is not right; use the code shown in the terminal")
        self.new_code()  # one-time: the next browser needs the next code

    def pair(self, code: str, address: str) -> str:
        """Exchange the one-time code for a session token."""
        self._check_code(code, address)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self._browsers[token] = Browser(token, now, now)
        return token

    def browser(self, token: str | None) -> Browser | None:
        if not token:
            return None
        b = self._browsers.get(token)
        if b is not None and not b.locked and self.clock() - b.last_activity > self.idle_timeout_s:
            b.locked = True
        return b

    def touch(self, token: str) -> None:
        b = self._browsers.get(token)
        if b is not None and not b.locked:
            b.last_activity = self.clock()

    def unlock(self, token: str, code: str, address: str) -> None:
        b = self._browsers.get(token)
        if b is None:
            raise PairingRefused("this browser is not paired")
        # a paired browser unlocking is not held up by strangers' failed pairing attempts
        self._check_code(code, address, counts_globally=False)
        b.locked = False
        b.last_activity = self.clock()

    def forget(self, token: str) -> None:
        self._browsers.pop(token, None)
