"""A small typed client of the central store's API, for ``hall-admin``, the board and tests.

The network is injectable, as in httpx itself: pass ``transport=httpx.MockTransport(handler)``
(or a FastAPI app's transport) to test without sockets. Every refusal raises ``ApiError`` with
the server's status and message (and, for a refused roster, every problem with its line).

    with AdminClient("http://127.0.0.1:8600", token) as admin:
        admin.import_roster_file(Path("assets/roster/demo-hall.csv"))
        code = admin.create_enrolment_code("A01", minutes=30)
    enrolment = enroll("http://127.0.0.1:8600", code.code, terminal="kiosk-install-id")
    with BoardClient(url, board_token) as board:
        result = board.aggregates("TL", "2026Q3", etag=last_etag)  # result.not_modified on 304
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

__all__ = [
    "API_PREFIX",
    "DEFAULT_SERVER_URL",
    "AdminClient",
    "AggregatesResult",
    "Anomaly",
    "ApiError",
    "BoardClient",
    "Enrolment",
    "EnrolmentCode",
    "TerminalInfo",
    "enroll",
    "health",
]

DEFAULT_SERVER_URL = "http://127.0.0.1:8600"
API_PREFIX = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ApiError(Exception):
    """The server refused: ``status`` (0 when it could not be reached), its message, problems."""

    def __init__(
        self, status: int, detail: str, problems: list[dict[str, Any]] | None = None
    ) -> None:
        self.status = status
        self.detail = detail
        self.problems = problems or []
        super().__init__(f"{status}: {detail}" if status else detail)


@dataclass(frozen=True)
class EnrolmentCode:
    code: str
    hall: str
    window: str
    expires_at: datetime


@dataclass(frozen=True)
class Enrolment:
    """A terminal's own credential, as ``POST /enroll`` hands it out (once)."""

    terminal: str
    token: str
    window: str
    hall: str


@dataclass(frozen=True)
class TerminalInfo:
    id: str
    hall: str
    window: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    highest_contiguous_seq: int
    max_seq: int
    open_anomalies: int


@dataclass(frozen=True)
class Anomaly:
    id: int
    terminal: str
    hall: str
    kind: str
    seq_from: int
    seq_to: int
    detail: str
    detected_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class AggregatesResult:
    """A quarter's aggregates, or ``not_modified`` when the server answered 304 to our ETag."""

    data: dict[str, Any] | None
    etag: str | None
    not_modified: bool = False


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _terminal(d: dict[str, Any]) -> TerminalInfo:
    return TerminalInfo(
        id=d["id"],
        hall=d["hall"],
        window=d["window"],
        enrolled_at=datetime.fromisoformat(d["enrolled_at"]),
        revoked_at=_dt(d.get("revoked_at")),
        last_seen_at=_dt(d.get("last_seen_at")),
        highest_contiguous_seq=d["highest_contiguous_seq"],
        max_seq=d["max_seq"],
        open_anomalies=d["open_anomalies"],
    )


