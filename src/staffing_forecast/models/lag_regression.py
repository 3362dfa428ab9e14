"""``LagRegression``: one scikit-learn regressor over all series, from lags, rolling statistics, calendar terms
and drivers, with a direct model per horizon step.

Series of very different sizes are pooled by scaling each forecast origin by its recent level: features are
``y_{t−j} / s_t`` (``s_t`` the mean of the last ``n_lags`` values, plus 1), the target of step ``k`` is
``y_{t+k} / s_t``, and forecasts are multiplied back by ``s_T``. Intervals are split-conformal: a copy trained
on all but the last ``calibration_origins`` origins of every series is scored on them, and the absolute scaled
errors of each step give the bounds.

Notes
-----
Direct multi-horizon forecasting: Taieb et al. (2012), "A review and comparison of strategies for multi-step
ahead time series forecasting", Expert Systems with Applications 39(8). Global models across series:
Montero-Manso & Hyndman (2021), "Principles and algorithms for forecasting groups of time series", IJF 37(4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from ..errors import ConfigError, NotFittedError, SchemaError
from ..schema import DS, UNIQUE_ID, Y, check_level, exogenous_columns, hi, key_columns, lo
from .base import _check_h, finish_forecast, future_dates, future_exog, split_panel

__all__ = ["LagRegression"]


@dataclass(kw_only=True, eq=False)
class LagRegression:
    """A global regressor over all series (default: histogram gradient boosting).

    Parameters
    ----------
    n_lags
        Lags used as features (and the window of the scale).
    max_horizon
        Steps ahead trained at fit time (one regressor each); ``predict(h)`` needs ``h ≤ max_horizon``.
    regressor
        Any scikit-learn regressor; cloned for each step. Default ``HistGradientBoostingRegressor``.
    calibration_origins
        Last origins of every series held out to calibrate the intervals.
    nonnegative
        Clip the mean and bounds at 0 (head counts).
    """

    supports_exog: ClassVar[bool] = True
    is_global: ClassVar[bool] = True
    name: ClassVar[str] = "lag_regression"

    n_lags: int = 4
    max_horizon: int = 7
    regressor: Any = field(default=None, repr=False)
    calibration_origins: int = 2
    nonnegative: bool = True

    def __post_init__(self) -> None:
        if self.n_lags < 1 or self.max_horizon < 1 or self.calibration_origins < 1:
            raise ConfigError("LagRegression: n_lags, max_horizon and calibration_origins must be 1 or more.")

    @property
    def min_length(self) -> int:
        return self.n_lags

    def _needs_exog(self) -> bool:
        return bool(getattr(self, "exog_columns_", ()))

    def _make_regressor(self) -> Any:
        from sklearn.base import clone
        from sklearn.ensemble import HistGradientBoostingRegressor

        base = (
            self.regressor
            if self.regressor is not None
            else HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, random_state=0)
        )
        return clone(base)

    # --- design matrices -----------------------------------------------------------------------------------
    def _origin_features(
        self, y: np.ndarray, t: int, x_row: np.ndarray | None, date: pd.Timestamp
    ) -> np.ndarray:
        """Features at origin ``t`` (the last observed index) of one series, and its scale."""
        window = y[t - self.n_lags + 1 : t + 1]
        scale = float(np.mean(window)) + 1.0
        lags = window[::-1] / scale
        extra = [np.std(window) / scale, (window[-1] - window[0]) / scale, math.log(scale)]
        cal = [date.month if self.freq_ == "MS" else date.quarter if self.freq_ == "QS" else 0]
        parts = [lags, extra, cal] + ([x_row] if x_row is not None else [])
        return np.concatenate([np.asarray(p, dtype=float) for p in parts])

    def _design(
        self,
        arrays: dict[str, np.ndarray],
        dates: dict[str, pd.DatetimeIndex],
        exog: dict[str, np.ndarray] | None,
        step: int,
        last_origin_offset: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        rows, targets = [], []
        for uid, y in arrays.items():
            for t in range(self.n_lags - 1, y.size - step - last_origin_offset):
                x_row = exog[uid][t + step] if exog is not None else None
                rows.append(self._origin_features(y, t, x_row, dates[uid][t]))
                scale = float(np.mean(y[t - self.n_lags + 1 : t + 1])) + 1.0
                targets.append(y[t + step] / scale)
        width = self.n_lags + 4 + (len(self.exog_columns_) if exog is not None else 0)
        return (np.vstack(rows) if rows else np.empty((0, width))), np.asarray(targets)

    # --- fit / predict ---------------------------------------------------------------------------------------
    def fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None) -> Self:
        """Train one regressor per horizon step on every series of the panel."""
        failures = self._fit_panel(y, X, errors="raise")
        assert not failures
        return self

    def _fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None, errors: str, freq: str | None = None
    ) -> dict[str, str]:
        from ..schema import infer_freq

        if not isinstance(y, pd.DataFrame) or not {UNIQUE_ID, DS, Y} <= set(y.columns):
            raise SchemaError("LagRegression.fit: y must be a panel with unique_id, ds and y columns.")
        panel = y.sort_values([UNIQUE_ID, DS], kind="stable")
        if X is not None:
            extra = [c for c in exogenous_columns(X) if c not in panel.columns]
            panel = panel.merge(X[[UNIQUE_ID, DS, *extra]], on=[UNIQUE_ID, DS], how="left")
        self.freq_ = freq or infer_freq(panel)
        self.exog_columns_ = exogenous_columns(panel)
        keys = key_columns(panel)
        self.keys_ = panel.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID)[keys] if keys else None
        ids, values, last = split_panel(panel)
        exog_values = panel[self.exog_columns_].to_numpy(dtype=float) if self.exog_columns_ else None
        if exog_values is not None and np.isnan(exog_values).any():
            raise SchemaError("LagRegression: driver values are missing in the history; fill them first.")
        starts = np.flatnonzero(
            np.r_[True, panel[UNIQUE_ID].to_numpy()[1:] != panel[UNIQUE_ID].to_numpy()[:-1]]
        )
        ends = np.r_[starts[1:], len(panel)]
        failures = {}
        arrays, dates, exog = {}, {}, {}
        for uid, v, a, b in zip(ids, values, starts, ends, strict=True):
            if v.size < self.n_lags:
                reason = f"{v.size} observations, lag_regression needs {self.n_lags}"
                if errors == "raise":
                    raise SchemaError(f"LagRegression cannot fit series {uid!r}: {reason}.")
                failures[uid] = f"{self.name} failed ({reason})"
                continue
            arrays[uid] = v
            dates[uid] = pd.DatetimeIndex(panel[DS].to_numpy()[a:b])
            if exog_values is not None:
                exog[uid] = exog_values[a:b]
        self.y_, self.dates_ = arrays, dates
        self.last_ds_ = {u: d for u, d in zip(ids, last, strict=True) if u in arrays}
        self.models_, self.scores_ = {}, {}
        for step in range(1, self.max_horizon + 1):
            design, target = self._design(arrays, dates, exog or None, step, 0)
            calib_design, calib_target = self._design(
                arrays, dates, exog or None, step, self.calibration_origins
            )
            if len(target) < 10:
                raise SchemaError(
                    f"LagRegression: only {len(target)} training rows for step {step}; use fewer "
                    "lags or horizons, or more history."
                )
            self.models_[step] = self._make_regressor().fit(design, target)
            held_out = self._heldout(arrays, dates, exog or None, step)
            if len(calib_target) >= 10 and held_out[0].size:
                calibrator = self._make_regressor().fit(calib_design, calib_target)
                self.scores_[step] = np.abs(held_out[1] - calibrator.predict(held_out[0]))
            else:
                self.scores_[step] = np.empty(0)
        self.states_ = dict.fromkeys(arrays)
        self.fitted_ = panel[[UNIQUE_ID, DS, Y]].assign(fitted=np.nan)
        return failures

    def _heldout(
        self,
        arrays: dict[str, np.ndarray],
        dates: dict[str, pd.DatetimeIndex],
        exog: dict[str, np.ndarray] | None,
        step: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        rows, targets = [], []
        for uid, y in arrays.items():
            first = max(self.n_lags - 1, y.size - step - self.calibration_origins)
            for t in range(first, y.size - step):
                x_row = exog[uid][t + step] if exog is not None else None
                rows.append(self._origin_features(y, t, x_row, dates[uid][t]))
                targets.append(y[t + step] / (float(np.mean(y[t - self.n_lags + 1 : t + 1])) + 1.0))
        return (np.vstack(rows) if rows else np.empty((0, 0))), np.asarray(targets)

    def predict(self, h: int, X: pd.DataFrame | None = None, level: Sequence[int] = ()) -> pd.DataFrame:
        """Forecast ``h ≤ max_horizon`` steps for every series seen in fit."""
        forecast, _ = self._predict_panel(h, X, level, errors="raise")
        return forecast

    def _predict_panel(
        self, h: int, X: pd.DataFrame | None, level: Sequence[int], errors: str
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        if not hasattr(self, "models_"):
            raise NotFittedError("LagRegression is not fitted yet; call fit(panel) first.")
        h = _check_h(h)
        if h > self.max_horizon:
            raise ConfigError(
                f"LagRegression was trained for {self.max_horizon} steps; h={h}. Refit with max_horizon={h}."
            )
        levels = check_level(level)
        future = self._future_exog(X, h)
        parts, failures = [], {}
        for uid, y in self.y_.items():
            t = y.size - 1
            scale = float(np.mean(y[t - self.n_lags + 1 : t + 1])) + 1.0
            out: dict[str, list[float]] = {"mean": []}
            for lv in levels:
                out[lo(lv)], out[hi(lv)] = [], []
            for step in range(1, h + 1):
                x_row = future[uid][step - 1] if future else None
                features = self._origin_features(y, t, x_row, self.dates_[uid][t])
                mean = float(self.models_[step].predict(features[None, :])[0]) * scale
                out["mean"].append(mean)
                scores = self.scores_[step]
                for lv in levels:
                    needed = math.ceil(1 / (1 - lv / 100) - 1)
                    if scores.size < needed:
                        reason = f"{scores.size} held-out errors at step {step}, {needed} needed for {lv} %"
                        if errors == "raise":
                            raise SchemaError(f"LagRegression cannot set intervals for {uid!r}: {reason}.")
                        failures[uid] = f"{self.name} failed ({reason})"
                        break
                    q = min(1.0, math.ceil((scores.size + 1) * lv / 100) / scores.size)
                    width = float(np.quantile(scores, q, method="higher")) * scale
                    out[lo(lv)].append(mean - width)
                    out[hi(lv)].append(mean + width)
            if uid in failures:
                continue
            frame = {UNIQUE_ID: uid, DS: future_dates(pd.Timestamp(self.last_ds_[uid]), h, self.freq_), **out}
            parts.append(pd.DataFrame(frame))
        return finish_forecast(parts, self.name, levels, self.keys_, self.nonnegative), failures

    def _future_exog(self, X: pd.DataFrame | None, h: int) -> dict[str, np.ndarray]:
        if not self.exog_columns_:
            return {}
        return future_exog(
            X, h, self.exog_columns_, self.last_ds_, list(self.y_), self.freq_, "LagRegression"
        )
