"""The one client of the central store's API: its paths, credentials, errors and enrolment.

``hall-admin`` (``AdminClient``), the wall board (``BoardClient``), the kiosk's pusher (the paths,
``Credentials``, ``enroll``, ``error_detail``) and the tests all speak to the server through
this module; the server mounts its routes under the same ``API_PREFIX``.

The network is injectable, as in httpx itself: pass ``transport=httpx.MockTransport(handler)``
(or a FastAPI app's transport) to test without sockets. Every refusal raises ``ApiError`` with
the server's status and message (and, for a refused roster, every problem with its line).

    with AdminClient("http://127.0.0.1:8600", token) as admin:
        admin.import_roster_file(Path("assets/roster/demo-hall.csv"))
        code = admin.create_enrolment_code("A01", minutes=30)
    credentials = enroll("http://127.0.0.1:8600", code.code, terminal="kiosk-install-id")
    with BoardClient(url, board_token) as board:
        result = board.aggregates("TL", "2026Q3", etag=last_etag)  # result.not_modified on 304
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from sync.roster import Roster

__all__ = [
    "API_PREFIX",
    "BATCH_PATH",
    "DEFAULT_SERVER_URL",
    "ENROLL_PATH",
    "HEALTH_PATH",
    "PUBLIC_RATINGS_PATH",
    "PUBLIC_REVIEW_ANSWERS_PATH",
    "TERMINAL_ROSTER_PATH",
    "AdminClient",
    "AggregatesResult",
    "Anomaly",
    "ApiError",
    "BoardClient",
    "BoardCredential",
    "Credentials",
    "EnrollError",
    "EnrolmentCode",
    "OfficeClient",
    "OperatorSession",
    "RatingPage",
    "TerminalInfo",
    "bearer",
    "enroll",
    "error_detail",
    "health",
    "server_date",
    "sign_in",
]

DEFAULT_SERVER_URL = "http://127.0.0.1:8600"
API_PREFIX = "/api/v1"
# Full paths, for clients that talk to the server's root (the pusher, the phone page's tests).
HEALTH_PATH = f"{API_PREFIX}/health"
ENROLL_PATH = f"{API_PREFIX}/enroll"
BATCH_PATH = f"{API_PREFIX}/ratings/batch"
TERMINAL_ROSTER_PATH = f"{API_PREFIX}/terminal/roster"
PUBLIC_RATINGS_PATH = f"{API_PREFIX}/public/ratings"
PUBLIC_REVIEW_ANSWERS_PATH = f"{API_PREFIX}/public/review-answers"
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


class EnrollError(ApiError):
    """Enrolment failed; ``str()`` is fit to show to the person holding the code."""

    def __init__(self, message: str, status: int = 0, detail: str | None = None) -> None:
        super().__init__(status, detail or message)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Credentials:
    """A terminal's own credential, as ``POST /enroll`` hands it out (once).

    ``token`` stays out of ``repr``: a credential in a log line or a traceback shows no secret.
    """

    terminal: str
    token: str = field(repr=False)
    window: str
    hall: str

    def to_dict(self) -> dict[str, str]:
        return {
            "terminal": self.terminal,
            "token": self.token,
            "window": self.window,
            "hall": self.hall,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Credentials:
        try:
            values = {k: d[k] for k in ("terminal", "token", "window", "hall")}
        except KeyError as e:
            raise ValueError(f"credentials lack {e.args[0]!r}") from None
        if not all(isinstance(v, str) and v for v in values.values()):
            raise ValueError("credentials fields must be non-empty strings")
        return cls(**values)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for a credential's token."""
    return {"Authorization": f"Bearer {token}"}


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
    channel: str = "kiosk"  # "qr": the window's phone ratings (扫码评价)


@dataclass(frozen=True)
class BoardCredential:
    """A wall board's credential: what it reads (``scope``: "every hall" or "hall TL").

    ``token`` only when just created (shown once; the server keeps its hash; "" when listed),
    and out of ``repr``.
    """

    id: int
    hall: str | None
    scope: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    token: str = field(default="", repr=False)


