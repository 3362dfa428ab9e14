"""The employer survey: an Excel form to send to employers, and a loader for the filled-in forms.

The form (one workbook per employer and survey year ``V``) has three sheets:

1. **Кадры / Staff**: the employer's identity (cells C3:C7: id, name, ОКВЭД2, region, survey year) and, from
   row 11, one row per occupation: ОКЗ code (drop-down), name (looked up), headcount in ``V-1`` (Факт), hires in
   ``V-1``, unfilled vacancies now, headcount expected in ``V`` (Оценка) and planned for ``V+1``..``V+5``
   (Прогноз), the share of hires expected from new graduates, and the employed by age band.
2. **Выпускники / Graduates**: one row per institution × specialty × level: graduates hired in ``V-1`` and the
   satisfaction with their training, 1 (poor) to 5 (excellent).
3. **Справочник / Reference**: the code lists behind the drop-downs.

:func:`load_survey` reads one form or a folder of them and reports every bad cell of every file at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import temp_path
from ..errors import ConfigError, Place, SchemaError, closest, raise_problems
from ..parsing import parse_numbers
from ..reference import (
    AGE_BANDS,
    LEVEL_NAMES,
    LEVELS,
    check_codes,
    check_specialty_levels,
    level_codes,
    occupations,
    sectors,
    specialties,
)
from ..spreadsheet import as_text
from .files import PathLike, sniff

__all__ = ["Survey", "load_survey", "write_survey_template"]

_FIRST_ROW = 11  # first data row of the staff sheet
_GRAD_FIRST_ROW = 4
_N_ROWS = 60  # rows prepared with drop-downs
_SHEETS = {"ru": ("Кадры", "Выпускники", "Справочник"), "en": ("Staff", "Graduates", "Reference")}
_TEXT: dict[str, dict[str, Any]] = {
    "ru": {
        "title": "Анкета работодателя: кадровая потребность в ИТ-специалистах",
        "bad_code": "Выберите значение из списка (лист справочников).",
        "bad_count": "Целое число ≥ 0.",
        "bad_share": "Доля от 0 до 1 (например, 0,25).",
        "bad_rating": "Оценка — целое число от 1 до 5.",
        "identity": [
            "Код работодателя",
            "Наименование работодателя",
            "ОКВЭД2 (основной вид деятельности)",
            "Регион (код)",
            "Год обследования",
        ],
        "groups": {"C": "Факт", "F": "Оценка", "G": "Прогноз"},
        "headers": [
            "Код ОКЗ",
            "Наименование занятия",
            "Численность (среднесписочная), {f}",
            "Принято работников за {f}",
            "Вакансии на дату обследования",
            "Численность, {v}",
            *[f"Численность, {{p{k}}}" for k in range(1, 6)],
            "Доля выпускников в найме (0–1)",
            *[f"Возраст {b}" for b in AGE_BANDS],
        ],
        "grad_title": "Выпускники, принятые на работу, и удовлетворённость их подготовкой",
        "grad_headers": [
            "Образовательная организация",
            "Код специальности",
            "Уровень",
            "Принято выпускников за {f}",
            "Удовлетворённость подготовкой (1–5)",
        ],
    },
    "en": {
        "title": "Employer survey: staffing needs for IT occupations",
        "bad_code": "Choose a value from the list (reference sheet).",
        "bad_count": "A whole number, 0 or more.",
        "bad_share": "A share between 0 and 1 (e.g. 0.25).",
        "bad_rating": "A rating: a whole number from 1 to 5.",
        "identity": [
            "Employer ID",
            "Employer name",
            "ОКВЭД2 (main activity)",
            "Region (code)",
            "Survey year",
        ],
        "groups": {"C": "Fact", "F": "Estimate", "G": "Plan"},
        "headers": [
            "ОКЗ code",
            "Occupation",
            "Headcount (annual average), {f}",
            "Hired in {f}",
            "Unfilled vacancies now",
            "Headcount, {v}",
            *[f"Headcount, {{p{k}}}" for k in range(1, 6)],
            "Share of hires from new graduates (0–1)",
            *[f"Age {b}" for b in AGE_BANDS],
        ],
        "grad_title": "Graduates hired and satisfaction with their training",
        "grad_headers": [
            "Institution",
            "Specialty code",
            "Level",
            "Graduates hired in {f}",
            "Satisfaction with training (1–5)",
        ],
    },
}
# Staff sheet columns by letter → (field, kind).
_STAFF_COLUMNS = [
    ("A", "occupation"),
    ("C", "headcount"),
    ("D", "hires"),
    ("E", "vacancies"),
    ("F", "plan_0"),
    *[(chr(ord("G") + k - 1), f"plan_{k}") for k in range(1, 6)],
    ("L", "grad_share"),
    *[(chr(ord("M") + i), f"age_{b}") for i, b in enumerate(AGE_BANDS)],
]


def write_survey_template(
    path: PathLike, *, year: int, lang: str = "ru", employer: str = "", region: str = "67"
) -> Path:
    """Write the Excel form an employer fills in for survey year ``year``.

    Parameters
    ----------
    path
        Where to write the .xlsx file.
    year
        Survey year ``V``: facts are for ``V-1``, the estimate for ``V``, plans for ``V+1``..``V+5``.
    lang
        ``"ru"`` (default) or ``"en"`` for the labels; :func:`load_survey` reads both.
    employer, region
        Pre-filled identity cells (optional).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> form = write_survey_template(pathlib.Path(tempfile.mkdtemp()) / "form.xlsx", year=2026)
    >>> form.name
    'form.xlsx'
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    if lang not in _TEXT:
        raise ConfigError(f"write_survey_template: lang={lang!r}; use 'ru' or 'en'.")
    text = _TEXT[lang]
    staff_name, grad_name, ref_name = _SHEETS[lang]
    names = {"f": year - 1, "v": year, **{f"p{k}": year + k for k in range(1, 6)}}
    book = Workbook()
    staff = book.active
    staff.title = staff_name
    ref = book.create_sheet(ref_name)
    grads = book.create_sheet(grad_name)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")

    name_col = "name_ru" if lang == "ru" else "name_en"
    occ, sec, spec = occupations(), sectors(), specialties()
    for i, (code, name) in enumerate(zip(occ["occupation"], occ[name_col], strict=True), start=2):
        ref[f"A{i}"], ref[f"B{i}"] = code, name
    for i, code in enumerate(sec["sector"], start=2):
        ref[f"D{i}"] = code
    for i, code in enumerate(spec["specialty"], start=2):
        ref[f"F{i}"] = code
    for i, level in enumerate(LEVELS, start=2):
        # Russian names in the Russian form: reading it back turns them into the codes (reference.level_codes).
        ref[f"H{i}"] = LEVEL_NAMES[level][0] if lang == "ru" else level
    ref["A1"], ref["D1"], ref["F1"] = "ОКЗ", "ОКВЭД2", "ФГОС"
    ref["H1"] = "Уровень образования" if lang == "ru" else "level"

    staff["A1"] = text["title"]
    staff["A1"].font = Font(bold=True, size=13)
    for i, label in enumerate(text["identity"], start=3):
        staff[f"A{i}"] = label
        staff[f"C{i}"].fill = fill
    staff["C3"], staff["C6"], staff["C7"] = employer or None, region, year
    for given in ("C3", "C6"):
        as_text(staff[given])  # the caller's text: shown, never run as a formula
    for letter, label in text["groups"].items():
        staff[f"{letter}9"] = label
        staff[f"{letter}9"].font = bold
    for i, header in enumerate(text["headers"]):
        cell = staff.cell(row=10, column=i + 1, value=header.format(**names))
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
    staff.freeze_panes = f"C{_FIRST_ROW}"
    staff.column_dimensions["B"].width = 45
    last = _FIRST_ROW + _N_ROWS - 1
    for row in range(_FIRST_ROW, last + 1):
        staff[f"B{row}"] = f"=IFERROR(VLOOKUP(A{row},'{ref_name}'!$A$2:$B${len(occ) + 1},2,FALSE),\"\")"
    lists = [
        (f"'{ref_name}'!$A$2:$A${len(occ) + 1}", f"A{_FIRST_ROW}:A{last}", staff),
        (f"'{ref_name}'!$D$2:$D${len(sec) + 1}", "C5", staff),
        (f"'{ref_name}'!$F$2:$F${len(spec) + 1}", f"B{_GRAD_FIRST_ROW}:B{_GRAD_FIRST_ROW + _N_ROWS}", grads),
        (
            f"'{ref_name}'!$H$2:$H${len(LEVELS) + 1}",
            f"C{_GRAD_FIRST_ROW}:C{_GRAD_FIRST_ROW + _N_ROWS}",
            grads,
        ),
    ]
    for formula, cells, sheet in lists:
        dv = _rejecting(
            DataValidation(type="list", formula1=formula, allow_blank=True), text["bad_code"], lang
        )
        sheet.add_data_validation(dv)
        dv.add(cells)
    counts = _rejecting(
        DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True),
        text["bad_count"],
        lang,
    )
    staff.add_data_validation(counts)
    counts.add(f"C{_FIRST_ROW}:K{last}")
    counts.add(f"M{_FIRST_ROW}:P{last}")
    share = _rejecting(
        DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True),
        text["bad_share"],
        lang,
    )
    staff.add_data_validation(share)
    share.add(f"L{_FIRST_ROW}:L{last}")

    grads["A1"] = text["grad_title"]
    grads["A1"].font = Font(bold=True, size=13)
    for i, header in enumerate(text["grad_headers"]):
        cell = grads.cell(row=3, column=i + 1, value=header.format(**names))
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
    rating = _rejecting(
        DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True),
        text["bad_rating"],
        lang,
    )
    grads.add_data_validation(rating)
    rating.add(f"E{_GRAD_FIRST_ROW}:E{_GRAD_FIRST_ROW + _N_ROWS}")
    grads.column_dimensions["A"].width = 35

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    book.save(tmp)
    os.replace(tmp, path)  # never leave a half-written form behind
    return path


