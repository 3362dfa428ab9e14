"""Institution performance scores for the quota allocation, and the default graduate-outcome shares of the quota."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .. import reference
from ..errors import ConfigError
from ._tables import Validated, monitoring_table
from .outcomes import RATES, graduate_outcomes, proportion_interval
from .satisfaction import satisfaction

__all__ = ["COMPONENTS", "institution_scores", "quota_shares"]

#: Score components and their default weights (equal: no component is known to matter more).
COMPONENTS: dict[str, float] = {"p_emp": 0.25, "p_field": 0.25, "p_region": 0.25, "satisfaction": 0.25}
_PROGRAM = ["institution", "specialty", "level"]
_SHARES = ("completion", "p_emp", "p_field", "p_region")


def _last_years(values: pd.Series, n: int) -> list[int]:
    last = int(values.max())
    return list(range(last - n + 1, last + 1))


def institution_scores(
    graduates: object,
    surveys: object = None,
    *,
    years: Iterable[int] | None = None,
    weights: Mapping[str, float] | None = None,
    min_graduates: int = 10,
) -> pd.DataFrame:
    """Score the performance of each institution's program (specialty and level), used to allocate quota places.

    ``score = Σ_c weight_c · component_c / Σ_c weight_c`` over the components the data has, where the
    components, all on a 0–1 scale, are the graduate-outcome rates ``p_emp``, ``p_field`` and ``p_region`` of
    :func:`graduate_outcomes` pooled over ``years``, and ``satisfaction = (index − 1) / 4``, the employer
    satisfaction index of :func:`satisfaction` rescaled from 1–5. A missing component (no graduates employed,
    no answers) is left out and named in ``missing``; the other weights then count proportionally more.

    Parameters
    ----------
    graduates
        The ``graduates`` table, or a :class:`~staffing_forecast.Bundle` (whose ``satisfaction`` table is then
        used unless ``surveys`` is given).
    surveys
        The ``satisfaction`` table or a survey; ``None`` for none (the bundle's, when ``graduates`` is a bundle).
    years
        Years pooled: graduation years for the rates, survey years for the satisfaction index. Default: the
        last 3 years of each table.
    weights
        Component weights, keys among ``p_emp``, ``p_field``, ``p_region``, ``satisfaction``; a component left
        out gets weight 0. Default :data:`COMPONENTS` (equal).
    min_graduates
        Programs with fewer graduates over the years are flagged ``too_few``.

    Returns
    -------
    pandas.DataFrame
        ``institution``, ``specialty``, ``level``, ``graduates``, ``p_emp``, ``p_field``, ``p_region``,
        ``employers`` (rating it), ``satisfaction_index`` (1–5), ``satisfaction`` (0–1), ``score``, ``missing``
        and ``too_few``; one row per program found in either table.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> scores = sf.monitoring.institution_scores(sf.datasets.load_demo())
    >>> bool(scores["score"].between(0, 1).all())
    True
    """
    chosen = dict(COMPONENTS if weights is None else weights)
    unknown = set(chosen) - set(COMPONENTS)
    if unknown:
        raise ConfigError(f"institution_scores: unknown weight(s) {sorted(unknown)}; use {list(COMPONENTS)}.")
    if any(w < 0 for w in chosen.values()) or sum(chosen.values()) <= 0:
        raise ConfigError(f"institution_scores: weights {chosen} must be non-negative and not all 0.")
    if surveys is None and not isinstance(graduates, pd.DataFrame):
        surveys = getattr(graduates, "satisfaction", None)
    grads = monitoring_table(graduates, "graduates")
    grad_years = list(years) if years is not None else _last_years(grads["year"], 3)
    outcomes = graduate_outcomes(
        Validated(grads), _PROGRAM, years=grad_years, window=max(grad_years) - min(grad_years) + 1
    )
    out = outcomes[[*_PROGRAM, "graduates", *RATES]]
    if surveys is not None:
        table = monitoring_table(surveys, "satisfaction")
        survey_years = list(years) if years is not None else _last_years(table["year"], 3)
        sat = satisfaction(Validated(table), _PROGRAM, years=survey_years)[[*_PROGRAM, "employers", "index"]]
        sat = sat.rename(columns={"index": "satisfaction_index"})
        out = out.merge(sat, on=_PROGRAM, how="outer")
    else:
        out = out.assign(employers=0, satisfaction_index=np.nan)
    out["employers"] = out["employers"].fillna(0).astype(int)
    out["graduates"] = out["graduates"].fillna(0).astype(int)
    out["satisfaction"] = (out["satisfaction_index"] - 1) / 4
    values = out[list(COMPONENTS)].to_numpy(float)
    weight = np.array([chosen.get(c, 0.0) for c in COMPONENTS])
    present = ~np.isnan(values) & (weight > 0)
    total = (present * weight).sum(axis=1)
    with np.errstate(invalid="ignore"):
        out["score"] = np.where(
            total > 0, np.nansum(values * weight, axis=1) / np.where(total > 0, total, 1), np.nan
        )
    out["missing"] = [
        ", ".join(c for c, w, ok in zip(COMPONENTS, weight, row, strict=True) if w > 0 and not ok)
        for row in present
    ]
    out["too_few"] = out["graduates"] < min_graduates
    return out.sort_values(_PROGRAM, kind="stable").reset_index(drop=True)


def quota_shares(
    graduates: object,
    admissions: object = None,
    *,
    programs: pd.DataFrame | None = None,
    years: Iterable[int] | None = None,
    level: int = 95,
) -> pd.DataFrame:
    """Compute the quota's completion and chained graduate-outcome shares per specialty and level, with their intervals.

    ``completion = Σ_g graduates[g] / Σ_g Σ_f intake[f, g − D_f]`` over graduation years ``g`` (``D_f``: the
    program's duration in whole years for form of study ``f``; intake = state-funded + fee-paying admissions), and
    ``p_emp``, ``p_field``, ``p_region`` as in :func:`graduate_outcomes`, all pooled over ``years``. Where the data
    has nothing for a share (no graduates, no admissions of the right cohort), the reference value of
    :func:`staffing_forecast.reference.outcome_defaults` for the level is used and ``source_{share}`` says
    ``reference``. The intervals feed the quota's sensitivity table, not its scenarios.

    Parameters
    ----------
    graduates
        The ``graduates`` table, or a bundle (whose ``admissions`` table is then used unless given).
    admissions
        The ``admissions`` table, for completion; ``None`` uses the reference completion.
    programs
        Rows of ``specialty`` and ``level`` to report even without data (they get the reference values), e.g.
        every program of the crosswalk. Default: those in the graduates table.
    years
        Graduation years to pool (default: the last 3).
    level
        Confidence level of the intervals, in percent (Jeffreys intervals).

    Returns
    -------
    pandas.DataFrame
        ``specialty``, ``level``, then for each share of ``completion``, ``p_emp``, ``p_field``, ``p_region``:
        the value, ``{share}_lo``, ``{share}_hi`` and ``source_{share}`` (``monitoring`` or ``reference``);
        ``note`` explains any fallback or cap.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> shares = sf.monitoring.quota_shares(sf.datasets.load_demo())
    >>> sorted(shares["source_p_emp"].unique())
    ['monitoring']
    """
    if admissions is None and not isinstance(graduates, pd.DataFrame):
        admissions = getattr(graduates, "admissions", None)
    grads = monitoring_table(graduates, "graduates")
    chosen = list(years) if years is not None else _last_years(grads["year"], 3)
    window = max(chosen) - min(chosen) + 1
    out = graduate_outcomes(
        Validated(grads), ["specialty", "level"], years=chosen, window=window, level=level
    )
    out = out[["specialty", "level", "graduates", *(c for r in RATES for c in (r, f"{r}_lo", f"{r}_hi"))]]
    completion = _completion(grads, admissions, chosen, level)
    out = out.merge(completion, on=["specialty", "level"], how="left")
    if programs is not None:
        wanted = programs[["specialty", "level"]].drop_duplicates()
        out = out.merge(wanted, on=["specialty", "level"], how="outer")
    defaults = reference.outcome_defaults().set_index("level")
    notes: list[list[str]] = [[] for _ in range(len(out))]
    for share in _SHARES:
        missing = out[share].isna().to_numpy()
        fallback = out["level"].map(defaults[share]).to_numpy(float)
        out[f"source_{share}"] = np.where(missing, "reference", "monitoring")
        for column in (share, f"{share}_lo", f"{share}_hi"):
            out[column] = np.where(missing, fallback, out[column].to_numpy(float))
        for i in np.flatnonzero(missing):
            notes[i].append(f"{share}: no data, reference value {fallback[i]:g} for {out['level'].iloc[i]}")
    capped = out.pop("_capped").astype("boolean").fillna(False).to_numpy(bool)  # NaN: no cohort data
    for i in np.flatnonzero(capped):
        notes[i].append("completion: more graduates than their cohorts' intake (transfers in?); capped at 1")
    out["note"] = ["; ".join(n) for n in notes]
    columns = ["specialty", "level"]
    for share in _SHARES:
        columns += [share, f"{share}_lo", f"{share}_hi", f"source_{share}"]
    return out[[*columns, "note"]].sort_values(["specialty", "level"]).reset_index(drop=True)


def _completion(grads: pd.DataFrame, admissions: object, years: list[int], level: int) -> pd.DataFrame:
    """Graduates over the intake of their cohorts, per specialty and level; NaN where no cohort intake is known."""
    empty = pd.DataFrame(
        columns=["specialty", "level", "completion", "completion_lo", "completion_hi", "_capped"]
    )
    if admissions is None:
        return empty
    intake = monitoring_table(admissions, "admissions")
    durations = reference.durations()[["specialty", "level", "form", "years"]]
    intake = intake.merge(durations, on=["specialty", "level", "form"], how="left")
    lacking = intake[intake["years"].isna()]
    if len(lacking):
        first = lacking.iloc[0]
        raise ConfigError(
            f"admissions: specialty {first['specialty']} at level {first['level']} ({first['form']}) has no "
            "program duration in sf.reference.durations(); the cohort of its graduates cannot be found."
        )
    intake["graduation_year"] = intake["year"] + intake["years"].astype(int)
    intake["intake"] = intake["budget"] + intake["paid"]
    cohorts = intake.groupby(["specialty", "level", "graduation_year"])["intake"].sum()
    graduated = grads[grads["year"].isin(years)].groupby(["specialty", "level", "year"])["graduates"].sum()
    graduated.index = graduated.index.set_names("graduation_year", level="year")
    both = (
        pd.concat({"graduates": graduated, "intake": cohorts}, axis=1, join="inner")
        .groupby(level=[0, 1])
        .sum()
    )
    both = both[both["intake"] > 0]
    if both.empty:
        return empty
    successes = np.minimum(both["graduates"], both["intake"]).to_numpy(float)
    lo, hi = proportion_interval(successes, both["intake"].to_numpy(float), level)
    return pd.DataFrame(
        {
            "completion": successes / both["intake"].to_numpy(float),
            "completion_lo": lo,
            "completion_hi": hi,
            "_capped": (both["graduates"] > both["intake"]).to_numpy(),
        },
        index=both.index,
    ).reset_index()
