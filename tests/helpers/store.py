"""A thin test driver for the central store's API (in-process TestClient or any httpx client)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sync.schema import RatingRecord
from tests.helpers.records import Chain

__all__ = ["Enrolled", "SignedIn", "StoreDriver"]

API = "/api/v1"


@dataclass
class Enrolled:
    """A terminal enrolled through the API: its id, token and a record chain of its window."""

    terminal: str
    token: str
    window: str
    hall: str
    chain: Chain

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class SignedIn:
    """An operator signed in through the API: its name, password and session token."""

    name: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class StoreDriver:
    """Admin and terminal calls against a store, asserting the happy path where it must work."""

    def __init__(self, client: httpx.Client, admin_token: str) -> None:
        self.client = client
        self.admin_token = admin_token

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def import_roster(self, source: Path | bytes, filename: str = "roster.csv") -> httpx.Response:
        if isinstance(source, Path):
            data, filename = source.read_bytes(), source.name
        else:
            data = source
        return self.client.post(
            f"{API}/admin/roster",
            params={"filename": filename},
            content=data,
            headers=self.admin | {"Content-Type": "text/csv"},
        )

    def code(self, window: str, minutes: int | None = None, hall: str | None = None) -> str:
        body: dict[str, Any] = {"window": window}
        if minutes is not None:
            body["minutes"] = minutes
        if hall is not None:
            body["hall"] = hall
        r = self.client.post(f"{API}/admin/enrolment-codes", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        code: str = r.json()["code"]
        return code

    def enrol(
        self, window: str, unit: str, terminal: str | None = None, hall: str | None = None
    ) -> Enrolled:
        body: dict[str, Any] = {"code": self.code(window, hall=hall)}
        if terminal:
            body["terminal"] = terminal
        r = self.client.post(f"{API}/enroll", json=body)
        assert r.status_code == 200, r.text
        d = r.json()
        return Enrolled(
            d["terminal"],
            d["token"],
            d["window"],
            d["hall"],
            Chain(terminal=d["terminal"], window=d["window"], unit=unit),
        )

    def push(self, who: Enrolled, records: Sequence[Any]) -> httpx.Response:
        body = [r.to_dict() if isinstance(r, RatingRecord) else r for r in records]
        return self.client.post(f"{API}/ratings/batch", json={"records": body}, headers=who.headers)

    def aggregates(self, hall: str, quarter: str | None = None, **headers: str) -> httpx.Response:
        params = {"quarter": quarter} if quarter else {}
        return self.client.get(
            f"{API}/halls/{hall}/aggregates", params=params, headers=self.admin | headers
        )

    def anomalies(self, terminal: str | None = None, include_resolved: bool = False) -> list[Any]:
        params: dict[str, Any] = {"include_resolved": include_resolved}
        if terminal:
            params["terminal"] = terminal
        r = self.client.get(f"{API}/admin/anomalies", params=params, headers=self.admin)
        assert r.status_code == 200, r.text
        out: list[Any] = r.json()
        return out

    def add_operator(
        self,
        name: str,
        role: str,
        halls: Sequence[str] = ("TL",),
        unit: str | None = None,
        password: str = "correct horse battery",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Create an operator (as the admin, or as ``headers``); its password."""
        body: dict[str, Any] = {"name": name, "role": role, "halls": list(halls), "unit": unit}
        body["password"] = password
        r = self.client.post(f"{API}/admin/operators", json=body, headers=headers or self.admin)
        assert r.status_code == 201, r.text
        return password

    def sign_in(self, name: str, password: str = "correct horse battery") -> SignedIn:
        r = self.client.post(f"{API}/auth/session", json={"name": name, "password": password})
        assert r.status_code == 200, r.text
        return SignedIn(name, password, r.json()["token"])

    def operator(
        self, name: str, role: str, halls: Sequence[str] = ("TL",), unit: str | None = None
    ) -> SignedIn:
        """A new operator, signed in."""
        return self.sign_in(name, self.add_operator(name, role, halls, unit))

    def audit(self, **params: Any) -> list[Any]:
        r = self.client.get(f"{API}/admin/audit", params=params, headers=self.admin)
        assert r.status_code == 200, r.text
        out: list[Any] = r.json()
        return out
