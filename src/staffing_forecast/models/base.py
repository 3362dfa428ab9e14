"""The model contract, the engine's hooks, and the helper base for per-series ("local") models.

Every model is a dataclass whose fields are its parameters, with

- ``fit(y, X=None) -> self``: ``y`` is a panel (``unique_id``, ``ds``, ``y``, key columns), ``X`` an optional
  frame of exogenous columns keyed by ``unique_id`` and ``ds`` (or exogenous columns inside ``y``);
- ``predict(h, X=None, level=()) -> forecast frame`` with ``unique_id``, key columns, ``ds``, ``model``,
  ``mean``, ``lo_<L>``/``hi_<L>``, ``fallback`` and ``note``;
- ``fitted_``: in-sample one-step fitted values (``unique_id``, ``ds``, ``y``, ``fitted``) after ``fit``; a
  model that has none sets ``has_fitted = False`` (the contract tests check the declaration);
- ``name`` (the ``model`` column), ``supports_exog`` and ``is_global`` (class attributes).

The engine (:func:`staffing_forecast.forecast`) uses the :class:`PanelModel` hooks where a model has them
(``isinstance(model, PanelModel)``) —
``fit_panel`` and ``predict_panel`` collect per-series failures instead of raising, so the engine can forecast
those series with its fallback model and say why, and ``predict_panel(defer_intervals=True)`` hands back the
conformal :class:`~staffing_forecast.models.intervals.Scores` so that the engine calibrates once over the whole
panel. A third-party model with only ``fit``/``predict`` is run all-or-nothing.

A *per-series* model subclasses :class:`LocalModel` and writes only ``_fit_one`` (arithmetic on one numpy
series, returning a state) and ``_predict_one`` (mean and bounds from a state). A *global* model (fitted once on
every series, ``is_global = True``) subclasses :class:`GlobalModel`, which shares the frame handling; the engine
gives every instance of it the whole panel.
``dataclasses.replace(model)`` is an unfitted copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import ConfigError, NotFittedError, SchemaError, SeriesFailure
from ..schema import (
    DS,
    FALLBACK,
    MEAN,
    MODEL,
    NOTE,
    UNIQUE_ID,
    Y,
    check_level,
    exogenous_columns,
    hi,
    key_columns,
    lo,
)
from .intervals import Scores, calibratable, calibrate, rolling_errors, series_scale

__all__ = [
    "GlobalModel",
    "LocalModel",
    "Model",
    "PanelForecast",
    "PanelModel",
    "SeriesFailure",
    "attach_intervals",
    "future_dates",
    "normal_bounds",
]


@runtime_checkable
class Model(Protocol):
    """What every model offers; see the module docstring."""

    supports_exog: ClassVar[bool]

    def fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None) -> Self:
        """Fit on the panel ``y`` (and exogenous columns ``X``) and return the model itself."""
        ...

    def predict(self, h: int, X: pd.DataFrame | None = None, level: Sequence[int] = ()) -> pd.DataFrame:
        """Forecast ``h`` periods of every fitted series, with intervals at each of ``level``."""
        ...


@dataclasses.dataclass
class PanelForecast:
    """What ``predict_panel`` returns.

    Attributes
    ----------
    frame
        The forecast frame; with ``defer_intervals=True`` the conformal bounds are NaN until
        :func:`attach_intervals` fills them.
    failures
        ``{unique_id: reason}`` of the series the model could not forecast.
    scores
        Conformal scores still to calibrate (``None`` when the bounds are already in ``frame``).
    unclipped
        Series whose history has negative values: their bounds are not clipped at 0.
    """

    frame: pd.DataFrame
    failures: dict[str, str]
    scores: Scores | None = None
    unclipped: frozenset[str] = frozenset()


@runtime_checkable
class PanelModel(Model, Protocol):
    """The hooks the engine uses when a model has them (every model of this library does)."""

    name: ClassVar[str]
    is_global: ClassVar[bool]

    def fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None = None, freq: str | None = None
    ) -> dict[str, str]:
        """Fit every series it can; return ``{unique_id: reason}`` for the others instead of raising."""
        ...

    def predict_panel(
        self,
        h: int,
        X: pd.DataFrame | None = None,
        level: Sequence[int] = (),
        *,
        defer_intervals: bool = False,
        pool_size: int | None = None,
    ) -> PanelForecast:
        """Forecast every fitted series, collecting failures; optionally leave conformal bounds to the caller."""
        ...

    def uses_drivers(self) -> bool:
        """Whether this instance needs future driver values (``X_future``) to forecast."""
        ...


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
    """Return the ``h`` period starts after ``last``."""
    return pd.date_range(last, periods=h + 1, freq=freq)[1:]


def check_h(h: int) -> int:
    """``h`` as an int, or a :class:`ConfigError` saying what a horizon is."""
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


def _reason(model_name: str, exc: Exception) -> str:
    """Word a per-series failure in the library's own sentence (never a third-party exception text)."""
    if isinstance(exc, SeriesFailure):
        return str(exc.args[0])
    return f"{model_name} could not be estimated on this series"


