"""``Prophet``: a decomposable trend + holidays + regressors model, imported only when used, quiet by default."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..schema import hi, lo
from .base import LocalModel, future_dates

__all__ = ["Prophet"]

_QUIET = ("cmdstanpy", "prophet", "prophet.plot")


def _import_prophet() -> Any:
    try:
        with _Quiet():  # prophet logs "Importing plotly failed" at import; plots are not its job here
            from prophet import Prophet as ProphetModel
    except ImportError as exc:  # pragma: no cover - prophet is a dependency; this guards broken installs
        raise ConfigError("the Prophet model needs the prophet package: pip install prophet") from exc
    return ProphetModel


class _Quiet:
    """Silence cmdstanpy's and prophet's logs for the duration of an import, a fit or a prediction.

    cmdstanpy resets its logger's level when it runs, so the loggers are disabled rather than raised in level.
    """

    def __enter__(self) -> None:
        self.disabled = {name: logging.getLogger(name).disabled for name in _QUIET}
        for name in _QUIET:
            logging.getLogger(name).disabled = True

    def __exit__(self, *exc: object) -> None:
        for name, disabled in self.disabled.items():
            logging.getLogger(name).disabled = disabled


@dataclass(kw_only=True, eq=False)
class Prophet(LocalModel):
    """Prophet: piecewise-linear trend with changepoints, optional holidays and extra regressors.

    Parameters
    ----------
    changepoint_prior_scale
        Flexibility of the trend (larger: more changepoints take effect).
    n_changepoints
        Potential changepoints in the first 80 % of the history (capped by its length).
    holidays
        Prophet's holidays frame (``holiday``, ``ds``, optional windows), e.g. the 2020 and 2022 shocks.
    regressors
        Names of driver columns (the panel's numeric columns); their future values come from ``X_future``.
    samples
        Posterior samples for the intervals (any level is a quantile of them).
    seed
        Seed of the sampling, so that intervals are reproducible.

    Notes
    -----
    Taylor & Letham (2018), "Forecasting at scale", The American Statistician 72(1).
    """

    name: ClassVar[str] = "prophet"
    supports_exog: ClassVar[bool] = True
    min_length: ClassVar[int] = 3

    changepoint_prior_scale: float = 0.05
    n_changepoints: int = 5
    holidays: pd.DataFrame | None = field(default=None, repr=False)
    regressors: tuple[str, ...] = ()
    samples: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        if self.changepoint_prior_scale <= 0 or self.n_changepoints < 0 or self.samples < 10:
            raise ConfigError(
                "Prophet: changepoint_prior_scale must be > 0, n_changepoints ≥ 0, samples ≥ 10."
            )

    def uses_drivers(self) -> bool:
        """Whether extra regressors are named (and so their future values are needed to forecast)."""
        return bool(self.regressors)

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        model = _import_prophet()(
            changepoint_prior_scale=self.changepoint_prior_scale,
            n_changepoints=min(self.n_changepoints, max(0, int(0.8 * y.size) - 1)),
            holidays=self.holidays,
            yearly_seasonality=False,
            weekly_seasonality=False,
            daily_seasonality=False,
            uncertainty_samples=self.samples,
        )
        # Prophet needs dates; a regular yearly grid is enough because the model has no seasonality here.
        frame = pd.DataFrame({"ds": pd.date_range("2000-01-01", periods=y.size, freq="YS"), "y": y})
        for i, name in enumerate(self.regressors):
            model.add_regressor(name)
            frame[name] = X[:, i] if X is not None else np.nan
        with _Quiet():
            model.fit(frame)
        return (model, y.size, frame)

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        model, _, frame = state
        with _Quiet():
            return np.asarray(model.predict(frame.drop(columns="y"))["yhat"], dtype=float)

    def _predict_one(
        self, state: Any, h: int, level: Sequence[int], X: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        model, n, _ = state
        future = pd.DataFrame(
            {"ds": future_dates(pd.Timestamp("2000-01-01") + pd.DateOffset(years=n - 1), h, "YS")}
        )
        for i, name in enumerate(self.regressors):
            future[name] = X[:, i] if X is not None else np.nan
        # Prophet samples with numpy's global generator: seed it for reproducible intervals, then restore it.
        random_state = np.random.get_state()  # noqa: NPY002
        np.random.seed(self.seed)  # noqa: NPY002
        try:
            with _Quiet():
                mean = np.asarray(model.predict(future)["yhat"], dtype=float)
                draws = model.predictive_samples(future)["yhat"] if level else None
        finally:
            np.random.set_state(random_state)  # noqa: NPY002
        out = {"mean": mean}
        for lv in level:
            assert draws is not None
            out[lo(lv)] = np.quantile(draws, 0.5 - lv / 200, axis=1)
            out[hi(lv)] = np.quantile(draws, 0.5 + lv / 200, axis=1)
        return out
