"""The wall board's data source on Qt: the poller on a background thread, results by signal.

``BoardSource`` runs ``board.source.AggregatesPoller`` every ``interval_s`` seconds on a
background thread, computes the standings there too, and hands results to the GUI thread by Qt
signals (queued across threads):

* ``standings_changed(BoardData)`` when new aggregates arrived and were ranked;
* ``status_changed(SourceStatus)`` after every poll: when the server last confirmed the data
  ("数据更新于 …") and, while it cannot be reached, since when ("连接已中断").

The last standings stay with the GUI when the server is unreachable: the board never blanks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from board.source import (
    POLL_INTERVAL_S,
    REQUEST_TIMEOUT_S,
    AggregatesPoller,
    BoardData,
    SourceStatus,
    compute_board_data,
)
from board.standings import QuarterOutcome

__all__ = ["BoardSource", "StaticSource"]

log = logging.getLogger(__name__)


class BoardSource(QObject):
    """Polls the store on a background thread; emits results to the GUI thread."""

    standings_changed = Signal(object)  # BoardData
    status_changed = Signal(object)  # SourceStatus

    def __init__(
        self,
        poller: AggregatesPoller,
        *,
        interval_s: float = POLL_INTERVAL_S,
        compute: Callable[
            [dict[str, Any], Sequence[QuarterOutcome]], BoardData
        ] = compute_board_data,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._poller = poller
        self._interval_s = interval_s
        self._compute = compute
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = SourceStatus(updated_at=None)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="board-source", daemon=True)
        self._thread.start()

    def poll_now(self) -> None:
        """Skip the rest of the current wait (e.g. after the operator pressed F5)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop polling and wait for the thread; safe to call twice."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=REQUEST_TIMEOUT_S + 5)
            self._thread = None
        self._poller.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll_once()
            self._wake.wait(self._interval_s)
            self._wake.clear()

    def _poll_once(self) -> None:
        result = self._poller.poll()
        now = self._clock()
        if self._stop.is_set():
            return
        if result.error is not None:
            if self.status.online:
                log.warning("board lost the server: %s", result.error)
            self.status = SourceStatus(
                updated_at=self.status.updated_at,
                lost_since=self.status.lost_since or now,
                error=result.error,
            )
        elif result.aggregates is not None:
            try:
                data = self._compute(result.aggregates, result.history)
            except Exception as e:  # a bad answer must not kill the poller; keep the last data
                log.exception("could not rank the aggregates")
                self.status = SourceStatus(
                    updated_at=self.status.updated_at,
                    lost_since=self.status.lost_since or now,
                    error=f"无法计算排名: {e}",
                )
            else:
                self.standings_changed.emit(data)
                self.status = SourceStatus(updated_at=now)
        else:
            if not self.status.online:
                log.info("board reached the server again")
            self.status = SourceStatus(updated_at=now)
        self.status_changed.emit(self.status)


class StaticSource(QObject):
    """A source with fixed data (``--demo-data``, screenshots, tests): emits once on start."""

    standings_changed = Signal(object)
    status_changed = Signal(object)

    def __init__(self, data: BoardData, *, updated_at: datetime | None = None) -> None:
        super().__init__()
        self._data = data
        self.status = SourceStatus(updated_at=updated_at or datetime.now().astimezone())

    def start(self) -> None:
        self.standings_changed.emit(self._data)
        self.status_changed.emit(self.status)

    def poll_now(self) -> None:
        pass

    def stop(self) -> None:
        pass
