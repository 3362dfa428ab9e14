"""The FastAPI application: :func:`create_app` wires the store reader, the keys, the limits and the routers."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from .._version import __version__
from .auth import ApiKeys
from .docs_page import install_docs
from .metrics import Metrics
from .middleware import BodyLimit, RequestLog, TimeLimit
from .problems import PROBLEM, install_handlers
from .routes import ROUTERS
from .routes.quotas import language
from .settings import Settings
from .store_reader import StoreReader
from .workers import ForecastPool, WorkerUnavailable

__all__ = ["create_app", "language"]

_DESCRIPTION = """Forecasts of IT staffing demand and the state training quotas of one run store, for other systems.

Every `/v1` endpoint needs `Authorization: Bearer <key>`; a key holds scopes: `read` (aggregates; cells under the
minimum cell size withheld), `employer` (employer-level rows, every cell), `whatif` (`POST /v1/quota`) and
`forecast` (`POST /v1/forecast`). Errors are `application/problem+json`. `latest` is the last complete run.
"""


def create_app(store: str | os.PathLike[str], keys: ApiKeys, settings: Settings | None = None) -> FastAPI:
    """Build the service over a run store.

    Parameters
    ----------
    store
        The run store folder the batch job writes (``[output] store``).
    keys
        The accepted API keys (:func:`~staffing_forecast.service.load_keys`); at least one.
    settings
        Limits and rules; default ``Settings()``.

    Returns
    -------
    FastAPI
        The application; serve it with uvicorn (``staffing-forecast serve``) or call it with a test client.

    Raises
    ------
    ConfigError
        No keys.

    Examples
    --------
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> from staffing_forecast.service import load_keys
    >>> keys = load_keys(environ={"STAFFING_FORECAST_API_KEYS": "reader-key-0123456789:read"})
    >>> client = TestClient(create_app(tempfile.mkdtemp(), keys))
    >>> client.get("/health").json(), client.get("/ready").status_code
    ({'status': 'ok'}, 503)
    >>> client.get("/v1/runs").status_code
    401
    """
    from ..errors import ConfigError

    if not len(keys):
        raise ConfigError("create_app: no API keys; the service does not start without keys.")
    settings = settings or Settings()
    pool = ForecastPool(workers=settings.forecast_workers, timeout=settings.forecast_timeout)
    # What-ifs compute in worker processes too: half the cores at most, so that reads keep the rest.
    whatif_pool = ForecastPool(workers=max(1, (os.cpu_count() or 2) // 2), timeout=settings.request_timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_workers:  # in the background: the service answers reads meanwhile
            for workers in (pool, whatif_pool):
                threading.Thread(target=_warm, args=(workers,), name="worker-warm-up", daemon=True).start()
        yield
        pool.close()  # on shutdown: each worker finishes its call, then stops
        whatif_pool.close()

    app = FastAPI(
        title="staffing_forecast",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from local files
        redoc_url=None,
    )
    # What the routers reach through their dependencies (routes/deps.py).
    app.state.reader = StoreReader(store)
    app.state.keys = keys
    app.state.metrics = Metrics()
    app.state.settings = settings
    app.state.pool = pool
    app.state.whatif_pool = whatif_pool
    install_handlers(app)
    if settings.docs:
        install_docs(app)
    for router in ROUTERS:
        app.include_router(router)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )  # fmt: skip
    app.add_middleware(TimeLimit, seconds=settings.request_timeout)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestLog, metrics=app.state.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _limits(schema: dict[str, Any], settings: Settings) -> None:
    """Write this service's limits into the schema, so that it states exactly what the service accepts."""
    request = schema["components"]["schemas"]["ForecastRequest"]["properties"]
    request["h"]["maximum"] = settings.max_horizon
    request["data"]["maxItems"] = settings.max_observations
    for parameter in schema["paths"]["/v1/runs/{run_id}/forecasts"]["get"]["parameters"]:
        if parameter["name"] == "limit":
            parameter["schema"]["maximum"] = settings.max_page_size


def _warm(pool: ForecastPool) -> None:
    try:
        pool.warm()
    except WorkerUnavailable:  # the first request tries again, and answers 503 if it cannot either
        logging.getLogger("staffing_forecast.service").warning("the forecast worker did not start")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Build the OpenAPI schema, with error responses as ``application/problem+json``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code.isdigit() and int(code) >= 400 and "application/json" in content:
                    content[PROBLEM] = content.pop("application/json")
    _limits(schema, app.state.settings)
    app.openapi_schema = schema
    return schema