def _rejecting(validation: Any, message: str, lang: str) -> Any:
    """Make Excel refuse a bad entry with ``message`` (openpyxl leaves the error off by default)."""
    validation.showErrorMessage = True
    validation.errorStyle = "stop"
    validation.errorTitle = "Недопустимое значение" if lang == "ru" else "Value not allowed"
    validation.error = message
    return validation


@dataclass
class Survey:
    """The answers of one or many survey forms, as tidy frames.

    Attributes
    ----------
    staff
        One row per form and occupation: ``employer``, ``name``, ``sector``, ``region``, ``vintage``,
        ``occupation``, ``headcount``, ``hires``, ``vacancies``, ``grad_share`` (NaN if not answered), ``file``.
    plans
        The ``plans`` table of a bundle (fact / estimate / plan by vintage).
    age
        The ``age`` table of a bundle (persons by age band at the survey date).
    satisfaction
        The ``satisfaction`` table of a bundle (graduates hired and ratings by institution and specialty).
    """

    staff: pd.DataFrame
    plans: pd.DataFrame
    age: pd.DataFrame
    satisfaction: pd.DataFrame


def _cell(sheet: object, ref: str) -> object:
    value = sheet[ref].value  # type: ignore[index]
    return value.strip() if isinstance(value, str) else value


