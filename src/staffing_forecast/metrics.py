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
from typing import Any

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
    return _summarise("mae", y, y_hat)


def rmse(y: Array, y_hat: Array, **_: object) -> float:
    """Root mean squared error.

    Examples
    --------
    >>> rmse(np.array([3.0, 5.0]), np.array([2.0, 8.0]))
    2.23606797749979
    """
    return _summarise("rmse", y, y_hat)


def mape(y: Array, y_hat: Array, **_: object) -> float:
    """Mean absolute percentage error in percent, over the rows with a non-zero actual (NaN if none).

    Examples
    --------
    >>> mape(np.array([100.0, 0.0, 50.0]), np.array([90.0, 3.0, 60.0]))
    15.0
    """
    return _summarise("mape", y, y_hat)


def smape(y: Array, y_hat: Array, **_: object) -> float:
    """Symmetric MAPE in percent (M3/M4 definition, 0–200); a row with ``y = ŷ = 0`` counts as 0.

    Examples
    --------
    >>> smape(np.array([100.0, 0.0]), np.array([50.0, 0.0]))
    33.33333333333333
    """
    return _summarise("smape", y, y_hat)


def wape(y: Array, y_hat: Array, **_: object) -> float:
    """Weighted absolute percentage error in percent: total absolute error over total actual (NaN if 0).

    Examples
    --------
    >>> wape(np.array([100.0, 0.0, 50.0]), np.array([90.0, 3.0, 60.0]))
    15.333333333333334
    """
    return _summarise("wape", y, y_hat)


def bias(y: Array, y_hat: Array, **_: object) -> float:
    """Mean error ``ŷ − y``: positive when the forecast is too high.

    Examples
    --------
    >>> bias(np.array([3.0, 5.0]), np.array([2.0, 8.0]))
    1.0
    """
    return _summarise("bias", y, y_hat)


def mase(y: Array, y_hat: Array, *, scale: Array | float | None = None, **_: object) -> float:
    """Mean absolute scaled error; ``scale`` per row (or one number) from :func:`seasonal_scale`.

    Examples
    --------
    >>> mase(np.array([3.0, 5.0]), np.array([2.0, 5.0]), scale=2.0)
    0.25
    """
    if scale is None:
        raise ConfigError("mase needs the training data's scale: pass train= to evaluate.")
    return _summarise("mase", y, y_hat, scale=np.asarray(scale, dtype=float))


def rmsse(y: Array, y_hat: Array, *, scale_sq: Array | float | None = None, **_: object) -> float:
    """Root mean squared scaled error; ``scale_sq`` from :func:`seasonal_scale` with ``power=2``.

    Examples
    --------
    >>> rmsse(np.array([3.0, 5.0]), np.array([1.0, 5.0]), scale_sq=2.0)
    1.0
    """
    if scale_sq is None:
        raise ConfigError("rmsse needs the training data's squared scale: pass train= to evaluate.")
    return _summarise("rmsse", y, y_hat, scale_sq=np.asarray(scale_sq, dtype=float))


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
    return _summarise("coverage", y, y_hat, lo=np.asarray(lo, dtype=float), hi=np.asarray(hi, dtype=float))


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
    return _summarise("pinball", y, y_hat, lo=lower, hi=upper, level=level)


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
    return _summarise("winkler", y, y_hat, lo=lower, hi=upper, level=level)


def direction(y: Array, y_hat: Array, *, y_last: Array | float | None = None, **_: object) -> float:
    """Share of forecasts, in percent, that got the direction of change from the last actual right.

    No change counts as its own direction: a forecast of no change is right only if nothing changed.

    Examples
    --------
    >>> direction(np.array([12.0, 9.0, 10.0]), np.array([11.0, 11.0, 10.0]), y_last=10.0)
    66.66666666666667
    """
    last = _need(y_last, "the last actual at the cutoff (pass train= to evaluate)", "direction")
    return _summarise("direction", y, y_hat, y_last=last)


# --- per-row terms: every metric is finish(Σ numerator / Σ denominator) over its rows ---------------------------
# The metric functions above and ``evaluate`` (all groups at once, with bincount) share these formulas.


