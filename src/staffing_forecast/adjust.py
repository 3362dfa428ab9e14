"""``sf.adjust``: record an economist's manual change to a forecast, with the original and the reason.

Economists adjust forecasts for what the data cannot know: a plant opening, a closure, a new campus. An adjusted
forecast keeps ``original_mean`` (the model's value before any adjustment), ``adjustment`` (what was done) and
``reason`` (why, and who), so the quota explanations and the run store can show them.
"""

from __future__ import annotations

import pandas as pd

from .errors import ConfigError, Place, SchemaError
from .schema import DS, MEAN, MODEL, UNIQUE_ID, hi, lo

__all__ = ["ADJUSTMENT_COLUMNS", "adjust"]

#: Columns an adjusted forecast gains.
ADJUSTMENT_COLUMNS = ("original_mean", "adjustment", "reason")
_KINDS = ("value", "delta", "factor")


def adjust(forecast: pd.DataFrame, overrides: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Apply manual overrides to a forecast frame and record them.

    Parameters
    ----------
    forecast
        A forecast frame (``unique_id``, ``ds``, ``model``, ``mean``, bounds ...).
    overrides
        Rows with ``unique_id`` and ``ds`` (optionally ``model``; otherwise every model's row is changed) and
        exactly one of: ``value`` (the new mean), ``delta`` (added to the mean), ``factor`` (multiplies it).
        Interval bounds move with the mean: shifted by the same amount for ``value`` and ``delta`` (lower bounds
        stop at 0), scaled for ``factor``. A negative adjusted mean is an error.
    reason
        Why, in words an official can read ("new office of E017 opens in 2027, +40 developers (Ivanova)").

    Returns
    -------
    pandas.DataFrame
        A copy with the new means and ``original_mean``, ``adjustment``, ``reason`` columns (empty strings and
        the unchanged mean where nothing was adjusted). Adjusting twice keeps the first original and joins the
        adjustments and reasons with ``"; "``.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "2512", "ds": pd.to_datetime(["2026-01-01", "2027-01-01"]),
    ...                    "model": "auto", "mean": [100.0, 110.0], "lo_80": [90.0, 95.0], "hi_80": [110.0, 125.0],
    ...                    "fallback": ""})
    >>> plant = pd.DataFrame({"unique_id": ["2512"], "ds": pd.to_datetime(["2027-01-01"]), "delta": [40.0]})
    >>> out = adjust(fc, plant, reason="new office opens in 2027")
    >>> out[["mean", "lo_80", "original_mean", "adjustment"]].values.tolist()
    [[100.0, 90.0, 100.0, ''], [150.0, 135.0, 110.0, 'delta +40']]
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError("adjust: give a reason, e.g. reason='new office of E017 opens in 2027 (Ivanova)'.")
    place = Place("overrides", in_file=False)
    kinds = [k for k in _KINDS if k in overrides.columns]
    if len(kinds) != 1:
        raise SchemaError(
            f"{place.at()}: needs exactly one of the columns {list(_KINDS)}; it has "
            f"{list(overrides.columns)}."
        )
    kind = kinds[0]
    keys = [UNIQUE_ID, DS] + ([MODEL] if MODEL in overrides.columns else [])
    missing = [c for c in keys if c not in overrides.columns]
    if missing:
        raise SchemaError(f"{place.at()}: missing column(s) {missing}.")
    if overrides.duplicated(keys).any():
        row = overrides.index[overrides.duplicated(keys)][0]
        raise SchemaError(
            f"{place.at(row=row)}: the same forecast row is overridden twice; combine the changes."
        )
    values = pd.to_numeric(overrides[kind], errors="coerce")
    if values.isna().any():
        row = overrides.index[values.isna()][0]
        raise SchemaError(f"{place.at(row=row, column=kind)}: {overrides.at[row, kind]!r} is not a number.")
    if kind == "factor" and (values < 0).any():
        raise SchemaError(f"{place.at(column='factor')}: factors must be 0 or more.")

    out = forecast.copy()
    for column in ADJUSTMENT_COLUMNS:
        if column not in out.columns:
            out[column] = out[MEAN] if column == "original_mean" else ""
    ov = overrides[keys].assign(_value=values.to_numpy(), _row=overrides.index)
    ov[DS] = pd.to_datetime(ov[DS]).astype("datetime64[ns]")
    matched = out.reset_index().merge(ov, on=keys, how="inner")
    unmatched = set(ov["_row"]) - set(matched["_row"])
    if unmatched:
        row = sorted(unmatched)[0]
        raise SchemaError(
            f"{place.at(row=row)}: no forecast row for unique_id {overrides.at[row, UNIQUE_ID]!r} at "
            f"{pd.Timestamp(overrides.at[row, DS]).date()}; check the series id and that the date is within the "
            "horizon."
        )
    bounds = [c for c in out.columns if c.startswith(("lo_", "hi_")) and c[3:].isdigit()]
    for _, m in matched.iterrows():
        i, value, old = m["index"], m["_value"], out.at[m["index"], MEAN]
        if kind == "factor":
            new = old * value
            for column in bounds:
                out.at[i, column] = out.at[i, column] * value
            label = f"factor ×{value:g}"
        else:
            new = value if kind == "value" else old + value
            for column in bounds:
                out.at[i, column] = out.at[i, column] + (new - old)
            label = f"value {value:g}" if kind == "value" else f"delta {value:+g}"
        if new < 0:
            raise SchemaError(
                f"{place.at(row=m['_row'], column=kind)}: the adjusted value for {m[UNIQUE_ID]!r} at "
                f"{m[DS].date()} would be {new:g}; head counts cannot be negative."
            )
        out.at[i, MEAN] = new
        out.at[i, "adjustment"] = "; ".join(filter(None, [out.at[i, "adjustment"], label]))
        out.at[i, "reason"] = "; ".join(filter(None, [out.at[i, "reason"], reason.strip()]))
    lower = [c for c in bounds if c.startswith("lo_")]
    out[lower] = out[lower].clip(lower=0.0)  # a shifted lower bound of a head count stops at zero
    _check_nested(out, bounds)
    return out


def _check_nested(out: pd.DataFrame, bounds: list[str]) -> None:
    levels = sorted({int(c[3:]) for c in bounds})
    for lv in levels:
        bad = (out[lo(lv)] > out[MEAN]) | (out[hi(lv)] < out[MEAN])
        if bad.any():
            raise SchemaError(
                f"adjust: the override moves the mean outside its {lv} % interval; this cannot "
                "happen with value, delta or positive factor changes; please report it."
            )