def _read_form(path: Path, problems: list[str]) -> dict[str, pd.DataFrame] | None:
    """One filled form: the employer's identity, the staff rows, the graduates sheet; ``None`` after problems."""
    opened = _open_form(path, problems)
    if opened is None:
        return None
    book, lang = opened
    staff_name, grad_name, _ = _SHEETS[lang]
    staff = book[staff_name]
    place = Place(path.name, sheet=staff_name)
    before = len(problems)
    identity = _read_identity(staff, path, staff_name, lang, problems)
    if identity is None:
        return None  # the column headers name years, so the rows cannot be read without the survey year
    year = identity.year
    rows = _read_staff_rows(staff, place, year, lang, problems)
    if rows is None:
        return None
    satisfaction = _read_graduates_sheet(
        book[grad_name] if grad_name in book.sheetnames else None,
        Place(path.name, sheet=grad_name),
        identity.employer,
        year,
        problems,
    )
    if len(problems) > before:
        return None
    return {**_staff_frames(rows, identity, path.name), "satisfaction": satisfaction}


def _open_form(path: Path, problems: list[str]) -> tuple[Any, str] | None:
    """Open the workbook and tell its language by the name of its first sheet."""
    from openpyxl import load_workbook

    kind = sniff(path)
    if kind != "xlsx":
        problems.append(f"{path.name}: expected an Excel survey form (.xlsx), but the file is {kind}.")
        return None
    try:
        book = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types for damaged files
        problems.append(
            f"{path.name}: the workbook cannot be opened ({type(exc).__name__}); re-save it as .xlsx."
        )
        return None
    lang = next((lg for lg, names in _SHEETS.items() if names[0] in book.sheetnames), None)
    if lang is None:
        problems.append(
            f"{path.name}: no sheet {_SHEETS['ru'][0]!r} (or {_SHEETS['en'][0]!r}); the sheets are "
            f"{book.sheetnames}. Is this a survey form? Write one with sf.write_survey_template."
        )
        return None
    return book, lang


