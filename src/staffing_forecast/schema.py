"""Column names, frequencies and the checks that every frame passes once, at the edge of the library.

The frames (see ``docs/data.md``):

- **panel**: ``unique_id`` (str), ``ds`` (datetime64, regular frequency), ``y`` (float), key columns
  (text: ``region``, ``sector``, ``employer``, ``occupation`` ...) and optional exogenous columns (numeric).
- **forecast**: ``unique_id``, the panel's key columns, ``ds``, ``model``, ``mean``, ``lo_<L>``/``hi_<L>`` for each
  ``L`` in ``level``, and ``fallback``.

Key columns are the panel's text columns other than the reserved names, in frame order; exogenous columns are its
numeric columns other than ``y``. ``unique_id`` joins the key values with ``/`` in key order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, Place, SchemaError, raise_problems
from .parsing import on_distinct, parse_dates, stripped_text

__all__ = [
    "ALL",
    "CUTOFF",
    "DS",
    "FALLBACK",
    "FREQUENCIES",
    "HIERARCHY_LEVEL",
    "KEY_ORDER",
    "MEAN",
    "MODEL",
    "NOTE",
    "UNIQUE_ID",
    "Y",
    "check_forecast",
    "check_level",
    "check_panel",
    "exogenous_columns",
    "hi",
    "infer_freq",
    "key_columns",
    "lo",
    "make_unique_id",
    "normalise_dates",
]

UNIQUE_ID = "unique_id"
DS = "ds"
Y = "y"
MODEL = "model"
MEAN = "mean"
FALLBACK = "fallback"
#: How the model treated a series or its interval (rules, left-out members, widened intervals); "" if nothing.
NOTE = "note"
CUTOFF = "cutoff"
#: The level of a hierarchy a series belongs to (``sf.Hierarchy``); not a key.
HIERARCHY_LEVEL = "hierarchy_level"
#: Marks a key that an aggregate series sums over.
ALL = "*"
#: The usual order of the cluster's keys, coarse to fine.
KEY_ORDER = ("region", "sector", "employer", "occupation", "institution", "specialty", "level")
#: Supported frequencies: pandas alias → (months per step, pandas period alias, name).
FREQUENCIES = {"YS": (12, "Y", "yearly"), "QS": (3, "Q", "quarterly"), "MS": (1, "M", "monthly")}
_RESERVED = {UNIQUE_ID, DS, Y, MODEL, MEAN, FALLBACK, NOTE, CUTOFF, HIERARCHY_LEVEL}
_GAP_POLICIES = ("error", "keep", "zero", "interpolate", "ffill")


def lo(level: int) -> str:
    """Name of the lower interval bound column at ``level`` percent (``lo_80``)."""
    return f"lo_{level}"


def hi(level: int) -> str:
    """Name of the upper interval bound column at ``level`` percent (``hi_80``)."""
    return f"hi_{level}"


def check_level(level: int | Iterable[int]) -> tuple[int, ...]:
    """Validate interval levels: integers strictly between 0 and 100, returned sorted and unique.

    Examples
    --------
    >>> check_level([95, 80])
    (80, 95)
    >>> check_level(100)
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: level 100 is not an integer strictly between 0 and 100; use e.g. level=[80, 95].
    """
    levels = list(level) if isinstance(level, Iterable) and not isinstance(level, str) else [level]
    out = set()
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, (int, np.integer)) or not 0 < int(lv) < 100:
            raise ConfigError(
                f"level {lv!r} is not an integer strictly between 0 and 100; use e.g. level=[80, 95]."
            )
        out.add(int(lv))
    return tuple(sorted(out))


def key_columns(frame: pd.DataFrame) -> list[str]:
    """Return the key columns of a panel or forecast frame: its text columns other than the reserved names.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": ["a/x"], "ds": [pd.Timestamp("2020-01-01")], "y": [1.0],
    ...                       "region": ["a"], "occupation": ["x"], "wage": [3.0]})
    >>> key_columns(panel)
    ['region', 'occupation']
    """
    keys = []
    for col in frame.columns:
        if col in _RESERVED:
            continue
        dtype = frame[col].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        if not (numeric or pd.api.types.is_datetime64_any_dtype(dtype)):
            keys.append(str(col))
    return keys


def exogenous_columns(panel: pd.DataFrame) -> list[str]:
    """Return a panel's exogenous columns: its numeric columns other than ``y``."""
    return [
        str(c)
        for c in panel.columns
        if c not in _RESERVED
        and pd.api.types.is_numeric_dtype(panel[c].dtype)
        and not pd.api.types.is_bool_dtype(panel[c].dtype)
    ]


