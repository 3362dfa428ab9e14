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
    assert forecast["A3"].value == "'Total' is the sum of all 2 series of the table."
    assert [c.value for c in forecast[5]] == ["Employer", "Model", "2025Q1", "2025Q2"]
    e2 = [c.value for c in forecast[7]]
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
    assert [c.value for c in book["Прогноз"][3]] == ["Работодатель", "Модель", "I кв. 2025"]
    assert "среднее значение по кварталам" in book["Прогноз"]["A1"].value
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
    assert "выброс сглажен" in text and "нулей в начале" in text and "не подошла" in text
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
    assert "нулей в начале: 8, значений после них: 4" in text and "fitted" not in text
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
    sheet = pd.read_excel(path, sheet_name="Forecast", skiprows=4, dtype=str)
    assert sheet["Employer"].iloc[-1] == "Total"  # the employers' rows summed over every series, shown or not
    assert float(sheet[sheet.columns[-1]].iloc[-1]) == pytest.approx(last[bottom.index].sum())
    shown = set(sheet["Employer"].iloc[:-1] + "/" + sheet["ОКЗ code"].iloc[:-1])
    expected = {
        f"{e}/{o}" for e, o in fc.loc[fc["unique_id"].isin(aggregates), ["employer", "occupation"]].values
    }
    expected |= {uid.split("/")[2] + "/" + uid.split("/")[3] for uid in bottom.index[:5]}
    assert shown == expected
    note = load_workbook(path)["Forecast"]["A2"].value
    assert note.startswith(f"Showing {len(aggregates) + 5} of {fc['unique_id'].nunique()} series")
    with pytest.raises(sf.ConfigError, match="max_rows=0"):
        sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", max_rows=0)


def _two_occupations_and_their_sum() -> pd.DataFrame:
    years = pd.date_range("2021", periods=5, freq="YS")
    a, b = [8.0, 9, 10, 12, 14], [5.0, 4, 5, 5, 6]
    rows = [("*/A", "A", a), ("*/B", "B", b), ("*/*", "*", [x + y for x, y in zip(a, b, strict=True)])]
    return pd.concat(
        [pd.DataFrame({"unique_id": uid, "ds": years, "y": y, "occupation": occ}) for uid, occ, y in rows],
        ignore_index=True,
    )


def test_the_forecast_workbook_shows_the_last_actuals_the_change_and_a_total_of_the_bottom_rows(tmp_path):
    panel = _two_occupations_and_their_sum()
    fc = sf.forecast(panel, h=2, models="drift")  # A: +1.5 a year, B: +0.25, the sum: +1.75
    path = sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", history=panel, lang="en")
    sheet = load_workbook(path)["Forecast"]
    notes = [sheet.cell(row=i, column=1).value for i in range(1, 4)]
    assert notes[1].startswith("Actual: the last 3 periods of the history; change: from the actual of 2025")
    assert notes[2].startswith("'Total' is the sum of the 2 bottom-level series (occupation)")
    table = pd.read_excel(path, skiprows=4)
    assert list(table.columns) == [
        "ОКЗ code", "Occupation", "Model", "2023, actual", "2024, actual", "2025, actual", 2026, 2027,
        "Change over the horizon",
    ]  # fmt: skip
    rows = table.set_index("ОКЗ code")
    assert rows.loc["A", ["2023, actual", "2024, actual", "2025, actual", 2026, 2027]].tolist() == [
        10,
        12,
        14,
        15.5,
        17,
    ]
    assert rows.loc["A", "Change over the horizon"] == pytest.approx(17 / 14 - 1)
    # The total adds A and B (4 + 6 = 10 in 2023 … 17 + 6.5 in 2027), never the aggregate "*" on top of them.
    total = rows.loc["Total"]
    assert total[["2023, actual", "2025, actual", 2027]].tolist() == [15, 20, 23.5]
    assert total["Change over the horizon"] == pytest.approx(23.5 / 20 - 1)
    assert total["Model"] == "drift"


def test_a_total_of_every_row_when_nothing_is_summed_and_none_for_one_row(tmp_path):
    panel = _two_occupations_and_their_sum().query("occupation != '*'")
    fc = sf.forecast(panel, h=1, models="naive")
    path = sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx")
    sheet = load_workbook(path)["Прогноз"]
    assert sheet["A2"].value == "«Итого» — сумма всех 2 рядов таблицы."
    table = pd.read_excel(path, skiprows=3)
    assert table["Код ОКЗ"].tolist() == ["A", "B", "Итого"] and table[2026].tolist() == [14, 6, 20]
    assert "Изменение за горизонт прогноза" not in table.columns  # no history: no actuals, no change
    one = sf.report.forecast_workbook(fc[fc["occupation"] == "A"], tmp_path / "one.xlsx")
    assert pd.read_excel(one, skiprows=2)["Код ОКЗ"].tolist() == ["A"]
    with pytest.raises(sf.ConfigError, match="actuals=0; use a positive number"):
        sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", history=panel, actuals=0)
    with pytest.raises(sf.ConfigError, match=r"the history has no column\(s\) \['y'\]"):
        sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", history=panel.drop(columns="y"))


