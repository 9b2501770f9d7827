"""End-to-end fixtures: a real ``hall-server`` process on loopback, over SQLite or PostgreSQL.

Every test runs once per database. The PostgreSQL run needs ``HALL_TEST_DATABASE_URL``
(``postgresql+psycopg://postgres@127.0.0.1:5432/test`` here) and FAILS without it: production
behaviour is never skipped silently. Each test gets a fresh database ``hall_e2e_<random>``,
created through the server's maintenance database and dropped afterwards, so runs repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.hall import HallAdmin
from tests.helpers.postgres import fresh_database, test_database_url
from tests.helpers.server import ServerProcess, start_server

# The server's per-credential rate limit guards against a flooding kiosk; these tests retry
# fast on purpose (to cross many faults in little time), which is not what it is there for.
GENEROUS_LIMITS = {"HALL_RATE_PER_S": "1000", "HALL_RATE_BURST": "1000"}


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    with fresh_database(test_database_url(), "hall_e2e") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the server's own SQLite file in its data dir; else a fresh PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_database_url")
        return url
    return None


@pytest.fixture
def server_env() -> dict[str, str]:
    """``HALL_*`` settings for the server; a test overrides this fixture to add its own."""
    return dict(GENEROUS_LIMITS)


@pytest.fixture
def server(
    tmp_path: Path, database_url: str | None, server_env: dict[str, str]
) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path, database_url, env=server_env)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def hall(server: ServerProcess) -> Iterator[HallAdmin]:
    """The admin at the running server, with the demo hall's roster imported."""
    admin = HallAdmin(server)
    admin.import_roster()
    try:
        yield admin
    finally:
        admin.close()
