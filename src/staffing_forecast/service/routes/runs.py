"""Runs: the store's runs and one run's manifest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..schemas import RunInfo, RunsResponse
from .deps import Reader, Readers, RunId, problems

__all__ = ["router"]

router = APIRouter(prefix="/v1/runs", tags=["runs"])


@router.get("", summary="Every run of the store.", responses=problems(401, 403, 503))
def list_runs(held: Readers, reader: Reader) -> RunsResponse:
    return RunsResponse(runs=[RunInfo(**row) for row in reader.list_runs()], latest=reader.latest())


@router.get("/{run_id}", summary="One run's manifest.", responses=problems(401, 403, 404, 409, 422, 503))
def get_run(run_id: RunId, held: Readers, reader: Reader) -> dict[str, Any]:
    manifest = reader.manifest(run_id)
    manifest.pop("pid", None), manifest.pop("host", None)  # where the job ran stays with the operators
    return manifest