def test_one_total_of_the_series_when_each_has_its_own_chosen_model(tmp_path):
    panel = _two_occupations_and_their_sum().query("occupation != '*'")
    a, b = panel[panel["occupation"] == "A"], panel[panel["occupation"] == "B"]
    # A by drift (15.5 in 2026), B by naive (6), as the batch job chooses a model per series.
    chosen = pd.concat([sf.forecast(a, h=1, models="drift"), sf.forecast(b, h=1, models="naive")])
    table = pd.read_excel(sf.report.forecast_workbook(chosen, tmp_path / "fc.xlsx", lang="en"), skiprows=3)
    total = table[table["ОКЗ code"] == "Total"]
    assert len(total) == 1 and total[2026].item() == 21.5 and pd.isna(total["Model"].item())
    # A by two models, B by one: no sum takes each series once.
    both = pd.concat([chosen, sf.forecast(a, h=1, models="naive")])
    table = pd.read_excel(sf.report.forecast_workbook(both, tmp_path / "both.xlsx", lang="en"), skiprows=2)
    assert "Total" not in table["ОКЗ code"].tolist()


def _formats_by_header(sheet, header_row: int) -> dict[object, str]:
    """The number format of the first value under each header of ``sheet``."""
    return {
        sheet.cell(row=header_row, column=j).value: sheet.cell(row=header_row + 1, column=j).number_format
        for j in range(1, sheet.max_column + 1)
    }


def _small_panel(unit: str | None) -> pd.DataFrame:
    panel = pd.DataFrame(
        {
            "unique_id": ["A"] * 4 + ["B"] * 4,
            "ds": list(pd.date_range("2022", periods=4, freq="YS")) * 2,
            "y": [2.05, 2.12, 2.2, 2.31, 1.5, 1.61, 1.7, 1.8],
        }
    )
    if unit is not None:
        panel.attrs["unit"] = unit
    return panel


def test_values_in_thousands_keep_their_decimals_on_every_sheet(tmp_path):
    panel = _small_panel("thousand persons")
    fc = sf.forecast(panel, h=2, models="drift", level=[80])  # A: 2.31 → 2.40, 2.49 thousand
    path = sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", history=panel, actuals=2)
    book = load_workbook(path)
    forecast = _formats_by_header(book["Прогноз"], 5)
    # 2,31 and 2,40 тыс. чел., not 2 and 2
    assert forecast["2025, факт"] == forecast[2026] == forecast[2027] == "#,##0.00"
    assert forecast["Изменение за горизонт прогноза"] == "0.0%"
    intervals = _formats_by_header(book["Интервалы"], 1)
    assert intervals["Прогноз, тыс. чел."] == intervals["Нижняя граница 80 %, тыс. чел."] == "#,##0.00"
    # Larger values in thousands get one decimal (23,4 тыс. чел.).
    larger = panel.assign(y=panel["y"] * 10)
    larger.attrs["unit"] = "thousand persons"
    fc = sf.forecast(larger, h=2, models="drift")
    path = sf.report.forecast_workbook(fc, tmp_path / "larger.xlsx", history=larger)
    assert _formats_by_header(load_workbook(path)["Прогноз"], 5)[2026] == "#,##0.0"
    # Values below 1 thousand get three (0,025 тыс. чел. is 25 persons).
    tiny = panel.assign(y=panel["y"] / 100)
    tiny.attrs["unit"] = "thousand persons"
    path = sf.report.forecast_workbook(
        sf.forecast(tiny, h=2, models="drift"), tmp_path / "tiny.xlsx", history=tiny
    )
    assert _formats_by_header(load_workbook(path)["Прогноз"], 5)[2026] == "#,##0.000"


def test_values_in_persons_are_whole_on_every_sheet(tmp_path):
    panel = _small_panel(None).assign(y=lambda f: (f["y"] * 100).round())  # 205, 212 … persons
    fc = sf.forecast(panel, h=2, models="drift", level=[80])
    path = sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx", history=panel, actuals=2)
    book = load_workbook(path)
    forecast = _formats_by_header(book["Прогноз"], 5)
    assert forecast["2024, факт"] == forecast["2025, факт"] == forecast[2026] == "#,##0"  # 231, not 231,0
    intervals = _formats_by_header(book["Интервалы"], 1)
    assert intervals["Прогноз, чел."] == intervals["Верхняя граница 80 %, чел."] == "#,##0"
