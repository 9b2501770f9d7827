"""The pusher: brings a kiosk's ratings to the central store exactly once, and its roster back.

It runs on its own daemon thread beside the kiosk app and never touches Qt. Everything it needs
to resume lives in the kiosk's outbox (the local store): a row leaves the outbox only when the
server's answer says it is stored (or was already stored), so a batch whose answer is lost is
simply sent again and comes back ``duplicate``. A record the server rejects is set aside with
the reason and never holds up the rest; when the server refuses a whole batch for one record's
sake (413, 400, 403, 422) the batch is halved until that record stands alone.

Network faults (no connection, timeouts, 5xx, 429) are retried forever with capped exponential
backoff and full jitter; a 401 means the terminal was revoked, so the pusher stops sending, keeps
the data and asks again slowly in case it is re-enrolled. The bearer token is never logged.

Every answer's ``Date`` header is the central store's time; the pusher keeps the latest in the
outbox (``note_server_time``, at most every few minutes) so that the kiosk judges its own clock
against it, across restarts.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

from sync.client import BATCH_PATH, TERMINAL_ROSTER_PATH, bearer, error_detail, server_date
from sync.schema import RatingRecord

__all__ = [
    "Outbox",
    "Pusher",
    "RosterPuller",
    "SyncState",
    "SyncStatus",
    "read_roster_cache",
    "write_json_atomic",
]

log = logging.getLogger(__name__)

SyncState = Literal["online", "offline", "revoked", "not_enrolled", "wrong_window"]

# A server that asks for a very long pause (or a broken Retry-After) must not park the kiosk.
MAX_RETRY_AFTER_S = 600.0
# How often the server's time is written to the outbox (a disk write; the clock check it feeds
# allows days, so minutes of staleness do not matter).
SERVER_TIME_EVERY_S = 300.0


class Outbox(Protocol):
    """What the pusher needs from the kiosk's local store (``kiosk.store.LocalStore`` fits)."""

    def unsent(self, limit: int = 500) -> list[RatingRecord]:
        """Unsent, unrejected records, oldest seq first."""
        ...

    def mark_sent(self, ids: Iterable[str]) -> None: ...

    def mark_rejected(self, id: str, reason: str) -> None: ...

    def backlog(self) -> int:
        """How many records still wait to be sent."""
        ...

    def rejected(self) -> Sequence[tuple[RatingRecord, str]]:
        """The records set aside, with the server's reason."""
        ...

    def note_server_time(self, at: datetime) -> None:
        """Keep the server's latest time (the kiosk judges its own clock against it)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SyncStatus:
    """What staff see about sync: state, backlog, set-aside records, since when offline."""

    state: SyncState
    backlog: int = 0
    rejected: int = 0
    offline_since: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None


class _Transient(Exception):
    """Try again later; ``retry_after`` overrides the backoff when the server named a pause."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Revoked(Exception):
    """401: the server does not know this credential (revoked, or never enrolled there)."""


