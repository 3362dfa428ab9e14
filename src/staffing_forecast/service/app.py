"""The FastAPI application: :func:`create_app` wires the store reader, the keys, the limits and the routes."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

import anyio
import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import StringConstraints

from .. import __version__
from ..errors import StaffingForecastError
from .auth import ApiKeys
from .metrics import CONTENT_TYPE_LATEST, Metrics
from .middleware import BodyLimit, RequestLog, TimeLimit
from .problems import PROBLEM, Problem, install_handlers
from .schemas import (
    ExplainResponse,
    ForecastPage,
    ForecastRequest,
    ForecastResponse,
    ProblemModel,
    QuotaRequest,
    QuotaResponse,
    QuotasResponse,
    Ready,
    RunInfo,
    RunsResponse,
)
from .settings import Settings
from .store_reader import (
    KEYS,
    RUN_ID,
    ForecastQuery,
    StoreReader,
    decode_cursor,
    encode_cursor,
    records,
)
from .workers import ForecastPool, ForecastTimeout, WorkerUnavailable

__all__ = ["create_app", "language"]

_DESCRIPTION = """Forecasts of IT staffing demand and the state training quotas of one run store, for other systems.

Every `/v1` endpoint needs `Authorization: Bearer <key>`; a key holds scopes: `read` (aggregates; cells under the
minimum cell size withheld), `employer` (employer-level rows, every cell), `whatif` (`POST /v1/quota`) and
`forecast` (`POST /v1/forecast`). Errors are `application/problem+json`. `latest` is the last complete run.
"""

RunId = Annotated[
    str,
    Path(
        pattern=RUN_ID,
        description="A run id (GET /v1/runs lists them) or `latest`, the last complete run.",
        examples=["latest"],
    ),
]


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ProblemModel, "description": _REASONS[code]} for code in codes}


_REASONS = {
    401: "No key, or not a key of this service.",
    403: "The key lacks the scope this needs.",
    404: "No such run, cell or endpoint.",
    409: "The run is not complete (being written, failed) or of another library version.",
    413: "The body is larger than max_body_bytes.",
    422: "Invalid input; the detail names the field and the fix.",
    503: "The request passed the time limit, or the store has no complete run.",
    504: "The forecast passed forecast_timeout; its worker was stopped.",
}

_READ_ERRORS = _problems(401, 403, 404, 409, 422, 503)

_KEY = "(region|sector|employer|occupation)"
_LEVEL = rf"^(total|{_KEY}(,{_KEY}){{0,3}})$"

_bearer = HTTPBearer(auto_error=False, description="An API key of this service.")


def _scopes(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> frozenset[str]:
    """Return the scopes of the request's key: 401 without a key or with one the service does not know."""
    if credentials is None or not credentials.credentials:
        raise Problem(401, "send an API key: Authorization: Bearer <key>.")
    found = request.app.state.keys.scopes(credentials.credentials)
    if found is None:
        raise Problem(401, "this is not a key of this service; check the key, or ask the operators for one.")
    return frozenset(found)


def _requires(*wanted: str) -> Any:
    """Make a dependency giving the key's scopes, or 403 when it holds none of ``wanted`` (before the body)."""

    def check(held: Annotated[frozenset[str], Depends(_scopes)]) -> frozenset[str]:
        if not held & set(wanted):
            raise Problem(
                403, f"this key lacks the scope {' or '.join(map(repr, wanted))}; ask for a key with it."
            )
        return held

    return check


Scopes = Annotated[frozenset[str], Depends(_requires("read", "employer"))]
WhatIf = Annotated[frozenset[str], Depends(_requires("whatif"))]
Forecaster = Annotated[frozenset[str], Depends(_requires("forecast"))]


