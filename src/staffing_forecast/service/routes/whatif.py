"""What-if: a run's quotas recomputed from its stored inputs under another policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ...errors import StaffingForecastError
from ..logs import request_id as current_request_id
from ..problems import Problem
from ..schemas import QuotaRequest, QuotaResponse
from ..store_reader import StoreReader
from .deps import Reader, WhatIf, WhatIfPool, ask_worker, key_first, problems

__all__ = ["router", "stored_level"]

router = APIRouter(tags=["quotas"], route_class=key_first("whatif"))


@router.post(
    "/v1/quota",
    summary="What-if: recompute a run's quotas from its stored inputs with another policy.",
    description="`policy.interval_level` must be the level of the run's stored inputs (the default); another is a "
    "422 naming the available levels. The costs must put the recommendation within that interval "
    "(`cost_short / (cost_short + cost_surplus)` between `(1 − L)/2` and `(1 + L)/2`; 422 otherwise).",
    response_model=QuotaResponse,
    responses=problems(401, 403, 404, 409, 413, 422, 503),
)
async def whatif(body: QuotaRequest, held: WhatIf, reader: Reader, pool: WhatIfPool) -> Response:
    from ...quota import Policy

    run = reader.complete(body.run)
    inputs = reader.inputs(run)
    held_level = stored_level(reader, run, inputs.interval_level)
    values = body.policy.model_dump()
    if values["interval_level"] is None:
        values["interval_level"] = held_level
    elif values["interval_level"] != held_level:
        raise Problem(
            422,
            f"policy.interval_level: run {run!r} holds the quota inputs at the {held_level} % interval only; "
            f"available levels: [{held_level}]. Send interval_level={held_level} or leave it out.",
        )
    if values["intake_years"] is not None:
        values["intake_years"] = tuple(values["intake_years"])
    try:
        policy = Policy(**values)
    except StaffingForecastError as error:
        raise Problem(422, f"policy: {error}") from None
    # In a worker process, at a lower CPU priority: a what-if is seconds of pandas under the GIL, which in the
    # server's process would hold up every read meanwhile.
    request = {
        "task": "whatif",
        "inputs": str(reader.store.runs / run / "inputs"),
        "interval_level": held_level,
        "policy": _jsonable(policy.to_dict()),
        "request_id": current_request_id.get(),
    }
    timed_out = Problem(
        503, f"the what-if took longer than request_timeout={pool.timeout:g} s and was stopped; try again later."
    )
    answer = await ask_worker(pool, request, name="what-if", timed_out=timed_out)
    return JSONResponse({"run": run, "policy": request["policy"], "quotas": answer["rows"]})


def stored_level(reader: StoreReader, run: str, recorded: int | None) -> int:
    """Return the interval level of a run's stored quota inputs: as recorded, else the level the job used.

    Runs stored before the inputs recorded their level are read from the manifest's ``config.quota``; a run
    whose manifest does not say either is refused (409) rather than recomputed at a guessed level.
    """
    if recorded is not None:
        return recorded
    quota = (reader.manifest(run).get("config") or {}).get("quota") or {}
    level = quota.get("interval_level")
    if isinstance(level, int) and not isinstance(level, bool) and 0 < level < 100:
        return level
    raise Problem(
        409,
        f"run {run!r}: its quota inputs do not record their interval level, nor does its manifest; a what-if "
        "cannot know which interval the stored bounds are. Run the batch job again to store a run that records it.",
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
