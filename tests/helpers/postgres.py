"""Fresh PostgreSQL databases for tests and benchmarks, on the server ``HALL_TEST_DATABASE_URL`` names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url


def test_database_url() -> str:
    """``HALL_TEST_DATABASE_URL``; a test that needs it FAILS without it (never a silent skip)."""
    url = os.environ.get("HALL_TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "HALL_TEST_DATABASE_URL is not set: PostgreSQL tests need it "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    return url


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@contextmanager
def fresh_database(base_url: str, prefix: str = "hall_test") -> Iterator[str]:
    """A new, empty database next to ``base_url``'s (its URL), dropped afterwards."""
    base = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    maintenance = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
