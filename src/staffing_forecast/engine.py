"""``sf.forecast``: many series, many models, in parallel, with failures isolated per series.

The panel is validated once, split into chunks of whole series, and each chunk is fitted and forecast by every
requested model on an executor: joblib on one machine (``n_jobs``), or anything with ``map`` (and ``gather``) such
as a ``dask.distributed.Client``. A series whose model fails falls back to the ``fallback`` model and the
``fallback`` column says why; nothing is swapped silently.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, overload, runtime_checkable

import numpy as np
import pandas as pd

from .errors import ConfigError, Place, SchemaError, closest
from .models import REGISTRY, GlobalModel, Model, Naive, PanelModel
from .models.base import PanelForecast, attach_intervals, check_h, relative_change, split_panel
from .models.intervals import Scores, calibratable
from .schema import DS, FALLBACK, MODEL, NOTE, UNIQUE_ID, Y, check_level, check_panel, infer_freq
from .units import same_unit

if TYPE_CHECKING:
    from .hierarchy import Hierarchy

__all__ = [
    "SEASON_LENGTH",
    "Checkpoint",
    "DistributedExecutor",
    "Executor",
    "Forecast",
    "forecast",
    "forecast_checked",
    "resolve_models",
]

#: Periods per year for each frequency: the default season length of seasonal models.
SEASON_LENGTH = {"YS": 1, "QS": 4, "MS": 12}
# Most series per task: large enough to amortise scheduling, small enough to balance cores and show progress.
# Results never depend on it: interval calibration pools over the whole call, after the tasks return.
_CHUNK_SERIES = 100
# Below this much estimated work, starting worker processes costs more than it saves: stay in-process.
_PARALLEL_MIN_SECONDS = 10.0


@runtime_checkable
class Executor(Protocol):
    """Where the tasks of :func:`forecast` run: anything with ``map``, e.g. a ``concurrent.futures`` executor.

    Results may come back all at once, in task order.
    """

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterable[Any]:
        """Apply ``fn`` to each item and return the results in order."""
        ...


@runtime_checkable
class DistributedExecutor(Executor, Protocol):
    """An executor whose ``map`` returns futures, gathered as each completes: a ``dask.distributed.Client``."""

    loop: Any

    def gather(self, futures: Any) -> Any:
        """Wait for futures and return their results."""
        ...


@runtime_checkable
class Checkpoint(Protocol):
    """Somewhere to keep each finished task's result by key, and to find it again (the run store's ``Checkpoint``)."""

    def get(self, key: str) -> Any:
        """Return the result kept under ``key``, or ``None`` when there is none."""
        ...

    def put(self, key: str, result: Any) -> None:
        """Keep ``result`` under ``key``."""
        ...


def _registered(name: str) -> str:
    key = name.strip().lower()
    if key not in REGISTRY:
        known = sorted(REGISTRY)
        raise ConfigError(f"unknown model {name!r}{closest(key, known)} Known: {', '.join(known)}.")
    return key


def _model_name(model: Any) -> str:
    return str(getattr(model, "name", type(model).__name__.lower()))


def resolve_models(models: Any, freq: str) -> dict[str, Any]:
    """Turn the ``models`` argument into ``{name: model}``; names get the frequency's season length.

    ``models`` is ``"auto"``, a registered name (any case), a list of names or models, a model, or a dict of
    name → model. The ``model`` column uses the registered name (``"ets"``) for a name or a model passed alone or
    in a list, and the key for a dict.

    Examples
    --------
    >>> from staffing_forecast import models
    >>> list(resolve_models(["ETS", models.Theta()], "YS"))
    ['ets', 'theta']
    """

    def build(name: str) -> Any:
        cls = REGISTRY[_registered(name)]
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(season_length=SEASON_LENGTH[freq]) if "season_length" in fields else cls()

    def add(out: dict[str, Any], name: str, model: Any) -> None:
        if name in out:
            raise ConfigError(
                f"two models are both named {name!r}; pass a dict to name them, e.g. "
                "{'ets': ETS(), 'ets_damped': ETS(damped=True)}."
            )
        out[name] = model

    out: dict[str, Any] = {}
    if isinstance(models, str):
        add(out, _registered(models), build(models))
    elif isinstance(models, Mapping):
        for name, model in models.items():
            add(out, str(name), build(model) if isinstance(model, str) else _checked_model(model))
    elif isinstance(models, Model):
        add(out, _model_name(models), models)
    elif isinstance(models, Sequence):
        if not models:
            raise ConfigError("models is empty; pass 'auto', a name, a list of names or a dict of models.")
        for item in models:
            if isinstance(item, str):
                add(out, _registered(item), build(item))
            else:
                add(out, _model_name(item), _checked_model(item))
    else:
        raise ConfigError(
            f"models={models!r} is not a model (fit, predict and supports_exog: sf.models.Model), a name, a list or "
            "a dict of models."
        )
    return out


def _checked_model(model: Any) -> Model:
    if not isinstance(model, Model):
        raise ConfigError(
            f"{model!r} is not a model: a model has fit, predict and supports_exog (sf.models.Model), or pass a "
            "registered name."
        )
    return model


def _chunks(panel: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    ids = panel[UNIQUE_ID].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    bounds = [*starts[::size], ids.size]
    return [panel.iloc[a:b] for a, b in itertools.pairwise(bounds)]


def _rows_of(X: pd.DataFrame | None, chunk: pd.DataFrame) -> pd.DataFrame | None:
    if X is None or UNIQUE_ID not in X.columns:
        return X  # drivers shared by every series travel whole (they are one row per date)
    return X[X[UNIQUE_ID].isin(chunk[UNIQUE_ID].unique())]


@dataclasses.dataclass
class _Part:
    """One model's output on one chunk: its forecast and that of the fallback for the series it failed on."""

    main: PanelForecast
    fallback: PanelForecast | None = None
    failures: dict[str, str] = dataclasses.field(default_factory=dict)
    fitted: pd.DataFrame | None = None