def make_unique_id(frame: pd.DataFrame, keys: Sequence[str], *, place: Place | None = None) -> pd.Series:
    """Join key values with ``/`` into series identifiers, rejecting empty values and values containing ``/``.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["67"], "sector": ["62.01"], "employer": ["E017"], "occupation": ["2512"]})
    >>> make_unique_id(frame, ["region", "sector", "employer", "occupation"]).tolist()
    ['67/62.01/E017/2512']
    """
    place = place or Place("frame", in_file=False)
    if not keys:
        raise ConfigError(
            "make_unique_id needs at least one key column, e.g. keys=['employer', 'occupation']."
        )
    problems: list[str] = []
    parts = []
    for key in keys:
        if key not in frame.columns:
            raise SchemaError(
                f"{place.at()}: key column {key!r} is missing; columns are {list(map(str, frame.columns))}."
            )
        values = stripped_text(frame[key])
        for row in values.index[values.isna() | (values == "")][:20]:
            problems.append(f"{place.at(row=row, column=key)}: the key value is empty; every row needs one.")
        slashed = on_distinct(values, lambda u: u.str.contains("/", regex=False)).fillna(False)
        for row in values.index[slashed.to_numpy(dtype=bool)][:20]:
            problems.append(
                f"{place.at(row=row, column=key)}: key value {values[row]!r} contains '/', which separates "
                "keys in unique_id; replace it (e.g. with '-')."
            )
        parts.append(values)
    raise_problems(problems)
    # Join once per distinct combination of keys: a few thousand series span millions of rows.
    codes = pd.DataFrame({i: pd.factorize(part)[0] for i, part in enumerate(parts)})
    group = codes.groupby(list(codes.columns), sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    texts = [part.to_numpy(dtype=object)[first] for part in parts]
    ids = np.array(["/".join(map(str, row)) for row in zip(*texts, strict=True)], dtype=object)
    return pd.Series(ids[group], index=frame.index, name=UNIQUE_ID)


def _months(ds: pd.Series) -> np.ndarray:
    return (ds.dt.year.to_numpy() * 12 + ds.dt.month.to_numpy() - 1).astype(np.int64)


def infer_freq(panel: pd.DataFrame, *, place: Place | None = None) -> str:
    """Infer the panel's frequency (``"YS"``, ``"QS"`` or ``"MS"``) from the spacing of its dates.

    Each series's step is the greatest common divisor of its gaps in months; all series must agree.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": ["a"] * 3, "y": [1.0, 2.0, 3.0],
    ...                       "ds": pd.to_datetime(["2020-01-01", "2020-04-01", "2020-10-01"])})
    >>> infer_freq(panel)
    'QS'
    """
    place = place or Place("panel", in_file=False)
    months = pd.Series(_months(panel[DS]), index=panel.index)
    steps: dict[str, int] = {}
    for uid, m in months.groupby(panel[UNIQUE_ID].to_numpy(), sort=False):
        values = np.unique(m.to_numpy())
        if values.size > 1:
            steps[str(uid)] = int(np.gcd.reduce(np.diff(values)))
    if not steps:
        # Only single observations: yearly if every date is a 1 January, else undecidable.
        if (panel[DS].dt.month == 1).all():
            return "YS"
        raise SchemaError(
            f"{place.at()}: every series has one observation, so the frequency cannot be inferred; pass freq=."
        )
    # A gcd that is a multiple of 12 is yearly data with missing years, and so on; gaps are reported later.
    by_freq: dict[str, list[str]] = {}
    for uid, step in steps.items():
        freq = "YS" if step % 12 == 0 else "QS" if step % 3 == 0 else "MS"
        by_freq.setdefault(freq, []).append(uid)
    if len(by_freq) > 1:
        described = "; ".join(
            f"{FREQUENCIES[f][2]}: {ids[0]!r}" + (f" and {len(ids) - 1} more" if len(ids) > 1 else "")
            for f, ids in by_freq.items()
        )
        raise SchemaError(
            f"{place.at()}: mixed frequencies ({described}); load each frequency separately, or convert with "
            "sf.to_annual."
        )
    return next(iter(by_freq))


def normalise_dates(
    ds: pd.Series, *, freq: str | None = None, place: Place | None = None, column: str = DS
) -> pd.Series:
    """Parse dates and move each to the start of its period (a year-end 2025-12-31 becomes 2025-01-01 for ``YS``).

    Dates must be a period start (day 1) or a month end; month ends first move to their month's start.
    Without ``freq`` only that first move is made; :func:`check_panel` infers the frequency and finishes.
    """
    place = place or Place("panel", in_file=False)
    problems: list[str] = []
    out = parse_dates(ds, place=place, column=column, problems=problems)
    raise_problems(problems)
    day = out.dt.day
    month_end = out.dt.is_month_end
    bad = ~((day == 1) | month_end)
    if bad.any():
        rows = list(out.index[bad][:5])
        raise SchemaError(
            f"{place.at(row=rows[0], column=column)}: date {out[rows[0]].date()} is neither the start nor the "
            "end of a month; dates must mark a period (a year, quarter or month) by its first or last day."
            + (f" Rows {rows} are affected." if len(rows) > 1 else "")
        )
    out = out.dt.to_period("M").dt.start_time
    if freq is not None:
        out = out.dt.to_period(_period_alias(freq)).dt.start_time
    return out.astype("datetime64[ns]")


def _period_alias(freq: str) -> str:
    if freq not in FREQUENCIES:
        raise ConfigError(
            f"freq {freq!r} is not supported; use one of {list(FREQUENCIES)} (year, quarter, month)."
        )
    return FREQUENCIES[freq][1]


def check_panel(
    panel: pd.DataFrame,
    *,
    freq: str | None = None,
    gaps: str = "error",
    min_length: int = 1,
    place: Place | None = None,
) -> pd.DataFrame:
    """Validate a panel and return a clean copy sorted by ``unique_id`` and ``ds``.

    Parameters
    ----------
    panel
        Long frame with ``unique_id``, ``ds``, ``y``, optional text key columns and numeric exogenous columns.
    freq
        ``"YS"``, ``"QS"`` or ``"MS"``; inferred from the dates when ``None``.
    gaps
        What to do with missing periods inside a series: ``"error"`` (default) reports them; ``"keep"`` leaves
        them; ``"zero"`` inserts rows with ``y = 0``; ``"interpolate"`` inserts linearly interpolated rows;
        ``"ffill"`` repeats the last value. Exogenous columns of inserted rows are interpolated.
    min_length
        Fewest observations a series may have.
    place
        Where the panel came from, for error messages. A frame whose index repeats labels (``pd.concat``
        without ``ignore_index``) is accepted; its rows are then named by position.

    Returns
    -------
    pandas.DataFrame
        The panel with ``unique_id`` and keys as text, ``ds`` as period-start ``datetime64[ns]``, ``y`` as float.

    Raises
    ------
    SchemaError
        Naming the series, row and column of every problem found.

    Examples
    --------
    >>> raw = pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "ds": [2021, 2022, 2021, 2022], "y": [1, 2, 3, 4]})
    >>> clean = check_panel(raw)
    >>> str(clean["ds"].dtype), clean["ds"].iloc[0].year, str(clean["y"].dtype)
    ('datetime64[ns]', 2021, 'float64')
    """
    place = place or Place("panel", in_file=False)
    if not isinstance(panel, pd.DataFrame):
        raise SchemaError(f"{place.at()}: expected a pandas DataFrame, got {type(panel).__name__}.")
    if gaps not in _GAP_POLICIES:
        raise ConfigError(f"gaps={gaps!r} is not a policy; use one of {list(_GAP_POLICIES)}.")
    missing = [c for c in (UNIQUE_ID, DS, Y) if c not in panel.columns]
    if missing:
        from .errors import closest

        hints = "".join(closest(c, map(str, panel.columns)) for c in missing)
        raise SchemaError(
            f"{place.at()}: missing column(s) {missing}{hints} Columns are {list(map(str, panel.columns))}. "
            "Rename them with the loader's columns= map (e.g. columns={'year': 'ds', 'headcount': 'y'})."
        )
    if panel.empty:
        raise SchemaError(f"{place.at()}: the panel has no rows.")
    if not panel.index.is_unique:
        # pd.concat without ignore_index repeats labels; rows are then named by their position.
        panel = panel.reset_index(drop=True)
    out = panel.copy()
    problems: list[str] = []
    uid = stripped_text(out[UNIQUE_ID])
    for row in uid.index[uid.isna() | (uid == "")][:20]:
        problems.append(f"{place.at(row=row, column=UNIQUE_ID)}: unique_id is empty.")
    out[UNIQUE_ID] = uid.astype(str)
    keys = key_columns(out)
    for key in keys:
        out[key] = stripped_text(out[key]).astype(str)
    y = pd.to_numeric(out[Y], errors="coerce") if not pd.api.types.is_numeric_dtype(out[Y]) else out[Y]
    bad_y = y.isna() | ~np.isfinite(y.astype(float))
    for row in out.index[bad_y][:20]:
        value = panel.at[row, Y]
        what = "is missing" if pd.isna(value) else f"{str(value)!r} is not a number"
        problems.append(
            f"{place.at(row=row, column=Y, series=str(out.at[row, UNIQUE_ID]))}: y {what}; fill it, drop the "
            "row, or load with a gaps= policy."
        )
    out[Y] = y.astype(float)
    for col in exogenous_columns(out):
        bad = out[col].isna()
        for row in out.index[bad][:5]:
            problems.append(
                f"{place.at(row=row, column=col, series=str(out.at[row, UNIQUE_ID]))}: exogenous value is missing."
            )
    raise_problems(problems)
    out[DS] = normalise_dates(out[DS], place=place)
    if freq is None:
        freq = infer_freq(out, place=place)
    snapped = out[DS].dt.to_period(_period_alias(freq)).dt.start_time.astype("datetime64[ns]")
    _check_freq_fits(out, snapped, freq, place)
    out[DS] = snapped
    _check_keys_constant(out, keys, place)
    _check_duplicates(out, panel, place)
    out = out.sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)
    out = _handle_gaps(out, freq, gaps, place)
    _check_length(out, min_length, place)
    return out