class _PanelFrames:
    """Frame handling shared by per-series and global models: checks, sorting, keys, drivers."""

    name: ClassVar[str] = "model"
    supports_exog: ClassVar[bool] = False
    nonnegative: bool

    def fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None = None, freq: str | None = None
    ) -> dict[str, str]:
        raise NotImplementedError

    def predict_panel(
        self,
        h: int,
        X: pd.DataFrame | None = None,
        level: Sequence[int] = (),
        *,
        defer_intervals: bool = False,
        pool_size: int | None = None,
    ) -> PanelForecast:
        raise NotImplementedError

    def fit(self, y: pd.DataFrame, X: pd.DataFrame | None = None) -> Self:
        """Fit the model to every series of the panel ``y``; raise naming the series if any cannot be fitted."""
        failures = self.fit_panel(y, X)
        if failures:
            uid, reason = next(iter(failures.items()))
            raise SchemaError(f"{type(self).__name__} cannot fit series {uid!r}: {reason}.")
        return self

    def predict(self, h: int, X: pd.DataFrame | None = None, level: Sequence[int] = ()) -> pd.DataFrame:
        """Forecast ``h`` periods after each series's last date, with intervals at each ``level``."""
        if not hasattr(self, "states_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(panel) first.")
        result = self.predict_panel(h, X, level)
        if result.failures:
            uid, reason = next(iter(result.failures.items()))
            raise SchemaError(f"{type(self).__name__} cannot forecast series {uid!r}: {reason}.")
        return result.frame

    def uses_drivers(self) -> bool:
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

    def _prepare(self, y: pd.DataFrame, X: pd.DataFrame | None, freq: str | None) -> pd.DataFrame:
        """Check the inputs, sort the panel, set ``freq_``, ``keys_`` and ``unclipped_``."""
        from ..schema import infer_freq

        self._check_inputs(y, X)
        panel = y.sort_values([UNIQUE_ID, DS], kind="stable")
        self.freq_ = freq or infer_freq(panel)
        keys = key_columns(panel)
        self.keys_ = panel.drop_duplicates(UNIQUE_ID).set_index(UNIQUE_ID)[keys] if keys else None
        # Head counts are clipped at 0; a series that is negative in its history is not a head count.
        negative = panel.loc[panel[Y] < 0, UNIQUE_ID]
        self.unclipped_ = frozenset(negative.astype(str)) if self.nonnegative else frozenset()
        return panel

    def _exog_arrays(
        self, panel: pd.DataFrame, X: pd.DataFrame | None, ids: list[str]
    ) -> dict[str, np.ndarray]:
        """Per-series driver matrices, from ``X`` (joined on ``unique_id`` and ``ds``) or the panel's own columns."""
        if X is not None:
            columns = [c for c in exogenous_columns(X) if c not in (UNIQUE_ID, DS)]
            on = [UNIQUE_ID, DS] if UNIQUE_ID in X.columns else [DS]
            joined = panel[[UNIQUE_ID, DS]].merge(X[[*on, *columns]], on=on, how="left")
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

    def _finish(
        self, parts: list[pd.DataFrame], levels: Sequence[int], notes: dict[str, str] | None = None
    ) -> pd.DataFrame:
        return finish_forecast(
            parts, self.name, levels, self.keys_, self.nonnegative, self.unclipped_, notes or {}
        )


