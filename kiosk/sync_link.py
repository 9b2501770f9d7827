"""The kiosk's side of sync: credentials on disk, the pusher thread, the cached roster.

No Qt here. The app builds one ``SyncLink`` at start, calls ``start()``, ``notify()`` after each
recorded rating and ``stop()`` on exit, and shows ``status`` (polled, or pushed through
``on_status``, which runs on the pusher thread: marshal it to the GUI thread).

Files in the kiosk's data dir:

* ``credentials.json`` (mode 0600): the terminal's credential from enrolment. Never logged.
* ``roster-cache.json``: the window's roster as the server last sent it, with its ETag.

With no server URL configured the kiosk runs local-only: no thread, state ``not_enrolled``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import httpx

from kiosk.store import LocalStore
from sync.client import Credentials, EnrollError, enroll
from sync.defaults import DEFAULT_TZ
from sync.pusher import Pusher, SyncStatus, read_roster_cache, write_json_atomic

__all__ = [
    "CREDENTIALS_FILE",
    "ROSTER_CACHE_FILE",
    "EnrollError",
    "LinkConfig",
    "SyncLink",
    "SyncStatus",
]

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "credentials.json"
ROSTER_CACHE_FILE = "roster-cache.json"


class LinkConfig(Protocol):
    """What the link needs of a kiosk's config (``kiosk.config.KioskConfig`` fits)."""

    @property
    def server_url(self) -> str: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def store_path(self) -> Path: ...

    @property
    def window(self) -> str: ...


