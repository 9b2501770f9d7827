"""A fault-injecting HTTP proxy on loopback, between the kiosks' pushers and ``hall-server``.

It speaks just enough HTTP/1.1 to cut requests and responses at their boundaries: it reads one
request (head plus ``Content-Length`` body), forwards it on a fresh upstream connection with
``Connection: close``, reads the whole response, and then, as its ``Faults`` schedule says for
that batch request, either passes the response on, drops it after the server committed (closes
the client connection without a byte), stalls past the client's timeout, or answers 500 itself
without ever reaching the server. Every answer it does pass on carries ``Connection: close``, so
each client request is one connection and a dropped one cannot poison the next.

Only ``POST /api/v1/ratings/batch`` is subject to faults; everything else passes. ``stats``
counts what actually happened, so a test can prove each fault was exercised, not just planned.

    with FaultProxy(upstream_port) as proxy:
        proxy.faults = Faults(drop_every=5, error_every=7, stall_every=11, stall_s=1.5)
        done = proxy.on_next_batch(lambda: server.kill())   # SIGKILL while a batch is in flight
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

__all__ = ["FaultProxy", "Faults"]

BATCH_PATH = b"/api/v1/ratings/batch"
_HEAD_LIMIT = 64 * 1024
_IO_TIMEOUT = 30.0


@dataclass(frozen=True)
class Faults:
    """Which batch requests (numbered from 1 as they arrive) meet which fault.

    A number that several rules pick gets the first of: 500, drop, stall. ``0`` turns a rule off.
    """

    drop_every: int = 0  # forward, let the server commit, then drop its answer
    error_every: int = 0  # answer 500 at the proxy; the server never sees the batch
    stall_every: int = 0  # forward, then hold the answer beyond the client's timeout
    stall_s: float = 1.5

    def plan(self, n: int) -> str:
        if self.error_every and n % self.error_every == 0:
            return "error_500"
        if self.drop_every and n % self.drop_every == 0:
            return "dropped_after_commit"
        if self.stall_every and n % self.stall_every == 0:
            return "stalled"
        return "passed"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class FaultProxy:
    """Listen on a free loopback port and forward to ``127.0.0.1:upstream_port``."""

    def __init__(self, upstream_port: int, faults: Faults | None = None) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.faults = faults
        self.stats: Counter[str] = Counter()
        self.dropped_statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._batches = 0
        self._hooks: list[tuple[Callable[[], None], threading.Event]] = []
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fault-proxy", daemon=True
        )
        self._thread.start()

    def on_next_batch(self, action: Callable[[], None]) -> threading.Event:
        """Run ``action`` on the proxy's thread right after the next batch request has been
        forwarded (the server holds it, its answer not yet back); the event is set after."""
        done = threading.Event()
        with self._lock:
            self._hooks.append((action, done))
        return done

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- used by the handler threads ----------------------------------------------------------

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def _plan(self, is_batch: bool) -> str:
        with self._lock:
            if not is_batch:
                return "passed"
            self._batches += 1
            self.stats["batches"] += 1
            faults = self.faults
            return faults.plan(self._batches) if faults else "passed"

    def _take_hook(self) -> tuple[Callable[[], None], threading.Event] | None:
        with self._lock:
            return self._hooks.pop(0) if self._hooks else None


class _Handler(socketserver.BaseRequestHandler):
    request: socket.socket
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        client = self.request
        client.settimeout(_IO_TIMEOUT)
        try:
            head, body = _read_message(client)
        except (OSError, ValueError):
            return
        if not head:
            return
        request_line = head.split(b"\r\n", 1)[0]
        parts = request_line.split(b" ")
        is_batch = len(parts) >= 2 and parts[0] == b"POST" and parts[1] == BATCH_PATH
        plan = proxy._plan(is_batch)

        if plan == "error_500":
            proxy._count("error_500")
            payload = b'{"detail":"injected by the fault proxy"}'
            _send_all(
                client,
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(payload), payload),
            )
            return
        try:
            upstream = socket.create_connection(proxy.upstream, timeout=_IO_TIMEOUT)
        except OSError:
            proxy._count("upstream_down")
            return  # the client sees the connection closed with no answer
        with upstream:
            try:
                upstream.sendall(_with_close(head) + body)
            except OSError:
                proxy._count("upstream_failed")
                return
            if is_batch:
                hook = proxy._take_hook()
                if hook is not None:
                    action, done = hook
                    try:
                        action()
                    finally:
                        done.set()
            try:
                rhead, rbody = _read_message(upstream)
            except (OSError, ValueError):
                rhead = b""
        if not rhead:
            # The server died (or hung up) with the batch in hand: the client gets nothing.
            proxy._count("upstream_failed")
            return
        if plan == "dropped_after_commit":
            status = int(rhead.split(b" ", 2)[1])
            with proxy._lock:
                proxy.stats[plan] += 1
                proxy.dropped_statuses[status] += 1
            return
        if plan == "stalled":
            proxy._count(plan)
            proxy._closing.wait(proxy.faults.stall_s if proxy.faults else 0)
            return
        proxy._count("passed")
        _send_all(client, _with_close(rhead) + rbody)


def _read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP message: its head (through the blank line) and its body; ``b""`` head at EOF.

    A body without ``Content-Length`` (chunked, or until close) is read until the peer closes.
    """
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            if buf:
                raise ValueError("connection closed mid-head")
            return b"", b""
        buf += chunk
        if len(buf) > _HEAD_LIMIT:
            raise ValueError("head too large")
    head, _, rest = buf.partition(b"\r\n\r\n")
    head += b"\r\n\r\n"
    length = _content_length(head)
    if length is None:
        if head.startswith(b"HTTP/"):
            while chunk := sock.recv(65536):
                rest += chunk
        return head, rest
    while len(rest) < length:
        chunk = sock.recv(min(65536, length - len(rest)))
        if not chunk:
            raise ValueError("connection closed mid-body")
        rest += chunk
    return head, rest[:length]


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def _with_close(head: bytes) -> bytes:
    """The head with ``Connection: close`` instead of whatever it said."""
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [lines[0]] + [
        ln for ln in lines[1:] if ln.partition(b":")[0].strip().lower() != b"connection"
    ]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n"


def _send_all(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass
