"""The model contract and the helper base for per-series ("local") models.

A model is a dataclass whose fields are its parameters. It has

- ``fit(y, X=None) -> self``: ``y`` is a panel (``unique_id``, ``ds``, ``y``, key columns), ``X`` an optional
  frame of exogenous columns keyed by ``unique_id`` and ``ds`` (or exogenous columns inside ``y``);
- ``predict(h, X=None, level=()) -> forecast frame`` with ``unique_id``, key columns, ``ds``, ``model``,
  ``mean``, ``lo_<L>``/``hi_<L>`` and ``fallback``;
- ``fitted_``: in-sample one-step fitted values (``unique_id``, ``ds``, ``y``, ``fitted``) after ``fit``.

:class:`LocalModel` does the frame handling once, so a per-series model writes only ``_fit_one`` (arithmetic on
one numpy series, returning a state) and ``_predict_one`` (mean and bounds from a state).
``dataclasses.replace(model)`` is an unfitted copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import ConfigError, NotFittedError, SchemaError
from ..schema import (
    DS,
    FALLBACK,
    MEAN,
    MODEL,
    UNIQUE_ID,
    Y,
    check_level,
    exogenous_columns,
    hi,
    key_columns,
    lo,
)

__all__ = ["LocalModel", "Model", "SeriesFailure", "future_dates", "normal_bounds"]


@runtime_checkable
class Model(Protocol):
    """What every model offers; see the module docstring."""

    supports_exog: ClassVar[bool]

    def fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None) -> Self: ...

    def predict(self, h: int, X: pd.DataFrame | None = None, level: Sequence[int] = ()) -> pd.DataFrame: ...


class SeriesFailure(Exception):
    """A model cannot handle one series (too short, degenerate); the engine falls back and says why."""


def normal_bounds(mean: np.ndarray, se: np.ndarray, level: Sequence[int]) -> dict[str, np.ndarray]:
    """Symmetric normal prediction intervals ``mean ± z · se`` for each level.

    Examples
    --------
    >>> b = normal_bounds(np.array([10.0]), np.array([1.0]), [95])
    >>> round(float(b["lo_95"][0]), 2), round(float(b["hi_95"][0]), 2)
    (8.04, 11.96)
    """
    out = {}
    for lv in level:
        z = norm.ppf(0.5 + lv / 200)
        out[lo(lv)] = mean - z * se
        out[hi(lv)] = mean + z * se
    return out


def future_dates(last: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    """The ``h`` period starts after ``last``."""
    return pd.date_range(last, periods=h + 1, freq=freq)[1:]


def _check_h(h: int) -> int:
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ConfigError(f"h={h!r}: the horizon must be a whole number of periods, 1 or more.")
    return int(h)


def split_panel(panel: pd.DataFrame) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Series ids, their value arrays and last dates, from a panel sorted by ``unique_id`` and ``ds``."""
    ids = panel[UNIQUE_ID].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], ids.size]
    values = panel[Y].to_numpy(dtype=float)
    return (
        [str(ids[s]) for s in starts],
        [values[s:e] for s, e in zip(starts, ends, strict=True)],
        panel[DS].to_numpy()[ends - 1],
    )


