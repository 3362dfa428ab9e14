"""Rolling-origin evaluation: the window splitter and ``sf.cross_validate``.

Cutoffs are calendar dates shared by all series: the last ``n_windows`` origins spaced ``step`` periods apart,
ending ``h`` periods before the panel's last date. A model fitted at a cutoff sees only rows dated at or before
it. Series with no data at or before a cutoff are listed in ``cv.attrs["skipped"]``, not silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .engine import forecast_checked, hierarchy_panel, progress_bar
from .errors import ConfigError
from .schema import CUTOFF, DS, FREQUENCIES, MODEL, UNIQUE_ID, Y, check_level, check_panel, infer_freq

if TYPE_CHECKING:
    from .hierarchy import Hierarchy

__all__ = ["cross_validate", "windows"]


def windows(
    panel: pd.DataFrame, h: int, n_windows: int, *, step: int | None = None, freq: str | None = None
) -> list[pd.Timestamp]:
    """Cutoff dates of a rolling-origin evaluation, oldest first.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2015", periods=10, freq="YS"), "y": 1.0})
    >>> [c.year for c in windows(panel, h=2, n_windows=3)]
    [2018, 2020, 2022]
    """
    if n_windows < 1 or h < 1:
        raise ConfigError(f"windows: need h ≥ 1 and n_windows ≥ 1; got h={h}, n_windows={n_windows}.")
    step = h if step is None else step
    if step < 1:
        raise ConfigError(f"windows: step={step}; use 1 or more periods.")
    freq = freq or infer_freq(panel)
    months = FREQUENCIES[freq][0]
    last = panel[DS].max()
    first_cutoff_back = h + step * (n_windows - 1)
    cutoffs = [last - pd.DateOffset(months=months * (first_cutoff_back - k * step)) for k in range(n_windows)]
    if cutoffs[0] < panel[DS].min():
        raise ConfigError(
            f"windows: {n_windows} windows of h={h} (step {step}) start before the first date "
            f"{panel[DS].min().date()}; use fewer windows or a smaller step."
        )
    return [pd.Timestamp(c) for c in cutoffs]


def cross_validate(
    panel: pd.DataFrame,
    h: int,
    n_windows: int,
    *,
    step: int | None = None,
    models: Any = "auto",
    level: Sequence[int] = (),
    n_jobs: int = 1,
    freq: str | None = None,
    window: str = "expanding",
    input_size: int | None = None,
    executor: Any = None,
    checkpoint: Any = None,
    hierarchy: Hierarchy | None = None,
    reconcile: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Forecast from each of ``n_windows`` rolling origins and line the forecasts up with the actuals.

    Parameters
    ----------
    panel
        The canonical panel (``unique_id``, ``ds``, ``y`` and any keys and drivers).
    h
        Periods forecast from each origin.
    n_windows
        Number of origins; they are the last ones, ``step`` periods apart, the last ending at the panel's end.
    step
        Periods between origins (default ``h``: windows that do not overlap).
    models, level, n_jobs, freq
        As for :func:`~staffing_forecast.forecast`. Every model is fitted afresh at every origin, on data up to
        that origin only (drivers, survey plans and transforms included).
    window
        ``"expanding"`` (default): all history up to each origin; ``"sliding"``: only the last ``input_size``
        periods up to it.
    input_size
        Training periods per origin with ``window="sliding"``.
    executor, checkpoint
        As for :func:`~staffing_forecast.forecast`: run the series' tasks on a ``dask.distributed.Client`` (or
        any executor with ``map``), and keep each task's result as it finishes.
    hierarchy, reconcile
        As for :func:`~staffing_forecast.forecast`: every level of the hierarchy is forecast from each origin
        and reconciled with ``reconcile`` (default ``"mint_shrink"``), the in-sample residuals coming from the
        same origin's fit. Bottom series without data at an origin are left out of that origin's hierarchy
        (``Hierarchy.restrict``). Score per level with ``sf.evaluate(cv, by=["hierarchy_level"], ...)``.
    progress
        One progress bar on stderr over every window's series (windows × series), as for
        :func:`~staffing_forecast.forecast`: ``True`` always, ``False`` never, ``None`` (default) once the
        cross-validation has taken three seconds.

    Returns
    -------
    pandas.DataFrame
        The forecast frame plus ``cutoff`` and ``y`` (the actual value), one row per series, model, cutoff and
        forecast date that has an actual. ``attrs["skipped"]`` lists the series that had no forecast at a cutoff,
        as records ``{"unique_id", "cutoff" (ISO date), "reason"}`` (``pd.DataFrame(cv.attrs["skipped"])`` is a
        table): series too short for a window are reported, not silently dropped.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> cv = sf.cross_validate(panel, h=2, n_windows=2, models="naive", progress=False)
    >>> sorted(cv["cutoff"].dt.year.unique().tolist())
    [2021, 2023]
    """
    if window not in ("expanding", "sliding"):
        raise ConfigError(f"cross_validate: window={window!r}; use 'expanding' or 'sliding'.")
    if window == "sliding" and (input_size is None or input_size < 1):
        raise ConfigError(
            "cross_validate: window='sliding' needs input_size, the training periods per origin."
        )
    if window == "expanding" and input_size is not None:
        raise ConfigError("cross_validate: input_size applies to window='sliding' only.")
    if hierarchy is None and reconcile is not None:
        raise ConfigError(
            "cross_validate: reconcile= needs hierarchy= (sf.Hierarchy.from_keys(panel, levels=...))."
        )
    if hierarchy is not None:
        panel = hierarchy_panel(panel, hierarchy)
    # Validated once: every window is a subset of a clean panel, so it is not checked again.
    clean = check_panel(panel, freq=freq)
    freq = freq or infer_freq(clean)
    levels = check_level(level)
    parts = []
    skipped: dict[tuple[str, pd.Timestamp], str] = {}
    horizon_end = pd.DateOffset(months=FREQUENCIES[freq][0] * h)
    total = 0
    # Every window with data: its cutoff, the index of its training rows (not a copy) and its hierarchy.
    origins: list[tuple[pd.Timestamp, pd.Index, Hierarchy | None]] = []
    for cutoff in windows(clean, h, n_windows, step=step, freq=freq):
        train = clean[clean[DS] <= cutoff]
        if input_size is not None:
            start = cutoff - pd.DateOffset(months=FREQUENCIES[freq][0] * input_size)
            train = train[train[DS] > start]
        for uid in set(clean[UNIQUE_ID]) - set(train[UNIQUE_ID]):
            skipped[(uid, cutoff)] = "no data at or before the cutoff"
        for uid in set(train[UNIQUE_ID]) - set(train.loc[train[DS] == cutoff, UNIQUE_ID]):
            skipped[(uid, cutoff)] = "series ended before the cutoff"
        train = train[~train[UNIQUE_ID].isin([u for (u, c) in skipped if c == cutoff])]
        if train.empty:
            continue
        own = None if hierarchy is None else _origin_hierarchy(train, hierarchy)
        if own is not None:
            train = train[train[UNIQUE_ID].isin(own.ids)]
        origins.append((cutoff, train.index, own))
        total += train[UNIQUE_ID].nunique()
    bar = progress_bar(total, progress, "cross-validating")  # one bar over windows × series
    try:
        for cutoff, rows, own in origins:
            train = clean.loc[rows]
            future = clean[(clean[DS] > cutoff) & (clean[DS] <= cutoff + horizon_end)]
            if own is None:
                fc = forecast_checked(
                    train,
                    h,
                    freq=freq,
                    models=models,
                    levels=levels,
                    n_jobs=n_jobs,
                    executor=executor,
                    checkpoint=checkpoint,
                    bar=bar,
                )
            else:
                fc = _reconciled(train, own, reconcile, h, freq, models, levels, n_jobs, bar)
            fc = fc.merge(future[[UNIQUE_ID, DS, Y]], on=[UNIQUE_ID, DS], how="inner")
            fc.insert(fc.columns.get_loc(DS), CUTOFF, cutoff)
            parts.append(fc)
    finally:
        bar.close()
    if not parts:
        raise ConfigError("cross_validate: no series has data at any cutoff; use fewer windows.")
    cv = (
        pd.concat(parts, ignore_index=True).sort_values([UNIQUE_ID, MODEL, CUTOFF, DS]).reset_index(drop=True)
    )
    # Plain records with ISO dates, so that the frame survives Parquet (attrs are stored as JSON) and pickle.
    cv.attrs["skipped"] = [
        {UNIQUE_ID: uid, CUTOFF: cutoff.date().isoformat(), "reason": why}
        for (uid, cutoff), why in sorted(skipped.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return cv


def _origin_hierarchy(train: pd.DataFrame, hierarchy: Hierarchy) -> Hierarchy:
    """Return the hierarchy over the bottom series present at one origin (itself when every one is)."""
    present = set(train[UNIQUE_ID])
    bottom = [uid for uid in hierarchy.bottom_ids if uid in present]
    return hierarchy if len(bottom) == len(hierarchy.bottom_ids) else hierarchy.restrict(bottom)


def _reconciled(
    train: pd.DataFrame,
    own: Hierarchy,
    method: str | None,
    h: int,
    freq: str,
    models: Any,
    levels: tuple[int, ...],
    n_jobs: int,
    bar: Any,
) -> pd.DataFrame:
    """Forecast every level of one origin's hierarchy ``own`` and reconcile it."""
    from .reconciliation import reconcile

    result = forecast_checked(
        train, h, freq=freq, models=models, levels=levels, n_jobs=n_jobs, fitted=True, bar=bar
    )
    return reconcile(result.forecast, own, method=method or "mint_shrink", fitted=result.fitted)
