"""Every network call of the console on one background thread; results back by signal.

As Anki's ``CollectionOp``: a page hands the worker a function of the API client and says what
to do with the result on the GUI thread::

    self.api.run(lambda c: c.list_terminals(hall), self._on_terminals)

The function runs on the worker thread and must not touch any widget; ``on_done`` (and
``on_error``, or else the window's error bar) run on the GUI thread, in the order the calls were
made. A page that was deleted meanwhile is not called back. Jobs run one at a time, so two
clicks never race each other on the server.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import shiboken6
from PySide6.QtCore import QObject, Signal

from sync.client import ApiError, OfficeClient

__all__ = ["ApiWorker", "as_api_error"]

log = logging.getLogger(__name__)

Client = OfficeClient  # the one shared client, with the office's records


def as_api_error(exc: BaseException) -> ApiError:
    """Whatever went wrong, as an ``ApiError`` with a message a person can act on."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, httpx.HTTPError):
        return ApiError(0, f"{type(exc).__name__}: {exc}")
    return ApiError(-1, f"{type(exc).__name__}: {exc}")


@dataclass
class _Job:
    id: int
    fn: Callable[[Client], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[ApiError], None] | None
    owner: QObject | None
    client: Client | None  # the client when the job was queued (a sign-out comes after it)


class ApiWorker(QObject):
    """One thread that owns the API client; ``run`` queues a job, signals bring its result.

    ``failed(ApiError)`` is emitted for a job without its own ``on_error``; ``busy_changed``
    while jobs are queued or running (the window shows "loading").
    """

    failed = Signal(object)  # ApiError
    busy_changed = Signal(bool)
    _finished = Signal(int, object, object)  # job id, result, ApiError | None

    def __init__(self, client: Client | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._jobs: dict[int, _Job] = {}
        self._next_id = 0
        self._thread: threading.Thread | None = None
        self._finished.connect(self._on_finished)

    @property
    def client(self) -> Client | None:
        return self._client

    def set_client(self, client: Client | None) -> None:
        """Use this client from the next job on (after sign-in); the old one is closed."""
        old, self._client = self._client, client
        if old is not None and old is not client:
            self.run(lambda c: c.close(), client=old)  # after the jobs queued for it

    def run(
        self,
        fn: Callable[[Client], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
        *,
        owner: QObject | None = None,
        client: Client | None = None,
    ) -> int:
        """Queue ``fn(client)``; call ``on_done(result)`` or ``on_error(ApiError)`` later."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="console-api", daemon=True)
            self._thread.start()
        if owner is None:  # a bound method of a widget: skip it once the widget is gone
            bound = getattr(on_done, "__self__", None)
            owner = bound if isinstance(bound, QObject) else None
        self._next_id += 1
        job = _Job(self._next_id, fn, on_done, on_error, owner, client or self._client)
        self._jobs[job.id] = job
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        self._queue.put(job)
        return job.id

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the running job, drop the queued ones, end the thread; safe to call twice."""
        if self._thread is None:
            return
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None
        self._jobs.clear()
        if self._client is not None:
            self._client.close()

    # The worker thread: nothing here may touch a widget.
    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            client = job.client
            try:
                if client is None:
                    raise ApiError(401, "not signed in")
                result, error = job.fn(client), None
            except Exception as e:  # every failure goes back to the window, none kills us
                if not isinstance(e, ApiError):
                    log.warning("console job failed", exc_info=True)
                result, error = None, as_api_error(e)
            if shiboken6.isValid(self):
                self._finished.emit(job.id, result, error)

    # Back on the GUI thread.
    def _on_finished(self, job_id: int, result: Any, error: ApiError | None) -> None:
        job = self._jobs.pop(job_id, None)
        try:
            if job is not None and (job.owner is None or shiboken6.isValid(job.owner)):
                if error is None:
                    if job.on_done is not None:
                        job.on_done(result)
                elif job.on_error is not None:
                    job.on_error(error)
                else:
                    self.failed.emit(error)
        finally:
            # After the callback: a job it queued keeps us busy (a refresh after a change).
            if not self._jobs:
                self.busy_changed.emit(False)
