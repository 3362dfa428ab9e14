"""Writing workbooks an official reads without Python: translated headers, number formats, frozen headers.

A workbook is written to a temporary file next to its target and moved into place at the end, so a failure
halfway never leaves a half-written report where the last good one was.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from ..atomic import temp_path
from ..errors import ConfigError
from ..spreadsheet import text_cells
from ..units import PERSONS
from .labels import LANGS, column_label, in_unit, value_label

__all__ = ["Sheet", "name_columns", "value_decimals", "write_workbook"]

#: Number formats by kind of column (the internal column name decides the kind); a value's depends on its unit.
_FORMATS = {"share": "0.0%", "index": "0.00", "count": "#,##0", "number": "#,##0.0", "year": "0"}


def value_decimals(unit: str, values: pd.DataFrame | pd.Series | np.ndarray) -> int:
    """Return the decimals a head count in ``unit`` is shown with: persons whole, thousands and millions not.

    In thousands or millions the typical (median nonzero) size of ``values`` decides, for about three significant
    digits: one decimal from 10 up (23,4 тыс. чел.), two from 1 (2,31: whole numbers would show 2,31 and 2,42
    both as 2), three below 1 (0,025 тыс. чел. is 25 persons); never more than three.

    Examples
    --------
    >>> value_decimals("persons", pd.Series([2.31])), value_decimals("thousand persons", pd.Series([2.31, 2.42]))
    (0, 2)
    >>> value_decimals("thousand persons", pd.Series([23.4, 0.0, 158.0])), value_decimals("thousand persons", [0.025])
    (1, 3)
    """
    if unit == PERSONS:
        return 0
    numbers = pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce").abs()
    numbers = numbers[numbers > 0]
    if numbers.empty:
        return 2
    return min(3, max(1, 2 - math.floor(math.log10(float(numbers.median())))))


@dataclass
class Sheet:
    """One sheet: its title, a frame with internal column names, and optional lines of text above the table."""

    title: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    unit: str = PERSONS  # of the values labelled in persons (a forecast of a panel in thousands ...)


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f"unknown report language {lang!r}; use one of {list(LANGS)}.")


def name_columns(frame: pd.DataFrame, lang: str, institutions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Insert readable names after the ``specialty``, ``occupation`` and ``institution`` code columns."""
    out = frame.copy()
    lookups: list[tuple[str, pd.Series]] = [
        ("specialty", reference.specialties().set_index("specialty")[f"name_{lang}"]),
        ("occupation", reference.occupations().set_index("occupation")[f"name_{lang}"]),
    ]
    if institutions is not None:
        lookups.append(
            ("institution", institutions.drop_duplicates("institution").set_index("institution")["name"])
        )
    for column, names in lookups:
        if column in out.columns and f"{column}_name" not in out.columns:
            position = out.columns.get_loc(column) + 1
            out.insert(int(position), f"{column}_name", out[column].map(names).fillna(""))
    return out


def write_workbook(path: str | os.PathLike[str], sheets: list[Sheet], lang: str = "ru") -> Path:
    """Write ``sheets`` to ``path`` with headers and values in ``lang``; return the path.

    Column headers come from :mod:`staffing_forecast.report.labels`; shares are shown as percentages, counts with
    thousands separators; the header row is frozen and filterable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"specialty": ["09.02.07"], "p_emp": [0.75]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_workbook(pathlib.Path(folder) / "r.xlsx", [Sheet("Выпускники", frame)])
    ...     list(pd.read_excel(path).columns)
    ['Код специальности', 'Доля трудоустроенных']
    """
    check_lang(lang)
    path = Path(path)
    tmp = temp_path(path)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for sheet in sheets:
                _write_sheet(writer, sheet, lang)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_sheet(writer: pd.ExcelWriter, sheet: Sheet, lang: str) -> None:
    from openpyxl.styles import Alignment, Font  # only when writing: keeps `import staffing_forecast` light
    from openpyxl.utils import get_column_letter

    frame = sheet.frame.copy()
    kinds: dict[object, str] = {}
    labels: list[object] = []
    for column in frame.columns:
        # A number as a column name is a year of a wide table: the header stays a number, its values head counts.
        label, kind = (column, "value") if not isinstance(column, str) else column_label(str(column), lang)
        label = in_unit(label, sheet.unit, lang)
        kinds[label] = kind
        labels.append(label)
        frame[column] = value_label(frame[column], lang, str(column))
    frame.columns = labels
    # Every head count of a sheet has the same decimals, chosen from all of them: a column of 2,31 beside one
    # of 23,40 reads as one table.
    values = frame[[label for label in labels if kinds[label] == "value"]]
    decimals = value_decimals(sheet.unit, values.to_numpy())
    formats = _FORMATS | {"value": "#,##0" + ("." + "0" * decimals if decimals else "")}
    start = len(sheet.notes) + (1 if sheet.notes else 0)
    title = sheet.title[:31]  # Excel's limit on sheet names
    frame.to_excel(writer, sheet_name=title, index=False, startrow=start)
    ws = writer.sheets[title]
    for i, note in enumerate(sheet.notes, start=1):
        ws.cell(row=i, column=1, value=note).font = Font(italic=True)
    header = start + 1
    for j, label in enumerate(frame.columns, start=1):
        cell = ws.cell(row=header, column=j)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        number_format = formats.get(kinds[label])
        if number_format:
            for row in range(header + 1, header + 1 + len(frame)):
                ws.cell(row=row, column=j).number_format = number_format
        width = max(
            [len(str(label)) // 2 + 2, *(len(str(v)) + 2 for v in frame.iloc[:200, j - 1])], default=10
        )
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), 60)
    text_cells(ws)  # a key value or note that starts like a formula is shown, never run
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    if len(frame.columns):
        ws.auto_filter.ref = f"A{header}:{get_column_letter(len(frame.columns))}{header + len(frame)}"
