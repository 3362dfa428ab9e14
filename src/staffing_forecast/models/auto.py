"""``models="auto"``: the default a new user gets, chosen by measurement (see ``docs/models.md``).

Per series, and written into the forecast's ``note`` column:

- leading zeros (a unit that opened, an occupation that appeared) are set aside and the rules below apply to the
  active part that follows them;
- stopped (nonzero values, then only zeros for the last ``stopped_after`` periods or more: an employer that
  closed): forecast 0;
- intermittent (at least ``intermittent_share`` of the active values are zero): TSB, with bounds from the
  empirical distribution of recent values;
- fewer than ``min_combo`` active observations: drift (three or more points) or naive;
- otherwise: isolated outliers are dampened (Hampel filter) and the median of the members' forecasts is taken
  (by default ETS, the dynamic optimised Theta method, CES and ARI, an autoregression on the differences that
  carries persisting growth forward). A member needing more observations
  than the series has, or failing on it, is left out and named. A smooth non-seasonal series (its growth changes
  slowly: mean absolute second difference below ``smooth_roughness`` times the mean absolute first difference)
  gets the average of ARI's forecast and the median, since ARI follows a slowly turning trend that the median
  of the other members flattens.

Intervals of the combination are conformal: the members are refitted at ``calibration_windows`` earlier cutoffs
(each with the specification it chose on the whole history: one fit, not a search), the errors of each series are divided by its scale (mean absolute one-step change) and pooled across the series
forecast together, and the bound at each horizon step is the calibrated quantile times the series's scale. The
members' own intervals cover far too little on yearly data (77 % for a nominal 95 % on M3 yearly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError, SeriesFailure
from ..schema import hi, lo
from .ari import ARI
from .base import LocalModel
from .baselines import Drift, Naive
from .intervals import Scores, needed_errors, rolling_errors
from .statistical import ARIMA, CES, ETS, TSB, Theta

__all__ = ["Auto"]

_MEMBERS = ("ets", "ets_damped", "theta", "stm", "otm", "dstm", "dot", "ces", "arima", "ari", "drift")


@dataclass(frozen=True)
class _State:
    """How ``Auto`` handles one series: the rule, the fitted member states, and what to tell the user."""

    rule: str  # "short", "intermittent", "combination", "stopped" or "zero"
    states: dict[str, Any]
    note: str
    leading_zeros: int = 0
    history: np.ndarray | None = None  # the history as fitted (outliers dampened), for calibration
    smooth: bool = False  # a smooth non-seasonal series: ARI's forecast averaged with the median


@dataclass(kw_only=True, eq=False)
class Auto(LocalModel):
    """The measured default: a median combination with rules for short, entering and intermittent series.

    Parameters
    ----------
    season_length
        Periods per cycle (1 yearly, 4 quarterly, 12 monthly).
    members
        Which forecasts to combine, among ``"ets"``, ``"ets_damped"``, ``"theta"`` (AutoTheta), ``"stm"``,
        ``"otm"``, ``"dstm"`` and ``"dot"`` (the standard, optimised, dynamic and dynamic optimised Theta methods), ``"ces"`` (complex exponential smoothing), ``"arima"`` (AutoARIMA, with
        approximate order selection on series longer than 150 observations), ``"ari"`` (an autoregression on the
        differences, ARIMA(p, d, 0) by least squares: :class:`~staffing_forecast.models.ARI`) and ``"drift"``.
    combine
        ``"median"`` or ``"mean"`` of the members' forecasts.
    min_combo
        Fewest observations for the combination; shorter series get drift or naive.
    intermittent_share
        Share of zero values (after any leading zeros) from which a series is treated as intermittent.
    stopped_after
        Trailing zeros after an unbroken run of nonzero values from which a series is taken to have stopped (an
        employer that closed, an occupation given up): forecast 0.
    outliers
        ``"dampen"``: an isolated value far from its neighbours (more than ``outlier_threshold`` robust
        standard deviations from the median of the five values around it; the spread is the larger of the
        residuals' and the one-step changes') is replaced by that median before fitting, and the ``note`` says
        so; ``"keep"`` fits the history as it is.
    outlier_threshold
        See ``outliers``.
    smooth_roughness
        A non-seasonal series whose roughness (mean absolute second difference over mean absolute first
        difference, about 1.4 for a random walk) is below this is forecast by the average of ARI's forecast and the
        median of all members (when ARI is a member); ``0`` turns this off.
    calibration_windows
        Rolling origins used to calibrate the intervals (more are used when few series are forecast together, so
        that the widest interval has enough errors to calibrate on).
    fixed_calibration
        At those origins, refit each member with the specification it chose on the whole history (ETS
        components, ARIMA orders) instead of searching again: one fit per member and origin.

    Notes
    -----
    Combining forecasts: Bates & Granger (1969); Makridakis et al. (2000, 2020) on M3 and M4; Petropoulos &
    Svetunkov (2020), "A simple combination of univariate models", IJF 36(1). Outliers: the Hampel filter
    (Hampel 1974; Pearson et al. 2016, "Generalized Hampel filters"). Conformal intervals: see
    :mod:`staffing_forecast.models.intervals`.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"unique_id": ["it"] * 14 + ["new"] * 2,
    ...                       "ds": list(pd.date_range("2012", periods=14, freq="YS")) + [pd.Timestamp("2024"),
    ...                                                                                    pd.Timestamp("2025")],
    ...                       "y": [100.0 + 5 * t for t in range(14)] + [3.0, 4.0]})
    >>> fc = Auto().fit(panel).predict(2, level=[80])
    >>> fc.groupby("unique_id")["note"].first().to_dict()  # how each series was treated
    {'it': 'smooth (roughness 0.00): the average of ari and the median', 'new': 'short (2 observations; the combination needs 5): naive'}
    """

    name: ClassVar[str] = "auto"

    season_length: int = 1
    members: tuple[str, ...] = ("ets", "dot", "ces", "ari")
    combine: str = "median"
    min_combo: int = 5
    intermittent_share: float = 0.3
    stopped_after: int = 2
    outliers: str = "dampen"
    outlier_threshold: float = 5.0
    smooth_roughness: float = 0.3
    calibration_windows: int = 2
    fixed_calibration: bool = True
    _models: dict[str, LocalModel] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.members) - set(_MEMBERS)
        if unknown or not self.members:
            raise ConfigError(f"Auto: members={self.members}; choose among {list(_MEMBERS)}.")
        if self.combine not in {"mean", "median"}:
            raise ConfigError(f"Auto: combine={self.combine!r}; use 'mean' or 'median'.")
        if self.outliers not in {"dampen", "keep"}:
            raise ConfigError(f"Auto: outliers={self.outliers!r}; use 'dampen' or 'keep'.")
        if self.stopped_after < 1:
            raise ConfigError(f"Auto: stopped_after={self.stopped_after}; use 1 or more.")
        if not self.smooth_roughness >= 0:  # NaN too
            raise ConfigError(f"Auto: smooth_roughness={self.smooth_roughness}; use 0 (off) or more.")
        if self.calibration_windows < 1:
            raise ConfigError(f"Auto: calibration_windows={self.calibration_windows}; use 1 or more.")
        m = self.season_length
        build = {
            "ets": lambda: ETS(season_length=m, nonnegative=False),
            "ets_damped": lambda: ETS(season_length=m, damped=True, nonnegative=False),
            "theta": lambda: Theta(season_length=m, nonnegative=False),
            "stm": lambda: Theta(season_length=m, variant="standard", nonnegative=False),
            "otm": lambda: Theta(season_length=m, variant="optimized", nonnegative=False),
            "dstm": lambda: Theta(season_length=m, variant="dynamic", nonnegative=False),
            "dot": lambda: Theta(season_length=m, variant="dynamic_optimized", nonnegative=False),
            "arima": lambda: ARIMA(season_length=m, approximation=None, nonnegative=False),
            "ces": lambda: CES(season_length=m, nonnegative=False),
            "ari": lambda: ARI(season_length=m, nonnegative=False),
            "drift": lambda: Drift(nonnegative=False),
        }
        self._models = {name: build[name]() for name in self.members}
        self._short = {"naive": Naive(nonnegative=False), "drift": Drift(nonnegative=False)}
        self._tsb = TSB(nonnegative=False)

    # --- rules ----------------------------------------------------------------------------------------------
    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> _State:
        if not np.any(y != 0):
            return _State("zero", {}, "no nonzero value in the history: forecast 0")
        # A unit that opens (or an occupation that appears) has zeros before it starts: fit the active part.
        lead = int(np.argmax(y != 0))
        active = y[lead:]
        entered = (
            f"fitted on the {active.size} values after {lead} leading zero{'s' * (lead > 1)}" if lead else ""
        )
        # A unit that closed: positive values, then nothing but zeros for the last two periods or more.
        tail = active.size - 1 - int(np.flatnonzero(active != 0)[-1])
        if tail >= self.stopped_after and np.all(active[: active.size - tail] != 0):
            note = (
                f"stopped: the last {tail} values are 0 after {active.size - tail} nonzero ones: forecast 0"
            )
            return _State("stopped", {}, note, lead)
        if np.mean(active == 0) >= self.intermittent_share:
            share = f"{np.mean(y == 0):.0%} zeros"
            return _State(
                "intermittent", {"tsb": self._tsb._fit_one(y, None)}, f"intermittent ({share}): TSB"
            )
        if active.size < self.min_combo:
            name = "naive" if active.size < 3 else "drift"
            note = f"short ({active.size} observations; the combination needs {self.min_combo}): {name}"
            return _State(
                "short", {name: self._short[name]._fit_one(active, None)}, _join(entered, note), lead
            )
        cleaned, dampened = self._dampen(active)
        states, left_out = {}, []
        for name, model in self._models.items():
            needs = model.required_length()
            if cleaned.size < needs:
                left_out.append(f"{name} (needs {needs} observations)")
                continue
            try:
                states[name] = model._fit_one(cleaned, None)
            except SeriesFailure as exc:
                left_out.append(f"{name} ({exc.args[0]})")
            except (
                Exception
            ):  # a member that cannot fit this series is left out of its combination, and named
                left_out.append(f"{name} (could not be estimated)")
        if not states:
            name = "drift"
            note = f"no combination member could be fitted ({', '.join(left_out)}): drift"
            return _State(
                "short", {name: self._short[name]._fit_one(active, None)}, _join(entered, note), lead
            )
        note = f"left out {', '.join(left_out)}" if left_out else ""
        history = np.r_[y[:lead], cleaned]
        smooth = ""
        if "ari" in states and len(states) > 1 and self.season_length == 1:
            rough = _roughness(cleaned)
            if rough < self.smooth_roughness:
                smooth = f"smooth (roughness {rough:.2f}): the average of ari and the median"
        note = _join(entered, dampened, note, smooth)
        return _State("combination", states, note, lead, history, smooth=bool(smooth))

    def _dampen(self, y: np.ndarray) -> tuple[np.ndarray, str]:
        """Replace isolated outliers inside the history by the median of their neighbourhood (Hampel filter)."""
        if self.outliers == "keep" or y.size < 5:
            return y, ""
        window = np.lib.stride_tricks.sliding_window_view(np.pad(y, 2, mode="edge"), 5)
        median = np.median(window, axis=1)
        residual = y - median
        # The spread is the larger of the residuals' and the one-step changes' robust spread, so that a smooth,
        # trending series (tiny residuals) does not see every bump as an outlier.
        sigma = 1.4826 * max(float(np.median(np.abs(residual))), float(np.median(np.abs(np.diff(y)))))
        if sigma == 0:
            return y, ""
        outlier = np.abs(residual) > self.outlier_threshold * sigma
        outlier[[0, -1]] = False  # the last value may be a new level, the first has one neighbour: keep both
        if not outlier.any():
            return y, ""
        cleaned = np.where(outlier, median, y)
        said = ", ".join(
            f"{y[i]:g} → {median[i]:g} (value {i + 1} of {y.size})" for i in np.flatnonzero(outlier)
        )
        return cleaned, f"outlier dampened: {said}"

    def _note_one(self, state: _State) -> str:
        return state.note

    # --- forecasts ------------------------------------------------------------------------------------------
    def _fitted_one(self, state: _State, y: np.ndarray) -> np.ndarray:
        lead = state.leading_zeros
        active = y[lead:]
        if state.rule in ("zero", "stopped"):
            return np.r_[np.nan, y[:-1]]  # the last value carried forward: 0 once stopped
        if state.rule == "intermittent":
            return self._tsb._fitted_one(state.states["tsb"], y)
        if state.rule == "short":
            ((name, member),) = state.states.items()
            values = self._short[name]._fitted_one(member, active)
        else:
            values = self._combine(
                state, {n: self._models[n]._fitted_one(s, active) for n, s in state.states.items()}
            )
        return np.r_[np.full(lead, np.nan), values]

    def _combine(self, state: _State, values: dict[str, np.ndarray]) -> np.ndarray:
        combined = self._reduce(np.vstack(list(values.values())))
        return (combined + values["ari"]) / 2 if state.smooth and "ari" in values else combined

    def _reduce(self, values: np.ndarray) -> np.ndarray:
        return np.mean(values, axis=0) if self.combine == "mean" else np.median(values, axis=0)

    def _predict_one(self, state: _State, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        if state.rule in ("zero", "stopped"):
            return {"mean": np.zeros(h)}
        if state.rule == "intermittent":
            return {"mean": self._tsb._predict_one(state.states["tsb"], h, ())["mean"]}
        if state.rule == "short":
            ((name, member),) = state.states.items()
            return {"mean": self._short[name]._predict_one(member, h, ())["mean"]}
        means = {n: self._models[n]._predict_one(s, h, ())["mean"] for n, s in state.states.items()}
        return {"mean": self._combine(state, means)}

    # --- intervals ------------------------------------------------------------------------------------------
    def uses_conformal(self) -> bool:
        """Whether the intervals are conformal: always, calibrated on refits of the whole rule."""
        return True

    def calibration_scores(
        self, h: int, levels: Sequence[int], means: dict[str, np.ndarray], pool_size: int
    ) -> tuple[Scores, dict[str, dict[str, np.ndarray]]]:
        """Score the whole rule refitted at earlier cutoffs, and bound intermittent series empirically.

        The scaled errors are pooled across every series (never a series' own alone: two windows are too few).
        """
        # Few series pool few errors: use more windows so that the widest level has enough of them.
        needed = needed_errors(max(levels)) + 1
        windows = max(self.calibration_windows, min(40, math.ceil(needed / max(1, pool_size))))
        regular = [uid for uid in means if self.states_[uid].rule not in ("intermittent", "stopped")]
        # Errors are measured on the history as fitted: a dampened outlier does not widen anyone's interval.
        series = {uid: _history(self.states_[uid], self.y_[uid]) for uid in regular}
        errors = {
            uid: rolling_errors(self._refitter(self.states_[uid]), y, h, windows) for uid, y in series.items()
        }
        direct = {
            uid: self._intermittent_bounds(self.y_[uid], means[uid], h, levels)
            if self.states_[uid].rule == "intermittent"
            else {c: np.zeros(h) for lv in levels for c in (lo(lv), hi(lv))}  # stopped: 0 is the forecast
            for uid in means
            if uid not in series
        }
        return Scores.from_errors(errors, series, own_first=False, season_length=self.season_length), direct

    def _refitter(self, state: _State) -> Any:
        """Choose what the calibration windows refit.

        A combination keeps each member's chosen specification (ETS components, ARIMA orders), one fit per
        member and window instead of a search; other rules rerun.
        """
        return _Refit(self, state) if self.fixed_calibration and state.rule == "combination" else self

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


@dataclass(frozen=True)
class _Refit:
    """One series' combination with its members' specifications fixed, refitted at earlier cutoffs."""

    auto: Auto
    state: _State

    def required_length(self) -> int:
        return self.auto.required_length()

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> _State:
        active = y[self.state.leading_zeros :]
        states = {}
        for name, member in self.state.states.items():
            model = self.auto._models[name]
            if active.size < model.required_length():
                continue
            try:
                states[name] = model._refit_fixed(member, active)
            except Exception:  # as in the rule itself: a member that cannot fit this window is left out of it
                continue
        if not states:
            raise SeriesFailure("no member could be refitted at this cutoff")
        return _State("combination", states, "", self.state.leading_zeros, smooth=self.state.smooth)

    def _predict_one(self, state: _State, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        return self.auto._predict_one(state, h, level)


def _roughness(y: np.ndarray) -> float:
    """Mean absolute second difference over mean absolute first difference (inf for a flat series)."""
    first = np.abs(np.diff(y))
    if y.size < 4 or not first.any():
        return math.inf
    return float(np.abs(np.diff(y, 2)).mean() / first.mean())


def _history(state: _State, y: np.ndarray) -> np.ndarray:
    return state.history if state.history is not None else y


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
