"""A run's forecasts, filtered, a page at a time; cells under the minimum size withheld from aggregate keys."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import StringConstraints

from ..problems import Problem
from ..schemas import ForecastPage
from ..settings import Settings
from ..store_reader import KEYS, Columns, ForecastQuery, StoreReader, decode_cursor, encode_cursor
from .deps import Reader, Readers, RunId, SettingsDep, problems

__all__ = ["router", "suppressed_rows"]

router = APIRouter(tags=["runs"])

_KEY = "(region|sector|employer|occupation)"
_LEVEL = rf"^(total|{_KEY}(,{_KEY}){{0,3}})$"


def suppressed_rows(
    reader: StoreReader, run: str, columns: Columns, page: np.ndarray, settings: Settings, employer_rows: bool
) -> np.ndarray:
    """Return which rows of ``page`` have their values withheld (``True``) from the key asking.

    The disclosure rules decide once per run (:mod:`staffing_forecast.disclosure`); the ``employer`` scope sees
    every value.
    """
    if employer_rows or "mean" not in columns.arrays:
        return np.zeros(len(page), dtype=bool)
    return np.asarray(reader.suppressed(run, settings.disclosure)[page])


@router.get(
    "/v1/runs/{run_id}/forecasts",
    summary="A run's forecasts, filtered, a page at a time.",
    response_model=ForecastPage,
    responses=problems(401, 403, 404, 409, 422, 503),
)
def forecasts(
    run_id: RunId,
    held: Readers,
    reader: Reader,
    settings: SettingsDep,
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
        Query(max_length=500, pattern=r"^[A-Za-z0-9_-]+$", description="next_cursor of the previous page."),
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
    suppressed = suppressed_rows(reader, run, columns, page, settings, employer_rows)
    body = {
        "run": run,
        "rows": columns.rows(page, suppressed),
        "next_cursor": encode_cursor(run, last) if last is not None else None,
    }
    return JSONResponse(body)


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
