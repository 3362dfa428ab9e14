"""The tables of a data bundle: their columns, units and checks, declared once and used to validate any source.

``TABLES`` is the single description of the bundle layout; ``docs/data.md`` documents the same columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Place, SchemaError, closest, raise_problems
from ..parsing import on_distinct, parse_dates, parse_numbers, stripped_text
from ..reference import AGE_BANDS, FORMS, check_codes, check_specialty_levels, level_codes
from ..schema import DS, UNIQUE_ID, Y, check_panel, make_unique_id
from ..units import PERSONS
from .headers import panel_unit, rename_known_headers
from .jumps import check_jumps
from .totals import set_aside, total_rows

__all__ = ["PANEL_KEYS", "TABLES", "Column", "TableSpec", "validate_table"]

#: Key columns of the employer panels (employment, vacancies, hires), coarse to fine.
PANEL_KEYS = ("region", "sector", "employer", "occupation")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is one of: ``text``; ``code:<occupation|sector|specialty|level>`` (checked against the reference
    lists); ``choice`` (one of ``choices``); ``count`` (a whole number of people, 0 or more); ``number``
    (0 or more); ``share`` (0–1); ``rating`` (a whole number 1–5, may be empty: no answer); ``year``; ``date``.
    """

    name: str
    kind: str
    description: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A bundle table: its columns, the columns that identify a row, and extra checks across columns."""

    name: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...]
    panel_freq: str | None = None  # set for panels (unique_id, ds, y + PANEL_KEYS)
    quantity: str = ""  # "stock" or "flow" for panels
    checks: tuple[Callable[[pd.DataFrame, Place, list[str]], None], ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Return the table's column names, in order."""
        return [c.name for c in self.columns]


def _panel_columns(what: str, unit: str) -> tuple[Column, ...]:
    return (
        Column("region", "text", "Region code (ОКАТО/ГИБДД two digits, e.g. 67 Smolensk)"),
        Column("sector", "code:sector", "ОКВЭД2 code of the employer's main activity"),
        Column("employer", "text", "Employer identifier (stable across years; no '/')"),
        Column("occupation", "code:occupation", "ОКЗ 4-digit occupation code"),
        Column(DS, "date", "Period start (1 January for annual data, quarter start for quarterly)"),
        Column(Y, "count", what, unit),
    )


def _check_nested(columns: tuple[str, ...]) -> Callable[[pd.DataFrame, Place, list[str]], None]:
    def check(frame: pd.DataFrame, place: Place, problems: list[str]) -> None:
        for outer, inner in itertools.pairwise(columns):
            bad = frame[inner] > frame[outer]
            for row in frame.index[bad][:20]:
                problems.append(
                    f"{place.at(row=row, column=inner)}: {inner} ({frame.at[row, inner]:g}) exceeds {outer} "
                    f"({frame.at[row, outer]:g}); the counts are nested ({' ≥ '.join(columns)})."
                )

    return check


def _check_specialty_levels(frame: pd.DataFrame, place: Place, problems: list[str]) -> None:
    check_specialty_levels(frame, place=place, problems=problems)


def _check_crosswalk_sums(frame: pd.DataFrame, place: Place, problems: list[str]) -> None:
    sums = frame.groupby("occupation")["share"].sum()
    for occupation, total in sums.items():
        if abs(total - 1) > 1e-6:
            rows = list(frame.index[frame["occupation"] == occupation])
            problems.append(
                f"{place.at(column='share')}: the shares of occupation {occupation} (rows {rows}) sum to "
                f"{total:.4g}, not 1; each occupation's graduates must be split completely across specialties."
            )


