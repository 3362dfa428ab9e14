"""What the routes share: the app's parts as FastAPI dependencies, the key checks, the documented error answers.

A route asks for what it needs (``reader: Reader``, ``held: Readers``) and never reaches into ``app.state``
itself, so that each router is a plain module a test can read on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import Depends, Path, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from ..metrics import Metrics
from ..problems import Problem
from ..schemas import ProblemModel
from ..settings import Settings
from ..store_reader import RUN_ID, StoreReader
from ..workers import ForecastPool, ForecastTimeout, WorkerFailure, WorkerUnavailable

__all__ = [
    "Forecaster",
    "MetricsDep",
    "Pool",
    "Reader",
    "Readers",
    "RunId",
    "SettingsDep",
    "WhatIf",
    "WhatIfPool",
    "ask_worker",
    "key_first",
    "problems",
]

_REASONS = {
    400: "The request cannot be read (a malformed Content-Length).",
    401: "No key, or not a key of this service.",
    403: "The key lacks the scope this needs.",
    404: "No such run, cell or endpoint.",
    409: "The run is not complete (being written, failed) or of another library version.",
    413: "The body is larger than max_body_bytes, or the request costs more than the limits allow.",
    422: "Invalid input; the detail names the field and the fix.",
    503: "The request passed the time limit, or the store has no complete run.",
    504: "The forecast passed forecast_timeout; its worker was stopped.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Document the error answers ``codes`` of a route (``application/problem+json``, the reason of each)."""
    return {code: {"model": ProblemModel, "description": _REASONS[code]} for code in codes}


RunId = Annotated[
    str,
    Path(
        pattern=RUN_ID,
        description="A run id (GET /v1/runs lists them) or `latest`, the last complete run.",
        examples=["latest"],
    ),
]


def _reader(request: Request) -> StoreReader:
    return request.app.state.reader


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _pool(request: Request) -> ForecastPool:
    return request.app.state.pool


def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def _whatif_pool(request: Request) -> ForecastPool:
    return request.app.state.whatif_pool


Reader = Annotated[StoreReader, Depends(_reader)]
SettingsDep = Annotated[Settings, Depends(_settings)]
Pool = Annotated[ForecastPool, Depends(_pool)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
WhatIfPool = Annotated[ForecastPool, Depends(_whatif_pool)]

_bearer = HTTPBearer(auto_error=False, description="An API key of this service.")


def _held(request: Request, key: str | None) -> frozenset[str]:
    """Return the scopes of ``key``: 401 without a key or with one the service does not know."""
    if not key:
        raise Problem(401, "send an API key: Authorization: Bearer <key>.")
    found = request.app.state.keys.scopes(key)
    if found is None:
        raise Problem(401, "this is not a key of this service; check the key, or ask the operators for one.")
    return frozenset(found)


def _check(held: frozenset[str], wanted: tuple[str, ...]) -> frozenset[str]:
    """Return ``held``, or raise 403 when it holds none of ``wanted``."""
    if not held & set(wanted):
        raise Problem(
            403, f"this key lacks the scope {' or '.join(map(repr, wanted))}; ask for a key with it."
        )
    return held


def _bearer_key(request: Request) -> str | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else None


def _scopes(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> frozenset[str]:
    return _held(request, credentials.credentials if credentials is not None else None)


def _requires(*wanted: str) -> Any:
    """Make a dependency giving the key's scopes, or 403 when it holds none of ``wanted``."""

    def check(held: Annotated[frozenset[str], Depends(_scopes)]) -> frozenset[str]:
        return _check(held, wanted)

    return check


def key_first(*wanted: str) -> type[APIRoute]:
    """Make a route class that checks the key and its scope before the body is read.

    FastAPI reads and parses a body before it solves a route's dependencies, so a malformed body would answer
    400/422 to a caller without a key. Routes with a body use this class: 401/403 come first, and the body of a
    caller without the scope is never read.
    """

    class KeyFirst(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def checked(request: Request) -> Response:
                _check(_held(request, _bearer_key(request)), wanted)
                return await handler(request)

            return checked

    return KeyFirst


#: Keys that may read aggregates (``read``) or every row (``employer``).
Readers = Annotated[frozenset[str], Depends(_requires("read", "employer"))]
#: Keys that may ask what-ifs.
WhatIf = Annotated[frozenset[str], Depends(_requires("whatif"))]
#: Keys that may ask ad-hoc forecasts.
Forecaster = Annotated[frozenset[str], Depends(_requires("forecast"))]


async def ask_worker(
    pool: ForecastPool, request: dict[str, Any], *, name: str, timed_out: Problem, input_prefix: str = ""
) -> Any:
    """Run ``request`` in a worker of ``pool`` off the event loop; return its answer or raise the request's problem.

    ``timed_out`` is raised when the worker is stopped at its time limit, a 503 naming ``name`` when no worker
    could start, a 422 (``input_prefix`` and the worker's message) when the input is at fault, and
    ``WorkerFailure`` (a 500 with the worker's traceback in the log) otherwise.
    """
    cancel = threading.Event()
    try:
        answer = await anyio.to_thread.run_sync(pool.call, request, cancel, abandon_on_cancel=True)
    except ForecastTimeout:
        raise timed_out from None
    except WorkerUnavailable:
        raise Problem(503, f"no {name} worker could start; try again later, or tell the operators.") from None
    finally:
        # Also when the request is given up (the time limit cancels it here): its call stops, its worker is
        # killed, and the endpoint is free for the next request.
        cancel.set()
    if "error" in answer:
        if answer.get("kind") == "input":
            raise Problem(422, f"{input_prefix}{answer['error']}")
        raise WorkerFailure(answer["error"], answer.get("traceback", ""))
    return answer["ok"]
