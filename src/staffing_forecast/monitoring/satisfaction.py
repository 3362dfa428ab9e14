"""The employer satisfaction index: hire-weighted ratings with bootstrap intervals and non-response."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError
from ..schema import check_level
from ._tables import check_by, monitoring_table, select_years

__all__ = ["satisfaction"]

_GROUPS = ("institution", "specialty", "level", "employer", "year")


def satisfaction(
    surveys: object,
    by: Sequence[str] | str = ("institution", "specialty"),
    *,
    years: Iterable[int] | None = None,
    level: int = 95,
    n_resamples: int = 2000,
    seed: int = 0,
    min_employers: int = 3,
) -> pd.DataFrame:
    """Employer satisfaction with graduates' training, from the survey's institution × specialty ratings.

    Each answer is an employer's 1–5 rating of the graduates it hired from one institution and specialty, weighted
    by how many it hired: ``index = Σ hired·rating / Σ hired`` and ``satisfied = Σ hired·[rating ≥ 4] / Σ hired``
    over the answers of a group. Rows with no graduates hired carry no weight and are not counted.

    Parameters
    ----------
    surveys
        The ``satisfaction`` table: a DataFrame, a :class:`~staffing_forecast.Bundle` or a survey from
        :func:`~staffing_forecast.load_survey`.
    by
        Grouping columns, any of ``institution``, ``specialty``, ``level``, ``employer``, ``year``.
    years
        Survey years to use (default: all).
    level
        Confidence level of the bootstrap intervals, in percent.
    n_resamples
        Bootstrap resamples (answers are resampled with replacement within each group, paired with their
        weights; percentile intervals).
    seed
        Seed of the bootstrap, so the report is reproducible.
    min_employers
        Groups rated by fewer employers are flagged ``too_few`` (the quota method's reliability rule: fewer
        than 3 employers).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns; ``employers`` (distinct employers that answered), ``answers``, ``no_answer`` (rows
        with graduates hired and no rating), ``graduates_hired``, ``graduates_rated``, ``response_rate``
        (graduates rated / hired); ``index`` (mean rating, 1–5) with ``index_lo`` / ``index_hi``;
        ``satisfied`` (share rated 4–5) with ``satisfied_lo`` / ``satisfied_hi``; ``too_few``. A group with no
        answers has NaN index; a group with one answer has no interval.

    Notes
    -----
    Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13 (percentile intervals); computed with
    :func:`scipy.stats.bootstrap`. The ratings of one employer are treated as independent answers.

    Examples
    --------
    >>> answers = pd.DataFrame({"employer": ["E1", "E2", "E3"], "institution": "C01",
    ...     "specialty": "09.02.07", "level": "spo9", "year": 2025, "graduates_hired": [3, 1, 2],
    ...     "rating": [5, 2, None]})
    >>> row = satisfaction(answers).iloc[0]
    >>> float(row["index"]), float(row["satisfied"]), int(row["no_answer"]), round(float(row["response_rate"]), 3)
    (4.25, 0.75, 1, 0.667)
    """
    check_level([level])
    if n_resamples < 100:
        raise ConfigError(
            f"satisfaction: n_resamples={n_resamples} is too few for an interval; use 1000 or more."
        )
    table = monitoring_table(surveys, "satisfaction")
    keys = check_by(by, _GROUPS, "satisfaction")
    table = select_years(table, years, "year", "satisfaction")
    table = table[table["graduates_hired"] > 0].sort_values(list(_GROUPS), kind="stable")
    rows = []
    for group, frame in table.groupby(keys, sort=True):
        answered = frame[frame["rating"].notna()]
        weight = answered["graduates_hired"].to_numpy(float)
        rating = answered["rating"].to_numpy(float)
        hired = float(frame["graduates_hired"].sum())
        row: dict[str, object] = dict(zip(keys, group, strict=True)) | {
            "employers": answered["employer"].nunique(),
            "answers": len(answered),
            "no_answer": int(frame["rating"].isna().sum()),
            "graduates_hired": int(hired),
            "graduates_rated": int(weight.sum()),
            "response_rate": weight.sum() / hired,
        }
        if len(answered):
            row["index"] = _mean(rating, weight)
            row["satisfied"] = _mean((rating >= 4).astype(float), weight)
        if len(answered) > 1:
            for name, values in (("index", rating), ("satisfied", (rating >= 4).astype(float))):
                if np.all(values == values[0]):  # every answer the same: every resample gives that value
                    row[f"{name}_lo"] = row[f"{name}_hi"] = values[0]
                    continue
                result = stats.bootstrap(
                    (values, weight),
                    _mean,
                    paired=True,
                    vectorized=True,
                    n_resamples=n_resamples,
                    confidence_level=level / 100,
                    method="percentile",
                    rng=np.random.default_rng(seed),  # per group: a group's interval ignores the others
                )
                row[f"{name}_lo"] = float(result.confidence_interval.low)
                row[f"{name}_hi"] = float(result.confidence_interval.high)
        rows.append(row)
    columns = [
        *keys,
        "employers",
        "answers",
        "no_answer",
        "graduates_hired",
        "graduates_rated",
        "response_rate",
        "index",
        "index_lo",
        "index_hi",
        "satisfied",
        "satisfied_lo",
        "satisfied_hi",
    ]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["too_few"] = out["employers"] < min_employers
    return out


def _mean(values: np.ndarray, weights: np.ndarray, axis: int = -1) -> np.ndarray:
    return (values * weights).sum(axis=axis) / weights.sum(axis=axis)
