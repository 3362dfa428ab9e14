"""Total rows («Итого», «Всего», «Total»): recognised in a source, set aside and checked against their members.

A spreadsheet saved with a SUM row would otherwise load that row as one more series and double-count it in every
aggregate. The loaders find rows whose key (or label) cell reads ``Итого``, ``Всего`` or ``Total`` (any case,
with or without a colon, alone or followed by more words: ``Всего по области``), take them out of the panel, and
compare each with the sum of the rows it covers, period by period: a free consistency check of the file. The
rows set aside travel with the panel in ``panel.attrs["totals"]`` (plain records, so they survive Parquet and
pickle); :func:`totals` returns them as a frame.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataWarning, Place, SchemaError, raise_problems
from ..schema import DS, Y

__all__ = ["TOTALS_POLICIES", "is_total_label", "set_aside", "total_rows", "totals"]

#: What a loader does with total rows: ``"aside"`` (default: set aside, checked, warned), ``"keep"`` (loaded as a
#: series like the others) or ``"error"``.
TOTALS_POLICIES = ("aside", "keep", "error")

_TOTAL = re.compile(r"^\s*(итого|всего|total)\s*(:|\s|$)", re.IGNORECASE)


def is_total_label(value: object) -> bool:
    """Tell whether a cell labels a total row.

    Examples
    --------
    >>> [is_total_label(v) for v in ["Итого", "ВСЕГО:", "total", "Всего по области", "Всеволод", "2512", None]]
    [True, True, True, True, False, False, False]
    """
    return isinstance(value, str) and _TOTAL.match(value) is not None


def check_policy(totals: str) -> None:
    """Refuse an unknown ``totals=`` value, naming the allowed ones."""
    if totals not in TOTALS_POLICIES:
        raise ConfigError(f"totals={totals!r}; use one of {list(TOTALS_POLICIES)}.")


def total_rows(cells: pd.DataFrame, columns: list[str], place: Place, totals: str) -> pd.Series:
    """Return which rows of raw ``cells`` are total rows (by the text cells of ``columns``).

    With ``totals="error"`` a total row is a :class:`SchemaError` naming each; with ``"keep"`` nothing is marked.
    """
    check_policy(totals)
    marked = pd.Series(False, index=cells.index)
    if totals == "keep":
        return marked
    for column in columns:
        values = cells[column]
        if values.dtype != object:
            continue
        # Once per distinct value: key columns repeat a few thousand values over millions of rows.
        totals_seen = [v for v in values.dropna().unique() if is_total_label(v)]
        hit = values.isin(totals_seen) & ~marked
        marked |= hit
        if totals == "error":
            problems = [
                f"{place.at(row=row, column=column)}: {values[row]!r} is a total row; remove it, or load with "
                "totals='aside' (set aside and checked against the other rows) or totals='keep'."
                for row in cells.index[hit]
            ]
            raise_problems(problems)
    return marked


def set_aside(
    members: pd.DataFrame, aside: pd.DataFrame, keys: list[str], place: Place, row: str
) -> list[dict[str, object]]:
    """Compare each total row with the sum of the member rows it covers; warn once; return the records.

    ``aside`` holds the total rows (``ds``, ``y``, the key columns and the source row in column ``row``);
    ``members`` the panel's rows, with the same columns. A total covers the members that share its filled,
    non-total key cells (all members when it has none), period by period; a total without a period covers
    every period.
    """
    records: list[dict[str, object]] = []
    lines: list[str] = []
    for source, rows in aside.groupby(row, sort=True):
        first = rows.iloc[0]
        label = next((str(first[k]) for k in keys if is_total_label(first[k])), "total")
        fixed = {
            k: str(first[k]).strip()
            for k in keys
            if isinstance(first[k], str) and first[k].strip() and not is_total_label(first[k])
        }
        covered = members
        for key, value in fixed.items():
            covered = covered[covered[key].astype(str).str.strip() == value]
        sums = covered.groupby(DS)[Y].agg(["sum", "size"])
        differ: list[str] = []
        for _, total in rows.iterrows():
            when = total[DS]
            if pd.isna(when):
                summed, count = float(covered[Y].sum()), len(covered)
            elif when in sums.index:
                summed, count = float(sums.at[when, "sum"]), int(sums.at[when, "size"])
            else:
                summed, count = np.nan, 0
            equal = bool(np.isclose(total[Y], summed, rtol=1e-9, atol=1e-9))
            records.append(
                {
                    "row": int(source) if isinstance(source, (int, np.integer)) else str(source),
                    "label": label,
                    **{k: (None if pd.isna(total[k]) else str(total[k])) for k in keys},
                    "ds": None if pd.isna(when) else pd.Timestamp(when).date().isoformat(),
                    "total": float(total[Y]),
                    "sum": None if np.isnan(summed) else summed,
                    "rows": count,
                    "equal": equal,
                }
            )
            if not equal:
                period = "all periods" if pd.isna(when) else _period(when)
                differ.append(f"{period}: {total[Y]:g} against {summed:g}" if count else f"{period}: no rows")
        where = place.at(row=source)
        scope = " with " + ", ".join(f"{place.headers.get(k, k)} {v!r}" for k, v in fixed.items()) if fixed else ""
        check = (
            f"it equals the sum of the other rows{scope} in every period"
            if not differ
            else f"it differs from the sum of the other rows{scope} in {len(differ)} period(s) ("
            + "; ".join(differ[:5])
            + ("; ..." if len(differ) > 5 else "")
            + ")"
        )
        lines.append(f"{where}: {label!r} is a total row, set aside (not forecast as a series); {check}.")
    if lines:
        lines.append("To forecast them as series, load with totals='keep'; to refuse them, totals='error'.")
        warnings.warn("\n".join(lines), DataWarning, stacklevel=4)
    return records


def _period(when: object) -> str:
    stamp = pd.Timestamp(when)
    return str(stamp.year) if (stamp.month, stamp.day) == (1, 1) else stamp.date().isoformat()


def totals(panel: pd.DataFrame) -> pd.DataFrame:
    r"""Return the total rows a loader set aside from ``panel``, each checked against the sum of its members.

    One row per total row and period: ``row`` (the source row), ``label`` (``Итого`` ...), the key columns as
    the file had them, ``ds``, ``total`` (the value in the file), ``sum`` (the sum of the rows it covers),
    ``rows`` (how many) and ``equal``. Empty when nothing was set aside.

    Examples
    --------
    >>> import tempfile, pathlib, warnings
    >>> import staffing_forecast as sf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "staff.csv"
    >>> _ = path.write_text("ОКЗ;2024;2025\n2512;10;12\n2514;3;4\nИтого:;13;17\n", encoding="utf-8")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     panel = sf.load_csv(path, keys=["ОКЗ"], check_code_lists=False)
    >>> sf.totals(panel)[["row", "ds", "total", "sum", "equal"]]
       row         ds  total   sum  equal
    0    4 2024-01-01   13.0  13.0   True
    1    4 2025-01-01   17.0  16.0  False
    """
    if not isinstance(panel, pd.DataFrame):
        raise SchemaError(f"totals: expected a panel (DataFrame), got {type(panel).__name__}.")
    records = panel.attrs.get("totals", [])
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=["row", "label", DS, "total", "sum", "rows", "equal"])
    frame[DS] = pd.to_datetime(frame[DS])
    return frame
