"""Schemathesis over the store's OpenAPI schema: every operation, every check, no failures.

Each operation gets the credential it needs (terminal, board or admin; see ``Provider``); the
``ignored_auth`` check then also proves that leaving it out is refused. The roster import's body is a CSV or
XLSX file whose rules a schema cannot state, so for that one operation a 422 for schema-valid
bytes is expected, not a failure; likewise a phone rating's reasons must be in the hall's roster
and follow a 差评 only. A review's rules are the store's too: a code's check digit, whether it
exists, belongs to that review or was used already, whether the sections take part, whether a
hall has sections at all. A password must be long and varied enough (a setting), and an audit
time range must be real dates in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from assets import DEMO_ROSTER
from sync.server.core.config import Settings
from sync.server.main import build_app, create_app
from tests.helpers.store import StoreDriver
from tests.sync.conftest import admin_token_of, make_settings

CONFIG = """
[checks]
enabled = true

[[operations]]
include-path = "/api/v1/admin/roster"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422"]

[[operations]]
include-path-regex = "^/api/v1/(admin/operators|admin/audit|auth/)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-path = "/api/v1/public/ratings"
checks.positive_data_acceptance.expected-statuses = ["2xx", "403", "404", "409", "422", "429"]

[[operations]]
include-path-regex = "^/api/v1/(inspections|inspection-items|misconduct|cases|appeals|flagged|halls/[^/]+/quarters)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-path-regex = "^/api/v1/(public/review-answers|admin/reviews)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "403", "404", "409", "422", "429"]
"""


OFFICE_PATHS = tuple(
    f"/api/v1/{p}"
    for p in ("inspections", "inspection-items", "misconduct", "cases", "appeals", "flagged")
)
ROLE = "role-"  # a placeholder credential: "Bearer role-admin" until the store swaps it


class Provider:
    """The role each path needs (none for /health and /enroll), as a placeholder credential.

    Schemathesis makes some cases while it collects, before any fixture has run, and keeps the
    credential they were given: so cases carry the role, and ``StoreApp`` puts the real token of
    that role in the request. The ``ignored_auth`` check still proves that leaving it out is
    refused.
    """

    def get(self, case: Any, ctx: Any) -> str | None:
        path: str = case.operation.path
        if path.startswith(("/api/v1/ratings", "/api/v1/terminal")):
            return "terminal"
        if path.startswith(OFFICE_PATHS) or (
            path.startswith("/api/v1/halls") and case.operation.method.upper() == "POST"
        ):
            return "admin"  # the office's records: the admin token passes every role
        if path.startswith("/api/v1/halls"):
            return "board"
        if path.startswith("/api/v1/admin"):
            return "admin"
        return None

    def set(self, case: Any, data: str | None, ctx: Any) -> None:
        if data:
            case.headers = dict(case.headers or {})
            case.headers["Authorization"] = f"Bearer {ROLE}{data}"


class StoreApp:
    """The ASGI app the generated calls go to: the store the ``live_store`` fixture made, with
    each placeholder credential replaced by the real token of its role.

    Schemathesis collects the operations when this module is imported (its fixture-based loader
    does not run under pytest 9), so the schema comes from ``build_app``'s document, which opens
    nothing; the store itself, its database and its admin token file, is made by the fixture.
    """

    def __init__(self) -> None:
        self.app: FastAPI | None = None
        self.tokens: dict[str, str] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "the live_store fixture makes the app"
        if scope["type"] == "http":
            scope = dict(scope, headers=[self._real(k, v) for k, v in scope["headers"]])
        await self.app(scope, receive, send)

    def _real(self, key: bytes, value: bytes) -> tuple[bytes, bytes]:
        prefix = f"Bearer {ROLE}".encode()
        if key.lower() == b"authorization" and value.startswith(prefix):
            role = value[len(prefix) :].decode()
            return key, f"Bearer {self.tokens[role]}".encode()
        return key, value


STORE = StoreApp()
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(build_app(Settings(_env_file=None)).openapi())),  # type: ignore[call-arg]
    config=SchemathesisConfig.from_str(CONFIG),
)
schema.app = STORE
schema.auth(refresh_interval=None)(Provider)  # no caching: the role depends on the operation


@pytest.fixture(scope="module", autouse=True)
def live_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The store on in-memory SQLite with the demo roster, an enrolled terminal and a board
    credential for the generated calls."""
    settings = make_settings(tmp_path_factory.mktemp("schemathesis"), "sqlite://")
    STORE.app = create_app(settings)
    admin = admin_token_of(settings)
    with TestClient(STORE.app) as client:
        driver = StoreDriver(client, admin)
        assert driver.import_roster(DEMO_ROSTER).status_code == 200
        STORE.tokens = {
            "admin": admin,
            "terminal": driver.enrol("A01", unit="YJJ").token,
            "board": client.post(
                "/api/v1/admin/board-credentials", json={"label": "st"}, headers=driver.admin
            ).json()["token"],
        }
        yield
    STORE.app = None


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()
