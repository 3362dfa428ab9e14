"""A data bundle: every table the library uses, read from a folder of files or made by ``sf.datasets``.

Folder layout: one file per table, named after it (``employment.csv``, ``graduates.xlsx``,
``plans.parquet`` ...), with the columns of :data:`staffing_forecast.loaders.tables.TABLES`.
Only ``employment`` is required; other tables are ``None`` when absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from ..display import html_table
from ..errors import ConfigError, Place, SchemaError, closest
from ..schema import DS
from ..spreadsheet import csv_safe_frame, text_cells
from ..units import PERSONS, check_unit, unit_label, unit_of
from .files import PathLike, read_csv_cells, read_excel_cells, read_parquet_cells
from .tables import TABLES, validate_table

__all__ = [
    "Bundle",
    "load_admissions",
    "load_bundle",
    "load_enrolment",
    "load_graduates",
    "load_table",
    "write_bundle",
]

_READERS: dict[str, Callable[..., pd.DataFrame]] = {
    ".csv": read_csv_cells,
    ".xlsx": read_excel_cells,
    ".parquet": read_parquet_cells,
}


@dataclass(eq=False)
class Bundle:
    """Every table of a cluster's data, validated; see ``docs/data.md`` for each table's columns.

    Attributes are pandas DataFrames (``None`` where the source has no such table); ``description`` says
    where the data came from.
    """

    employment: pd.DataFrame
    vacancies: pd.DataFrame | None = None
    employment_quarterly: pd.DataFrame | None = None
    vacancies_quarterly: pd.DataFrame | None = None
    hires: pd.DataFrame | None = None
    plans: pd.DataFrame | None = None
    age: pd.DataFrame | None = None
    graduates: pd.DataFrame | None = None
    enrolment: pd.DataFrame | None = None
    admissions: pd.DataFrame | None = None
    institutions: pd.DataFrame | None = None
    satisfaction: pd.DataFrame | None = None
    crosswalk: pd.DataFrame | None = None
    drivers: pd.DataFrame | None = None
    description: str = field(default="", compare=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables that are present, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name in TABLES and getattr(self, f.name) is not None
        }

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, series (for panels), first and last period, and the description.

        Examples
        --------
        >>> import staffing_forecast as sf
        >>> sf.datasets.load_demo().summary().loc["employment", "first"]
        '2012'
        """
        rows = []
        for name, frame in self.tables().items():
            spec = TABLES[name]
            period_col = DS if DS in frame.columns else "year" if "year" in frame.columns else None
            first = last = ""
            if period_col is not None:
                values = frame[period_col]
                if period_col != DS:
                    first, last = str(values.min()), str(values.max())
                elif spec.panel_freq == "QS":
                    first, last = (f"{v.year}Q{v.quarter}" for v in (values.min(), values.max()))
                else:
                    first, last = str(values.min().year), str(values.max().year)
            rows.append(
                {
                    "table": name,
                    "rows": len(frame),
                    "series": frame["unique_id"].nunique() if "unique_id" in frame.columns else None,
                    "first": first,
                    "last": last,
                    "description": spec.description,
                }
            )
        out = pd.DataFrame(rows).set_index("table")
        out["series"] = out["series"].astype("Int64")  # a count, shown as 249 rather than 249.0
        return out

    def _repr_html_(self) -> str:
        """Render the :meth:`summary` as an HTML table, for Jupyter."""
        tables = self.tables()
        caption = f"Bundle: {len(tables)} table{'s' if len(tables) != 1 else ''}"
        return html_table(
            self.summary(),
            caption=caption + (f" ({self.description})" if self.description else ""),
            index=True,
            max_rows=len(tables),
        )

    def __eq__(self, other: object) -> bool:
        """Equal when every table has the same values and types (the description is ignored)."""
        if not isinstance(other, Bundle):
            return NotImplemented
        return all(_same(getattr(self, name), getattr(other, name)) for name in TABLES)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        present = ", ".join(f"{k}[{len(v)}]" for k, v in self.tables().items())
        return f"Bundle({present})"


