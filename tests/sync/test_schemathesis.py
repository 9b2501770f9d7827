"""Schemathesis over the store's OpenAPI schema: every operation, every check, no failures.

Each operation gets the credential it needs (terminal, board or admin); the ``ignored_auth``
check then also proves that leaving it out is refused. The roster import's body is a CSV or
XLSX file whose rules a schema cannot state, so for that one operation a 422 for schema-valid
bytes is expected, not a failure; likewise a phone rating's reasons must be in the hall's roster
and follow a 差评 only. A review's rules are the store's too: a code's check digit, whether it
exists, belongs to that review or was used already, whether the sections take part, whether a
hall has sections at all. A password must be long and varied enough (a setting), and an audit
time range must be real dates in order.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from sync.server.main import create_app
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
include-path-regex = "^/api/v1/(public/review-answers|admin/reviews)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "403", "404", "409", "422", "429"]
"""


class Tokens:
    """The credential each path needs; none for /health and /enroll."""

    def __init__(self, terminal: str, board: str, admin: str) -> None:
        self.terminal, self.board, self.admin = terminal, board, admin

    def get(self, case: Any, ctx: Any) -> str | None:
        path: str = case.operation.path
        if path.startswith(("/api/v1/ratings", "/api/v1/terminal")):
            return self.terminal
        if path.startswith("/api/v1/halls"):
            return self.board
        if path.startswith("/api/v1/admin"):
            return self.admin
        return None

    def set(self, case: Any, data: str | None, ctx: Any) -> None:
        if data:
            case.headers = dict(case.headers or {})
            case.headers["Authorization"] = f"Bearer {data}"


# Built at import: schemathesis collects operations from a loaded schema (its fixture-based lazy
# loader does not run under pytest 9). In-memory SQLite; the admin token file goes to a temp dir
# that the module fixture removes.
_TMP = Path(tempfile.mkdtemp(prefix="hall-schemathesis-"))
_SETTINGS = make_settings(_TMP, "sqlite://")
APP = create_app(_SETTINGS)
TOKENS = Tokens("", "", admin_token_of(_SETTINGS))


class Provider:
    """Schemathesis instantiates the provider itself: delegate to the module's tokens."""

    def get(self, case: Any, ctx: Any) -> str | None:
        return TOKENS.get(case, ctx)

    def set(self, case: Any, data: str | None, ctx: Any) -> None:
        TOKENS.set(case, data, ctx)


schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=SchemathesisConfig.from_str(CONFIG)
)
schema.auth(refresh_interval=None)(Provider)  # no caching: the token depends on the operation


@pytest.fixture(scope="module", autouse=True)
def demo_hall() -> Iterator[None]:
    """The demo roster, an enrolled terminal and a board credential for the generated calls."""
    with TestClient(APP) as client:
        driver = StoreDriver(client, TOKENS.admin)
        roster = Path(__file__).resolve().parents[2] / "assets" / "roster" / "demo-hall.csv"
        assert driver.import_roster(roster).status_code == 200
        TOKENS.terminal = driver.enrol("A01", unit="YJJ").token
        TOKENS.board = client.post(
            "/api/v1/admin/board-credentials", json={"label": "st"}, headers=driver.admin
        ).json()["token"]
        yield
    shutil.rmtree(_TMP, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()
