"""The forecast workbook and CSV for officials: layout, labels, periods, fallbacks."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import load_workbook

import staffing_forecast as sf


def quarterly_panel() -> pd.DataFrame:
    long = pd.DataFrame(
        {
            "unique_id": "E1",
            "ds": pd.date_range("2022-01-01", periods=12, freq="QS"),
            "y": [10.0, 11, 13, 12, 14, 15, 17, 16, 18, 19, 21, 20],
            "employer": "E1",
        }
    )
    short = pd.DataFrame(
        {
            "unique_id": "E2",
            "ds": pd.date_range("2024-07-01", periods=2, freq="QS"),
            "y": [3.0, 4],
            "employer": "E2",
        }
    )
    return pd.concat([long, short], ignore_index=True)


def test_quarterly_forecast_with_a_fallback_in_english(tmp_path):
    fc = sf.forecast(quarterly_panel(), h=2, models="ets", level=[80])
    assert fc.loc[fc["unique_id"] == "E2", "fallback"].iloc[0]  # too short for ets
    book = load_workbook(sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", lang="en"))
    assert book.sheetnames == ["Forecast", "Intervals", "Fallbacks and notes"]
    forecast = book["Forecast"]
    assert forecast["A2"].value.startswith("For 1 series the chosen model did not fit")
    assert [c.value for c in forecast[4]] == ["Employer", "Model", "2025Q1", "2025Q2"]
    e2 = [c.value for c in forecast[6]]
    assert e2[0] == "E2" and e2[2:] == fc.loc[fc["unique_id"] == "E2", "mean"].tolist()
    reasons = [[c.value for c in row] for row in book["Fallbacks and notes"].iter_rows()]
    assert reasons[0] == ["Employer", "Model", "Why the model fell back", "Note"]
    e2 = next(row for row in reasons if row[0] == "E2")
    assert "ets failed (2 observations, ets needs 7)" in e2[2]
    assert [c.value for c in book["Intervals"][1]] == [
        "Employer",
        "Model",
        "Period",
        "Forecast, persons",
        "Lower bound 80 %, persons",
        "Upper bound 80 %, persons",
    ]


def test_csv_for_russian_excel_and_for_programs(tmp_path):
    panel = quarterly_panel().assign(y=lambda p: p["y"] + 0.5)
    russian = sf.report.write_csv(panel, tmp_path / "ru.csv", lang="ru").read_bytes().decode("utf-8")
    assert russian.startswith("\ufeffРяд;Дата;y;Работодатель\nE1;2022-01-01;10,5")
    back = sf.load_csv(sf.report.write_csv(panel, tmp_path / "plain.csv", lang=None), min_length=1)
    assert back["y"].tolist() == panel["y"].tolist()


def test_a_forecast_without_intervals_says_so_and_has_no_interval_sheet(tmp_path):
    fc = sf.forecast(quarterly_panel().query("unique_id == 'E1'"), h=1, models="naive")
    # One step dated 2025-01-01 reads as a year unless the frequency is given.
    assert load_workbook(sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx"))["Прогноз"]["C3"].value == 2025
    with pytest.raises(sf.ConfigError, match="freq='Q'; use one of"):
        sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", freq="Q")
    book = load_workbook(sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", freq="QS"))
    assert book.sheetnames == ["Прогноз"]
    assert book["Прогноз"]["A1"].value.endswith("интервалы прогноза не рассчитывались.")
    assert [c.value for c in book["Прогноз"][3]] == ["Работодатель", "Модель", "2025Q1"]
    assert book["Прогноз"]["C4"].value == 20.0


def test_a_russian_workbook_words_fallbacks_and_notes_in_russian(tmp_path):
    values = [10.0, 12, 11, 13, 12, 500, 14, 13, 12, 14, 13, 14]
    panel = pd.concat(
        [
            pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2014", periods=len(v), freq="YS"), "y": v})
            for uid, v in [("spike", values), ("new", [0.0] * 8 + [5.0, 6, 8, 9]), ("short", [4.0, 5.0])]
        ]
    )
    fc = pd.concat(
        [
            sf.forecast(panel, h=3, models="auto", level=[80, 95]),
            sf.forecast(panel, h=3, models="ets", level=[80]),
        ]
    )
    book = load_workbook(
        sf.report.forecast_workbook(fc.drop(columns=["lo_95", "hi_95"]), tmp_path / "fc.xlsx")
    )
    remarks = [
        v for row in book["Замены и примечания"].iter_rows(min_row=2, values_only=True) for v in row[2:]
    ]
    text = " ".join(v for v in remarks if v)
    assert "выброс сглажен" in text and "начальных нулей" in text and "не подошла" in text
    english = re.findall(
        r"\b(?:failed|interval|observations|needs|left out|fitted|short|used|outlier)\b", text
    )
    assert english == []


def test_a_russian_csv_words_notes_and_fallbacks_too(tmp_path):
    panel = pd.DataFrame(
        {
            "unique_id": "new",
            "ds": pd.date_range("2014", periods=12, freq="YS"),
            "y": [0.0] * 8 + [5.0, 6, 8, 9],
        }
    )
    fc = sf.forecast(panel, h=2, models="auto")
    text = sf.report.write_csv(fc, tmp_path / "fc.csv", lang="ru").read_text(encoding="utf-8-sig")
    assert "после начальных нулей (8)" in text and "fitted" not in text
    assert text.splitlines()[1].split(";")[1] == "2026"  # the year, as in the workbook


def test_a_forecast_too_large_for_a_workbook_shows_the_aggregates_and_the_largest_series(tmp_path):
    # The demo's employers by occupation, with the occupations and the region total: the batch job's levels.
    employment = sf.datasets.load_demo().employment
    panel = pd.concat(
        [
            sf.aggregate(employment, by=[]),
            sf.aggregate(employment, by=["occupation"]),
            sf.aggregate(employment, by=["employer", "occupation"]),
        ],
        ignore_index=True,
    )
    fc = sf.forecast(panel, h=2, models="naive")
    aggregates = fc.loc[fc["employer"] == "*", "unique_id"].unique()  # summed over more keys than the others
    last = fc[fc["ds"] == fc["ds"].max()].set_index("unique_id")["mean"]
    bottom = last.drop(aggregates).sort_values(ascending=False, kind="stable")
    limit = 2 * (len(aggregates) + 5)  # two periods a series: every aggregate and the five largest others
    path = sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", lang="en", max_rows=limit)
    sheet = pd.read_excel(path, sheet_name="Forecast", skiprows=3, dtype=str)
    shown = set(sheet["Employer"] + "/" + sheet["ОКЗ code"])
    expected = {
        f"{e}/{o}" for e, o in fc.loc[fc["unique_id"].isin(aggregates), ["employer", "occupation"]].values
    }
    expected |= {uid.split("/")[2] + "/" + uid.split("/")[3] for uid in bottom.index[:5]}
    assert shown == expected
    note = load_workbook(path)["Forecast"]["A2"].value
    assert note.startswith(f"Showing {len(aggregates) + 5} of {fc['unique_id'].nunique()} series")
    with pytest.raises(sf.ConfigError, match="max_rows=0"):
        sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", max_rows=0)
