"""``sf.forecast``: many series, many models, in parallel, with failures isolated per series.

The panel is validated once, split into chunks of whole series, and each chunk is fitted and forecast by every
requested model on an executor: joblib on one machine (``n_jobs``), or anything with ``map`` (and ``gather``) such
as a ``dask.distributed.Client``. A series whose model fails falls back to the ``fallback`` model and the
``fallback`` column says why; nothing is swapped silently.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, Place, SchemaError, closest
from .models import REGISTRY, Naive
from .schema import DS, FALLBACK, MODEL, UNIQUE_ID, check_level, check_panel, infer_freq

__all__ = ["SEASON_LENGTH", "forecast", "resolve_models"]

#: Periods per year for each frequency: the default season length of seasonal models.
SEASON_LENGTH = {"YS": 1, "QS": 4, "MS": 12}
# Series per task: large enough to amortise scheduling and to pool interval calibration across series, small
# enough to balance cores. Fixed (not derived from n_jobs) so that results do not depend on the worker count.
_CHUNK_SERIES = 100


def resolve_models(models: Any, freq: str) -> dict[str, Any]:
    """Turn the ``models`` argument into ``{name: model}``; names get the frequency's season length.

    ``models`` is ``"auto"``, a registered name, a list of names, a model, or a dict of name → model.
    """

    def build(name: str) -> Any:
        if name not in REGISTRY:
            known = sorted(REGISTRY)
            raise ConfigError(f"unknown model {name!r}{closest(name, known)} Known: {', '.join(known)}.")
        cls = REGISTRY[name]
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(season_length=SEASON_LENGTH[freq]) if "season_length" in fields else cls()

    if isinstance(models, str):
        return {models: build(models)}
    if isinstance(models, Mapping):
        out = {}
        for name, model in models.items():
            out[str(name)] = build(model) if isinstance(model, str) else model
        return out
    if isinstance(models, Sequence):
        if not models:
            raise ConfigError("models is empty; pass 'auto', a name, a list of names or a dict of models.")
        out = {}
        for item in models:
            model = build(item) if isinstance(item, str) else item
            out[item if isinstance(item, str) else type(item).__name__.lower()] = model
        return out
    if hasattr(models, "fit") and hasattr(models, "predict"):
        return {getattr(models, "name", type(models).__name__.lower()): models}
    raise ConfigError(f"models={models!r} is not a model, a name, a list or a dict of models.")


def _chunks(panel: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    ids = panel[UNIQUE_ID].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    bounds = [*starts[::size], ids.size]
    return [panel.iloc[a:b] for a, b in itertools.pairwise(bounds)]


def _rows_of(X: pd.DataFrame | None, chunk: pd.DataFrame) -> pd.DataFrame | None:
    return None if X is None else X[X[UNIQUE_ID].isin(chunk[UNIQUE_ID].unique())]


def _forecast_chunk(
    chunk: pd.DataFrame,
    models: dict[str, Any],
    h: int,
    level: tuple[int, ...],
    freq: str,
    fallback: Any,
    X_future: pd.DataFrame | None,
) -> pd.DataFrame:
    """Fit and forecast every model on one chunk of whole series (runs in a worker)."""
    frames = []
    for name, template in models.items():
        model: Any = template
        if dataclasses.is_dataclass(template) and not isinstance(template, type):
            model = dataclasses.replace(template)
        if hasattr(model, "_fit_panel"):  # per-series failures are collected and fall back
            failures = model._fit_panel(chunk, None, errors="collect", freq=freq)
            fc, predict_failures = (
                model._predict_panel(h, X_future, level, errors="collect") if model.states_ else (None, {})
            )
            failures.update(predict_failures)
        else:  # a third-party model with only the public contract: all or nothing
            model.fit(chunk)
            fc, failures = model.predict(h, X_future, level), {}
        parts = [] if fc is None or fc.empty else [fc]
        if failures:
            parts.append(_fall_back(chunk, failures, fallback, h, level, freq))
        out = pd.concat(parts, ignore_index=True)
        out[MODEL] = name
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def _fall_back(
    chunk: pd.DataFrame, failures: dict[str, str], fallback: Any, h: int, level: tuple[int, ...], freq: str
) -> pd.DataFrame:
    """Forecast the failed series with the fallback model; the fallback column says why."""
    # Fitted on the whole chunk so that pooled conformal intervals learn from every series, then kept for the
    # failed ones only.
    model = dataclasses.replace(fallback)
    second = model._fit_panel(chunk, None, errors="collect", freq=freq)
    fc, third = model._predict_panel(h, None, level, errors="collect") if model.states_ else (None, {})
    second = {uid: why for uid, why in {**second, **third}.items() if uid in failures}
    if second:
        uid, why = next(iter(second.items()))
        raise SchemaError(
            f"{Place('panel', in_file=False).at(series=uid)}: {failures[uid]}, and the fallback {why}. "
            f"{len(second)} series cannot be forecast: drop them, aggregate them (sf.aggregate), or ask for no "
            "intervals (level=())."
        )
    assert fc is not None
    fc = fc[fc[UNIQUE_ID].isin(list(failures))].copy()
    fc[FALLBACK] = fc[UNIQUE_ID].map(lambda u: f"{failures[u]}; used {model.name}")
    return fc


def _run(
    tasks: list[Any],
    fn: Callable[..., pd.DataFrame],
    n_jobs: int,
    executor: Any,
    progress: bool,
) -> list[pd.DataFrame]:
    if executor is not None:
        if hasattr(executor, "gather"):  # dask.distributed.Client
            return list(executor.gather(executor.map(fn, tasks)))
        if hasattr(executor, "map"):
            return list(executor.map(fn, tasks))
        raise ConfigError(
            "executor must have a map method (concurrent.futures, dask.distributed.Client ...)."
        )
    from tqdm.auto import tqdm

    if n_jobs == 1:
        return [fn(t) for t in tqdm(tasks, desc="forecasting", unit="chunk", disable=not progress)]
    from joblib import Parallel, delayed

    results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(fn)(t) for t in tasks)
    return list(tqdm(results, total=len(tasks), desc="forecasting", unit="chunk", disable=not progress))


class _ChunkTask:
    """A picklable callable for executors: forecast one chunk with fixed settings."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def __call__(self, item: tuple[pd.DataFrame, pd.DataFrame | None]) -> pd.DataFrame:
        chunk, x_future = item
        return _forecast_chunk(chunk, X_future=x_future, **self.settings)