@dataclasses.dataclass(kw_only=True, eq=False)
class LocalModel:
    """Helper base for models fitted to each series separately.

    Subclasses set ``name`` and ``min_length``, and write ``_fit_one(y, X)`` returning a state and
    ``_predict_one(state, h, level)`` returning ``{"mean": ..., "lo_80": ..., ...}``; optionally
    ``_fitted_one(state, y)`` for in-sample fitted values (default: NaN).

    Parameters
    ----------
    nonnegative
        Clip the mean and the bounds at 0: head counts cannot be negative (on by default).
    """

    supports_exog: ClassVar[bool] = False
    native_intervals: ClassVar[bool] = True  # False: intervals are conformal (models.intervals)
    name: ClassVar[str] = "local"
    min_length: ClassVar[int] = 1

    nonnegative: bool = True

    # --- per-series hooks -------------------------------------------------------------------------------------
    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        raise NotImplementedError

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        return np.full(y.size, np.nan)

    # --- frame handling ---------------------------------------------------------------------------------------
    def fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None) -> Self:
        """Fit one state per series of the panel ``y``; raise naming the series if any cannot be fitted."""
        self._fit_panel(y, X, errors="raise")
        return self

    def _needs_exog(self) -> bool:
        """Whether this instance uses drivers (and so needs their future values to forecast)."""
        return self.supports_exog

    def _check_inputs(self, y: pd.DataFrame, X: pd.DataFrame | None) -> None:
        if not isinstance(y, pd.DataFrame) or not {UNIQUE_ID, DS, Y} <= set(y.columns):
            raise SchemaError(
                f"{type(self).__name__}.fit: y must be a panel with unique_id, ds and y columns."
            )
        if X is not None and not self.supports_exog:
            raise ConfigError(
                f"{type(self).__name__} does not use exogenous variables; drop X or choose a model "
                "that supports them."
            )

    def _exog_arrays(
        self, panel: pd.DataFrame, X: pd.DataFrame | None, ids: list[str]
    ) -> dict[str, np.ndarray]:
        """Per-series driver matrices, from ``X`` (joined on ``unique_id`` and ``ds``) or the panel's own columns."""
        if X is not None:
            columns = [c for c in exogenous_columns(X) if c not in (UNIQUE_ID, DS)]
            joined = panel[[UNIQUE_ID, DS]].merge(
                X[[UNIQUE_ID, DS, *columns]], on=[UNIQUE_ID, DS], how="left"
            )
        else:
            columns = exogenous_columns(panel)
            joined = panel
        if not columns:
            raise ConfigError(
                f"{type(self).__name__} uses drivers: add numeric driver columns to the panel (see "
                "sf.features.make_features) or pass X."
            )
        values = joined[columns].to_numpy(dtype=float)
        if np.isnan(values).any():
            row = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
            raise SchemaError(
                f"{type(self).__name__}: driver values missing for series "
                f"{joined[UNIQUE_ID].iloc[row]!r} at {pd.Timestamp(joined[DS].iloc[row]).date()}."
            )
        self.exog_columns_ = columns
        bounds = np.flatnonzero(
            np.r_[True, panel[UNIQUE_ID].to_numpy()[1:] != panel[UNIQUE_ID].to_numpy()[:-1]]
        )
        ends = np.r_[bounds[1:], len(panel)]
        return {uid: values[a:b] for uid, a, b in zip(ids, bounds, ends, strict=True)}

    def _future_exog(self, X: pd.DataFrame | None, h: int) -> dict[str, np.ndarray]:
        """Future driver matrices per series; every series needs all ``h`` future rows."""
        return future_exog(
            X, h, self.exog_columns_, self.last_ds_, list(self.states_), self.freq_, type(self).__name__
        )

    def _prepare(self, y: pd.DataFrame, X: pd.DataFrame | None, freq: str | None) -> pd.DataFrame:
        """Check the inputs, sort the panel, set ``freq_`` and ``keys_``; shared by every per-series fit."""
        from ..schema import infer_freq

        self._check_inputs(y, X)
        panel = y.sort_values([UNIQUE_ID, DS], kind="stable")
        self.freq_ = freq or infer_freq(panel)
        keys = key_columns(panel)
        self.keys_ = panel.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID)[keys] if keys else None
        return panel

    def _fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None, errors: str, freq: str | None = None
    ) -> dict[str, str]:
        """Fit every series; with ``errors="collect"`` return ``{unique_id: reason}`` for those that failed."""
        panel = self._prepare(y, X, freq)
        ids, arrays, last = split_panel(panel)
        exog = self._exog_arrays(panel, X, ids) if self._needs_exog() else dict.fromkeys(ids)
        self.states_: dict[str, Any] = {}
        self.y_ = dict(zip(ids, arrays, strict=True))
        self.last_ds_ = dict(zip(ids, last, strict=True))
        failures: dict[str, str] = {}
        fitted = []
        for uid, values in zip(ids, arrays, strict=True):
            try:
                if values.size < self.min_length:
                    raise SeriesFailure(f"{values.size} observations, {self.name} needs {self.min_length}")
                state = self._fit_one(values, exog[uid])
                fitted.append(self._fitted_one(state, values))
            except Exception as exc:  # a model failing on one series must not stop the others; reported below
                reason = exc.args[0] if isinstance(exc, SeriesFailure) else f"{type(exc).__name__}: {exc}"
                if errors == "raise":
                    raise SchemaError(f"{type(self).__name__} cannot fit series {uid!r}: {reason}.") from exc
                failures[uid] = f"{self.name} failed ({reason})"
                fitted.append(np.full(values.size, np.nan))
                continue
            self.states_[uid] = state
        self.fitted_ = panel[[UNIQUE_ID, DS, Y]].assign(fitted=np.concatenate(fitted) if fitted else [])
        return failures

    def predict(self, h: int, X: pd.DataFrame | None = None, level: Sequence[int] = ()) -> pd.DataFrame:
        """Forecast ``h`` periods after each series's last date, with intervals at each ``level``."""
        forecast, _ = self._predict_panel(h, X, level, errors="raise")
        return forecast

    def _predict_panel(
        self, h: int, X: pd.DataFrame | None, level: Sequence[int], errors: str
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        if not hasattr(self, "states_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(panel) first.")
        h = _check_h(h)
        levels = check_level(level)
        failures: dict[str, str] = {}

        def fail(uid: str, exc: Exception) -> None:
            reason = exc.args[0] if isinstance(exc, SeriesFailure) else f"{type(exc).__name__}: {exc}"
            if errors == "raise":
                raise SchemaError(f"{type(self).__name__} cannot forecast series {uid!r}: {reason}.") from exc
            failures[uid] = f"{self.name} failed ({reason})"

        use_conformal = bool(levels) and self._conformal_intervals()
        wanted = () if use_conformal else levels
        future = self._future_exog(X, h) if self._needs_exog() else {}
        outs: dict[str, dict[str, np.ndarray]] = {}
        for uid, state in self.states_.items():
            try:  # one series must not stop the others; failures are reported
                outs[uid] = (
                    self._predict_one(state, h, wanted, X=future[uid])  # type: ignore[call-arg]
                    if self._needs_exog()
                    else self._predict_one(state, h, wanted)
                )
            except Exception as exc:
                fail(uid, exc)
        # Conformal bounds are calibrated once, around the means just computed, for the series that have them.
        conformal = (
            self._conformal(h, levels, {u: o["mean"] for u, o in outs.items()}) if use_conformal else {}
        )
        parts = []
        for uid, out in outs.items():
            try:
                if use_conformal:
                    bounds = conformal[uid]
                    if isinstance(bounds, SeriesFailure):
                        raise bounds
                    out.update(bounds)
                bad = [k for k, v in out.items() if not np.all(np.isfinite(v))]
                if bad:
                    raise SeriesFailure(f"{self.name} gave non-finite {', '.join(bad)}")
            except SeriesFailure as exc:
                fail(uid, exc)
                continue
            frame = {
                UNIQUE_ID: uid,
                DS: future_dates(pd.Timestamp(self.last_ds_[uid]), h, self.freq_),
                MEAN: out["mean"],
            }
            for lv in levels:
                frame[lo(lv)], frame[hi(lv)] = out[lo(lv)], out[hi(lv)]
            parts.append(pd.DataFrame(frame))
        return finish_forecast(parts, self.name, levels, self.keys_, self.nonnegative), failures

    def _conformal_intervals(self) -> bool:
        """Whether this model's intervals are conformal rather than its own."""
        return not self.native_intervals

    def _conformal(self, h: int, levels: Sequence[int], means: dict[str, np.ndarray]) -> dict[str, Any]:
        """Conformal bounds around ``means`` (one entry per series that has a point forecast)."""
        from .intervals import conformal_bounds

        return conformal_bounds(self, {uid: self.y_[uid] for uid in means}, means, h, levels)


def finish_forecast(
    parts: list[pd.DataFrame], name: str, levels: Sequence[int], keys: pd.DataFrame | None, nonnegative: bool
) -> pd.DataFrame:
    """Concatenate per-series forecasts, make intervals nested and non-crossing, add keys, model and fallback."""
    columns = [UNIQUE_ID, DS, MEAN] + [c for lv in levels for c in (lo(lv), hi(lv))]
    fc = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    fc[DS] = pd.to_datetime(fc[DS]).astype("datetime64[ns]")
    fc = nest_intervals(fc, levels)
    if nonnegative:
        value_cols = [MEAN] + [c for lv in levels for c in (lo(lv), hi(lv))]
        fc[value_cols] = fc[value_cols].clip(lower=0.0)
    fc.insert(2, MODEL, name)
    fc[FALLBACK] = ""
    if keys is not None and len(keys.columns):
        fc = fc.join(keys, on=UNIQUE_ID)
        fc = fc[
            [
                UNIQUE_ID,
                *keys.columns,
                DS,
                MODEL,
                MEAN,
                *[c for lv in levels for c in (lo(lv), hi(lv))],
                FALLBACK,
            ]
        ]
    return fc


def nest_intervals(fc: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    """Force ``lo_wide ≤ lo_narrow ≤ mean ≤ hi_narrow ≤ hi_wide`` (bounds from different sources can cross)."""
    lower = fc[MEAN].to_numpy(dtype=float)
    upper = lower.copy()
    for lv in sorted(levels):
        lower = np.minimum(lower, fc[lo(lv)].to_numpy(dtype=float))
        upper = np.maximum(upper, fc[hi(lv)].to_numpy(dtype=float))
        fc[lo(lv)], fc[hi(lv)] = lower, upper
    return fc


def future_exog(
    X: pd.DataFrame | None,
    h: int,
    columns: Sequence[str],
    last_ds: dict[str, Any],
    ids: list[str],
    freq: str,
    name: str,
) -> dict[str, np.ndarray]:
    """Future driver matrices ``{unique_id: (h, n_drivers)}``; a missing series, date or column is an error."""
    if X is None:
        raise ConfigError(
            f"{name} needs X_future with the future values of {list(columns)} for {h} periods after "
            "each series's last date (see sf.features.make_features)."
        )
    missing_cols = [c for c in [UNIQUE_ID, DS, *columns] if c not in X.columns]
    if missing_cols:
        raise SchemaError(f"X_future: missing column(s) {missing_cols}.")
    by_series = {uid: g.set_index(DS) for uid, g in X.groupby(UNIQUE_ID, sort=False)}
    out, lacking = {}, []
    for uid in ids:
        dates = future_dates(pd.Timestamp(last_ds[uid]), h, freq)
        rows = by_series.get(uid, X.iloc[:0].set_index(DS)).reindex(dates)[list(columns)]
        gaps = rows.index[rows.isna().any(axis=1)]
        if len(gaps):
            lacking.append(f"{uid!r} at {', '.join(str(d.date()) for d in gaps[:3])}")
        out[uid] = rows.to_numpy(dtype=float)
    if lacking:
        raise SchemaError(
            f"X_future: future driver values are missing for {len(lacking)} series: "
            f"{'; '.join(lacking[:5])}. Give every series all {h} future periods."
        )
    return out