def language(accept: str | None) -> str:
    """Choose the language of explanations from ``Accept-Language``: ``en`` or ``ru`` (the default).

    Examples
    --------
    >>> language("en-GB,en;q=0.9"), language("ru,en;q=0.5"), language(None), language("de")
    ('en', 'ru', 'ru', 'ru')
    """
    if not accept:
        return "ru"
    ranked = []
    for position, part in enumerate(accept.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower().split("-")[0]))
    for weight, _, tag in sorted(ranked):
        if tag in ("ru", "en") and weight < 0:
            return tag
    return "ru"


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
    reader = StoreReader(store)
    metrics = Metrics()
    pool = ForecastPool(workers=settings.forecast_workers, timeout=settings.forecast_timeout)
    # What-ifs hold the GIL (pandas bookkeeping): half the cores at most, so that reads keep the rest.
    whatif_slots = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_workers:  # in the background: the service answers reads meanwhile
            threading.Thread(target=_warm, args=(pool,), name="forecast-warm-up", daemon=True).start()
        yield
        pool.close()  # on shutdown: each worker finishes its call, then stops

    app = FastAPI(
        title="staffing_forecast",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.reader = reader
    app.state.keys = keys
    app.state.metrics = metrics
    app.state.settings = settings
    app.state.pool = pool
    install_handlers(app)

    # --- operations -----------------------------------------------------------------------------------------
    @app.get("/health", tags=["operations"], summary="Liveness: the process answers.")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Readiness: the store is readable and has a complete run.",
        response_model=Ready,
        responses=_problems(503),
    )
    def ready() -> Ready:
        latest = reader.latest()
        if latest is None:
            raise Problem(
                503, f"the store has no complete run (runs/latest is missing) under {reader.root.name!r}."
            )
        try:
            reader.complete(latest)
        except Problem as problem:
            raise Problem(503, f"the latest run is not readable: {problem.detail}") from None
        return Ready(status="ready", latest=latest)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Request counts and latencies in the Prometheus text format.",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    # --- runs -----------------------------------------------------------------------------------------------
    @app.get("/v1/runs", tags=["runs"], summary="Every run of the store.", responses=_problems(401, 403, 503))
    def list_runs(held: Scopes) -> RunsResponse:
        return RunsResponse(runs=[RunInfo(**row) for row in reader.list_runs()], latest=reader.latest())

    @app.get("/v1/runs/{run_id}", tags=["runs"], summary="One run's manifest.", responses=_READ_ERRORS)
    def get_run(run_id: RunId, held: Scopes) -> dict[str, Any]:
        manifest = reader.manifest(run_id)
        manifest.pop("pid", None), manifest.pop("host", None)  # where the job ran stays with the operators
        return manifest

    @app.get(
        "/v1/runs/{run_id}/forecasts",
        tags=["runs"],
        summary="A run's forecasts, filtered, a page at a time.",
        response_model=ForecastPage,
        responses=_READ_ERRORS,
    )
    def forecasts(
        run_id: RunId,
        held: Scopes,
        occupation: Annotated[list[str], Query(max_length=200, description="ОКЗ codes, e.g. 2512.")] = [],  # noqa: B006
        sector: Annotated[list[str], Query(max_length=200, description="ОКВЭД2 codes, e.g. 62.01.")] = [],  # noqa: B006
        employer: Annotated[
            list[str], Query(max_length=200, description="Employer ids (needs the employer scope).")
        ] = [],  # noqa: B006
        region: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006
        hierarchy_level: Annotated[
            list[Annotated[str, StringConstraints(pattern=_LEVEL)]] | None,
            Query(
                max_length=20,
                description="Keys of the level, comma-separated in key order (`occupation`, "
                "`employer,occupation`), or `total`.",
                examples=["occupation"],
            ),
        ] = None,
        start: Annotated[date | None, Query(alias="from", description="First date (ds ≥ from).")] = None,
        end: Annotated[date | None, Query(alias="to", description="Last date (ds ≤ to).")] = None,
        limit: Annotated[int, Query(ge=1, le=10_000, description="Rows per page (≤ max_page_size).")] = 100,
        cursor: Annotated[
            str | None,
            Query(
                max_length=500, pattern=r"^[A-Za-z0-9_-]+$", description="next_cursor of the previous page."
            ),
        ] = None,
    ) -> Response:
        employer_rows = "employer" in held
        if employer and not employer_rows:
            raise Problem(
                403,
                "employer: filtering by employer needs the scope 'employer'; drop the filter or ask for a key with it.",
            )
        if limit > settings.max_page_size:
            raise Problem(
                422,
                f"limit: {limit} rows, the limit is max_page_size={settings.max_page_size}; page with cursor.",
            )
        if start is not None and end is not None and start > end:
            raise Problem(422, f"from: {start} is after to: {end}; swap them.")
        after = -1
        if cursor is not None:
            cursor_run, after = decode_cursor(cursor)
            if run_id not in ("latest", cursor_run):
                raise Problem(
                    422, f"cursor: it pages run {cursor_run!r}, not {run_id!r}; start again without it."
                )
            run_id = cursor_run  # a page of `latest` continues on the run it started on
        run = reader.complete(run_id)
        levels = None
        if hierarchy_level is not None:
            levels = tuple(_level_name(text) for text in hierarchy_level)
        query = ForecastQuery(
            occupation=tuple(occupation),
            sector=tuple(sector),
            employer=tuple(employer),
            region=tuple(region),
            hierarchy_level=levels,
            start=pd.Timestamp(start) if start else None,
            end=pd.Timestamp(end) if end else None,
            limit=limit,
            after=after,
        )
        page, last = reader.query(run, query, employer_rows=employer_rows)
        columns = reader.columns(run)
        if employer_rows or "mean" not in columns.arrays:
            suppressed = np.zeros(len(page), dtype=bool)
        else:
            suppressed = reader.suppressed(run, settings.disclosure)[page]
        body = {
            "run": run,
            "rows": columns.rows(page, suppressed),
            "next_cursor": encode_cursor(run, last) if last is not None else None,
        }
        return JSONResponse(body)

    @app.get(
        "/v1/runs/{run_id}/quotas",
        tags=["quotas"],
        summary="A run's quotas: one row per specialty, level and intake year.",
        response_model=QuotasResponse,
        responses=_READ_ERRORS,
    )
    def quotas(
        run_id: RunId,
        held: Scopes,
        specialty: Annotated[str | None, Query(max_length=20, examples=["09.02.07"])] = None,
        level: Annotated[str | None, Query(max_length=20, examples=["spo11"])] = None,
        intake_year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    ) -> Response:
        run = reader.complete(run_id)
        table = reader.quotas(run)
        if specialty is not None:
            table = table[table["specialty"] == specialty]
        if level is not None:
            table = table[table["level"] == level]
        if intake_year is not None:
            table = table[table["intake_year"] == intake_year]
        return JSONResponse({"run": run, "quotas": records(table)})

    @app.get(
        "/v1/runs/{run_id}/quotas/{specialty}/{level}/{intake_year}/explain",
        tags=["quotas"],
        summary="How one quota was computed, as a tree (Russian, or English with Accept-Language: en).",
        response_model=ExplainResponse,
        responses=_READ_ERRORS,
    )
    def explain(
        request: Request,
        run_id: RunId,
        specialty: Annotated[str, Path(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$", examples=["09.02.07"])],
        level: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,20}$", examples=["spo11"])],
        intake_year: Annotated[int, Path(ge=1900, le=2200, examples=[2026])],
        held: Scopes,
    ) -> Response:
        run = reader.complete(run_id)
        lang = language(request.headers.get("accept-language"))
        tree = reader.explanation(run, specialty, level, intake_year, lang)
        if tree is None:
            raise Problem(
                404,
                f"run {run!r} has no quota for {specialty} ({level}), intake {intake_year}; GET .../quotas lists the cells.",
            )
        quota = reader.quotas(run)
        row = quota[
            (quota["specialty"] == specialty)
            & (quota["level"] == level)
            & (quota["intake_year"] == intake_year)
        ]
        body = {
            "run": run,
            "specialty": specialty,
            "level": level,
            "intake_year": intake_year,
            "quota": int(row["quota"].iloc[0]) if len(row) else int(tree["value"]),
            "lang": lang,
            "explanation": tree,
        }
        return JSONResponse(body, headers={"Content-Language": lang, "Vary": "Accept-Language"})

    # --- computations ---------------------------------------------------------------------------------------
    @app.post(
        "/v1/quota",
        tags=["quotas"],
        summary="What-if: recompute a run's quotas from its stored inputs with another policy.",
        response_model=QuotaResponse,
        responses=_problems(401, 403, 404, 409, 413, 422, 503),
    )
    async def whatif(body: QuotaRequest, held: WhatIf) -> Response:
        from ..quota import Policy, compute

        run = reader.complete(body.run)
        values = body.policy.model_dump()
        if values["intake_years"] is not None:
            values["intake_years"] = tuple(values["intake_years"])
        try:
            policy = Policy(**values)
        except StaffingForecastError as error:
            raise Problem(422, f"policy: {error}") from None
        inputs = reader.inputs(run)

        def whatif_compute() -> Any:
            with whatif_slots:
                return compute(inputs, policy)

        result = await anyio.to_thread.run_sync(whatif_compute, abandon_on_cancel=True)
        return JSONResponse(
            {"run": run, "policy": _jsonable(policy.to_dict()), "quotas": records(result.table)}
        )

    @app.post(
        "/v1/forecast",
        tags=["forecast"],
        summary="Forecast submitted series with one model (small ad-hoc use; limits in the description).",
        response_model=ForecastResponse,
        responses=_problems(401, 403, 413, 422, 503, 504),
    )
    async def adhoc_forecast(body: ForecastRequest, held: Forecaster) -> Response:
        series = len({row.unique_id for row in body.data})
        if series > settings.max_series:
            raise Problem(
                422,
                f"data: {series} series, the limit is max_series={settings.max_series}; split the request.",
            )
        if len(body.data) > settings.max_observations:
            raise Problem(
                422,
                f"data: {len(body.data)} rows, the limit is max_observations={settings.max_observations}; split the request.",
            )
        if body.h > settings.max_horizon:
            raise Problem(
                422, f"h: {body.h} periods, the limit is max_horizon={settings.max_horizon}; ask for fewer."
            )
        request = body.model_dump(mode="json")
        try:
            answer = await anyio.to_thread.run_sync(pool.call, request, abandon_on_cancel=True)
        except ForecastTimeout:
            raise Problem(
                504,
                f"the forecast took longer than forecast_timeout={settings.forecast_timeout:g} s and was stopped; send "
                "fewer series or a faster model (naive, drift, theta).",
            ) from None
        except WorkerUnavailable:
            raise Problem(
                503, "no forecast worker could start; try again later, or tell the operators."
            ) from None
        if "error" in answer:
            if answer.get("kind") == "input":
                raise Problem(422, f"data: {answer['error']}")
            raise RuntimeError(f"forecast worker: {answer['error']}")
        return JSONResponse({"model": body.model, "rows": answer["ok"]["rows"]})

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )  # fmt: skip
    app.add_middleware(TimeLimit, seconds=settings.request_timeout)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestLog, metrics=metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _warm(pool: ForecastPool) -> None:
    try:
        pool.warm()
    except WorkerUnavailable:  # the first request tries again, and answers 503 if it cannot either
        logging.getLogger("staffing_forecast.service").warning("the forecast worker did not start")


def _level_name(text: str) -> str:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if names == ["total"] or not names:
        return "total"
    unknown = [n for n in names if n not in KEYS]
    if unknown:
        raise Problem(
            422,
            f"hierarchy_level: unknown key {unknown[0]!r}; use keys among {', '.join(KEYS)} (comma-separated), or total.",
        )
    return ",".join(k for k in KEYS if k in names)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


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
    app.openapi_schema = schema
    return schema
