"""Every mutating operation in /openapi.json writes its audit entry when it succeeds.

Operations come from the schema itself, so one added later is checked too: it fails here until
``tests/sync/api_calls.py`` has a valid call of it (``CALLS``) and either the action it records
(``AUDITED``) or the reason it records none (``NOT_AUDITED``, the citizens' own submissions).
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
    AUDITED,
    CALLS,
    FRESH,
    NOT_AUDITED,
    World,
    expected_status,
    operations,
    role_matrix,
)
from tests.sync.conftest import admin_token_of, make_settings

MUTATING = ("POST ", "PUT ", "PATCH ", "DELETE ")


def _settings(tmp: Path) -> Settings:
    return make_settings(tmp, "")


MUTATIONS = [
    op
    for op in operations(create_app(_settings(Path(tempfile.mkdtemp(prefix="hall-audit-")))))
    if op.startswith(MUTATING)
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = _settings(tmp_path_factory.mktemp("audit"))
    app: FastAPI = create_app(settings)
    with TestClient(app) as client:
        yield World(client, app, admin_token_of(settings))


def _last_seq(world: World) -> int:
    entries = world.store.audit(limit=1)
    return int(entries[0]["seq"]) if entries else 0


def test_every_mutating_operation_is_declared() -> None:
    undeclared = [op for op in MUTATIONS if op not in AUDITED and op not in NOT_AUDITED]
    assert not undeclared, (
        "make these operations call record_audit and name their action in AUDITED in "
        f"tests/sync/api_calls.py (or say in NOT_AUDITED why they record nothing): {undeclared}"
    )
    assert not [op for op in MUTATIONS if op not in CALLS], "see test_every_operation_is_declared"


@pytest.mark.parametrize("operation", MUTATIONS)
def test_a_successful_change_writes_its_entry(world: World, operation: str) -> None:
    # Called by the first credential the role matrix allows (the admin token where it may).
    row = role_matrix()[operation]
    kind = next(
        k
        for k in ("admin", "office", "inspector", "unit", "terminal")
        if expected_status(row, k) == "2xx"
    )
    cred = world.fresh(kind) if kind in FRESH else world.creds[kind]
    request = CALLS[operation](world, cred)  # makes what it acts on first (audited apart)
    before = _last_seq(world)
    response = world.call(request, cred)
    assert 200 <= response.status_code < 300, response.text
    new = [e for e in world.store.audit(limit=100) if e["seq"] > before]
    if operation in NOT_AUDITED:
        assert new == [], f"{operation} is declared NOT_AUDITED but wrote {new}"
        return
    assert [e["action"] for e in new] == [AUDITED[operation]], (
        f"{operation} must write exactly one entry {AUDITED[operation]!r}; wrote {new}"
    )
    entry = new[0]
    assert entry["actor"] and entry["target"] and entry["hash"]
    assert entry["hall"] == "TL"
    check = world.client.get("/api/v1/admin/audit/verify", headers=world.admin).json()
    assert check["ok"], check