_SPECIALTY = (
    Column("institution", "text", "Institution identifier"),
    Column("specialty", "code:specialty", "ФГОС specialty code"),
    Column("level", "code:level", "Education level: spo9, spo11, bachelor, specialist, master"),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(
            "employment",
            "Annual-average headcount by employer and occupation (the main forecast target)",
            _panel_columns("Annual-average headcount", "persons"),
            (UNIQUE_ID, DS),
            "YS",
            "stock",
        ),
        TableSpec(
            "vacancies",
            "Unfilled vacancies at the survey date, by employer and occupation",
            _panel_columns("Unfilled vacancies", "posts"),
            (UNIQUE_ID, DS),
            "YS",
            "stock",
        ),
        TableSpec(
            "employment_quarterly",
            "Quarterly-average headcount by employer and occupation",
            _panel_columns("Quarterly-average headcount", "persons"),
            (UNIQUE_ID, DS),
            "QS",
            "stock",
        ),
        TableSpec(
            "vacancies_quarterly",
            "Unfilled vacancies at the end of each quarter",
            _panel_columns("Unfilled vacancies", "posts"),
            (UNIQUE_ID, DS),
            "QS",
            "stock",
        ),
        TableSpec(
            "hires",
            "People hired during the year, by employer and occupation",
            _panel_columns("Hires in the year", "persons"),
            (UNIQUE_ID, DS),
            "YS",
            "flow",
        ),
        TableSpec(
            "plans",
            "Employers' survey answers on headcount by vintage: fact, estimate and plans",
            (
                *_panel_columns("", "")[:4],
                Column("vintage", "year", "Survey year (the plan was made in this year)"),
                Column(DS, "date", "Year the value refers to"),
                Column(
                    "kind",
                    "choice",
                    "fact (last year), estimate (survey year), plan (later years)",
                    choices=("fact", "estimate", "plan"),
                ),
                Column("value", "count", "Headcount: actual, estimated or planned", "persons"),
            ),
            ("employer", "occupation", "vintage", DS),
        ),
        TableSpec(
            "age",
            "Employed by age band at the survey date, by employer and occupation",
            (
                *_panel_columns("", "")[:4],
                Column("year", "year", "Survey year"),
                Column("age_band", "choice", "Age band", choices=AGE_BANDS),
                Column("persons", "count", "Employed in the band", "persons"),
            ),
            ("employer", "occupation", "year", "age_band"),
        ),
        TableSpec(
            "graduates",
            "Graduate employment monitoring: nested counts by institution, specialty, level and year",
            (
                *_SPECIALTY,
                Column("year", "year", "Graduation year"),
                Column("graduates", "count", "Graduates", "persons"),
                Column("employed", "count", "Graduates employed (any job)", "persons"),
                Column(
                    "employed_in_field", "count", "Employed in an occupation of their specialty", "persons"
                ),
                Column("employed_in_field_in_region", "count", "Employed in field, in the region", "persons"),
            ),
            ("institution", "specialty", "level", "year"),
            checks=(
                _check_specialty_levels,
                _check_nested(("graduates", "employed", "employed_in_field", "employed_in_field_in_region")),
            ),
        ),
        TableSpec(
            "enrolment",
            "Students by institution, specialty, level, form of study, course and year (at 1 October)",
            (
                *_SPECIALTY,
                Column("form", "choice", "Form of study", choices=FORMS),
                Column("course", "count", "Course (year of study), 1–6"),
                Column("year", "year", "Academic year start"),
                Column("students", "count", "Students", "persons"),
            ),
            ("institution", "specialty", "level", "form", "course", "year"),
            checks=(_check_specialty_levels,),
        ),
        TableSpec(
            "admissions",
            "Admissions by institution, specialty, level, form and year: state-funded and fee-paying",
            (
                *_SPECIALTY,
                Column("form", "choice", "Form of study", choices=FORMS),
                Column("year", "year", "Intake year"),
                Column("budget", "count", "State-funded admissions", "persons"),
                Column("paid", "count", "Fee-paying admissions", "persons"),
            ),
            ("institution", "specialty", "level", "form", "year"),
            checks=(_check_specialty_levels,),
        ),
        TableSpec(
            "institutions",
            "Institutions and the programs they run, with yearly admission capacity",
            (
                Column("institution", "text", "Institution identifier"),
                Column("name", "text", "Institution name"),
                Column("kind", "choice", "college or university", choices=("college", "university")),
                *_SPECIALTY[1:],
                Column("capacity", "count", "Admission capacity per year", "places"),
            ),
            ("institution", "specialty", "level"),
            checks=(_check_specialty_levels,),
        ),
        TableSpec(
            "satisfaction",
            "Employer satisfaction with graduates' training (survey sheet 2), by employer, institution, specialty",
            (
                Column("employer", "text", "Employer identifier"),
                *_SPECIALTY,
                Column("year", "year", "Survey year"),
                Column("graduates_hired", "count", "Graduates of this program hired last year", "persons"),
                Column(
                    "rating",
                    "rating",
                    "Satisfaction with their training, 1 (poor) to 5 (excellent); empty = no answer",
                    optional=True,
                ),
            ),
            ("employer", "institution", "specialty", "level", "year"),
            checks=(_check_specialty_levels,),
        ),
        TableSpec(
            "crosswalk",
            "Occupation → specialty and level shares of graduate hires (each occupation sums to 1)",
            (
                Column("occupation", "code:occupation", "ОКЗ code"),
                Column("specialty", "code:specialty", "ФГОС code"),
                Column("level", "code:level", "Education level"),
                Column("share", "share", "Share of the occupation's graduate hires", "share"),
            ),
            ("occupation", "specialty", "level"),
            checks=(_check_specialty_levels, _check_crosswalk_sums),
        ),
        TableSpec(
            "drivers",
            "Regional economic drivers, actual and scenario",
            (
                Column("region", "text", "Region code"),
                Column(DS, "date", "Year"),
                Column("grp", "number", "Gross regional product, constant prices", "bn RUB"),
                Column(
                    "it_revenue", "number", "Revenue of the region's IT sector, constant prices", "bn RUB"
                ),
                Column("wage", "number", "Average monthly wage in the IT sector", "thousand RUB"),
                Column(
                    "scenario",
                    "choice",
                    "actual, or the scenario of a future value",
                    choices=("actual", "base", "low", "high"),
                ),
            ),
            ("region", DS, "scenario"),
        ),
    ]
}


