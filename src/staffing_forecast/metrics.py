"""Forecast accuracy metrics as plain functions with one signature, ``evaluate`` and ``leaderboard``.

Every metric takes arrays of one group of forecasts, ``(y, y_hat, *, lo=None, hi=None, level=None, scale=None,
scale_sq=None, y_last=None)``, and returns a float. Scales are per row, so one group may span several series and
windows. Formulas (``e = y − ŷ``; means over the group's rows):

======================  ======================================================  ===========================
metric                  formula                                                 scale
======================  ======================================================  ===========================
``mae``                 mean |e|                                                persons
``rmse``                √ mean e²                                               persons
``mape``                100 · mean |e| / |y| over rows with y ≠ 0               percent
``smape``               200 · mean |e| / (|y| + |ŷ|) (0 when both are 0)         percent, 0–200 (M3/M4)
``wape``                100 · Σ |e| / Σ |y|                                     percent
``bias``                mean (ŷ − y) (positive: over-forecast)                  persons
``mase``                mean |e| / scale, scale = mean |y_t − y_{t−m}| in-sample unitless
``rmsse``               √ mean e² / scale_sq, scale_sq = mean (y_t − y_{t−m})²  unitless
``coverage``            100 · share of y in [lo, hi]                            percent
``pinball``             mean of the quantile losses of lo and hi at             persons
                        their quantiles (1 − L)/2 and (1 + L)/2
``winkler``             mean (hi − lo) + (2/α)(lo − y)⁺ + (2/α)(y − hi)⁺,       persons
                        α = 1 − L/100 (the interval score)
``direction``           100 · share of rows where sign(ŷ − y_last) =            percent
                        sign(y − y_last), y_last the last actual at the cutoff
======================  ======================================================  ===========================

utilsforecast's ``smape`` is the M4 figure divided by 200 (0–1); the tests check every metric against
utilsforecast where it has one, and against a slow, obvious loop. References: Hyndman & Koehler (2006), IJF
22(4) (MASE); Makridakis et al. (2022), IJF 38(4) (RMSSE, M5); Gneiting & Raftery (2007), JASA 102 (pinball,
interval score); BLS occupational projection evaluations (direction of change).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, StaffingForecastWarning, closest
from .schema import CUTOFF, DS, HIERARCHY_LEVEL, MEAN, MODEL, UNIQUE_ID, Y, hi, lo

__all__ = [
    "METRICS",
    "bias",
    "coverage",
    "direction",
    "evaluate",
    "leaderboard",
    "mae",
    "mape",
    "mase",
    "pinball",
    "rmse",
    "rmsse",
    "seasonal_scale",
    "smape",
    "wape",
    "winkler",
]

Array = np.ndarray


def seasonal_scale(insample: np.ndarray, season_length: int = 1, power: int = 1) -> float:
    """Mean absolute (``power=1``) or squared (``power=2``) seasonal-naive error in-sample; NaN if 0 or undefined.

    Examples
    --------
    >>> seasonal_scale(np.array([1.0, 3.0, 2.0, 6.0]))
    2.3333333333333335
    >>> seasonal_scale(np.array([1.0, 3.0, 2.0, 6.0]), power=2)
    7.0
    """
    m = season_length if insample.size > season_length else 1
    if insample.size <= m:
        return float("nan")
    scale = float(np.mean(np.abs(insample[m:] - insample[:-m]) ** power))
    return scale if scale > 0 else float("nan")


def _need(value: object, what: str, metric: str) -> Array:
    if value is None:
        raise ConfigError(f"{metric} needs {what}.")
    return np.asarray(value, dtype=float)


def _interval(lo: object, hi: object, level: int | None, metric: str) -> tuple[Array, Array, int]:
    if lo is None or hi is None or level is None:
        raise ConfigError(f"{metric} needs interval bounds and their level: cross-validate with level=[...].")
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float), int(level)


def mae(y: Array, y_hat: Array, **_: object) -> float:
    """Mean absolute error.

    Examples
    --------
    >>> mae(np.array([3.0, 5.0]), np.array([2.0, 8.0]))
    2.0
    """
    return float(np.mean(np.abs(y - y_hat)))


def rmse(y: Array, y_hat: Array, **_: object) -> float:
    """Root mean squared error.

    Examples
    --------
    >>> rmse(np.array([3.0, 5.0]), np.array([2.0, 8.0]))
    2.23606797749979
    """
    return float(np.sqrt(np.mean((y - y_hat) ** 2)))


def mape(y: Array, y_hat: Array, **_: object) -> float:
    """Mean absolute percentage error in percent, over the rows with a non-zero actual (NaN if none).

    Examples
    --------
    >>> mape(np.array([100.0, 0.0, 50.0]), np.array([90.0, 3.0, 60.0]))
    15.0
    """
    known = y != 0
    if not known.any():
        return float("nan")
    return float(100 * np.mean(np.abs(y[known] - y_hat[known]) / np.abs(y[known])))


def smape(y: Array, y_hat: Array, **_: object) -> float:
    """Symmetric MAPE in percent (M3/M4 definition, 0–200); a row with ``y = ŷ = 0`` counts as 0.

    Examples
    --------
    >>> smape(np.array([100.0, 0.0]), np.array([50.0, 0.0]))
    33.33333333333333
    """
    denominator = np.abs(y) + np.abs(y_hat)
    terms = np.divide(
        np.abs(y - y_hat), denominator, out=np.zeros_like(denominator, dtype=float), where=denominator > 0
    )
    return float(200 * np.mean(terms))


def wape(y: Array, y_hat: Array, **_: object) -> float:
    """Weighted absolute percentage error in percent: total absolute error over total actual (NaN if 0).

    Examples
    --------
    >>> wape(np.array([100.0, 0.0, 50.0]), np.array([90.0, 3.0, 60.0]))
    15.333333333333334
    """
    total = np.sum(np.abs(y))
    return float(100 * np.sum(np.abs(y - y_hat)) / total) if total > 0 else float("nan")


def bias(y: Array, y_hat: Array, **_: object) -> float:
    """Mean error ``ŷ − y``: positive when the forecast is too high.

    Examples
    --------
    >>> bias(np.array([3.0, 5.0]), np.array([2.0, 8.0]))
    1.0
    """
    return float(np.mean(y_hat - y))


def mase(y: Array, y_hat: Array, *, scale: Array | float | None = None, **_: object) -> float:
    """Mean absolute scaled error; ``scale`` per row (or one number) from :func:`seasonal_scale`.

    Examples
    --------
    >>> mase(np.array([3.0, 5.0]), np.array([2.0, 5.0]), scale=2.0)
    0.25
    """
    if scale is None:
        raise ConfigError("mase needs the training data's scale: pass train= to evaluate.")
    return float(np.mean(np.abs(y - y_hat) / np.asarray(scale, dtype=float)))


def rmsse(y: Array, y_hat: Array, *, scale_sq: Array | float | None = None, **_: object) -> float:
    """Root mean squared scaled error; ``scale_sq`` from :func:`seasonal_scale` with ``power=2``.

    Examples
    --------
    >>> rmsse(np.array([3.0, 5.0]), np.array([1.0, 5.0]), scale_sq=2.0)
    1.0
    """
    if scale_sq is None:
        raise ConfigError("rmsse needs the training data's squared scale: pass train= to evaluate.")
    return float(np.sqrt(np.mean((y - y_hat) ** 2 / np.asarray(scale_sq, dtype=float))))


def coverage(
    y: Array, y_hat: Array, *, lo: Array | None = None, hi: Array | None = None, **_: object
) -> float:
    """Share of actuals inside the interval, in percent.

    Examples
    --------
    >>> coverage(np.array([1.0, 5.0]), np.array([1.0, 1.0]), lo=np.array([0.0, 0.0]), hi=np.array([2.0, 2.0]))
    50.0
    """
    if lo is None or hi is None:
        raise ConfigError("coverage needs interval bounds: run cross_validate with level=[...].")
    return float(100 * np.mean((y >= lo) & (y <= hi)))


def pinball(
    y: Array,
    y_hat: Array,
    *,
    lo: Array | None = None,
    hi: Array | None = None,
    level: int | None = None,
    **_: object,
) -> float:
    """Mean quantile (pinball) loss of the interval bounds at their quantiles ``(1 ∓ L/100)/2``.

    Examples
    --------
    >>> pinball(np.array([10.0]), np.array([9.0]), lo=np.array([8.0]), hi=np.array([12.0]), level=80)
    0.2
    """
    lower, upper, level = _interval(lo, hi, level, "pinball")
    losses = []
    for q, bound in (((1 - level / 100) / 2, lower), ((1 + level / 100) / 2, upper)):
        diff = y - bound
        losses.append(np.maximum(q * diff, (q - 1) * diff))
    return float(np.mean(np.concatenate(losses)))


def winkler(
    y: Array,
    y_hat: Array,
    *,
    lo: Array | None = None,
    hi: Array | None = None,
    level: int | None = None,
    **_: object,
) -> float:
    """Interval (Winkler) score: the width plus ``2/α`` times any miss; lower is better.

    Examples
    --------
    >>> winkler(np.array([10.0, 15.0]), np.array([9.0, 9.0]), lo=np.array([8.0, 8.0]), hi=np.array([12.0, 12.0]),
    ...         level=80)
    19.0
    """
    lower, upper, level = _interval(lo, hi, level, "winkler")
    alpha = 1 - level / 100
    score = (upper - lower) + (2 / alpha) * np.maximum(lower - y, 0) + (2 / alpha) * np.maximum(y - upper, 0)
    return float(np.mean(score))


def direction(y: Array, y_hat: Array, *, y_last: Array | float | None = None, **_: object) -> float:
    """Share of forecasts, in percent, that got the direction of change from the last actual right.

    No change counts as its own direction: a forecast of no change is right only if nothing changed.

    Examples
    --------
    >>> direction(np.array([12.0, 9.0, 10.0]), np.array([11.0, 11.0, 10.0]), y_last=10.0)
    66.66666666666666
    """
    last = _need(y_last, "the last actual at the cutoff (pass train= to evaluate)", "direction")
    return float(100 * np.mean(np.sign(y_hat - last) == np.sign(y - last)))


METRICS: dict[str, Callable[..., float]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "wape": wape,
    "bias": bias,
    "mase": mase,
    "rmsse": rmsse,
    "coverage": coverage,
    "pinball": pinball,
    "winkler": winkler,
    "direction": direction,
}
_NEEDS_TRAIN = {"mase", "rmsse", "direction"}
_NEEDS_LEVEL = {"coverage", "pinball", "winkler"}
_BY = (HIERARCHY_LEVEL, UNIQUE_ID, MODEL, CUTOFF, "step")


def _with_row_context(
    cv: pd.DataFrame, train: pd.DataFrame | None, season_length: int, needs_train: bool
) -> pd.DataFrame:
    """Add ``step`` (1 = first forecast period after the cutoff), and with ``train`` each row's window scales.

    The scales are those of the window's history; the last actual at the cutoff is added too.
    """
    out = cv.copy()
    origin = [UNIQUE_ID, MODEL] + ([CUTOFF] if CUTOFF in out.columns else [])
    out["step"] = out.groupby(origin, sort=False)[DS].rank(method="first").astype(int)
    if not needs_train:
        return out
    assert train is not None
    windows = out[[UNIQUE_ID, CUTOFF]].drop_duplicates() if CUTOFF in out.columns else None
    history = {uid: g.sort_values(DS) for uid, g in train.groupby(UNIQUE_ID, sort=False)}
    rows = []
    keys = (
        windows.itertuples(index=False)
        if windows is not None
        else ((u, None) for u in out[UNIQUE_ID].unique())
    )
    for uid, cutoff in keys:
        if uid not in history:
            raise ConfigError(
                f"evaluate: series {uid!r} is not in train=; pass the panel the forecasts were made from."
            )
        past = history[uid]
        if cutoff is not None:
            past = past[past[DS] <= cutoff]
        values = past[Y].to_numpy(dtype=float)
        rows.append(
            {
                UNIQUE_ID: uid,
                CUTOFF: cutoff,
                "_scale": seasonal_scale(values, season_length),
                "_scale_sq": seasonal_scale(values, season_length, power=2),
                "_y_last": values[-1] if values.size else np.nan,
            }
        )
    context = pd.DataFrame(rows)
    on = [UNIQUE_ID, CUTOFF] if CUTOFF in out.columns else [UNIQUE_ID]
    return out.merge(context.drop(columns=[] if CUTOFF in out.columns else [CUTOFF]), on=on, how="left")


def evaluate(
    cv: pd.DataFrame,
    metrics: Sequence[str] = ("mase", "smape"),
    *,
    train: pd.DataFrame | None = None,
    season_length: int = 1,
    level: int | None = None,
    by: Sequence[str] | str = (UNIQUE_ID, MODEL),
) -> pd.DataFrame:
    """Score a cross-validation (or test) frame, one row per group of ``by`` with one column per metric.

    Parameters
    ----------
    cv
        Output of :func:`~staffing_forecast.cross_validate` (or a forecast joined with actuals: ``unique_id``,
        ``ds``, ``model``, ``y``, ``mean`` and ``lo_*``/``hi_*``).
    metrics
        Names from :data:`METRICS`.
    train
        The panel the forecasts were made from: scaled metrics (``mase``, ``rmsse``) use each window's training
        data up to its cutoff, and ``direction`` its last actual.
    season_length
        Season of the naive scale (1 for annual data).
    level
        Interval level for ``coverage``, ``pinball`` and ``winkler`` (default: the widest in the frame).
    by
        Grouping, any of ``hierarchy_level`` (of a reconciled frame, see :class:`~staffing_forecast.Hierarchy`),
        ``unique_id``, ``model``, ``cutoff``, ``step`` (forecast period after the cutoff); ``()``
        or ``["model"]`` gives one overall row per model. Every group is scored from its rows directly (a group's
        MASE is the mean of its rows' scaled errors).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then each metric's figure (``coverage_80`` for interval metrics) followed by
        ``n_<figure>``, the rows it used. Rows whose window has no scale (a series constant or with one
        observation up to its cutoff) are left out of ``mase`` and ``rmsse`` with a
        :class:`~staffing_forecast.StaffingForecastWarning` that counts them; ``mape`` uses the rows with
        ``y ≠ 0``. A figure with no usable row is NaN.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> cv = sf.cross_validate(panel, h=2, n_windows=2, models=["naive", "drift"])
    >>> sf.evaluate(cv, ["mase", "direction"], train=panel, by="model")["model"].tolist()
    ['drift', 'naive']
    """
    for name in metrics:
        if name not in METRICS:
            raise ConfigError(f"unknown metric {name!r}{closest(name, METRICS)} Known: {', '.join(METRICS)}.")
    keys = [by] if isinstance(by, str) else list(by)
    for key in keys:
        if key not in _BY:
            raise ConfigError(f"evaluate: cannot group by {key!r}{closest(key, _BY)} Use any of {list(_BY)}.")
        if key == HIERARCHY_LEVEL and HIERARCHY_LEVEL not in cv.columns:
            raise ConfigError(
                "evaluate: by='hierarchy_level' needs a hierarchy_level column: score a reconciled frame "
                "(sf.cross_validate(..., hierarchy=h)) or add it with hierarchy.label(cv)."
            )
    if MODEL not in keys:
        keys.append(MODEL)  # scores of different models are never mixed
    needs_train = bool(set(metrics) & _NEEDS_TRAIN)
    if needs_train and train is None:
        raise ConfigError(f"{sorted(set(metrics) & _NEEDS_TRAIN)} need the training data: pass train=panel.")
    if set(metrics) & _NEEDS_LEVEL and level is None:
        levels = sorted(int(c[3:]) for c in cv.columns if c.startswith("lo_"))
        if not levels:
            raise ConfigError(
                f"{sorted(set(metrics) & _NEEDS_LEVEL)} need interval columns: use level=[...]."
            )
        level = levels[-1]
    frame = _with_row_context(cv, train, season_length, needs_train)
    if needs_train:
        _warn_undefined_scales(frame, metrics)
    rows = []
    ordered = [k for k in _BY if k in keys]
    for group, g in frame.groupby(ordered, sort=True):
        values = group if isinstance(group, tuple) else (group,)
        row: dict[str, object] = dict(zip(ordered, values, strict=True))
        context: dict[str, Array] = {}
        if level is not None:
            context |= {"lo": g[lo(level)].to_numpy(dtype=float), "hi": g[hi(level)].to_numpy(dtype=float)}
        if needs_train:
            context |= {
                "scale": g["_scale"].to_numpy(dtype=float),
                "scale_sq": g["_scale_sq"].to_numpy(dtype=float),
                "y_last": g["_y_last"].to_numpy(dtype=float),
            }
        y, y_hat = g[Y].to_numpy(dtype=float), g[MEAN].to_numpy(dtype=float)
        for name in metrics:
            column = f"{name}_{level}" if name in _NEEDS_LEVEL else name
            used = _rows_used(name, y, context)
            subset = {k: v[used] for k, v in context.items()}
            # A group with no usable row has no figure (and no mean of an empty array is taken).
            row[column] = METRICS[name](y[used], y_hat[used], level=level, **subset) if used.any() else np.nan
            row[f"n_{column}"] = int(used.sum())
        rows.append(row)
    return pd.DataFrame(rows)


#: The per-row context a metric cannot do without; rows where it is undefined (NaN) are left out.
_ROW_CONTEXT = {"mase": "scale", "rmsse": "scale_sq", "direction": "y_last"}


def _rows_used(name: str, y: Array, context: dict[str, Array]) -> Array:
    """Rows that enter a metric: those with its scale (or last actual) defined; for ``mape``, ``y ≠ 0``."""
    if name in _ROW_CONTEXT:
        return np.isfinite(context[_ROW_CONTEXT[name]])
    if name == "mape":
        return y != 0
    return np.ones(y.size, dtype=bool)


def _warn_undefined_scales(frame: pd.DataFrame, metrics: Sequence[str]) -> None:
    """Warn, with counts and an example, about rows a scaled metric must leave out."""
    for name in metrics:
        if name not in _ROW_CONTEXT:
            continue
        missing = ~np.isfinite(frame[f"_{_ROW_CONTEXT[name]}"].to_numpy(dtype=float))
        if not missing.any():
            continue
        first = frame[missing].iloc[0]
        at = f" at cutoff {pd.Timestamp(first[CUTOFF]).date()}" if CUTOFF in frame.columns else ""
        why = (
            "no actual up to the cutoff"
            if name == "direction"
            else "no scale: the series is constant or has one observation up to the cutoff"
        )
        warnings.warn(
            f"evaluate: {int(missing.sum())} of {len(frame)} rows ({frame.loc[missing, UNIQUE_ID].nunique()} "
            f"series, e.g. {first[UNIQUE_ID]!r}{at}) have {why}; {name} leaves them out and n_{name} says how "
            "many rows each figure used.",
            StaffingForecastWarning,
            stacklevel=3,
        )


def leaderboard(
    cv: pd.DataFrame,
    metrics: Sequence[str] = ("mase", "smape", "direction"),
    *,
    train: pd.DataFrame | None = None,
    season_length: int = 1,
    level: int | None = None,
) -> pd.DataFrame:
    """Rank the models of a cross-validation: each metric's mean over series, and how often each model is best.

    The first metric ranks; ``wins`` is the share of series (in percent) on which the model has the lowest value
    of it (ties shared), among the series where some model has one. For ``direction`` and ``coverage`` a higher
    value is better; the table reports them as they are and ranks only by the first metric. Each figure is
    followed by ``n_<figure>``, the cross-validation rows behind it (series without a figure, e.g. without a
    MASE scale at any cutoff, are left out of the mean); ``series`` counts the model's series.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> cv = sf.cross_validate(panel, h=2, n_windows=2, models=["naive", "drift"])
    >>> list(sf.leaderboard(cv, ["mase"], train=panel).columns)
    ['rank', 'model', 'mase', 'n_mase', 'wins', 'series']
    """
    if not metrics:
        raise ConfigError("leaderboard: name at least one metric.")
    per_series = evaluate(cv, metrics, train=train, season_length=season_length, level=level)
    figures = [c for c in per_series.columns if c not in (UNIQUE_ID, MODEL) and not c.startswith("n_")]
    first = figures[0]
    higher_is_better = metrics[0] in ("direction", "coverage")
    by_model = per_series.groupby(MODEL)
    table = by_model[figures].mean()  # NaN figures (no usable row) are left out of the mean
    for column in figures:
        # Rows behind the mean: those of the series whose figure is defined.
        defined = per_series[f"n_{column}"].where(per_series[column].notna(), 0)
        table.insert(
            table.columns.get_loc(column) + 1, f"n_{column}", defined.groupby(per_series[MODEL]).sum()
        )
    best = per_series.groupby(UNIQUE_ID)[first].transform("max" if higher_is_better else "min")
    winners = per_series[np.isclose(per_series[first], best)]
    counts = winners.groupby(UNIQUE_ID)[MODEL].transform("count")
    judged = max(winners[UNIQUE_ID].nunique(), 1)  # series on which some model has a figure
    table["wins"] = (100 * (1 / counts).groupby(winners[MODEL]).sum() / judged).reindex(
        table.index, fill_value=0.0
    )
    table["series"] = by_model[UNIQUE_ID].nunique()
    table = table.sort_values(first, ascending=not higher_is_better).reset_index()
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
