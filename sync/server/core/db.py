"""The engine, sessions and Alembic migrations, for SQLite and PostgreSQL alike.

SQLite allows one writer at a time; a transaction that reads and then writes can fail at once
with "database is locked" when another writer committed in between. So on SQLite every write
transaction takes a process-wide lock first (one server process owns its SQLite file), and the
connection waits ``busy_timeout`` for anything else. PostgreSQL needs neither.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

__all__ = ["MIGRATIONS_DIR", "Database", "alembic_config", "make_engine", "run_migrations"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine with the pragmas the store relies on (SQLite) or a sane pool (PostgreSQL)."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        else:
            path = url.split("///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)

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
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


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
