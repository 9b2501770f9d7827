"""Tokens and one-time codes: made with ``secrets``, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "FailureLimiter",
    "RateLimiter",
    "hash_secret",
    "new_enrolment_code",
    "new_token",
    "normalise_code",
]

# Crockford-style alphabet: no 0/O, 1/I/L, U, so a code read aloud or typed on a touch screen
# survives; 12 symbols of 32 = 60 bits, ample for a code that lives minutes and is used once.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LEN = 12


def new_token() -> str:
    """A bearer token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What the store keeps of a token or code: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_enrolment_code() -> str:
    """A one-time enrolment code like ``K7QF-9XMD-2HPA``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LEN))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LEN, 4))


def normalise_code(code: str) -> str:
    """The code as hashed: upper case, no dashes or spaces (people type it either way)."""
    return "".join(c for c in code.upper() if c.isalnum())


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per key (a credential): ``rate`` requests/s sustained, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token; 0.0 if allowed, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate if self.rate > 0 else 60.0


class FailureLimiter:
    """At most ``limit`` failures per key (a client address) within ``window_s`` seconds.

    ``wait(key)`` is 0.0 while the key may try, else the seconds until its oldest counted failure
    expires; ``failed(key)`` counts one. Memory only: a restart forgets, keys expire on their own.
    """

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return 0.0
            self._drop_old(key, times, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, times[0] + self.window_s - now)

    def failed(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            times = self._failures.setdefault(key, deque())
            self._drop_old(key, times, now)
            times.append(now)
            self._failures[key] = times
            if len(self._failures) > 100_000:  # a flood of addresses: forget the quiet ones
                for k in [
                    k for k, t in self._failures.items() if not t or t[-1] < now - self.window_s
                ]:
                    del self._failures[k]

    def _drop_old(self, key: str, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