class Forecast(NamedTuple):
    """What :func:`forecast` returns with ``fitted=True``: the forecast frame and the in-sample frame.

    Attributes
    ----------
    forecast
        The forecast frame (as without ``fitted``).
    fitted
        One-step in-sample values ``unique_id, ds, model, y, fitted`` of every model (a series that fell back
        has the fallback model's values; ``fitted`` is NaN where a model has none, e.g. the first observation
        of a naive forecast). ``sf.reconcile(..., fitted=...)`` takes its residuals from it.
    """

    forecast: pd.DataFrame
    fitted: pd.DataFrame


def _fitted_frame(model: Any) -> pd.DataFrame | None:
    fitted = getattr(model, "fitted_", None)
    if isinstance(fitted, pd.DataFrame) and {UNIQUE_ID, DS, Y, "fitted"} <= set(fitted.columns):
        return fitted[[UNIQUE_ID, DS, Y, "fitted"]]
    return None


def _fresh(template: Any) -> Any:
    if dataclasses.is_dataclass(template) and not isinstance(template, type):
        return dataclasses.replace(template)
    return template


def _forecast_chunk(
    chunk: pd.DataFrame,
    models: dict[str, Any],
    h: int,
    level: tuple[int, ...],
    freq: str,
    fallback: Any,
    X_future: pd.DataFrame | None,
    pool_size: int,
    with_fitted: bool = False,
) -> dict[str, _Part]:
    """Fit and forecast every model on one chunk of whole series (runs in a worker); conformal bounds wait."""
    parts = {}
    for name, template in models.items():
        model = _fresh(template)
        if isinstance(model, PanelModel):
            failures = model.fit_panel(chunk, None, freq=freq)
            result = (
                model.predict_panel(h, X_future, level, defer_intervals=True, pool_size=pool_size)
                if len(failures) < chunk[UNIQUE_ID].nunique()  # some series were fitted
                else PanelForecast(pd.DataFrame(), {})
            )
            failures.update(result.failures)
        else:  # a third-party model with only the public contract: all or nothing
            model.fit(chunk)
            result, failures = PanelForecast(model.predict(h, X_future, level), {}), {}
        part = _Part(result, failures=failures)
        fitted = _fitted_frame(model) if with_fitted else None
        if failures:
            failed = chunk[chunk[UNIQUE_ID].isin(list(failures))]
            backup = _fresh(fallback)
            backup.fit_panel(failed, None, freq=freq)
            part.fallback = backup.predict_panel(
                h, None, level, defer_intervals=True, pool_size=len(failures)
            )
            backup_fitted = _fitted_frame(backup) if with_fitted else None
            if fitted is not None and backup_fitted is not None:
                fitted = pd.concat(
                    [fitted[~fitted[UNIQUE_ID].isin(list(failures))], backup_fitted], ignore_index=True
                )
        part.fitted = fitted
        parts[name] = part
    return parts


