"""Forecast-accuracy tracking over vintages: store each published forecast, score it when actuals arrive.

A store is a folder; published forecasts live in ``<store>/vintages/<vintage>/<name>.parquet`` with a JSON note
beside each, so every run of a run store shares one track record. When actuals arrive, :func:`track` scores each
vintage against them and against three naive benchmarks computed from the actuals known at the vintage's origin
(the last actual before its first forecast date):

- ``no_change``: the last actual value;
- ``constant_share``: the series' share of the total at the origin times the published forecast's total at the
  target date (the forecast's total, with no change in the mix);
- ``linear_trend``: the last actual plus the average yearly change over up to ``trend_years`` periods before the
  origin.

:func:`plan_accuracy` does the same for employers' survey plans: how each vintage of plans turned out, per
employer and occupation, against the no-change benchmark (the fact each form reported).
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ConfigError, SchemaError
from .metrics import METRICS, evaluate
from .schema import (
    CUTOFF,
    DS,
    FREQUENCIES,
    MEAN,
    MODEL,
    UNIQUE_ID,
    Y,
    check_panel,
    infer_freq,
)

__all__ = [
    "BENCHMARKS",
    "IncompleteVintageWarning",
    "load_vintage",
    "plan_accuracy",
    "publish",
    "track",
    "vintages",
]

BENCHMARKS = ("no_change", "constant_share", "linear_trend")
_INTERVAL_METRICS = {"coverage", "pinball", "winkler"}


def _vintage_text(vintage: date | datetime | str | pd.Timestamp) -> str:
    try:
        return pd.Timestamp(vintage).strftime("%Y-%m-%d")
    except (ValueError, TypeError) as error:
        raise ConfigError(f"vintage {vintage!r} is not a date; use e.g. '2026-03-01'.") from error


def publish(
    forecast: pd.DataFrame,
    store: str | os.PathLike[str],
    *,
    vintage: date | datetime | str | pd.Timestamp,
    name: str = "forecast",
    note: str = "",
    overwrite: bool = False,
    run: str | None = None,
) -> Path:
    """Store a published forecast under its vintage date; return the file.

    The forecast is written in full under a staging name of its own (``.<pid>-<random>.partial``), renamed into place, and only then committed by
    its JSON note, written last: a publish interrupted at any point (even killed) leaves either the previous
    state or an incomplete vintage that readers skip and report, never a note describing other data.

    Parameters
    ----------
    forecast
        A forecast frame (``unique_id``, ``ds``, ``model``, ``mean`` and any intervals and keys).
    store
        The store folder (created if needed).
    vintage
        The date the forecast was published.
    name
        What was forecast (``forecast``, ``employment_by_occupation``, …); one file per name and vintage.
    note
        Free text kept beside the forecast (who, why, which data).
    overwrite
        Replace an existing file of the same vintage and name (default: refuse, so history is never lost).
    run
        The run that made it (the batch job passes its run id): stored as ``<name>@<run>``, so several runs on
        one day coexist. Readers take the last complete run of a vintage date (run ids sort by time) as that
        vintage.

    Examples
    --------
    >>> import tempfile, staffing_forecast as sf
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": pd.to_datetime(["2026-01-01"]), "model": "naive", "mean": [5.0]})
    >>> with tempfile.TemporaryDirectory() as store:
    ...     path = sf.tracking.publish(fc, store, vintage="2025-12-01")
    ...     path.parent.name, sf.tracking.vintages(store)["rows"].tolist()
    ('2025-12-01', [1])
    """
    missing = [c for c in (UNIQUE_ID, DS, MODEL, MEAN) if c not in forecast.columns]
    if missing:
        raise SchemaError(f"publish: the forecast lacks {missing}; pass the frame sf.forecast returned.")
    if not name or any(c in name for c in "/\\:@") or name.startswith("."):
        raise ConfigError(f"publish: name {name!r} must be a plain file name (without '@').")
    if run is not None and (not run or any(c in run for c in "/\\:@") or run.startswith(".")):
        raise ConfigError(f"publish: run {run!r} must be a plain file name (without '@').")
    folder = Path(store) / "vintages" / _vintage_text(vintage)
    stem = name if run is None else f"{name}@{run}"
    path = folder / f"{stem}.parquet"
    note_path = path.with_suffix(".json")
    if note_path.exists() and not overwrite:
        raise ConfigError(
            f"publish: {path} already exists; a published vintage is history. Pass overwrite=True to replace it."
        )
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "name": name,
        "vintage": _vintage_text(vintage),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": len(forecast),
        "series": int(forecast[UNIQUE_ID].nunique()),
        "models": sorted(forecast[MODEL].astype(str).unique().tolist()),
        "note": note,
        "run": run,
    }
    token = f"{os.getpid()}-{secrets.token_hex(4)}"  # two publishers never share a staging file
    staged_data = folder / f"{stem}.parquet.{token}{_PARTIAL}"
    staged_note = folder / f"{stem}.json.{token}{_PARTIAL}"
    try:
        forecast.reset_index(drop=True).to_parquet(staged_data, index=False)
        staged_note.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        # Uncommit first: from here until the note is back, readers see an incomplete vintage, never an old
        # note describing new data.
        note_path.unlink(missing_ok=True)
        os.replace(staged_data, path)
        os.replace(staged_note, note_path)  # the commit
    finally:
        staged_data.unlink(missing_ok=True)
        staged_note.unlink(missing_ok=True)
        (folder / f".{stem}.parquet.tmp").unlink(missing_ok=True)  # left by a killed publish of version 0.1
    for leftover in _leftovers(folder, stem):  # what killed publishes of this vintage left
        if not _writing(leftover):
            leftover.unlink(missing_ok=True)
    return path


#: Suffix of files being written; a publish killed mid-way leaves one, which readers report and publish removes.
_PARTIAL = ".partial"
#: A store file: ``<stem>.parquet`` or ``.json``, or one being written, ``<stem>.parquet.<pid>-<random>.partial``
#: (``<stem>.parquet.partial`` in stores written before staging names were unique).
_FILE = re.compile(r"^(?P<stem>[^.].*?)\.(?:parquet|json)(?:(?:\.(?P<pid>\d+)-[0-9a-f]+)?\.partial)?$")


def _leftovers(folder: Path, stem: str) -> list[Path]:
    """Return the staging files of ``stem`` in ``folder``: a publish being written, or one that was killed."""
    return sorted(
        path
        for path in folder.glob(f"{glob.escape(stem)}.*{_PARTIAL}")
        if (found := _FILE.match(path.name)) is not None and found["stem"] == stem
    )


def _writing(path: Path) -> bool:
    """Whether the process that staged ``path`` is still running (another publish of the same vintage)."""
    found = _FILE.match(path.name)
    if found is None or found["pid"] is None:
        return False
    pid = int(found["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _problem(folder: Path, name: str) -> str:
    """Why the vintage ``name`` in ``folder`` is incomplete, or an empty string when it is complete."""
    data, note = folder / f"{name}.parquet", folder / f"{name}.json"
    leftovers = [p.name for p in _leftovers(folder, name) if not _writing(p)]
    if not note.exists():
        return "its note (.json) was never written: the publish was interrupted"
    if not data.exists():
        return "its data (.parquet) is missing: the publish was interrupted"
    try:
        rows = pq.read_metadata(data).num_rows
        expected = json.loads(note.read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        return f"it cannot be read ({type(error).__name__}: {error})"
    if rows != expected:
        return f"its note says {expected} rows but its data has {rows}: an overwrite was interrupted"
    if leftovers:
        return f"an interrupted publish left {leftovers}"
    return ""


def _scan(store: str | os.PathLike[str], name: str | None) -> tuple[list[dict[str, object]], list[str]]:
    """Read the notes of complete vintages and one message per incomplete one."""
    root = Path(store) / "vintages"
    found: list[dict[str, object]] = []
    broken: list[str] = []
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []
    for folder in folders:
        complete: dict[str, str] = {}  # name → the stem of its last complete run in this vintage
        for stem in sorted({_stem(p.name) for p in folder.iterdir()} - {""}):
            base = stem.split("@", 1)[0]
            if name is not None and base != name:
                continue
            problem = _problem(folder, stem)
            if problem:
                broken.append(f"{folder.name} {stem!r}: {problem}")
            else:
                complete[base] = stem  # sorted: a later run replaces an earlier one
        found += [
            json.loads((folder / f"{stem}.json").read_text(encoding="utf-8")) for stem in complete.values()
        ]
    return found, broken


def _last_run(folder: Path, name: str) -> str | None:
    """Return the stem of ``name``'s last complete publish in a vintage folder: ``name`` or ``name@<run>``."""
    stems = sorted({_stem(p.name) for p in folder.iterdir()} - {""})
    chosen = None
    for stem in stems:
        if stem.split("@", 1)[0] == name and not _problem(folder, stem):
            chosen = stem
    return chosen


