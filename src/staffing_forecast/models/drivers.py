"""Models with exogenous drivers (regional output, wages, vacancies) on statsmodels' state-space engine.

The drivers are the panel's numeric columns (or ``X``); forecasting needs their future values for the whole
horizon (``X_future``), which :func:`staffing_forecast.features.make_features` builds from a scenario.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError, SeriesFailure
from ..schema import hi, lo
from .base import LocalModel

__all__ = ["SARIMAX", "UnobservedComponents"]


def _quiet_fit(model: Any) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # statsmodels warns about convergence and start parameters on short series; the fit is checked below.
        warnings.simplefilter("ignore")
        result = model.fit(disp=False)
    if not np.all(np.isfinite(result.params)):
        raise SeriesFailure("the estimation did not converge")
    return result


def _bounds(result: Any, h: int, X: np.ndarray | None, level: Sequence[int]) -> dict[str, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = result.get_forecast(steps=h, exog=X)
    out = {"mean": np.asarray(forecast.predicted_mean, dtype=float)}
    for lv in level:
        interval = np.asarray(forecast.conf_int(alpha=1 - lv / 100), dtype=float)
        out[lo(lv)], out[hi(lv)] = interval[:, 0], interval[:, 1]
    return out


@dataclass(kw_only=True, eq=False)
class _StateSpace(LocalModel):
    """Shared by the statsmodels state-space models: fitted values and forecasts with driver values."""

    supports_exog: ClassVar[bool] = True
    min_length: ClassVar[int] = 6

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        return np.asarray(state.fittedvalues, dtype=float)

    def _predict_one(
        self, state: Any, h: int, level: Sequence[int], X: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        return _bounds(state, h, X, level)


@dataclass(kw_only=True, eq=False)
class SARIMAX(_StateSpace):
    """Regression on drivers with (seasonal) ARIMA errors.

    Parameters
    ----------
    order
        ``(p, d, q)`` of the error process; the default ``(1, 1, 0)`` suits short annual series.
    seasonal_order
        ``(P, D, Q, s)``; ``(0, 0, 0, 0)`` for none.
    trend
        ``None``, ``"c"`` (constant) or ``"t"`` (drift, with ``d = 1``).

    Notes
    -----
    Hyndman & Athanasopoulos, FPP3 §10 (dynamic regression); estimated by ``statsmodels.tsa.statespace.SARIMAX``.
    """

    name: ClassVar[str] = "sarimax"

    order: tuple[int, int, int] = (1, 1, 0)
    seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0)
    trend: str | None = None

    def __post_init__(self) -> None:
        if (
            len(self.order) != 3
            or len(self.seasonal_order) != 4
            or min(*self.order, *self.seasonal_order) < 0
        ):
            raise ConfigError(
                f"SARIMAX: order={self.order}, seasonal_order={self.seasonal_order}; use "
                "non-negative (p, d, q) and (P, D, Q, s)."
            )

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        from statsmodels.tsa.statespace.sarimax import SARIMAX as StatsmodelsSARIMAX

        model = StatsmodelsSARIMAX(
            y, exog=X, order=self.order, seasonal_order=self.seasonal_order, trend=self.trend
        )
        return _quiet_fit(model)


@dataclass(kw_only=True, eq=False)
class UnobservedComponents(_StateSpace):
    """Structural time series: a stochastic level (and trend) plus driver effects.

    Parameters
    ----------
    level
        statsmodels' component specification, e.g. ``"local linear trend"`` (default), ``"local level"``,
        ``"smooth trend"``.

    Notes
    -----
    Harvey (1989), *Forecasting, Structural Time Series Models and the Kalman Filter*; estimated by
    ``statsmodels.tsa.statespace.structural.UnobservedComponents``.
    """

    name: ClassVar[str] = "unobserved_components"

    level: str = "local linear trend"

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        from statsmodels.tsa.statespace.structural import UnobservedComponents as Structural

        try:
            model = Structural(y, level=self.level, exog=X)
        except ValueError as exc:
            raise ConfigError(
                f"UnobservedComponents: level={self.level!r} is not a statsmodels component "
                f"specification ({exc})."
            ) from None
        return _quiet_fit(model)
