"""Example files made from the demo cluster, saved the way they arrive: what the README tour and the tests read.

- ``staff.csv``: head counts of a few employers as an economist saves them from Excel (a title line, Russian
  headers, ``;`` between fields, cp1251);
- ``forms/<employer>.xlsx``: the employer survey form of the last survey year, filled in from the demo's plans,
  hires and vacancies.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .loaders.bundle import Bundle
from .loaders.survey import write_survey_template
from .spreadsheet import csv_safe_frame

__all__ = ["write_examples"]

#: Columns of the survey form's staff rows (from row 11): code, headcount V-1, hires V-1, vacancies, estimate V,
#: plans V+1..V+5 (docs/data.md, "The employer survey form").
_FORM_COLUMNS = "ACDEFGHIJK"


def write_examples(folder: str | os.PathLike[str], data: Bundle, *, employers: int = 3) -> list[Path]:
    """Write ``staff.csv`` and ``forms/`` for the first ``employers`` employers of ``data``; return the files.

    Examples
    --------
    >>> import tempfile, staffing_forecast as sf
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = sf.datasets.write_examples(folder, sf.datasets.load_demo())
    ...     own = sf.load_csv(files[0], columns={"Год": "ds", "Работодатель": "employer", "Код ОКЗ": "occupation",
    ...                                          "Численность": "y"})
    ...     survey = sf.load_survey(files[0].parent / "forms")
    >>> own["employer"].unique().tolist(), sorted(survey.staff["employer"].unique())
    (['E001', 'E002', 'E003'], ['E001', 'E002', 'E003'])
    """
    from openpyxl import load_workbook

    folder = Path(folder)
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    chosen = sorted(data.employment["employer"].unique())[:employers]
    staff = data.employment[data.employment["employer"].isin(chosen)]
    table = pd.DataFrame(
        {
            "Год": staff["ds"].dt.year,
            "Работодатель": staff["employer"],
            "Код ОКЗ": staff["occupation"],
            "Численность": staff["y"].round().astype(int),
        }
    ).sort_values(["Работодатель", "Код ОКЗ", "Год"])
    written = [folder / "staff.csv"]
    with open(written[0], "w", encoding="cp1251", newline="") as handle:
        handle.write("Среднегодовая численность работников по профессиям, чел.;;;\r\n")
        csv_safe_frame(table).to_csv(handle, sep=";", index=False, lineterminator="\r\n")
    if data.plans is None:
        return written
    year = int(data.plans["vintage"].max())
    for employer in chosen:
        plans = data.plans[(data.plans["employer"] == employer) & (data.plans["vintage"] == year)]
        if plans.empty:
            continue
        path = write_survey_template(
            folder / "forms" / f"{employer}.xlsx",
            year=year,
            employer=employer,
            region=str(plans["region"].iloc[0]),
        )
        book = load_workbook(path)
        sheet = book[book.sheetnames[0]]
        sheet["C5"] = str(plans["sector"].iloc[0])
        for row, (occupation, rows) in enumerate(plans.groupby("occupation"), start=11):
            values = rows.set_index(rows["ds"].dt.year)["value"]
            answers = [
                occupation,
                values.get(year - 1),
                _at(data.hires, employer, occupation, year - 1),
                _at(data.vacancies, employer, occupation, year - 1),
                *(values.get(y) for y in range(year, year + 6)),
            ]
            for letter, value in zip(_FORM_COLUMNS, answers, strict=True):
                sheet[f"{letter}{row}"] = None if value is None or pd.isna(value) else value
        book.save(path)
        written.append(path)
    return written


def _at(table: pd.DataFrame | None, employer: str, occupation: str, year: int) -> int | None:
    """Return the value of a panel table for one employer, occupation and year, if there is one."""
    if table is None:
        return None
    match = table[
        (table["employer"] == employer) & (table["occupation"] == occupation) & (table["ds"].dt.year == year)
    ]
    return int(match["y"].iloc[0]) if len(match) else None
