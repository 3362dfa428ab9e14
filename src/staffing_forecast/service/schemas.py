"""Request and response models of the service, with the examples the OpenAPI schema shows.

Field names are the library's column names (``unique_id``, ``ds``, ``mean``, ``lo_80`` ..., ``specialty``,
``level``, ``intake_year``, ``quota``); tables whose columns vary with the run (interval levels) allow extra fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "FIRST_DATE",
    "FORECAST_MODELS",
    "LAST_DATE",
    "MAX_Y",
    "ExplainResponse",
    "ForecastPage",
    "ForecastRequest",
    "ForecastResponse",
    "Observation",
    "PolicyModel",
    "ProblemModel",
    "QuotaRequest",
    "QuotaResponse",
    "QuotasResponse",
    "Ready",
    "RunInfo",
    "RunsResponse",
]

#: Models ``POST /v1/forecast`` accepts: those that need nothing but the series itself.
FORECAST_MODELS = (
    "auto", "naive", "seasonal_naive", "drift", "historic_average", "ets", "arima", "ces", "theta", "croston", "tsb",
)  # fmt: skip

RUN_EXAMPLE = "20261130T024537.890Z-58eb70fd"


def _json_number(value: Any) -> Any:
    """Refuse what JSON does not call a number (``true``, ``"2"``), before pydantic would convert it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a JSON number, not {value!r}")
    return value


#: A JSON number (``2``, ``2.5``); booleans and strings refused.
Number = Annotated[float, BeforeValidator(_json_number)]
#: A whole JSON number (``15``, ``15.0``, as JSON Schema's ``integer``); booleans, strings and fractions refused.
Whole = Annotated[int, BeforeValidator(_json_number)]


class ProblemModel(BaseModel):
    """An error (``application/problem+json``, RFC 9457)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                    "detail": "this key lacks the scope 'whatif'; ask for a key with it.",
                    "instance": "/v1/quota",
                    "request_id": "3f0c4b8e2a7d4f5e9b1c6d2e8a4f7b3c",
                }
            ]
        },
    )
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None


class Ready(BaseModel):
    """The readiness of the service: the store is readable and has a complete run."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "latest": RUN_EXAMPLE}]})
    status: Literal["ready"]
    latest: str


class RunInfo(BaseModel):
    """One run of the store, as ``staffing-forecast runs list`` shows it."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "run": RUN_EXAMPLE,
                    "status": "complete",
                    "started": "2026-11-30T02:45:37+00:00",
                    "finished": "2026-11-30T02:46:05+00:00",
                    "seconds": 28.1,
                    "series": 16,
                    "version": "0.1.0",
                    "latest": True,
                }
            ]
        },
    )
    run: str
    status: str
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None
    series: int | None = None
    version: str | None = None
    latest: bool


class RunsResponse(BaseModel):
    """Every run of the store, oldest first."""

    runs: list[RunInfo]
    latest: str | None = Field(description="The last complete run, which ``latest`` means.")


class ForecastRow(BaseModel):
    """One row of a run's ``forecasts`` table; ``lo_<L>``/``hi_<L>`` follow the run's interval levels."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "unique_id": "*/*/*/2512",
                    "region": "*",
                    "sector": "*",
                    "employer": "*",
                    "occupation": "2512",
                    "ds": "2026-01-01",
                    "model": "drift",
                    "mean": 812.4,
                    "lo_80": 780.1,
                    "hi_80": 844.7,
                    "lo_95": 763.0,
                    "hi_95": 861.8,
                    "fallback": "",
                    "note": "",
                    "original_mean": 812.4,
                    "adjustment": "",
                    "reason": "",
                    "suppressed": False,
                }
            ]
        },
    )
    unique_id: str
    ds: str
    mean: float | None
    suppressed: bool = Field(
        description="True when the row's values are withheld: a cell under the minimum cell size, shown to keys "
        "without the employer scope."
    )


class ForecastPage(BaseModel):
    """One page of a run's forecasts; pass ``next_cursor`` as ``cursor`` for the next page (``null`` at the end)."""

    run: str
    rows: list[ForecastRow]
    next_cursor: str | None


class QuotasResponse(BaseModel):
    """A run's quota table: one row per specialty, level and intake year."""

    run: str
    quotas: list[dict[str, Any]] = Field(
        examples=[
            [
                {
                    "specialty": "09.02.07",
                    "level": "spo11",
                    "intake_year": 2026,
                    "quota": 68,
                    "low": 55.2,
                    "base": 68.1,
                    "high": 80.9,
                    "decision": "region",
                }
            ]
        ]
    )


