"""ASGI middleware: request ids and JSON access logs with metrics, the body size limit, the time limit.

Pure ASGI (no ``BaseHTTPMiddleware``) so that a refused body is never read and a page costs no extra task.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import request_id as current_request_id
from .metrics import Metrics
from .problems import problem_response

__all__ = ["BodyLimit", "RequestLog", "TimeLimit"]

access_log = logging.getLogger("staffing_forecast.service.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    request_id = scope.get("state", {}).get("request_id")
    extra: dict[str, Any] = {"instance": scope.get("path", "")}
    if request_id:
        extra["request_id"] = request_id
    await problem_response(status, detail, **extra)(scope, receive, send)


class RequestLog:
    """Give every request an id, log it as one JSON line and count it in the metrics.

    The id is the client's ``X-Request-ID`` when well-formed, else a new one; it goes back in the same header.
    Headers, keys and bodies are never logged.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # Every log line of this request carries its id, the server's own line about a failure too: the value
        # is not reset, since the server answers each request in a task (and context) of its own.
        current_request_id.set(request_id)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope["method"], template, status, seconds)
            access_log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope.get("path", ""),
                        "route": template,
                        "status": status,
                        "ms": round(seconds * 1000, 2),
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                )
            )


class BodyLimit:
    """Refuse a body over ``limit`` bytes with 413.

    From ``Content-Length`` before reading it, or, for a body sent without a length, as soon as the bytes read
    pass the limit (the app gets the body only when it fits).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.isdigit():
                await _send_problem(
                    scope, receive, send, 400, "Content-Length is not a whole number of bytes."
                )
                return
            if int(length) > self.limit:
                await _send_problem(
                    scope, receive, send, 413,
                    f"the body has {int(length)} bytes, the limit is max_body_bytes={self.limit}; send fewer series "
                    "or split the request.",
                )  # fmt: skip
                return
        if length is not None or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        # No length (a chunked body): read it here, at most the limit, and hand it on whole.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _send_problem(
                    scope, receive, send, 413,
                    f"the body passed the limit of max_body_bytes={self.limit}; send fewer series or split the request.",
                )  # fmt: skip
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        given = False

        async def replay() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class TimeLimit:
    """Answer 503 when a request takes longer than ``seconds`` (work already in a thread finishes unseen)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, tracking_send), self.seconds)
        except TimeoutError:
            if not started:
                await _send_problem(
                    scope, receive, send, 503,
                    f"the request took longer than request_timeout={self.seconds:g} s; narrow it (filters, a smaller "
                    "page) or try again later.",
                )  # fmt: skip
