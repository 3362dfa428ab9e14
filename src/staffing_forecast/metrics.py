"""Forecast accuracy metrics as plain functions with one signature, and ``evaluate`` over a CV frame.

Every metric takes ``(y, y_hat, *, lo=None, hi=None, scale=None)`` arrays for one series and returns a float.

- ``mase``: mean absolute error over ``scale``, the in-sample mean absolute seasonal-naive error of the training
  data (Hyndman & Koehler 2006, IJF 22(4)).
- ``smape``: symmetric MAPE in percent, ``200/n · Σ |y − ŷ| / (|y| + |ŷ|)`` — the M3/M4 competitions' figure
  (0–200; utilsforecast's ``smape`` is this divided by 200). A term with ``y = ŷ = 0`` counts as 0.
- ``coverage``: share of actuals inside ``[lo, hi]``, in percent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, closest
from .schema import CUTOFF, DS, MEAN, MODEL, UNIQUE_ID, Y, hi, lo

__all__ = ["METRICS", "coverage", "evaluate", "mase", "seasonal_scale", "smape"]


def seasonal_scale(insample: np.ndarray, season_length: int = 1) -> float:
    """Mean absolute seasonal-naive error of the training data (NaN if it cannot be computed or is 0).

    Examples
    --------
    >>> seasonal_scale(np.array([1.0, 3.0, 2.0, 6.0]))
    2.3333333333333335
    """
    m = season_length if insample.size > season_length else 1
    if insample.size <= m:
        return float("nan")
    scale = float(np.mean(np.abs(insample[m:] - insample[:-m])))
    return scale if scale > 0 else float("nan")


def mase(y: np.ndarray, y_hat: np.ndarray, *, scale: float | None = None, **_: object) -> float:
    """Mean absolute scaled error.

    Examples
    --------
    >>> mase(np.array([3.0, 5.0]), np.array([2.0, 5.0]), scale=2.0)
    0.25
    """
    if scale is None:
        raise ConfigError("mase needs the training data's scale: pass train= to evaluate.")
    return float(np.mean(np.abs(y - y_hat)) / scale)


def smape(y: np.ndarray, y_hat: np.ndarray, **_: object) -> float:
    """Symmetric MAPE in percent (M3/M4 definition, 0–200).

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


def coverage(
    y: np.ndarray,
    y_hat: np.ndarray,
    *,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
    **_: object,
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


METRICS: dict[str, Callable[..., float]] = {"mase": mase, "smape": smape, "coverage": coverage}


def evaluate(
    cv: pd.DataFrame,
    metrics: Sequence[str] = ("mase", "smape"),
    *,
    train: pd.DataFrame | None = None,
    season_length: int = 1,
    level: int | None = None,
) -> pd.DataFrame:
    """Score a cross-validation (or test) frame per series and model; scaled metrics need ``train``.

    The scale of each window is computed from the training data up to that window's cutoff.
    Returns one row per ``unique_id`` and ``model`` with one column per metric (coverage as ``coverage_<L>``).
    """
    for name in metrics:
        if name not in METRICS:
            raise ConfigError(f"unknown metric {name!r}{closest(name, METRICS)} Known: {', '.join(METRICS)}.")
    if "mase" in metrics and train is None:
        raise ConfigError("mase is scaled by the training data: pass train=panel.")
    if "coverage" in metrics and level is None:
        levels = sorted(int(c[3:]) for c in cv.columns if c.startswith("lo_"))
        if not levels:
            raise ConfigError("coverage needs interval columns: cross-validate with level=[...].")
        level = levels[-1]
    history = {uid: g for uid, g in train.groupby(UNIQUE_ID, sort=False)} if train is not None else {}
    rows = []
    group_cols = [UNIQUE_ID, MODEL] + ([CUTOFF] if CUTOFF in cv.columns else [])
    for key, g in cv.groupby(group_cols, sort=True):
        uid = key[0]
        scale = None
        if train is not None:
            past = history[uid]
            if CUTOFF in cv.columns:
                past = past[past[DS] <= key[2]]
            scale = seasonal_scale(past[Y].to_numpy(dtype=float), season_length)
        y, y_hat = g[Y].to_numpy(dtype=float), g[MEAN].to_numpy(dtype=float)
        bounds = (
            {"lo": g[lo(level)].to_numpy(dtype=float), "hi": g[hi(level)].to_numpy(dtype=float)}
            if level is not None
            else {}
        )
        row = {UNIQUE_ID: uid, MODEL: key[1]}
        for name in metrics:
            column = f"coverage_{level}" if name == "coverage" else name
            row[column] = METRICS[name](y, y_hat, scale=scale, **bounds)
        rows.append(row)
    scores = pd.DataFrame(rows)
    return scores.groupby([UNIQUE_ID, MODEL], sort=True).mean().reset_index()