class SyncLink:
    """Connects a kiosk's local store to the central store (see the module docstring).

    ``config`` gives the server, the data dir, the store and the window; keyword arguments
    override it (a link made from keywords alone does not check the window). ``tz`` is the hall's zone (the
    roster's), used when the pusher opens the store. ``pusher_options`` go to ``Pusher``
    (timings, batch size) and ``transport`` to httpx (tests).
    """

    def __init__(
        self,
        config: LinkConfig | None = None,
        *,
        server_url: str | None = None,
        data_dir: Path | None = None,
        store_path: Path | None = None,
        tz: str | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_roster: Callable[[dict[str, Any]], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        pusher_options: dict[str, Any] | None = None,
    ) -> None:
        if config is not None:
            server_url = config.server_url if server_url is None else server_url
            data_dir = config.data_dir if data_dir is None else data_dir
            store_path = config.store_path if store_path is None else store_path
        if data_dir is None or store_path is None:
            raise ValueError("SyncLink needs data_dir and store_path")
        self.server_url = (server_url or "").strip().rstrip("/")
        self.data_dir = Path(data_dir)
        self.store_path = Path(store_path)
        self.tz = tz or DEFAULT_TZ
        self._window: str | None = config.window if config is not None else None
        self._on_status = on_status
        self._on_roster = on_roster
        self._transport = transport
        self._pusher_options = dict(pusher_options or {})
        self._lock = threading.Lock()
        self._pusher: Pusher | None = None
        self._started = False
        self._credentials = self._load_credentials()
        self._status = SyncStatus(state="not_enrolled")

    # -- files --------------------------------------------------------------------------------

    @property
    def credentials_path(self) -> Path:
        return self.data_dir / CREDENTIALS_FILE

    @property
    def roster_cache_path(self) -> Path:
        return self.data_dir / ROSTER_CACHE_FILE

    def cached_roster(self) -> dict[str, Any] | None:
        """The roster the server last sent (``Roster.to_dict()`` form), or None."""
        cached = read_roster_cache(self.roster_cache_path)
        return cached["roster"] if cached else None

    # -- state --------------------------------------------------------------------------------

    @property
    def local_only(self) -> bool:
        """No server configured: ratings stay on this kiosk."""
        return not self.server_url

    @property
    def credentials(self) -> Credentials | None:
        return self._credentials

    @property
    def status(self) -> SyncStatus:
        pusher = self._pusher
        return pusher.status if pusher is not None else self._status

    # -- control ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start syncing if a server is configured and this kiosk is enrolled; else count the
        local backlog once so staff see how many ratings wait."""
        with self._lock:
            if self._started:
                return
            self._started = True
            creds = self._credentials
            if creds is not None and self.server_url and self._window_matches(creds):
                self._start_pusher(creds)
                return
        if creds is not None and self.server_url and not self._window_matches(creds):
            # The config names another window than the credential: every rating would be
            # refused. Keep them all and say so, rather than send them to be set aside.
            log.error(
                "enrolled for window %s but configured as window %s: not syncing until they match",
                creds.window,
                self._window,
            )
            self._set_local(
                state="wrong_window",
                backlog=self._read_backlog(),
                last_error=f"enrolled for window {creds.window}, configured as {self._window}",
            )
            return
        if self.local_only:
            log.info("no server_url configured: ratings stay on this kiosk")
        else:
            log.info("this kiosk is not enrolled yet; ratings are kept until it is")
        self._set_local(backlog=self._read_backlog())

    def notify(self) -> None:
        """A rating was just recorded (GUI thread; returns at once)."""
        pusher = self._pusher
        if pusher is not None:
            pusher.notify()
        elif self._started:
            # Nobody drains the outbox, so every recorded rating adds one.
            self._set_local(backlog=self._status.backlog + 1)

    def enroll(self, code: str) -> Credentials:
        """Exchange a one-time code for this kiosk's credential, save it, start syncing.

        Blocks on the network: call it off the GUI thread. Raises ``EnrollError`` with a
        message fit for the person at the counter.
        """
        if self.local_only:
            raise EnrollError("no server is configured for this kiosk (server_url in its config)")
        with LocalStore(self.store_path, tz=self.tz) as store:
            terminal_id = store.terminal_id
            # The server's time from its answer: the first taps are judged against it.
            creds = enroll(
                self.server_url,
                code.strip(),
                terminal_id,
                transport=self._transport,
                on_server_time=store.note_server_time,
            )
        if not self._window_matches(creds):
            raise EnrollError(
                f"this code was made for window {creds.window}, but this kiosk is window "
                f"{self._window}; ask for a code for window {self._window}"
            )
        self._save_credentials(creds)
        log.info(
            "enrolled as terminal %s for window %s of hall %s",
            creds.terminal,
            creds.window,
            creds.hall,
        )
        with self._lock:
            self._credentials = creds
            if self._pusher is not None:
                self._pusher.set_token(creds.token)
            elif self._started:
                self._start_pusher(creds)
        return creds

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the pusher thread; True if it has ended (it is a daemon thread either way)."""
        with self._lock:
            pusher = self._pusher
        if pusher is None:
            return True
        ended = pusher.stop(timeout)
        if not ended:
            log.warning("the sync thread did not end within %.1f s", timeout)
        return ended

    # -- internals ----------------------------------------------------------------------------

    def _start_pusher(self, creds: Credentials) -> None:
        store_path, tz = self.store_path, self.tz

        def open_store() -> LocalStore:
            # Called on the pusher thread: its own connection to the same file.
            return LocalStore(store_path, tz=tz)

        self._pusher = Pusher(
            open_store,
            self.server_url,
            creds.token,
            transport=self._transport,
            roster_cache=self.roster_cache_path,
            on_roster=self._on_roster,
            on_status=self._on_status,
            **self._pusher_options,
        )
        self._pusher.start()

    def _read_backlog(self) -> int:
        try:
            with LocalStore(self.store_path, tz=self.tz) as store:
                return store.backlog()
        except Exception:
            log.exception("cannot count the local backlog")
            return 0

    def _window_matches(self, creds: Credentials) -> bool:
        return not self._window or creds.window == self._window

    def _set_local(self, **changes: Any) -> None:
        new = replace(self._status, **changes)
        if new == self._status:
            return
        self._status = new
        if self._on_status is not None:
            self._on_status(new)

    def _load_credentials(self) -> Credentials | None:
        path = self.credentials_path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Credentials.from_dict(data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as e:
            # The message never quotes the file: it holds the token.
            log.warning("credentials file %s unusable (%s); enrol again", path, type(e).__name__)
            return None

    def _save_credentials(self, creds: Credentials) -> None:
        write_json_atomic(self.credentials_path, creds.to_dict(), mode=0o600)
