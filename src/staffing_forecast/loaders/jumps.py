"""Values a hundred times larger or smaller than their neighbours in a series: a unit, separator or typing slip.

A head count of 1.2 between 1,210 and 1,250 (``1,200`` read with a decimal comma) or of 10¹² is kept by the
number parser, which sees one cell at a time; only the series shows that it is out of line.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataWarning, Place
from ..schema import DS, UNIQUE_ID, Y

__all__ = ["check_jumps"]

#: A value this many times larger or smaller than its neighbours is reported.
FACTOR = 100.0


def check_jumps(frame: pd.DataFrame, place: Place) -> None:
    """Warn of every value ``FACTOR`` times above or below its neighbours (:class:`~staffing_forecast.DataWarning`).

    The warning names its row (or series and date) and column.

    A jump may be real (a firm founded, a count corrected), so it is named, not refused.

    An inner value is compared with both neighbours (in the same direction); a first or last value with its one
    neighbour, when that neighbour agrees with the next one. Zeros and series of two values are not judged.
    ``frame`` holds ``unique_id``, ``ds`` and ``y``, indexed by source row when ``place`` is a file.

    Examples
    --------
    >>> frame = pd.DataFrame({"unique_id": "a", "ds": pd.to_datetime(["2023", "2024", "2025"]),
    ...                       "y": [1210.0, 1.2, 1250.0]}, index=[2, 3, 4])
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_jumps(frame, Place("staff.csv"))
    >>> str(caught[0].message)
    "staff.csv, row 3, column 'y': 1.2 is 1008 times smaller than its neighbours (1210, 1250) in series 'a'; ..."
    """
    ordered = frame[[UNIQUE_ID, DS, Y]].sort_values([UNIQUE_ID, DS], kind="stable")
    values = ordered[Y].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = pd.Series(np.where(values != 0, np.log10(np.abs(values)), np.nan), index=ordered.index)
    series = level.groupby(ordered[UNIQUE_ID].to_numpy(), sort=False)
    before, after = series.shift(1), series.shift(-1)
    before2, after2 = series.shift(2), series.shift(-2)
    limit = np.log10(FACTOR)
    up, down = level - before, level - after
    inner = (up.abs() >= limit) & (down.abs() >= limit) & (np.sign(up) == np.sign(down))
    first = before.isna() & series.cumcount().eq(0) & (down.abs() >= limit) & ((after - after2).abs() < limit)
    last = after.isna() & series.cumcount(ascending=False).eq(0) & (up.abs() >= limit)
    last &= (before - before2).abs() < limit
    messages = []
    for row in ordered.index[(inner | first | last).to_numpy()]:
        uid, value = ordered.at[row, UNIQUE_ID], ordered.at[row, Y]
        around = ordered.loc[ordered[UNIQUE_ID] == uid, Y]
        position = around.index.get_loc(row)
        neighbours = around.iloc[max(position - 1, 0) : position + 2].drop(row)
        ratio = 10 ** float(np.nanmin(np.abs([up[row], down[row]])))
        where = (
            place.at(row=row, column=Y)
            if place.in_file
            else f"{place.at(series=str(uid))}, {pd.Timestamp(ordered.at[row, DS]).date()}"
        )
        messages.append(
            f"{where}: {value:g} is {ratio:.0f} times {'larger' if up[row] > 0 or down[row] > 0 else 'smaller'} "
            f"than its neighbours ({', '.join(f'{v:g}' for v in neighbours)}) in series {uid!r}; check the unit, "
            "the decimal and thousands separators, or a slip of the keyboard."
        )
    if messages:
        warnings.warn("\n".join(messages), DataWarning, stacklevel=3)
