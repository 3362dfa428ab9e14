"""The batch job's configuration: ``run.toml`` read with :mod:`tomllib` into a frozen tree of dataclasses.

Every key is checked where it is read: a wrong type or value is a :class:`~staffing_forecast.ConfigError` naming
the file, the key, the value and what is allowed, and an unknown key is an error too (a misspelt ``horizn`` must
not quietly become the default). ``docs/pipeline.md`` is the reference of every key; :data:`EXAMPLE` is a
commented file that :func:`load_config` accepts as it is.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, closest
from ..loaders.totals import TOTALS_POLICIES
from ..metrics import METRICS
from ..models import REGISTRY
from ..quota import Policy
from ..reconciliation import METHODS as RECONCILE_METHODS
from ..reconciliation import TREE_ONLY
from ..units import UNITS, check_unit

__all__ = [
    "EXAMPLE",
    "AdjustmentsConfig",
    "Config",
    "ForecastConfig",
    "OutputConfig",
    "ParallelConfig",
    "SeriesConfig",
    "SourcesConfig",
    "SqlSource",
    "job_words",
    "load_config",
    "parse_config",
    "write_example",
]

#: ``[forecast] reconcile``: ``"none"`` (each series as forecast) or a method of ``sf.reconcile``.
RECONCILE = ("none", *RECONCILE_METHODS)
FREQUENCIES = ("YS", "QS", "MS")
LANGUAGES = ("ru", "en")
#: The key columns of a bundle's employment table, the default ``[series] keys``.
KEYS = ("region", "sector", "employer", "occupation")
#: Column names a key cannot have: the panel's own columns.
_NOT_KEYS = ("unique_id", "ds", "y")


@dataclass(frozen=True)
class SqlSource:
    """Tables read from a database (``[sources.sql]``); the password comes from the environment, never the file."""

    url: str
    tables: Mapping[str, str]
    password_env: str | None = None

    def connection_url(self) -> str:
        """Return the URL with the password from ``password_env`` filled in (never stored or logged)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if self.password_env is None:
            return self.url
        password = os.environ.get(self.password_env)
        if password is None:
            raise ConfigError(
                f"[sources.sql] password_env = {self.password_env!r}: the environment variable is not set; "
                f"set it to the database password (export {self.password_env}=...) before the run."
            )
        return url.set(password=password).render_as_string(hide_password=False)

    def redacted(self) -> dict[str, Any]:
        """Return the source as plain data for the manifest, the URL's password hidden."""
        from sqlalchemy.engine import make_url

        shown = make_url(self.url).render_as_string(hide_password=True)
        return {"url": shown, "password_env": self.password_env, "tables": dict(self.tables)}


@dataclass(frozen=True)
class SourcesConfig:
    """Where the data come from (``[sources]``): a bundle folder, survey forms, SQL tables, or the demo."""

    bundle: Path | None = None
    survey: Path | None = None
    sql: SqlSource | None = None
    demo: bool = False
    allow_partial: bool = False
    columns: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SeriesConfig:
    """Which series are forecast (``[series]``): levels of the hierarchy, each the keys employment is summed to.

    ``keys`` are the key columns of the employment table, coarse to fine (the bundle's region, sector, employer
    and occupation by default; any columns otherwise, e.g. ``("industry",)``).
    """

    frequency: str = "YS"
    hierarchy: tuple[tuple[str, ...], ...] = (("occupation",),)
    bottom: bool = False
    keys: tuple[str, ...] = KEYS
    unit: str | None = None  # of employment's values; None: as the file's header or title says, else persons
    gaps: str = (
        "error"  # missing periods inside a series: an error, or filled ("zero", "interpolate", "ffill")
    )
    totals: str = "aside"  # rows labelled «Итого»: set aside and checked, "keep" as series, or "error"

    @property
    def custom_keys(self) -> bool:
        """Whether the employment table has keys of its own rather than the bundle's four."""
        return self.keys != KEYS


@dataclass(frozen=True)
class ForecastConfig:
    """How (``[forecast]``): horizon, candidate models, the metric that chooses among them, intervals."""

    horizon: int = 7
    models: tuple[str, ...] = ("auto", "theta", "drift")
    metric: str = "mase"
    levels: tuple[int, ...] = (80, 95)
    cv_horizon: int = 3
    cv_windows: int = 3
    reconcile: str = "none"