@dataclass(frozen=True)
class _Identity:
    """The employer block of a form."""

    region: str
    sector: str
    employer: str
    name: str
    year: int

    def keys(self) -> dict[str, str]:
        """Return the key columns every frame of the form carries."""
        return {"region": self.region, "sector": self.sector, "employer": self.employer}


def _read_identity(
    staff: Any, path: Path, staff_name: str, lang: str, problems: list[str]
) -> _Identity | None:
    """Read the employer block (cells C3–C7): employer, name, sector, region and the survey year (``vintage``)."""
    place = Place(path.name, sheet=staff_name)
    employer = _cell(staff, "C3")
    name = _cell(staff, "C4")
    sector = _cell(staff, "C5")
    region = _cell(staff, "C6")
    vintage = _cell(staff, "C7")
    labels = _TEXT[lang]["identity"]
    for ref, value, label in (
        ("C3", employer, labels[0]),
        ("C5", sector, labels[2]),
        ("C6", region, labels[3]),
        ("C7", vintage, labels[4]),
    ):
        if value in (None, ""):
            problems.append(f"{path.name}, sheet {staff_name!r}, cell {ref}: {label} is empty.")
    if sector not in (None, ""):
        check_codes(pd.Series([str(sector)], index=[5]), "sector", place=place, column="C", problems=problems)
    year_cells = (
        parse_numbers(
            pd.Series([vintage], index=[7]),
            place=place,
            column="C",
            what="survey year",
            whole=True,
            problems=problems,
        )
        if vintage not in (None, "")
        else None
    )
    for value, label in ((employer, labels[0]), (region, labels[3])):
        if value is not None and "/" in str(value):
            problems.append(f"{path.name}, sheet {staff_name!r}: {label} {value!r} contains '/'; replace it.")
    if year_cells is None or year_cells.isna().any():
        return None
    return _Identity(
        region=str(region).removesuffix(".0"),
        sector=str(sector),
        employer=str(employer),
        name=str(name or ""),
        year=int(year_cells.iloc[0]),
    )


@dataclass
class _StaffRows:
    """The parsed occupation rows of the staff sheet, indexed by their Excel row."""

    data: pd.DataFrame  # occupation, headcount, hires, vacancies, plan_0..plan_5, grad_share
    ages: pd.DataFrame  # one column per age band


