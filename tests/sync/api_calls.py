"""One valid call of every API operation, for the role matrix and the audit coverage tests.

``CALLS["POST /admin/operators"](world, cred)`` builds a request that succeeds for a caller
allowed to make it, in hall TL (unit YJJ where a unit matters), making whatever it acts on
afresh (a terminal to revoke, a flagged rating to release …) through the admin token. A new
operation needs an entry here, in ``AUDITED`` (the action its success writes to the audit log)
or ``NOT_AUDITED`` (with the reason), and a row in docs/design.md's role matrix; the tests fail
until it has them.

``World`` is one store with the demo hall TL, a second hall NC, and a credential of every kind:
``none``, ``garbage``, ``terminal``, ``board``, ``admin``, ``office``, ``inspector``, ``unit``
(of TL / YJJ), ``office_other`` and ``inspector_other`` (of NC), ``unit_other`` (TL, unit SJJ),
``disabled`` (an office operator of TL, disabled) and ``expired`` (an office session of TL
signed in 11 hours ago).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.store import Enrolled, StoreDriver

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
DEMO_ROSTER = ROOT / "assets" / "roster" / "demo-hall.csv"
DESIGN = ROOT / "docs" / "design.md"
PASSWORD = "correct horse battery"
OPERATOR_KINDS = ("office", "inspector", "unit")
KINDS = (
    "none",
    "garbage",
    "terminal",
    "board",
    "admin",
    "office",
    "inspector",
    "unit",
    "office_other",
    "inspector_other",
    "unit_other",
    "disabled",
    "expired",
)
# The operator kinds a call may sign out or re-password: those get a fresh session per call.
FRESH: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "office": ("office", ("TL",), None),
    "inspector": ("inspector", ("TL",), None),
    "unit": ("unit", ("TL",), "YJJ"),
    "office_other": ("office", ("NC",), None),
    "inspector_other": ("inspector", ("NC",), None),
    "unit_other": ("unit", ("TL",), "SJJ"),
}


@dataclass
class Cred:
    kind: str
    headers: dict[str, str]
    name: str | None = None
    password: str | None = None


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


class World:
    """A store with two halls and a credential of every kind (see the module docstring)."""

    def __init__(self, client: TestClient, app: FastAPI, admin_token: str) -> None:
        self.client = client
        self.app = app
        self.store = StoreDriver(client, admin_token)
        self.admin = self.store.admin
        self.n = count(1)
        roster = DEMO_ROSTER.read_bytes()
        assert self.store.import_roster(roster, "demo-hall.csv").status_code == 200
        nc = roster.replace(b"hall,TL,", b"hall,NC,", 1)
        assert self.store.import_roster(nc, "nc.csv").status_code == 200
        self.kiosk = self.store.enrol("A01", unit="YJJ", hall="TL")
        board = self.post("/admin/board-credentials", {"hall": "TL", "label": "matrix"})
        self.creds: dict[str, Cred] = {
            "none": Cred("none", {}),
            "garbage": Cred("garbage", {"Authorization": "Bearer not-a-token-of-this-store"}),
            "terminal": Cred("terminal", self.kiosk.headers),
            "board": Cred("board", {"Authorization": f"Bearer {board['token']}"}),
            "admin": Cred("admin", self.admin),
        }
        for kind in FRESH:
            self.creds[kind] = self.fresh(kind)
        disabled = self.fresh("office")
        self.post(f"/admin/operators/{disabled.name}/disable", None)
        self.creds["disabled"] = Cred("disabled", disabled.headers, disabled.name)
        now = self.app.state.clock
        self.app.state.clock = lambda: datetime.now(UTC) - timedelta(hours=11)
        try:
            expired = self.fresh("office")
        finally:
            self.app.state.clock = now
        self.creds["expired"] = Cred("expired", expired.headers, expired.name)
        self.signin_name = self.operator("inspector", ("TL",), None)
        self.review_quarters = (f"{y}Q{q}" for y in range(2025, 1990, -1) for q in (4, 3, 2, 1))
        # Ended quarters to publish, one per call (the office's close and reopen).
        self.past_quarters = (f"{y}Q{q}" for y in range(2024, 1900, -1) for q in (4, 3, 2, 1))
        self.review = self.new_review()

    # ---------------------------------------------------------------- helpers

    def post(self, path: str, body: Any, status: int | None = None) -> Any:
        r = self.client.post(f"{API}{path}", json=body, headers=self.admin)
        assert r.status_code < 300 if status is None else r.status_code == status, r.text
        return r.json() if r.content else None

    def operator(self, role: str, halls: tuple[str, ...], unit: str | None) -> str:
        name = f"op{next(self.n)}.{role}"
        self.store.add_operator(name, role, halls, unit, PASSWORD)
        return name

    def fresh(self, kind: str) -> Cred:
        """A new operator of ``kind`` (see ``FRESH``), signed in."""
        role, halls, unit = FRESH[kind]
        name = self.operator(role, halls, unit)
        signed = self.store.sign_in(name, PASSWORD)
        return Cred(kind, signed.headers, name, PASSWORD)

    def new_terminal(self) -> Enrolled:
        return self.store.enrol("A01", "YJJ", f"matrix-kiosk-{next(self.n)}", hall="TL")

    def new_board_credential(self) -> int:
        made: dict[str, Any] = self.post("/admin/board-credentials", {"hall": "TL"})
        return int(made["id"])

    def flagged_rating(self) -> str:
        rec = self.kiosk.chain.next(flags=("interval",))
        r = self.store.push(self.kiosk, [rec])
        assert r.json()["results"][0]["status"] == "stored", r.text
        return rec.id

    def new_review(self) -> dict[str, Any]:
        review: dict[str, Any] = self.post(
            "/admin/reviews", {"hall": "TL", "quarter": next(self.review_quarters)}
        )
        return review

    def invitation_code(self) -> str:
        made = self.post(f"/admin/reviews/{self.review['id']}/blank-invitations", {"count": 1})
        code: str = made["invitations"][0]["code"]
        return code

    def call(self, req: Req, cred: Cred) -> Any:
        headers = dict(cred.headers) | req.headers
        return self.client.request(
            req.method,
            f"{API}{req.path}",
            params=req.params,
            json=req.json,
            content=req.content,
            headers=headers,
        )


Recipe = Callable[[World, Cred], Req]
ANSWERS = [{"section": "BDC01", "problems": ["tui"]}]


def _quarter() -> str:
    now = datetime.now(UTC) + timedelta(hours=8)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


CALLS: dict[str, Recipe] = {
    "GET /health": lambda w, c: Req("GET", "/health"),
    "POST /enroll": lambda w, c: Req(
        "POST", "/enroll", json={"code": w.store.code("A01", hall="TL")}
    ),
    "POST /public/ratings": lambda w, c: Req(
        "POST", "/public/ratings", json={"window": "A01", "hall": "TL", "level": 5}
    ),
    "POST /public/review-answers": lambda w, c: Req(
        "POST", "/public/review-answers", json={"code": w.invitation_code(), "answers": ANSWERS}
    ),
    "POST /auth/session": lambda w, c: Req(
        "POST", "/auth/session", json={"name": w.signin_name, "password": PASSWORD}
    ),
    "GET /auth/session": lambda w, c: Req("GET", "/auth/session"),
    "DELETE /auth/session": lambda w, c: Req("DELETE", "/auth/session"),
    "POST /auth/password": lambda w, c: Req(
        "POST", "/auth/password", json={"current": c.password or "x", "new": f"new one {next(w.n)}"}
    ),
    "POST /ratings/batch": lambda w, c: Req(
        "POST", "/ratings/batch", json={"records": [w.kiosk.chain.next().to_dict()]}
    ),
    "GET /terminal/roster": lambda w, c: Req("GET", "/terminal/roster"),
    "GET /halls": lambda w, c: Req("GET", "/halls"),
    "GET /halls/{hall}/aggregates": lambda w, c: Req("GET", "/halls/TL/aggregates"),
    "POST /admin/roster": lambda w, c: Req(
        "POST",
        "/admin/roster",
        params={"filename": "demo-hall.csv"},
        content=DEMO_ROSTER.read_bytes(),
        headers={"Content-Type": "text/csv"},
    ),
    "GET /admin/halls/{hall}/roster": lambda w, c: Req("GET", "/admin/halls/TL/roster"),
    "GET /admin/halls/{hall}/ratings": lambda w, c: Req(
        "GET", "/admin/halls/TL/ratings", params={"quarter": _quarter()}
    ),
    "POST /admin/enrolment-codes": lambda w, c: Req(
        "POST", "/admin/enrolment-codes", json={"window": "A01", "hall": "TL"}
    ),
    "GET /admin/terminals": lambda w, c: Req("GET", "/admin/terminals"),
    "POST /admin/terminals/{terminal}/revoke": lambda w, c: Req(
        "POST", f"/admin/terminals/{w.new_terminal().terminal}/revoke"
    ),
    "POST /admin/board-credentials": lambda w, c: Req(
        "POST", "/admin/board-credentials", json={"hall": "TL"}
    ),
    "GET /admin/board-credentials": lambda w, c: Req("GET", "/admin/board-credentials"),
    "POST /admin/board-credentials/{credential}/revoke": lambda w, c: Req(
        "POST", f"/admin/board-credentials/{w.new_board_credential()}/revoke"
    ),
    "GET /admin/anomalies": lambda w, c: Req("GET", "/admin/anomalies"),
    "GET /admin/ratings": lambda w, c: Req("GET", "/admin/ratings"),
    "POST /admin/ratings/{rating}/release": lambda w, c: Req(
        "POST", f"/admin/ratings/{w.flagged_rating()}/release"
    ),
    "GET /admin/operators": lambda w, c: Req("GET", "/admin/operators"),
    "POST /admin/operators": lambda w, c: Req(
        "POST",
        "/admin/operators",
        json={"name": f"new{next(w.n)}", "role": "inspector", "halls": ["TL"]},
    ),
    "POST /admin/operators/{name}/password": lambda w, c: Req(
        "POST", f"/admin/operators/{w.operator('inspector', ('TL',), None)}/password"
    ),
    "POST /admin/operators/{name}/disable": lambda w, c: Req(
        "POST", f"/admin/operators/{w.operator('inspector', ('TL',), None)}/disable"
    ),
    "POST /admin/operators/{name}/enable": lambda w, c: Req(
        "POST", f"/admin/operators/{_disabled(w)}/enable"
    ),
    "GET /admin/audit": lambda w, c: Req("GET", "/admin/audit"),
    "GET /admin/audit/verify": lambda w, c: Req("GET", "/admin/audit/verify"),
    "POST /admin/reviews": lambda w, c: Req(
        "POST", "/admin/reviews", json={"hall": "TL", "quarter": next(w.review_quarters)}
    ),
    "GET /admin/reviews": lambda w, c: Req("GET", "/admin/reviews"),
    "GET /admin/reviews/{review}": lambda w, c: Req("GET", f"/admin/reviews/{w.review['id']}"),
    "POST /admin/reviews/{review}/close": lambda w, c: Req(
        "POST", f"/admin/reviews/{w.new_review()['id']}/close"
    ),
    "POST /admin/reviews/{review}/invitations": lambda w, c: Req(
        "POST",
        f"/admin/reviews/{w.review['id']}/invitations",
        params={"filename": "list.csv"},
        content="姓名,地址,电话,科室\n王芳,铜梁区巴川街道龙城大道1号,,BDC01\n".encode(),
        headers={"Content-Type": "text/csv"},
    ),
    "POST /admin/reviews/{review}/blank-invitations": lambda w, c: Req(
        "POST", f"/admin/reviews/{w.review['id']}/blank-invitations", json={"count": 1}
    ),
    "POST /admin/reviews/{review}/paper": lambda w, c: Req(
        "POST",
        f"/admin/reviews/{w.review['id']}/paper",
        json={"code": w.invitation_code(), "answers": ANSWERS},
    ),
    "GET /admin/reviews/{review}/results": lambda w, c: Req(
        "GET", f"/admin/reviews/{w.review['id']}/results"
    ),
    # The hall office's records (unit YJJ's 差评 at window A01, made afresh where they change).
    "GET /inspection-items": lambda w, c: Req("GET", "/inspection-items", params={"hall": "TL"}),
    "GET /inspections": lambda w, c: Req("GET", "/inspections"),
    "POST /inspections": lambda w, c: Req("POST", "/inspections", json=_inspection(w)),
    "POST /inspections/{inspection}/void": lambda w, c: Req(
        "POST", f"/inspections/{w.post('/inspections', _inspection(w))['id']}/void", json=VOID
    ),
    "GET /misconduct": lambda w, c: Req("GET", "/misconduct"),
    "POST /misconduct": lambda w, c: Req("POST", "/misconduct", json=_misconduct(w)),
    "POST /misconduct/{misconduct}/void": lambda w, c: Req(
        "POST", f"/misconduct/{w.post('/misconduct', _misconduct(w))['id']}/void", json=VOID
    ),
    "GET /cases": lambda w, c: Req("GET", "/cases"),
    "GET /cases/{case}": lambda w, c: Req("GET", f"/cases/{_bad_case(w)['id']}"),
    "POST /cases/{case}/steps": lambda w, c: Req(
        "POST", f"/cases/{_bad_case(w)['id']}/steps", json={"step": "rectified", "note": "已整改"}
    ),
    "GET /appeals": lambda w, c: Req("GET", "/appeals"),
    "POST /appeals": lambda w, c: Req(
        "POST", "/appeals", json={"rating": _bad_case(w)["rating"], "reason": "系统故障"}
    ),
    "POST /appeals/{appeal}/decision": lambda w, c: Req(
        "POST",
        f"/appeals/{w.post('/appeals', {'rating': _bad_case(w)['rating'], 'reason': 'x'})['id']}"
        "/decision",
        json={"accept": False, "note": "不属实"},
    ),
    "GET /flagged": lambda w, c: Req("GET", "/flagged"),
    "POST /flagged/{rating}/decision": lambda w, c: Req(
        "POST", f"/flagged/{w.flagged_rating()}/decision", json={"decision": "exclude", "note": "x"}
    ),
    "GET /halls/{hall}/quarters": lambda w, c: Req("GET", "/halls/TL/quarters"),
    "GET /halls/{hall}/quarters/{quarter}": lambda w, c: Req(
        "GET", f"/halls/TL/quarters/{_quarter()}"
    ),
    "POST /halls/{hall}/quarters/{quarter}/close": lambda w, c: _close(w, next(w.past_quarters)),
    "POST /halls/{hall}/quarters/{quarter}/reopen": lambda w, c: _reopen(w),
}

VOID = {"reason": "录入错误"}


def _today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


def _inspection(w: World) -> dict[str, Any]:
    return {"hall": "TL", "unit": "YJJ", "day": _today(), "item": "late"}


def _misconduct(w: World) -> dict[str, Any]:
    return {"hall": "TL", "unit": "YJJ", "day": _today(), "summary": "x", "verified_by": "纪检组"}


def _bad_case(w: World) -> dict[str, Any]:
    """A fresh 差评 of unit YJJ (no phone number) and the case it opened."""
    rec = w.kiosk.chain.next(1, ("tui",))
    assert w.store.push(w.kiosk, [rec]).json()["results"][0]["status"] == "stored"
    r = w.client.get(f"{API}/cases", params={"unit": "YJJ", "status": "new"}, headers=w.admin)
    case: dict[str, Any] = next(c for c in r.json() if c["rating"] == rec.id)
    return case


def _close(w: World, quarter: str) -> Req:
    """Publish an ended quarter: its aggregates' digest and the engine's standings of them."""
    from board.published import standings_to_dict
    from board.standings import compute_standings
    from sync.publish import aggregates_digest

    r = w.client.get(f"{API}/halls/TL/aggregates", params={"quarter": quarter}, headers=w.admin)
    agg = r.json()
    body = {
        "digest": aggregates_digest(agg),
        "standings": standings_to_dict(compute_standings(agg)),
    }
    return Req("POST", f"/halls/TL/quarters/{quarter}/close", json=body)


def _reopen(w: World) -> Req:
    quarter = next(w.past_quarters)
    req = _close(w, quarter)
    w.post(req.path, req.json)
    return Req("POST", f"/halls/TL/quarters/{quarter}/reopen", json={"reason": "改判"})


def _disabled(w: World) -> str:
    name = w.operator("inspector", ("TL",), None)
    w.post(f"/admin/operators/{name}/disable", None)
    return name


# What a successful call of each mutating operation writes to the audit log.
AUDITED: dict[str, str] = {
    "POST /enroll": "terminal.enrol",
    "POST /auth/session": "session.sign_in",
    "DELETE /auth/session": "session.sign_out",
    "POST /auth/password": "operator.change_password",
    "POST /admin/roster": "roster.import",
    "POST /admin/enrolment-codes": "enrolment_code.create",
    "POST /admin/terminals/{terminal}/revoke": "terminal.revoke",
    "POST /admin/board-credentials": "board_credential.create",
    "POST /admin/board-credentials/{credential}/revoke": "board_credential.revoke",
    "POST /admin/ratings/{rating}/release": "rating.release",
    "POST /admin/operators": "operator.create",
    "POST /admin/operators/{name}/password": "operator.reset_password",
    "POST /admin/operators/{name}/disable": "operator.disable",
    "POST /admin/operators/{name}/enable": "operator.enable",
    "POST /admin/reviews": "review.start",
    "POST /admin/reviews/{review}/close": "review.close",
    "POST /admin/reviews/{review}/invitations": "review.invite",
    "POST /admin/reviews/{review}/blank-invitations": "review.invite",
    "POST /admin/reviews/{review}/paper": "review.paper",
    "POST /inspections": "inspection.create",
    "POST /inspections/{inspection}/void": "inspection.void",
    "POST /misconduct": "misconduct.create",
    "POST /misconduct/{misconduct}/void": "misconduct.void",
    "POST /cases/{case}/steps": "case.rectified",
    "POST /appeals": "appeal.create",
    "POST /appeals/{appeal}/decision": "appeal.reject",
    "POST /flagged/{rating}/decision": "flagged.exclude",
    "POST /halls/{hall}/quarters/{quarter}/close": "quarter.close",
    "POST /halls/{hall}/quarters/{quarter}/reopen": "quarter.reopen",
}
# Mutating operations that write no audit entry, and why.
NOT_AUDITED: dict[str, str] = {
    "POST /ratings/batch": "citizens' ratings: each terminal's own hash chain records them",
    "POST /public/ratings": "a citizen's phone rating: the window's virtual terminal's chain",
    "POST /public/review-answers": "a citizen's anonymous review answer, stored once per code",
}


def operations(app: FastAPI) -> list[str]:
    """Every operation of the API as ``METHOD /path`` (without ``/api/v1``)."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            out.append(f"{method.upper()} {path.removeprefix(API)}")
    return sorted(out)


