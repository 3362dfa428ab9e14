"""``models="auto"``: the default a new user gets, chosen by measurement (see ``docs/models.md``).

Per series:

- fewer than ``min_combo`` observations: drift (two or more points) or naive (one point);
- intermittent (at least ``intermittent_share`` of the values are zero): TSB, with bounds from the empirical
  distribution of recent values;
- otherwise: the equal-weight combination of ETS, Theta and ARIMA forecasts (ARIMA optional), with the
  members' interval bounds averaged (quantile averaging).
"""

from __future__ import annotations

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


@dataclass(kw_only=True, eq=False)
class Auto(LocalModel):
    """The measured default: a combination of ETS, Theta and ARIMA, with rules for short and intermittent series.

    Parameters
    ----------
    season_length
        Periods per cycle (1 yearly, 4 quarterly, 12 monthly).
    members
        Which of ``"ets"``, ``"theta"``, ``"arima"`` to combine.
    combine
        ``"mean"`` or ``"median"`` of the members' forecasts and bounds.
    min_combo
        Fewest observations for the combination; shorter series get drift or naive.
    intermittent_share
        Share of zero values from which a series is treated as intermittent.

    Notes
    -----
    Combining forecasts: Bates & Granger (1969); the M3 and M4 results (Makridakis et al. 2000, 2020); the
    ETS-ARIMA-Theta combination ("SCUM" and its mean variant) of Petropoulos & Svetunkov (2020), IJF 36(1).
    """

    name: ClassVar[str] = "auto"

    season_length: int = 1
    members: tuple[str, ...] = ("ets", "theta", "arima")
    combine: str = "mean"
    min_combo: int = 5
    intermittent_share: float = 0.3
    _models: dict[str, LocalModel] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.members) - {"ets", "theta", "arima"}
        if unknown or not self.members:
            raise ConfigError(f"Auto: members={self.members}; choose among 'ets', 'theta', 'arima'.")
        if self.combine not in {"mean", "median"}:
            raise ConfigError(f"Auto: combine={self.combine!r}; use 'mean' or 'median'.")
        build = {"ets": ETS, "theta": Theta, "arima": ARIMA}
        self._models = {
            m: build[m](season_length=self.season_length, nonnegative=False) for m in self.members
        }
        self._short = {1: Naive(nonnegative=False), 2: Drift(nonnegative=False)}
        self._tsb = TSB(nonnegative=False)

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if y.size < self.min_combo:
            return self._fit_short(y)
        if np.mean(y == 0) >= self.intermittent_share:
            return ("intermittent", y, self._tsb._fit_one(y, None))
        states = {}
        for name, model in self._models.items():
            try:
                states[name] = model._fit_one(y, None)
            except Exception:  # a member that cannot fit this series is left out of its combination
                continue
        return ("combo", states) if states else self._fit_short(y)

    def _fit_short(self, y: np.ndarray) -> Any:
        model = self._short[1] if y.size < 3 else self._short[2]
        return ("short", model, model._fit_one(y, None))

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        if state[0] == "short":
            return state[1]._fitted_one(state[2], y)
        if state[0] == "intermittent":
            return self._tsb._fitted_one(state[2], y)
        fitted = np.vstack([self._models[n]._fitted_one(s, y) for n, s in state[1].items()])
        return self._reduce(fitted)

    def _reduce(self, values: np.ndarray) -> np.ndarray:
        return np.mean(values, axis=0) if self.combine == "mean" else np.median(values, axis=0)

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        kind = state[0]
        if kind == "short":
            return state[1]._predict_one(state[2], h, level)
        if kind == "intermittent":
            return self._intermittent(state[1], state[2], h, level)
        outs = [self._models[n]._predict_one(s, h, level) for n, s in state[1].items()]
        return {key: self._reduce(np.vstack([o[key] for o in outs])) for key in outs[0]}

    def _intermittent(self, y: np.ndarray, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        mean = self._tsb._predict_one(state, h, ())["mean"]
        out = {"mean": mean}
        # Bounds from the empirical distribution of the recent values: for intermittent counts the next value
        # is a zero or a size drawn from the same kind of history (Willemain, Smart & Schwarz 2004, IJF 20(3)).
        recent = y[-max(12, 3 * h) :]
        for lv in level:
            low, high = np.quantile(recent, [0.5 - lv / 200, 0.5 + lv / 200])
            out[lo(lv)] = np.full(h, min(low, mean.min()))
            out[hi(lv)] = np.full(h, max(high, mean.max()))
        return out