def _parse_column(
    frame: pd.DataFrame, col: Column, place: Place, problems: list[str], unit: str = PERSONS
) -> pd.Series:
    values = frame[col.name]
    kind = col.kind
    if kind == "count" and col.name == Y and unit != PERSONS:
        kind = "number"  # 12,3 thousand persons is a reading; the whole-number rule is for persons
    what = col.name.replace("_", " ")
    if kind == "count":
        return parse_numbers(
            values, place=place, column=col.name, what=what, whole=True, nonnegative=True, problems=problems
        )
    if kind == "number":
        return parse_numbers(
            values, place=place, column=col.name, what=what, nonnegative=True, problems=problems
        )
    if kind == "share":
        return parse_numbers(values, place=place, column=col.name, what=what, share=True, problems=problems)
    if kind == "rating":
        out = parse_numbers(
            values,
            place=place,
            column=col.name,
            what="rating",
            whole=True,
            allow_missing=True,
            problems=problems,
        )
        for row in out.index[(out < 1) | (out > 5)]:
            problems.append(f"{place.at(row=row, column=col.name)}: rating '{values[row]}' is outside 1–5.")
        return out
    if kind == "year":
        out = parse_numbers(values, place=place, column=col.name, what="year", whole=True, problems=problems)
        for row in out.index[(out < 1900) | (out > 2100)]:
            problems.append(
                f"{place.at(row=row, column=col.name)}: {values[row]!r} is not a year (1900–2100)."
            )
        return out
    if kind == "date":
        return parse_dates(values, place=place, column=col.name, problems=problems)
    # the apostrophe the library's own CSV files put before text that starts like a formula (sf.spreadsheet)
    text = on_distinct(stripped_text(values, drop_point_zero=True), _unescape)
    for row in text.index[text.isna() | (text == "")][:20]:
        problems.append(f"{place.at(row=row, column=col.name)}: {what} is empty.")
    if kind == "choice":
        refused = (text.notna() & (text != "") & ~text.isin(col.choices)).to_numpy(dtype=bool)
        for row, value in text[refused].items():
            problems.append(
                f"{place.at(row=row, column=col.name)}: {value!r} is not allowed{closest(value, col.choices)} "
                f"Use one of {list(col.choices)}."
            )
    elif kind.startswith("code:"):
        if kind == "code:level":  # the level names the library's own reports print read back as codes
            text = level_codes(text.astype(object)).astype("string")
        check_codes(text, kind.split(":", 1)[1], place=place, column=col.name, problems=problems)
    return text.astype(object)


def _unescape(text: pd.Series) -> pd.Series:
    return text.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)


