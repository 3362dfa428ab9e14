"""Conformal prediction intervals from rolling-origin errors, for models without intervals of their own.

For each series the model is refitted at up to ``n_windows`` earlier cutoffs and its absolute errors at each
horizon step are the conformity scores; the bound at level ``L`` is the ``⌈(n + 1)L⌉/n`` empirical quantile of
the ``n`` scores (split conformal prediction). A ``L`` % interval needs at least ``1/(1 − L) − 1`` scores
(19 for 95 %). Where a short series has fewer, the scores of all series in the panel are pooled after dividing
each by its series's scale (the mean absolute one-step change, as in MASE), and rescaled back.

Notes
-----
Vovk, Gammerman & Shafer (2005), *Algorithmic Learning in a Random World*; Stankeviciute, Alaa & van der Schaar
(2021), "Conformal time-series forecasting", NeurIPS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..schema import hi, lo
from .base import SeriesFailure

__all__ = ["conformal_bounds", "rolling_errors", "series_scale"]


def series_scale(y: np.ndarray) -> float:
    """Mean absolute one-step change (the MASE scale); the mean level, or 1, when the series never changes."""
    if y.size > 1:
        scale = float(np.mean(np.abs(np.diff(y))))
        if scale > 0:
            return scale
    level = float(np.mean(np.abs(y))) if y.size else 0.0
    return level if level > 0 else 1.0


def rolling_errors(model: Any, y: np.ndarray, h: int, n_windows: int) -> np.ndarray:
    """Absolute errors of ``model`` refitted at the last ``n_windows`` cutoffs: shape (windows, h), NaN where the
    horizon runs past the data."""
    min_train = max(int(getattr(model, "min_length", 1)), 2)
    # Full windows (every step has an actual) first, newest first; then partial ones for short series.
    full = list(range(y.size - h, min_train - 1, -1))
    partial = list(range(y.size - 1, max(y.size - h, min_train - 1), -1))
    cutoffs = (full + partial)[:n_windows]
    errors = np.full((len(cutoffs), h), np.nan)
    for k, cutoff in enumerate(cutoffs):
        try:
            state = model._fit_one(y[:cutoff], None)
            forecast = model._predict_one(state, h, ())["mean"]
        except SeriesFailure:
            continue
        steps = min(h, y.size - cutoff)
        errors[k, :steps] = np.abs(y[cutoff : cutoff + steps] - forecast[:steps])
    return errors


def _needed(level: int) -> int:
    return math.ceil(1 / (1 - level / 100) - 1)


def _quantile(scores: np.ndarray, level: int) -> float:
    n = scores.size
    q = min(1.0, math.ceil((n + 1) * level / 100) / n)
    return float(np.quantile(scores, q, method="higher"))


def conformal_bounds(
    model: Any,
    series: dict[str, np.ndarray],
    means: dict[str, np.ndarray],
    h: int,
    levels: Sequence[int],
    n_windows: int = 20,
    pooled_only: bool = False,
) -> dict[str, dict[str, np.ndarray] | SeriesFailure]:
    """Bounds ``{unique_id: {"lo_80": ..., "hi_80": ...}}`` per series (or the reason it has none), pooling
    scaled scores where a series has too few of its own."""
    errors = {uid: rolling_errors(model, y, h, n_windows) for uid, y in series.items()}
    scales = {uid: series_scale(y) for uid, y in series.items()}
    pooled = [np.concatenate([e[:, j] / scales[uid] for uid, e in errors.items()]) for j in range(h)]
    pooled = [p[np.isfinite(p)] for p in pooled]
    out: dict[str, dict[str, np.ndarray] | SeriesFailure] = {}
    for uid, err in errors.items():
        try:
            own = err[:0] if pooled_only else err
            out[uid] = _bounds(own, pooled, scales[uid], means[uid], h, levels)
        except SeriesFailure as exc:
            out[uid] = exc
    return out


def _bounds(
    err: np.ndarray, pooled: list[np.ndarray], scale: float, mean: np.ndarray, h: int, levels: Sequence[int]
) -> dict[str, np.ndarray]:
    bounds: dict[str, np.ndarray] = {}
    needed = _needed(max(levels))  # one source of scores for all levels keeps the intervals nested
    for lv in levels:
        width = np.empty(h)
        for j in range(h):
            own = err[:, j][np.isfinite(err[:, j])]
            if own.size >= needed:
                width[j] = _quantile(own, lv)
            elif pooled[j].size >= needed:
                width[j] = _quantile(pooled[j], lv) * scale
            else:
                raise SeriesFailure(
                    f"too little history to calibrate a {lv} % interval at step {j + 1} "
                    f"({pooled[j].size} errors, {needed} needed)"
                )
        width = np.maximum.accumulate(width)  # intervals may not narrow with the horizon
        bounds[lo(lv)] = mean - width
        bounds[hi(lv)] = mean + width
    return bounds
