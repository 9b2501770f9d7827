"""The app factory: ``create_app(settings)`` migrates the database and wires the API.

On first start with no admin credential the server makes one and writes its token to
``<data dir>/admin-token`` (mode 0600); only the file's path is logged. ``HALL_ADMIN_TOKEN``
sets the token instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlmodel import col, select

from sync.client import API_PREFIX
from sync.server import __version__
from sync.server import models as m
from sync.server.api.errors import BodyLimitMiddleware, install_error_handlers
from sync.server.api.routes import (
    admin,
    appeals,
    audit,
    auth,
    cases,
    enrol,
    exports,
    halls,
    health,
    inspections,
    operators,
    public,
    quarters,
    ratings,
    reviews,
    terminal,
)
from sync.server.core.config import Settings
from sync.server.core.db import Database, private_dir, run_migrations
from sync.server.core.security import FailureLimiter, RateLimiter, hash_secret, new_token
from sync.server.core.types import utcnow

__all__ = ["API_PREFIX", "build_app", "create_app", "ensure_admin_credential"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app over ``settings.database_url`` (migrated to the current schema)."""
    settings = settings or Settings()
    db = Database(settings.sqlalchemy_url())
    run_migrations(db.engine)
    ensure_admin_credential(db, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        db.dispose()

    app = build_app(settings, lifespan=lifespan)
    app.state.db = db
    return app


def build_app(
    settings: Settings,
    *,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """The routes, error handlers, limits and log filters, with no database opened yet:
    ``create_app`` serves it, and its ``openapi()`` is the API's document (tests read it)."""
    app = FastAPI(
        title="Hall Ratings central store",
        version=__version__,
        summary="Ratings in from the counter kiosks, roster out to them, standings data to the board.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = utcnow
    app.state.limiter = RateLimiter(settings.rate_per_s, settings.rate_burst)
    app.state.enrol_failures = FailureLimiter(
        settings.enrol_max_failures, settings.enrol_failure_window_s
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        health,
        auth,
        enrol,
        ratings,
        terminal,
        halls,
        admin,
        operators,
        audit,
        exports,
        reviews,
        inspections,
        cases,
        appeals,
        quarters,
        public,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(public.pages)  # GET /rate: the page behind a window's QR code
    public.install(app, settings)
    return app


def ensure_admin_credential(db: Database, settings: Settings) -> None:
    """Make sure an admin can get in: the configured token, or a generated one on first start."""
    with db.write() as session:
        if settings.admin_token is not None:
            digest = hash_secret(settings.admin_token.get_secret_value())
            found = session.exec(
                select(m.Credential).where(m.Credential.token_hash == digest)
            ).first()
            if found is None:
                session.add(m.Credential(kind="admin", token_hash=digest, label="HALL_ADMIN_TOKEN"))
                log.info("admin credential from HALL_ADMIN_TOKEN registered")
            elif found.kind != "admin" or found.revoked_at is not None:
                raise RuntimeError(
                    "HALL_ADMIN_TOKEN matches a credential that is not an active admin's"
                )
            return
        active = session.exec(
            select(m.Credential).where(
                m.Credential.kind == "admin", col(m.Credential.revoked_at).is_(None)
            )
        ).first()
        if active is not None:
            return
        token = new_token()
        path = settings.admin_token_file
        private_dir(path.parent)
        # Written before the commit: a failed commit leaves a stale file the next start replaces,
        # never a credential nobody can use.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        os.chmod(path, 0o600)
        session.add(m.Credential(kind="admin", token_hash=hash_secret(token), label="first start"))
    log.info("first start: admin token written to %s", path)