def _absolute(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    return np.abs(y - y_hat), 1.0


def _squared(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    return (y - y_hat) ** 2, 1.0


def _percentage(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    known = y != 0  # rows with y = 0 have no percentage error: they weigh nothing
    return np.divide(100 * np.abs(y - y_hat), np.abs(y), out=np.zeros_like(y), where=known), known.astype(
        float
    )


def _symmetric(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    denominator = np.abs(y) + np.abs(y_hat)
    terms = np.divide(np.abs(y - y_hat), denominator, out=np.zeros_like(denominator), where=denominator > 0)
    return 200 * terms, 1.0


def _weighted(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    return 100 * np.abs(y - y_hat), np.abs(y)


def _signed(y: Array, y_hat: Array, **_: object) -> tuple[Array, Array | float]:
    return y_hat - y, 1.0


def _scaled(y: Array, y_hat: Array, *, scale: Array, **_: object) -> tuple[Array, Array | float]:
    return np.abs(y - y_hat) / scale, 1.0


def _scaled_squared(y: Array, y_hat: Array, *, scale_sq: Array, **_: object) -> tuple[Array, Array | float]:
    return (y - y_hat) ** 2 / scale_sq, 1.0


def _inside(y: Array, y_hat: Array, *, lo: Array, hi: Array, **_: object) -> tuple[Array, Array | float]:
    return 100.0 * ((y >= lo) & (y <= hi)), 1.0


def _quantile_loss(
    y: Array, y_hat: Array, *, lo: Array, hi: Array, level: int, **_: object
) -> tuple[Array, Array | float]:
    losses = []
    for q, bound in (((1 - level / 100) / 2, lo), ((1 + level / 100) / 2, hi)):
        diff = y - bound
        losses.append(np.maximum(q * diff, (q - 1) * diff))
    return (losses[0] + losses[1]) / 2, 1.0  # the mean over both bounds of every row


def _interval_score(
    y: Array, y_hat: Array, *, lo: Array, hi: Array, level: int, **_: object
) -> tuple[Array, Array | float]:
    alpha = 1 - level / 100
    return (hi - lo) + (2 / alpha) * np.maximum(lo - y, 0) + (2 / alpha) * np.maximum(y - hi, 0), 1.0


def _same_direction(y: Array, y_hat: Array, *, y_last: Array, **_: object) -> tuple[Array, Array | float]:
    return 100.0 * (np.sign(y_hat - y_last) == np.sign(y - y_last)), 1.0


def _same(value: Array) -> Array:
    return value


_ROW_TERMS: dict[str, Callable[..., tuple[Array, Array | float]]] = {
    "mae": _absolute,
    "rmse": _squared,
    "mape": _percentage,
    "smape": _symmetric,
    "wape": _weighted,
    "bias": _signed,
    "mase": _scaled,
    "rmsse": _scaled_squared,
    "coverage": _inside,
    "pinball": _quantile_loss,
    "winkler": _interval_score,
    "direction": _same_direction,
}
_FINISH: dict[str, Callable[[Array], Array]] = {"rmse": np.sqrt, "rmsse": np.sqrt}


def _summarise(name: str, y: Array, y_hat: Array, **context: object) -> float:
    """One metric over all the rows given: its terms summed, divided, finished; NaN when nothing weighs."""
    y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    numerator, denominator = _ROW_TERMS[name](y, y_hat, **context)
    total = float(np.sum(np.broadcast_to(denominator, y.shape)))
    if y.size == 0 or total <= 0:
        return float("nan")
    return float(_FINISH.get(name, _same)(np.sum(numerator) / total))


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
    on = [UNIQUE_ID, CUTOFF] if CUTOFF in out.columns else [UNIQUE_ID]
    windows = out[on].drop_duplicates()
    lost = windows[UNIQUE_ID][~windows[UNIQUE_ID].isin(train[UNIQUE_ID].unique())]
    if len(lost):
        raise ConfigError(
            f"evaluate: series {lost.iloc[0]!r} is not in train=; pass the panel the forecasts were made from."
        )
    context = _window_scales(train, windows, season_length)
    return out.merge(context, on=on, how="left")


def _window_scales(train: pd.DataFrame, windows: pd.DataFrame, season_length: int) -> pd.DataFrame:
    """Return each window's ``_scale``, ``_scale_sq`` and ``_y_last`` from the history up to its cutoff.

    The same figures as :func:`seasonal_scale` on each window's history, from running sums over each series,
    so that 100,000 series × windows take seconds. A window without a cutoff uses the whole history.
    """
    history = train[[UNIQUE_ID, DS, Y]].sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)
    by_series = history.groupby(UNIQUE_ID, sort=False)
    series = history[UNIQUE_ID].to_numpy()
    values = history[Y].to_numpy(dtype=float)
    position = by_series.cumcount().to_numpy() + 1  # values up to this row

    def cumulative(terms: np.ndarray) -> np.ndarray:
        return pd.Series(terms).groupby(series, sort=False).cumsum().to_numpy()

    running, gaps = {}, {}
    for lag in sorted({1, season_length}):
        change = values - by_series[Y].shift(lag).to_numpy(dtype=float)
        change = np.where(position > lag, change, 0.0)  # rows before the lag have no change
        # A missing value spoils the scale of every later window, as it would np.mean's.
        gaps[lag] = cumulative(np.isnan(change).astype(float))
        for power in (1, 2):
            running[lag, power] = cumulative(np.nan_to_num(np.abs(change) ** power))
    if CUTOFF in windows.columns:
        left = windows.assign(_order=np.arange(len(windows)), _at=windows[CUTOFF].astype("datetime64[ns]"))
        right = history[[UNIQUE_ID, DS]].assign(
            _row=np.arange(len(history)), _at=history[DS].astype("datetime64[ns]")
        )
        rows = pd.merge_asof(
            left.astype({UNIQUE_ID: object}).sort_values("_at"),
            right.astype({UNIQUE_ID: object}).sort_values("_at")[[UNIQUE_ID, "_at", "_row"]],
            on="_at",
            by=UNIQUE_ID,
            direction="backward",
        ).sort_values("_order")
        row = rows["_row"].to_numpy(dtype=float)
    else:
        last = by_series.tail(1)
        row = pd.Series(last.index, index=last[UNIQUE_ID]).reindex(windows[UNIQUE_ID]).to_numpy(dtype=float)
    found = ~np.isnan(row)
    at = np.where(found, row, 0).astype(int)
    n = np.where(found, position[at], 0)
    used_lag = np.where(n > season_length, season_length, 1)
    out = windows.reset_index(drop=True).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for power, column in ((1, "_scale"), (2, "_scale_sq")):
            seasonal = used_lag == season_length
            total = np.where(seasonal, running[season_length, power][at], running[1, power][at])
            spoilt = np.where(seasonal, gaps[season_length][at], gaps[1][at]) > 0
            scale = total / (n - used_lag)
            out[column] = np.where(found & (n > used_lag) & (scale > 0) & ~spoilt, scale, np.nan)
    out["_y_last"] = np.where(found, values[at], np.nan)
    return out


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
    ordered = [k for k in _BY if k in keys]
    grouped = frame.groupby(ordered, sort=True)
    out = grouped.size().reset_index()[ordered]
    codes = grouped.ngroup().to_numpy()
    y, y_hat = frame[Y].to_numpy(dtype=float), frame[MEAN].to_numpy(dtype=float)
    context = _context(frame, level, needs_train)
    for name in metrics:
        column = f"{name}_{level}" if name in _NEEDS_LEVEL else name
        if name in _ROW_TERMS:
            out[column], out[f"n_{column}"] = _grouped(name, codes, len(out), y, y_hat, context, level)
        else:  # a metric added to METRICS by a user: its function, group by group
            out[column], out[f"n_{column}"] = _per_group(name, grouped, len(out), level, needs_train)
    return out


def _context(frame: pd.DataFrame, level: int | None, needs_train: bool) -> dict[str, Array]:
    """Return the per-row arrays a metric may take besides ``y`` and ``y_hat``: bounds, scales, last actual."""
    context: dict[str, Array] = {}
    if level is not None:
        context |= {
            "lo": frame[lo(level)].to_numpy(dtype=float),
            "hi": frame[hi(level)].to_numpy(dtype=float),
        }
    if needs_train:
        context |= {
            "scale": frame["_scale"].to_numpy(dtype=float),
            "scale_sq": frame["_scale_sq"].to_numpy(dtype=float),
            "y_last": frame["_y_last"].to_numpy(dtype=float),
        }
    return context


def _grouped(
    name: str,
    codes: Array,
    n_groups: int,
    y: Array,
    y_hat: Array,
    context: dict[str, Array],
    level: int | None,
) -> tuple[Array, Array]:
    """One metric for every group at once, from its per-row terms (the same formulas the metric functions use)."""
    used = _rows_used(name, y, context) & (codes >= 0)
    numerator, denominator = _ROW_TERMS[name](y, y_hat, level=level, **context)
    sums = [
        np.bincount(codes[used], weights=np.broadcast_to(terms, y.shape)[used], minlength=n_groups)
        for terms in (numerator, denominator)
    ]
    count = np.bincount(codes[used], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _FINISH.get(name, _same)(sums[0] / sums[1])
    return np.where((count > 0) & (sums[1] > 0), value, np.nan), count.astype(int)


def _per_group(
    name: str, grouped: Any, n_groups: int, level: int | None, needs_train: bool
) -> tuple[Array, Array]:
    """One metric by calling its function on each group's rows (for metrics without per-row terms)."""
    values, counts = np.full(n_groups, np.nan), np.zeros(n_groups, dtype=int)
    for i, (_, g) in enumerate(grouped):
        y, y_hat = g[Y].to_numpy(dtype=float), g[MEAN].to_numpy(dtype=float)
        context = _context(g, level, needs_train)
        used = _rows_used(name, y, context)
        subset = {k: v[used] for k, v in context.items()}
        counts[i] = int(used.sum())
        if used.any():  # a group with no usable row has no figure (and no mean of an empty array is taken)
            values[i] = METRICS[name](y[used], y_hat[used], level=level, **subset)
    return values, counts


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
