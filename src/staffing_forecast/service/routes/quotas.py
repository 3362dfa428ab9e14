"""A run's stored quotas and the explanation of one quota."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from ..problems import Problem
from ..schemas import ExplainResponse, QuotasResponse
from ..store_reader import records
from .deps import Reader, Readers, RunId, problems

__all__ = ["language", "router"]

router = APIRouter(prefix="/v1/runs/{run_id}/quotas", tags=["quotas"])

_READ_ERRORS = problems(401, 403, 404, 409, 422, 503)


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


@router.get(
    "",
    summary="A run's quotas: one row per specialty, level and intake year.",
    response_model=QuotasResponse,
    responses=_READ_ERRORS,
)
def quotas(
    run_id: RunId,
    held: Readers,
    reader: Reader,
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


@router.get(
    "/{specialty}/{level}/{intake_year}/explain",
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
    held: Readers,
    reader: Reader,
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
        (quota["specialty"] == specialty) & (quota["level"] == level) & (quota["intake_year"] == intake_year)
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
