"""Operations: liveness, readiness, metrics (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ..metrics import CONTENT_TYPE_LATEST
from ..schemas import Ready
from ..store_reader import StoreReader
from .deps import MetricsDep, Reader, problems

__all__ = ["readiness", "router"]

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers.")
def health() -> dict[str, str]:
    return {"status": "ok"}


def readiness(reader: StoreReader) -> Ready:
    """Return the readiness of the store, or raise a 503 :class:`Problem` saying what is missing."""
    return Ready(status="ready", latest=reader.ready())


@router.get(
    "/ready",
    summary="Readiness: the store is readable and has a complete run.",
    response_model=Ready,
    responses=problems(503),
)
def ready(reader: Reader) -> Ready:
    return readiness(reader)


@router.get(
    "/metrics",
    summary="Request counts and latencies in the Prometheus text format.",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def prometheus(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
