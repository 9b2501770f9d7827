"""Errors as JSON ``{"detail": message}``; bodies over the limit are 413 before they are read.

Nothing a client sends may produce a 500: validation errors are 422 with a readable message,
HTTP errors keep their status and headers (``Allow``, ``Retry-After``, ``WWW-Authenticate``); a
control character in the address is 422 before any route runs, and text the database refuses
(``DataError``) is 422 too. What still goes wrong is a 500 logged once, by its frames and a
one-line description that never quotes data (``describe_error``): no statement parameters, no
PostgreSQL DETAIL with the failing row (a phone number).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.refusals import OfficeError
from sync.server.schemas import ErrorOut

__all__ = [
    "BodyLimitMiddleware",
    "CatchAllMiddleware",
    "UrlTextMiddleware",
    "describe_error",
    "install_error_handlers",
    "log_unexpected",
    "responses",
]

log = logging.getLogger(__name__)

_MESSAGES = {
    304: "not modified since the ETag given in If-None-Match",
    400: "the body is not readable (e.g. not UTF-8 JSON)",
    401: "missing, unknown or revoked credential",
    403: "this credential may not do that",
    404: "no such thing",
    409: "conflicts with the store's current state",
    413: "request body too large",
    422: "the request is malformed",
    429: "too many requests (see Retry-After)",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 304:
            out[code] = {"description": _MESSAGES[code]}
        else:
            out[code] = {"model": ErrorOut, "description": _MESSAGES[code]}
    return out


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path only; a path served by
        # several routes (GET and POST /admin/reviews) must name them all.
        allowed = _methods_of(request)
        if allowed:
            headers = dict(headers or {}) | {"Allow": ", ".join(sorted(allowed))}
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def _methods_of(request: Request) -> set[str]:
    """Every documented method of the request's path (from the app's OpenAPI paths)."""
    app = request.app
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "_allow", None)
    if table is None:
        table = []
        for path, ops in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
            table.append((re.compile(pattern + "$"), {m.upper() for m in ops}))
        app.state._allow = table
    return {m for pattern, ms in table if pattern.match(request.url.path) for m in ms}


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()))
        errors.append({"loc": loc, "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    head = "; ".join(f"{e['loc']}: {e['msg']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return JSONResponse(
        {"detail": f"malformed request: {head}{more}", "errors": errors}, status_code=422
    )


def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OfficeError)
    return JSONResponse({"detail": str(exc)}, status_code=exc.status)


def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # Text the database cannot store got past the edge checks (a NUL, a value longer than its
    # column): the client's fault, so no 500 and no traceback.
    log.warning(
        "%s %s: refused by the database: %s", request.method, request.url.path, describe_error(exc)
    )
    return JSONResponse(
        {
            "detail": "the request holds text the store cannot keep (a control character, or a "
            "value longer than its field)"
        },
        status_code=422,
    )


def describe_error(exc: BaseException) -> str:
    """An exception and its causes in one line, safe to log: a database error by its type and
    primary message only (PostgreSQL's DETAIL quotes the failing row: a phone number), and never
    a statement's parameters."""
    parts: list[str] = []
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        parts.append(_describe_one(e))
        e = e.__cause__ or (None if e.__suppress_context__ else e.__context__)
    return " <- ".join(parts)


def _describe_one(e: BaseException) -> str:
    name = type(e).__name__
    if isinstance(e, SQLAlchemyError):
        orig = getattr(e, "orig", None)
        return f"{name} ({_db_message(orig)})" if orig is not None else name
    if type(e).__module__.split(".")[0] in ("psycopg", "sqlite3", "psycopg2"):
        return f"{name}: {_db_message(e)}"
    text = str(e).splitlines()[0][:200] if str(e) else ""
    return f"{name}: {text}" if text else name


def _db_message(orig: BaseException) -> str:
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)
    if primary:
        return str(primary)[:200]
    text = str(orig)
    return text.splitlines()[0][:200] if text else type(orig).__name__


def log_unexpected(where: str, exc: BaseException) -> None:
    """Log an unexpected error with its frames (file, line, code), never its data."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected error on %s: %s\n%s", where, describe_error(exc), frames.rstrip())


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OfficeError, _refused)
    app.add_exception_handler(DataError, _data_error)
    # The rest: CatchAllMiddleware (an exception handler for Exception would let Starlette
    # re-raise it, and uvicorn log a second, unsanitised traceback).
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(UrlTextMiddleware)


_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class UrlTextMiddleware:
    """422 for a path or query holding a control character (``?window=%00``): no such text is a
    code, a name or a number, and PostgreSQL refuses a NUL outright."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
            query = scope.get("query_string") or b""
            if _CONTROL.search(unquote_to_bytes(raw)) or _CONTROL.search(
                unquote_to_bytes(query.replace(b"+", b" "))
            ):
                response = JSONResponse(
                    {"detail": "malformed request: the address holds a control character"},
                    status_code=422,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class CatchAllMiddleware:
    """Whatever escaped the routes: 500 with a JSON message, logged once without its data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:
            log_unexpected(f"{scope.get('method')} {scope.get('path')}", exc)
            if started:  # too late for an answer of our own: the connection is cut
                raise _Logged() from None
            response = JSONResponse(
                {"detail": "internal error; the server log has the details"}, status_code=500
            )
            await response(scope, receive, send)


class _Logged(Exception):
    """An error already logged by CatchAllMiddleware (raised only to cut a started response)."""


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """413 for a body over ``limit`` bytes: by Content-Length at once, else while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        declared: int | None = None
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = None
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # FastAPI re-raises HTTPExceptions from body reading: our handler answers.
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body is larger than {self.limit} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
