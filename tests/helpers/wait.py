"""The one poll with a deadline, for what a test cannot wait on by a signal (another thread, a
pusher, a server process)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["wait_until"]


def wait_until(
    predicate: Callable[[], bool],
    timeout: float = 10.0,
    what: str = "condition",
    *,
    interval: float = 0.01,
) -> float:
    """Poll ``predicate`` until it is true; the seconds it took. Fails the test, naming ``what``,
    after ``timeout`` seconds."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(interval)
    return time.monotonic() - start
