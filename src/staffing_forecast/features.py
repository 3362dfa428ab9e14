"""Features for models with drivers: calendar terms, regional drivers, survey plans by vintage, target transforms.

:func:`make_features` builds the training rows and the future rows with the same code, so a model sees the same
columns in fitting and forecasting (no train/serve skew). Future rows need known values for every driver over
the whole horizon; a missing one is an error that lists what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .errors import ConfigError, SchemaError, closest
from .schema import ALL, DS, FREQUENCIES, UNIQUE_ID, infer_freq, key_columns, make_unique_id

__all__ = ["BoxCox", "Log1p", "calendar", "future_rows", "make_features", "plan_features", "scenario"]


def calendar(ds: pd.Series, freq: str) -> pd.DataFrame:
    """Calendar terms: ``year`` and, for sub-annual data, ``quarter`` or ``month``.

    Examples
    --------
    >>> calendar(pd.Series(pd.to_datetime(["2024-04-01"])), "QS").to_dict("records")
    [{'year': 2024, 'quarter': 2}]
    """
    out = pd.DataFrame({"year": ds.dt.year.to_numpy()}, index=ds.index)
    if freq == "QS":
        out["quarter"] = ds.dt.quarter.to_numpy()
    elif freq == "MS":
        out["month"] = ds.dt.month.to_numpy()
    return out


def future_rows(panel: pd.DataFrame, h: int, freq: str | None = None) -> pd.DataFrame:
    """Make the ``h`` future rows of every series (``unique_id``, key columns, ``ds``), after its last date.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.to_datetime(["2024-01-01", "2025-01-01"]), "y": [1.0, 2.0]})
    >>> future_rows(panel, 2)["ds"].dt.year.tolist()
    [2026, 2027]
    """
    if h < 1:
        raise ConfigError(f"h={h!r}: the horizon must be a whole number of periods, 1 or more.")
    freq = freq or infer_freq(panel)
    keys = key_columns(panel)
    last = panel.groupby(UNIQUE_ID, sort=True).agg({DS: "max", **{k: "first" for k in keys}})
    months = FREQUENCIES[freq][0]
    parts = []
    for step in range(1, h + 1):
        part = last.copy()
        part[DS] = part[DS] + pd.DateOffset(months=months * step)
        parts.append(part)
    out = pd.concat(parts).reset_index().sort_values([UNIQUE_ID, DS])
    out[DS] = out[DS].astype("datetime64[ns]")
    return out[[UNIQUE_ID, *keys, DS]].reset_index(drop=True)


def _join_drivers(
    rows: pd.DataFrame, drivers: pd.DataFrame, columns: Sequence[str], on: Sequence[str], what: str
) -> pd.DataFrame:
    missing_cols = [c for c in [*on, DS, *columns] if c not in drivers.columns]
    if missing_cols:
        raise SchemaError(f"drivers: missing column(s) {missing_cols}; it has {list(drivers.columns)}.")
    lacking_keys = [k for k in on if k not in rows.columns]
    if lacking_keys:
        raise SchemaError(
            f"make_features: the panel has no key column {lacking_keys} to join the drivers on; pass on=() for "
            "drivers that hold for every series, or on= with keys the panel has."
        )
    table = drivers[[*on, DS, *columns]].astype({k: str for k in on})  # codes typed as numbers still join
    if table.duplicated([*on, DS]).any():
        raise SchemaError(
            f"drivers: more than one row per {[*on, DS]}; keep one scenario (e.g. "
            "sf.features.scenario(drivers, 'base'))."
        )
    rows = _match_aggregates(rows, table, on)
    joined = rows.merge(table, on=[*on, DS], how="left")
    lacking = joined[joined[list(columns)].isna().any(axis=1)]
    if len(lacking):
        first = lacking.iloc[0]
        dates = sorted(int(y) for y in lacking[DS].dt.year.unique())
        raise SchemaError(
            f"drivers: no {what} values for {len(lacking)} row(s), e.g. {first[UNIQUE_ID]!r} at {first[DS].date()}"
            f" (years {dates[:8]}); add them (a scenario for future years) or drop the driver."
        )
    return joined


def _match_aggregates(rows: pd.DataFrame, table: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """Let an aggregate series (``*`` in a join key) take the drivers of the key's only value.

    A cluster's drivers are usually one region's: the total over regions (``*``) is then that region. With drivers
    for several values and none for ``*`` there is no single value to take, which is an error saying what to do.
    """
    rows = rows.astype({k: str for k in on})
    for key in on:
        total = rows[key] == ALL
        values = set(table[key].astype(str))
        if not total.any() or ALL in values:
            continue
        if len(values) != 1:
            uid = rows.loc[total, UNIQUE_ID].iloc[0]
            raise SchemaError(
                f"drivers: series {uid!r} sums over {key} ('{ALL}'), but the drivers hold {len(values)} values of "
                f"{key} ({sorted(values)[:5]}); add rows with {key} '{ALL}' for the total, aggregate the panel by "
                f"{key}, or join on fewer keys (on=)."
            )
        rows.loc[total, key] = next(iter(values))
    return rows


def scenario(drivers: pd.DataFrame, name: str = "base", /, **factors: float) -> pd.DataFrame:
    """Return the drivers of one scenario, optionally with some drivers scaled: one row per key and date.

    Keeps the ``actual`` rows (history) and the rows of scenario ``name`` (future years), drops the
    ``scenario`` column, and multiplies each future value of every driver named in ``factors`` by its factor:
    ``it_revenue=1.2`` is IT revenue 20 % above the scenario's path in every future year. History is never
    scaled. The result goes to :func:`make_features` as ``drivers=``.

    Parameters
    ----------
    drivers
        A drivers table with a ``scenario`` column (``bundle.drivers``: ``actual``, ``base``, ``low``, ``high``).
    name
        The scenario of the future years.
    **factors
        Driver column → positive factor applied to its future values.

    Returns
    -------
    pandas.DataFrame
        The drivers table without ``scenario``, sorted by its keys and date.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> drivers = sf.datasets.load_demo().drivers
    >>> boom = scenario(drivers, "base", it_revenue=1.2)
    >>> base = scenario(drivers, "base")
    >>> future = base["ds"].dt.year > 2025
    >>> bool(np.allclose(boom.loc[future, "it_revenue"], 1.2 * base.loc[future, "it_revenue"]))
    True
    >>> boom.loc[~future, "it_revenue"].equals(base.loc[~future, "it_revenue"])
    True
    """
    if "scenario" not in drivers.columns:
        raise SchemaError(
            f"scenario: the drivers have no 'scenario' column (columns: {list(drivers.columns)}); it marks the "
            "'actual' rows and each scenario's future rows."
        )
    known = sorted(set(drivers["scenario"]) - {"actual"})
    if name == "actual" or name not in known:
        raise ConfigError(
            f"scenario: {name!r} is not a scenario of these drivers{closest(name, known)} Scenarios: {known}."
        )
    numeric = [c for c in drivers.columns if c != DS and pd.api.types.is_numeric_dtype(drivers[c])]
    for column, factor in factors.items():
        if column not in numeric:
            raise ConfigError(
                f"scenario: {column!r} is not a driver{closest(column, numeric)} Drivers: {numeric}."
            )
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < float("inf"):
            raise ConfigError(
                f"scenario: {column}={factor!r}; give a positive factor, e.g. 1.2 for 20 % above the scenario."
            )
    chosen = drivers[drivers["scenario"].isin(["actual", name])].copy()
    future = (chosen["scenario"] == name).to_numpy()
    for column, factor in factors.items():
        chosen[column] = chosen[column].astype(float)
        chosen.loc[future, column] = chosen.loc[future, column] * float(factor)
    keys = [c for c in chosen.columns if c not in (DS, "scenario", *numeric)]
    return chosen.drop(columns="scenario").sort_values([*keys, DS]).reset_index(drop=True)


def plan_features(rows: pd.DataFrame, plans: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    """Return the latest plan made by ``cutoff`` for each row's series and date (NaN where none covers it).

    Only vintages dated at or before the cutoff year are used, so a model fitted at the cutoff never sees a plan
    made later.

    Examples
    --------
    >>> plans = pd.DataFrame({"region": "67", "sector": "62.01", "employer": "E1", "occupation": "2512",
    ...     "vintage": [2024, 2026], "ds": pd.to_datetime(["2026-01-01"] * 2), "kind": "plan", "value": [100, 130]})
    >>> rows = pd.DataFrame({"unique_id": ["67/62.01/E1/2512"], "ds": pd.to_datetime(["2026-01-01"])})
    >>> plan_features(rows, plans, pd.Timestamp("2025-01-01")).tolist()  # the 2026 survey is not known in 2025
    [100]
    """
    usable = plans[plans["vintage"] <= cutoff.year]
    uid = make_unique_id(usable, ["region", "sector", "employer", "occupation"])
    latest = (
        usable.assign(**{UNIQUE_ID: uid}).sort_values("vintage").drop_duplicates([UNIQUE_ID, DS], keep="last")
    )
    joined = rows[[UNIQUE_ID, DS]].merge(latest[[UNIQUE_ID, DS, "value"]], on=[UNIQUE_ID, DS], how="left")
    return pd.Series(joined["value"].to_numpy(), index=rows.index, name="plan")


def make_features(
    panel: pd.DataFrame,
    h: int = 0,
    *,
    drivers: pd.DataFrame | None = None,
    driver_columns: Sequence[str] = (),
    on: Sequence[str] = ("region",),
    plans: pd.DataFrame | None = None,
    calendar_terms: bool = True,
    freq: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and future feature frames, built by one code path.

    Parameters
    ----------
    panel
        The history (``unique_id``, ``ds``, ``y``, keys).
    h
        Future periods to build (0: none).
    drivers, driver_columns, on
        A drivers table with one scenario (e.g. ``scenario(bundle.drivers, "base")``), the columns to use, and
        the keys to join on besides ``ds``. An aggregate series (``*`` in a key of ``on``, as
        :func:`staffing_forecast.aggregate` writes) takes the drivers of that key's only value, e.g. the
        cluster's one region; ``on=()`` joins on the date alone.
    plans
        Survey plans (``bundle.plans``); adds a ``plan`` column from the latest vintage made by the panel's last
        date (NaN where no plan covers a row).
    calendar_terms
        Add ``year`` (and ``quarter`` or ``month``).

    Returns
    -------
    (X, X_future)
        ``unique_id``, ``ds`` and the feature columns for the training rows and the ``h`` future rows.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> demo = sf.datasets.load_demo()
    >>> drivers = scenario(demo.drivers, "base")
    >>> X, X_future = make_features(demo.employment, h=3, drivers=drivers, driver_columns=["grp", "wage"])
    >>> list(X_future.columns), int(X_future["ds"].dt.year.max())
    (['unique_id', 'ds', 'year', 'grp', 'wage'], 2028)
    """
    freq = freq or infer_freq(panel)
    if drivers is None and driver_columns:
        raise ConfigError("make_features: driver_columns given without drivers=.")
    train = panel[[UNIQUE_ID, DS, *key_columns(panel)]].reset_index(drop=True)
    future = future_rows(panel, h, freq) if h else train.iloc[:0]
    cutoff = panel[DS].max()
    out = []
    for rows, what in ((train, "history"), (future, "future")):
        X = rows[[UNIQUE_ID, DS]].copy()
        if calendar_terms:
            X = X.join(calendar(rows[DS], freq))
        if drivers is not None and driver_columns:
            joined = _join_drivers(rows, drivers, driver_columns, on, what)
            for column in driver_columns:
                X[column] = joined[column].to_numpy()
        if plans is not None:
            X["plan"] = plan_features(rows, plans, cutoff).to_numpy()
        out.append(X.reset_index(drop=True))
    return out[0], out[1]


