"""Read CSV, Excel, Parquet and SQL sources into frames of raw cells, indexed by the row a user sees.

Everything here returns text or numbers exactly as stored; typing and validation happen once, in
:mod:`staffing_forecast.loaders.panels` and :mod:`staffing_forecast.loaders.tables`.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, Place, SchemaError, closest

__all__ = ["read_csv_cells", "read_excel_cells", "read_parquet_cells", "read_sql_cells", "sniff"]

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


def _finish(frame: pd.DataFrame, place: Place, first_row: int) -> pd.DataFrame:
    """Index rows by the number a user sees, drop wholly empty rows, refuse a header-only table."""
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.apply(lambda col: col.isna() | (col.astype(str).str.strip() == "")).all(axis=1)
    frame = frame.loc[~blank]
    if frame.empty:
        raise SchemaError(f"{place.at()}: the table has a header but no data rows.")
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:") or not c]
    if unnamed:
        raise SchemaError(
            f"{place.at()}: {len(unnamed)} column(s) have no header; name every column in row 1."
        )
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise SchemaError(f"{place.at()}: column header(s) {duplicated} appear more than once.")
    return frame


def _detect_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_csv_cells(path: PathLike, *, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV file as text cells, detecting the separator (``;``, tab or ``,``) and encoding (UTF-8 or cp1251).

    The index is the line number in the file (the header is line 1).
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
    sep = sep or _detect_separator(lines[0])
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding=enc,
            skip_blank_lines=False,
            encoding_errors="strict",
        )
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{place.at()}: the rows do not split into the header's columns ({exc}).") from None
    return _finish(frame.replace("", None), place, first_row=2)


def read_excel_cells(path: PathLike, *, sheet: str | int | None = None, header_row: int = 1) -> pd.DataFrame:
    """Read one sheet of an .xlsx workbook as cells; the index is the Excel row number.

    ``sheet`` is a name or a 0-based position; the first sheet by default.
    """
    path = _open_checked(path, "xlsx")
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:  # damaged or encrypted workbooks
        raise SchemaError(
            f"{path.name}: the workbook cannot be opened ({exc}); re-save it in Excel as .xlsx."
        ) from None
    with book:
        return _parse_sheet(book, path, sheet, header_row)


def _parse_sheet(book: pd.ExcelFile, path: Path, sheet: str | int | None, header_row: int) -> pd.DataFrame:
    names = [str(n) for n in book.sheet_names]
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
    place = Place(path.name, sheet=str(sheet))
    frame = book.parse(sheet, dtype=object, header=header_row - 1)
    if frame.columns.empty:
        raise SchemaError(f"{place.at()}: the sheet is empty.")
    return _finish(frame, place, first_row=header_row + 1)


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
