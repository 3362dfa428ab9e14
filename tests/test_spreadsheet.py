"""Text the library writes into workbooks and CSV files is shown, never run as a formula; numbers stay numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import load_workbook

import staffing_forecast as sf
from staffing_forecast.loaders.survey import write_survey_template
from staffing_forecast.report.excel import Sheet, write_workbook

EVIL = ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "-2+3", "\tTAB"]
# A key value may not hold "/" (it separates keys in unique_id; the formula with a backslash) and loses the
# surrounding blanks (no tab) when checked.
KEYS = ['=HYPERLINK("http:\\x","y")', *EVIL[1:4]]


def _panel() -> pd.DataFrame:
    rows = []
    for i, employer in enumerate(KEYS):
        for year in range(2018, 2026):
            rows.append(
                {"ds": pd.Timestamp(f"{year}-01-01"), "y": float(10 + i + year % 3), "employer": employer}
            )
    frame = pd.DataFrame(rows)
    frame.insert(0, "unique_id", sf.make_unique_id(frame, ["employer"]))
    return frame


def _text_cells(path, wanted=EVIL) -> dict[str, tuple[str, str]]:
    """Every cell holding one of the ``wanted`` values: {value: (data type, sheet)}."""
    found = {}
    for sheet in load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in wanted:
                    found[cell.value] = (cell.data_type, sheet.title)
    return found


def test_forecast_workbook_writes_key_values_as_text(tmp_path):
    forecast = sf.forecast(_panel(), h=2, models="naive", level=[80])
    path = sf.report.forecast_workbook(forecast, tmp_path / "fc.xlsx", lang="en")
    found = _text_cells(path, KEYS)
    assert set(found) == set(KEYS)
    assert {kind for kind, _ in found.values()} == {"s"}
    book = load_workbook(path)
    formulas = [c for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    cell = next(c for s in book for row in s.iter_rows() for c in row if c.value == KEYS[0])
    assert cell.quotePrefix  # stays text when an official edits it


def test_workbook_notes_and_negative_numbers(tmp_path):
    frame = pd.DataFrame({"employer": EVIL, "y": [-3.0, 1.0, 2.0, -0.5, 4.0]})
    path = write_workbook(tmp_path / "r.xlsx", [Sheet("S", frame, notes=["=1+1 is not run"])], lang="en")
    sheet = load_workbook(path)["S"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "=1+1 is not run"
    values = [(c.value, c.data_type) for c in sheet["B"] if isinstance(c.value, float | int)]
    assert values == [(-3.0, "n"), (1.0, "n"), (2.0, "n"), (-0.5, "n"), (4.0, "n")]
    assert _text_cells(path) == {v: ("s", "S") for v in EVIL}


def test_csv_for_people_and_programs_escapes_text_only(tmp_path):
    frame = pd.DataFrame({"employer": EVIL, "y": [-3.0, 1.0, 2.0, -0.5, 4.0]})
    for lang, sep in (("ru", ";"), ("en", ","), (None, ",")):
        path = sf.report.write_csv(frame, tmp_path / f"{lang}.csv", lang)
        read = pd.read_csv(path, sep=sep, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert read.iloc[:, 0].tolist() == ["'" + v for v in EVIL]
        numbers = read.iloc[:, 1].str.replace(",", ".").astype(float)
        assert (numbers < 0).sum() == 2  # negative numbers are numbers, not escaped text
        assert not read.iloc[:, 1].str.startswith("'").any()


def test_survey_form_keeps_the_employer_as_text(tmp_path):
    path = write_survey_template(tmp_path / "form.xlsx", year=2026, employer=EVIL[0], region="@67")
    book = load_workbook(path)
    sheet = next(s for s in book if s["C3"].value == EVIL[0])
    assert sheet["C3"].data_type == "s" and sheet["C6"].data_type == "s"
    assert any(c.data_type == "f" for row in sheet.iter_rows() for c in row)  # its own lookups stay formulas


def test_bundle_workbooks_keep_text_as_text_and_read_back(tmp_path):
    demo = sf.datasets.load_demo()
    employment = demo.employment.copy()
    employment.loc[employment["employer"] == "E001", "employer"] = "=E001"
    employment["unique_id"] = sf.make_unique_id(employment, ["region", "sector", "employer", "occupation"])
    bundle = sf.Bundle(**{**demo.tables(), "employment": employment})
    sf.write_bundle(bundle, tmp_path, format="xlsx")
    sheet = load_workbook(tmp_path / "employment.xlsx").active
    kinds = {c.data_type for row in sheet.iter_rows() for c in row if c.value == "=E001"}
    assert kinds == {"s"}
    back = sf.load_bundle(tmp_path, tables=["employment"])
    assert np.isin("=E001", back.employment["employer"].unique())


def test_bundle_csv_escapes_text_and_reads_back_as_written(tmp_path):
    demo = sf.datasets.load_demo()
    employment = demo.employment.copy()
    employment.loc[employment["employer"] == "E001", "employer"] = "=E001"
    employment.loc[employment["employer"] == "E002", "employer"] = "-E002"
    employment["unique_id"] = sf.make_unique_id(employment, ["region", "sector", "employer", "occupation"])
    bundle = sf.Bundle(**{**demo.tables(), "employment": employment})
    sf.write_bundle(bundle, tmp_path, format="csv")
    text = (tmp_path / "employment.csv").read_text(encoding="utf-8")
    assert ",'=E001," in text and ",'-E002," in text and ",=E001," not in text
    back = sf.load_bundle(tmp_path, tables=["employment"])
    assert {"=E001", "-E002"} <= set(back.employment["employer"])
    pd.testing.assert_series_equal(
        back.employment["y"].reset_index(drop=True), employment["y"].reset_index(drop=True), check_names=False
    )