def _stem(file_name: str) -> str:
    """Return the forecast name a store file belongs to, or an empty string for other files."""
    found = _FILE.match(file_name)
    return found["stem"] if found else ""


def _report_incomplete(store: str | os.PathLike[str], broken: list[str]) -> None:
    if broken:
        warnings.warn(
            f"{Path(store) / 'vintages'}: {len(broken)} incomplete vintage(s) skipped:\n  "
            + "\n  ".join(broken)
            + "\nPublish each again with overwrite=True, or delete its files.",
            IncompleteVintageWarning,
            stacklevel=3,
        )


class IncompleteVintageWarning(UserWarning):
    """A vintage in the store was not completely written (an interrupted publish); readers skip it."""


def vintages(store: str | os.PathLike[str], name: str | None = None) -> pd.DataFrame:
    """Every published vintage: ``vintage``, ``name``, ``rows``, ``series``, ``models``, ``published_at``, ``note``.

    A vintage whose publish was interrupted (data without its note, a note without its data, or a note that
    disagrees with the data) is left out with an :class:`IncompleteVintageWarning` naming it and the fix.

    Examples
    --------
    >>> import tempfile
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> store = tempfile.mkdtemp()
    >>> _ = publish(sf.forecast(panel, h=2, models="naive"), store, vintage="2026-01-15")
    >>> vintages(store)[["vintage", "name", "rows", "series"]].values.tolist()
    [['2026-01-15', 'forecast', 32, 16]]
    >>> load_vintage(store, "2026-01-15")["ds"].dt.year.unique().tolist()
    [2026, 2027]
    """
    rows, broken = _scan(store, name)
    _report_incomplete(store, broken)
    columns = ["vintage", "name", "rows", "series", "models", "published_at", "note"]
    return pd.DataFrame(rows).reindex(columns=columns)


