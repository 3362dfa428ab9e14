"""Text written into workbooks and CSV files stays text: a name such as ``=HYPERLINK(...)`` never becomes a formula.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, through some import paths, a
tab or carriage return) as a formula. Following the OWASP guidance on CSV injection, every text value the
library writes that starts with one of those characters is written so that it is shown as it is:

- in a workbook, the cell is stored as a string (never a formula) and marked with Excel's quote prefix, so
  editing it keeps it text;
- in a CSV file, the value gets a leading apostrophe (``'=HYPERLINK(...)``), which Excel shows as text.

Numbers stay numbers (a negative number is a number, not text), and dates stay dates.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["TRIGGERS", "as_text", "csv_safe", "csv_safe_frame", "text_cells"]

#: The first characters that make a spreadsheet read a text cell as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe when it is text starting like a formula; anything else as is.

    Examples
    --------
    >>> csv_safe("=1+2"), csv_safe("@SUM(A1)"), csv_safe("ООО Ромашка"), csv_safe(-5)
    ("'=1+2", "'@SUM(A1)", 'ООО Ромашка', -5)
    """
    return "'" + value if isinstance(value, str) and value.startswith(TRIGGERS) else value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with :func:`csv_safe` applied to its text columns and its column names.

    Examples
    --------
    >>> frame = pd.DataFrame({"employer": ["+1", "E2"], "y": [-3.0, 4.0]})
    >>> csv_safe_frame(frame).to_dict("list")
    {'employer': ["'+1", 'E2'], 'y': [-3.0, 4.0]}
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.map(csv_safe)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.astype(object).map(csv_safe)
    out.columns = [csv_safe(c) for c in out.columns]
    return out


def as_text(cell: Any) -> None:
    """Store an openpyxl cell holding text as a string, with the quote prefix when it starts like a formula.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> cell = Workbook().active.cell(row=1, column=1, value="=1+1")
    >>> cell.data_type
    'f'
    >>> as_text(cell)
    >>> cell.data_type, cell.value, cell.quotePrefix
    ('s', '=1+1', True)
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(TRIGGERS):
            cell.quotePrefix = True


def text_cells(worksheet: Any) -> None:
    """Apply :func:`as_text` to every cell of an openpyxl worksheet (one whose cells are all data, no formulas).

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> sheet.append(["@SUM(A1)", -2, "=A1"])
    >>> text_cells(sheet)
    >>> [c.data_type for c in sheet[1]]
    ['s', 'n', 's']
    """
    for row in worksheet.iter_rows():
        for cell in row:
            as_text(cell)