def load_bundle(
    folder: PathLike,
    *,
    columns: Mapping[str, Any] | None = None,
    tables: Sequence[str] | None = None,
    unit: str | None = None,
) -> Bundle:
    """Read a folder of tables (CSV, Excel or Parquet, one file per table) into a validated :class:`Bundle`.

    Every file is checked; all problems of all files are reported together. Files with a table extension
    whose name is not a known table are an error (a misspelled ``employmnet.csv`` must not be skipped).
    Russian headers (``Регион``, ``Код ОКЗ``, ``Год``, ``Численность``, ``Выпуск, чел.`` ..., as the library's
    workbooks print them) are read as the tables' columns. ``columns`` renames other headers first: one map for
    every file (``{"Числ. занятых": "y"}``) or one per table (``{"employment": {"Числ. занятых": "y"}}``).
    ``tables`` reads only the tables named (``employment`` always): the batch job leaves out tables none of its
    stages uses, which at 100,000 series are most of the memory. Every file name is still checked. ``unit``
    is the unit of the panel tables' values (``"тыс. чел."``, ``"thousand persons"`` ...); by default each
    file's value header or title says it (``Численность, тыс. чел.``), persons otherwise. Each panel carries
    it in ``attrs["unit"]``; head counts must be whole numbers only in persons.

    Examples
    --------
    >>> import tempfile
    >>> import staffing_forecast as sf
    >>> folder = tempfile.mkdtemp()
    >>> demo = sf.datasets.load_demo()
    >>> sf.write_bundle(demo, folder)
    >>> sf.load_bundle(folder) == demo
    True
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SchemaError(f"{folder}: no such folder; a bundle is a folder with one file per table.")
    found: dict[str, Path] = {}
    problems: list[str] = []
    for path in table_files(folder):
        name = path.stem
        if name not in TABLES:
            problems.append(
                f"{path.name}: not a bundle table{closest(name, TABLES)} Tables are {list(TABLES)}."
            )
        elif name in found:
            problems.append(f"{path.name}: table {name!r} is also in {found[name].name}; keep one of them.")
        else:
            found[name] = path
    if "employment" not in found and not problems:
        problems.append(f"{folder}: no employment table (employment.csv, .xlsx or .parquet); it is required.")
    wanted = set(TABLES) if tables is None else {"employment", *_known_tables(tables)}
    if unit is not None:
        unit = check_unit(unit)
    read: dict[str, pd.DataFrame] = {}
    for name, path in found.items():
        if name not in wanted:
            continue
        try:
            cells = _READERS[path.suffix.lower()](path)
            cells = _rename_columns(cells, columns, name)
            sheet = None if path.suffix.lower() != ".xlsx" else _first_sheet(path)
            read[name] = validate_table(cells, TABLES[name], Place(path.name, sheet=sheet), unit=unit)
        except SchemaError as exc:
            problems.append(str(exc))
    if problems:
        raise SchemaError(f"{folder}: {len(problems)} file(s) have problems:\n" + "\n".join(problems))
    return Bundle(**read, description=f"loaded from {folder}")


def table_files(folder: PathLike) -> list[Path]:
    """Return the files of a bundle folder that may hold a table (by extension), hidden and lock files left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("employment.csv", "~$employment.xlsx", "notes.txt"):
    ...     _ = (folder / name).write_text("")
    >>> [p.name for p in table_files(folder)]
    ['employment.csv']
    """
    return [
        p
        for p in sorted(Path(folder).iterdir())
        if p.suffix.lower() in _READERS and not p.name.startswith((".", "~$"))
    ]


def _known_tables(names: Sequence[str]) -> list[str]:
    """Return ``names`` once checked against the bundle's tables."""
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        raise ConfigError(
            f"load_bundle: tables={unknown} are not bundle tables{closest(unknown[0], TABLES)} "
            f"Tables are {list(TABLES)}."
        )
    return list(names)


def _rename_columns(cells: pd.DataFrame, columns: Mapping[str, Any] | None, table: str) -> pd.DataFrame:
    """Apply a ``columns=`` map of :func:`load_bundle`: headers a file does not have are left to other files."""
    if not columns:
        return cells
    per_table = any(isinstance(v, Mapping) for v in columns.values())
    mapping = columns.get(table, {}) if per_table else columns
    if per_table and not all(isinstance(v, Mapping) and k in TABLES for k, v in columns.items()):
        raise ConfigError(
            "load_bundle: columns= is either one map for every file ({'Численность': 'y'}) or one map per table "
            f"({{'employment': {{'Численность': 'y'}}}}, tables {list(TABLES)}), not a mix of the two."
        )
    return cells.rename(columns={k: v for k, v in mapping.items() if k in cells.columns})


