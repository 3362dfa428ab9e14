"""Ad-hoc forecast: submitted series forecast with one model in a worker process under a hard time limit."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ..problems import Problem
from ..schemas import ForecastRequest, ForecastResponse
from ..workers import ForecastTimeout, WorkerUnavailable
from .deps import Forecaster, Pool, SettingsDep, problems

__all__ = ["router"]

router = APIRouter(tags=["forecast"])


@router.post(
    "/v1/forecast",
    summary="Forecast submitted series with one model (small ad-hoc use; limits in the description).",
    response_model=ForecastResponse,
    responses=problems(401, 403, 413, 422, 503, 504),
)
async def adhoc_forecast(
    body: ForecastRequest, held: Forecaster, settings: SettingsDep, pool: Pool
) -> Response:
    series = len({row.unique_id for row in body.data})
    if series > settings.max_series:
        raise Problem(
            422, f"data: {series} series, the limit is max_series={settings.max_series}; split the request."
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