class RosterPuller:
    """Fetches the terminal's window roster when it changed, caching it atomically on disk.

    The cache file holds ``{"etag", "fetched_at", "roster"}`` so that a restarted kiosk asks with
    ``If-None-Match`` and starts from the cached roster when the server is out of reach.
    """

    def __init__(
        self,
        cache_path: Path,
        on_roster: Callable[[dict[str, Any]], None] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.cache_path = Path(cache_path)
        self._on_roster = on_roster
        self._clock = clock or _utcnow
        cached = read_roster_cache(self.cache_path)
        self._etag: str | None = cached.get("etag") if cached else None

    def pull(self, client: httpx.Client, token: str) -> bool:
        """One conditional GET; True if a new roster was cached. Raises the pusher's faults."""
        headers = bearer(token)
        if self._etag:
            headers["If-None-Match"] = self._etag
        resp = _request(client, "GET", TERMINAL_ROSTER_PATH, headers=headers)
        if resp.status_code == 304:
            return False
        if resp.status_code == 403:
            log.warning("roster pull refused (403): %s", error_detail(resp))
            return False
        if resp.status_code != 200:
            _raise_for_status(resp)
            # Any other answer (404 from an older server …) is not worth stalling ratings for.
            log.warning("roster pull: unexpected %s: %s", resp.status_code, error_detail(resp))
            return False
        try:
            roster = resp.json()
        except ValueError:
            raise _Transient("roster answer is not JSON") from None
        if not isinstance(roster, dict):
            raise _Transient("roster answer is not a JSON object")
        etag = resp.headers.get("ETag")
        write_json_atomic(
            self.cache_path,
            {"etag": etag, "fetched_at": self._clock().isoformat(), "roster": roster},
        )
        self._etag = etag
        log.info("roster updated (etag %s)", etag)
        if self._on_roster is not None:
            try:
                self._on_roster(roster)
            except Exception:  # a listener's bug must not kill the sync thread
                log.exception("on_roster callback failed")
        return True


def read_roster_cache(path: Path) -> dict[str, Any] | None:
    """The cache file's content, or None if missing or unreadable (then the next pull refills)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("roster cache %s unreadable; ignoring it", path)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("roster"), dict):
        return None
    return data


class Pusher:
    """Drains an outbox to the central store on a daemon thread; see the module docstring.

    ``open_outbox`` is called on the pusher thread (SQLite connections belong to the thread that
    opened them); the outbox it returns is closed when the thread ends. ``on_status`` is called on the pusher thread with
    every new ``SyncStatus``; a GUI must marshal it to its own thread.
    """

    def __init__(
        self,
        open_outbox: Callable[[], Outbox],
        base_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        batch_size: int = 1000,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        poll_interval: float = 5.0,
        revoked_retry: float = 300.0,
        timeout: float = 15.0,
        roster_cache: Path | None = None,
        on_roster: Callable[[dict[str, Any]], None] | None = None,
        roster_interval: float = 60.0,
        on_status: Callable[[SyncStatus], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self._open_outbox = open_outbox
        self.base_url = base_url
        self._token = token
        self._transport = transport
        self._batch_size = batch_size
        self._ceiling = batch_size  # lowered by 413: the server's body limit
        self._limit = batch_size  # lowered while isolating a refused record
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._poll_interval = poll_interval
        self._revoked_retry = revoked_retry
        self._timeout = timeout
        self._roster = RosterPuller(roster_cache, on_roster, clock=clock) if roster_cache else None
        self._roster_interval = roster_interval
        self._on_status = on_status
        self._clock = clock or _utcnow
        self._monotonic = monotonic
        self._sleep_fn = sleep
        self._rng = rng or random.Random()

        self._stop = threading.Event()
        self._wake = threading.Event()  # a new tap, a new token, or stop
        self._kick = threading.Event()  # cuts a backoff short: a new token, or stop
        self._thread: threading.Thread | None = None
        self._poster: ThreadPoolExecutor | None = None
        self._in_flight: tuple[list[RatingRecord], Future[httpx.Response]] | None = None
        self._next_roster = 0.0
        # The next batch, read and encoded while the previous one was in flight (a backlog).
        # (the batch limit it was read with, records, encoded records)
        self._prepared: tuple[int, list[RatingRecord], list[dict[str, Any]]] | None = None
        self._failures = 0
        self._roster_failures = 0
        self._rejected = 0
        # The server's time from the latest answer (set on whichever thread got the answer),
        # and when it was last written to the outbox.
        self._server_time: datetime | None = None
        self._server_time_kept: tuple[datetime, float] | None = None
        initial: SyncState = "offline" if token else "not_enrolled"
        self._status = SyncStatus(state=initial)

    # -- control, from any thread -------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    @property
    def batch_limit(self) -> int:
        """The batch size the next POST will use (after 413s have lowered it)."""
        return self._limit

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("pusher already started")
        self._thread = threading.Thread(target=self._run, name="hall-pusher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end and wait up to ``timeout`` s; True if it has ended."""
        self._stop.set()
        self._wake.set()
        self._kick.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def notify(self) -> None:
        """A rating was just recorded: send it now if idle (cheap; fine on the GUI thread)."""
        self._wake.set()

    def set_token(self, token: str | None) -> None:
        """Use a new credential (after re-enrolment) from the next request on."""
        self._token = token
        self._wake.set()
        self._kick.set()

    # -- the pusher thread --------------------------------------------------------------------

    def _run(self) -> None:
        outbox: Outbox | None = None
        try:
            outbox = self._open_outbox()
            with (
                httpx.Client(
                    base_url=self.base_url,
                    transport=self._transport,
                    timeout=self._timeout,
                    event_hooks={"response": [self._saw_answer]},
                ) as client,
                ThreadPoolExecutor(1, thread_name_prefix="hall-pusher-post") as poster,
            ):
                self._poster = poster
                self._loop(outbox, client)
        except Exception:
            # Opening the outbox failed; the data stays on disk for the next start.
            log.exception("pusher stopped by an unexpected error")
            self._set(state="offline", last_error="sync stopped: local store unavailable")
        finally:
            if outbox is not None:
                outbox.close()

    def _loop(self, outbox: Outbox, client: httpx.Client) -> None:
        self._next_roster = self._monotonic()
        self._rejected = _count_set_aside(outbox, self._rejected)
        self._set(backlog=_safe_backlog(outbox, 0))
        while not self._stop.is_set():
            self._keep_server_time(outbox)
            token = self._token
            if not token:
                self._set(state="not_enrolled", backlog=outbox.backlog())
                self._wake.wait(self._poll_interval)
                self._wake.clear()
                continue
            try:
                if (
                    self._roster is not None
                    and self._in_flight is None
                    and self._monotonic() >= self._next_roster
                ):
                    self._next_roster = self._pull_roster(self._roster, client, token, outbox)
                self._wake.clear()  # before reading, so a tap after the read wakes the wait
                if self._push_batch(outbox, client, token):
                    continue
                idle = self._poll_interval
                if self._roster is not None:
                    idle = max(0.0, min(idle, self._next_roster - self._monotonic()))
                self._wake.wait(idle)
            except _Transient as e:
                self._drop_in_flight()
                self._failures += 1
                delay = e.retry_after if e.retry_after is not None else self._backoff()
                self._went_offline(str(e), outbox)
                log.info("sync: %s; retrying in %.1f s", e, delay)
                self._pause(delay)
            except _Revoked as e:
                self._drop_in_flight()
                self._set(
                    state="revoked",
                    last_error=str(e),
                    backlog=_safe_backlog(outbox, self._status.backlog),
                )
                log.warning("sync: terminal credential refused (401); data kept, retrying slowly")
                self._pause(self._revoked_retry)
            except Exception as e:
                # A local fault (disk full, locked database) must not end sync for good.
                self._drop_in_flight()
                self._failures += 1
                log.exception("sync: unexpected error")
                self._went_offline(f"local error: {type(e).__name__}", outbox)
                self._pause(self._backoff())
        self._keep_server_time(outbox, force=True)

    def _saw_answer(self, response: httpx.Response) -> None:
        """httpx response hook (pusher or poster thread): note the server's time."""
        at = server_date(response)
        if at is not None:
            self._server_time = at

    def _keep_server_time(self, outbox: Outbox, *, force: bool = False) -> None:
        """Write the server's latest time to the outbox: the first, then every few minutes."""
        at = self._server_time
        if at is None:
            return
        kept = self._server_time_kept
        if kept is not None and (
            kept[0] == at or (not force and self._monotonic() - kept[1] < SERVER_TIME_EVERY_S)
        ):
            return
        try:
            outbox.note_server_time(at)
        except Exception:  # a local fault shows when the next rating is written
            log.warning("cannot keep the server's time in the outbox", exc_info=True)
            return
        self._server_time_kept = (at, self._monotonic())

    def _pull_roster(
        self, roster: RosterPuller, client: httpx.Client, token: str, outbox: Outbox
    ) -> float:
        """Pull the roster; return when to pull next. A roster fault never holds up ratings."""
        try:
            roster.pull(client, token)
        except _Transient as e:
            self._roster_failures += 1
            self._went_offline(str(e), outbox)
            retry = min(self._roster_interval, self._jitter(self._roster_failures))
            return self._monotonic() + retry
        self._roster_failures = 0
        self._succeeded(backlog=outbox.backlog(), reset_backoff=False)
        return self._monotonic() + self._roster_interval

    def _push_batch(self, outbox: Outbox, client: httpx.Client, token: str) -> bool:
        """Send one batch (or take the answer of the one already in flight); True if there may
        be more to send right away.

        With a backlog the pusher keeps one batch in flight while it reads and encodes the
        next, and sends that next one as soon as an answer came, before marking the answered
        rows: one request at a time, and a row is marked only from its own batch's answer.
        """
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            records, posted = in_flight
        else:
            records, encoded = self._take_prepared(outbox)
            if not records:
                if self._status.backlog != 0:
                    self._set(backlog=0)
                return False
            posted = self._post(client, token, encoded)
        if len(records) == self._limit and self._prepared is None:
            self._prepare_next(outbox, records)  # while the batch is in flight
        resp = posted.result()  # re-raises the request's fault
        code = resp.status_code
        if code != 200:
            self._prepared = None  # the batch size may change, or the server is away
        if code in (413, 400, 403, 422):
            self._shrink_or_reject(outbox, records, code, error_detail(resp))
            return True
        if code != 200:
            _raise_for_status(resp)
            raise _Transient(f"server answered {code}: {error_detail(resp)}")
        try:
            body = resp.json()
            results = body["results"]
            if not isinstance(results, list):
                raise TypeError("results is not a list")
        except (ValueError, KeyError, TypeError) as e:
            self._prepared = None
            raise _Transient(f"server answer unusable: {e}") from None

        in_batch = {r.id for r in records}
        sent: list[str] = []
        rejected: list[tuple[str, Any, str]] = []
        for res in results:
            if not isinstance(res, dict) or res.get("id") not in in_batch:
                continue
            status = res.get("status")
            if status in ("stored", "duplicate"):
                sent.append(res["id"])
            elif status == "rejected":
                reason = str(res.get("reason") or "rejected by the server")
                rejected.append((res["id"], res.get("seq"), reason))
        if not sent and not rejected:
            self._prepared = None
            raise _Transient("server answered without a status for any record")
        self._limit = min(self._ceiling, self._limit * 2)  # grow back after isolating
        roster_due = self._roster is not None and self._monotonic() >= self._next_roster
        if self._prepared is not None and self._prepared[0] == self._limit and not roster_due:
            nxt, encoded = self._take_prepared(outbox)
            self._in_flight = (nxt, self._post(client, token, encoded))
        for rid, seq, reason in rejected:
            outbox.mark_rejected(rid, reason)
            log.warning("record %s (seq %s) set aside: %s", rid, seq, reason)
        if sent:
            outbox.mark_sent(sent)
        self._rejected += len(rejected)
        log.debug(
            "batch of %d: %d sent, %d rejected; server contiguous seq %s",
            len(records),
            len(sent),
            len(rejected),
            body.get("highest_contiguous_seq"),
        )
        backlog = outbox.backlog()
        self._succeeded(backlog=backlog)
        return backlog > 0 or self._in_flight is not None

    def _take_prepared(self, outbox: Outbox) -> tuple[list[RatingRecord], list[dict[str, Any]]]:
        """The prepared batch if it was read with the current limit, else a fresh read."""
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[0] == self._limit:
            return prepared[1], prepared[2]
        records = outbox.unsent(limit=self._limit)
        return records, [r.to_dict() for r in records]

    def _post(self, client: httpx.Client, token: str, encoded: list[dict[str, Any]]) -> Any:
        """Start the POST of one batch on the poster thread; ``.result()`` is the answer."""
        kwargs: dict[str, Any] = {
            "headers": bearer(token),
            "json": {"records": encoded},
        }
        if self._poster is None:  # pragma: no cover - _run always makes one
            done: Future[httpx.Response] = Future()
            try:
                done.set_result(_request(client, "POST", BATCH_PATH, **kwargs))
            except Exception as e:
                done.set_exception(e)
            return done
        return self._poster.submit(_request, client, "POST", BATCH_PATH, **kwargs)

    def _drop_in_flight(self) -> None:
        """After a fault: forget the prepared batch, and let a batch still in flight finish
        (its answer unused: those rows stay unsent and come back ``duplicate`` next time)."""
        in_flight, self._in_flight = self._in_flight, None
        self._prepared = None
        if in_flight is not None:
            with contextlib.suppress(Exception):
                in_flight[1].result()

    def _prepare_next(self, outbox: Outbox, in_flight: list[RatingRecord]) -> None:
        """Read and encode the batch after ``in_flight`` (still unsent in the outbox)."""
        sending = {r.id for r in in_flight}
        rows = outbox.unsent(limit=len(in_flight) + self._limit)
        nxt = [r for r in rows if r.id not in sending][: self._limit]
        self._prepared = (self._limit, nxt, [r.to_dict() for r in nxt]) if nxt else None

    def _shrink_or_reject(
        self, outbox: Outbox, records: list[RatingRecord], code: int, detail: str
    ) -> None:
        """413/400/403/422 refuse a whole batch for one record's sake (too big, malformed, of
        another window): halve the batch until the refused record stands alone, set it aside
        with the server's reason, and let the rest flow."""
        if len(records) > 1:
            self._limit = max(1, len(records) // 2)
            if code == 413:
                self._ceiling = self._limit
            log.info("batch of %d refused (%s); trying %d", len(records), code, self._limit)
            return
        rec = records[0]
        reason = f"refused by the server ({code}): {detail}"
        outbox.mark_rejected(rec.id, reason)
        self._rejected += 1
        log.warning("record %s (seq %s) set aside: %s", rec.id, rec.seq, reason)
        if code == 413:
            # That record alone was too big; the others may go in full batches again.
            self._ceiling = self._batch_size
        # Grow back by doubling: its neighbours are likely refused too (a run of records
        # from before a window change), and each would cost a full halving otherwise.
        self._limit = 1
        self._succeeded(backlog=outbox.backlog())

    # -- helpers ------------------------------------------------------------------------------

    def _backoff(self) -> float:
        return self._jitter(self._failures)

    def _jitter(self, failures: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(failures-1))]."""
        exp = min(self._backoff_cap, self._backoff_base * 2 ** max(0, failures - 1))
        return self._rng.uniform(0, exp)

    def _pause(self, delay: float) -> None:
        if self._sleep_fn is not None:
            self._sleep_fn(delay)
            return
        self._kick.wait(delay)
        self._kick.clear()

    def _succeeded(self, *, backlog: int, reset_backoff: bool = True) -> None:
        if reset_backoff:
            self._failures = 0
        self._set(
            state="online",
            backlog=backlog,
            offline_since=None,
            last_success=self._clock(),
            last_error=None,
        )

    def _went_offline(self, error: str, outbox: Outbox) -> None:
        since = self._status.offline_since
        if self._status.state != "offline" or since is None:
            since = self._clock()
        self._set(
            state="offline",
            offline_since=since,
            last_error=error,
            backlog=_safe_backlog(outbox, self._status.backlog),
        )

    def _set(self, **changes: Any) -> None:
        new = replace(self._status, rejected=self._rejected, **changes)
        if new == self._status:
            return
        self._status = new
        if self._on_status is not None:
            try:
                self._on_status(new)
            except Exception:
                log.exception("on_status callback failed")


def _request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request; every transport fault (refused, reset, timeout) becomes ``_Transient``."""
    try:
        return client.request(method, path, **kwargs)
    except httpx.TransportError as e:
        # The type name only: messages can be long, and must never carry headers.
        raise _Transient(f"no connection ({type(e).__name__})") from None


def _raise_for_status(resp: httpx.Response) -> None:
    """Turn the answers every endpoint shares into the pusher's faults."""
    code = resp.status_code
    if code == 401:
        raise _Revoked(f"credential not accepted (401): {error_detail(resp)}")
    if code == 429:
        raise _Transient("server busy (429)", _retry_after(resp))
    if code >= 500 or code == 408:
        raise _Transient(f"server error ({code})", _retry_after(resp) if code == 503 else None)


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def _count_set_aside(outbox: Outbox, fallback: int) -> int:
    """Records set aside in earlier runs."""
    try:
        return len(outbox.rejected())
    except Exception:
        log.exception("cannot count set-aside records")
        return fallback


def _safe_backlog(outbox: Outbox, fallback: int) -> int:
    try:
        return outbox.backlog()
    except Exception:
        return fallback


def write_json_atomic(path: Path, data: Any, mode: int = 0o644) -> None:
    """Write to a temp file beside ``path``, fsync, then rename over it: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _utcnow() -> datetime:
    return datetime.now(UTC)
