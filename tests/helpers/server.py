"""Start the real ``hall-server`` process on a free loopback port, for e2e and CLI tests.

    srv = start_server(tmp_path)                 # SQLite in tmp_path/server
    srv = start_server(tmp_path, database_url=pg) # PostgreSQL
    httpx.get(f"{srv.url}/api/v1/health")
    srv.kill(); srv.restart()                     # SIGKILL, then the same port, data and DB
    srv.stop()                                    # SIGTERM, then SIGKILL after a deadline

The server's stdout and stderr go to ``srv.log_path`` (appended across restarts), so a test can
check what the server logged (e.g. that no token ever appears).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["ServerProcess", "free_port", "start_server"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _command() -> list[str]:
    script = Path(sys.executable).parent / "hall-server"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sync.server.cli"]


@dataclass
class ServerProcess:
    """A running ``hall-server``: its URL, the admin token, and the process to stop or kill."""

    url: str
    admin_token: str
    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path
    database_url: str | None
    env: dict[str, str] = field(repr=False)

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait (uvicorn finishes in-flight requests); SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as in a power cut."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def restart(self, timeout: float = 30.0) -> None:
        """Start again on the same port, data dir and database (after ``kill`` or ``stop``)."""
        if self.proc.poll() is None:
            raise RuntimeError("the server is still running; stop() or kill() it first")
        self.proc = _spawn(self.port, self.env, self.log_path)
        _wait_healthy(self.url, self.proc, self.log_path, timeout)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _spawn(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*_command(), "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"hall-server exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise TimeoutError(
        f"hall-server not healthy within {timeout} s:\n{log_path.read_text()[-3000:]}"
    )


def start_server(
    tmp_path: Path,
    database_url: str | None = None,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> ServerProcess:
    """Start ``hall-server`` with its data in ``tmp_path/server``; wait until it answers.

    ``database_url`` None means SQLite in the data dir, and the admin token is the one the
    server wrote on first start; for another database the helper sets ``HALL_ADMIN_TOKEN`` (so
    a reused database still lets it in). ``env`` adds or overrides ``HALL_*`` settings.
    """
    data_dir = tmp_path / "server"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
    full_env["HALL_DATA_DIR"] = str(data_dir)
    full_env["PYTHONUNBUFFERED"] = "1"
    given_token = None
    if database_url:
        full_env["HALL_DATABASE_URL"] = database_url
        given_token = secrets.token_urlsafe(32)
        full_env["HALL_ADMIN_TOKEN"] = given_token
    full_env.update(env or {})
    given_token = full_env.get("HALL_ADMIN_TOKEN", given_token)

    for attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = _spawn(port, full_env, log_path)
        try:
            _wait_healthy(url, proc, log_path, timeout)
            break
        except RuntimeError:
            # Another process may have taken the port between probe and bind: try another.
            if attempt == 2 or "address already in use" not in log_path.read_text().lower():
                raise
    token = given_token or (data_dir / "admin-token").read_text().strip()
    return ServerProcess(url, token, proc, port, data_dir, log_path, database_url, full_env)