def validate_table(
    cells: pd.DataFrame, spec: TableSpec, place: Place, *, unit: str | None = None
) -> pd.DataFrame:
    """Check and type a table's cells against its spec; raise one :class:`SchemaError` listing every problem.

    Russian headers (:data:`~staffing_forecast.loaders.headers.RUSSIAN_HEADERS`) are read as the spec's columns.
    Columns not in the spec are an error (a misspelled header must not silently become an unused column).
    A panel's values are in ``unit`` (persons, thousand or million persons), by default the one its value header
    or title names (``Численность, тыс. чел.``), persons otherwise; it is kept in ``attrs["unit"]``.
    """
    before = list(cells.columns)
    cells = rename_known_headers(cells, spec.names, place)
    place = place.renamed({new: old for old, new in zip(before, cells.columns, strict=True) if old != new})
    unit = panel_unit(cells, place, unit) if spec.panel_freq else PERSONS
    present = list(cells.columns)
    expected = spec.names
    if spec.panel_freq and UNIQUE_ID in present and UNIQUE_ID not in expected:
        present = [c for c in present if c != UNIQUE_ID]
        cells = cells.drop(columns=UNIQUE_ID)
    missing = [c for c in expected if c not in present]
    extra = [c for c in present if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}" + "".join(closest(m, extra) for m in missing))
        if extra:
            parts.append(f"unexpected column(s) {extra}")
        raise SchemaError(
            f"{place.at()}: {'; '.join(parts)}. The {spec.name} table has columns {expected}; Russian headers are "
            "read too (docs/data.md lists them), and columns= renames any other."
        )
    problems: list[str] = []
    aside = cells.iloc[:0]
    if spec.panel_freq:  # a SUM row («Итого») is set aside and checked, never loaded as one more series
        marked = total_rows(cells, list(PANEL_KEYS), place, "aside")
        aside, cells = cells[marked], cells[~marked]
    out = pd.DataFrame(index=cells.index)
    for col in spec.columns:
        out[col.name] = _parse_column(cells, col, place, problems, unit)
    if spec.panel_freq and any(p.endswith("is not a whole number of people.") for p in problems):
        problems.append(
            f"{place.at(column=Y)}: if the values are in thousands, say so in the header or the title "
            "(«Численность, тыс. чел.») or pass unit='тыс. чел.' (in run.toml: [series] unit)."
        )
    raise_problems(problems)
    for col in spec.columns:
        if col.kind in {"year", "count"} and not (col.name == Y and unit != PERSONS):
            out[col.name] = out[col.name].astype("int64")
    for check in spec.checks:
        check(out, place, problems)
    dup = out.duplicated(list(spec.unique), keep=False) if not spec.panel_freq else np.zeros(len(out), bool)
    if dup.any():
        rows = list(out.index[dup][:6])
        problems.append(
            f"{place.at()}: rows {rows} repeat the same {list(spec.unique)}; each combination must appear once."
        )
    raise_problems(problems)
    if spec.panel_freq:
        out.insert(0, UNIQUE_ID, make_unique_id(out, list(PANEL_KEYS), place=place))
        out = out[[UNIQUE_ID, DS, Y, *PANEL_KEYS]]
        check_jumps(out, place)
        panel = check_panel(out, freq=spec.panel_freq, gaps="error", min_length=1, place=place)
        panel.attrs = {"unit": unit}
        if not aside.empty:
            panel.attrs["totals"] = _set_aside(panel, aside, place, problems)
        return panel
    return out.reset_index(drop=True)


def _set_aside(
    panel: pd.DataFrame, aside: pd.DataFrame, place: Place, problems: list[str]
) -> list[dict[str, object]]:
    """Check the total rows of a panel table against the rows they cover; a total without a year covers all."""
    rows = aside[list(PANEL_KEYS)].copy()
    dated = aside[DS].notna() & (aside[DS].astype(str).str.strip() != "")
    rows[DS] = parse_dates(aside[DS].where(dated, "2000"), place=place, column=DS, problems=problems)
    rows.loc[~dated, DS] = pd.NaT
    rows[Y] = parse_numbers(
        aside[Y], place=place, column=Y, what="total", allow_missing=True, problems=problems
    )
    raise_problems(problems)
    rows["row"] = rows.index
    return set_aside(panel, rows, list(PANEL_KEYS), place, "row")
