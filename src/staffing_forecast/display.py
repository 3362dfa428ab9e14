"""HTML tables for Jupyter: what ``_repr_html_`` of a bundle, a quota result and a forecast summary shows.

Column headers are the columns' own names (what a notebook types to reach them) with their unit beneath, so a
table reads without the documentation at hand. Numbers are rounded for reading: counts of people and places as
whole numbers, shares and ratios to two decimals. This module only formats; it depends on nothing but pandas.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["UNITS", "html_table", "unit_of"]

#: The unit of each column the library's frames share; a column not listed (keys, texts) has none.
UNITS: dict[str, str] = {
    # panels and forecasts
    "y": "persons",
    "mean": "persons",
    "last_actual": "persons",
    "first_forecast": "persons",
    "last_forecast": "persons",
    "change": "% per year",
    # bundle summary
    "rows": "rows",
    "series": "series",
    # quota
    "duration": "years",
    "graduates_wanted": "graduates/yr",
    "other_supply": "graduates/yr",
    "yield": "share",
    "need": "persons",
    "need_low": "persons",
    "need_high": "persons",
    "paid": "persons",
    "raw_quota": "places",
    "previous": "places",
    "smoothed_quota": "places",
    "quota": "places",
    "quota_region": "places",
    "quota_proposal": "places",
    "low": "places",
    "base": "places",
    "high": "places",
    "target_quota": "places",
    "capacity": "places",
    "exact_share": "places",
    "employment_behind": "persons",
    "programs": "programs",
    "low_reliability": "programs",
    "outside_range_rows": "programs",
    "score": "0–1",
    "ratio": "supply/demand",
    "openings": "persons/yr",
}

_BOUND = re.compile(r"^(lo|hi)_(\d+)$")
_WHOLE = {"persons", "places", "rows", "series", "programs", "years", "graduates/yr", "persons/yr"}


def unit_of(column: str) -> str:
    """Return the unit of ``column``: ``lo_80`` and ``hi_80`` are persons like the mean; unknown columns have none.

    Examples
    --------
    >>> unit_of("quota"), unit_of("hi_95"), unit_of("specialty")
    ('places', 'persons', '')
    """
    if _BOUND.match(column):
        return "persons"
    return UNITS.get(column, "")


def _cell(value: object, unit: str, column: str = "") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if column.endswith("year") and isinstance(value, int | np.integer | float | np.floating):
        return str(int(value))  # 2026, not 2 026
    if isinstance(value, int | np.integer):
        return f"{int(value):,}".replace(",", "\u202f")
    if isinstance(value, float | np.floating):
        number = float(value)
        digits = 0 if unit in _WHOLE or abs(number) >= 100 else 1 if unit.startswith("%") else 2
        return f"{number:,.{digits}f}".replace(",", "\u202f")
    return html.escape(str(value))


def html_table(
    frame: pd.DataFrame,
    *,
    caption: str = "",
    notes: Sequence[str] = (),
    units: Mapping[str, str] | None = None,
    max_rows: int = 20,
    index: bool = False,
) -> str:
    """Render ``frame`` as an HTML table with a unit under each header.

    Parameters
    ----------
    frame
        The table.
    caption
        A title above the table.
    notes
        Lines of text under the table.
    units
        Units for columns beyond :data:`UNITS` (or instead of them).
    max_rows
        Rows shown; a note says how many were left out.
    index
        Show the index as the first column(s).

    Returns
    -------
    str
        An HTML fragment.

    Examples
    --------
    >>> text = html_table(pd.DataFrame({"specialty": ["09.02.07"], "quota": [25]}), caption="Quota")
    >>> "<th>quota<br><small>places</small></th>" in text, "<td>25</td>" in text
    (True, True)
    """
    shown = frame.reset_index() if index else frame
    known = {**UNITS, **(units or {})}
    columns = [str(c) for c in shown.columns]
    unit = {c: known.get(c, unit_of(c)) for c in columns}
    head = "".join(
        f"<th>{html.escape(c)}<br><small>{html.escape(unit[c])}</small></th>"
        if unit[c]
        else f"<th>{html.escape(c)}</th>"
        for c in columns
    )
    body = []
    for row in shown.head(max_rows).itertuples(index=False):
        cells = "".join(f"<td>{_cell(v, unit[c], c)}</td>" for c, v in zip(columns, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    lines = list(notes)
    if len(shown) > max_rows:
        lines.append(f"{max_rows} of {len(shown)} rows shown.")
    parts = [f"<p><b>{html.escape(caption)}</b></p>" if caption else ""]
    parts.append(
        '<table class="staffing-forecast" style="text-align:right">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    parts.extend(f"<p><small>{html.escape(line)}</small></p>" for line in lines)
    return "".join(parts)