def _read_staff_rows(
    staff: Any, place: Place, year: int, lang: str, problems: list[str]
) -> _StaffRows | None:
    """Headcount, hires, vacancies, plans, graduate share and age bands per occupation row."""
    rows = []
    for row in range(_FIRST_ROW, staff.max_row + 1):
        values = {field: _cell(staff, f"{letter}{row}") for letter, field in _STAFF_COLUMNS}
        if all(v in (None, "") for v in values.values()):
            continue
        rows.append(pd.Series(values, name=row))
    if not rows:
        problems.append(f"{place.at()}: no occupation rows filled in (from row {_FIRST_ROW}).")
        return None
    cells = pd.DataFrame(rows)
    names = {"f": year - 1, "v": year, **{f"p{k}": year + k for k in range(1, 6)}}
    headers = {
        letter: _TEXT[lang]["headers"][ord(letter) - ord("A")].format(**names) for letter, _ in _STAFF_COLUMNS
    }
    col = {field: f"{letter} ({headers[letter]})" for letter, field in _STAFF_COLUMNS}
    occ = cells["occupation"].astype("string").str.strip().str.removesuffix(".0")
    empty_occ = occ.isna() | (occ == "")
    for row in cells.index[empty_occ]:
        problems.append(f"{place.at(row=row, column=col['occupation'])}: the ОКЗ code is empty.")
    check_codes(occ[~empty_occ], "occupation", place=place, column=col["occupation"], problems=problems)
    for row in cells.index[occ.duplicated(keep="first") & ~empty_occ]:
        problems.append(
            f"{place.at(row=row, column=col['occupation'])}: occupation {occ[row]} appears twice."
        )

    def numbers(
        field: str,
        what: str,
        *,
        whole: bool = False,
        nonnegative: bool = False,
        share: bool = False,
        allow_missing: bool = False,
    ) -> pd.Series:
        return parse_numbers(
            cells[field], place=place, column=col[field], what=what, whole=whole, nonnegative=nonnegative,
            share=share, allow_missing=allow_missing, problems=problems,
        )  # fmt: skip

    parsed = {"occupation": occ}
    for field in ("headcount", "hires", "vacancies"):
        parsed[field] = numbers(field, field, whole=True, nonnegative=True)
    for k in range(6):
        parsed[f"plan_{k}"] = numbers(
            f"plan_{k}", "planned headcount", whole=True, nonnegative=True, allow_missing=True
        )
    parsed["grad_share"] = numbers("grad_share", "share", share=True, allow_missing=True)
    ages = pd.DataFrame(
        {
            band: numbers(f"age_{band}", "persons", whole=True, nonnegative=True, allow_missing=True)
            for band in AGE_BANDS
        }
    )
    partial = ages.notna().any(axis=1) & ages.isna().any(axis=1)
    for row in cells.index[partial]:
        problems.append(
            f"{place.at(row=row)}: age bands are filled only partly; fill all four (0 where none) "
            "or leave all four empty."
        )
    return _StaffRows(pd.DataFrame(parsed), ages)


def _staff_frames(rows: _StaffRows, form: _Identity, file: str) -> dict[str, pd.DataFrame]:
    """Split the staff rows into the survey's ``staff``, ``plans`` (fact, estimate, plans by year) and ``age`` frames."""
    data, identity, year = rows.data, form.keys(), form.year
    staff_frame = data[["occupation", "headcount", "hires", "vacancies", "grad_share"]].assign(
        **identity, name=form.name, vintage=year, file=file
    )
    plan_rows = []
    for _, r in data.iterrows():
        base = {**identity, "occupation": r["occupation"], "vintage": year}
        plan_rows.append(
            {**base, "ds": pd.Timestamp(f"{year - 1}-01-01"), "kind": "fact", "value": r["headcount"]}
        )
        for k in range(6):
            if pd.notna(r[f"plan_{k}"]):
                plan_rows.append(
                    {
                        **base,
                        "ds": pd.Timestamp(f"{year + k}-01-01"),
                        "kind": "estimate" if k == 0 else "plan",
                        "value": r[f"plan_{k}"],
                    }
                )
    complete = rows.ages.notna().all(axis=1)
    age_rows = [
        {
            **identity,
            "occupation": data.at[row, "occupation"],
            "year": year,
            "age_band": band,
            "persons": rows.ages.at[row, band],
        }
        for row in rows.ages.index[complete]
        for band in AGE_BANDS
    ]
    return {"staff": staff_frame, "plans": pd.DataFrame(plan_rows), "age": pd.DataFrame(age_rows)}


