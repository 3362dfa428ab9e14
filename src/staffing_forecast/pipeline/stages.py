"""The batch job's stages, each a function of what the previous ones returned (no files written here).

:func:`staffing_forecast.pipeline.run` calls them in order and writes what they return into the run store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..adjust import adjust
from ..backtest import cross_validate
from ..engine import Forecast, forecast_checked
from ..errors import ConfigError, SchemaError
from ..hierarchy import Hierarchy
from ..loaders import Bundle, load_bundle, load_survey
from ..loaders.bundle import table_files
from ..metrics import evaluate
from ..panel import aggregate
from ..reconcile import reconcile as reconcile_forecast
from ..schema import DS, MODEL, UNIQUE_ID, check_panel
from ..selection import select
from .config import KEYS, ForecastConfig, SeriesConfig, SourcesConfig, hierarchy_levels

__all__ = [
    "Sources",
    "Work",
    "adjust_forecasts",
    "build_panel",
    "choose_models",
    "fingerprint",
    "forecast_chosen",
    "load_sources",
    "read_adjustments",
    "reconcile",
    "run_cross_validation",
]


#: The bundle tables some stage of the job reads: the series, and the quota's and monitoring's inputs. Others
#: (quarterly copies, hires, survey plans, drivers) are not read: at 100,000 series they would be most of the
#: memory. The manifest lists the files left unread.
USED_TABLES = (
    "employment",
    "vacancies",
    "age",
    "graduates",
    "enrolment",
    "admissions",
    "institutions",
    "satisfaction",
    "crosswalk",
)


@dataclass
class Sources:
    """What was loaded: the bundle, the files skipped with why (only when partial runs are allowed), unread files."""

    bundle: Bundle
    skipped: list[dict[str, str]] = field(default_factory=list)
    survey_forms: int = 0
    unread: list[str] = field(default_factory=list)


def load_sources(config: SourcesConfig, unit: str | None = None) -> Sources:
    """Load and validate every source: the demo, a bundle folder, SQL tables, survey forms.

    An unreadable or invalid file stops the run before anything is written, with every problem listed; with
    ``allow_partial = true`` a bad table other than ``employment`` is skipped instead and listed in ``skipped``.
    """
    skipped: list[dict[str, str]] = []
    unread: list[str] = []
    if config.demo:
        from ..datasets import load_demo

        bundle = load_demo()
    elif config.bundle is not None:
        bundle, skipped = _load_folder(config.bundle, config.allow_partial, config.columns, unit)
        unread = [p.name for p in table_files(config.bundle) if p.stem not in USED_TABLES]
    else:
        bundle = Bundle(employment=pd.DataFrame())  # filled from SQL below
    if config.sql is not None:
        bundle, lost = _load_sql(bundle, config)
        skipped += lost
    forms = 0
    if config.survey is not None:
        survey = load_survey(config.survey)
        forms = int(survey.plans["employer"].nunique()) if survey.plans is not None else 0
        if survey.plans is not None and len(survey.plans):
            plans = survey.plans if bundle.plans is None else pd.concat([bundle.plans, survey.plans])
            keys = ["employer", "occupation", "vintage", DS, "kind"]
            bundle = replace(bundle, plans=plans.drop_duplicates(keys, keep="last").reset_index(drop=True))
    return Sources(bundle=bundle, skipped=skipped, survey_forms=forms, unread=unread)


def _load_folder(
    folder: Path, allow_partial: bool, columns: Any = None, unit: str | None = None
) -> tuple[Bundle, list[dict[str, str]]]:
    try:
        return load_bundle(folder, columns=columns, tables=USED_TABLES, unit=unit), []
    except SchemaError:
        if not allow_partial:
            raise
    # Partial: table by table, so that one bad file costs only its own table.
    from ..loaders import load_table
    from ..loaders.tables import TABLES

    tables: dict[str, pd.DataFrame] = {}
    skipped = []
    for path in table_files(folder):
        if path.stem not in TABLES:
            skipped.append({"source": str(path), "reason": "not a bundle table"})
            continue
        if path.stem not in USED_TABLES:
            continue  # listed in the manifest as unread
        try:
            tables[path.stem] = load_table(path, path.stem, columns=_for_table(columns, path.stem), unit=unit)
        except (SchemaError, ConfigError, OSError, ValueError) as error:
            if path.stem == "employment":
                raise SchemaError(f"{path}: employment is required and cannot be skipped: {error}") from None
            skipped.append({"source": str(path), "reason": str(error)})
    if "employment" not in tables:
        raise SchemaError(
            f"{folder}: no employment table (employment.csv, .xlsx or .parquet); it is required."
        )
    return Bundle(**tables, description=f"loaded from {folder} (partial)"), skipped


def _for_table(columns: Any, table: str) -> dict[str, str] | None:
    """Return the renames of one table: ``columns`` maps headers, or tables to their own maps."""
    if not columns:
        return None
    if any(isinstance(v, dict) for v in columns.values()):
        return columns.get(table)
    return dict(columns)


def _load_sql(bundle: Bundle, config: SourcesConfig) -> tuple[Bundle, list[dict[str, str]]]:
    from ..loaders.files import read_sql_cells
    from ..loaders.tables import TABLES, validate_table

    assert config.sql is not None
    url = config.sql.connection_url()
    tables, skipped = {}, []
    for name, query in config.sql.tables.items():
        try:
            cells, place = read_sql_cells(query, url)
            tables[name] = validate_table(cells, TABLES[name], place)
        except SchemaError as error:
            if not config.allow_partial or name == "employment":
                raise
            skipped.append({"source": f"sql:{name}", "reason": str(error)})
    return replace(bundle, **tables), skipped


def fingerprint(bundle: Bundle) -> dict[str, Any]:
    """Hash every table's values and columns, with their sizes: the same data give the same fingerprint."""
    tables = {}
    whole = hashlib.sha256()
    for name, frame in sorted(bundle.tables().items()):
        digest = hashlib.sha256(repr(list(frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        tables[name] = {"rows": len(frame), "sha256": digest.hexdigest()[:16]}
        whole.update(digest.digest())
    return {"sha256": whole.hexdigest()[:16], "tables": tables}


def build_panel(
    bundle: Bundle, config: SeriesConfig, reconcile: str = "none"
) -> tuple[pd.DataFrame, Hierarchy | None]:
    """Return the series to forecast and, to reconcile them, their :class:`~staffing_forecast.Hierarchy`.

    Without reconciliation: employment summed to each level of ``[series] hierarchy`` (and the bottom series).
    With it: every series of the hierarchy of those levels (``Hierarchy.aggregate``; the finest level, the union
    of their keys, is added when not listed), leaving out bottom series that ended before the last date (a
    reconciled forecast needs the same forecast dates for every series) and the aggregates left without one.
    """
    employment = check_panel(bundle.employment, freq=config.frequency)
    keys = [c for c in KEYS if c in employment.columns]
    if reconcile != "none":
        levels = hierarchy_levels(config, tuple(keys))
        hierarchy = Hierarchy.from_keys(employment, [list(level) for level in levels])
        panel = hierarchy.aggregate(employment)
        last = panel.groupby(UNIQUE_ID, sort=False)[DS].max()
        ended = set(last.index[last < last.max()])
        if ended:
            hierarchy = hierarchy.restrict([uid for uid in hierarchy.bottom_ids if uid not in ended])
            panel = panel[panel[UNIQUE_ID].isin(hierarchy.ids)].reset_index(drop=True)
        return panel, hierarchy
    parts = [aggregate(employment, by=list(level)) for level in config.hierarchy]
    if config.bottom:
        parts.append(aggregate(employment, by=keys))
    panel = pd.concat(parts, ignore_index=True).drop_duplicates([UNIQUE_ID, DS])
    return panel.sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True), None


@dataclass(frozen=True)
class Work:
    """How the per-series tasks of the forecasting stages run.

    ``freq`` is the panel's frequency; ``n_jobs`` and ``executor`` spread the tasks (joblib workers, or a Dask
    client); ``checkpoint`` keeps each finished task for ``--resume``; ``progress`` is the engine's bar (shown once
    a stage takes a while with ``None``, always with ``True``, never with ``False``).

    Examples
    --------
    >>> Work("YS", n_jobs=1).progress is None
    True
    """

    freq: str
    n_jobs: int = 1
    executor: Any = None
    checkpoint: Any = None
    progress: bool | None = None

    def engine(self) -> dict[str, Any]:
        """Return the keyword arguments of ``sf.cross_validate`` and the engine's forecast."""
        return {
            "freq": self.freq,
            "n_jobs": self.n_jobs,
            "executor": self.executor,
            "checkpoint": self.checkpoint,
            "progress": self.progress,
        }


def run_cross_validation(panel: pd.DataFrame, config: ForecastConfig, work: Work) -> pd.DataFrame:
    """Every candidate model from each rolling origin (skipped for a single candidate: there is nothing to choose).

    The bar of ``work.progress`` counts the windows' series (``sf.cross_validate``'s ``progress``).
    """
    if len(config.models) == 1:
        return pd.DataFrame(columns=[UNIQUE_ID, MODEL, "cutoff", DS, "mean", "y"])
    return cross_validate(
        panel,
        h=config.cv_horizon,
        n_windows=config.cv_windows,
        models=list(config.models),
        **work.engine(),
    )


def choose_models(
    cv: pd.DataFrame, panel: pd.DataFrame, config: ForecastConfig, season_length: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every series and candidate, and choose the model per series (``sf.select``'s rules)."""
    ids = sorted(panel[UNIQUE_ID].unique())
    if cv.empty:
        only = config.models[0]
        selection = pd.DataFrame({UNIQUE_ID: ids, MODEL: only, "reason": "the only candidate"})
        return pd.DataFrame(columns=[UNIQUE_ID, MODEL]), selection
    scores = evaluate(cv, [config.metric], train=panel, season_length=season_length, by=[UNIQUE_ID, MODEL])
    selection = select(
        cv,
        config.metric,
        train=panel,
        season_length=season_length,
        preference=list(config.models),
        scores=scores,
    )
    lacking = sorted(set(ids) - set(selection[UNIQUE_ID]))
    if lacking:  # no window at all and not reported as skipped: treat as too short
        extra = pd.DataFrame({UNIQUE_ID: lacking, MODEL: config.models[0], "reason": "too short to judge"})
        selection = pd.concat([selection, extra], ignore_index=True).sort_values(UNIQUE_ID, ignore_index=True)
    return scores, selection


def forecast_chosen(
    panel: pd.DataFrame, selection: pd.DataFrame, config: ForecastConfig, work: Work, fitted: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Forecast each series with its chosen model only; intervals are calibrated over the series of each model.

    Grouping by model costs one fit per series instead of one per candidate; the ``model`` column names the choice.
    Returns the forecast and, with ``fitted``, the chosen models' in-sample values (``None`` without).
    """
    chosen = selection.set_index(UNIQUE_ID)[MODEL]
    parts, insample = [], []
    for (
        model
    ) in config.models:  # the configuration's order: the result does not depend on the selection's order
        ids = chosen.index[chosen == model]
        if ids.empty:
            continue
        subset = panel[panel[UNIQUE_ID].isin(ids)]
        result = forecast_checked(
            subset, config.horizon, models=model, levels=config.levels, fitted=fitted, **work.engine()
        )
        if isinstance(result, Forecast):
            result, own = result
            insample.append(own)
        parts.append(result)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)
    return out, (pd.concat(insample, ignore_index=True) if insample else None)


def reconcile(
    forecasts: pd.DataFrame,
    method: str,
    hierarchy: Hierarchy | None = None,
    fitted: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Make the levels' forecasts add up (``sf.reconcile``, head counts kept non-negative).

    ``"none"`` returns the forecasts as they are. Otherwise every series of ``hierarchy`` is reconciled as one
    forecast (each series by its chosen model; ``model`` becomes ``"<model>/<method>"``) with the in-sample
    values ``fitted``, and the frame gains ``hierarchy_level``. A method the hierarchy cannot take is a
    :class:`~staffing_forecast.ConfigError` naming ``[forecast] reconcile``.
    """
    if method == "none":
        return forecasts
    if hierarchy is None:
        raise ConfigError(f"[forecast] reconcile = {method!r}: no hierarchy was built for the series.")
    try:
        return reconcile_forecast(forecasts, hierarchy, method, fitted=fitted, nonnegative=True)
    except ConfigError as error:
        raise ConfigError(f"[forecast] reconcile = {method!r}: {error}") from None


def read_adjustments(path: Path) -> pd.DataFrame:
    """Read the adjustments file.

    Each row has ``unique_id``, ``ds``, one of ``value``/``delta``/``factor``, and ``reason``.
    """
    from ..loaders.files import read_csv_cells, read_excel_cells

    if not path.exists():
        raise ConfigError(f"[adjustments] file = {str(path)!r}: no such file.")
    table = read_excel_cells(path) if path.suffix.lower() == ".xlsx" else read_csv_cells(path)
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in (UNIQUE_ID, DS, "reason") if c not in table.columns]
    if missing:
        raise SchemaError(
            f"{path.name}: missing column(s) {missing}; it has {list(table.columns)}. Each row needs unique_id, "
            "ds, one of value / delta / factor, and reason."
        )
    blank = table["reason"].isna() | (table["reason"].astype(str).str.strip() == "")
    if blank.any():
        row = table.index[blank][0]
        raise SchemaError(f"{path.name}, row {row}: no reason; every adjustment says why (and who).")
    table[UNIQUE_ID] = table[UNIQUE_ID].astype(str).str.strip()
    for kind in ("value", "delta", "factor"):
        if kind in table.columns:
            text = table[kind].astype("string").str.strip().str.replace(",", ".", regex=False)
            numbers = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
            bad = numbers.isna() & text.fillna("").ne("")
            if bad.any():
                row = table.index[bad][0]
                raise SchemaError(
                    f"{path.name}, row {row}, column {kind!r}: {table.at[row, kind]!r} is not a number."
                )
            table[kind] = numbers.astype(float)
    years = pd.to_numeric(table[DS], errors="coerce")
    table[DS] = pd.to_datetime(
        [f"{int(y)}-01-01" if pd.notna(y) else d for y, d in zip(years, table[DS], strict=True)]
    )
    return table


def adjust_forecasts(
    forecasts: pd.DataFrame, table: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the adjustments (``sf.adjust``, one call per kind and reason); return the forecasts and the rows changed."""
    columns = [UNIQUE_ID, DS, MODEL, "original_mean", "mean", "adjustment", "reason"]
    if table is None or table.empty:
        out = forecasts.assign(original_mean=forecasts["mean"], adjustment="", reason="")
        return out, pd.DataFrame(columns=columns)
    kinds = [k for k in ("value", "delta", "factor") if k in table.columns]
    if not kinds:
        raise SchemaError("adjustments: needs one of the columns value, delta or factor.")
    out = forecasts
    for kind in kinds:
        rows = table[table[kind].notna()]
        for reason, group in rows.groupby("reason", sort=True):
            out = adjust(out, group[[UNIQUE_ID, DS, kind]], reason=str(reason))
    changed = out[out["adjustment"] != ""][columns].reset_index(drop=True)
    return out, changed
