"""Graduate outcomes: employment, in-field and regional-retention rates with small-count intervals and trends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from ..errors import ConfigError
from ..schema import check_level
from ._tables import check_by, monitoring_table, select_years

__all__ = ["RATES", "graduate_outcomes", "outcome_trends", "proportion_interval"]

#: The chained graduate-outcome shares: name → (numerator, denominator) columns of the graduates table.
RATES: dict[str, tuple[str, str]] = {
    "p_emp": ("employed", "graduates"),
    "p_field": ("employed_in_field", "employed"),
    "p_region": ("employed_in_field_in_region", "employed_in_field"),
}
_COUNTS = ["graduates", "employed", "employed_in_field", "employed_in_field_in_region"]
_GROUPS = ("institution", "specialty", "level")


def proportion_interval(
    successes: Sequence[float] | np.ndarray | pd.Series,
    trials: Sequence[float] | np.ndarray | pd.Series,
    level: int = 95,
    method: Literal["jeffreys", "wilson"] = "jeffreys",
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a proportion that behaves well for small counts.

    Parameters
    ----------
    successes, trials
        Counts, element-wise; ``0 ≤ successes ≤ trials``. Where ``trials`` is 0 the bounds are NaN.
    level
        Confidence level in percent.
    method
        ``"jeffreys"`` (default): the equal-tailed Bayesian interval under the Beta(½, ½) prior, with the lower
        bound set to 0 when there are no successes and the upper to 1 when all are successes.
        ``"wilson"``: the score interval.

    Returns
    -------
    (lower, upper) : tuple of numpy arrays

    Notes
    -----
    Brown, Cai & DasGupta (2001), "Interval estimation for a binomial proportion", Statistical Science 16(2),
    recommend both for small ``n``; the Wald interval (rate ± 1.96·se) covers far less than its nominal level at
    the cell sizes of a regional cluster. The bounds are computed by :func:`statsmodels.stats.proportion.proportion_confint`.

    Examples
    --------
    >>> lo, hi = proportion_interval([0, 10], [10, 10])
    >>> [round(float(v), 3) for v in (*lo, *hi)]
    [0.0, 0.783, 0.217, 1.0]
    """
    check_level([level])
    if method not in ("jeffreys", "wilson"):
        raise ConfigError(f"unknown interval method {method!r}; use 'jeffreys' or 'wilson'.")
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ConfigError("proportion_interval: every count of successes must lie between 0 and its trials.")
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(x[ok], n[ok], alpha=1 - level / 100, method=method)
        lower[ok], upper[ok] = lo, hi
    if method == "jeffreys":  # Brown, Cai & DasGupta's boundary modification
        lower[ok & (x == 0)] = 0.0
        upper[ok & (x == n)] = 1.0
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def graduate_outcomes(
    graduates: object,
    by: Sequence[str] | str = ("specialty", "level"),
    *,
    years: Iterable[int] | None = None,
    window: int = 1,
    level: int = 95,
    method: Literal["jeffreys", "wilson"] = "jeffreys",
    min_graduates: int = 10,
) -> pd.DataFrame:
    """Employment, in-field and regional-retention rates of graduates, per group and year, with intervals.

    Parameters
    ----------
    graduates
        The ``graduates`` monitoring table (a DataFrame, or a :class:`~staffing_forecast.Bundle` that has it).
    by
        Grouping columns, any of ``institution``, ``specialty``, ``level``; the counts are summed within a group.
    years
        Graduation years to use (default: all).
    window
        Pool this many consecutive graduation years into one cell, for groups too small to read year by year.
        Blocks end at the last year, so the latest block is complete (``window=3`` with data to 2025 gives
        2023–2025, 2020–2022, …). Pooling adds counts: totals never change.
    level
        Confidence level of the intervals, in percent.
    method
        Interval method, see :func:`proportion_interval`.
    min_graduates
        A cell with fewer graduates is flagged ``too_few``: its interval is too wide to say anything.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``first_year`` and ``year`` (the block's first and last year with data), the four
        counts, and for each rate ``p_emp`` (employed / graduates), ``p_field`` (employed in the field /
        employed) and ``p_region`` (in the field and in the region / in the field) its value and
        ``{rate}_lo`` / ``{rate}_hi`` bounds (NaN where the denominator is 0), and ``too_few``.

    Notes
    -----
    The three rates are a chain of conditional shares: their product is the share of graduates working in the
    field in the region, the quota's yield per graduate (``docs/quota.md``, step 5).

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> grads = pd.DataFrame({"institution": ["C01", "C02"], "specialty": ["09.02.07", "09.02.07"],
    ...     "level": ["spo9", "spo9"], "year": [2025, 2025], "graduates": [20, 10], "employed": [15, 9],
    ...     "employed_in_field": [10, 6], "employed_in_field_in_region": [8, 3]})
    >>> out = sf.monitoring.graduate_outcomes(grads)
    >>> out[["graduates", "p_emp", "p_field", "p_region"]].round(3).to_dict("records")
    [{'graduates': 30, 'p_emp': 0.8, 'p_field': 0.667, 'p_region': 0.688}]
    """
    table = monitoring_table(graduates, "graduates")
    keys = check_by(by, _GROUPS, "graduate_outcomes")
    if int(window) != window or window < 1:
        raise ConfigError(
            f"graduate_outcomes: window={window!r} must be a whole number of years, at least 1."
        )
    table = select_years(table, years, "year", "graduate_outcomes")
    last = int(table["year"].max())
    block = last - ((last - table["year"]) // window) * window
    grouped = table.assign(_block=block).groupby([*keys, "_block"], sort=True)
    out = grouped[_COUNTS].sum()
    out.insert(0, "first_year", grouped["year"].min())
    out = out.reset_index().rename(columns={"_block": "year"})
    out["year"] = grouped["year"].max().to_numpy()
    out = out[[*keys, "first_year", "year", *_COUNTS]]
    for rate, (numerator, denominator) in RATES.items():
        x, n = out[numerator].to_numpy(float), out[denominator].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[rate] = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
        out[f"{rate}_lo"], out[f"{rate}_hi"] = proportion_interval(x, n, level, method)
    out["too_few"] = out["graduates"] < min_graduates
    return out.sort_values([*keys, "year"], kind="stable").reset_index(drop=True)


def outcome_trends(
    graduates: object,
    by: Sequence[str] | str = ("specialty", "level"),
    *,
    years: Iterable[int] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How each graduate-outcome rate changed over the years, and whether the change stands out from noise.

    For each group and rate, a weighted least-squares line is fitted to the yearly rates (weights: the
    denominators, so a big cohort counts more); the slope's t test, with the residual variance estimated from the
    data (so year-to-year swings beyond binomial noise widen it), says whether the trend is distinguishable from
    noise at ``alpha``.

    Parameters
    ----------
    graduates
        The ``graduates`` table (a DataFrame or a bundle).
    by
        Grouping columns, any of ``institution``, ``specialty``, ``level``.
    years
        Graduation years to use (default: all).
    alpha
        Significance level of the slope test.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``rate`` (``p_emp``, ``p_field``, ``p_region``), ``first_year``, ``last_year``,
        ``n_years``, ``first`` and ``last`` (the rates in those years), ``change`` (last − first, share points),
        ``slope`` (fitted change per year), ``p_value`` and ``trend``: ``up`` or ``down`` when the slope is
        significant, ``flat`` when not, ``too_short`` with fewer than 3 years of data.

    Examples
    --------
    >>> grads = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo9",
    ...     "year": [2021, 2022, 2023, 2024], "graduates": 100, "employed": [60, 65, 70, 75],
    ...     "employed_in_field": 50, "employed_in_field_in_region": 40})
    >>> row = outcome_trends(grads).set_index("rate").loc["p_emp"]
    >>> float(round(row["slope"], 3)), row["trend"]
    (0.05, 'up')
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"outcome_trends: alpha={alpha} must lie strictly between 0 and 1.")
    yearly = graduate_outcomes(graduates, by, years=years)
    keys = check_by(by, _GROUPS, "outcome_trends")
    rows: list[dict[str, object]] = []
    for group, frame in yearly.groupby(keys, sort=True):
        labels = dict(zip(keys, group, strict=True))
        for rate, (_, denominator) in RATES.items():
            known = frame[frame[denominator] > 0]
            t = known["year"].to_numpy(float)
            p = known[rate].to_numpy(float)
            w = known[denominator].to_numpy(float)
            row: dict[str, object] = {**labels, "rate": rate, "n_years": len(known)}
            if len(known) == 0:
                rows.append(row | {"trend": "too_short"})
                continue
            row |= {
                "first_year": int(t[0]),
                "last_year": int(t[-1]),
                "first": p[0],
                "last": p[-1],
                "change": p[-1] - p[0],
            }
            if len(known) < 3:
                rows.append(row | {"trend": "too_short"})
                continue
            slope, p_value = _weighted_slope(t, p, w)
            significant = p_value < alpha
            trend = ("up" if slope > 0 else "down") if significant else "flat"
            rows.append(row | {"slope": slope, "p_value": p_value, "trend": trend})
    columns = [
        *keys,
        "rate",
        "first_year",
        "last_year",
        "n_years",
        "first",
        "last",
        "change",
        "slope",
        "p_value",
        "trend",
    ]
    out = pd.DataFrame(rows).reindex(columns=columns)
    return out.astype({"first_year": "Int64", "last_year": "Int64"})


def _weighted_slope(t: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Slope of the weighted least-squares line of ``p`` on ``t`` and its two-sided t-test p-value."""
    w = w / w.sum()
    t_mean, p_mean = (w * t).sum(), (w * p).sum()
    sxx = (w * (t - t_mean) ** 2).sum()
    slope = float((w * (t - t_mean) * (p - p_mean)).sum() / sxx)
    residuals = p - p_mean - slope * (t - t_mean)
    dof = len(t) - 2
    # WLS: var(slope) = sigma² / Σw(t − t̄)² with sigma² = Σw·r² / dof; the scale of w cancels out.
    se = np.sqrt((w * residuals**2).sum() / dof / sxx)
    if se == 0:  # a perfect line: any non-zero slope is certain, a zero slope is no trend
        return slope, 0.0 if slope != 0 else 1.0
    return slope, float(2 * stats.t.sf(abs(slope) / se, dof))
