"""Errors as ``application/problem+json`` (RFC 9457): a title, a status, a detail that names the fix."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ..errors import StaffingForecastError
from ..store import DamagedRunError

__all__ = ["PROBLEM", "Problem", "damaged", "install_handlers", "problem_response"]

#: The media type of every error response.
PROBLEM = "application/problem+json"

log = logging.getLogger("staffing_forecast.service")


class Problem(Exception):
    """An error the service answers with: HTTP status, a short title and a detail that says how to fix it.

    Examples
    --------
    >>> Problem(404, "no run '20250101T000000.000Z-00000000' in the store; GET /v1/runs lists them.").status
    404
    """

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def damaged(error: DamagedRunError) -> Problem:
    """Make the 500 of a run whose file differs from its manifest: the run and the file named, no server path.

    Examples
    --------
    >>> from pathlib import Path
    >>> run = "20261130T024537.890Z-58eb70fd"
    >>> problem = damaged(DamagedRunError(run, "forecasts.parquet", "missing", Path("/srv/store/runs") / run))
    >>> problem.status, problem.extra["file"], "/srv" in problem.detail
    (500, 'forecasts.parquet', False)
    """
    return Problem(
        500,
        f"run {error.run}: its file {error.file} is damaged ({error.reason}); the operators must run the batch job "
        "again or restore the file (staffing-forecast runs verify names every damaged file).",
        run=error.run,
        file=error.file,
    )


def problem_response(
    status: int,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Make the ``application/problem+json`` response of an error.

    Examples
    --------
    >>> problem_response(413, "the body is too large").media_type
    'application/problem+json'
    """
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False), status_code=status, media_type=PROBLEM, headers=headers
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _validation_detail(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    items = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
    text = "; ".join(f"{i['field']}: {i['message']}" for i in items[:5])
    more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
    return f"invalid request: {text}{more}; fix these fields and send it again.", items


def install_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json, never with a stack trace."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.status, exc.detail, request, headers=headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint {request.url.path}; GET /docs lists them."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; GET /docs lists the methods."
        return problem_response(exc.status_code, detail, request, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        detail, errors = _validation_detail(list(exc.errors()))
        return problem_response(422, detail, request, errors=errors)

    @app.exception_handler(DamagedRunError)
    async def _damaged(request: Request, exc: DamagedRunError) -> Response:
        problem = damaged(exc)
        return problem_response(problem.status, problem.detail, request, **problem.extra)

    @app.exception_handler(StaffingForecastError)
    async def _library(request: Request, exc: StaffingForecastError) -> Response:
        return problem_response(422, f"{type(exc).__name__}: {exc}", request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The traceback (and a forecast worker's own) goes to the log, never into the response.
        log.error(
            "unexpected %s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc,
            exc_info=exc, extra={"worker_traceback": getattr(exc, "worker_traceback", None),
                                 "request_id": getattr(request.state, "request_id", None)},
        )  # fmt: skip
        return problem_response(
            500, "the service failed on this request; the operators have the details in its log.", request
        )
