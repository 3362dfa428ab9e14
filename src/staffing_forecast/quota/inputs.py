"""The quota's inputs: the data and assumptions, each with its unit, its default and where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import pandas as pd

from .. import reference
from ..errors import ConfigError

__all__ = ["DEFAULT_AGE_SHARES", "REQUIRED", "Inputs"]

#: Age structure used for an occupation with no age data: an assumption for ICT occupations in a Russian region.
DEFAULT_AGE_SHARES = {"15-29": 0.30, "30-49": 0.50, "50-59": 0.13, "60+": 0.07}
#: Fields without a default.
REQUIRED = ("employment", "base_year", "capacity")


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything the quota calculator reads, in persons, shares and years (``docs/quota.md`` lists the sources).

    Required: ``employment``, ``base_year``, ``capacity``. Every other field has a documented default; a default
    that stands in for missing data is recorded in ``sources`` and shown by ``QuotaResult.explain``.

    Parameters
    ----------
    employment
        Employment by occupation: ``occupation``, ``year``, ``low``, ``base``, ``high`` (persons). Years up to
        ``base_year`` are actuals (all three equal); later years are the forecast, ``low``/``high`` the bounds of
        its interval at ``Policy.interval_level`` and ``base`` its mean.
    base_year
        The last year of actual data; intake years start the year after.
    capacity
        Admission capacity: ``institution``, ``specialty``, ``level``, ``capacity`` (places per year) and optionally
        ``kind`` (``college`` or ``university``; university rows are labelled proposals).
    crosswalk
        ``occupation``, ``specialty``, ``level``, ``share``; each occupation's shares sum to 1. Default: the shipped
        :func:`staffing_forecast.reference.crosswalk` (an assumption).
    age_shares
        ``occupation``, ``age_band``, ``share`` in the base year. Default: :data:`DEFAULT_AGE_SHARES` for every
        occupation (an assumption).
    exit_rates
        ``year``, ``age_band``, ``exit_rate`` (1/yr). Default: :func:`staffing_forecast.reference.exit_rates`.
    transfer, migrate
        Yearly share of the employed leaving the occupation / the region: one number, or a mapping occupation →
        share (occupations not in it get the ``"*"`` entry, else the default). Defaults 0.02 and 0.01 (assumptions).
    vacancies
        Unfilled vacancies at the base date, occupation → persons. Default: none.
    backlog_shares
        Share of the vacancies to fill in each year after the base year; sums to at most 1. Default (0.5, 0.5).
    grad_share
        Share of openings filled by new graduates: one number or occupation → share. Default 0.5 (assumption).
    durations
        ``specialty``, ``level``, ``form``, ``years`` from intake to graduation. Default:
        :func:`staffing_forecast.reference.durations`.
    form
        Form of study the quota is for. Default ``"full_time"``.
    shares
        ``specialty``, ``level``, ``completion``, ``p_emp``, ``p_field``, ``p_region`` and optionally ``{share}_lo``
        / ``{share}_hi`` (used by :func:`sensitivity`). Programs missing get
        :func:`staffing_forecast.reference.outcome_defaults` by level. A blank cell of a program that is listed is
        an error, unless ``fill_shares`` is True.
    fill_shares
        Fill blank cells of ``shares`` with the reference default of the program's level instead of refusing
        them. Default False. Every default used is listed with its source (``QuotaResult.programs``).
    pipeline
        Graduates expected from cohorts already admitted: ``specialty``, ``level``, ``year``, ``graduates``.
        Default: none (coverage is then not computed).
    other_supply
        Graduates reaching the cluster from elsewhere: ``specialty``, ``level``, ``year``, ``persons``. Default 0.
    paid
        Expected fee-paying admissions: ``specialty``, ``level``, ``persons``, optionally ``intake_year``. Default 0.
    target_share
        Share of each quota reserved for target training: one number, or ``specialty``, ``level``, ``share``.
        Default 0.
    population
        Optional control totals of regional employment, occupation → persons in the base year; employment is then
        scaled to them and the scope is the region rather than the surveyed employers. Default: none.
    scores
        ``institution``, ``specialty``, ``level``, ``score`` (0–1). Default 1 for every institution.
    previous
        Last year's quota: ``specialty``, ``level``, ``quota``. Default: none (no smoothing in the first year).
    employers
        Employers reporting each occupation, occupation → count. Default: unknown (the reliability rule on
        employers is then skipped, and the sources say so).
    adjustments
        Manual forecast adjustments to show in explanations: ``occupation``, ``year``, ``original_mean``,
        ``adjustment``, ``reason``. Default: none.
    sources
        Input name → where its values came from. Filled by :func:`~staffing_forecast.quota.inputs_from_bundle`.
    interval_level
        The level (percent) of the forecast interval whose bounds are ``employment``'s ``low`` and ``high``.
        :func:`~staffing_forecast.quota.compute` refuses a policy of another level, since these bounds would be
        read as that level's. Set by :func:`~staffing_forecast.quota.inputs_from_bundle`; default ``None``
        (unknown, as for inputs built by hand: the bounds are then taken to be at the policy's level).

    Examples
    --------
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026],
    ...                            "low": [100, 102], "base": [100, 110], "high": [100, 118]})
    >>> capacity = pd.DataFrame({"institution": "U01", "specialty": "09.03.04", "level": "bachelor",
    ...                          "capacity": [50]})
    >>> inputs = Inputs(employment=employment, base_year=2025, capacity=capacity)
    >>> inputs.transfer, inputs.backlog_shares
    (0.02, (0.5, 0.5))
    """

    employment: pd.DataFrame
    base_year: int
    capacity: pd.DataFrame
    crosswalk: pd.DataFrame | None = None
    age_shares: pd.DataFrame | None = None
    exit_rates: pd.DataFrame | None = None
    transfer: float | Mapping[str, float] = 0.02
    migrate: float | Mapping[str, float] = 0.01
    vacancies: Mapping[str, float] | None = None
    backlog_shares: tuple[float, ...] = (0.5, 0.5)
    grad_share: float | Mapping[str, float] = 0.5
    durations: pd.DataFrame | None = None
    form: str = "full_time"
    shares: pd.DataFrame | None = None
    fill_shares: bool = False
    pipeline: pd.DataFrame | None = None
    other_supply: pd.DataFrame | None = None
    paid: pd.DataFrame | None = None
    target_share: float | pd.DataFrame = 0.0
    population: Mapping[str, float] | None = None
    scores: pd.DataFrame | None = None
    previous: pd.DataFrame | None = None
    employers: Mapping[str, int] | None = None
    adjustments: pd.DataFrame | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    interval_level: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "backlog_shares", tuple(float(s) for s in self.backlog_shares))
        level = self.interval_level
        if level is not None and (isinstance(level, bool) or level != int(level) or not 0 < level < 100):
            raise ConfigError(
                f"Inputs: interval_level={level!r} must be a whole percent between 0 and 100, or None."
            )
        if level is not None:
            object.__setattr__(self, "interval_level", int(level))
        if self.form not in reference.FORMS:
            raise ConfigError(f"Inputs: form={self.form!r} must be one of {list(reference.FORMS)}.")

    def replace(self, **changes: Any) -> Inputs:
        """Return a copy with some fields changed (the sensitivity analysis uses it)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return type(self)(**values)


def field_defaults() -> dict[str, object]:
    """Return every field of :class:`Inputs` with its default, ``"REQUIRED"`` for those without one.

    The docs' field table and the tests read it, so neither repeats the defaults by hand.

    Examples
    --------
    >>> defaults = field_defaults()
    >>> defaults["employment"], defaults["base_year"]
    ('REQUIRED', 'REQUIRED')
    """
    out: dict[str, object] = {}
    for f in fields(Inputs):
        if f.name in REQUIRED:
            out[f.name] = "REQUIRED"
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = f.default
    return out