def _check_keys_constant(out: pd.DataFrame, keys: list[str], place: Place) -> None:
    if not keys:
        return
    counts = out.groupby(UNIQUE_ID, sort=False)[keys].nunique()
    bad = counts[(counts > 1).any(axis=1)]
    if len(bad):
        uid = str(bad.index[0])
        col = str(bad.columns[(bad.iloc[0] > 1).to_numpy()][0])
        raise SchemaError(
            f"{place.at(series=uid, column=col)}: key {col!r} changes within the series; each unique_id must "
            "have one value per key column (build unique_id from all key columns)."
        )


def _check_freq_fits(out: pd.DataFrame, snapped: pd.Series, freq: str, place: Place) -> None:
    """Reject a ``freq`` coarser than the data: it would put distinct dates of a series into one period."""
    merged = out.assign(_p=snapped).duplicated([UNIQUE_ID, "_p"]) & ~out.duplicated([UNIQUE_ID, DS])
    if not merged.any():
        return
    row = out.index[merged][0]
    uid, period = out.at[row, UNIQUE_ID], snapped[row]
    dates = sorted(out.loc[(out[UNIQUE_ID] == uid) & (snapped == period), DS].unique())
    try:
        likely = infer_freq(out, place=place)
        step = FREQUENCIES[likely][0]
        looks = (
            f"the data look {FREQUENCIES[likely][2]} (dates {step} month{'s' if step > 1 else ''} apart). "
            f"Pass freq={likely!r} (or leave freq out to infer it)"
        )
    except SchemaError:  # mixed spacings: no single frequency to suggest
        looks = "the data's dates are closer together than that. Leave freq out to infer it"
    annual = ", or convert to annual with sf.to_annual(panel, 'stock') (or 'flow')" if freq == "YS" else ""
    shown = ", ".join(str(pd.Timestamp(d).date()) for d in dates[:4])
    raise SchemaError(
        f"{place.at(row=row, series=str(uid))}: freq={freq!r} ({FREQUENCIES[freq][2]}) puts the dates {shown} "
        f"into one period: {looks}{annual}."
    )