@dataclass(frozen=True)
class AdjustmentsConfig:
    """Manual adjustments (``[adjustments]``): a CSV file of overrides, each with its reason."""

    file: Path | None = None


@dataclass(frozen=True)
class OutputConfig:
    """Where and in which language (``[output]``)."""

    store: Path = Path("runs-store")
    lang: str = "ru"
    workbooks: bool = True
    plots: bool = True
    disclosure: bool = False


@dataclass(frozen=True)
class ParallelConfig:
    """How the per-series work is spread (``[parallel]``): joblib workers, or a Dask scheduler's address."""

    n_jobs: int = -1
    scheduler: str | None = None


@dataclass(frozen=True)
class Config:
    """The whole configuration of one batch run; build it with :func:`load_config` or :func:`parse_config`.

    Examples
    --------
    >>> config = parse_config({"sources": {"demo": True}, "forecast": {"horizon": 5}})
    >>> config.forecast.horizon, config.forecast.models, config.quota.interval_level
    (5, ('auto', 'theta', 'drift'), 80)
    """

    sources: SourcesConfig = field(default_factory=SourcesConfig)
    series: SeriesConfig = field(default_factory=SeriesConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    adjustments: AdjustmentsConfig = field(default_factory=AdjustmentsConfig)
    quota: Policy | None = field(default_factory=Policy)
    quota_required: bool = False
    output: OutputConfig = field(default_factory=OutputConfig)
    parallel: ParallelConfig = field(default_factory=ParallelConfig)
    path: Path | None = None

    def replace(self, section: str, **changes: Any) -> Config:
        """Return a copy with some keys of one section changed (the command line's overrides).

        Examples
        --------
        >>> Config().replace("parallel", n_jobs=1).parallel.n_jobs
        1
        """
        current = getattr(self, section)
        return dataclasses.replace(self, **{section: dataclasses.replace(current, **changes)})

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as plain data for the manifest.

        Paths become text, and the SQL password is never included.
        """

        def plain(value: Any) -> Any:
            if isinstance(value, SqlSource):
                return value.redacted()
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, Mapping):
                return {str(k): plain(v) for k, v in value.items()}
            return value

        out = plain(self)
        out["quota"] = {"enabled": self.quota is not None, **(plain(self.quota) if self.quota else {})}
        return out


class _Section:
    """Reads the keys of one table of the file, checking each; ``done`` refuses the keys nobody asked for."""

    def __init__(self, where: str, name: str, values: Any) -> None:
        self.where, self.name = where, name
        if not isinstance(values, Mapping):
            raise ConfigError(f"{where}: [{name}] must be a table (a [{name}] section or {{ ... }}).")
        self.values = dict(values)
        self.read: set[str] = set()

    def key(self, key: str) -> str:
        return f"{self.where}, [{self.name}] {key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, allowed: Sequence[Any] = ()) -> Any:
        self.read.add(key)
        if key not in self.values:
            return default
        value = self.values[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(_TYPE_WORDS.get(k, k.__name__) for k in kinds)
            raise ConfigError(f"{self.key(key)} = {value!r}: expected {names}.")
        if allowed and value not in allowed:
            raise ConfigError(
                f"{self.key(key)} = {value!r}: not allowed{closest(str(value), [str(a) for a in allowed])} "
                f"Allowed: {', '.join(repr(a) for a in allowed)}."
            )
        return value

    def path(self, key: str) -> Path | None:
        text = self.get(key, str, None)
        if text is None:
            return None
        if not text.strip():
            raise ConfigError(f"{self.key(key)} = '': give a path, or leave the key out.")
        return Path(text)

    def whole(self, key: str, default: int, low: int, what: str) -> int:
        value = self.get(key, int, default)
        if value < low:
            raise ConfigError(f"{self.key(key)} = {value}: {what}.")
        return int(value)

    def words(self, key: str, default: tuple[str, ...], allowed: Sequence[str] = ()) -> tuple[str, ...]:
        value = self.get(key, list, list(default))
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(f"{self.key(key)} = {value!r}: expected a list of strings.")
            if allowed and item not in allowed:
                raise ConfigError(
                    f"{self.key(key)}: {item!r} is not allowed{closest(item, allowed)} "
                    f"Allowed: {', '.join(repr(a) for a in allowed)}."
                )
        return tuple(value)

    def done(self) -> None:
        unknown = [k for k in self.values if k not in self.read]
        if unknown:
            key = unknown[0]
            raise ConfigError(
                f"{self.where}, [{self.name}]: unknown key {key!r}{closest(key, sorted(self.read))} "
                f"Known keys: {', '.join(sorted(self.read))}."
            )


_TYPE_WORDS = {
    str: "text in quotes",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list [...]",
    dict: "a table {...}",
}
_SECTIONS = ("sources", "series", "forecast", "adjustments", "quota", "output", "parallel")


def parse_config(data: Mapping[str, Any], *, path: str | os.PathLike[str] | None = None) -> Config:
    """Validate parsed TOML (a dict) into a :class:`Config`; relative paths are taken from ``path``'s folder.

    Examples
    --------
    >>> parse_config({"sources": {"demo": True}, "forecast": {"metric": "mse"}})
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: run.toml, [forecast] metric = 'mse': not allowed; did you mean 'rmse' or 'mase' or 'rmsse'? Allowed: ...
    """
    where = Path(path).name if path is not None else "run.toml"
    unknown = [k for k in data if k not in _SECTIONS]
    if unknown:
        raise ConfigError(
            f"{where}: unknown section [{unknown[0]}]{closest(unknown[0], _SECTIONS)} "
            f"Sections: {', '.join(f'[{s}]' for s in _SECTIONS)}."
        )
    base = Path(path).resolve().parent if path is not None else Path.cwd()

    def at(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else base / p)

    sources = _sources(_Section(where, "sources", data.get("sources", {})), at)
    series = _series(_Section(where, "series", data.get("series", {})))
    forecast = _forecast(_Section(where, "forecast", data.get("forecast", {})))
    s = _Section(where, "adjustments", data.get("adjustments", {}))
    adjustments = AdjustmentsConfig(file=at(s.path("file")))
    s.done()
    _check_reconcile(where, series, forecast)
    quota_section = _Section(where, "quota", data.get("quota", {}))
    quota = _quota(quota_section, series, forecast)
    s = _Section(where, "output", data.get("output", {}))
    output = OutputConfig(
        store=at(s.path("store")) or base / "runs-store",
        lang=s.get("lang", str, "ru", LANGUAGES),
        workbooks=s.get("workbooks", bool, True),
        plots=s.get("plots", bool, True),
        disclosure=s.get("disclosure", bool, False),
    )
    s.done()
    s = _Section(where, "parallel", data.get("parallel", {}))
    n_jobs = s.get("n_jobs", int, -1)
    if n_jobs == 0 or n_jobs < -1:
        raise ConfigError(
            f"{s.key('n_jobs')} = {n_jobs}: use 1 (no parallelism), a number of workers, or -1."
        )
    scheduler = s.get("scheduler", str, None)
    if scheduler is not None and "://" not in scheduler:
        raise ConfigError(
            f"{s.key('scheduler')} = {scheduler!r}: give a Dask scheduler address, e.g. 'tcp://host:8786'."
        )
    s.done()
    return Config(
        sources=sources,
        series=series,
        forecast=forecast,
        adjustments=adjustments,
        quota=quota,
        quota_required=quota is not None and quota_section.values.get("enabled") is True,
        output=output,
        parallel=ParallelConfig(n_jobs=n_jobs, scheduler=scheduler),
        path=Path(path).resolve() if path is not None else None,
    )


def _sources(s: _Section, at: Any) -> SourcesConfig:
    bundle, survey = at(s.path("bundle")), at(s.path("survey"))
    demo = s.get("demo", bool, False)
    allow_partial = s.get("allow_partial", bool, False)
    columns = s.get("columns", dict, None)
    sql = None
    if "sql" in s.values:
        t = _Section(s.where, "sources.sql", s.get("sql", dict, {}))
        url = t.get("url", str, "")
        if not url:
            raise ConfigError(
                f"{t.key('url')}: required, e.g. 'postgresql+psycopg://forecast@db.example/cluster'."
            )
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise ConfigError(f"{t.key('url')} = {url!r}: not a database URL ({error}).") from None
        if parsed.password is not None:
            raise ConfigError(
                f"{t.key('url')}: the URL holds a password; remove it and name the environment variable that "
                "holds it instead: password_env = 'SF_DB_PASSWORD'."
            )
        tables = t.get("tables", dict, {})
        from ..loaders.tables import TABLES

        for name, query in tables.items():
            if name not in TABLES:
                raise ConfigError(
                    f"{t.key('tables')}: {name!r} is not a bundle table{closest(name, TABLES)} "
                    f"Tables: {', '.join(TABLES)}."
                )
            if not isinstance(query, str) or not query.strip():
                raise ConfigError(f"{t.key('tables')}.{name}: give a table name or a SELECT statement.")
        sql = SqlSource(url=url, tables=dict(tables), password_env=t.get("password_env", str, None))
        t.done()
    s.done()
    if demo and (bundle or sql):
        raise ConfigError(
            f"{s.where}, [sources]: demo = true reads no files; remove bundle and sql, or demo."
        )
    if not demo and bundle is None and sql is None:
        raise ConfigError(
            f"{s.where}, [sources]: no data; set bundle = 'folder' (tables as files), a [sources.sql] table, or "
            "demo = true."
        )
    if sql is not None and bundle is None and "employment" not in sql.tables:
        raise ConfigError(f"{s.where}, [sources.sql] tables: needs employment (there is no bundle folder).")
    return SourcesConfig(
        bundle=bundle, survey=survey, sql=sql, demo=demo, allow_partial=allow_partial, columns=columns
    )


#: What ``[series] gaps`` may say: the loaders' ``gaps=`` policies but ``"keep"`` (a forecast needs every period).
GAPS = ("error", "zero", "interpolate", "ffill")

#: What a batch job's message advises for missing periods inside a series: the line of run.toml that fills them.
GAPS_ADVICE = (
    '[series] gaps = "zero", "interpolate" or "ffill" in run.toml fills them (with zeros, from the '
    "neighbours, or the last value carried forward); or add the missing rows to the file."
)
#: What a batch job's message advises for a missing value: the key of run.toml that fills it.
GAP_KEY_ADVICE = "or set [series] gaps in run.toml"

# The loaders' messages advise their Python options; in a batch job the same choice is a line of run.toml.
_JOB_WORDS = [
    (re.compile(r"Fill them explicitly with gaps=.*?\(or 'keep' to leave them\)\."), GAPS_ADVICE),
    (
        re.compile(r"To forecast them as series, load with totals='keep'; to refuse them, totals='error'\."),
        '[series] totals = "keep" in run.toml forecasts them as series; totals = "error" refuses them.',
    ),
    (re.compile(r"\bor load with a gaps= policy\b"), GAP_KEY_ADVICE),
    (re.compile(r"\b(gaps|totals|unit)='([^']*)'"), r'[series] \1 = "\2" in run.toml'),
]


def job_words(message: str) -> str:
    """Say the loader options a message advises as the lines of ``run.toml`` that make the same choice.

    Examples
    --------
    >>> print(job_words("'A' between 2014-01-01 and 2016-01-01. Fill them explicitly with gaps='zero', "
    ...                 "'interpolate' or 'ffill' (or 'keep' to leave them)."))
    'A' between 2014-01-01 and 2016-01-01. [series] gaps = "zero", "interpolate" or "ffill" in run.toml fills them (with zeros, from the neighbours, or the last value carried forward); or add the missing rows to the file.
    >>> job_words("the header says thousands; pass unit='чел.' if it does not.")
    'the header says thousands; pass [series] unit = "чел." in run.toml if it does not.'
    """
    for pattern, words in _JOB_WORDS:
        message = pattern.sub(words, message)
    return message


def _series(s: _Section) -> SeriesConfig:
    frequency = s.get("frequency", str, "YS", FREQUENCIES)
    keys = _keys(s)
    default = [["occupation"]] if "occupation" in keys else [list(keys)]
    raw = s.get("hierarchy", list, default)
    levels = []
    for level in raw:
        if not isinstance(level, list) or not all(isinstance(k, str) for k in level):
            example = [[keys[-1]], []]
            raise ConfigError(
                f"{s.key('hierarchy')} = {raw!r}: expected a list of key lists, e.g. {example!r}."
            )
        level = [_canonical(k) for k in level]
        for key in level:
            if key not in keys:
                raise ConfigError(
                    f"{s.key('hierarchy')}: {key!r} is not a key{closest(key, keys)} The keys ([series] keys) "
                    f"are: {', '.join(keys)}."
                )
        levels.append(tuple(k for k in keys if k in level))  # one order, whatever order the file uses
    bottom = s.get("bottom", bool, False)
    unit = s.get("unit", str, None, [spelling for labels in UNITS.values() for spelling in labels])
    gaps = s.get("gaps", str, "error", list(GAPS))
    totals = s.get("totals", str, "aside", list(TOTALS_POLICIES))
    if not levels and not bottom:
        raise ConfigError(f"{s.key('hierarchy')} = []: forecast at least one level, or set bottom = true.")
    if len(set(levels)) != len(levels):
        raise ConfigError(f"{s.key('hierarchy')} = {raw!r}: a level is listed twice.")
    s.done()
    return SeriesConfig(
        frequency=frequency,
        hierarchy=tuple(levels),
        bottom=bottom,
        keys=keys,
        unit=None if unit is None else check_unit(unit),
        gaps=gaps,
        totals=totals,
    )


def _canonical(key: str) -> str:
    """Return the column a key names: a known Russian header (``Код ОКЗ``) is its canonical name (``occupation``).

    The loaders read those headers as the canonical names, so the job's keys must name them so too.
    """
    from ..loaders.headers import RUSSIAN_HEADERS, normalise_header

    for name in KEYS:
        if normalise_header(key) in {normalise_header(alias) for alias in RUSSIAN_HEADERS[name]}:
            return name
    return key


def _keys(s: _Section) -> tuple[str, ...]:
    """Read ``[series] keys``: the employment table's key columns, any names, coarse to fine."""
    keys = tuple(_canonical(k) for k in s.words("keys", KEYS))
    if not keys:
        raise ConfigError(f"{s.key('keys')} = []: name at least one key column, e.g. ['industry'].")
    for key in keys:
        if not key.strip() or key in _NOT_KEYS:
            raise ConfigError(
                f"{s.key('keys')}: {key!r} cannot be a key; name the columns that tell the series apart "
                "(the date and value columns are found by themselves)."
            )
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{s.key('keys')} = {list(keys)!r}: a key is listed twice.")
    return keys


def _forecast(s: _Section) -> ForecastConfig:
    horizon = s.whole("horizon", 7, 1, "forecast at least 1 period ahead")
    models = s.words("models", ("auto", "theta", "drift"), sorted(REGISTRY))
    if not models:
        raise ConfigError(f"{s.key('models')} = []: name at least one model, e.g. ['auto'].")
    metric = s.get("metric", str, "mase", list(METRICS))
    levels = s.get("levels", list, [80, 95])
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 100 for v in levels):
        raise ConfigError(f"{s.key('levels')} = {levels!r}: whole percents between 0 and 100, e.g. [80, 95].")
    cv_horizon = s.whole("cv_horizon", 3, 1, "each cross-validation window forecasts at least 1 period")
    cv_windows = s.whole("cv_windows", 3, 1, "use at least 1 cross-validation window")
    reconcile = s.get("reconcile", str, "none", RECONCILE)
    s.done()
    return ForecastConfig(
        horizon=horizon,
        models=models,
        metric=metric,
        levels=tuple(sorted(set(levels))),
        cv_horizon=cv_horizon,
        cv_windows=cv_windows,
        reconcile=reconcile,
    )


