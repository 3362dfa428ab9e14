"""Reshape panels: sum to a coarser set of keys, convert quarterly or monthly data to annual."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .errors import ConfigError, Place, SchemaError, closest
from .schema import (
    ALL,
    DS,
    FREQUENCIES,
    UNIQUE_ID,
    Y,
    exogenous_columns,
    infer_freq,
    key_columns,
    make_unique_id,
)
from .units import same_unit

__all__ = ["aggregate", "to_annual"]

_EXOG_HOW = ("sum", "mean", "first")


def aggregate(
    panel: pd.DataFrame, by: Sequence[str], *, exog: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Sum a panel to the given keys; the keys summed over hold ``"*"``.

    Stocks and flows both add across units (employers, occupations), so ``y`` is summed. Exogenous columns are
    dropped unless ``exog`` says how to combine each (``"sum"``, ``"mean"`` or ``"first"``): a regional driver
    repeated on every employer's rows must not be summed.

    Parameters
    ----------
    panel
        A validated panel (see :func:`staffing_forecast.check_panel`).
    by
        Key columns to keep, e.g. ``["occupation"]``; ``[]`` gives one total series.
    exog
        Optional map from exogenous column to how to combine it.

    Returns
    -------
    pandas.DataFrame
        A panel with every original key column (``"*"`` where summed over) and ``unique_id`` rebuilt from them.

    Examples
    --------
    >>> panel = pd.DataFrame({"unique_id": ["67/E1/2512", "67/E2/2512", "67/E2/2514"],
    ...                       "ds": pd.to_datetime(["2025-01-01"] * 3), "y": [10.0, 5.0, 2.0],
    ...                       "region": "67", "employer": ["E1", "E2", "E2"], "occupation": ["2512", "2512", "2514"]})
    >>> aggregate(panel, by=["occupation"])[["unique_id", "y"]].to_dict("list")
    {'unique_id': ['*/*/2512', '*/*/2514'], 'y': [15.0, 2.0]}
    """
    keys = key_columns(panel)
    by = list(by)
    for key in by:
        if key not in keys:
            raise ConfigError(
                f"aggregate: {key!r} is not a key column of the panel{closest(key, keys)} Keys: {keys}."
            )
    exog = dict(exog or {})
    available = exogenous_columns(panel)
    for col, how in exog.items():
        if col not in available:
            raise ConfigError(f"aggregate: {col!r} is not an exogenous column{closest(col, available)}")
        if how not in _EXOG_HOW:
            raise ConfigError(f"aggregate: exog[{col!r}]={how!r}; use one of {list(_EXOG_HOW)}.")
    agg: dict[str, str] = {Y: "sum", **exog}
    out = panel.groupby([*by, DS], sort=True, observed=True).agg(agg).reset_index()
    for key in keys:
        if key not in by:
            out[key] = ALL
    out[UNIQUE_ID] = make_unique_id(out, keys) if keys else ALL
    out = out[[UNIQUE_ID, DS, Y, *keys, *exog]].sort_values([UNIQUE_ID, DS]).reset_index(drop=True)
    return same_unit(out, panel)


def to_annual(panel: pd.DataFrame, quantity: str, *, partial: str = "error") -> pd.DataFrame:
    """Convert a quarterly or monthly panel to annual: stocks are averaged, flows are summed.

    Parameters
    ----------
    panel
        A validated quarterly (``QS``) or monthly (``MS``) panel.
    quantity
        ``"stock"`` (employment, vacancies, students: the annual average) or ``"flow"`` (hires, graduates,
        admissions: the annual sum).
    partial
        Years with fewer than 4 quarters (12 months): ``"error"`` (default) or ``"drop"``.

    Examples
    --------
    >>> q = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=4, freq="QS"),
    ...                   "y": [10.0, 12.0, 14.0, 12.0]})
    >>> to_annual(q, "stock")[["ds", "y"]].to_dict("list")
    {'ds': [Timestamp('2024-01-01 00:00:00')], 'y': [12.0]}
    >>> to_annual(q, "flow")["y"].tolist()
    [48.0]
    """
    if quantity not in {"stock", "flow"}:
        raise ConfigError(f"to_annual: quantity={quantity!r}; use 'stock' (averaged) or 'flow' (summed).")
    if partial not in {"error", "drop"}:
        raise ConfigError(f"to_annual: partial={partial!r}; use 'error' or 'drop'.")
    freq = infer_freq(panel)
    if freq == "YS":
        return panel.copy()
    per_year = 12 // FREQUENCIES[freq][0]
    keys = key_columns(panel)
    exog = exogenous_columns(panel)
    year = panel[DS].dt.year.rename("year")
    how = "mean" if quantity == "stock" else "sum"
    grouped = panel.groupby([panel[UNIQUE_ID], year], sort=True)
    out = grouped.agg({Y: how, **{c: "first" for c in keys}, **{c: "mean" for c in exog}})
    counts = grouped.size()
    short = counts[counts < per_year]
    if len(short) and partial == "error":
        (uid, yr), n = next(iter(short.items()))
        raise SchemaError(
            f"{Place('panel', in_file=False).at(series=str(uid))}: {yr} has {n} of {per_year} periods; "
            f"{len(short)} series-years are incomplete. Pass partial='drop' to leave them out."
        )
    out = out.loc[counts.index[counts >= per_year]].reset_index()
    out[DS] = pd.to_datetime(out.pop("year").astype(str) + "-01-01").astype("datetime64[ns]")
    return same_unit(out[[UNIQUE_ID, DS, Y, *keys, *exog]], panel)
