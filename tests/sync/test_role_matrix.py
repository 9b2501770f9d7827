"""Every operation in /openapi.json × every kind of credential → exactly the documented status.

The expected statuses come from the role matrix in docs/design.md (parsed by
``tests/sync/api_calls.py``); an operation that is not in that table, or has no call in
``CALLS``, fails here, so an operation added later must be declared before it lands.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sync.server.core.config import Settings
from sync.server.main import create_app
from tests.sync.api_calls import (
    CALLS,
    FRESH,
    KINDS,
    World,
    expected_status,
    operations,
    role_matrix,
)
from tests.sync.conftest import admin_token_of, make_settings

# Operations that end or change the caller's own session get a fresh one per call.
CONSUMES_SESSION = {"DELETE /auth/session", "POST /auth/password"}


def _settings(tmp: Path) -> Settings:
    # Phone ratings from one test client must not hit the per-address limits.
    return make_settings(
        tmp, "", qr_min_interval_s=0, qr_ip_per_hour=1_000_000, qr_window_per_hour=1_000_000
    )


_TMP = Path(tempfile.mkdtemp(prefix="hall-matrix-schema-"))
OPERATIONS = operations(create_app(_settings(_TMP)))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = _settings(tmp_path_factory.mktemp("matrix"))
    app: FastAPI = create_app(settings)
    with TestClient(app) as client:
        yield World(client, app, admin_token_of(settings))


def test_every_operation_is_declared() -> None:
    matrix = role_matrix()
    missing = [op for op in OPERATIONS if op not in matrix]
    assert not missing, f"add these operations to docs/design.md's role matrix: {missing}"
    stale = [op for op in matrix if op not in OPERATIONS]
    assert not stale, f"docs/design.md's role matrix names operations the API lacks: {stale}"
    uncalled = [op for op in OPERATIONS if op not in CALLS]
    assert not uncalled, f"add a valid call of these to tests/sync/api_calls.py CALLS: {uncalled}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_answers_each_credential_as_documented(world: World, operation: str) -> None:
    row = role_matrix().get(operation)
    recipe = CALLS.get(operation)
    assert row is not None and recipe is not None, f"{operation} is not declared (see above)"
    got: dict[str, str] = {}
    want: dict[str, str] = {}
    for kind in KINDS:
        cred = world.creds[kind]
        if operation in CONSUMES_SESSION and kind in FRESH:
            cred = world.fresh(kind)
        response = world.call(recipe(world, cred), cred)
        status = response.status_code
        got[kind] = "2xx" if 200 <= status < 300 or status == 304 else str(status)
        want[kind] = expected_status(row, kind)
        if got[kind] in ("401", "403"):
            assert response.json()["detail"], (kind, response.text)
    assert got == want