def load_vintage(store: str | os.PathLike[str], vintage: object, name: str = "forecast") -> pd.DataFrame:
    """Load the forecast published at ``vintage`` under ``name``; an example is under :func:`vintages`.

    Examples
    --------
    >>> import tempfile
    >>> load_vintage(tempfile.mkdtemp(), "2026-01-15")
    Traceback (most recent call last):
    staffing_forecast.errors.ConfigError: no forecast 'forecast' published at 2026-01-15; the store has [].
    """
    folder = Path(store) / "vintages" / _vintage_text(vintage)
    if folder.is_dir() and any(_stem(p.name).split("@", 1)[0] == name for p in folder.iterdir()):
        stem = _last_run(folder, name)
        if stem is None:
            stems = sorted({s for p in folder.iterdir() if (s := _stem(p.name)).split("@", 1)[0] == name})
            raise ConfigError(
                f"the forecast {name!r} published at {_vintage_text(vintage)} is incomplete: "
                f"{_problem(folder, stems[-1])}. Publish it again with overwrite=True, or delete its files."
            )
        return pd.read_parquet(folder / f"{stem}.parquet")
    known, _ = _scan(store, name)
    raise ConfigError(
        f"no forecast {name!r} published at {_vintage_text(vintage)}; the store has "
        f"{[str(info['vintage']) for info in known]}."
    )


