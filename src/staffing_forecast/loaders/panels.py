"""Load a panel (``unique_id``, ``ds``, ``y``, keys, exogenous columns) from CSV, Excel, Parquet or SQL.

Every loader takes the same options:

- ``columns``: rename map from the source's headers to the canonical names, e.g.
  ``{"Год": "ds", "Численность": "y", "ОКЗ": "occupation"}``; applied once, before anything else. The usual
  Russian headers (``Год``, ``Дата``, ``Численность, чел.``, ``Код ОКЗ``, ``ОКВЭД2``, ``Работодатель`` ...; see
  :data:`staffing_forecast.loaders.headers.RUSSIAN_HEADERS`) are read as the canonical names without it.
- ``keys``: key columns that build ``unique_id`` (joined with ``/`` in this order), named by the file's own
  header (``Код ОКЗ``) or by the name it is read as (``occupation``). Without it, the known key names
  (``region``, ``sector``, ``employer``, ``occupation``, ...) and every other text column are the keys, in
  file order; an existing ``unique_id`` column is kept as it is (the keys are carried along).
- Long input (one row per series and date) or wide input (dates as column headers, as spreadsheets have
  them: ``employer, occupation, 2019, 2020, ...``) is recognised by the headers; blank wide cells are "no
  observation".
- ``totals``: rows labelled ``Итого``, ``Всего`` or ``Total`` (in any label or key cell, any case, with or
  without a colon) are set aside by default (``"aside"``): not loaded as series, compared with the sum of the
  rows they cover period by period, named in a :class:`~staffing_forecast.errors.DataWarning`, and kept in
  ``panel.attrs["totals"]`` (:func:`staffing_forecast.loaders.totals.totals`). ``"keep"`` loads them as series,
  ``"error"`` refuses them.
- ``unit``: the unit of the values, ``"чел."`` / ``"persons"``, ``"тыс. чел."`` / ``"thousand persons"`` or
  ``"млн чел."`` / ``"million persons"``. By default read from the value header (``Численность, тыс. чел.``)
  or the title above the table, persons when neither names one; the panel carries it in ``attrs["unit"]``
  (:mod:`staffing_forecast.units`) and the reports label the values with it.
- ``whole`` (head counts must be whole numbers; persons only), ``nonnegative`` (default on: counts), ``decimal``
  (``","`` reads Russian decimal commas), ``freq``, ``gaps`` and ``min_length`` as in
  :func:`staffing_forecast.check_panel`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import ConfigError, Place, SchemaError, closest, raise_problems
from ..parsing import parse_dates, parse_numbers
from ..reference import check_codes
from ..schema import DS, KEY_ORDER, UNIQUE_ID, Y, check_panel, make_unique_id
from ..units import PERSONS
from .files import PathLike, read_csv_cells, read_excel_cells, read_parquet_cells, read_sql_cells
from .headers import panel_unit, rename_known_headers
from .jumps import check_jumps
from .totals import set_aside, total_rows

__all__ = ["load_csv", "load_excel", "load_parquet", "load_sql", "to_panel"]

_DATE_HEADER = re.compile(r"^\d{4}(\s*[-/ ]?\s*[QqКк]\s*[1-4]|-\d{2}(-\d{2})?)?(\.0)?$")
_ROW = "__source_row__"  # the source row of each value, while total rows are told apart from the others
_CODED_KEYS = {"occupation": "occupation", "sector": "sector", "specialty": "specialty", "level": "level"}


def _rename(cells: pd.DataFrame, columns: Mapping[str, str] | None, place: Place) -> pd.DataFrame:
    if not columns:
        return cells
    present = list(cells.columns)
    missing = [src for src in columns if src not in present]
    if missing:
        hints = "".join(closest(m, present) for m in missing)
        raise SchemaError(
            f"{place.at()}: column(s) {missing} named in columns= are not in the file{hints} The file has {present}."
        )
    clash = [dst for src, dst in columns.items() if dst in present and dst not in columns]
    if clash:
        raise SchemaError(
            f"{place.at()}: renaming would create a second {clash[0]!r} column; the file has one already."
        )
    return cells.rename(columns=dict(columns))


def _melt_wide(
    cells: pd.DataFrame, place: Place, numbers: dict[str, Any], problems: list[str]
) -> pd.DataFrame:
    date_cols = [c for c in cells.columns if _DATE_HEADER.match(c)]
    id_cols = [c for c in cells.columns if c not in date_cols]
    parts = []
    for col in date_cols:
        values = cells[col]
        present = values.notna() & (values.astype(str).str.strip() != "")
        parsed = parse_numbers(values[present], place=place, column=col, problems=problems, **numbers)
        part = cells.loc[present, id_cols].copy()
        part[DS] = col.removesuffix(".0")
        part[Y] = parsed
        parts.append(part)
    if not parts or all(p.empty for p in parts):
        raise SchemaError(f"{place.at()}: the date columns {date_cols} hold no values.")
    return pd.concat(parts)


def to_panel(
    cells: pd.DataFrame,
    place: Place,
    *,
    columns: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    freq: str | None = None,
    whole: bool = False,
    nonnegative: bool = True,
    decimal: str = ",",
    gaps: str = "error",
    min_length: int = 2,
    check_code_lists: bool = True,
    totals: str = "aside",
    unit: str | None = None,
) -> pd.DataFrame:
    """Turn raw cells (indexed by source row) into a validated panel; see the module docstring for options.

    The loaders call it after reading a file's cells as text; ``place`` names the source in messages.

    Examples
    --------
    >>> from staffing_forecast.errors import Place
    >>> cells = pd.DataFrame({"ОКЗ": ["2512", "2514"], "2024": ["10", "3"], "2025": ["12", "4"]}, index=[2, 3])
    >>> to_panel(cells, Place("staff.csv"), columns={"ОКЗ": "occupation"})[["unique_id", "ds", "y"]].shape
    (4, 3)
    """
    cells = _rename(cells, columns, place)
    # The usual Russian headers (Год, Численность, Код ОКЗ ...) are read as the panel's columns without columns=.
    known = rename_known_headers(cells, [DS, Y, *KEY_ORDER], place)
    renamed = {new: old for old, new in (columns or {}).items()}
    renamed.update({new: old for old, new in zip(cells.columns, known.columns, strict=True) if old != new})
    cells, place = known, place.renamed(renamed)
    unit = panel_unit(cells, place, unit)
    whole = whole and unit == PERSONS  # 12,3 thousand persons is a reading; 12,3 persons is not
    labels = [c for c in cells.columns if c not in {DS, Y} and not _DATE_HEADER.match(c)]
    total_index = cells.index[total_rows(cells, labels, place, totals)]
    if len(total_index):
        cells = cells.assign(**{_ROW: cells.index})
    source = place  # wide input is named by series and date below; a total row by its row in the file
    problems: list[str] = []
    numbers: dict[str, Any] = {
        "what": "value",
        "whole": whole,
        "nonnegative": nonnegative,
        "decimal": decimal,
    }
    headers = [place.headers.get(c, c) for c in cells.columns]  # as the file has them, for messages
    if DS not in cells.columns:
        if not any(_DATE_HEADER.match(c) for c in cells.columns):
            raise SchemaError(
                f"{place.at()}: no date column 'ds' and no date headers (2024, 2024Q1, 2024-03); the file has "
                f"{headers}{closest('ds', headers) or '.'} Map the date column with columns={{'...': 'ds'}}."
            )
        frame = _melt_wide(cells, place, numbers, problems)
        raise_problems(problems)
        # Melted rows share source row numbers, so later messages name the series and date instead.
        frame = frame.reset_index(drop=True)
        place = Place(
            f"{place.name} (dates as columns)", sheet=place.sheet, in_file=False, headers=place.headers
        )
    else:
        if Y not in cells.columns:
            raise SchemaError(
                f"{place.at()}: no value column 'y'; the file has {headers}. Map it with "
                "columns={'headcount': 'y'} (or the header that holds the values)."
            )
        frame = cells.copy()
        frame[Y] = parse_numbers(frame[Y], place=place, column=Y, problems=problems, **numbers)
    aside = frame.iloc[:0]
    if len(total_index):
        is_total = frame[_ROW].isin(total_index)
        aside, frame = frame[is_total].copy(), frame[~is_total].drop(columns=_ROW)
        dated = aside[DS].notna() & (aside[DS].astype(str).str.strip() != "")
        aside[DS] = parse_dates(aside[DS].where(dated, "2000"), place=place, column=DS, problems=problems)
        aside.loc[~dated, DS] = pd.NaT  # a total over every period
    frame[DS] = parse_dates(frame[DS], place=place, column=DS, problems=problems)
    raise_problems(problems)

    others = [c for c in frame.columns if c not in {UNIQUE_ID, DS, Y}]
    has_id = UNIQUE_ID in frame.columns
    if keys is None:
        # Known key names and text columns are keys; with a unique_id column they are carried along, unchanged.
        keys = [c for c in others if c in KEY_ORDER or not _all_numeric(frame[c], decimal)]
    # A key may be named by the file's own header (`Код ОКЗ`) or by the name it was read as (`occupation`).
    by_header = {header: name for name, header in place.headers.items()}
    keys = [k if k in frame.columns else by_header.get(k, k) for k in keys]
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise SchemaError(
            f"{place.at()}: key column(s) {missing} are not in the file{closest(missing[0], others)}"
        )
    if not keys and UNIQUE_ID not in frame.columns:
        raise ConfigError(
            f"{place.at()}: no unique_id column and no key columns; pass keys=['employer', ...]."
        )
    for key in keys:
        frame[key] = frame[key].astype("string").str.strip().str.removesuffix(".0").astype(object)
        if check_code_lists and key in _CODED_KEYS:
            check_codes(frame[key], _CODED_KEYS[key], place=place, column=key, problems=problems)
    for col in others:
        if col in keys:
            continue
        if col in KEY_ORDER and not has_id:
            # Codes look numeric: without this, an occupation column left out of keys= became a driver.
            problems.append(
                f"{place.at(column=col)}: column {col!r} names a key but is not in keys={list(keys)}; add it to "
                "keys=, or remove it from the file."
            )
        elif not _all_numeric(frame[col], decimal):
            problems.append(
                f"{place.at(column=col)}: column {col!r} is neither a key nor numeric; list it in keys=, "
                "or remove it from the file."
            )
        else:
            frame[col] = parse_numbers(
                frame[col], place=place, column=col, what="value", decimal=decimal, problems=problems
            )
    raise_problems(problems)
    if keys and not has_id:
        frame[UNIQUE_ID] = make_unique_id(frame, keys, place=place)
    frame = frame[[UNIQUE_ID, DS, Y, *keys, *[c for c in others if c not in keys]]]
    check_jumps(frame, place)
    panel = check_panel(frame, freq=freq, gaps=gaps, min_length=min_length, place=place)
    panel.attrs = {"unit": unit}
    if not aside.empty:
        panel.attrs["totals"] = set_aside(panel, aside, keys, source, _ROW)
    return panel


#: The options every loader passes on to :func:`to_panel`.
_PANEL_OPTIONS = (
    "freq",
    "whole",
    "nonnegative",
    "decimal",
    "gaps",
    "min_length",
    "check_code_lists",
    "totals",
    "unit",
)


def _check_options(function: str, own: Sequence[str], options: Mapping[str, Any]) -> None:
    """Refuse an unknown keyword in the words of the public function, not of the function it passes options to."""
    known = [*own, *_PANEL_OPTIONS]
    for option in options:
        if option not in _PANEL_OPTIONS:
            hint = closest(option, known) or "."
            raise TypeError(
                f"{function}() got an unexpected keyword argument {option!r}{hint} Its options are "
                f"{', '.join(known)}."
            )


def _all_numeric(values: pd.Series, decimal: str) -> bool:
    if pd.api.types.is_numeric_dtype(values):
        return True
    scratch: list[str] = []
    parse_numbers(
        values, place=Place("-"), column="-", allow_missing=False, decimal=decimal, problems=scratch
    )
    return not scratch


def load_csv(
    path: PathLike,
    *,
    columns: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    r"""Load a panel from a CSV file (long or wide; separator and UTF-8/cp1251 encoding detected).

    Parameters
    ----------
    path
        The file.
    columns, keys
        Rename map and key columns (see :mod:`staffing_forecast.loaders.panels`).
    sep, encoding
        Override the detected separator or encoding.
    header_row
        The line of the header (1 = the first); by default the first line with two or more filled cells, so
        a title line above the table is skipped.
    **options
        ``freq``, ``whole``, ``nonnegative``, ``decimal``, ``gaps``, ``min_length``, ``check_code_lists``,
        ``totals``, ``unit``.

    Returns
    -------
    pandas.DataFrame
        A validated panel.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "staff.csv").write_text("ОКЗ;2024;2025\n2512;10;12\n2514;3;4\n", encoding="utf-8")
    >>> load_csv(folder / "staff.csv", columns={"ОКЗ": "occupation"})[["unique_id", "ds", "y"]].head(2)
      unique_id         ds     y
    0      2512 2024-01-01  10.0
    1      2512 2025-01-01  12.0
    """
    _check_options("load_csv", ["path", "columns", "keys", "sep", "encoding", "header_row"], options)
    cells = read_csv_cells(path, sep=sep, encoding=encoding, header_row=header_row)
    return to_panel(
        cells, Place(str(getattr(path, "name", path)).split("/")[-1]), columns=columns, keys=keys, **options
    )


def load_excel(
    path: PathLike,
    *,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    header_row: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Load a panel from one sheet of an .xlsx workbook (long or wide); the first sheet by default.

    Errors name the file, sheet, Excel row and column. ``header_row`` is the Excel row of the header; by default
    the first row with two or more filled cells, so a title above the table is skipped. A two-row header with a
    group name merged above its sub-headers (``Численность, чел.`` over ``2023 | 2024``) is read as one.
    Other options as in :func:`load_csv`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import Workbook
    >>> book = Workbook()
    >>> sheet = book.active
    >>> sheet.append(["Численность занятых по профессиям"])
    >>> sheet.append(["Профессия", "Численность, чел."])
    >>> sheet.append([None, 2024, 2025])
    >>> sheet.append(["2512", 10, 12])
    >>> sheet.merge_cells("A2:A3")
    >>> sheet.merge_cells("B2:C2")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "staff.xlsx"
    >>> book.save(path)
    >>> load_excel(path, columns={"Профессия": "occupation"})[["unique_id", "ds", "y"]]
      unique_id         ds     y
    0      2512 2024-01-01  10.0
    1      2512 2025-01-01  12.0
    """
    _check_options("load_excel", ["path", "sheet", "columns", "keys", "header_row"], options)
    cells = read_excel_cells(path, sheet=sheet, header_row=header_row)
    name = str(path).split("/")[-1]
    sheet_name = sheet if isinstance(sheet, str) else None
    return to_panel(cells, Place(name, sheet=sheet_name), columns=columns, keys=keys, **options)


