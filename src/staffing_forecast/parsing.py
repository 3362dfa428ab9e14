"""Parse numbers and dates the way Russian spreadsheets write them, reporting every bad cell.

Numbers: a decimal comma (``12,5``) and thousands separated by spaces (``1 234``, including the no-break
spaces Excel inserts) are read by default; ``1.234,5`` and ``1,234.5`` are read by their last separator.
A lone comma is a decimal comma (the Russian convention), so ``1,234`` is one and a quarter, not a thousand:
pass ``decimal="."`` for files written with English conventions. Where such a reading is doubtful (``1,200``
in a column whose other values are in the thousands), it is named: an error for head counts (``whole=True``), a
:class:`~staffing_forecast.errors.DataWarning` otherwise.

Dates: years (``2025``), quarters (``2025Q1``, ``2025-Q1``, ``I кв. 2025``), months (``2025-03``) and full dates
(``2025-03-31``, ``31.03.2025``). End-of-period dates are moved to the start of their period by
:func:`staffing_forecast.schema.normalise_dates`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from .errors import DataWarning, Place

__all__ = ["on_distinct", "parse_dates", "parse_numbers", "stripped_text"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# One comma before exactly three digits: a decimal comma or a thousands separator, nothing tells which.
_AMBIGUOUS = re.compile(r"[+-]?\d{1,3},\d{3}")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_QUARTER = re.compile(
    r"^(?:(?P<y1>\d{4})\s*[-/ ]?\s*[QqКк]\s*(?P<q1>[1-4])|"
    r"(?P<q2>[1-4]|I{1,3}|IV)\s*(?:кв\.?|квартал|[Qq])\s*(?P<y2>\d{4})\s*(?:г\.?|года)?)$"
)
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?\s*(?:г\.?|год)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def on_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a vectorised ``transform`` once per distinct value of ``values`` and spread the results back.

    Key, code and date columns repeat a few thousand values over millions of rows, and pandas' string methods
    call Python once per cell: working on the distinct values keeps loading 100,000 series to seconds. Missing
    values stay missing without reaching ``transform``. Values are told apart as pandas hashes them (``1`` and
    ``1.0`` are one value), so pass text (``astype("string")``) when that matters.

    Examples
    --------
    >>> on_distinct(pd.Series([" a", "b ", " a", None]), lambda u: u.str.strip()).tolist()
    ['a', 'b', 'a', nan]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = transform(pd.Series(uniques, name=values.name)).reset_index(drop=True)
    out = done.reindex(codes)  # code -1 (missing) is no label: NaN, NaT or <NA> as the dtype has it
    out.index = values.index
    return out.rename(values.name)


def stripped_text(values: pd.Series, *, drop_point_zero: bool = False) -> pd.Series:
    """Return cells as pandas strings without surrounding blanks; ``drop_point_zero`` turns ``"2512.0"`` into ``"2512"``.

    The same as ``values.astype("string").str.strip()``, computed once per distinct text.

    Examples
    --------
    >>> stripped_text(pd.Series([" 2512.0", 2512, None]), drop_point_zero=True).tolist()
    ['2512', '2512', <NA>]
    """

    def clean(text: pd.Series) -> pd.Series:
        text = text.str.strip()
        return text.str.removesuffix(".0") if drop_point_zero else text

    return on_distinct(values.astype("string"), clean)


def parse_numbers(
    values: pd.Series,
    *,
    place: Place,
    column: str,
    what: str = "value",
    whole: bool = False,
    nonnegative: bool = False,
    share: bool = False,
    allow_missing: bool = False,
    decimal: str = ",",
    problems: list[str],
) -> pd.Series:
    """Parse a column of cells into floats, appending one message per bad cell to ``problems``.

    Parameters
    ----------
    values
        Cells as read from a file (strings, numbers or empty). The index holds the row numbers used in messages.
    place, column, what
        Where the values come from and what they mean, for the messages ("headcount", "share", ...).
    whole
        Values must be whole numbers (counts of people).
    nonnegative
        Values must not be negative.
    share
        Values must lie in [0, 1].
    allow_missing
        Empty cells become NaN instead of a problem.
    decimal
        ``","`` (default) reads Russian decimal commas; ``"."`` treats commas as thousands separators.
    problems
        List to which messages are appended; the caller raises once for all of them.

    Returns
    -------
    pandas.Series
        Floats, NaN where a cell was empty (allowed) or bad (reported).

    Examples
    --------
    >>> problems = []
    >>> cells = pd.Series(["1 234", "12,5", "7"], index=[2, 3, 4])
    >>> parse_numbers(cells, place=Place("a.csv"), column="y", problems=problems).tolist()
    [1234.0, 12.5, 7.0]
    >>> _ = parse_numbers(cells, place=Place("a.csv"), column="y", what="headcount", whole=True,
    ...                   problems=problems)
    >>> problems
    ["a.csv, row 3, column 'y': headcount '12,5' is not a whole number of people."]
    """
    if decimal not in {",", "."}:
        raise ValueError(f"decimal must be ',' or '.', got {decimal!r}")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        number = values.astype(float)
        text = values  # numbers: no text to read; a bad cell is shown as it is
        empty = number.isna()
    else:
        raw = stripped_text(values)
        empty = raw.isna() | (raw == "")
        text = raw.fillna("")
        number = on_distinct(
            text, lambda u: pd.to_numeric(_clean(u.astype("string"), decimal), errors="coerce").astype(float)
        )
    not_number = ~empty & number.isna()
    bad = not_number.copy()
    checks = [(~np.isfinite(number.fillna(0.0)), "is not a finite number.")]
    if nonnegative:
        checks.append((number < 0, "is negative; expected 0 or more."))
    if whole:
        checks.append((number != number.round(), "is not a whole number of people."))
    if share:
        checks.append(((number < 0) | (number > 1), "is outside 0–1."))
    reasons = pd.Series("", index=values.index, dtype=object)
    doubtful = _doubtful_commas(text, number, decimal, place, column, what) if not empty.all() else {}
    for mask, reason in reversed(checks):
        mask = mask.fillna(False) & ~not_number & ~empty
        reasons[mask] = reason
        bad |= mask
    if not allow_missing:
        for row in values.index[empty]:
            problems.append(
                f"{place.at(row=row, column=column)}: {what} is empty; fill it in or remove the row."
            )
    for row in values.index[bad]:
        where = place.at(row=row, column=column)
        shown = str(text[row])
        if not_number[row]:
            problems.append(
                f"{where}: {what} {shown!r} is not a number; write it in digits (1 250 or 1250,5) or remove "
                "the row."
            )
            continue
        reason = reasons[row]
        if reason == "is not a whole number of people." and row in doubtful:
            problems.append(doubtful.pop(row))
            continue
        if reason == "is outside 0–1." and 1 < number[row] <= 100:
            reason = "is outside 0–1 (write percentages as shares: 35 % is 0.35)."
        problems.append(f"{where}: {what} {shown!r} {reason}")
    if doubtful:
        warnings.warn("\n".join(doubtful.values()), DataWarning, stacklevel=2)
    out = number.where(~bad & ~empty)
    return pd.Series(out.to_numpy(dtype=float), index=values.index, name=values.name)


def _doubtful_commas(
    text: pd.Series, number: pd.Series, decimal: str, place: Place, column: str, what: str
) -> dict[object, str]:
    """Messages for cells like ``1,200`` read as 1.2 in a column whose other values are in the thousands."""
    if decimal != "," or pd.api.types.is_numeric_dtype(text.dtype):
        return {}
    ambiguous = on_distinct(text, lambda u: u.astype("string").str.fullmatch(_AMBIGUOUS.pattern))
    ambiguous = ambiguous.fillna(False).astype(bool)
    thousands = ~ambiguous & (number.abs() >= 1000)
    if not ambiguous.any() or not thousands.any():
        return {}
    example = thousands.idxmax()
    return {
        row: f"{place.at(row=row, column=column)}: {what} {text[row]!r} was read as {number[row]:g} (a decimal "
        f"comma), but other values of the column are in the thousands ({text[example]!r} in "
        f"{'row' if place.in_file else 'index'} {example}). Write {text[row].replace(',', '')} if that is meant, or load with "
        "decimal='.' if commas separate thousands in this file."
        for row in text.index[ambiguous]
    }


def _clean(text: pd.Series, decimal: str) -> pd.Series:
    """Normalise number text for ``pd.to_numeric``: drop group separators, make the decimal mark a point."""
    s = text.str.replace(_SPACES, "", regex=True).str.replace("\u2212", "-", regex=False)
    if decimal == ".":
        return s.str.replace(",", "", regex=False)
    last_comma, last_point = s.str.rfind(","), s.str.rfind(".")
    both = (last_comma >= 0) & (last_point >= 0)
    comma_decimal = both & (last_comma > last_point)
    point_decimal = both & (last_point > last_comma)
    one_comma = ~both & (s.str.count(",") == 1)
    out = s.copy()
    out[comma_decimal] = s[comma_decimal].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out[point_decimal] = s[point_decimal].str.replace(",", "", regex=False)
    out[one_comma] = s[one_comma].str.replace(",", ".", regex=False)
    # Anything pd.to_numeric would accept beyond plain decimals (e.g. "0x1A", "1_000", "inf") is refused here.
    return out.where(out.str.fullmatch(_NUMBER.pattern.strip("^$")), "x")


def _parse_date_cell(cell: object) -> pd.Timestamp | None:
    if isinstance(cell, pd.Timestamp):
        return cell
    if isinstance(cell, (int, np.integer)) and 1000 <= int(cell) <= 9999:
        return pd.Timestamp(year=int(cell), month=1, day=1)
    if isinstance(cell, (float, np.floating)) and float(cell).is_integer() and 1000 <= cell <= 9999:
        return pd.Timestamp(year=int(cell), month=1, day=1)
    if hasattr(cell, "year") and hasattr(cell, "month"):  # datetime.date / datetime
        return pd.Timestamp(cell)
    text = str(cell).strip()
    if not text:
        return None
    if m := _YEAR.match(text):
        return pd.Timestamp(year=int(m.group(1)), month=1, day=1)
    if m := _QUARTER.match(text):
        year = int(m.group("y1") or m.group("y2"))
        q_text = m.group("q1") or m.group("q2")
        quarter = _ROMAN.get(q_text) or int(q_text)
        return pd.Timestamp(year=year, month=3 * quarter - 2, day=1)
    if m := _MONTH.match(text):
        month = int(m.group(2))
        return pd.Timestamp(year=int(m.group(1)), month=month, day=1) if 1 <= month <= 12 else None
    dayfirst = bool(re.match(r"^\d{1,2}[./]\d{1,2}[./]\d{4}", text))
    try:
        return pd.Timestamp(pd.to_datetime(text, dayfirst=dayfirst))
    except (ValueError, TypeError, OverflowError):
        return None


def parse_dates(values: pd.Series, *, place: Place, column: str, problems: list[str]) -> pd.Series:
    """Parse a column of date cells into timestamps, appending one message per bad cell to ``problems``.

    Examples
    --------
    >>> problems = []
    >>> cells = pd.Series([2024, "2025Q2", "31.12.2025", "II кв. 2026"])
    >>> parse_dates(cells, place=Place("a.csv"), column="ds", problems=problems).dt.date.astype(str).tolist()
    ['2024-01-01', '2025-04-01', '2025-12-31', '2026-04-01']
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        for row in values.index[out.isna()]:
            problems.append(f"{place.at(row=row, column=column)}: the date is empty.")
        return out.astype("datetime64[ns]")

    # Fast path: ISO dates (what files written by the library hold) parse vectorised; the rest cell by cell.
    # Each distinct cell is parsed once: ISO dates (what files written by the library hold) vectorised, the rest
    # one by one.
    def parse(cells: pd.Series) -> pd.Series:
        text = cells.astype("string").str.strip()
        iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
        out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
        out[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce")
        for i, cell in cells[~iso | out.isna().to_numpy()].items():
            ts = _parse_date_cell(cell)
            if ts is not None and not pd.isna(ts):
                out[i] = ts.tz_localize(None) if ts.tzinfo is not None else ts
        return out

    out = on_distinct(values, parse).astype("datetime64[ns]")
    for row in values.index[out.isna().to_numpy()]:
        cell = values[row]
        shown = (
            "" if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
        )
        problems.append(
            f"{place.at(row=row, column=column)}: {shown!r} is not a date; "
            "write a year (2025), a quarter (2025Q1) or a date (2025-03-31 or 31.03.2025)."
        )
    return out