def _board_credential(d: dict[str, Any]) -> BoardCredential:
    return BoardCredential(
        id=d["id"],
        hall=d.get("hall"),
        scope=d["scope"],
        label=d.get("label"),
        created_at=datetime.fromisoformat(d["created_at"]),
        revoked_at=_dt(d.get("revoked_at")),
        token=d.get("token") or "",
    )


@dataclass(frozen=True)
class RatingPage:
    """One page of a hall's quarter (``GET /admin/halls/{hall}/ratings``), oldest received
    first; ``next`` is the cursor of the following page, None after the last."""

    ratings: list[dict[str, Any]]
    next: str | None


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
class OperatorSession:
    """An operator signed in: the session's token (a bearer token like any other) and who."""

    token: str = field(repr=False)
    expires_at: datetime
    name: str
    role: str  # office, inspector, unit
    halls: tuple[str, ...]
    unit: str | None
    full_name: str = ""


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
        channel=d.get("channel", "kiosk"),
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
        headers = bearer(token) if token else {}
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


def error_detail(response: httpx.Response) -> str:
    """The server's human-readable ``detail`` (every error of ours has one), or a short slice
    of whatever else answered (a proxy's HTML page)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        d = body["detail"]
        return d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)[:300]
    return json.dumps(body, ensure_ascii=False)[:200]


def _error(response: httpx.Response) -> ApiError:
    problems = None
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("problems"), list):
            problems = body["problems"]
    except ValueError:
        pass
    return ApiError(response.status_code, error_detail(response), problems)


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
    """The admin's operations: roster import, enrolment codes, terminals, credentials, and
    what the quarter's export reads (the hall's roster, its ratings page by page)."""

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

    def roster(self, hall: str) -> Roster:
        """``GET /admin/halls/{hall}/roster``: the hall's whole roster, as its file would hold it."""
        return Roster.from_dict(self._request("GET", f"/admin/halls/{hall}/roster").json())

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

    def create_board_credential(
        self, hall: str | None = None, label: str | None = None
    ) -> BoardCredential:
        """A new board credential; without ``hall`` it reads every hall (``scope`` says so).
        Its ``token`` is shown this once; the server keeps only its hash."""
        body = {"hall": hall, "label": label}
        return _board_credential(
            self._request("POST", "/admin/board-credentials", json=body).json()
        )

    def board_credentials(self, *, include_revoked: bool = False) -> list[BoardCredential]:
        """Every board credential (no tokens), oldest first."""
        params = {"include_revoked": include_revoked}
        rows = self._request("GET", "/admin/board-credentials", params=params).json()
        return [_board_credential(d) for d in rows]

    def revoke_board_credential(self, credential: int) -> BoardCredential:
        """End a board credential: its token answers 401 from now on."""
        path = f"/admin/board-credentials/{int(credential)}/revoke"
        return _board_credential(self._request("POST", path).json())

    def list_ratings(
        self,
        hall: str | None = None,
        quarter: str | None = None,
        *,
        flagged: bool | None = None,
        terminal: str | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """``GET /admin/ratings``, newest first (e.g. ``flagged=True``: the ones to decide)."""
        params: dict[str, Any] = {"limit": limit}
        for k, v in (("hall", hall), ("quarter", quarter), ("terminal", terminal)):
            if v:
                params[k] = v
        if flagged is not None:
            params["flagged"] = flagged
        rows: list[dict[str, Any]] = self._request("GET", "/admin/ratings", params=params).json()
        return rows

    def release_rating(self, rating: str) -> dict[str, Any]:
        """Let a flagged rating count after all; answers the rating as stored now."""
        out: dict[str, Any] = self._request("POST", f"/admin/ratings/{rating}/release").json()
        return out

    def rating_page(
        self,
        hall: str,
        quarter: str,
        *,
        after: str | None = None,
        limit: int | None = None,
        contacts: bool = False,
    ) -> RatingPage:
        """One page of the quarter's ratings after cursor ``after`` (see ``iter_ratings``)."""
        params: dict[str, Any] = {"quarter": quarter}
        if after:
            params["after"] = after
        if limit:
            params["limit"] = limit
        if contacts:
            params["contacts"] = "true"
        d = self._request("GET", f"/admin/halls/{hall}/ratings", params=params).json()
        return RatingPage(d["ratings"], d.get("next"))

    def iter_rating_pages(
        self, hall: str, quarter: str, *, page_size: int | None = None, contacts: bool = False
    ) -> Iterator[RatingPage]:
        """The quarter's pages in order, each fetched when the previous one was taken."""
        after: str | None = None
        while True:
            page = self.rating_page(hall, quarter, after=after, limit=page_size, contacts=contacts)
            yield page
            if page.next is None:
                return
            after = page.next

    def iter_ratings(
        self, hall: str, quarter: str, *, page_size: int | None = None, contacts: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every rating of a hall's quarter, oldest received first, one page in memory at a
        time (the server pages by keyset: a late page costs what the first does). Phone
        numbers only with ``contacts=True``."""
        for page in self.iter_rating_pages(hall, quarter, page_size=page_size, contacts=contacts):
            yield from page.ratings

    def session_info(self) -> dict[str, Any]:
        """``GET /auth/session``: who this token is (kind, name, role, halls, unit, expiry)."""
        info: dict[str, Any] = self._request("GET", "/auth/session").json()
        return info

    def sign_out(self) -> None:
        """``DELETE /auth/session``: this operator session's token stops working."""
        self._request("DELETE", "/auth/session")

    def audit(
        self,
        *,
        hall: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """``GET /admin/audit``, newest first; ``action``/``target`` may end in ``*``;
        ``before_seq`` pages back from an entry."""
        params: dict[str, Any] = {"limit": limit}
        if before_seq is not None:
            params["before_seq"] = before_seq
        for k, v in (("hall", hall), ("actor", actor), ("action", action), ("target", target)):
            if v:
                params[k] = v
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        rows: list[dict[str, Any]] = self._request("GET", "/admin/audit", params=params).json()
        return rows

    def operators(
        self, hall: str | None = None, *, include_disabled: bool = True
    ) -> list[dict[str, Any]]:
        """``GET /admin/operators``: the accounts of the caller's halls, by name."""
        params: dict[str, Any] = {"include_disabled": include_disabled}
        if hall:
            params["hall"] = hall
        rows: list[dict[str, Any]] = self._request("GET", "/admin/operators", params=params).json()
        return rows

    def create_operator(
        self,
        name: str,
        role: str,
        halls: Sequence[str],
        *,
        unit: str | None = None,
        full_name: str = "",
        password: str | None = None,
    ) -> dict[str, Any]:
        """``POST /admin/operators``; without ``password`` the answer's ``password`` is the one
        the server made (shown this once)."""
        body: dict[str, Any] = {"name": name, "role": role, "halls": list(halls)}
        if unit:
            body["unit"] = unit
        if full_name:
            body["full_name"] = full_name
        if password is not None:
            body["password"] = password
        made: dict[str, Any] = self._request("POST", "/admin/operators", json=body).json()
        return made

    def reset_operator_password(self, name: str, password: str | None = None) -> dict[str, Any]:
        """``POST /admin/operators/{name}/password``: ``{name, password, sessions_ended}``;
        ``password`` is the server's when none was given. Lifts a lock; ends its sessions."""
        body = {"password": password} if password is not None else None
        out: dict[str, Any] = self._request(
            "POST", f"/admin/operators/{quote(name, safe='')}/password", json=body
        ).json()
        return out

    def disable_operator(self, name: str) -> dict[str, Any]:
        """``POST /admin/operators/{name}/disable``: its sessions end, it cannot sign in."""
        out: dict[str, Any] = self._request(
            "POST", f"/admin/operators/{quote(name, safe='')}/disable"
        ).json()
        return out

    def enable_operator(self, name: str) -> dict[str, Any]:
        """``POST /admin/operators/{name}/enable``."""
        out: dict[str, Any] = self._request(
            "POST", f"/admin/operators/{quote(name, safe='')}/enable"
        ).json()
        return out

    def change_password(self, current: str, new: str) -> None:
        """``POST /auth/password``: an operator session changes its own password."""
        self._request("POST", "/auth/password", json={"current": current, "new": new})

    def verify_audit(self) -> dict[str, Any]:
        """``GET /admin/audit/verify``: ``{ok, entries, problem, seq}`` of the hash chain."""
        out: dict[str, Any] = self._request("GET", "/admin/audit/verify").json()
        return out

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

    # ------------------------------------------------------------ the public review of sections

    def start_review(
        self,
        hall: str,
        quarter: str,
        *,
        sections: list[str] | None = None,
        title: str | None = None,
        letter: str | None = None,
    ) -> dict[str, Any]:
        """Start a hall's review of sections for a quarter (``POST /admin/reviews``)."""
        body: dict[str, Any] = {"hall": hall, "quarter": quarter}
        for key, value in (("sections", sections), ("title", title), ("letter", letter)):
            if value:
                body[key] = value
        out: dict[str, Any] = self._request("POST", "/admin/reviews", json=body).json()
        return out

    def reviews(self, hall: str | None = None) -> list[dict[str, Any]]:
        params = {"hall": hall} if hall else {}
        out: list[dict[str, Any]] = self._request("GET", "/admin/reviews", params=params).json()
        return out

    def review(self, review: int) -> dict[str, Any]:
        """A review with its response rate (sent, answered by phone, on paper)."""
        out: dict[str, Any] = self._request("GET", f"/admin/reviews/{review}").json()
        return out

    def invite_from_list(
        self, review: int, data: bytes, filename: str = "list.csv"
    ) -> dict[str, Any]:
        """One invitation per recipient of a CSV/XLSX list; ``ApiError.problems`` on 422.
        The codes in the answer are shown once: print the letters from it."""
        ctype = XLSX if filename.lower().endswith((".xlsx", ".xlsm")) else "text/csv"
        r = self._request(
            "POST",
            f"/admin/reviews/{review}/invitations",
            params={"filename": filename},
            content=data,
            headers={"Content-Type": ctype},
        )
        out: dict[str, Any] = r.json()
        return out

    def invite_blank(self, review: int, count: int) -> dict[str, Any]:
        """``count`` blank invitations (the open sample); codes shown once."""
        r = self._request(
            "POST", f"/admin/reviews/{review}/blank-invitations", json={"count": count}
        )
        out: dict[str, Any] = r.json()
        return out

    def enter_paper_form(
        self,
        review: int,
        code: str,
        answers: list[dict[str, Any]],
        *,
        phone: str | None = None,
    ) -> dict[str, Any]:
        """A returned paper form: ``answers`` = ``[{section, problems: [...], comment?}]``;
        409 (``ApiError``) when the code was already answered, by phone or on paper."""
        body: dict[str, Any] = {"code": code, "answers": answers}
        if phone:
            body["phone"] = phone
        out: dict[str, Any] = self._request(
            "POST", f"/admin/reviews/{review}/paper", json=body
        ).json()
        return out

    def review_results(self, review: int) -> dict[str, Any]:
        out: dict[str, Any] = self._request("GET", f"/admin/reviews/{review}/results").json()
        return out

    def close_review(self, review: int) -> dict[str, Any]:
        out: dict[str, Any] = self._request("POST", f"/admin/reviews/{review}/close").json()
        return out


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left out (None, False)."""
    return {k: v for k, v in values.items() if v is not None and v is not False}


class OfficeClient(AdminClient):
    """The hall office's records: inspections, misconduct, 差评 cases, appeals, flagged ratings,
    publishing a quarter. Works with the admin token or an operator's session token; the
    server answers 403 for what the operator's role or unit may not do. Records come back as
    the API's JSON objects (``docs/design.md``)."""

    def __enter__(self) -> OfficeClient:
        return self

    @classmethod
    def sharing(cls, client: AdminClient) -> OfficeClient:
        """The office's methods over ``client``'s connection and credential (nothing new is
        opened; close ``client`` as before, not this)."""
        if isinstance(client, OfficeClient):
            return client
        office = cls.__new__(cls)
        office._http = client._http
        return office

    def _obj(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self._request(method, path, **kwargs).json()
        return data

    def _rows(self, method: str, path: str, **kwargs: Any) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._request(method, path, **kwargs).json()
        return data

    # inspections and misconduct
    def inspection_items(self, hall: str) -> list[dict[str, Any]]:
        return self._rows("GET", "/inspection-items", params={"hall": hall})

    def inspections(
        self,
        hall: str | None = None,
        *,
        quarter: str | None = None,
        unit: str | None = None,
        include_voided: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        params = _params(
            hall=hall, quarter=quarter, unit=unit, include_voided=include_voided, limit=limit
        )
        return self._rows("GET", "/inspections", params=params)

    def record_inspection(
        self,
        hall: str,
        unit: str,
        day: date,
        *,
        item: str | None = None,
        dimension: str | None = None,
        points: float | None = None,
        staff: str | None = None,
        what: str | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        body = _params(
            hall=hall,
            unit=unit,
            day=day.isoformat(),
            item=item,
            dimension=dimension,
            points=points,
            staff=staff,
            what=what,
        ) | {"note": note}
        return self._obj("POST", "/inspections", json=body)

    def void_inspection(self, inspection: int, reason: str) -> dict[str, Any]:
        path = f"/inspections/{inspection}/void"
        return self._obj("POST", path, json={"reason": reason})

    def misconduct(
        self,
        hall: str | None = None,
        *,
        quarter: str | None = None,
        unit: str | None = None,
        include_voided: bool = False,
    ) -> list[dict[str, Any]]:
        params = _params(hall=hall, quarter=quarter, unit=unit, include_voided=include_voided)
        return self._rows("GET", "/misconduct", params=params)

    def record_misconduct(
        self,
        hall: str,
        unit: str,
        day: date,
        summary: str,
        verified_by: str,
        reference: str = "",
        section: str | None = None,
    ) -> dict[str, Any]:
        """``section``: the unit's section it was found in (ranked first among the hardest)."""
        body: dict[str, Any] = {
            "hall": hall,
            "unit": unit,
            "day": day.isoformat(),
            "summary": summary,
            "verified_by": verified_by,
            "reference": reference,
        }
        if section:
            body["section"] = section
        return self._obj("POST", "/misconduct", json=body)

    def void_misconduct(self, misconduct: int, reason: str) -> dict[str, Any]:
        path = f"/misconduct/{misconduct}/void"
        return self._obj("POST", path, json={"reason": reason})

    # 差评 cases
    def cases(
        self,
        hall: str | None = None,
        *,
        unit: str | None = None,
        status: str | None = None,
        quarter: str | None = None,
        overdue: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Cases, what is due first on top; ``status`` one status or ``open``."""
        params = _params(
            hall=hall, unit=unit, status=status, quarter=quarter, overdue=overdue, limit=limit
        )
        return self._rows("GET", "/cases", params=params)

    def case(self, case: int) -> dict[str, Any]:
        return self._obj("GET", f"/cases/{case}")

    def case_step(
        self, case: int, step: str, note: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """``step``: called_back, rectified or closed; ``at`` defaults to now."""
        body = {"step": step, "note": note} | ({"at": at.isoformat()} if at else {})
        return self._obj("POST", f"/cases/{case}/steps", json=body)

    # appeals and flagged ratings
    def appeals(
        self, hall: str | None = None, *, quarter: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        params = _params(hall=hall, quarter=quarter, status=status)
        return self._rows("GET", "/appeals", params=params)

    def file_appeal(self, rating: str, reason: str) -> dict[str, Any]:
        body = {"rating": rating, "reason": reason}
        return self._obj("POST", "/appeals", json=body)

    def decide_appeal(self, appeal: int, accept: bool, note: str) -> dict[str, Any]:
        body = {"accept": accept, "note": note}
        return self._obj("POST", f"/appeals/{appeal}/decision", json=body)

    def flagged(
        self,
        hall: str | None = None,
        *,
        quarter: str | None = None,
        state: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        params = _params(hall=hall, quarter=quarter, state=state, limit=limit)
        return self._rows("GET", "/flagged", params=params)

    def decide_flagged(self, rating: str, decision: str, note: str = "") -> dict[str, Any]:
        """``decision``: release (into the scores) or exclude (confirmed, kept out)."""
        body = {"decision": decision, "note": note}
        return self._obj("POST", f"/flagged/{rating}/decision", json=body)

    # publishing a quarter
    def quarters(self, hall: str) -> list[dict[str, Any]]:
        return self._rows("GET", f"/halls/{hall}/quarters")

    def quarter(self, hall: str, quarter: str) -> dict[str, Any]:
        return self._obj("GET", f"/halls/{hall}/quarters/{quarter}")

    def close_quarter(
        self, hall: str, quarter: str, digest: str, standings: dict[str, Any]
    ) -> dict[str, Any]:
        """Publish ``standings`` ranked from the aggregates whose digest is ``digest``."""
        body = {"digest": digest, "standings": standings}
        path = f"/halls/{hall}/quarters/{quarter}/close"
        return self._obj("POST", path, json=body)

    def reopen_quarter(self, hall: str, quarter: str, reason: str) -> dict[str, Any]:
        path = f"/halls/{hall}/quarters/{quarter}/reopen"
        return self._obj("POST", path, json={"reason": reason})


def enroll(
    base_url: str,
    code: str,
    terminal: str | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 15.0,
    on_server_time: Callable[[datetime], None] | None = None,
) -> Credentials:
    """Exchange a one-time enrolment code for a terminal's credential (``POST /enroll``).

    Blocks on the network. Raises ``EnrollError`` with a message for the person holding the
    code: the server's reason, or that it cannot be reached. ``on_server_time`` gets the
    server's time from its answer (a kiosk's first word from the server: see ``server_date``).
    """
    body = {"code": code} | ({"terminal": terminal} if terminal else {})
    try:
        with httpx.Client(base_url=base_url, transport=transport, timeout=timeout) as client:
            resp = client.post(ENROLL_PATH, json=body)
    except httpx.HTTPError as e:
        # The type name only: a transport message may be long, and tells the holder nothing.
        raise EnrollError(f"cannot reach the server at {base_url}: {type(e).__name__}") from None
    at = server_date(resp)
    if at is not None and on_server_time is not None:
        on_server_time(at)
    if resp.status_code != 200:
        detail = error_detail(resp)
        raise EnrollError(
            f"enrolment refused ({resp.status_code}): {detail}", resp.status_code, detail
        )
    try:
        return Credentials.from_dict(resp.json())
    except (ValueError, TypeError) as e:
        raise EnrollError(f"the server's enrolment answer is not usable: {e}") from None


def sign_in(
    base_url: str,
    name: str,
    password: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 15.0,
) -> OperatorSession:
    """``POST /auth/session``: an operator's name and password for a session token.

    Refusals raise ``ApiError``: 401 wrong name or password, 403 a disabled account, 429 wait
    (repeated failures; locked for a while), status 0 the server cannot be reached.
    """
    with _Api(base_url, transport=transport, timeout=timeout) as api:
        d = api._request("POST", "/auth/session", json={"name": name, "password": password}).json()
    o = d["operator"]
    return OperatorSession(
        token=d["token"],
        expires_at=datetime.fromisoformat(d["expires_at"]),
        name=o["name"],
        role=o["role"],
        halls=tuple(o.get("halls") or ()),
        unit=o.get("unit"),
        full_name=o.get("full_name") or "",
    )


def health(base_url: str, *, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """``GET /health`` (no credential)."""
    with _Api(base_url, transport=transport, timeout=5.0) as api:
        return api.health()


def server_date(resp: httpx.Response) -> datetime | None:
    """The server's time from an answer's ``Date`` header (every HTTP server sends one)."""
    value = resp.headers.get("Date")
    if not value:
        return None
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return at.astimezone(UTC) if at.tzinfo is not None else None
