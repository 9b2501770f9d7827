"""The engine, sessions and Alembic migrations, for SQLite and PostgreSQL alike.

SQLite allows one writer at a time; a transaction that reads and then writes can fail at once
with "database is locked" when another writer committed in between. So on SQLite every write
transaction takes a process-wide lock first (one server process owns its SQLite file), and the
connection waits ``busy_timeout`` for anything else. PostgreSQL needs neither.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

__all__ = [
    "MIGRATIONS_DIR",
    "Database",
    "alembic_config",
    "make_engine",
    "private_dir",
    "private_file",
    "run_migrations",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine with the pragmas the store relies on (SQLite) or a sane pool (PostgreSQL).

    A failing statement never logs or raises with its bound parameters (``hide_parameters``):
    they may hold a citizen's phone number. A SQLite file and the directory made for it are the
    owner's alone (0600 / 0700): they hold phone numbers and credential hashes.
    """
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        else:
            private_file(Path(url.split("///", 1)[-1]))
        engine = create_engine(url, hide_parameters=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            # An acknowledged rating must survive a power cut: the pusher forgets it after "stored".
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


def private_dir(path: Path) -> None:
    """Make ``path`` (and missing parents) as a directory only its owner can enter (0700).

    A directory that already exists keeps its mode: an operator may have chosen it.
    """
    if path.is_dir():
        return
    if not path.parent.exists():
        private_dir(path.parent)
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is cut by the umask


def private_file(path: Path) -> None:
    """Make sure ``path`` and SQLite's companions (-wal, -shm, -journal) are 0600 (owner only)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # before SQLite makes it 0644
    os.close(fd)
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists() and companion.stat().st_mode & 0o077:
            os.chmod(companion, 0o600)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def run_migrations(engine: Engine) -> None:
    """Bring the database to the current schema (Alembic ``upgrade head``)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("database schema is current (%s)", engine.url.render_as_string(hide_password=True))


class Database:
    """The engine plus the rule for writing: ``with db.write() as session: ...`` commits once."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.is_memory = url in ("sqlite://", "sqlite:///:memory:")
        self._write_lock = threading.Lock() if self.is_sqlite else None

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed if the block ends normally, rolled back otherwise."""
        lock = self._write_lock or contextlib.nullcontext()
        with lock, self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close pooled connections (an in-memory database would be lost: kept)."""
        if not self.is_memory:
            self.engine.dispose()