def hierarchy_levels(series: SeriesConfig, keys: tuple[str, ...] | None = None) -> list[tuple[str, ...]]:
    """Return the levels of ``sf.Hierarchy.from_keys`` for ``[series]``.

    They are the levels of ``hierarchy`` and, with ``bottom``, all ``keys`` (``[series] keys`` by default).

    Examples
    --------
    >>> hierarchy_levels(SeriesConfig(hierarchy=((), ("occupation",)), bottom=True))
    [(), ('occupation',), ('region', 'sector', 'employer', 'occupation')]
    """
    keys = series.keys if keys is None else keys
    levels = list(series.hierarchy)
    if series.bottom and keys not in levels:
        levels.append(keys)
    return levels


def _check_reconcile(where: str, series: SeriesConfig, forecast: ForecastConfig) -> None:
    """Refuse a reconciliation the levels of ``[series] hierarchy`` cannot take, naming both keys."""
    method = forecast.reconcile
    if method == "none":
        return
    levels = hierarchy_levels(series)
    shown = [list(level) for level in series.hierarchy]
    if len(levels) < 2:
        raise ConfigError(
            f"{where}, [forecast] reconcile = {method!r}: [series] hierarchy = {shown!r} is a single level, so "
            "there is nothing to add up; add a coarser level (e.g. [] for the total, or ['sector']), set "
            "[series] bottom = true, or reconcile = 'none'."
        )
    by_size = sorted(levels, key=len)
    if method in TREE_ONLY and not all(set(a) <= set(b) for a, b in itertools.pairwise(by_size)):
        others = ", ".join(repr(m) for m in RECONCILE if m not in ("none", *TREE_ONLY))
        raise ConfigError(
            f"{where}, [forecast] reconcile = {method!r}: splits top series down a strict tree, but [series] "
            f"hierarchy = {shown!r} is grouped (crossed: neither of two levels keeps the other's keys). Use "
            f"one of {others}, or levels that nest (each keeping the keys of the coarser ones)."
        )


