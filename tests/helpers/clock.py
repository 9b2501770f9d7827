"""The one test clock: a time the test sets and moves; call it for the time (as ``Flow``, the
pusher and the store's ``app.state.clock`` do)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["Clock"]


class Clock:
    """``Clock(start)``: ``clock()`` is ``clock.now``; ``advance(s)`` moves it on. Without a
    start it begins at the real time now."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now if now is not None else datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