@dataclasses.dataclass(kw_only=True, eq=False)
class LocalModel(_PanelFrames):
    """Helper base for models fitted to each series separately.

    Subclasses set ``name`` and ``min_length``, and write ``_fit_one(y, X)`` returning a state and
    ``_predict_one(state, h, level)`` returning ``{"mean": ..., "lo_80": ..., ...}``; optionally
    ``_fitted_one(state, y)`` for in-sample fitted values and ``_note_one(state)`` for a per-series note.
    A model without intervals of its own sets ``native_intervals = False`` and gets conformal ones.

    Parameters
    ----------
    nonnegative
        Clip the mean and the bounds at 0: head counts cannot be negative (on by default). A series with
        negative values in its history is not clipped, and its ``note`` says so.
    """

    native_intervals: ClassVar[bool] = True  # False: intervals are conformal (models.intervals)
    is_global: ClassVar[bool] = False
    has_fitted: ClassVar[bool] = True
    name: ClassVar[str] = "local"
    min_length: ClassVar[int] = 1
    #: Rolling origins per series for conformal intervals (own errors first, then pooled across series).
    conformal_windows: ClassVar[int] = 20

    nonnegative: bool = True

    # --- per-series hooks -------------------------------------------------------------------------------------
    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        raise NotImplementedError

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        return np.full(y.size, np.nan)

    def _refit_fixed(self, state: Any, y: np.ndarray) -> Any:
        """Refit on ``y`` keeping the specification ``state`` chose, without searching again.

        The specification is the ETS components or ARIMA orders: what a combination's calibration windows
        refit. Models without a search refit as usual.
        """
        return self._fit_one(y, None)

    def _note_one(self, state: Any) -> str:
        return ""

    def required_length(self) -> int:
        """Fewest observations this instance can fit (the one place a model states its minimum)."""
        return self.min_length

    # --- frame handling ---------------------------------------------------------------------------------------

    def _future_exog(self, X: pd.DataFrame | None, h: int) -> dict[str, np.ndarray]:
        """Future driver matrices per series; every series needs all ``h`` future rows."""
        return future_exog(
            X, h, self.exog_columns_, self.last_ds_, list(self.states_), self.freq_, type(self).__name__
        )

    def fit_panel(
        self, y: pd.DataFrame, X: pd.DataFrame | None = None, freq: str | None = None
    ) -> dict[str, str]:
        """Fit every series; return ``{unique_id: reason}`` for those that could not be fitted."""
        panel = self._prepare(y, X, freq)
        ids, arrays, last = split_panel(panel)
        exog = self._exog_arrays(panel, X, ids) if self.uses_drivers() else dict.fromkeys(ids)
        self.states_: dict[str, Any] = {}
        self.y_ = dict(zip(ids, arrays, strict=True))
        self.last_ds_ = dict(zip(ids, last, strict=True))
        failures: dict[str, str] = {}
        fitted = []
        for uid, values in zip(ids, arrays, strict=True):
            try:
                needs = self.required_length()
                if values.size < needs:
                    raise SeriesFailure(f"{values.size} observations, {self.name} needs {needs}")
                state = self._fit_one(values, exog[uid])
                fitted.append(self._fitted_one(state, values))
            except ConfigError:
                raise  # a wrong parameter is the user's to fix, not a series' failure
            except Exception as exc:  # a model failing on one series must not stop the others; reported below
                failures[uid] = f"{self.name} failed ({_reason(self.name, exc)})"
                fitted.append(np.full(values.size, np.nan))
                continue
            self.states_[uid] = state
        self.fitted_ = panel[[UNIQUE_ID, DS, Y]].assign(fitted=np.concatenate(fitted) if fitted else [])
        return failures

    def predict_panel(
        self,
        h: int,
        X: pd.DataFrame | None = None,
        level: Sequence[int] = (),
        *,
        defer_intervals: bool = False,
        pool_size: int | None = None,
    ) -> PanelForecast:
        """Forecast every fitted series, collecting per-series failures.

        With ``defer_intervals=True`` conformal bounds are left NaN and the scores are returned for the caller to
        merge with other tasks' and calibrate (:func:`attach_intervals`); ``pool_size`` is then the number of
        series the scores will be pooled over.
        """
        if not hasattr(self, "states_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(panel) first.")
        h = check_h(h)
        levels = check_level(level)
        failures: dict[str, str] = {}
        use_conformal = bool(levels) and self.uses_conformal()
        wanted = () if use_conformal else levels
        future = self._future_exog(X, h) if self.uses_drivers() else {}
        outs: dict[str, dict[str, np.ndarray]] = {}
        for uid, state in self.states_.items():
            try:  # one series must not stop the others; failures are reported
                out = (
                    self._predict_one(state, h, wanted, X=future[uid])  # type: ignore[call-arg]
                    if self.uses_drivers()
                    else self._predict_one(state, h, wanted)
                )
                bad = [k for k, v in out.items() if not np.all(np.isfinite(v))]
                if bad:
                    raise SeriesFailure(f"{self.name} gave non-finite {', '.join(bad)}")
                outs[uid] = out
            except Exception as exc:
                failures[uid] = f"{self.name} failed ({_reason(self.name, exc)})"
        scores = None
        if use_conformal:
            scores, direct = self.calibration_scores(
                h,
                levels,
                {u: o["mean"] for u, o in outs.items()},
                pool_size or calibratable(self.y_.values()),
            )
            for uid, bounds in direct.items():
                outs[uid].update(bounds)
            for uid in scores.errors:
                outs[uid].update({c: np.full(h, np.nan) for lv in levels for c in (lo(lv), hi(lv))})
        parts = []
        for uid, out in outs.items():
            frame = {
                UNIQUE_ID: uid,
                DS: future_dates(pd.Timestamp(self.last_ds_[uid]), h, self.freq_),
                MEAN: out["mean"],
            }
            for lv in levels:
                frame[lo(lv)], frame[hi(lv)] = out[lo(lv)], out[hi(lv)]
            parts.append(pd.DataFrame(frame))
        notes = {uid: self._note_one(self.states_[uid]) for uid in outs}
        result = PanelForecast(self._finish(parts, levels, notes), failures, scores, self.unclipped_)
        if scores is not None and not defer_intervals:
            scores.relative_change = relative_change(self.y_.values())
            frame, more = attach_intervals(result.frame, scores, h, levels, self.nonnegative, self.unclipped_)
            result = PanelForecast(frame, {**failures, **more})
        return result

    def uses_conformal(self) -> bool:
        """Whether this model's intervals are conformal rather than its own."""
        return not self.native_intervals

    def calibration_scores(
        self, h: int, levels: Sequence[int], means: dict[str, np.ndarray], pool_size: int
    ) -> tuple[Scores, dict[str, dict[str, np.ndarray]]]:
        """Conformal scores for the series with a point forecast, and bounds the model sets itself (none here).

        Each series's own errors come first (``Scores.own_first``), pooled ones where it has too few.
        """
        series = {uid: self.y_[uid] for uid in means}
        errors = {uid: rolling_errors(self, y, h, self.conformal_windows) for uid, y in series.items()}
        season = int(getattr(self, "season_length", 1))
        return Scores.from_errors(errors, series, own_first=True, season_length=season), {}


