"""The batch job's stages, each a function of what the previous ones returned (no files written here).

:func:`staffing_forecast.pipeline.run` calls them in order and writes what they return into the run store.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..adjust import adjust
from ..backtest import cross_validate
from ..engine import Forecast, forecast_checked
from ..errors import ConfigError, DataWarning, SchemaError, closest
from ..hierarchy import Hierarchy
from ..loaders import Bundle, load_bundle, load_survey
from ..loaders.bundle import table_files
from ..metrics import evaluate
from ..panel import aggregate
from ..reconciliation import reconcile as reconcile_forecast
from ..schema import DS, MODEL, UNIQUE_ID, check_panel
from ..selection import select
from .config import KEYS, Config, ForecastConfig, SeriesConfig, SourcesConfig, hierarchy_levels

__all__ = [
    "Sources",
    "Work",
    "adjust_forecasts",
    "build_panel",
    "check_frequency",
    "check_inputs",
    "choose_models",
    "data_frequency",
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


def load_sources(
    config: SourcesConfig,
    keys: tuple[str, ...] = KEYS,
    unit: str | None = None,
    *,
    gaps: str = "error",
    totals: str = "aside",
) -> Sources:
    """Load and validate every source: the demo, a bundle folder, SQL tables, survey forms.

    An unreadable or invalid file stops the run before anything is written, with every problem listed; with
    ``allow_partial = true`` a bad table other than ``employment`` is skipped instead and listed in ``skipped``.
    With ``keys`` other than the bundle's four (``[series] keys``), the employment table is any panel keyed by
    them (long, or years as columns), read as :func:`staffing_forecast.load_csv` reads one; so is the bundle's
    when ``gaps`` or ``totals`` (``[series] gaps``, ``[series] totals``) asks for other than the bundle's rules
    (missing periods an error, total rows set aside), with their codes then checked as a warning.
    """
    skipped: list[dict[str, str]] = []
    unread: list[str] = []
    if config.demo:
        from ..datasets import load_demo

        bundle = load_demo()
    elif config.bundle is not None:
        if keys == KEYS and gaps == "error" and totals == "aside":
            bundle, skipped = _load_folder(config.bundle, config.allow_partial, config.columns, unit)
        else:
            bundle, skipped = _load_folder_keyed(
                config.bundle, keys, config.allow_partial, config.columns, unit, gaps=gaps, totals=totals
            )
        unread = [p.name for p in table_files(config.bundle) if p.stem not in USED_TABLES]
    else:
        bundle = Bundle(employment=pd.DataFrame())  # filled from SQL below
    if config.sql is not None:
        bundle, lost = _load_sql(bundle, config, keys)
        skipped += lost
    forms = 0
    if config.survey is not None:
        survey = load_survey(config.survey)
        forms = int(survey.plans["employer"].nunique()) if survey.plans is not None else 0
        if survey.plans is not None and len(survey.plans):
            plans = survey.plans if bundle.plans is None else pd.concat([bundle.plans, survey.plans])
            unique = ["employer", "occupation", "vintage", DS, "kind"]
            bundle = replace(bundle, plans=plans.drop_duplicates(unique, keep="last").reset_index(drop=True))
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


def _load_folder_keyed(
    folder: Path,
    keys: tuple[str, ...],
    allow_partial: bool,
    columns: Any = None,
    unit: str | None = None,
    *,
    gaps: str = "error",
    totals: str = "aside",
) -> tuple[Bundle, list[dict[str, str]]]:
    """Load a bundle folder whose employment table has keys of its own; the other tables as in a bundle."""
    from ..loaders import load_table
    from ..loaders.tables import TABLES

    files = table_files(folder)
    tables: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    skipped: list[dict[str, str]] = []
    for path in files:
        if path.stem not in TABLES:
            problems.append(
                f"{path.name}: not a bundle table{closest(path.stem, TABLES)} Tables: {', '.join(TABLES)}."
            )
            continue
        if path.stem not in USED_TABLES or path.stem in tables:
            continue
        try:
            if path.stem == "employment":
                tables["employment"] = _keyed_employment(
                    path, keys, _for_table(columns, "employment"), unit, gaps=gaps, totals=totals
                )
            else:
                tables[path.stem] = load_table(
                    path, path.stem, columns=_for_table(columns, path.stem), unit=unit
                )
        except (SchemaError, ConfigError) as error:
            if allow_partial and path.stem != "employment":
                skipped.append({"source": str(path), "reason": str(error)})
            else:
                problems.append(str(error))
    if "employment" not in tables and not problems:
        problems.append(f"{folder}: no employment table (employment.csv, .xlsx or .parquet); it is required.")
    if problems:
        raise SchemaError(f"{folder}: {len(problems)} file(s) have problems:\n" + "\n".join(problems))
    return Bundle(**tables, description=f"loaded from {folder}"), skipped


def _keyed_employment(
    path: Path,
    keys: tuple[str, ...],
    columns: Any,
    unit: str | None = None,
    *,
    gaps: str = "error",
    totals: str = "aside",
) -> pd.DataFrame:
    """Read an employment panel keyed by ``keys``; codes outside the shipped lists are a warning, not an error."""
    from ..loaders import load_csv, load_excel, load_parquet

    loaders = {".csv": load_csv, ".xlsx": load_excel, ".parquet": load_parquet}
    # Any panel, not only the IT cluster's: its codes are checked below, as a warning.
    panel = loaders[path.suffix.lower()](
        path,
        columns=columns,
        keys=list(keys),
        check_code_lists=False,
        min_length=1,
        unit=unit,
        gaps=gaps,
        totals=totals,
    )
    _warn_unknown_codes(panel, keys, path.name)
    return panel


def _warn_unknown_codes(panel: pd.DataFrame, keys: tuple[str, ...], where: str) -> None:
    """Warn of ``sector`` codes not in ОКВЭД2 and ``occupation`` codes outside the shipped ОКЗ list.

    The shipped ОКЗ list holds the ICT occupations only, so another occupation is not necessarily wrong: the
    series is forecast as it is, and the warning says so.
    """
    from .. import reference

    known = {
        "sector": (set(reference.okved2()["sector"]), "ОКВЭД2 (sf.reference.okved2())"),
        "occupation": (set(reference.occupations()["occupation"]), "the shipped ОКЗ list of ICT occupations"),
    }
    for key in keys:
        if key not in known:
            continue
        codes, listing = known[key]
        unknown = sorted(set(panel[key].astype(str)) - codes - {"*"})
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            warnings.warn(
                f"{where}, column {key!r}: {len(unknown)} code(s) are not in {listing}: {shown}; their series are "
                "forecast as they are (check the codes if the quota should read them).",
                DataWarning,
                stacklevel=2,
            )


def _for_table(columns: Any, table: str) -> dict[str, str] | None:
    """Return the renames of one table: ``columns`` maps headers, or tables to their own maps."""
    if not columns:
        return None
    if any(isinstance(v, dict) for v in columns.values()):
        return columns.get(table)
    return dict(columns)


def _load_sql(
    bundle: Bundle, config: SourcesConfig, keys: tuple[str, ...] = KEYS
) -> tuple[Bundle, list[dict[str, str]]]:
    from ..loaders.files import read_sql_cells
    from ..loaders.panels import to_panel
    from ..loaders.tables import TABLES, validate_table

    assert config.sql is not None
    url = config.sql.connection_url()
    tables, skipped = {}, []
    for name, query in config.sql.tables.items():
        try:
            cells, place = read_sql_cells(query, url)
            if name == "employment" and keys != KEYS:
                tables[name] = to_panel(cells, place, keys=list(keys), check_code_lists=False, min_length=1)
                _warn_unknown_codes(tables[name], keys, place.at())
            else:
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
    check_frequency(bundle.employment, config.frequency)
    employment = check_panel(bundle.employment, freq=config.frequency, gaps=config.gaps)
    keys = [c for c in config.keys if c in employment.columns]
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
    # The windows must start after the first date: h · windows periods and one to fit on.
    periods = panel[DS].nunique()
    needed = config.cv_horizon * config.cv_windows + 1
    if periods < needed:
        warnings.warn(
            f"[forecast] cv_windows = {config.cv_windows} of cv_horizon = {config.cv_horizon} periods need "
            f"{needed} periods of history, and the data have {periods} ({panel[DS].min().year}–"
            f"{panel[DS].max().year}): the models are not compared, and every series is forecast by the first "
            f"candidate, {config.models[0]!r}. Lower cv_windows or cv_horizon in run.toml to compare them.",
            DataWarning,
            stacklevel=2,
        )
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
        reason = (
            "the only candidate"
            if len(config.models) == 1
            else "too short to judge: no window fits the history"
        )
        selection = pd.DataFrame({UNIQUE_ID: ids, MODEL: only, "reason": reason})
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


_FREQUENCY_WORDS = {"YS": "yearly", "QS": "quarterly", "MS": "monthly"}


def data_frequency(dates: pd.Series) -> str | None:
    """Return the frequency the dates look like: ``"YS"``, ``"QS"`` or ``"MS"``, or ``None`` (not period starts).

    Examples
    --------
    >>> data_frequency(pd.Series(pd.to_datetime(["2019-01-01", "2020-01-01"])))
    'YS'
    >>> data_frequency(pd.Series(pd.to_datetime(["2019-01-01", "2019-04-01"])))
    'QS'
    """
    days = pd.DatetimeIndex(pd.to_datetime(dates.dropna().unique()))
    if len(days) == 0 or (days.day != 1).any():
        return None
    months = set(days.month)
    if months == {1}:
        return "YS"
    return "QS" if months <= {1, 4, 7, 10} else "MS"


def check_frequency(employment: pd.DataFrame, frequency: str) -> None:
    """Refuse a ``[series] frequency`` the employment dates do not have, saying which one they have.

    Without it, yearly data read as quarters would be reported as hundreds of missing quarters.

    Examples
    --------
    >>> panel = pd.DataFrame({"ds": pd.to_datetime(["2019-01-01", "2020-01-01"])})
    >>> check_frequency(panel, "QS")
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: [series] frequency = 'QS': the data looks yearly (every date is 1 January); set frequency = "YS" in run.toml.
    """
    found = data_frequency(employment[DS]) if DS in employment.columns else None
    if found is None or found == frequency:
        return
    evidence = {
        "YS": "every date is 1 January",
        "QS": "every date is the first day of a quarter",
        "MS": "the dates fall on the first days of months other than quarter starts",
    }[found]
    raise ConfigError(
        f"[series] frequency = {frequency!r}: the data looks {_FREQUENCY_WORDS[found]} ({evidence}); set "
        f'frequency = "{found}" in run.toml.'
    )


#: How a missing input of the quota says the stage can be turned off (the ``quota`` command says its own way).
QUOTA_OFF = "or set [quota] enabled = false in run.toml to forecast only"


def check_inputs(config: Config, bundle: Bundle) -> tuple[list[str], bool]:
    """Check, before any forecasting, that every stage has what it reads.

    Returns the notes for the manifest and whether the quota runs. Everything missing is raised at once as a
    :class:`~staffing_forecast.ConfigError`, each item with its fix: the table and columns to add, or the line of
    ``run.toml`` that turns the stage off. Without any data for the quota (no institutions, graduates, enrolment
    or admissions table) and ``[quota] enabled`` not set to ``true``, the run forecasts only and a note says so.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> from staffing_forecast.pipeline import parse_config
    >>> demo = sf.datasets.load_demo()
    >>> check_inputs(parse_config({"sources": {"demo": True}}), demo)
    ([], True)
    >>> bare = Bundle(employment=demo.employment)
    >>> notes, quota = check_inputs(parse_config({"sources": {"demo": True}}), bare)
    >>> quota, notes[0].startswith("forecast only: the quota is not computed")
    (False, True)
    """
    from ..loaders.tables import TABLES

    notes: list[str] = []
    problems: list[str] = []
    columns = set(bundle.employment.columns)
    adjustments = config.adjustments.file
    if adjustments is not None and not Path(adjustments).is_file():
        problems.append(
            f"[adjustments] file = '{adjustments}': no such file; write it (unique_id, ds, value or "
            "delta or factor, reason), or remove the line to apply no adjustments."
        )
    elif adjustments is not None:
        try:  # read now, so that a row without a reason does not stop the run after forecasting
            read_adjustments(Path(adjustments))
        except (ConfigError, SchemaError) as error:
            problems.append(f"[adjustments] file = '{adjustments}': {error}")
    quota = config.quota is not None
    if config.quota is None:
        if "occupation" in config.series.keys:
            notes.append("forecast only: the quota is off ([quota] enabled = false in run.toml).")
        else:
            notes.append(
                f"forecast only: [series] keys = {list(config.series.keys)!r} have no occupation, and the quota "
                "reads the forecast by occupation."
            )
    else:
        program_tables = ("institutions", "graduates", "enrolment", "admissions")
        if not config.quota_required and all(getattr(bundle, t) is None for t in program_tables):
            quota = False
            notes.append(
                "forecast only: the quota is not computed, because the data have no institutions table (nor "
                "graduates, enrolment or admissions); add institutions with columns "
                f"{', '.join(TABLES['institutions'].names)} to compute it, or set [quota] enabled = false to say "
                "so in run.toml."
            )
        else:
            off = QUOTA_OFF
            if bundle.institutions is None:
                problems.append(
                    "quota: the data have no institutions table, so the programs have no capacity; add "
                    f"institutions (institutions.csv, .xlsx or a [sources.sql] table) with columns "
                    f"{', '.join(TABLES['institutions'].names)}, {off}."
                )
            for key, why in (
                ("occupation", "reads the forecast by occupation"),
                ("employer", "counts employers"),
            ):
                if key not in columns:
                    problems.append(
                        f"quota: the employment table has no {key} column (the quota {why}); add it to "
                        f"[series] keys, {off}."
                    )
    if problems:
        raise ConfigError(
            f"the run cannot start: {len(problems)} input(s) missing (nothing was forecast):\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return notes, quota
