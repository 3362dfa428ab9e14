"""Statistical models on statsforecast's compiled engine: ETS, ARIMA, Theta, Croston and TSB.

Each class keeps statsforecast's estimation (and its native intervals where it has them) and adds the library's
contract: frames in and out, per-series failure isolation, non-negative counts, nested intervals.
Croston and TSB have no interval of their own; theirs are conformal (:mod:`staffing_forecast.models.intervals`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError
from ..schema import hi, lo
from .base import LocalModel

__all__ = ["ARIMA", "ETS", "TSB", "Croston", "Theta"]


def _fit_quietly(model: Any, y: np.ndarray) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # statsforecast divides by zero on near-constant series and recovers; the warning is its own.
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(y.astype(np.float64))
    return model


@dataclass(kw_only=True, eq=False)
class _Statsforecast(LocalModel):
    """Adapter: subclasses build a statsforecast model in ``_make``."""

    native_intervals: ClassVar[bool] = True

    def _make(self) -> Any:
        raise NotImplementedError

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if np.ptp(y) == 0 and y.size > 1 and type(self).name in {"ets", "arima", "theta"}:
            # statsforecast fits a constant series with a degenerate model; the answer is the constant.
            return ("constant", float(y[0]))
        return _fit_quietly(self._make(), y)

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        if isinstance(state, tuple):
            return np.full(y.size, state[1])
        try:
            with warnings.catch_warnings():
                # CrostonOptimized warns that in-sample values cost a refit per step; series here are short.
                warnings.filterwarnings("ignore", message="Computing fitted values", category=UserWarning)
                return np.asarray(state.predict_in_sample()["fitted"], dtype=float)
        except Exception:  # some statsforecast models keep no in-sample values; NaN says "not available"
            return np.full(y.size, np.nan)

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        if isinstance(state, tuple):
            mean = np.full(h, state[1])
            return {"mean": mean, **{c: mean.copy() for lv in level for c in (lo(lv), hi(lv))}}
        if self.native_intervals and level:
            raw = state.predict(h=h, level=list(level))
            out = {"mean": np.asarray(raw["mean"], dtype=float)}
            for lv in level:
                out[lo(lv)] = np.asarray(raw[f"lo-{lv}"], dtype=float)
                out[hi(lv)] = np.asarray(raw[f"hi-{lv}"], dtype=float)
            return out
        return {"mean": np.asarray(state.predict(h=h)["mean"], dtype=float)}


@dataclass(kw_only=True, eq=False)
class ETS(_Statsforecast):
    """Exponential smoothing state-space model with automatic error, trend and season (AICc choice).

    Parameters
    ----------
    season_length
        Periods per cycle (4 for quarterly data, 12 for monthly, 1 for none).
    model
        Three letters for error, trend and season: ``Z`` chooses, ``A`` additive, ``M`` multiplicative,
        ``N`` none (e.g. ``"ZZZ"``, ``"AAN"``).
    damped
        ``None`` lets the information criterion decide; ``True`` forces a damped trend.

    Notes
    -----
    Hyndman, Koehler, Ord & Snyder (2008), *Forecasting with Exponential Smoothing: The State Space Approach*;
    FPP3 §8. Estimated by statsforecast's ``AutoETS``.

    Examples
    --------
    >>> import pandas as pd
    >>> line = pd.DataFrame({"unique_id": "it", "ds": pd.date_range("2012", periods=14, freq="YS"),
    ...                      "y": [100.0 + 5 * t for t in range(14)]})
    >>> ETS(model="AAN").fit(line).predict(2)["mean"].round().tolist()
    [170.0, 175.0]
    """

    name: ClassVar[str] = "ets"
    min_length: ClassVar[int] = 7

    season_length: int = 1
    model: str = "ZZZ"
    damped: bool | None = None

    def __post_init__(self) -> None:
        if len(self.model) != 3 or any(c not in "ZANM" for c in self.model.upper()):
            raise ConfigError(
                f"ETS: model={self.model!r}; use three letters of Z, A, M, N (e.g. 'ZZZ', 'AAN')."
            )

    def required_length(self) -> int:
        """Fewest observations the asked-for ETS form can be estimated on."""
        # statsforecast estimates a candidate only with more observations than its parameters plus 4: the
        # simplest (A,N,N) needs 7; a forced trend adds 2 and damping 1.
        trend = self.model.upper()[1] in "AM"
        return 7 + (2 if trend else 0) + (1 if self.damped else 0)

    def _make(self) -> Any:
        from statsforecast.models import AutoETS

        return AutoETS(season_length=self.season_length, model=self.model.upper(), damped=self.damped)

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if self.season_length > 1 and y.size < 2 * self.season_length:
            # Too short for a seasonal fit: estimate without season rather than fail.
            from statsforecast.models import AutoETS

            if np.ptp(y) == 0:
                return ("constant", float(y[0]))
            return _fit_quietly(
                AutoETS(season_length=1, model=self.model.upper()[:2] + "N", damped=self.damped), y
            )
        return super()._fit_one(y, X)

    def _refit_fixed(self, state: Any, y: np.ndarray) -> Any:
        components = getattr(state, "model_", {}).get("components")
        if components is None or (self.season_length > 1 and y.size < 2 * self.season_length):
            return self._fit_one(y, None)
        from statsforecast.models import AutoETS

        model = AutoETS(season_length=self.season_length, model=components[:3], damped=components[3] != "N")
        return _fit_quietly(model, y)


#: Length above which a calibration refit of ARIMA keeps the estimated coefficients (``ARIMA._refit_fixed``).
_FORWARD_FROM = 60


@dataclass(frozen=True)
class _Forwarded:
    """A fitted statsforecast model applied, unchanged, to a shorter history: forecasts from that cutoff."""

    model: Any
    y: np.ndarray

    def predict(self, h: int, level: Any = None) -> dict[str, Any]:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return dict(self.model.forward(y=self.y, h=h))


@dataclass(kw_only=True, eq=False)
class ARIMA(_Statsforecast):
    """ARIMA with automatic order selection (Hyndman–Khandakar stepwise search).

    Parameters
    ----------
    season_length
        Periods per cycle.
    max_p, max_q, max_P, max_Q, max_order
        Largest orders the stepwise search may reach (non-seasonal AR and MA, seasonal AR and MA, and their sum):
        smaller values search fewer models.
    approximation
        Choose the orders by approximate (conditional sum of squares) likelihood, then fit the chosen model
        exactly: faster on long series. ``None``: only for series longer than 150 observations or with more
        than 12 periods per cycle (the rule of R's ``forecast::auto.arima``).

    Notes
    -----
    Hyndman & Khandakar (2008), "Automatic time series forecasting: the forecast package for R", JSS 27(3);
    FPP3 §9.7. Estimated by statsforecast's ``AutoARIMA``.

    Examples
    --------
    >>> import pandas as pd
    >>> line = pd.DataFrame({"unique_id": "it", "ds": pd.date_range("2012", periods=14, freq="YS"),
    ...                      "y": [100.0 + 5 * t for t in range(14)]})
    >>> ARIMA().fit(line).predict(2)["mean"].round().tolist()
    [170.0, 175.0]
    """

    name: ClassVar[str] = "arima"
    min_length: ClassVar[int] = 3

    season_length: int = 1
    max_p: int = 5
    max_q: int = 5
    max_P: int = 2
    max_Q: int = 2
    max_order: int = 5
    approximation: bool | None = False

    def __post_init__(self) -> None:
        orders = {"max_p": self.max_p, "max_q": self.max_q, "max_P": self.max_P, "max_Q": self.max_Q}
        bad = {k: v for k, v in orders.items() if not (isinstance(v, int) and v >= 0)}
        if bad or self.max_order < 1:
            raise ConfigError(f"ARIMA: {bad or {'max_order': self.max_order}}; orders are whole numbers ≥ 0.")

    def _make(self) -> Any:
        from statsforecast.models import AutoARIMA

        return AutoARIMA(
            season_length=self.season_length,
            max_p=self.max_p,
            max_q=self.max_q,
            max_P=self.max_P,
            max_Q=self.max_Q,
            max_order=self.max_order,
            approximation=self.approximation,
        )

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if self.approximation is None:
            long = y.size > 150 or self.season_length > 12
            return replace(self, approximation=long)._fit_one(y, X)
        return super()._fit_one(y, X)

    def _refit_fixed(self, state: Any, y: np.ndarray) -> Any:
        model = getattr(state, "model_", None)
        if model is None:
            return self._fit_one(y, None)
        if y.size > _FORWARD_FROM:
            # Long series: filter the shorter history with the coefficients already estimated (a Kalman pass,
            # ~20× cheaper than re-estimating a seasonal ARIMA); their sampling error is small at this length.
            return _Forwarded(state, y.astype(np.float64))
        from statsforecast.models import ARIMA as FixedARIMA

        p, q, P, Q, m, d, D = model["arma"]
        coef = model["coef"]
        fixed = FixedARIMA(
            order=(p, d, q),
            seasonal_order=(P, D, Q),
            season_length=m,
            include_mean="intercept" in coef,
            include_drift="drift" in coef,
        )
        return _fit_quietly(fixed, y)


@dataclass(kw_only=True, eq=False)
class CES(_Statsforecast):
    """Complex exponential smoothing: level and "potential" in one complex-valued smoothing, no trend to choose.

    Parameters
    ----------
    season_length
        Periods per cycle; the information criterion chooses among no, simple, partial and full seasonality.

    Notes
    -----
    Svetunkov, Kourentzes & Ord (2022), "Complex exponential smoothing", Naval Research Logistics 69(8); one of
    the four members of Petropoulos & Svetunkov (2020)'s combination. Estimated by statsforecast's ``AutoCES``.

    Examples
    --------
    >>> import pandas as pd
    >>> line = pd.DataFrame({"unique_id": "it", "ds": pd.date_range("2012", periods=14, freq="YS"),
    ...                      "y": [100.0 + 5 * t for t in range(14)]})
    >>> fc = CES().fit(line).predict(2, level=[80])
    >>> bool((fc["lo_80"] < fc["mean"]).all() and (fc["mean"] < fc["hi_80"]).all())
    True
    """

    name: ClassVar[str] = "ces"
    min_length: ClassVar[int] = 4

    season_length: int = 1

    def _make(self) -> Any:
        from statsforecast.models import AutoCES

        return AutoCES(season_length=self.season_length)

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if np.ptp(y) == 0 and y.size > 1:
            return ("constant", float(y[0]))
        if self.season_length > 1 and y.size < 2 * self.season_length:
            from statsforecast.models import AutoCES

            return _fit_quietly(AutoCES(season_length=1), y)
        return super()._fit_one(y, X)


_THETA_VARIANTS = ("auto", "standard", "optimized", "dynamic", "dynamic_optimized")


@dataclass(kw_only=True, eq=False)
class Theta(_Statsforecast):
    """The Theta method, winner of the M3 competition, in its standard, optimised and dynamic variants.

    Parameters
    ----------
    season_length
        Periods per cycle; seasonal series are deseasonalised by classical decomposition first.
    variant
        ``"auto"`` (the best of the four by in-sample fit), ``"standard"`` (θ = 2), ``"optimized"``,
        ``"dynamic"`` or ``"dynamic_optimized"``.

    Notes
    -----
    Assimakopoulos & Nikolopoulos (2000), "The theta model: a decomposition approach to forecasting", IJF 16(4);
    Fiorucci et al. (2016), "Models for optimising the theta method and their relationship to state space
    models", IJF 32(4). Estimated by statsforecast.

    Examples
    --------
    >>> import pandas as pd
    >>> line = pd.DataFrame({"unique_id": "it", "ds": pd.date_range("2012", periods=14, freq="YS"),
    ...                      "y": [100.0 + 5 * t for t in range(14)]})
    >>> mean = Theta(variant="standard").fit(line).predict(3)["mean"]
    >>> bool(mean.is_monotonic_increasing and mean.iloc[0] > 165)
    True
    """

    name: ClassVar[str] = "theta"
    min_length: ClassVar[int] = 4

    season_length: int = 1
    variant: str = "auto"

    def __post_init__(self) -> None:
        if self.variant not in _THETA_VARIANTS:
            raise ConfigError(f"Theta: variant={self.variant!r}; use one of {list(_THETA_VARIANTS)}.")

    def _make(self) -> Any:
        from statsforecast import models as sfm

        cls = {
            "auto": sfm.AutoTheta,
            "standard": sfm.Theta,
            "optimized": sfm.OptimizedTheta,
            "dynamic": sfm.DynamicTheta,
            "dynamic_optimized": sfm.DynamicOptimizedTheta,
        }[self.variant]
        # Multiplicative decomposition fails on zeros; additive is the safe choice for head counts.
        return cls(season_length=self.season_length, decomposition_type="additive")

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if self.season_length > 1 and y.size < 2 * self.season_length:
            from statsforecast import models as sfm

            if np.ptp(y) == 0:
                return ("constant", float(y[0]))
            model = (
                sfm.AutoTheta(season_length=1)
                if self.variant == "auto"
                else type(self._make())(season_length=1)
            )
            return _fit_quietly(model, y)
        return super()._fit_one(y, X)


_CROSTON_VARIANTS = ("classic", "optimized", "sba")


@dataclass(kw_only=True, eq=False)
class Croston(_Statsforecast):
    """Croston's method for intermittent demand: smoothed nonzero sizes over smoothed intervals.

    Parameters
    ----------
    variant
        ``"classic"`` (α = 0.1), ``"optimized"`` (α chosen per component) or ``"sba"`` (Syntetos–Boylan
        bias correction).

    Notes
    -----
    Croston (1972), ORQ 23(3); Syntetos & Boylan (2005), IJF 21(2). Intervals are conformal.

    Examples
    --------
    >>> import pandas as pd
    >>> rare = pd.DataFrame({"unique_id": "dba", "ds": pd.date_range("2010", periods=15, freq="YS"),
    ...                      "y": [0.0, 0.0, 3.0] * 5})  # three hired every third year
    >>> Croston(variant="classic").fit(rare).predict(2)["mean"].round(2).tolist()
    [1.0, 1.0]
    """

    name: ClassVar[str] = "croston"
    native_intervals: ClassVar[bool] = False
    min_length: ClassVar[int] = 2

    variant: str = "optimized"

    def __post_init__(self) -> None:
        if self.variant not in _CROSTON_VARIANTS:
            raise ConfigError(f"Croston: variant={self.variant!r}; use one of {list(_CROSTON_VARIANTS)}.")

    def _make(self) -> Any:
        from statsforecast import models as sfm

        return {"classic": sfm.CrostonClassic, "optimized": sfm.CrostonOptimized, "sba": sfm.CrostonSBA}[
            self.variant
        ]()

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if not np.any(y > 0):
            return ("constant", 0.0)  # nothing ever demanded: the forecast is zero
        return super()._fit_one(y, X)


@dataclass(kw_only=True, eq=False)
class TSB(_Statsforecast):
    """Teunter–Syntetos–Babai method: smooths the probability of demand, so obsolescence shows quickly.

    Parameters
    ----------
    alpha_d, alpha_p
        Smoothing of the demand size and of the demand probability, in (0, 1].

    Notes
    -----
    Teunter, Syntetos & Babai (2011), "Intermittent demand: linking forecasting to inventory obsolescence",
    EJOR 214(3). Intervals are conformal.

    Examples
    --------
    >>> import pandas as pd
    >>> fading = pd.DataFrame({"unique_id": "cobol", "ds": pd.date_range("2010", periods=12, freq="YS"),
    ...                        "y": [2.0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0]})  # no demand for seven years
    >>> TSB().fit(fading).predict(1)["mean"].round(2).tolist()  # 2 every other year once; the probability decays
    [0.31]
    """

    name: ClassVar[str] = "tsb"
    native_intervals: ClassVar[bool] = False
    min_length: ClassVar[int] = 2

    alpha_d: float = 0.2
    alpha_p: float = 0.2

    def __post_init__(self) -> None:
        for name in ("alpha_d", "alpha_p"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ConfigError(f"TSB: {name}={value}; use a value in (0, 1].")

    def _make(self) -> Any:
        from statsforecast.models import TSB as StatsforecastTSB

        return StatsforecastTSB(alpha_d=self.alpha_d, alpha_p=self.alpha_p)

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        if not np.any(y > 0):
            return ("constant", 0.0)
        return super()._fit_one(y, X)