class _Api:
    def __init__(
        self,
        base_url: str = DEFAULT_SERVER_URL,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX,
            headers=headers,
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> _Api:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as e:
            raise ApiError(0, f"cannot reach the server at {self._http.base_url}: {e}") from e
        if response.status_code >= 400:
            raise _error(response)
        return response

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = self._request("GET", "/health").json()
        return data


def _error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
        detail = str(body.get("detail", response.reason_phrase))
        problems = body.get("problems")
    except (ValueError, AttributeError):
        detail, problems = response.text[:500] or response.reason_phrase, None
    return ApiError(response.status_code, detail, problems)


class BoardClient(_Api):
    """What a wall board may do: list halls, read a quarter's aggregates (with ETag)."""

    def __enter__(self) -> BoardClient:
        return self

    def halls(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._request("GET", "/halls").json()
        return data

    def aggregates(
        self, hall: str, quarter: str | None = None, *, etag: str | None = None
    ) -> AggregatesResult:
        """``GET /halls/{hall}/aggregates``; with ``etag``, an unchanged quarter costs a 304."""
        params = {"quarter": quarter} if quarter else {}
        headers = {"If-None-Match": etag} if etag else {}
        r = self._request("GET", f"/halls/{hall}/aggregates", params=params, headers=headers)
        if r.status_code == 304:
            return AggregatesResult(None, r.headers.get("ETag", etag), not_modified=True)
        return AggregatesResult(r.json(), r.headers.get("ETag"))


class AdminClient(BoardClient):
    """The admin's operations: roster import, enrolment codes, terminals, credentials."""

    def __enter__(self) -> AdminClient:
        return self

    def import_roster(self, data: bytes, filename: str = "roster.csv") -> dict[str, Any]:
        """Import a roster file's bytes; ``ApiError.problems`` lists every bad row on 422."""
        ctype = XLSX if filename.lower().endswith((".xlsx", ".xlsm")) else "text/csv"
        r = self._request(
            "POST",
            "/admin/roster",
            params={"filename": filename},
            content=data,
            headers={"Content-Type": ctype},
        )
        summary: dict[str, Any] = r.json()
        return summary

    def import_roster_file(self, path: Path) -> dict[str, Any]:
        return self.import_roster(Path(path).read_bytes(), Path(path).name)

    def create_enrolment_code(
        self, window: str, *, hall: str | None = None, minutes: int | None = None
    ) -> EnrolmentCode:
        body: dict[str, Any] = {"window": window}
        if hall:
            body["hall"] = hall
        if minutes:
            body["minutes"] = minutes
        d = self._request("POST", "/admin/enrolment-codes", json=body).json()
        return EnrolmentCode(
            d["code"], d["hall"], d["window"], datetime.fromisoformat(d["expires_at"])
        )

    def list_terminals(self, hall: str | None = None) -> list[TerminalInfo]:
        params = {"hall": hall} if hall else {}
        return [
            _terminal(d) for d in self._request("GET", "/admin/terminals", params=params).json()
        ]

    def revoke_terminal(self, terminal: str) -> TerminalInfo:
        return _terminal(self._request("POST", f"/admin/terminals/{terminal}/revoke").json())

    def create_board_credential(self, hall: str | None = None, label: str | None = None) -> str:
        """A new board token (shown once; the server keeps its hash)."""
        body = {"hall": hall, "label": label}
        token: str = self._request("POST", "/admin/board-credentials", json=body).json()["token"]
        return token

    def anomalies(
        self, terminal: str | None = None, *, include_resolved: bool = False
    ) -> list[Anomaly]:
        params: dict[str, Any] = {"include_resolved": include_resolved}
        if terminal:
            params["terminal"] = terminal
        rows = self._request("GET", "/admin/anomalies", params=params).json()
        return [
            Anomaly(
                id=d["id"],
                terminal=d["terminal"],
                hall=d["hall"],
                kind=d["kind"],
                seq_from=d["seq_from"],
                seq_to=d["seq_to"],
                detail=d["detail"],
                detected_at=datetime.fromisoformat(d["detected_at"]),
                resolved_at=_dt(d.get("resolved_at")),
            )
            for d in rows
        ]


def enroll(
    base_url: str,
    code: str,
    terminal: str | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 10.0,
) -> Enrolment:
    """Exchange a one-time enrolment code for a terminal credential (``POST /enroll``)."""
    with _Api(base_url, transport=transport, timeout=timeout) as api:
        body = {"code": code} | ({"terminal": terminal} if terminal else {})
        d = api._request("POST", "/enroll", json=body).json()
    return Enrolment(d["terminal"], d["token"], d["window"], d["hall"])


def health(base_url: str, *, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """``GET /health`` (no credential)."""
    with _Api(base_url, transport=transport, timeout=5.0) as api:
        return api.health()
