"""Tokens and one-time codes: made with ``secrets``, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

__all__ = [
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