def _check_duplicates(out: pd.DataFrame, raw: pd.DataFrame, place: Place) -> None:
    dup = out.duplicated([UNIQUE_ID, DS], keep=False)
    if dup.any():
        rows = out.index[dup]
        first = rows[0]
        uid, date = out.at[first, UNIQUE_ID], out.at[first, DS]
        same = list(rows[(out.loc[rows, UNIQUE_ID] == uid) & (out.loc[rows, DS] == date)])
        raise SchemaError(
            f"{place.at(series=str(uid))}: {date.date()} appears {len(same)} times (rows {same}); "
            f"each (unique_id, ds) must be unique ({int(dup.sum())} duplicated rows in all). Remove the repeats, "
            "or sum them first if they are parts of one total."
        )


def _handle_gaps(out: pd.DataFrame, freq: str, gaps: str, place: Place) -> pd.DataFrame:
    step = FREQUENCIES[freq][0]
    months = _months(out[DS])
    ids = out[UNIQUE_ID].to_numpy()
    new_series = np.r_[True, ids[1:] != ids[:-1]]
    jumps = np.r_[step, np.diff(months)]
    gap_rows = np.flatnonzero(~new_series & (jumps != step))
    if gap_rows.size == 0 or gaps == "keep":
        return out
    if gaps == "error":
        msgs = []
        for r in gap_rows[:10]:
            before, after = out[DS].iat[r - 1], out[DS].iat[r]
            msgs.append(f"{out[UNIQUE_ID].iat[r]!r} between {before.date()} and {after.date()}")
        more = f" and {gap_rows.size - 10} more" if gap_rows.size > 10 else ""
        raise SchemaError(
            f"{place.at()}: missing periods inside {len(set(ids[gap_rows]))} series: {'; '.join(msgs)}{more}. "
            "Fill them explicitly with gaps='zero', 'interpolate' or 'ffill' (or 'keep' to leave them)."
        )
    from utilsforecast.preprocessing import fill_gaps

    filled = fill_gaps(out[[UNIQUE_ID, DS]], freq=freq, start="per_serie", end="per_serie")
    filled[DS] = filled[DS].astype("datetime64[ns]")
    merged = filled.merge(out, on=[UNIQUE_ID, DS], how="left", sort=False)
    inserted = merged[Y].isna()
    keys = key_columns(out)
    if keys:
        merged[keys] = merged.groupby(UNIQUE_ID, sort=False)[keys].ffill()
    exog = exogenous_columns(out)
    group = merged.groupby(UNIQUE_ID, sort=False)
    for col in exog:
        merged[col] = group[col].transform(lambda s: s.interpolate(limit_area="inside"))
    if gaps == "zero":
        merged[Y] = merged[Y].fillna(0.0)
    elif gaps == "ffill":
        merged[Y] = group[Y].ffill()
    else:
        merged[Y] = group[Y].transform(lambda s: s.interpolate(limit_area="inside"))
    merged[UNIQUE_ID] = merged[UNIQUE_ID].astype(str)
    assert not merged.loc[inserted, Y].isna().any()
    return merged[out.columns].reset_index(drop=True)