MATRIX_COLUMNS = ("anyone", "terminal", "board", "admin", "office", "inspector", "unit")


def role_matrix(design: Path = DESIGN) -> dict[str, dict[str, str]]:
    """docs/design.md's role matrix: operation → column → ``✓``, ``hall``, ``unit`` or ``—``."""
    rows: dict[str, dict[str, str]] = {}
    in_table = False
    for line in design.read_text(encoding="utf-8").splitlines():
        if line.startswith("| operation | anyone |"):
            header = [c.strip() for c in line.strip("|").split("|")]
            assert tuple(header[1:]) == MATRIX_COLUMNS, header
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            op = re.sub(r"^`|`$", "", cells[0])
            values = dict(zip(MATRIX_COLUMNS, cells[1:], strict=True))
            for v in values.values():
                assert v in ("✓", "hall", "unit", "—"), (op, v)
            assert op not in rows, f"{op} is in the role matrix twice"
            rows[op] = values
            continue
        if in_table:
            break
    return rows


def expected_status(row: dict[str, str], kind: str) -> str:
    """``2xx``, ``401`` or ``403``: what ``kind`` must get from an operation with ``row``."""
    if row["anyone"] == "✓":
        return "2xx"
    if kind in ("none", "garbage", "disabled", "expired"):
        return "401"
    column = kind.removesuffix("_other")
    cell = row[column]
    if cell == "—":
        return "403"
    if cell == "✓":
        return "2xx"
    if kind in ("office_other", "inspector_other"):
        return "403"  # another hall's operator
    if cell == "unit" and kind == "unit_other":
        return "403"  # the same hall, another unit
    return "2xx"


def iter_kinds() -> Iterator[str]:
    yield from KINDS
