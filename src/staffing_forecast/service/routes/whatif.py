"""What-if: a run's quotas recomputed from its stored inputs under another policy."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ...errors import StaffingForecastError
from ..problems import Problem
from ..schemas import QuotaRequest, QuotaResponse
from ..store_reader import records
from .deps import Reader, WhatIf, WhatIfSlots, problems

__all__ = ["router"]

router = APIRouter(tags=["quotas"])


@router.post(
    "/v1/quota",
    summary="What-if: recompute a run's quotas from its stored inputs with another policy.",
    response_model=QuotaResponse,
    responses=problems(401, 403, 404, 409, 413, 422, 503),
)
async def whatif(body: QuotaRequest, held: WhatIf, reader: Reader, slots: WhatIfSlots) -> Response:
    from ...quota import Policy, compute

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
        with slots:
            return compute(inputs, policy)

    result = await anyio.to_thread.run_sync(whatif_compute, abandon_on_cancel=True)
    return JSONResponse({"run": run, "policy": _jsonable(policy.to_dict()), "quotas": records(result.table)})


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