def _check_length(out: pd.DataFrame, min_length: int, place: Place) -> None:
    if min_length <= 1:
        return
    sizes = out.groupby(UNIQUE_ID, sort=False).size()
    short = sizes[sizes < min_length]
    if len(short):
        shown = ", ".join(f"{uid!r} ({n})" for uid, n in short.head(10).items())
        raise SchemaError(
            f"{place.at()}: {len(short)} series have fewer than {min_length} observations: {shown}. "
            "Drop them, aggregate them into a larger group (sf.aggregate), or lower min_length."
        )


def check_forecast(
    forecast: pd.DataFrame, level: Iterable[int] = (), *, place: Place | None = None
) -> pd.DataFrame:
    """Validate a forecast frame: required columns, no missing means, nested non-crossing intervals.

    Returns the frame unchanged when it passes.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": ["a"], "ds": pd.to_datetime(["2026-01-01"]), "model": ["ets"],
    ...                    "mean": [5.0], "lo_80": [4.0], "hi_80": [6.0], "fallback": [""]})
    >>> check_forecast(fc, level=[80]) is fc
    True
    """
    place = place or Place("forecast", in_file=False)
    levels = check_level(level)
    required = [UNIQUE_ID, DS, MODEL, MEAN, FALLBACK] + [c for lv in levels for c in (lo(lv), hi(lv))]
    missing = [c for c in required if c not in forecast.columns]
    if missing:
        raise SchemaError(
            f"{place.at()}: missing forecast column(s) {missing}; columns are {list(forecast.columns)}."
        )
    if forecast[MEAN].isna().any():
        row = forecast.index[forecast[MEAN].isna()][0]
        raise SchemaError(
            f"{place.at(row=row, series=str(forecast.at[row, UNIQUE_ID]))}: the mean is missing."
        )
    bounds = (
        [forecast[lo(lv)] for lv in reversed(levels)] + [forecast[MEAN]] + [forecast[hi(lv)] for lv in levels]
    )
    for lower, upper in itertools.pairwise(bounds):
        bad = (lower > upper + 1e-9 * (1 + upper.abs())).to_numpy()
        if bad.any():
            row = forecast.index[bad][0]
            raise SchemaError(
                f"{place.at(row=row, series=str(forecast.at[row, UNIQUE_ID]), column=str(upper.name))}: "
                f"intervals are not nested ({lower.name}={lower[row]:.6g} > {upper.name}={upper[row]:.6g})."
            )
    return forecast