def _quota(s: _Section, series: SeriesConfig, forecast: ForecastConfig) -> Policy | None:
    enabled = s.get("enabled", bool, True)
    known = [f.name for f in dataclasses.fields(Policy)]
    kinds: dict[str, Any] = {
        "interval_level": int,
        "cost_short": (int, float),
        "cost_surplus": (int, float),
        "max_change": (int, float),
        "min_group": int,
        "small_total": str,
        "min_cell": (int, float),
        "min_employers": int,
        "apportionment": str,
        "intake_years": list,
    }
    assert set(kinds) == set(known), "every Policy field has a type here"  # a new field must be typed here
    values = {name: s.get(name, kinds[name], None) for name in known}
    s.done()
    if not enabled:
        return None
    if "occupation" not in series.keys and "enabled" not in s.values:
        return None  # nothing to read the quota from: the job forecasts only, and its manifest says why
    chosen = {k: v for k, v in values.items() if v is not None}
    if "intake_years" in chosen:
        chosen["intake_years"] = tuple(chosen["intake_years"])
    try:
        policy = Policy(**chosen)
    except ConfigError as error:
        text = str(error).removeprefix("Policy: ")
        field_name = text.split("=", 1)[0].split(":", 1)[0]
        # The policy names its field; the file's reader names the key as the file has it.
        where = f"[quota] {text}" if field_name in known else f"[quota]: {error}"
        raise ConfigError(f"{s.where}, {where}") from None
    if "occupation" not in series.keys:
        raise ConfigError(
            f"{s.key('enabled')} = true: the quota reads the forecast by occupation, and [series] keys = "
            f"{list(series.keys)!r} has no 'occupation'; add the occupation column to the keys, or set "
            "[quota] enabled = false."
        )
    if ("occupation",) not in series.hierarchy:
        raise ConfigError(
            f"{s.where}, [series] hierarchy = {[list(x) for x in series.hierarchy]!r}: the quota reads the "
            "forecast by occupation; add ['occupation'], or set [quota] enabled = false."
        )
    if policy.interval_level not in forecast.levels:
        raise ConfigError(
            f"{s.key('interval_level')} = {policy.interval_level}: the forecast has no such interval; add it to "
            f"[forecast] levels = {list(forecast.levels)}."
        )
    return policy


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a ``run.toml``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = write_example(pathlib.Path(tempfile.mkdtemp()) / "run.toml")
    >>> load_config(path).forecast.metric
    'mase'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; write an example with `staffing-forecast init-config {path}`."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}); save it as UTF-8 text.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: not valid TOML: {error}.") from None
    return parse_config(data, path=path)


