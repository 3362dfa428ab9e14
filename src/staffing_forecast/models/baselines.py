"""Benchmark methods: naive, seasonal naive, drift and the (windowed) historic average.

Point forecasts and normal prediction intervals follow Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 3rd ed., §5.2 and Table 5.2 (https://otexts.com/fpp3/prediction-intervals.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import ConfigError, SeriesFailure
from .base import LocalModel, normal_bounds

__all__ = ["Drift", "HistoricAverage", "Naive", "SeasonalNaive"]


def _residual_sd(residuals: np.ndarray, dof: int = 0) -> float:
    """Return the standard deviation of residuals (NaN when there are too few to estimate one)."""
    residuals = residuals[np.isfinite(residuals)]
    if residuals.size - dof < 1:
        return float("nan")
    return float(np.sqrt(np.sum(residuals**2) / (residuals.size - dof)))


def _no_interval_if_unknown(sigma: float, level: Sequence[int], what: str) -> None:
    if level and not np.isfinite(sigma):
        raise SeriesFailure(f"too few observations to estimate the spread of {what} for an interval")


@dataclass(kw_only=True, eq=False)
class Naive(LocalModel):
    """Forecast the last observed value.

    Parameters
    ----------
    intervals
        ``"normal"``: ``se_h = σ √h`` with ``σ`` the root mean square of one-step changes (FPP3 Table 5.2);
        ``"conformal"``: rolling-origin errors, pooled across series where one is too short (the engine's
        fallback, so that even a one-observation series gets an honest interval from its peers).

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=3, freq="YS"),
    ...                       "y": [1.0, 2.0, 4.0]})
    >>> Naive().fit(panel).predict(2)["mean"].tolist()
    [4.0, 4.0]
    """

    name: ClassVar[str] = "naive"

    intervals: str = "normal"

    def __post_init__(self) -> None:
        if self.intervals not in {"normal", "conformal"}:
            raise ConfigError(f"Naive: intervals={self.intervals!r}; use 'normal' or 'conformal'.")

    def uses_conformal(self) -> bool:
        """Whether the intervals are conformal (``intervals="conformal"``) rather than normal."""
        return self.intervals == "conformal"

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> tuple[float, float]:
        return float(y[-1]), _residual_sd(np.diff(y))

    def _fitted_one(self, state: tuple[float, float], y: np.ndarray) -> np.ndarray:
        return np.r_[np.nan, y[:-1]]

    def _predict_one(self, state: tuple[float, float], h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        last, sigma = state
        _no_interval_if_unknown(sigma, level, "one-step changes")
        mean = np.full(h, last)
        return {"mean": mean, **normal_bounds(mean, sigma * np.sqrt(np.arange(1, h + 1)), level)}


@dataclass(kw_only=True, eq=False)
class SeasonalNaive(LocalModel):
    """Forecast the value of the same season one cycle earlier.

    Notes
    -----
    ``se_h = σ √(k + 1)`` with ``k = ⌊(h − 1)/m⌋`` and ``σ`` from seasonal differences (FPP3 Table 5.2).

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024", periods=4, freq="QS"),
    ...                       "y": [1.0, 2.0, 3.0, 4.0]})
    >>> SeasonalNaive(season_length=4).fit(panel).predict(5)["mean"].tolist()
    [1.0, 2.0, 3.0, 4.0, 1.0]
    """

    name: ClassVar[str] = "seasonal_naive"

    season_length: int = 1

    def __post_init__(self) -> None:
        if self.season_length < 1:
            raise ConfigError(f"SeasonalNaive: season_length={self.season_length}; use 1 or more.")

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> tuple[np.ndarray, float]:
        m = self.season_length
        if y.size < m:
            raise SeriesFailure(f"{y.size} observations, fewer than one season of {m}")
        return y[-m:].copy(), _residual_sd(y[m:] - y[:-m])

    def _fitted_one(self, state: tuple[np.ndarray, float], y: np.ndarray) -> np.ndarray:
        m = self.season_length
        return np.r_[np.full(m, np.nan), y[:-m]] if y.size > m else np.full(y.size, np.nan)

    def _predict_one(
        self, state: tuple[np.ndarray, float], h: int, level: Sequence[int]
    ) -> dict[str, np.ndarray]:
        season, sigma = state
        _no_interval_if_unknown(sigma, level, "seasonal changes")
        steps = np.arange(h)
        mean = season[steps % season.size]
        return {"mean": mean, **normal_bounds(mean, sigma * np.sqrt(steps // season.size + 1), level)}


@dataclass(kw_only=True, eq=False)
class Drift(LocalModel):
    """Forecast the last value plus the average historical change.

    Notes
    -----
    Slope ``(y_T − y_1)/(T − 1)``; ``se_h = σ √(h (1 + h/(T − 1)))`` (FPP3 Table 5.2).

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=3, freq="YS"),
    ...                       "y": [1.0, 2.0, 4.0]})
    >>> Drift().fit(panel).predict(2)["mean"].tolist()
    [5.5, 7.0]
    """

    name: ClassVar[str] = "drift"
    min_length: ClassVar[int] = 2

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> tuple[float, float, int, float]:
        slope = (y[-1] - y[0]) / (y.size - 1)
        return float(y[-1]), float(slope), y.size, _residual_sd(np.diff(y) - slope, dof=1)

    def _fitted_one(self, state: tuple[float, float, int, float], y: np.ndarray) -> np.ndarray:
        return np.r_[np.nan, y[:-1] + state[1]]

    def _predict_one(
        self, state: tuple[float, float, int, float], h: int, level: Sequence[int]
    ) -> dict[str, np.ndarray]:
        last, slope, n, sigma = state
        _no_interval_if_unknown(sigma, level, "changes around the drift")
        steps = np.arange(1, h + 1)
        mean = last + slope * steps
        return {"mean": mean, **normal_bounds(mean, sigma * np.sqrt(steps * (1 + steps / (n - 1))), level)}


@dataclass(kw_only=True, eq=False)
class HistoricAverage(LocalModel):
    """Forecast the mean of the history, or of its last ``window`` observations.

    Notes
    -----
    ``se_h = σ √(1 + 1/T)`` with ``σ`` the sample standard deviation (FPP3 Table 5.2).

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=4, freq="YS"),
    ...                       "y": [1.0, 2.0, 4.0, 6.0]})
    >>> HistoricAverage(window=2).fit(panel).predict(1)["mean"].tolist()
    [5.0]
    """

    name: ClassVar[str] = "historic_average"

    window: int | None = None

    def __post_init__(self) -> None:
        if self.window is not None and self.window < 1:
            raise ConfigError(f"HistoricAverage: window={self.window}; use None (all history) or 1 or more.")

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> tuple[float, float, int]:
        used = y[-self.window :] if self.window else y
        sigma = float(np.std(used, ddof=1)) if used.size > 1 else float("nan")
        return float(used.mean()), sigma, used.size

    def _fitted_one(self, state: tuple[float, float, int], y: np.ndarray) -> np.ndarray:
        if not self.window or y.size <= self.window:
            return np.full(y.size, state[0])  # the mean method's fitted values are the mean (FPP3 §5.2)
        # A moving average forecasts each value from the ``window`` values before it.
        means = np.convolve(y, np.ones(self.window) / self.window, mode="valid")[:-1]
        return np.r_[np.full(self.window, np.nan), means]

    def _predict_one(
        self, state: tuple[float, float, int], h: int, level: Sequence[int]
    ) -> dict[str, np.ndarray]:
        mean_value, sigma, n = state
        _no_interval_if_unknown(sigma, level, "the values")
        mean = np.full(h, mean_value)
        return {"mean": mean, **normal_bounds(mean, np.full(h, sigma * np.sqrt(1 + 1 / n)), level)}