def load_parquet(
    path: PathLike,
    *,
    columns: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Load a panel from a Parquet file; options as in :func:`load_csv`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "staff.parquet"
    >>> pd.DataFrame({"Год": [2024, 2025], "ОКЗ": ["2512", "2512"], "Численность": [10, 12]}).to_parquet(path)
    >>> load_parquet(path, columns={"Год": "ds", "ОКЗ": "occupation", "Численность": "y"})[["unique_id", "y"]].values.tolist()
    [['2512', 10.0], ['2512', 12.0]]
    """
    _check_options("load_parquet", ["path", "columns", "keys"], options)
    cells = read_parquet_cells(path)
    return to_panel(cells, Place(str(path).split("/")[-1]), columns=columns, keys=keys, **options)


def load_sql(
    query_or_table: str,
    url: str,
    *,
    columns: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Load a panel from an SQL query or table through SQLAlchemy (SQLite, DuckDB, PostgreSQL, ...).

    Parameters
    ----------
    query_or_table
        A table name (``employment``) or a ``SELECT`` statement.
    url
        SQLAlchemy URL: ``sqlite:///cluster.db``, ``duckdb:///cluster.duckdb``,
        ``postgresql+psycopg://user@host/db``.

    Examples
    --------
    >>> import sqlite3, tempfile, os
    >>> db = os.path.join(tempfile.mkdtemp(), "cluster.db")
    >>> with sqlite3.connect(db) as con:
    ...     _ = con.execute("create table staff (occupation text, year int, headcount int)")
    ...     _ = con.executemany("insert into staff values (?, ?, ?)", [("2512", 2024, 10), ("2512", 2025, 12)])
    >>> load_sql("staff", f"sqlite:///{db}", columns={"year": "ds", "headcount": "y"})["y"].tolist()
    [10.0, 12.0]
    """
    _check_options("load_sql", ["query_or_table", "url", "columns", "keys"], options)
    cells, place = read_sql_cells(query_or_table, url)
    return to_panel(cells, place, columns=columns, keys=keys, **options)
