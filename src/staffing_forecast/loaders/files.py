"""Read CSV, Excel, Parquet and SQL sources into frames of raw cells, indexed by the row a user sees.

Everything here returns text or numbers exactly as stored; typing and validation happen once, in
:mod:`staffing_forecast.loaders.panels` and :mod:`staffing_forecast.loaders.tables`.
"""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, Place, SchemaError, closest, raise_problems
from ..parsing import stripped_text

__all__ = [
    "find_header",
    "read_csv_cells",
    "read_excel_cells",
    "read_parquet_cells",
    "read_sql_cells",
    "sniff",
]

PathLike = str | os.PathLike[str]

_KIND_NAMES = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xls": "an old Excel 97–2003 workbook (.xls)",
    "parquet": "a Parquet file",
    "sqlite": "an SQLite database",
    "text": "a text (CSV) file",
    "empty": "an empty file",
}
_LOADER_FOR = {"xlsx": "load_excel", "parquet": "load_parquet", "text": "load_csv", "sqlite": "load_sql"}


def sniff(path: Path) -> str:
    """Tell what a file really is from its first bytes: xlsx, xls, parquet, sqlite, text or empty."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    return "text"


def _open_checked(path: PathLike, expected: str) -> Path:
    path = Path(path)
    if not path.exists():
        siblings = sorted(p.name for p in path.parent.glob("*")) if path.parent.exists() else []
        raise SchemaError(f"{path}: no such file{closest(path.name, siblings)}")
    if path.is_dir():
        raise SchemaError(f"{path}: is a folder, not a file; use sf.load_bundle for a folder of tables.")
    kind = sniff(path)
    if kind == "empty":
        raise SchemaError(f"{path.name}: the file is empty (0 bytes).")
    if kind != expected:
        advice = (
            "Open it in Excel and save it as .xlsx."
            if kind == "xls"
            else f"Use {_LOADER_FOR[kind]} for it, or give it the right extension."
            if kind in _LOADER_FOR
            else ""
        )
        raise SchemaError(
            f"{path.name}: expected {_KIND_NAMES[expected]}, but the file is {_KIND_NAMES[kind]}. {advice}".strip()
        )
    return path


def _finish(frame: pd.DataFrame, place: Place, first_row: int, header: str = "row 1") -> pd.DataFrame:
    """Index rows by the number a user sees, drop wholly empty rows, refuse a header-only table."""
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.apply(_blank_cells).all(axis=1)
    frame = frame.loc[~blank]
    if frame.empty:
        raise SchemaError(f"{place.at()}: the table has a header but no data rows.")
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:") or not c]
    if unnamed:
        raise SchemaError(
            f"{place.at()}: {len(unnamed)} column(s) have no header; name every column in {header}."
        )
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise SchemaError(f"{place.at()}: column header(s) {duplicated} appear more than once.")
    return frame


def _blank_cells(column: pd.Series) -> pd.Series:
    """Return which cells of a column are empty: missing, or text of blanks only."""
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.isna()
    return column.isna() | (stripped_text(column) == "").fillna(True)


def find_header(rows: Sequence[Sequence[object]], limit: int = 30) -> int:
    """Return the 0-based position of the header among ``rows``: the first row with two or more filled cells.

    Rows above it hold at most one cell each: a title, a unit, a note or nothing, as reports saved for reading
    have them. Only the first ``limit`` rows are searched; without a match the first row is the header.

    Examples
    --------
    >>> find_header([["Численность занятых, чел.", None], [None, None], ["Профессия", "2024"], ["2512", 5]])
    2
    """
    for i, row in enumerate(rows[:limit]):
        if sum(not _blank(v) for v in row) >= 2:
            return i
    return 0


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_SEPARATORS = (";", "\t", ",")
_SEPARATOR_NAMES = {";": "';'", "\t": "tab", ",": "','"}


def _detect_separator(lines: Sequence[str]) -> str:
    """Pick the separator under which the header and the rows below it split into the same number of fields.

    Counting a character is not enough: row labels with commas in them (``Деятельность в области информации и
    связи, всего``) and decimal commas outnumber the ``;`` of a Russian file. For each candidate the header is
    found as :func:`find_header` finds it, and the candidate wins that has the most lines splitting into as many
    fields as that header (two or more); ties go to ``;``, then tab, then ``,``.

    Examples
    --------
    >>> _detect_separator(["Вид деятельности;2024;2025", "Связь, всего;1,5;1,7", "Разработка ПО, всего;2,5;2,6"])
    ';'
    >>> _detect_separator(["occupation,2024,2025", "2512,10,12"])
    ','
    """
    filled = [line for line in lines if line.strip()]
    best, best_score = ",", 0
    for sep in _SEPARATORS:
        rows = list(csv.reader(filled, delimiter=sep))
        header = rows[find_header(rows)] if rows else []
        width = len(header)
        score = sum(len(row) == width for row in rows) if width >= 2 else 0
        if score > best_score:
            best, best_score = sep, score
    return best


def read_csv_cells(
    path: PathLike, *, sep: str | None = None, encoding: str | None = None, header_row: int | None = None
) -> pd.DataFrame:
    """Read a CSV file as text cells, detecting the separator (``;``, tab or ``,``) and encoding (UTF-8 or cp1251).

    ``header_row`` is the line of the header (1 = the first line); by default it is the first line with two or
    more filled cells, so a title line above the table is skipped. The index is the line number in the file;
    ``attrs["above"]`` holds the text of the lines above the header (a title may name the unit).
    """
    path = _open_checked(path, "text")
    place = Place(path.name)
    encodings = [encoding] if encoding else ["utf-8-sig", "cp1251"]
    for enc in encodings:
        try:
            text = path.read_text(encoding=enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SchemaError(
            f"{place.at()}: the file is not text in {' or '.join(encodings)}; save it as UTF-8 CSV."
        )
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise SchemaError(f"{place.at()}: the file has no header and no data.")
    detected = sep is None
    sep = sep or _detect_separator(lines[:30])
    if header_row is None:
        header_row = 1 + find_header(list(csv.reader(lines[:30], delimiter=sep)))
    elif not 1 <= header_row <= len(lines):
        raise ConfigError(f"{place.at()}: header_row={header_row}, but the file has {len(lines)} lines.")
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding=enc,
            skip_blank_lines=False,
            skiprows=header_row - 1,
            encoding_errors="strict",
        )
    except pd.errors.ParserError as exc:
        others = " or ".join(f"sep={o!r}" for o in _SEPARATORS if o != sep)
        how = "detected from the first lines" if detected else "as given"
        detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        raise SchemaError(
            f"{place.at()}: with the separator {_SEPARATOR_NAMES.get(sep, repr(sep))} ({how}), the rows do not split "
            f"into the header's columns ({detail}). If the file uses another separator, pass {others}; if a "
            "value holds the separator, put it in double quotes."
        ) from None
    frame = _finish(frame.replace("", None), place, first_row=header_row + 1, header=f"line {header_row}")
    above = list(csv.reader(lines[: header_row - 1], delimiter=sep))
    frame.attrs["above"] = [cell.strip() for row in above for cell in row if cell.strip()]
    return frame


def read_excel_cells(
    path: PathLike, *, sheet: str | int | None = None, header_row: int | None = None
) -> pd.DataFrame:
    """Read one sheet of an .xlsx workbook as cells; the index is the Excel row number.

    ``sheet`` is a name or a 0-based position; the first sheet by default. ``header_row`` is the Excel row of
    the header; by default the first row with two or more filled cells (a title above the table is skipped).
    A header of two rows, with a group name merged across the cells above its sub-headers (``Численность,
    чел.`` over ``2023 | 2024 | 2025``), is read as one: each column takes its lowest label, joined with the
    ones above it where that alone would repeat another column's. Merged cells inside the table are an error
    naming each merged range once.
    """
    from openpyxl import load_workbook  # only when reading a workbook: keeps `import staffing_forecast` light

    path = _open_checked(path, "xlsx")
    try:
        # Not read-only: merged ranges are only known to a fully loaded workbook.
        book = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:  # damaged or encrypted workbooks
        raise SchemaError(
            f"{path.name}: the workbook cannot be opened ({exc}); re-save it in Excel as .xlsx."
        ) from None
    try:
        names = [str(n) for n in book.sheetnames]
        if sheet is None:
            sheet = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise SchemaError(f"{path.name}: there is no sheet number {sheet}; the sheets are {names}.")
            sheet = names[sheet]
        elif sheet not in names:
            raise SchemaError(
                f"{path.name}: there is no sheet {sheet!r}{closest(sheet, names)} The sheets are {names}."
            )
        return _parse_sheet(book[sheet], Place(path.name, sheet=str(sheet)), header_row)
    finally:
        book.close()


def _parse_sheet(ws: Any, place: Place, header_row: int | None) -> pd.DataFrame:
    raw = [list(row) for row in ws.iter_rows(values_only=True)]
    used = [j for j in range(max((len(r) for r in raw), default=0)) if any(not _blank(r[j]) for r in raw)]
    if not used:
        raise SchemaError(f"{place.at()}: the sheet is empty.")
    raw = [[row[j] for j in used] for row in raw]
    position = {col: j for j, col in enumerate(used)}  # 0-based Excel column → position among the used ones
    merged = [m for m in ws.merged_cells.ranges if m.min_col - 1 in position]
    filled = [row[:] for row in raw]  # every cell of a merged range holds the range's value
    for m in merged:
        value = ws.cell(m.min_row, m.min_col).value
        for r in range(m.min_row, min(m.max_row, len(raw)) + 1):
            for c in range(m.min_col, m.max_col + 1):
                if c - 1 in position:
                    filled[r - 1][position[c - 1]] = value
    if header_row is None:
        header_row = 1 + find_header(raw)
    elif not 1 <= header_row <= len(raw):
        raise ConfigError(f"{place.at()}: header_row={header_row}, but the sheet has {len(raw)} rows.")
    last = _header_end(merged, header_row)
    columns = _header_names([filled[r - 1] for r in range(header_row, last + 1)])
    problems = [
        f"{place.name}, sheet {place.sheet!r}, rows {m.min_row}–{m.max_row}, column "
        f"{columns[position[m.min_col - 1]]!r}: cells {m.coord} are merged; unmerge them and repeat the value "
        "in every row (each row of a table needs all its cells)."
        if m.min_col == m.max_col
        else f"{place.at(row=m.min_row)}: cells {m.coord} are merged; unmerge them and fill every cell."
        for m in sorted(merged, key=lambda m: (m.min_row, m.min_col))
        if m.min_row > last
    ]
    raise_problems(problems)
    frame = pd.DataFrame(raw[last:], columns=columns, dtype=object)
    header = f"row {header_row}" if last == header_row else f"rows {header_row}–{last}"
    frame = _finish(frame, place, first_row=last + 1, header=header)
    # Titles and group names above the lowest header row: where a table says its unit («тыс. чел.»).
    frame.attrs["above"] = [str(v).strip() for row in raw[: last - 1] for v in row if not _blank(v)]
    return frame


def _header_end(merged: list[Any], header_row: int, most: int = 5) -> int:
    """Find the last row of a header starting at ``header_row``.

    A header runs on while merged cells in it reach down, or group names above sub-headers span several columns.
    """
    last = header_row
    for _ in range(most):
        inside = [m for m in merged if header_row <= m.min_row <= last]
        reach = max([m.max_row for m in inside], default=last)
        groups = any(m.max_row == last and m.max_col > m.min_col for m in inside)
        new_last = max(reach, last + 1 if groups else last)
        if new_last == last:
            break
        last = new_last
    return last


def _header_names(rows: list[list[object]]) -> list[str]:
    """One name per column from header rows: the lowest label, prefixed by those above it where needed to be unique."""
    parts: list[list[str]] = []
    for j in range(len(rows[0])):
        labels: list[str] = []
        for row in rows:
            value = row[j]
            text = "" if _blank(value) else str(value).strip()
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            if text and (not labels or labels[-1] != text):
                labels.append(text)
        parts.append(labels or [""])
    lowest = [labels[-1] for labels in parts]
    return [
        " ".join(labels) if lowest.count(labels[-1]) > 1 and len(labels) > 1 else labels[-1]
        for labels in parts
    ]


def read_parquet_cells(path: PathLike) -> pd.DataFrame:
    """Read a Parquet file; the index is the 1-based record number."""
    path = _open_checked(path, "parquet")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise SchemaError(
            f"{path.name}: the Parquet file cannot be read ({type(exc).__name__}: {exc})."
        ) from None
    if frame.empty:
        raise SchemaError(f"{Place(path.name).at()}: the table has no rows.")
    return _finish(frame.reset_index(drop=True), Place(path.name), first_row=1)


def read_sql_cells(query_or_table: str, url: str) -> tuple[pd.DataFrame, Place]:
    """Run a query (or read a whole table) through SQLAlchemy; the index is the 1-based result row.

    A bare name is read as a table (``SELECT * FROM name``) without schema reflection, which some dialects
    (DuckDB's among them) do not fully support.
    """
    import sqlalchemy as sa

    if not isinstance(url, str) or ("://" not in url and not url.startswith("sqlite:")):
        raise ConfigError(
            f"load_sql: {url!r} is not a database URL; use e.g. 'sqlite:///cluster.db', "
            "'duckdb:///cluster.duckdb' or 'postgresql+psycopg://user@host/db'."
        )
    text = query_or_table.strip()
    is_table = text.replace("_", "").replace(".", "").isalnum()
    place = Place(f"table {text!r}" if is_table else "SQL query", in_file=True)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"load_sql: cannot use database URL {url!r} ({exc}).") from None
    try:
        statement: sa.Executable
        if is_table:
            statement = sa.select(sa.text("*")).select_from(
                sa.table(text.split(".")[-1], schema=text.rpartition(".")[0] or None)
            )
        else:
            statement = sa.text(text)
        with engine.connect() as connection:
            frame = pd.read_sql(statement, connection)
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", exc)).splitlines()[0]
        hint = ""
        if is_table:
            try:
                tables = sa.inspect(engine).get_table_names()
                hint = f"{closest(text, tables)} Tables: {tables}."
            except sa.exc.SQLAlchemyError:
                hint = ""
        raise SchemaError(
            f"{place.at()} at {engine.url.render_as_string(hide_password=True)}: {detail}{hint}"
        ) from None
    finally:
        engine.dispose()
    if frame.empty:
        raise SchemaError(f"{place.at()}: the result has no rows.")
    return _finish(frame, place, first_row=1), place
