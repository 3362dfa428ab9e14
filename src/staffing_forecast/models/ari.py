"""``ARI``: an autoregression on the differenced series, ARIMA(p, d, 0).

Chosen as auto.arima chooses but fitted by least squares, a few milliseconds a series.

Employment grows in runs: a good year tends to follow a good year. An autoregression on the changes carries that
momentum forward and lets it fade at the rate the history shows; ETS, Theta and drift extrapolate the average
trend instead. AutoARIMA finds such models too, at a few hundred times the cost, which is why ``auto`` uses this
one as its differenced-ARIMA member.

Per series:

1. **Seasonality.** With ``season_length > 1``, at least three full cycles and positive values, a series whose
   seasonal strength (Wang, Smith & Hyndman 2006, on a classical decomposition) exceeds 0.64, auto.arima's
   threshold, is divided by its classical multiplicative seasonal indices and the forecast multiplied back.
2. **Differences.** ``d`` by repeated KPSS tests at 5 % (level stationarity, Newey–West variance with
   ``⌊3√n/13⌋`` lags, as auto.arima; at most ``max_d``), and at least 1: a head count keeps its level rather than
   reverting to its historical mean. The tests are computed here, in numpy: no warning, no lookup table.
3. **Order.** Every ``p`` from 0 to ``max_p``, with and without a constant (the drift) when ``d = 1``, fitted by
   ordinary least squares on the differences (conditional least squares); the smallest AICc wins among the
   stationary fits.

Intervals are normal, ``σ √(Σ ψ_j²)`` with the ψ-weights of the whole integrated model (times the seasonal index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from .base import LocalModel, normal_bounds

__all__ = ["ARI"]


@dataclass(frozen=True)
class _Spec:
    """What was chosen for one series: differences, AR order, constant, and whether it is seasonally adjusted."""

    d: int
    p: int
    constant: bool
    seasonal: bool


@dataclass(frozen=True)
class _Fit:
    spec: _Spec
    coef: np.ndarray  # AR coefficients φ_1..φ_p, then the constant if any
    sigma: float
    tail: np.ndarray  # the last d + p values of the (adjusted) series, to start the recursion
    index: np.ndarray | None  # seasonal indices by position in the cycle (None: not adjusted)
    n: int


@dataclass(kw_only=True, eq=False)
class ARI(LocalModel):
    """Autoregression on differences, ARIMA(p, d, 0): ``d`` by KPSS tests, ``p`` and drift by AICc, least squares.

    Parameters
    ----------
    season_length
        Periods per cycle; a seasonal series (by statsforecast's seasonal strength test) is adjusted by classical
        multiplicative decomposition first.
    max_p
        Largest autoregressive order tried (0 … ``max_p``).
    max_d
        Most differences (1 or 2).

    Notes
    -----
    Hyndman & Khandakar (2008), "Automatic time series forecasting: the forecast package for R", JSS 27(3), for
    the KPSS choice of ``d`` and AICc; Box, Jenkins, Reinsel & Ljung (2015), *Time Series Analysis*, ch. 7, for
    conditional least squares. Only autoregressive terms are estimated, so the fit is a linear regression: no
    numerical optimisation, nothing to fail to converge.

    Examples
    --------
    >>> import pandas as pd
    >>> growth = [0.03, 0.05, 0.06, 0.05, 0.03, 0.01, 0.0, 0.01, 0.03, 0.05, 0.06, 0.05, 0.04]
    >>> y = 100 * np.exp(np.cumsum([0.0, *growth]))
    >>> panel = pd.DataFrame({"unique_id": "it", "ds": pd.date_range("2012", periods=y.size, freq="YS"), "y": y})
    >>> model = ARI().fit(panel)
    >>> model.spec_["it"]
    'ARIMA(2,1,0) with drift'
    >>> model.predict(3)["mean"].round(1).tolist()
    [164.0, 165.8, 166.6]
    """

    name: ClassVar[str] = "ari"
    min_length: ClassVar[int] = 4

    season_length: int = 1
    max_p: int = 2
    max_d: int = 2

    def __post_init__(self) -> None:
        if self.season_length < 1:
            raise ConfigError(f"ARI: season_length={self.season_length}; use 1 (no season) or more.")
        if not 0 <= self.max_p <= 5:
            raise ConfigError(f"ARI: max_p={self.max_p}; use 0 to 5.")
        if self.max_d not in (1, 2):
            raise ConfigError(f"ARI: max_d={self.max_d}; use 1 or 2.")

    @property
    def spec_(self) -> dict[str, str]:
        """The model chosen for each series, as ``ARIMA(p,d,0)`` with ``with drift`` and ``seasonally adjusted``."""
        return {uid: _describe(state.spec) for uid, state in self.states_.items()}

    # --- per series -----------------------------------------------------------------------------------------
    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> _Fit:
        index = self._seasonal_index(y)
        adjusted = y / _factors(index, 0, y.size)
        d = self._differences(adjusted)
        best: tuple[float, _Fit] | None = None
        for p in range(self.max_p + 1):
            for constant in (True, False) if d == 1 else (False,):
                # Every order is fitted on the same rows (after max_p lags), so that their AICc compare.
                spec = _Spec(d, p, constant, index is not None)
                fitted = _least_squares(adjusted, spec, index, skip=self.max_p)
                if fitted is not None and (best is None or fitted[0] < best[0]):
                    best = fitted
        if best is None:  # too short for any autoregression: a random walk (with drift once d = 1)
            best = (0.0, _random_walk(adjusted, index))
        return best[1]

    def _refit_fixed(self, state: _Fit, y: np.ndarray) -> _Fit:
        index = self._seasonal_index(y) if state.spec.seasonal else None
        adjusted = y / _factors(index, 0, y.size)
        spec = _Spec(state.spec.d, state.spec.p, state.spec.constant, index is not None)
        fitted = _least_squares(adjusted, spec, index, check_stationary=False)
        return fitted[1] if fitted is not None else _random_walk(adjusted, index)

    def _fitted_one(self, state: _Fit, y: np.ndarray) -> np.ndarray:
        spec = state.spec
        factor = _factors(state.index, 0, y.size)
        adjusted = y / factor
        z = np.diff(adjusted, n=spec.d)
        start = spec.d + spec.p
        out = np.full(y.size, np.nan)
        if y.size <= start:
            return out
        lags = [z[spec.p - k : z.size - k] for k in range(1, spec.p + 1)]
        predicted_z = sum((state.coef[k] * lags[k] for k in range(spec.p)), np.zeros(z.size - spec.p))
        if spec.constant:
            predicted_z = predicted_z + state.coef[-1]
        # Undo the differences one step ahead: y_t = z_t + (what the last d values imply).
        previous = adjusted[start - 1 : -1]
        if spec.d == 2:
            previous = previous + np.diff(adjusted)[start - 2 : -1]
        out[start:] = (previous + predicted_z) * factor[start:]
        return out

    def _predict_one(self, state: _Fit, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        spec = state.spec
        full = _integrated_ar(state.coef[: spec.p], spec.d)
        history = list(state.tail)
        mean = np.empty(h)
        constant = state.coef[-1] if spec.constant else 0.0
        for step in range(h):
            value = constant + sum(a * history[-1 - k] for k, a in enumerate(full))
            history.append(value)
            mean[step] = value
        psi = _psi_weights(full, h)
        factor = _factors(state.index, state.n, h)
        mean, se = mean * factor, state.sigma * np.sqrt(np.cumsum(psi**2)) * factor
        return {"mean": mean, **normal_bounds(mean, se, level)}

    def _note_one(self, state: _Fit) -> str:
        return _describe(state.spec)

    # --- choices --------------------------------------------------------------------------------------------
    def _seasonal_index(self, y: np.ndarray) -> np.ndarray | None:
        m = self.season_length
        if m <= 1 or y.size < 3 * m or np.any(y <= 0):
            return None
        return _classical_indices(y, m) if _seasonal_strength(y, m) > _SEASONAL_STRENGTH else None

    def _differences(self, y: np.ndarray) -> int:
        if self.max_d == 1 or y.size < 8:
            return 1
        return max(1, _kpss_differences(y, self.max_d))


#: KPSS level-stationarity critical value at 5 % (Kwiatkowski et al. 1992, Table 1).
_KPSS_5 = 0.463
#: Seasonal strength above which auto.arima differences seasonally (Wang, Smith & Hyndman 2006).
_SEASONAL_STRENGTH = 0.64


def _kpss_statistic(x: np.ndarray) -> float:
    """KPSS statistic for level stationarity with a Bartlett-weighted long-run variance (``⌊3√n/13⌋`` lags)."""
    n = x.size
    e = x - x.mean()
    lags = int(3 * np.sqrt(n) / 13)
    variance = e @ e + 2 * sum((1 - k / (lags + 1)) * (e[k:] @ e[:-k]) for k in range(1, lags + 1))
    partial = np.cumsum(e)
    return float(partial @ partial / (n * variance)) if variance > 0 else 0.0


def _kpss_differences(x: np.ndarray, max_d: int) -> int:
    """Differences needed for level stationarity: difference while the KPSS test rejects it at 5 %."""
    d = 0
    while d < max_d and np.ptp(x) > 0 and _kpss_statistic(x) > _KPSS_5:
        x = np.diff(x)
        d += 1
    return d


def _seasonal_strength(y: np.ndarray, m: int) -> float:
    """``max(0, 1 − var(remainder) / var(seasonal + remainder))`` of an additive classical decomposition."""
    trend, offset = _centred_average(y, m)
    detrended = y[offset : offset + trend.size] - trend
    position = (np.arange(detrended.size) + offset) % m
    means = np.array([detrended[position == j].mean() for j in range(m)])
    seasonal = (means - means.mean())[position]
    remainder = detrended - seasonal
    total = np.var(detrended, ddof=1)
    return float(max(0.0, 1 - np.var(remainder, ddof=1) / total)) if total > 0 else 0.0


def _least_squares(
    y: np.ndarray,
    spec: _Spec,
    index: np.ndarray | None,
    skip: int | None = None,
    check_stationary: bool = True,
) -> tuple[float, _Fit] | None:
    """Fit the autoregression on ``spec.d``-th differences by OLS.

    The fit starts from difference ``skip`` on (default ``p``). Returns its AICc and fit, or None if too short
    or explosive.
    """
    z = np.diff(y, n=spec.d)
    p, k = spec.p, spec.p + int(spec.constant)
    skip = p if skip is None else max(skip, p)
    rows = z.size - skip
    if rows < k + 2:
        return None
    columns = [z[skip - j : z.size - j] for j in range(1, p + 1)]
    if spec.constant:
        columns.append(np.ones(rows))
    target = z[skip:]
    if columns:
        design = np.column_stack(columns)
        coef, *_ = np.linalg.lstsq(design, target, rcond=None)
        residual = target - design @ coef
    else:
        coef, residual = np.zeros(0), target
    if check_stationary and p and _largest_root(coef[:p]) >= 0.98:
        return None  # an explosive or unit-root fit of the differences: leave it to a smaller order
    rss = max(float(residual @ residual), 1e-12 * max(1.0, float(target @ target)))
    params = k + 1  # the variance too
    aicc = rows * np.log(rss / rows) + 2 * params + 2 * params * (params + 1) / max(rows - params - 1, 1)
    sigma = float(np.sqrt(rss / max(rows - k, 1)))
    tail = y[-(spec.d + p) :] if spec.d + p else y[-1:]
    return float(aicc), _Fit(spec, coef, sigma, tail.copy(), index, y.size)


def _factors(index: np.ndarray | None, start: int, n: int) -> np.ndarray:
    """Seasonal factors of positions ``start … start + n − 1`` (all 1 for a series not adjusted)."""
    if index is None:
        return np.ones(n)
    return index[np.arange(start, start + n) % index.size]


def _largest_root(phi: np.ndarray) -> float:
    """Largest modulus among the roots of ``z^p − φ_1 z^(p−1) − … − φ_p`` (below 1: a stationary autoregression)."""
    if phi.size == 1:
        return abs(float(phi[0]))
    if phi.size == 2:  # closed form: the common case, and np.roots costs more than the whole fit
        disc = phi[0] ** 2 + 4 * phi[1]
        if disc < 0:
            return float(np.sqrt(-phi[1]))
        return float(max(abs(phi[0] + np.sqrt(disc)), abs(phi[0] - np.sqrt(disc))) / 2)
    return float(np.max(np.abs(np.roots(np.r_[1.0, -phi]))))


def _random_walk(y: np.ndarray, index: np.ndarray | None) -> _Fit:
    changes = np.diff(y)
    drift = float(changes.mean()) if changes.size else 0.0
    sigma = float(changes.std(ddof=1)) if changes.size > 1 else 0.0
    spec = _Spec(1, 0, changes.size > 1, index is not None)
    coef = np.array([drift]) if spec.constant else np.zeros(0)
    return _Fit(spec, coef, sigma, y[-1:].copy(), index, y.size)


def _integrated_ar(phi: np.ndarray, d: int) -> np.ndarray:
    """Coefficients ``a`` of ``y_t = Σ a_k y_{t-k} + c + e_t`` for ``φ(B)(1 − B)^d y_t = c + e_t``."""
    polynomial = np.r_[1.0, -phi]
    for _ in range(d):
        polynomial = np.convolve(polynomial, [1.0, -1.0])
    return -polynomial[1:]


def _psi_weights(a: np.ndarray, h: int) -> np.ndarray:
    psi = np.zeros(h)
    psi[0] = 1.0
    for j in range(1, h):
        psi[j] = sum(a[k] * psi[j - 1 - k] for k in range(min(j, a.size)))
    return psi


def _centred_average(y: np.ndarray, m: int) -> tuple[np.ndarray, int]:
    """Return the centred moving average over one cycle (2×m for even ``m``) and its first value's index."""
    weights = np.ones(m + 1) / m if m % 2 == 0 else np.ones(m) / m
    if m % 2 == 0:
        weights[[0, -1]] = 0.5 / m
    return np.convolve(y, weights, mode="valid"), (weights.size - 1) // 2


def _classical_indices(y: np.ndarray, m: int) -> np.ndarray:
    """Multiplicative seasonal indices by classical decomposition (centred moving average), averaging 1."""
    trend, offset = _centred_average(y, m)
    ratio = y[offset : offset + trend.size] / trend
    position = (np.arange(ratio.size) + offset) % m
    index = np.array([ratio[position == j].mean() for j in range(m)])
    return index / index.mean()


def _describe(spec: _Spec) -> str:
    text = f"ARIMA({spec.p},{spec.d},0)"
    if spec.constant:
        text += " with drift"
    if spec.seasonal:
        text += ", seasonally adjusted"
    return text