def _first_sheet(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return str(book.sheetnames[0])
    finally:
        book.close()


def write_bundle(bundle: Bundle, folder: PathLike, *, format: str = "csv") -> None:
    """Write every table of a bundle to ``folder`` (``csv``, ``xlsx`` or ``parquet``), all or nothing.

    Files are written to a temporary folder beside the target and moved in only when every table is written,
    so a failure halfway leaves the target as it was. Text starting like a formula (``=``, ``+``, ``-``, ``@``)
    is written as text: a string cell in a workbook, a leading apostrophe in a CSV file, which
    :func:`load_bundle` removes again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing_forecast as sf
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> demo = sf.datasets.load_demo()
    >>> sf.write_bundle(demo, folder, format="parquet")
    >>> sorted(p.name for p in folder.iterdir())[:3]
    ['admissions.parquet', 'age.parquet', 'crosswalk.parquet']
    >>> sf.load_bundle(folder) == demo
    True
    """
    if format not in {"csv", "xlsx", "parquet"}:
        raise ConfigError(f"write_bundle: format={format!r}; use 'csv', 'xlsx' or 'parquet'.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bundle-", dir=folder))
    try:
        written = []
        for name, frame in bundle.tables().items():
            out = frame.copy()
            if TABLES[name].panel_freq and unit_of(frame) != PERSONS:  # read back in the same unit
                out = out.rename(columns={"y": f"y, {unit_label(unit_of(frame), 'ru')}"})
            for col in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[col]):
                    out[col] = out[col].dt.strftime("%Y-%m-%d")
            target = staging / f"{name}.{format}"
            if format == "csv":
                csv_safe_frame(out).to_csv(target, index=False, encoding="utf-8")  # read back as written
            elif format == "xlsx":
                with pd.ExcelWriter(target, engine="openpyxl") as writer:
                    out.to_excel(writer, index=False, sheet_name=name[:31])
                    text_cells(writer.sheets[name[:31]])  # text stays text, never a formula
            else:
                out.to_parquet(target, index=False)
            written.append(target)
        for target in written:
            os.replace(target, folder / target.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.reset_index(drop=True).equals(b.reset_index(drop=True))


def load_table(
    path: PathLike,
    table: str,
    *,
    sheet: str | int | None = None,
    columns: dict[str, str] | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    r"""Load one bundle table (``graduates``, ``enrolment``, ``admissions``, ``institutions`` ...) from a file.

    The format follows the extension (.csv, .xlsx, .parquet); ``columns`` renames source headers first;
    ``unit`` as in :func:`load_bundle`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grads.csv"
    >>> _ = path.write_text("institution;specialty;level;year;graduates;employed;employed_in_field;"
    ...                     "employed_in_field_in_region\nC01;09.02.07;spo9;2024;50;40;30;20\n", encoding="utf-8")
    >>> load_table(path, "graduates")["employed"].tolist()
    [40]
    """
    if table not in TABLES:
        raise ConfigError(
            f"load_table: unknown table {table!r}{closest(table, TABLES)} Tables are {list(TABLES)}."
        )
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ConfigError(f"{path.name}: unknown extension {suffix!r}; use .csv, .xlsx or .parquet.")
    cells = read_excel_cells(path, sheet=sheet) if suffix == ".xlsx" else _READERS[suffix](path)
    if columns:
        missing = [c for c in columns if c not in cells.columns]
        if missing:
            raise SchemaError(
                f"{path.name}: column(s) {missing} named in columns= are not in the file; it has "
                f"{list(cells.columns)}."
            )
        cells = cells.rename(columns=columns)
    sheet_name = sheet if isinstance(sheet, str) else _first_sheet(path) if suffix == ".xlsx" else None
    return validate_table(cells, TABLES[table], Place(path.name, sheet=sheet_name), unit=unit)


def load_graduates(path: PathLike, **options: Any) -> pd.DataFrame:
    """Load the graduate employment monitoring table (nested counts); see :func:`load_table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing_forecast as sf
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sf.write_bundle(sf.datasets.load_demo(), folder)
    >>> graduates = sf.load_graduates(folder / "graduates.csv")
    >>> bool((graduates["employed"] <= graduates["graduates"]).all())
    True
    """
    return load_table(path, "graduates", **options)


def load_enrolment(path: PathLike, **options: Any) -> pd.DataFrame:
    """Load students by institution, specialty, level, form, course and year; see :func:`load_table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing_forecast as sf
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sf.write_bundle(sf.datasets.load_demo(), folder)
    >>> sorted(sf.loaders.load_enrolment(folder / "enrolment.csv")["course"].unique().tolist())
    [1, 2, 3, 4, 5, 6]
    """
    return load_table(path, "enrolment", **options)


def load_admissions(path: PathLike, **options: Any) -> pd.DataFrame:
    """Load admissions (state-funded and fee-paying) by program and year; see :func:`load_table`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing_forecast as sf
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sf.write_bundle(sf.datasets.load_demo(), folder)
    >>> len(sf.loaders.load_admissions(folder / "admissions.csv")) == len(sf.datasets.load_demo().admissions)
    True
    """
    return load_table(path, "admissions", **options)
