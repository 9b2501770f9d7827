"""Fixtures for the central store's tests: an app over SQLite in tmp_path (or PostgreSQL).

``store`` is parametrized over both databases; PostgreSQL needs ``HALL_TEST_DATABASE_URL`` and
the test FAILS without it (CI must not skip production behaviour silently). Each PostgreSQL test
gets a database of its own, created through the ``postgres`` maintenance database and dropped
afterwards, so runs are repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sync.server.core.config import Settings
from sync.server.main import create_app
from tests.helpers.postgres import fresh_database, test_database_url
from tests.helpers.store import Enrolled, StoreDriver

DEMO_UNIT_OF = {"A01": "YJJ"}


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    with fresh_database(test_database_url(), "hall_test") as url:
        yield url


def make_settings(tmp_path: Path, database_url: str = "", **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "server",
        "database_url": database_url,
        "admin_token": None,
        "rate_per_s": 10_000.0,
        "rate_burst": 10_000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


def admin_token_of(settings: Settings) -> str:
    return settings.admin_token_file.read_text().strip()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_database_url")
        return url
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def store(client: TestClient, settings: Settings) -> StoreDriver:
    return StoreDriver(client, admin_token_of(settings))


@pytest.fixture
def hall(store: StoreDriver, demo_roster_path: Path) -> StoreDriver:
    """A store with the demo hall's roster imported."""
    r = store.import_roster(demo_roster_path)
    assert r.status_code == 200, r.text
    return store


@pytest.fixture
def kiosk(hall: StoreDriver) -> Enrolled:
    """A terminal enrolled for window A01 (unit YJJ) of the demo hall."""
    return hall.enrol("A01", unit=DEMO_UNIT_OF["A01"])