@dataclass
class Log1p:
    """``log(1 + y)`` and its exact inverse ``exp(z) − 1``; keeps zero head counts finite.

    Examples
    --------
    >>> t = Log1p()
    >>> t.inverse(t.transform(np.array([0.0, 9.0]))).tolist()
    [0.0, 9.0]
    """

    def fit(self, y: np.ndarray) -> Log1p:
        """Check that ``y`` has no negative value; nothing to estimate."""
        if np.any(y < 0):
            raise SchemaError("Log1p: values must be 0 or more.")
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        """Return ``log(1 + y)``."""
        return np.log1p(y)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Return ``exp(z) − 1``."""
        return np.expm1(z)


def _bounded_search(fun: Callable[[float], float]) -> optimize.OptimizeResult:
    return optimize.minimize_scalar(fun, bounds=(-1.0, 2.0), method="bounded")


@dataclass
class BoxCox:
    """Box–Cox transform of ``y + shift`` with λ estimated by maximum likelihood in [-1, 2] (or given).

    Notes
    -----
    Box & Cox (1964), JRSS B 26(2); estimation by ``scipy.stats.boxcox``, inverse by ``scipy.special.inv_boxcox``.

    Examples
    --------
    >>> t = BoxCox(lmbda=0.5).fit(np.array([1.0, 4.0, 9.0]))
    >>> np.round(t.inverse(t.transform(np.array([1.0, 4.0, 9.0]))), 10).tolist()
    [1.0, 4.0, 9.0]
    """

    lmbda: float | None = None
    shift: float = 1.0

    def fit(self, y: np.ndarray) -> BoxCox:
        """Estimate λ (``lmbda_``) by maximum likelihood unless it was given."""
        shifted = np.asarray(y, dtype=float) + self.shift
        if np.any(shifted <= 0):
            raise SchemaError(f"BoxCox: values + shift must be positive; raise shift (now {self.shift}).")
        if self.lmbda is None:
            if np.ptp(shifted) <= 1e-9 * np.max(shifted):
                # Constant to rounding (e.g. 1 + 2e-16 beside 1): the likelihood is flat, λ = 1 leaves it as it is.
                self.lmbda_ = 1.0
            else:
                # Search only [-1, 2]: outside it the transform loses precision and its back-transform becomes
                # unstable (the range of Guerrero's and the forecast package's searches).
                lmbda = stats.boxcox_normmax(shifted, method="mle", optimizer=_bounded_search)
                self.lmbda_ = float(lmbda)
        else:
            self.lmbda_ = float(self.lmbda)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        """Return the Box–Cox transform of ``y + shift``."""
        return special.boxcox(np.asarray(y, dtype=float) + self.shift, self.lmbda_)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Return the values ``y`` whose transform is ``z``."""
        return special.inv_boxcox(np.asarray(z, dtype=float), self.lmbda_) - self.shift
