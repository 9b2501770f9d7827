"""Errors as JSON ``{"detail": message}``; bodies over the limit are 413 before they are read.

Nothing a client sends may produce a 500: validation errors are 422 with a readable message,
HTTP errors keep their status and headers (``Allow``, ``Retry-After``, ``WWW-Authenticate``).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.refusals import OfficeError
from sync.server.schemas import ErrorOut

__all__ = ["BodyLimitMiddleware", "install_error_handlers", "responses"]

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


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; the server log has the details"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OfficeError, _refused)
    app.add_exception_handler(Exception, _unexpected)


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