class GlobalModel(_PanelFrames):
    """Helper base for models fitted once on every series (``is_global = True``).

    The engine gives them the whole panel instead of chunks. Subclasses write ``fit_panel`` and
    ``predict_panel`` with the shared frame helpers (``_prepare``, ``_exog_arrays``, ``_finish``).
    """

    is_global: ClassVar[bool] = True
    has_fitted: ClassVar[bool] = True


def relative_change(series: Any) -> float:
    """Return the median over series of the mean absolute one-step change relative to the mean level.

    Series that do not change (or sit at level 0) are left out; 0 if none is left.

    Examples
    --------
    >>> relative_change([np.array([10.0, 11.0, 12.0]), np.array([5.0, 5.0])])
    0.0909...
    """
    values = []
    for y in series:
        level = float(np.mean(np.abs(y))) if len(y) else 0.0
        change = series_scale(np.asarray(y))
        if change > 0 and level > 0:
            values.append(change / level)
    return float(np.median(values)) if values else 0.0


def attach_intervals(
    frame: pd.DataFrame,
    scores: Scores,
    h: int,
    levels: Sequence[int],
    nonnegative: bool,
    unclipped: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Calibrate ``scores`` (one pool) and write the bounds of those series into ``frame`` (``mean ± width``).

    Returns the frame and ``{unique_id: reason}`` for series no interval could be estimated for; their rows are
    dropped. Notes about widened or borrowed intervals are appended to the ``note`` column.
    """
    widths, notes, failures = calibrate(scores, h, levels)
    if failures:
        frame = frame[~frame[UNIQUE_ID].isin(list(failures))].reset_index(drop=True)
    ids = pd.Index(list(widths))
    rows = ids.get_indexer(frame[UNIQUE_ID])
    has = rows >= 0
    step = frame.groupby(UNIQUE_ID, sort=False).cumcount().to_numpy()
    mean = frame[MEAN].to_numpy(dtype=float)
    for lv in levels:
        table = np.vstack([widths[u][hi(lv)] for u in ids]) if len(ids) else np.empty((0, h))
        width = table[rows[has], step[has]]
        for column, sign in ((lo(lv), -1.0), (hi(lv), 1.0)):
            values = frame[column].to_numpy(dtype=float).copy()
            values[has] = mean[has] + sign * width
            frame[column] = values
    frame = nest_intervals(frame, levels)
    if nonnegative:
        _clip_head_counts(frame, levels, unclipped)
    if notes:
        extra = frame[UNIQUE_ID].map(notes).fillna("")
        frame[NOTE] = [join_notes(a, b) for a, b in zip(frame[NOTE], extra, strict=True)]
    return frame, failures


def _clip_head_counts(frame: pd.DataFrame, levels: Sequence[int], unclipped: frozenset[str]) -> None:
    """Clip the mean and bounds at 0 in place, except for the series whose history has negative values."""
    rows = ~frame[UNIQUE_ID].isin(list(unclipped)).to_numpy()
    columns = [MEAN] + [c for lv in levels for c in (lo(lv), hi(lv))]
    frame.loc[rows, columns] = frame.loc[rows, columns].clip(lower=0.0)


def join_notes(*notes: str) -> str:
    """Join non-empty notes with ``"; "``."""
    return "; ".join(n for n in notes if n)


def finish_forecast(
    parts: list[pd.DataFrame],
    name: str,
    levels: Sequence[int],
    keys: pd.DataFrame | None,
    nonnegative: bool,
    unclipped: frozenset[str] = frozenset(),
    notes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Concatenate per-series forecasts into one forecast frame.

    Intervals are made nested and non-crossing, head counts clipped at 0, and keys, model, fallback and note
    added.
    """
    bounds = [c for lv in levels for c in (lo(lv), hi(lv))]
    columns = [UNIQUE_ID, DS, MEAN, *bounds]
    fc = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    fc[DS] = pd.to_datetime(fc[DS]).astype("datetime64[ns]")
    fc[[MEAN, *bounds]] = fc[[MEAN, *bounds]].astype(float)
    fc = nest_intervals(fc, levels)
    notes = dict(notes or {})
    if nonnegative:
        _clip_head_counts(fc, levels, unclipped)
        for uid in unclipped:
            notes[uid] = join_notes(notes.get(uid, ""), "negative values in the history: not clipped at 0")
    fc.insert(2, MODEL, name)
    fc[FALLBACK] = ""
    fc[NOTE] = fc[UNIQUE_ID].map(notes).fillna("") if notes else ""
    if keys is not None and len(keys.columns):
        fc = fc.join(keys, on=UNIQUE_ID)
        fc = fc[[UNIQUE_ID, *keys.columns, DS, MODEL, MEAN, *bounds, FALLBACK, NOTE]]
    return fc


def nest_intervals(fc: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    """Force ``lo_wide ≤ lo_narrow ≤ mean ≤ hi_narrow ≤ hi_wide`` (bounds from different sources can cross)."""
    lower = fc[MEAN].to_numpy(dtype=float)
    upper = lower.copy()
    for lv in sorted(levels):
        lower = np.fmin(lower, fc[lo(lv)].to_numpy(dtype=float))
        upper = np.fmax(upper, fc[hi(lv)].to_numpy(dtype=float))
        missing = fc[lo(lv)].isna().to_numpy()  # bounds still to be calibrated stay missing
        fc[lo(lv)] = np.where(missing, np.nan, lower)
        fc[hi(lv)] = np.where(missing, np.nan, upper)
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
    """Future driver matrices ``{unique_id: (h, n_drivers)}``; a missing series, date or column is an error.

    ``X`` is keyed by ``unique_id`` and ``ds``, or by ``ds`` alone for drivers shared by every series (a
    region's IT revenue, say).
    """
    if X is None:
        raise ConfigError(
            f"{name} needs X_future with the future values of {list(columns)} for {h} periods after "
            "each series's last date (see sf.features.make_features)."
        )
    shared = UNIQUE_ID not in X.columns
    missing_cols = [
        c for c in ([DS, *columns] if shared else [UNIQUE_ID, DS, *columns]) if c not in X.columns
    ]
    if missing_cols:
        raise SchemaError(
            f"X_future: missing column(s) {missing_cols}; it needs ds (and unique_id unless the drivers are "
            "the same for every series) and the drivers the model was fitted with."
        )
    if shared:
        by_series = dict.fromkeys(ids, X.set_index(DS))
    else:
        by_series = {str(uid): g.set_index(DS) for uid, g in X.groupby(UNIQUE_ID, sort=False)}
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