def _benchmarks(fc: pd.DataFrame, actuals: pd.DataFrame, months: int, trend_years: int) -> pd.DataFrame:
    """Benchmark forecasts for the rows of ``fc`` (one model's rows), from the actuals known at each origin."""
    first = fc.groupby(UNIQUE_ID)[DS].min()
    origin = first - pd.DateOffset(months=months)
    history = actuals.merge(origin.rename("_origin"), left_on=UNIQUE_ID, right_index=True)
    history = history[history[DS] <= history["_origin"]].sort_values([UNIQUE_ID, DS])
    last = history.groupby(UNIQUE_ID).tail(1).set_index(UNIQUE_ID)
    recent = history.groupby(UNIQUE_ID).tail(trend_years + 1)
    span = recent.groupby(UNIQUE_ID)[Y].agg(lambda v: (v.iloc[-1] - v.iloc[0]) / max(len(v) - 1, 1))
    at_origin = last[Y]
    rows = fc[[UNIQUE_ID, DS, "_cutoff", Y]].copy()
    steps = ((rows[DS].dt.year - rows[UNIQUE_ID].map(last[DS]).dt.year) * 12
             + rows[DS].dt.month - rows[UNIQUE_ID].map(last[DS]).dt.month) // months  # fmt: skip
    share = at_origin / at_origin.sum()
    total = fc.groupby(DS)[MEAN].sum()
    out = []
    for model, values in (
        ("no_change", rows[UNIQUE_ID].map(at_origin)),
        ("constant_share", rows[UNIQUE_ID].map(share) * rows[DS].map(total)),
        ("linear_trend", rows[UNIQUE_ID].map(at_origin) + rows[UNIQUE_ID].map(span) * steps),
    ):
        out.append(rows.assign(**{MODEL: model, MEAN: values.to_numpy(float)}))
    return pd.concat(out, ignore_index=True)