def _calibrated(
    results: list[PanelForecast], h: int, levels: tuple[int, ...], nonnegative: bool, relative: float
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Concatenate one model's chunk forecasts and calibrate their deferred intervals over all of them at once."""
    frames = [r.frame for r in results if not r.frame.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    pending = [r.scores for r in results if r.scores is not None]
    if not pending or frame.empty:
        return frame, {}
    scores = Scores.merge(pending)
    scores.relative_change = relative
    unclipped = frozenset().union(*(r.unclipped for r in results))
    return attach_intervals(frame, scores, h, levels, nonnegative, unclipped)


def _assemble(
    name: str,
    parts: list[_Part],
    h: int,
    levels: tuple[int, ...],
    models: dict[str, Any],
    fallback: Any,
    relative: float,
) -> pd.DataFrame:
    """One model's forecast over the whole panel: calibrated, with the fallback's rows and reasons."""
    nonnegative = bool(getattr(models[name], "nonnegative", True))
    main, lost = _calibrated([p.main for p in parts], h, levels, nonnegative, relative)
    failures = {uid: why for p in parts for uid, why in p.failures.items()}
    backups = [p.fallback for p in parts if p.fallback is not None]
    if lost:  # no interval at all: one observation, and no series in the panel that changes
        uid, why = next(iter(lost.items()))
        raise _cannot_forecast(uid, why, len(lost), "with intervals")
    out = [main.assign(**{MODEL: name})] if not main.empty else []
    if backups:
        backup, third = _calibrated(backups, h, levels, getattr(fallback, "nonnegative", True), relative)
        second = {uid: why for b in backups for uid, why in b.failures.items()} | third
        if second:
            uid, why = next(iter(second.items()))
            raise _cannot_forecast(uid, f"{failures[uid]}, and the fallback {why}", len(second))
        backup[FALLBACK] = backup[UNIQUE_ID].map(lambda u: f"{failures[u]}; used {_model_name(fallback)}")
        out.append(backup.assign(**{MODEL: name}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _cannot_forecast(uid: str, why: str, count: int, how: str = "") -> SchemaError:
    return SchemaError(
        f"{Place('panel', in_file=False).at(series=uid)}: {why}. {count} series cannot be forecast"
        f"{' ' + how if how else ''}: drop them, aggregate them (sf.aggregate), or ask for no intervals (level=())."
    )


def _progress_bar() -> Any:
    """Pick tqdm's widget bar in Jupyter when ipywidgets is installed, its text bar otherwise.

    ``tqdm.auto`` alone warns ("IProgress not found") on every first forecast in a notebook without
    ipywidgets.
    """
    import importlib.util

    if importlib.util.find_spec("ipywidgets") is None:
        from tqdm.std import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm


def progress_bar(total: int, progress: bool | None, desc: str = "forecasting") -> Any:
    """Make a bar counting ``total`` series on stderr.

    ``progress=True`` shows it at once, ``False`` never, ``None`` once it has run for three seconds. Close it
    when done (``bar.close()``).
    """
    tqdm = _progress_bar()
    return tqdm(total=total, desc=desc, unit="series", disable=progress is False, delay=0 if progress else 3)


def _run(
    tasks: list[Any],
    fn: Callable[..., Any],
    n_jobs: int,
    executor: Executor | None,
    progress: bool | None,
    sizes: list[int],
    checkpoint: Checkpoint | None = None,
    keys: list[str] | None = None,
    bar: Any = None,
) -> list[Any]:
    """Run the tasks; results come back in task order.

    Progress counts series, and appears by itself once a run takes a few seconds; a caller's ``bar`` (of
    :func:`progress_bar`) is advanced instead, and left open. With a ``checkpoint``, a task whose key it holds
    is not run again, and each result is handed to it as soon as its task finishes (so a killed run loses only
    the tasks under way).
    """
    own_bar = bar is None
    if own_bar:
        bar = progress_bar(sum(sizes), progress)
    results: list[Any] = [None] * len(tasks)
    todo = list(range(len(tasks)))
    if checkpoint is not None and keys is not None:
        todo = []
        for i, key in enumerate(keys):
            kept = checkpoint.get(key)
            if kept is None:
                todo.append(i)
            else:
                results[i] = kept
                bar.update(sizes[i])

    def finished(i: int, result: Any) -> None:
        results[i] = result
        if checkpoint is not None and keys is not None:
            checkpoint.put(keys[i], result)
        bar.update(sizes[i])

    try:
        if executor is not None:
            _run_on_executor(executor, fn, tasks, todo, finished)
            return results
        done = 0
        # Run in-process until it is clear the rest takes long enough for worker processes to pay off. The first
        # task is not timed: it pays for compiling statsforecast's numba code, which no later task pays again.
        while done < len(todo):
            start = time.perf_counter()
            finished(todo[done], fn(tasks[todo[done]]))
            done += 1
            per_series = (time.perf_counter() - start) / sizes[todo[done - 1]]
            rest = sum(sizes[i] for i in todo[done:])
            if done > 1 and n_jobs != 1 and per_series * rest > _PARALLEL_MIN_SECONDS:
                break
        if done < len(todo):
            from joblib import Parallel, delayed

            left = todo[done:]
            outputs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(fn)(tasks[i]) for i in left)
            for i, result in zip(left, outputs, strict=True):
                finished(i, result)
        return results
    finally:
        if own_bar:
            bar.close()


def _run_on_executor(
    executor: Executor,
    fn: Callable[..., Any],
    tasks: list[Any],
    todo: list[int],
    finished: Callable[[int, Any], None],
) -> None:
    """Run the tasks ``todo`` on an executor, handing each result over as soon as it is ready."""
    if not todo:
        return
    if isinstance(executor, DistributedExecutor):  # results as they complete, not all at the end
        from distributed import as_completed

        futures: Any = executor.map(fn, [tasks[i] for i in todo], pure=False)  # type: ignore[call-arg]
        where = {future.key: i for future, i in zip(futures, todo, strict=True)}
        for future in as_completed(futures, loop=executor.loop):
            finished(where[future.key], future.result())
            future.release()  # the worker may drop it: the result is in hand (and on disk with a checkpoint)
        return
    if isinstance(executor, Executor):
        for i, result in zip(todo, executor.map(fn, [tasks[i] for i in todo]), strict=True):
            finished(i, result)
        return
    raise ConfigError("executor must have a map method (concurrent.futures, dask.distributed.Client ...).")


def _task_key(item: tuple[pd.DataFrame, pd.DataFrame | None], settings: Mapping[str, Any]) -> str:
    """Fingerprint one task: its rows (values, columns, types) and every setting, models included.

    Two tasks with the same key give the same result, so a checkpoint may answer for either.
    """
    digest = hashlib.sha256()
    for frame in item:
        if frame is None:
            digest.update(b"-")
            continue
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(repr(sorted((str(k), repr(v)) for k, v in settings.items())).encode())
    return digest.hexdigest()[:32]


@dataclasses.dataclass
class _ChunkResult:
    """What one task hands back: each model's part, and the warnings raised while fitting (each once)."""

    parts: dict[str, _Part]
    warned: list[tuple[type[Warning], str]] = dataclasses.field(default_factory=list)


class _ChunkTask:
    """A picklable callable for executors: forecast one chunk with fixed settings."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def __call__(self, item: tuple[pd.DataFrame, pd.DataFrame | None]) -> _ChunkResult:
        chunk, x_future = item
        # Warnings travel back with the result and are raised again by the caller: in a worker process they would
        # go to the worker's stderr, out of the caller's sight (and out of the batch job's log). With several
        # threads per worker, catch_warnings (process-wide before Python 3.14) may file one thread's warning
        # under another's task; it is raised all the same.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = _forecast_chunk(chunk, X_future=x_future, **self.settings)
        told = dict.fromkeys((w.category, str(w.message)) for w in caught)
        return _ChunkResult(parts, list(told))


def _parts(result: _ChunkResult | dict[str, _Part]) -> dict[str, _Part]:
    """Return a task's parts (a checkpoint written by an earlier version holds the bare dict)."""
    return result.parts if isinstance(result, _ChunkResult) else result


def _warn_again(results: list[Any]) -> None:
    """Raise, once each, the warnings the tasks caught, as if the caller's own code had raised them."""
    told: dict[tuple[type[Warning], str], None] = {}
    for result in results:
        if isinstance(result, _ChunkResult):
            told |= dict.fromkeys(result.warned)
    for category, message in told:
        warnings.warn(message, category, stacklevel=3)


@overload
def forecast(
    panel: pd.DataFrame,
    h: int,
    *,
    freq: str | None = ...,
    models: Any = ...,
    level: Sequence[int] = ...,
    n_jobs: int = ...,
    executor: Executor | None = ...,
    X_future: pd.DataFrame | None = ...,
    fallback: Any = ...,
    progress: bool | None = ...,
    checkpoint: Checkpoint | None = ...,
    fitted: Literal[False] = ...,
    hierarchy: Hierarchy | None = ...,
    reconcile: str | None = ...,
) -> pd.DataFrame: ...


@overload
def forecast(
    panel: pd.DataFrame,
    h: int,
    *,
    freq: str | None = ...,
    models: Any = ...,
    level: Sequence[int] = ...,
    n_jobs: int = ...,
    executor: Executor | None = ...,
    X_future: pd.DataFrame | None = ...,
    fallback: Any = ...,
    progress: bool | None = ...,
    checkpoint: Checkpoint | None = ...,
    fitted: Literal[True],
    hierarchy: Hierarchy | None = ...,
    reconcile: str | None = ...,
) -> Forecast: ...


@overload
def forecast(
    panel: pd.DataFrame,
    h: int,
    *,
    freq: str | None = ...,
    models: Any = ...,
    level: Sequence[int] = ...,
    n_jobs: int = ...,
    executor: Executor | None = ...,
    X_future: pd.DataFrame | None = ...,
    fallback: Any = ...,
    progress: bool | None = ...,
    checkpoint: Checkpoint | None = ...,
    fitted: bool,
    hierarchy: Hierarchy | None = ...,
    reconcile: str | None = ...,
) -> pd.DataFrame | Forecast: ...


def forecast(
    panel: pd.DataFrame,
    h: int,
    *,
    freq: str | None = None,
    models: Any = "auto",
    level: Sequence[int] = (),
    n_jobs: int = 1,
    executor: Executor | None = None,
    X_future: pd.DataFrame | None = None,
    fallback: Any = None,
    progress: bool | None = None,
    checkpoint: Checkpoint | None = None,
    fitted: bool = False,
    hierarchy: Hierarchy | None = None,
    reconcile: str | None = None,
) -> pd.DataFrame | Forecast:
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
        ``"auto"`` (the measured default, see ``docs/models.md``), a registered name (``"ets"``, any case), a
        list of names or models, a model instance, or a dict name → model. The ``model`` column holds the
        registered name, or the dict's key.
    level
        Interval levels in percent, e.g. ``[80, 95]``.
    n_jobs
        Worker processes for joblib; ``-1`` uses every core.
    executor
        Instead of joblib, an :class:`Executor` (anything with ``map``: ``concurrent.futures`` executors) or a
        :class:`DistributedExecutor` (``map`` and ``gather``: a ``dask.distributed.Client``).
    X_future
        Future values of the drivers (for models that use them): keyed by ``unique_id`` and ``ds``, or by
        ``ds`` alone when every series shares them (``sf.datasets.load_demo().drivers`` after choosing a
        scenario).
    fallback
        Model for series the chosen model cannot handle (default :class:`~staffing_forecast.models.Naive` with
        conformal intervals pooled across series).
    progress
        A progress bar counting series: ``True`` always, ``False`` never, ``None`` (default) once a run has
        taken three seconds.
    checkpoint
        Somewhere to keep each task's result as soon as it finishes, and to find it again: a
        :class:`Checkpoint`, ``get(key)`` (the result, or ``None``) and ``put(key, result)``. A key fingerprints a task's rows and
        every setting, so a result is reused only for the same work; the run store
        (:mod:`staffing_forecast.pipeline`) uses it to resume a killed run. Intervals are calibrated after the
        tasks, so a resumed call returns exactly what an uninterrupted one would.
    fitted
        Also return the in-sample one-step values of every model: the result is then a :class:`Forecast`
        named tuple ``(forecast, fitted)`` instead of a frame.
    hierarchy
        A :class:`~staffing_forecast.Hierarchy`: forecast every level of it (the panel is summed with
        ``hierarchy.aggregate`` unless it already holds every level) and reconcile the forecast.
    reconcile
        The reconciliation method with ``hierarchy`` (default ``"mint_shrink"``; see
        :func:`~staffing_forecast.reconcile`). The frame then has ``hierarchy_level`` and ``model`` reads
        ``"<model>/<method>"``.

    Returns
    -------
    pandas.DataFrame or Forecast
        The forecast frame (a :class:`Forecast` with ``fitted=True``): ``unique_id``, key columns, ``ds``, ``model``, ``mean``, ``lo_<L>``, ``hi_<L>``,
        ``fallback`` (why a series was forecast by the fallback model instead) and ``note`` (how the model
        treated the series or its interval, e.g. ``auto``'s rule or a widened interval); sorted by
        ``unique_id``, ``model``, ``ds``.

    Notes
    -----
    Series are fitted in tasks of up to 100 whole series, in-process for small runs and on ``n_jobs`` worker
    processes (or ``executor``) once the first task shows the rest will take more than about ten seconds.
    Conformal intervals are calibrated once over every series of the call after the tasks return, so no number
    depends on ``n_jobs``, the executor or how the panel was cut into tasks.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> fc = sf.forecast(panel, h=3, models=["naive", "theta"], level=[80])
    >>> sorted(fc["model"].unique()), len(fc) == panel["unique_id"].nunique() * 3 * 2
    (['naive', 'theta'], True)
    """
    levels = check_level(level)
    h = _check_run(h, n_jobs)
    if hierarchy is None and reconcile is not None:
        raise ConfigError(
            "forecast: reconcile= needs hierarchy= (sf.Hierarchy.from_keys(panel, levels=...))."
        )
    given = panel  # whose unit the forecast is in
    if hierarchy is not None:
        panel = hierarchy_panel(panel, hierarchy)
    clean = check_panel(panel, freq=freq)
    result = forecast_checked(
        clean,
        h,
        freq=freq or infer_freq(clean),
        models=models,
        levels=levels,
        n_jobs=n_jobs,
        executor=executor,
        X_future=X_future,
        fallback=fallback,
        progress=progress,
        checkpoint=checkpoint,
        fitted=fitted or hierarchy is not None,
    )
    if hierarchy is not None:
        from .reconciliation import reconcile as reconcile_forecast

        method = reconcile or "mint_shrink"
        frame = reconcile_forecast(result.forecast, hierarchy, method=method, fitted=result.fitted)
        result = Forecast(frame, result.fitted)
    frame = result.forecast if isinstance(result, Forecast) else result
    same_unit(frame, given)  # the values are in the panel's unit (thousand persons ...)
    return result if fitted else frame


def hierarchy_panel(panel: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Return the panel at every level of ``hierarchy``: summed unless it already holds exactly its ids."""
    ids = set(panel[UNIQUE_ID].astype(str).unique()) if UNIQUE_ID in panel.columns else set()
    if ids == set(hierarchy.ids):
        return panel
    return hierarchy.aggregate(panel)


def forecast_checked(
    clean: pd.DataFrame,
    h: int,
    *,
    freq: str,
    models: Any,
    levels: tuple[int, ...],
    n_jobs: int = 1,
    executor: Executor | None = None,
    X_future: pd.DataFrame | None = None,
    fallback: Any = None,
    progress: bool | None = None,
    checkpoint: Checkpoint | None = None,
    fitted: bool = False,
    bar: Any = None,
) -> Any:
    """Run :func:`forecast` on a panel already validated by ``check_panel`` (``cross_validate`` checks once).

    Returns a :class:`Forecast` with ``fitted=True``. A ``bar`` of :func:`progress_bar` counts the series of
    several calls (``cross_validate``'s windows) instead of one bar per call.
    """
    h = _check_run(h, n_jobs)
    resolved = resolve_models(models, freq)
    with_drivers = [name for name, model in resolved.items() if _uses_drivers(model)]
    if X_future is None and with_drivers:
        raise ConfigError(
            f"model {with_drivers[0]!r} uses drivers: pass X_future with their values for the {h} future periods "
            "of every series (see sf.features.make_features)."
        )
    X_future = _check_future(X_future)
    if X_future is not None and with_drivers:
        clean = _history_drivers(clean, X_future)
    fallback = fallback if fallback is not None else Naive(intervals="conformal")
    workers = _workers(n_jobs)
    # Global models learn across all series, so they see the whole panel at once; the others go by chunks.
    global_models = {n: m for n, m in resolved.items() if isinstance(m, GlobalModel)}
    local_models = {n: m for n, m in resolved.items() if n not in global_models}
    _, arrays, _ = split_panel(clean)
    relative = relative_change(arrays)
    n_series = len(arrays)
    pool = calibratable(arrays)
    settings = {
        "h": h,
        "level": levels,
        "freq": freq,
        "fallback": fallback,
        "pool_size": pool,
        "with_fitted": fitted,
    }
    chunk_results: list[dict[str, _Part]] = []
    if local_models:
        size = _chunk_size(n_series, workers)
        chunks = _chunks(clean, size)
        # Each task carries only its own series' future drivers, so workers are not sent the whole X_future.
        tasks = [(c, _rows_of(X_future, c)) for c in chunks]
        sizes = [c[UNIQUE_ID].nunique() for c in chunks]
        keys = None
        if checkpoint is not None:
            fingerprint = settings | {"models": local_models}
            keys = [_task_key(task, fingerprint) for task in tasks]
        finished = _run(
            tasks,
            _ChunkTask(models=local_models, **settings),
            workers,
            executor,
            progress,
            sizes,
            checkpoint,
            keys,
            bar,
        )
        _warn_again(finished)
        chunk_results += [_parts(result) for result in finished]
    if global_models:
        chunk_results.append(_forecast_chunk(clean, global_models, X_future=X_future, **settings))
    frames = [
        _assemble(
            name, [r[name] for r in chunk_results if name in r], h, levels, resolved, fallback, relative
        )
        for name in resolved
    ]
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    out[DS] = out[DS].astype("datetime64[ns]")
    if NOTE not in out.columns:  # a third-party model's frame
        out[NOTE] = ""
    out[[FALLBACK, NOTE]] = out[[FALLBACK, NOTE]].fillna("")
    out = out.sort_values([UNIQUE_ID, MODEL, DS], kind="stable").reset_index(drop=True)
    if not fitted:
        return out
    insample = []
    for name in resolved:
        frames = [r[name].fitted for r in chunk_results if name in r and r[name].fitted is not None]
        if not frames:
            raise ConfigError(
                f"forecast: model {name!r} has no in-sample values (fitted_), so fitted=True cannot return them; "
                "use a model of this library or give yours a fitted_ frame."
            )
        part = pd.concat(frames, ignore_index=True)
        part.insert(2, MODEL, name)
        insample.append(part)
    table = pd.concat(insample, ignore_index=True)
    table[DS] = table[DS].astype("datetime64[ns]")
    return Forecast(out, table.sort_values([UNIQUE_ID, MODEL, DS], kind="stable").reset_index(drop=True))


def _check_run(h: int, n_jobs: int) -> int:
    """``h`` as an int, once both it and ``n_jobs`` are known to be valid."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(
            f"n_jobs={n_jobs!r}: use 1 (no parallelism), a number of workers, or -1 (every core)."
        )
    return check_h(h)


def _uses_drivers(model: Any) -> bool:
    """Whether a model needs drivers: the public hook where it has one, else its class attribute."""
    return model.uses_drivers() if isinstance(model, PanelModel) else bool(model.supports_exog)


def _check_future(X: pd.DataFrame | None) -> pd.DataFrame | None:
    """``X_future`` keyed by ``unique_id`` and ``ds``, or by ``ds`` alone for drivers every series shares."""
    if X is None:
        return None
    if not isinstance(X, pd.DataFrame):
        raise ConfigError(f"X_future must be a DataFrame of future driver values, not {type(X).__name__}.")
    if DS not in X.columns:
        raise SchemaError(
            f"X_future has no 'ds' column (it has {list(X.columns)}): give the date of each future value, and "
            "unique_id too unless the drivers are the same for every series."
        )
    X = X.reset_index(drop=True)
    X[DS] = pd.to_datetime(X[DS])
    keys = [UNIQUE_ID, DS] if UNIQUE_ID in X.columns else [DS]
    if UNIQUE_ID not in X.columns:
        # Shared drivers (a region's table): a text column with one value (the region) is only a label.
        for column in X.columns.drop(DS):
            if not pd.api.types.is_numeric_dtype(X[column]) and X[column].nunique() <= 1:
                X = X.drop(columns=column)
    repeated = X.duplicated(keys)
    if repeated.any():
        row = X[repeated].iloc[0]
        where = f"series {row[UNIQUE_ID]!r} at " if UNIQUE_ID in X.columns else ""
        raise SchemaError(
            f"X_future has {int(repeated.sum())} repeated row(s), e.g. {where}{pd.Timestamp(row[DS]).date()}; "
            "keep one value per date (pick one scenario first: sf.features.scenario(drivers, 'base'))."
        )
    return X


def _history_drivers(clean: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """Take the drivers' past values from ``X_future`` when the panel lacks them.

    One drivers table (a scenario, history included) is then all a driver model needs.
    """
    columns = [c for c in X.columns if c not in (UNIQUE_ID, DS) and pd.api.types.is_numeric_dtype(X[c])]
    lacking = [c for c in columns if c not in clean.columns]
    if not lacking:
        return clean
    on = [UNIQUE_ID, DS] if UNIQUE_ID in X.columns else [DS]
    joined = clean.merge(X[[*on, *lacking]], on=on, how="left", validate="many_to_one")
    joined.index = clean.index
    gaps = joined[lacking].isna().any(axis=1)
    if gaps.any():
        row = joined[gaps].iloc[0]
        raise SchemaError(
            f"X_future has no value of {[c for c in lacking if pd.isna(row[c])]} for series {row[UNIQUE_ID]!r} at "
            f"{pd.Timestamp(row[DS]).date()} ({int(gaps.sum())} history row(s) lack drivers): the panel has no "
            "driver columns, so X_future must also cover the history (a scenario from sf.features.scenario does), "
            "or add the drivers to the panel with sf.features.make_features."
        )
    return joined


def _chunk_size(n_series: int, workers: int) -> int:
    """Enough tasks to keep every worker busy, at most ``_CHUNK_SERIES`` series each."""
    return max(1, min(_CHUNK_SERIES, math.ceil(n_series / (4 * workers))))


def _workers(n_jobs: int) -> int:
    if n_jobs == -1:
        from joblib import cpu_count

        return max(1, int(cpu_count()))
    return n_jobs
