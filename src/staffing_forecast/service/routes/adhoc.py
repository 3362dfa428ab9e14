"""Ad-hoc forecast: submitted series forecast with one model in a worker process under a hard time limit.

A request's cost is bounded before it runs (:func:`forecast_cost`), and a request given up (its time limit
passed) stops its worker, so no abandoned request holds the endpoint.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ..logs import request_id as current_request_id
from ..problems import Problem
from ..schemas import ForecastRequest, ForecastResponse
from ..settings import Settings
from .deps import Forecaster, Pool, SettingsDep, ask_worker, key_first, problems

__all__ = ["MODEL_FITS", "forecast_cost", "router"]

router = APIRouter(tags=["forecast"], route_class=key_first("forecast"))

#: Model fits per series: ``auto`` fits four members on the history and at two calibration cutoffs.
MODEL_FITS = {"auto": 12}

_STEP = {"YS": pd.DateOffset(years=1), "QS": pd.DateOffset(months=3), "MS": pd.DateOffset(months=1)}


def forecast_cost(body: ForecastRequest) -> int:
    """Return the cost of a request: its observations times the fits its model makes of each series.

    Examples
    --------
    >>> rows = [{"unique_id": "a", "ds": f"{year}-01-01", "y": 1.0} for year in range(2015, 2025)]
    >>> forecast_cost(ForecastRequest(model="auto", h=2, data=rows)), forecast_cost(ForecastRequest(h=2, model="naive", data=rows))
    (120, 10)
    """
    return len(body.data) * MODEL_FITS.get(body.model, 1)


def _check_limits(body: ForecastRequest, settings: Settings) -> None:
    series = len({row.unique_id for row in body.data})
    if series > settings.max_series:
        raise Problem(
            413, f"data: {series} series, the limit is max_series={settings.max_series}; split the request."
        )
    if len(body.data) > settings.max_observations:
        raise Problem(
            413,
            f"data: {len(body.data)} rows, the limit is max_observations={settings.max_observations}; split the request.",
        )
    if body.h > settings.max_horizon:
        raise Problem(
            422, f"h: {body.h} periods, the limit is max_horizon={settings.max_horizon}; ask for fewer."
        )
    cost = forecast_cost(body)
    if cost > settings.max_cost:
        raise Problem(
            413,
            f"data: this request costs {cost:,} (observations × model fits: {len(body.data)} × "
            f"{MODEL_FITS.get(body.model, 1)}), the limit is max_cost={settings.max_cost:,}; send fewer series, "
            "shorter histories, or a model that fits once (naive, drift, theta, ets).",
        )
    last = pd.Timestamp(max(row.ds for row in body.data))
    end = last + _STEP[body.freq or "YS"] * body.h  # without a freq, the longest step the dates may have
    if end.year > 2200:
        raise Problem(422, f"h: the forecast would run to {end.date()}, past 2200; ask for fewer periods.")


@router.post(
    "/v1/forecast",
    summary="Forecast submitted series with one model (small ad-hoc use; limits in the description).",
    description="Limits (the service's settings): at most `max_series` series and `max_observations` rows (413), "
    "a cost of at most `max_cost` (observations × model fits: 12 for `auto`, 1 for any other model; 413), `h` up "
    "to `max_horizon` and a forecast ending by 2200 (422). Each series must be one the model can forecast: dates "
    "unique and evenly spaced, and, with `level`, enough observations to estimate an interval (422 naming the "
    "series otherwise).",
    response_model=ForecastResponse,
    responses=problems(401, 403, 413, 422, 503, 504),
)
async def adhoc_forecast(
    body: ForecastRequest, held: Forecaster, settings: SettingsDep, pool: Pool
) -> Response:
    _check_limits(body, settings)
    request = body.model_dump(mode="json") | {"request_id": current_request_id.get()}  # for the worker's log
    timed_out = Problem(
        504,
        f"the forecast took longer than forecast_timeout={settings.forecast_timeout:g} s and was stopped; send "
        "fewer series or a faster model (naive, drift, theta).",
    )
    answer = await ask_worker(pool, request, name="forecast", timed_out=timed_out, input_prefix="data: ")
    return JSONResponse({"model": body.model, "rows": answer["rows"]})