def _read_graduates_sheet(
    sheet: object, place: Place, employer: str, year: int, problems: list[str]
) -> pd.DataFrame:
    columns = ["employer", "institution", "specialty", "level", "year", "graduates_hired", "rating"]
    if sheet is None:
        return pd.DataFrame(columns=columns)
    rows = []
    for row in range(_GRAD_FIRST_ROW, sheet.max_row + 1):  # type: ignore[attr-defined]
        values = {
            f: _cell(sheet, f"{letter}{row}")
            for letter, f in zip(
                "ABCDE", ["institution", "specialty", "level", "hired", "rating"], strict=True
            )
        }
        if all(v in (None, "") for v in values.values()):
            continue
        rows.append(pd.Series(values, name=row))
    if not rows:
        return pd.DataFrame(columns=columns)
    cells = pd.DataFrame(rows)
    text = {
        c: cells[c].astype("string").str.strip().str.removesuffix(".0")
        for c in ("institution", "specialty", "level")
    }
    # The level names the library's own workbooks print ("бакалавриат") read back as the codes.
    text["level"] = level_codes(text["level"].astype(object)).astype("string")
    for c, letter in (("institution", "A"), ("specialty", "B"), ("level", "C")):
        for row in cells.index[text[c].isna() | (text[c] == "")]:
            problems.append(f"{place.at(row=row, column=letter)}: {c} is empty.")
    check_codes(text["specialty"].dropna(), "specialty", place=place, column="B", problems=problems)
    check_codes(text["level"].dropna(), "level", place=place, column="C", problems=problems)
    frame = pd.DataFrame(text)
    check_specialty_levels(frame.dropna(), place=place, problems=problems)
    hired = parse_numbers(
        cells["hired"],
        place=place,
        column="D",
        what="graduates hired",
        whole=True,
        nonnegative=True,
        problems=problems,
    )
    rating = parse_numbers(
        cells["rating"],
        place=place,
        column="E",
        what="rating",
        whole=True,
        allow_missing=True,
        problems=problems,
    )
    for row in rating.index[(rating < 1) | (rating > 5)]:
        problems.append(
            f"{place.at(row=row, column='E')}: rating '{cells.at[row, 'rating']}' is outside 1–5."
        )
    return frame.assign(employer=employer, year=year, graduates_hired=hired, rating=rating)[columns]


def load_survey(path_or_folder: PathLike) -> Survey:
    """Read one filled survey form, or every .xlsx form in a folder, into tidy frames.

    Every bad cell of every file is reported in one :class:`SchemaError` (file, sheet, row, column and the fix);
    nothing is returned unless all forms are valid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> path = write_survey_template(pathlib.Path(tempfile.mkdtemp()) / "E001.xlsx", year=2026, employer="E001")
    >>> book = load_workbook(path)
    >>> sheet = book["Кадры"]
    >>> sheet["C5"] = "62.01"
    >>> for ref, value in zip(["A11", "C11", "D11", "E11", "F11", "G11"], ["2512", 10, 3, 1, 12, 14]):
    ...     sheet[ref] = value
    >>> book.save(path)
    >>> survey = load_survey(path)
    >>> survey.plans[["ds", "kind", "value"]].assign(ds=lambda f: f.ds.dt.year).values.tolist()
    [[2025, 'fact', 10], [2026, 'estimate', 12], [2027, 'plan', 14]]
    """
    from .tables import TABLES, validate_table

    path = Path(path_or_folder)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.xlsx") if not p.name.startswith(("~$", ".")))
        if not files:
            raise SchemaError(f"{path}: no .xlsx survey forms in the folder.")
    elif path.exists():
        files = [path]
    else:
        siblings = sorted(p.name for p in path.parent.glob("*")) if path.parent.exists() else []
        raise SchemaError(f"{path}: no such file or folder{closest(path.name, siblings)}")
    problems: list[str] = []
    forms = [(f, _read_form(f, problems)) for f in files]
    seen: dict[tuple[str, int], str] = {}
    for f, form in forms:
        if form is None:
            continue
        key = (str(form["staff"]["employer"].iloc[0]), int(form["staff"]["vintage"].iloc[0]))
        if key in seen:
            problems.append(
                f"{f.name}: employer {key[0]} already answered the {key[1]} survey in {seen[key]}; "
                "keep one form per employer and year."
            )
        seen[key] = f.name
    raise_problems(problems)
    parts = {
        name: pd.concat([form[name] for _, form in forms if form is not None], ignore_index=True)
        for name in ("staff", "plans", "age", "satisfaction")
    }
    out = {
        "staff": parts["staff"][
            [
                "employer",
                "name",
                "sector",
                "region",
                "vintage",
                "occupation",
                "headcount",
                "hires",
                "vacancies",
                "grad_share",
                "file",
            ]
        ]
    }
    for name in ("plans", "age", "satisfaction"):
        frame = parts[name]
        if frame.empty:
            out[name] = pd.DataFrame(columns=TABLES[name].names)
        else:
            out[name] = validate_table(frame[TABLES[name].names], TABLES[name], Place(name, in_file=False))
    return Survey(**out)