def write_example(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write :data:`EXAMPLE`, a commented configuration that runs on the bundled demo as it is.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_example(pathlib.Path(tempfile.mkdtemp()) / "run.toml").name
    'run.toml'
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} already exists; choose another name or delete it first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXAMPLE, encoding="utf-8")
    return path


EXAMPLE = """\
# staffing-forecast batch job: `staffing-forecast run run.toml`
# Every key is optional unless marked; unknown keys are errors. Paths are relative to this file.
# The reference of every key is docs/pipeline.md.

[sources]
# One of: the bundled synthetic cluster, a bundle folder, or tables in a database.
demo = true
# bundle = "data"                 # a folder with employment.csv, institutions.csv, ... (CSV, Excel or Parquet)
# survey = "forms"                # a folder of filled employer survey forms; their plans join the bundle's
# allow_partial = false           # true: skip unreadable tables other than employment (the manifest lists them)
# columns = { "Числ. занятых" = "y" }   # rename headers of every table file (Russian headers are read anyway)

# [sources.sql]
# url = "postgresql+psycopg://forecast@db.example/cluster"   # no password in the URL ...
# password_env = "SF_DB_PASSWORD"                             # ... it is read from this environment variable
# tables = { employment = "SELECT region, sector, employer, occupation, year AS ds, headcount AS y FROM staff" }

[series]
# keys = ["Отрасль", "Код ОКВЭД2"] # the employment table's key columns (default: region, sector, employer,
                                  # occupation); any panel's own, e.g. an industry x year table. Without an
                                  # occupation key the run forecasts only (no quota)
frequency = "YS"                  # YS (years), QS (quarters) or MS (months): the data's own
hierarchy = [["occupation"]]      # levels to forecast: the keys employment is summed to; [] is the total.
                                  # Keys: those of `keys`. The quota reads ["occupation"].
                                  # With [forecast] reconcile, e.g. [[], ["sector"], ["occupation"]]: the
                                  # levels of one hierarchy (their finest level, sector x occupation, is added)
bottom = false                    # true: also forecast every bottom series (employer x occupation)
# unit = "тыс. чел."              # the values' unit: "чел.", "тыс. чел." or "млн чел." (default: as the
                                  # header or title of the employment file says, persons otherwise)
# gaps = "zero"                   # a year missing inside a series: "error" (default), or fill it with
                                  # "zero", "interpolate" or "ffill" (the last value carried forward)
# totals = "aside"                # rows labelled «Итого»/«Всего»: set aside and checked against the sum of
                                  # the others (default), "keep" (a series like the others) or "error"

[forecast]
horizon = 7                       # periods ahead
models = ["auto", "theta", "drift"]   # candidates; cross-validation chooses one per series
metric = "mase"                   # the metric that chooses (mae, rmse, mape, smape, wape, mase, rmsse, ...)
levels = [80, 95]                 # interval levels, percent
cv_horizon = 3                    # periods forecast from each cross-validation origin
cv_windows = 3                    # cross-validation origins
reconcile = "none"                # coherent totals across the [series] hierarchy levels: "none", or a method of
                                  # sf.reconcile: bottom_up, ols, wls_struct, wls_var, mint_shrink (any levels);
                                  # top_down_historical, top_down_forecast, middle_out (levels that nest)

[adjustments]
# file = "adjustments.csv"        # unique_id, ds, one of value / delta / factor, reason (each row needs a reason)

[quota]
enabled = true                    # true: the quota must run; left out, it runs when the data allow it
interval_level = 80               # the forecast interval whose bounds are the low and high scenarios
cost_short = 1.0                  # cost of a missing graduate ...
cost_surplus = 1.0                # ... against a surplus one
max_change = 0.25                 # largest year-on-year change of a quota
min_group = 15                    # smallest group worth opening
# intake_years = [2026, 2027]     # default: every year the forecast reaches

[output]
store = "runs-store"              # the run store: runs/<time>-<hash>/, runs/latest, vintages/
lang = "ru"                       # language of the workbooks and plots (ru or en)
workbooks = true
plots = true                      # PNG pictures in the run's plots/: forecast, reconciliation, quota, track record
disclosure = false                # true: the forecast workbook, summary and CSV are for publication: no employer
                                  # rows, cells from < 3 employers, 85 % one employer's or < 10 persons blank, and
                                  # the cells that would give them away (sf.disclosure, docs/disclosure.md)

[parallel]
n_jobs = -1                       # worker processes on this machine (-1: every core)
# scheduler = "tcp://scheduler.example:8786"   # or a Dask cluster instead
"""
