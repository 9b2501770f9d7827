"""The Alembic migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from sync.server.core.db import Database, run_migrations


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        run_migrations(db.engine)
        run_migrations(db.engine)  # a second start finds nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == []
    finally:
        db.dispose()