class ExplainResponse(BaseModel):
    """How one quota was computed: a tree of steps, each with its value, unit, formula and source."""

    run: str
    specialty: str
    level: str
    intake_year: int
    quota: int
    lang: Literal["ru", "en"]
    explanation: dict[str, Any] = Field(
        examples=[
            {
                "step": "quota",
                "value": 68,
                "unit": "persons",
                "formula": "rounded half up",
                "source": "specialty 09.02.07 (spo11), intake 2026, graduates 2029",
                "children": [],
            }
        ]
    )


class PolicyModel(BaseModel):
    """The quota policy (``sf.quota.Policy``); fields left out keep their defaults (``docs/quota.md``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"cost_short": 2.0, "max_change": 0.2, "min_group": 12}]},
    )
    interval_level: Annotated[int, Field(gt=0, lt=100), BeforeValidator(_json_number)] | None = Field(
        default=None,
        description="Percent: the interval level of the run's stored quota inputs (the default); another level is "
        "refused with 422 naming the available ones.",
    )
    cost_short: Number = Field(default=1.0, gt=0, le=1e6)
    cost_surplus: Number = Field(default=1.0, gt=0, le=1e6)
    max_change: Number = Field(default=0.25, ge=0, le=100)
    min_group: Whole = Field(default=15, ge=1, le=10_000)
    small_total: Literal["drop", "raise"] = "drop"
    min_cell: Number = Field(default=50.0, ge=0, le=1e9)
    min_employers: Whole = Field(default=3, ge=0, le=1_000_000)
    apportionment: Literal["largest_remainder", "sainte_lague", "dhondt"] = "largest_remainder"
    intake_years: list[Annotated[int, Field(ge=1900, le=2200), BeforeValidator(_json_number)]] | None = Field(
        default=None, max_length=50
    )


class QuotaRequest(BaseModel):
    """A what-if: the quota of a run's stored inputs under another policy."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"run": "latest", "policy": {"cost_short": 2.0, "max_change": 0.2}}]},
    )
    run: str = Field(default="latest", pattern=r"^(latest|[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{8})$")
    policy: PolicyModel = Field(default_factory=PolicyModel)


class QuotaResponse(QuotasResponse):
    """The quota a policy gives on a run's inputs, and the policy in full (defaults filled in)."""

    policy: dict[str, Any]


#: The dates an observation may have: well inside the range pandas' timestamps hold (1677–2262), so that a
#: forecast's horizon never runs past it.
FIRST_DATE, LAST_DATE = date(1800, 1, 1), date(2199, 12, 31)
#: The largest magnitude of an observation: far above any head count, far below what overflows a model's interval.
MAX_Y = 1e12


class Observation(BaseModel):
    """One observation of a series."""

    model_config = ConfigDict(extra="forbid")
    unique_id: str = Field(min_length=1, max_length=200)
    ds: date = Field(
        ge=FIRST_DATE,
        le=LAST_DATE,
        description=f"A date from {FIRST_DATE} to {LAST_DATE}.",
        json_schema_extra={"pattern": r"^(1[89]|2[01])[0-9]{2}-"},
    )
    y: Number = Field(allow_inf_nan=False, ge=-MAX_Y, le=MAX_Y, description="At most 1e12 in magnitude.")


class ForecastRequest(BaseModel):
    """Series to forecast with one named model (``unique_id``, ``ds``, ``y`` rows, as the library's panel)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "model": "drift",
                    "h": 2,
                    "freq": "YS",
                    "level": [80],
                    "data": [
                        {"unique_id": "2512", "ds": "2021-01-01", "y": 610},
                        {"unique_id": "2512", "ds": "2022-01-01", "y": 655},
                        {"unique_id": "2512", "ds": "2023-01-01", "y": 702},
                        {"unique_id": "2512", "ds": "2024-01-01", "y": 741},
                    ],
                }
            ]
        },
    )
    model: Literal[FORECAST_MODELS] = "auto"  # type: ignore[valid-type]
    h: Whole = Field(ge=1, le=1000, description="Horizon in periods; the service's limit is max_horizon.")
    freq: Literal["YS", "QS", "MS"] | None = Field(
        default=None, description="Inferred from the dates when left out."
    )
    level: list[Annotated[int, Field(gt=0, lt=100), BeforeValidator(_json_number)]] = Field(
        default_factory=list, max_length=5, description="Interval levels, percent."
    )
    data: list[Observation] = Field(min_length=1, max_length=1_000_000)


class ForecastResponse(BaseModel):
    """The forecast: ``unique_id``, ``ds``, ``model``, ``mean``, ``lo_<L>``, ``hi_<L>``, ``fallback``."""

    model: str
    rows: list[dict[str, Any]]
