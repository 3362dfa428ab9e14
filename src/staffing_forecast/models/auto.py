"""``models="auto"``: the default a new user gets, chosen by measurement (see ``docs/models.md``).

Per series:

- fewer than ``min_combo`` observations: drift (three or more points) or naive;
- intermittent (at least ``intermittent_share`` of the values are zero): TSB, with bounds from the empirical
  distribution of recent values;
- otherwise: the median of the members' forecasts (by default ETS, damped ETS, the dynamic optimised Theta
  method and drift).

Intervals of the combination are conformal: the members are refitted at ``calibration_windows`` earlier cutoffs,
the errors of each series are divided by its scale (mean absolute one-step change) and pooled across the series
forecast together, and the bound at each horizon step is the calibrated quantile times the series's scale. The
members' own intervals cover far too little on yearly data (77 % for a nominal 95 % on M3 yearly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError
from ..schema import hi, lo
from .base import LocalModel
from .baselines import Drift, Naive
from .statistical import ARIMA, ETS, TSB, Theta

__all__ = ["Auto"]

_MEMBERS = ("ets", "ets_damped", "theta", "dot", "arima", "drift")


@dataclass(kw_only=True, eq=False)
class Auto(LocalModel):
    """The measured default: a median combination with rules for short and intermittent series.

    Parameters
    ----------
    season_length
        Periods per cycle (1 yearly, 4 quarterly, 12 monthly).
    members
        Which forecasts to combine, among ``"ets"``, ``"ets_damped"``, ``"theta"`` (AutoTheta), ``"dot"``
        (dynamic optimised Theta), ``"arima"`` and ``"drift"``.
    combine
        ``"median"`` or ``"mean"`` of the members' forecasts.
    min_combo
        Fewest observations for the combination; shorter series get drift or naive.
    intermittent_share
        Share of zero values from which a series is treated as intermittent.
    calibration_windows
        Rolling origins used to calibrate the intervals (more are used when few series are forecast together, so
        that the widest interval has enough errors to calibrate on).

    Notes
    -----
    Combining forecasts: Bates & Granger (1969); Makridakis et al. (2000, 2020) on M3 and M4; Petropoulos &
    Svetunkov (2020), "A simple combination of univariate models", IJF 36(1). Conformal intervals: see
    :mod:`staffing_forecast.models.intervals`.
    """

    name: ClassVar[str] = "auto"

    season_length: int = 1
    members: tuple[str, ...] = ("ets", "ets_damped", "dot", "drift")
    combine: str = "median"
    min_combo: int = 5
    intermittent_share: float = 0.3
    calibration_windows: int = 2
    _models: dict[str, LocalModel] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.members) - set(_MEMBERS)
        if unknown or not self.members:
            raise ConfigError(f"Auto: members={self.members}; choose among {list(_MEMBERS)}.")
        if self.combine not in {"mean", "median"}:
            raise ConfigError(f"Auto: combine={self.combine!r}; use 'mean' or 'median'.")
        if self.calibration_windows < 1:
            raise ConfigError(f"Auto: calibration_windows={self.calibration_windows}; use 1 or more.")
        m = self.season_length
        build = {
            "ets": lambda: ETS(season_length=m, nonnegative=False),
            "ets_damped": lambda: ETS(season_length=m, damped=True, nonnegative=False),
            "theta": lambda: Theta(season_length=m, nonnegative=False),
            "dot": lambda: Theta(season_length=m, variant="dynamic_optimized", nonnegative=False),
            "arima": lambda: ARIMA(season_length=m, nonnegative=False),
            "drift": lambda: Drift(nonnegative=False),
        }
        self._models = {name: build[name]() for name in self.members}
        self._short = {"naive": Naive(nonnegative=False), "drift": Drift(nonnegative=False)}
        self._tsb = TSB(nonnegative=False)

    def _conformal_intervals(self) -> bool:
        return True

    def _conformal(self, h: int, levels: Sequence[int], means: dict[str, np.ndarray]) -> dict[str, Any]:
        from .intervals import conformal_bounds

        regular = {uid for uid in means if self.states_[uid][0] != "intermittent"}
        # Few series pool few errors: use more windows so that the widest level has enough of them.
        needed = math.ceil(1 / (1 - max(levels) / 100))
        windows = max(self.calibration_windows, min(40, math.ceil(needed / max(1, len(regular)))))
        series = {uid: self.y_[uid] for uid in regular}
        bounds = conformal_bounds(self, series, means, h, levels, n_windows=windows, pooled_only=True)
        for uid in set(means) - regular:
            bounds[uid] = self._intermittent_bounds(self.y_[uid], means[uid], h, levels)
        return bounds

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if y.size < self.min_combo:
            return self._fit_short(y)
        if np.mean(y == 0) >= self.intermittent_share:
            return ("intermittent", self._tsb._fit_one(y, None))
        states = {}
        for name, model in self._models.items():
            try:
                states[name] = model._fit_one(y, None)
            except Exception:  # a member that cannot fit this series is left out of its combination
                continue
        return ("combo", states) if states else self._fit_short(y)

    def _fit_short(self, y: np.ndarray) -> Any:
        name = "naive" if y.size < 3 else "drift"
        return ("short", name, self._short[name]._fit_one(y, None))

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        if state[0] == "short":
            return self._short[state[1]]._fitted_one(state[2], y)
        if state[0] == "intermittent":
            return self._tsb._fitted_one(state[1], y)
        return self._reduce(np.vstack([self._models[n]._fitted_one(s, y) for n, s in state[1].items()]))

    def _reduce(self, values: np.ndarray) -> np.ndarray:
        return np.mean(values, axis=0) if self.combine == "mean" else np.median(values, axis=0)

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        kind = state[0]
        if kind == "short":
            return {"mean": self._short[state[1]]._predict_one(state[2], h, ())["mean"]}
        if kind == "intermittent":
            return {"mean": self._tsb._predict_one(state[1], h, ())["mean"]}
        means = [self._models[n]._predict_one(s, h, ())["mean"] for n, s in state[1].items()]
        return {"mean": self._reduce(np.vstack(means))}

    @staticmethod
    def _intermittent_bounds(y: np.ndarray, mean: np.ndarray, h: int, level: Sequence[int]) -> dict[str, Any]:
        # For intermittent counts the next value is a zero or a size drawn from the same kind of history, so the
        # bounds come from the empirical distribution of recent values (Willemain, Smart & Schwarz 2004, IJF 20(3)).
        recent = y[-max(12, 3 * h) :]
        out = {}
        for lv in level:
            low, high = np.quantile(recent, [0.5 - lv / 200, 0.5 + lv / 200])
            out[lo(lv)] = np.full(h, min(low, mean.min()))
            out[hi(lv)] = np.full(h, max(high, mean.max()))
        return out