def track(
    store: str | os.PathLike[str],
    actuals: pd.DataFrame,
    *,
    name: str = "forecast",
    metrics: Sequence[str] = ("mape", "wape", "direction", "coverage"),
    by: Sequence[str] = ("model",),
    trend_years: int = 10,
    level: int | None = None,
) -> pd.DataFrame:
    """Score every published vintage of ``name`` against the actuals that have arrived, and the naive benchmarks.

    Parameters
    ----------
    store
        The store folder of :func:`publish`.
    actuals
        A panel (``unique_id``, ``ds``, ``y``) with the actual values, the history before each origin included.
    name
        Which published forecasts to score.
    metrics
        Names from :data:`staffing_forecast.metrics.METRICS`; interval metrics are left empty for the benchmarks,
        which have no intervals.
    by
        Grouping within each vintage, any of ``model``, ``unique_id``, ``step``.
    trend_years
        Periods before the origin the ``linear_trend`` benchmark averages the change over.
    level
        Interval level of the interval metrics (default: the widest in the forecasts).

    Returns
    -------
    pandas.DataFrame
        ``vintage``, the ``by`` columns (``model`` includes ``no_change``, ``constant_share`` and
        ``linear_trend``), ``rows`` scored, and one column per metric. Vintages with no actuals yet are left out.

    Examples
    --------
    >>> import tempfile, staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> with tempfile.TemporaryDirectory() as store:
    ...     old = panel[panel["ds"].dt.year <= 2022]
    ...     _ = sf.tracking.publish(sf.forecast(old, h=3, models="drift", level=[80]), store, vintage="2023-01-15")
    ...     record = sf.tracking.track(store, panel)
    >>> record["model"].tolist()
    ['constant_share', 'drift', 'linear_trend', 'no_change']
    """
    for metric in metrics:
        if metric not in METRICS:
            raise ConfigError(f"track: unknown metric {metric!r}; use any of {list(METRICS)}.")
    actuals = check_panel(actuals[[UNIQUE_ID, DS, Y]], min_length=1, gaps="keep")
    months = FREQUENCIES[infer_freq(actuals)][0]
    listing = vintages(store, name)
    if listing.empty:
        raise ConfigError(f"track: the store {store} has no published forecast named {name!r}.")
    frames = []
    for vintage in listing["vintage"]:
        fc = load_vintage(store, vintage, name)
        joined = fc.merge(actuals, on=[UNIQUE_ID, DS], how="inner")
        if joined.empty:
            continue
        joined["_cutoff"] = joined[UNIQUE_ID].map(
            fc.groupby(UNIQUE_ID)[DS].min() - pd.DateOffset(months=months)
        )
        plain = [m for m in metrics if m not in _INTERVAL_METRICS]
        cv = joined.rename(columns={"_cutoff": CUTOFF})
        bench = _benchmarks(
            joined[joined[MODEL] == joined[MODEL].iloc[0]], actuals, months, trend_years
        ).rename(columns={"_cutoff": CUTOFF})
        table = pd.concat(
            [_score(cv, list(metrics), actuals, by), _score(bench, plain, actuals, by)], ignore_index=True
        )
        table.insert(0, "vintage", vintage)
        frames.append(table)
    if not frames:
        raise ConfigError("track: no published forecast has actuals yet.")
    out = pd.concat(frames, ignore_index=True)
    order = ["vintage", *[k for k in ("unique_id", "model", "step") if k in {*by, MODEL}]]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def _score(cv: pd.DataFrame, metrics: list[str], actuals: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``evaluate`` by ``by`` (and model), with the number of rows scored in each group."""
    keys = [k for k in ("unique_id", "model", "cutoff", "step") if k in {*by, MODEL}]
    scored = cv.assign(step=cv.groupby([UNIQUE_ID, MODEL])[DS].rank(method="first").astype(int))
    counts = scored.groupby(keys).size().rename("rows").reset_index()
    if not metrics:
        return counts
    return counts.merge(evaluate(cv, metrics, train=actuals, by=list(by)), on=keys)


def plan_accuracy(
    plans: pd.DataFrame,
    employment: pd.DataFrame,
    *,
    by: Sequence[str] = ("vintage",),
) -> pd.DataFrame:
    """How employers' plans turned out: each vintage's planned headcounts against the actual employment.

    Parameters
    ----------
    plans
        The ``plans`` table (``employer``, ``occupation``, ``vintage``, ``ds``, ``kind``, ``value``); rows of kind
        ``plan`` are scored, and the vintage's ``fact`` row is the no-change benchmark and the base of the
        direction of change.
    employment
        The employment table (``employer``, ``occupation``, ``ds``, ``y``).
    by
        Grouping, any of ``vintage``, ``horizon`` (years after the vintage), ``employer``, ``occupation``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``plans`` (rows scored), ``mape``, ``wape``, ``bias`` (planned − actual: positive means
        optimistic plans), ``direction`` (percent right), and ``mape_no_change``, ``wape_no_change`` of the
        benchmark.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> demo = sf.datasets.load_demo()
    >>> record = sf.tracking.plan_accuracy(demo.plans, demo.employment)
    >>> bool((record["bias"] > 0).mean() > 0.5)  # the demo's employers plan optimistically
    True
    """
    allowed = ("vintage", "horizon", "employer", "occupation")
    keys = list(by)
    for key in keys:
        if key not in allowed:
            raise ConfigError(f"plan_accuracy: cannot group by {key!r}; use any of {list(allowed)}.")
    needed = {"employer", "occupation", "vintage", DS, "kind", "value"}
    if not needed <= set(plans.columns):
        raise SchemaError(f"plan_accuracy: the plans table lacks {sorted(needed - set(plans.columns))}.")
    actual = employment.groupby(["employer", "occupation", DS], as_index=False)[Y].sum()
    facts = plans[plans["kind"] == "fact"][["employer", "occupation", "vintage", "value"]].rename(
        columns={"value": "fact"}
    )
    planned = plans[plans["kind"] == "plan"].merge(actual, on=["employer", "occupation", DS], how="inner")
    planned = planned.merge(facts, on=["employer", "occupation", "vintage"], how="inner")
    if planned.empty:
        raise ConfigError("plan_accuracy: no plan has an actual value yet (or no vintage reported its fact).")
    planned["horizon"] = planned[DS].dt.year - planned["vintage"]
    rows = []
    for group, g in planned.groupby(keys, sort=True):
        values = group if isinstance(group, tuple) else (group,)
        y, plan, fact = (g[c].to_numpy(float) for c in (Y, "value", "fact"))
        rows.append(
            dict(zip(keys, values, strict=True))
            | {
                "plans": len(g),
                "mape": METRICS["mape"](y, plan),
                "wape": METRICS["wape"](y, plan),
                "bias": METRICS["bias"](y, plan),
                "direction": METRICS["direction"](y, plan, y_last=fact),
                "mape_no_change": METRICS["mape"](y, fact),
                "wape_no_change": METRICS["wape"](y, fact),
            }
        )
    return pd.DataFrame(rows).replace([np.inf, -np.inf], np.nan)
