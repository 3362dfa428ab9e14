"""Choosing a model per series from a cross-validation, and keeping only the chosen forecasts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError
from .metrics import METRICS, evaluate
from .schema import CUTOFF, MODEL, UNIQUE_ID

__all__ = ["pick", "select"]


def select(
    cv: pd.DataFrame,
    metric: str = "mase",
    *,
    train: pd.DataFrame | None = None,
    season_length: int = 1,
    min_windows: int = 2,
    default: str | None = None,
    preference: Sequence[str] | None = None,
    tolerance: float = 1e-9,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Pick the best model per series by a cross-validated metric.

    Rules, in order:

    1. A series with forecasts from fewer than ``min_windows`` origins is too short to judge: it gets ``default``
       (by default the first model of ``preference``), and ``reason`` says so. Series the cross-validation
       skipped at every origin (``cv.attrs["skipped"]``) are listed this way too.
    2. Otherwise the model with the lowest mean ``metric`` over its windows wins (highest, for ``direction`` and
       ``coverage``); a model with a NaN score (e.g. a failed window) cannot win.
    3. Scores within ``tolerance`` (relative) of the best are a tie, won by the model listed first in
       ``preference`` (default: alphabetical; list simpler models first to prefer them).

    Parameters
    ----------
    cv
        Output of :func:`~staffing_forecast.cross_validate` with several models.
    metric
        A name from :data:`staffing_forecast.metrics.METRICS`.
    train
        The panel the cross-validation ran on (for ``mase``, ``rmsse`` and ``direction``).
    season_length
        Season of the naive scale.
    min_windows, default, preference, tolerance
        See the rules above.
    scores
        ``sf.evaluate(cv, [metric], train=train, season_length=season_length)`` when the caller has it already
        (the batch job keeps it as its score table); computed here otherwise.

    Returns
    -------
    pandas.DataFrame
        ``unique_id``, ``model`` (the choice), ``score`` (its metric), ``n_score`` (the cross-validation rows
        behind the score, as ``n_<metric>`` in :func:`~staffing_forecast.evaluate`), ``runner_up``,
        ``runner_up_score``, ``windows`` and ``reason``.

    Examples
    --------
    A straight line is drift's own case (no error; naive misses by 1 a year). On a zigzag naive misses by 2 every
    year and drift by 2, 2.4 and 2 (mean 2.133), so naive wins there:

    >>> import staffing_forecast as sf
    >>> years = list(pd.date_range("2018", periods=8, freq="YS"))
    >>> panel = pd.DataFrame({"unique_id": ["line"] * 8 + ["zigzag"] * 8, "ds": years * 2,
    ...                       "y": [1.0, 2, 3, 4, 5, 6, 7, 8] + [4.0, 6, 4, 6, 4, 6, 4, 6]})
    >>> cv = sf.cross_validate(panel, h=1, n_windows=3, models=["naive", "drift"])
    >>> choice = sf.select(cv, "mae")
    >>> choice[["unique_id", "model", "score", "runner_up_score"]].round(3).values.tolist()
    [['line', 'drift', 0.0, 1.0], ['zigzag', 'naive', 2.0, 2.133]]
    """
    if metric not in METRICS:
        raise ConfigError(f"select: unknown metric {metric!r}; use one of {list(METRICS)}.")
    order = sorted(set(cv[MODEL])) if preference is None else list(preference)
    missing = [m for m in dict.fromkeys(cv[MODEL]) if m not in order]
    order += missing
    chosen_default = default if default is not None else order[0]
    if scores is None:
        scores = evaluate(cv, [metric], train=train, season_length=season_length)
    column = next(c for c in scores.columns if c.startswith(metric))  # coverage_80 for interval metrics
    higher = metric in ("direction", "coverage")
    # A frame without cutoffs is one test window per series.
    windows = (
        cv.groupby(UNIQUE_ID)[CUTOFF].nunique()
        if CUTOFF in cv.columns
        else cv.groupby(UNIQUE_ID).size().clip(upper=1)
    )
    rank = {m: i for i, m in enumerate(order)}
    counted = windows.reindex(sorted(set(scores[UNIQUE_ID])), fill_value=0).astype(int)
    judged = _winners(scores, column, counted[counted >= min_windows], rank, higher, tolerance, metric)
    # Every other series of the scores, and those the cross-validation skipped at every origin, get the default.
    skipped = {r[UNIQUE_ID] for r in cv.attrs.get("skipped", [])} - set(counted.index)
    lacking = pd.concat([counted.drop(judged[UNIQUE_ID]), pd.Series(0, index=sorted(skipped), dtype=int)])
    defaults = pd.DataFrame(
        {
            UNIQUE_ID: lacking.index,
            MODEL: chosen_default,
            "score": np.nan,
            "n_score": 0,
            "windows": lacking.to_numpy(),
            "reason": [
                f"too short to judge: 0 windows, fewer than {min_windows}"
                if uid in skipped
                else f"too short to judge: {n} window(s), fewer than {min_windows}"
                if n < min_windows
                else "no model scored"
                for uid, n in lacking.items()
            ],
        }
    )
    columns = [UNIQUE_ID, MODEL, "score", "n_score", "runner_up", "runner_up_score", "windows", "reason"]
    parts = [frame for frame in (judged, defaults) if len(frame)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = out.reindex(columns=columns).sort_values(UNIQUE_ID).reset_index(drop=True)
    out[["n_score", "windows"]] = out[["n_score", "windows"]].astype(int)
    # One missing-text marker (None, as Parquet reads it back), not a mix of None and NaN.
    out["runner_up"] = out["runner_up"].astype(object).where(out["runner_up"].notna(), None)
    return out


def _winners(
    scores: pd.DataFrame,
    column: str,
    windows: pd.Series,
    rank: dict[str, int],
    higher: bool,
    tolerance: float,
    metric: str,
) -> pd.DataFrame:
    """Choose among the scored models of the series in ``windows`` (those with enough windows), all at once.

    Rules 2 and 3 of :func:`select`: the best finite score wins, a tie within ``tolerance`` goes to the model
    ranked first, and the runner-up is the best of the others (the first in the scores' order on a tie).
    """
    frame = scores.loc[scores[UNIQUE_ID].isin(windows.index), [UNIQUE_ID, MODEL, column, f"n_{column}"]]
    frame = frame.assign(_signed=frame[column].astype(float) * (-1 if higher else 1))
    known = frame[np.isfinite(frame["_signed"])]
    best = known.groupby(UNIQUE_ID, sort=False)["_signed"].transform("min")
    close = known[known["_signed"] <= best + tolerance * np.maximum(1.0, best.abs())]
    close = close.assign(_rank=close[MODEL].map(rank).fillna(len(rank)))
    winners = close.sort_values([UNIQUE_ID, "_rank"], kind="stable").drop_duplicates(UNIQUE_ID)
    tied = close.groupby(UNIQUE_ID, sort=False).size().reindex(winners[UNIQUE_ID]).to_numpy() > 1
    chosen = winners.set_index(UNIQUE_ID)[MODEL]
    others = known[known[MODEL].to_numpy() != chosen.reindex(known[UNIQUE_ID]).to_numpy()]
    runners = others.sort_values([UNIQUE_ID, "_signed"], kind="stable").drop_duplicates(UNIQUE_ID)
    runners = runners.set_index(UNIQUE_ID).reindex(winners[UNIQUE_ID])
    return pd.DataFrame(
        {
            UNIQUE_ID: winners[UNIQUE_ID].to_numpy(),
            MODEL: winners[MODEL].to_numpy(),
            "score": winners[column].astype(float).to_numpy(),
            "n_score": winners[f"n_{column}"].astype(int).to_numpy(),
            "runner_up": runners[MODEL].to_numpy(dtype=object),
            "runner_up_score": runners[column].astype(float).to_numpy(),
            "windows": windows.reindex(winners[UNIQUE_ID]).to_numpy(dtype=int),
            "reason": np.where(
                tied,
                [f"tie on {metric}: {m} comes first in the preference" for m in winners[MODEL]],
                f"best {metric}",
            ),
        }
    )


def pick(forecasts: pd.DataFrame, selection: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each series, the forecast of the model ``select`` chose.

    ``forecasts`` must hold every chosen model (``sf.forecast(panel, h, models=[...all candidates...])``); a
    series whose chosen model is missing, or a forecast series with no choice, is a
    :class:`~staffing_forecast.ConfigError` naming it.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "model": ["naive", "drift"] * 2,
    ...                    "ds": pd.Timestamp("2026"), "mean": [1.0, 2.0, 3.0, 4.0]})
    >>> pick(fc, pd.DataFrame({"unique_id": ["a", "b"], "model": ["drift", "naive"]}))["mean"].tolist()
    [2.0, 3.0]
    """
    wanted = selection[[UNIQUE_ID, MODEL]]
    unchosen = sorted(set(forecasts[UNIQUE_ID]) - set(wanted[UNIQUE_ID]))
    if unchosen:
        raise ConfigError(
            f"pick: {len(unchosen)} forecast series have no choice, e.g. {unchosen[0]!r}; select over a "
            "cross-validation of the same panel."
        )
    out = forecasts.merge(wanted, on=[UNIQUE_ID, MODEL], how="inner")
    lacking = sorted(set(wanted[UNIQUE_ID]) - set(out[UNIQUE_ID]))
    if lacking:
        first = wanted.set_index(UNIQUE_ID).loc[lacking[0], MODEL]
        raise ConfigError(
            f"pick: series {lacking[0]!r} chose {first!r}, which the forecasts do not contain; forecast with every "
            f"candidate model ({len(lacking)} series lack their choice)."
        )
    return out.reset_index(drop=True)