def forecast(
    panel: pd.DataFrame,
    h: int,
    *,
    freq: str | None = None,
    models: Any = "auto",
    level: Sequence[int] = (),
    n_jobs: int = 1,
    executor: Any = None,
    X_future: pd.DataFrame | None = None,
    fallback: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Forecast every series of a panel ``h`` periods ahead with one or more models.

    Parameters
    ----------
    panel
        Long frame ``unique_id, ds, y`` with optional key columns (validated here).
    h
        Horizon in periods of the panel's frequency.
    freq
        ``"YS"``, ``"QS"`` or ``"MS"``; inferred when ``None``.
    models
        ``"auto"`` (the measured default, see ``docs/models.md``), a registered name (``"ets"``), a list of
        names, a model instance, or a dict name → model.
    level
        Interval levels in percent, e.g. ``[80, 95]``.
    n_jobs
        Worker processes for joblib; ``-1`` uses every core.
    executor
        Instead of joblib, anything with ``map`` (``concurrent.futures`` executors) or ``map`` and ``gather``
        (a ``dask.distributed.Client``).
    X_future
        Future values of exogenous columns (for models that use them).
    fallback
        Model for series the chosen model cannot handle (default :class:`~staffing_forecast.models.Naive` with
        conformal intervals pooled across series).
    progress
        Show a progress bar; by default when there are more than 10 chunks.

    Returns
    -------
    pandas.DataFrame
        The forecast frame: ``unique_id``, key columns, ``ds``, ``model``, ``mean``, ``lo_<L>``, ``hi_<L>``,
        ``fallback``; sorted by ``unique_id``, ``model``, ``ds``.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> fc = sf.forecast(panel, h=3, models=["naive", "theta"], level=[80])
    >>> sorted(fc["model"].unique()), len(fc) == panel["unique_id"].nunique() * 3 * 2
    (['naive', 'theta'], True)
    """
    levels = check_level(level)
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ConfigError(f"h={h!r}: the horizon must be a whole number of periods, 1 or more.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(
            f"n_jobs={n_jobs!r}: use 1 (no parallelism), a number of workers, or -1 (every core)."
        )
    clean = check_panel(panel, freq=freq)
    freq = freq or infer_freq(clean)
    resolved = resolve_models(models, freq)
    for name, model in resolved.items():
        needs = (
            model._needs_exog() if hasattr(model, "_needs_exog") else getattr(model, "supports_exog", False)
        )
        if X_future is None and needs:
            raise ConfigError(
                f"model {name!r} uses drivers: pass X_future with their values for the {h} future periods of "
                "every series (see sf.features.make_features)."
            )
    fallback = fallback if fallback is not None else Naive(intervals="conformal")
    workers = _workers(n_jobs)
    # Global models learn across all series, so they see the whole panel at once; the others go by chunks.
    global_models = {n: m for n, m in resolved.items() if getattr(m, "is_global", False)}
    local_models = {n: m for n, m in resolved.items() if n not in global_models}
    settings = {"h": int(h), "level": levels, "freq": freq, "fallback": fallback, "X_future": X_future}
    results = []
    if local_models:
        # Each task carries only its own series' future drivers, so workers are not sent the whole X_future.
        chunks = [(c, _rows_of(X_future, c)) for c in _chunks(clean, _CHUNK_SERIES)]
        task = _ChunkTask(models=local_models, **{k: v for k, v in settings.items() if k != "X_future"})
        results += _run(
            chunks, task, workers, executor, progress if progress is not None else len(chunks) > 10
        )
    if global_models:
        results.append(_forecast_chunk(clean, global_models, **settings))
    out = pd.concat(results, ignore_index=True)
    out[DS] = out[DS].astype("datetime64[ns]")
    return out.sort_values([UNIQUE_ID, MODEL, DS], kind="stable").reset_index(drop=True)


def _workers(n_jobs: int) -> int:
    if n_jobs == -1:
        from joblib import cpu_count

        return max(1, int(cpu_count()))
    return n_jobs
