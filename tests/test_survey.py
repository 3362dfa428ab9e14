"""The employer survey form: write, fill in, read back; every bad cell reported at once."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

import staffing_forecast as sf


def fill(path, *, employer="E001", sector="62.01", rows=(), graduates=()):
    book = load_workbook(path)
    staff = book[book.sheetnames[0]]
    staff["C3"], staff["C5"] = employer, sector
    for r, values in enumerate(rows, start=11):
        for letter, value in zip("ACDEFGHIJKLMNOP", values, strict=False):
            if letter != "B":
                staff[f"{letter}{r}"] = value
    grads = book[book.sheetnames[2]]
    for r, values in enumerate(graduates, start=4):
        for letter, value in zip("ABCDE", values, strict=True):
            grads[f"{letter}{r}"] = value
    book.save(path)
    return path


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_template_round_trip(tmp_path, lang):
    path = sf.write_survey_template(tmp_path / "E001.xlsx", year=2026, lang=lang)
    book = load_workbook(path)
    assert book.sheetnames == (
        ["Кадры", "Справочник", "Выпускники"] if lang == "ru" else ["Staff", "Reference", "Graduates"]
    )
    # headcount, hires, vacancies, estimate, plans +1..+5, graduate share, age bands
    fill(
        path,
        rows=[
            ("2512", 10, 3, 1, 12, 14, 15, None, None, None, 0.5, 4, 5, 1, 0),
            ("3512", 2, 0, 0, 2, 2, 2, 2, 2, 2, None, None, None, None, None),
        ],
        graduates=[("C01", "09.02.07", "spo9", 2, 4), ("U01", "09.03.04", "bachelor", 1, None)],
    )
    survey = sf.load_survey(path)
    staff = survey.staff.set_index("occupation")
    assert staff.loc["2512", ["headcount", "hires", "vacancies", "grad_share"]].tolist() == [10, 3, 1, 0.5]
    assert staff.loc["2512", "vintage"] == 2026 and staff.loc["2512", "sector"] == "62.01"
    plans = survey.plans[survey.plans["occupation"] == "2512"]
    assert plans[["kind", "value"]].values.tolist() == [
        ["fact", 10],
        ["estimate", 12],
        ["plan", 14],
        ["plan", 15],
    ]
    assert plans["ds"].dt.year.tolist() == [2025, 2026, 2027, 2028]
    assert survey.age.groupby("occupation")["persons"].sum().to_dict() == {"2512": 10}
    assert survey.satisfaction["rating"].tolist()[0] == 4 and survey.satisfaction["rating"].isna().tolist()[1]


def test_every_bad_cell_of_every_file_is_reported(tmp_path):
    good = fill(sf.write_survey_template(tmp_path / "a.xlsx", year=2026), rows=[("2512", "12,5", 1, 0)])
    bad = fill(
        sf.write_survey_template(tmp_path / "b.xlsx", year=2026),
        employer="E002",
        sector="62.1",
        rows=[
            ("2515", 5, -1, 0, 6, None, None, None, None, None, 1.5),
            ("2512", 5, 1, 0, None, None, None, None, None, None, None, 3),
        ],
        graduates=[("C01", "09.03.04", "spo9", 1, 9)],
    )
    assert good and bad
    with pytest.raises(sf.SchemaError) as info:
        sf.load_survey(tmp_path)
    message = str(info.value)
    for expected in [
        "a.xlsx, sheet 'Кадры', row 11, column 'C (Численность (среднесписочная), 2025)': headcount '12,5' is not a whole number of people",
        "b.xlsx, sheet 'Кадры', row 5, column 'C': unknown ОКВЭД2 sector code '62.1'",
        "b.xlsx, sheet 'Кадры', row 11, column 'A (Код ОКЗ)': unknown ОКЗ occupation code '2515'",
        "row 11, column 'D (Принято работников за 2025)': hires '-1' is negative",
        "row 11, column 'L (Доля выпускников в найме (0–1))': share '1.5' is outside 0–1",
        "b.xlsx, sheet 'Кадры', row 12: age bands are filled only partly",
        "b.xlsx, sheet 'Выпускники', row 4, column 'level': specialty 09.03.04 is a bachelor program",
        "b.xlsx, sheet 'Выпускники', row 4, column 'E': rating '9' is outside 1–5",
    ]:
        assert expected in message, expected


def test_not_a_survey(tmp_path, demo):
    other = tmp_path / "other.xlsx"
    demo.institutions.to_excel(other, index=False)
    with pytest.raises(sf.SchemaError, match="no sheet 'Кадры'.*Is this a survey form"):
        sf.load_survey(other)
    (tmp_path / "fake.xlsx").write_text("not excel")
    with pytest.raises(sf.SchemaError, match="fake.xlsx: expected an Excel survey form"):
        sf.load_survey(tmp_path / "fake.xlsx")


def test_same_employer_twice(tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        fill(sf.write_survey_template(tmp_path / name, year=2026), rows=[("2512", 5, 1, 0)])
    with pytest.raises(
        sf.SchemaError, match="b.xlsx: employer E001 already answered the 2026 survey in a.xlsx"
    ):
        sf.load_survey(tmp_path)


def test_empty_form(tmp_path):
    path = sf.write_survey_template(tmp_path / "a.xlsx", year=2026)
    with pytest.raises(sf.SchemaError, match=r"cell C3: Код работодателя is empty(.|\n)*cell C5"):
        sf.load_survey(path)


def test_levels_read_back_as_the_workbooks_print_them(tmp_path):
    path = fill(
        sf.write_survey_template(tmp_path / "E001.xlsx", year=2026),
        rows=[("2512", 10, 3, 1)],
        graduates=[
            ("C01", "09.02.07", "СПО на базе 9 классов", 2, 4),
            ("U01", "09.03.04", "бакалавриат", 1, 5),
            ("U02", "09.03.04", "Bachelor", 1, 3),
        ],
    )
    assert sf.load_survey(path).satisfaction["level"].tolist() == ["spo9", "bachelor", "bachelor"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_template_makes_excel_refuse_bad_entries(tmp_path, lang):
    book = load_workbook(sf.write_survey_template(tmp_path / "E001.xlsx", year=2026, lang=lang))
    validations = [dv for ws in book.worksheets for dv in ws.data_validations.dataValidation]
    assert len(validations) == 7
    for dv in validations:
        assert dv.showErrorMessage and dv.errorStyle in (None, "stop") and dv.error and dv.errorTitle
