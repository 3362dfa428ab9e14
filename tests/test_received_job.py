"""A table as a ministry sends it, through the batch job with a run.toml of a few lines."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from staffing_forecast.cli import main

YEARS = list(range(2013, 2025))
#: Employment by industry, thousand persons, as a regional statistics office publishes it (made up, smooth).
INDUSTRIES = {
    ("Сельское, лесное хозяйство, охота, рыболовство и рыбоводство", "01"): (41.2, -0.7),
    ("Обрабатывающие производства", "10"): (55.3, 0.3),
    ("Сухопутный и трубопроводный транспорт", "49"): (20.1, 0.1),
    ("Деятельность в области информационных технологий", "62"): (3.4, 0.25),
    ("Образование", "85"): (30.5, -0.1),
}


def ministry_workbook(
    path: Path, *, total_off_in: int | None = None, years: list[int] = YEARS
) -> dict[str, list[float]]:
    """Write the sheet: two title lines, a merged two-row header with the years, decimal commas in text cells.

    The last row is «Итого», as Excel's SUM row saves it (off by 1.0 in ``total_off_in``). Returns the values.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "Занятость"
    width = 2 + len(years)
    sheet.append(["Среднегодовая численность работников организаций по видам экономической деятельности"])
    sheet.append(["по Смоленской области, тыс. чел."])
    sheet.append(["Вид деятельности", "Код ОКВЭД2", "Численность, тыс. чел.", *[None] * (len(years) - 1)])
    sheet.append([None, None, *years])
    values: dict[str, list[float]] = {}
    for (name, code), (start, step) in INDUSTRIES.items():
        row = [round(start + step * i, 1) for i in range(len(years))]
        values[code] = row
        # The office typed the last two years by hand: text cells with a decimal comma.
        sheet.append([name, code, *row[:-2], *(f"{v:.1f}".replace(".", ",") for v in row[-2:])])
    total = [round(sum(column), 1) for column in zip(*values.values(), strict=True)]
    if total_off_in is not None:
        total[years.index(total_off_in)] += 1.0
    sheet.append(["Итого", None, *total])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells(start_row=3, start_column=3, end_row=3, end_column=width)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return values


def run_toml(folder: Path) -> Path:
    config = folder / "run.toml"
    config.write_text(
        '[sources]\nbundle = "data"\n[series]\nkeys = ["Вид деятельности", "Код ОКВЭД2"]\n'
        '[forecast]\nhorizon = 3\nmodels = ["drift", "naive"]\n[output]\nplots = false\n',
        encoding="utf-8",
    )
    return config


def the_run(store: Path) -> Path:
    return store / "runs" / (store / "runs" / "latest").read_text(encoding="utf-8").strip()


def test_an_industry_panel_in_thousands_with_a_total_row_runs_to_a_workbook_in_thousands(tmp_path, capsys):
    values = ministry_workbook(tmp_path / "data" / "employment.xlsx")
    assert main(["run", str(run_toml(tmp_path)), "--n-jobs", "1", "--out", str(tmp_path / "store")]) == 0
    printed = capsys.readouterr().out
    assert "forecast only" in printed and "computing the state training quotas" not in printed
    run = the_run(tmp_path / "store")

    # The total row was set aside (five series, not six) and checked; the run says so where it keeps warnings.
    forecasts = pd.read_parquet(run / "forecasts.parquet")
    assert forecasts["unique_id"].nunique() == len(INDUSTRIES)
    assert not forecasts["unique_id"].str.contains("Итого").any()
    said = "employment.xlsx, row 10: 'Итого' is a total row, set aside (not forecast as a series); it equals the sum"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert any(said in warning for warning in manifest["warnings"])
    assert said in (run / "run.log").read_text(encoding="utf-8")

    # The workbook says thousand persons, shows the last actuals (the text cells read as numbers) and one total.
    book = load_workbook(run / "forecast.xlsx")
    notes = [book["Прогноз"].cell(row=i, column=1).value for i in range(1, 4)]
    assert "(тыс. чел.)" in notes[0] and "последние 3 года" in notes[1]
    assert "сумма всех 5 рядов" in notes[2]
    headers = [cell.value for cell in book["Интервалы"][1]]
    assert "Прогноз, тыс. чел." in headers
    table = pd.read_excel(run / "forecast.xlsx", skiprows=4, dtype={"Код ОКВЭД2": str})
    rows = table.set_index("Код ОКВЭД2")
    assert rows.loc["62", "2024, факт"] == pytest.approx(values["62"][-1])  # a text cell «6,2» in the file
    total = table[table["Вид деятельности"] == "Итого"]
    assert len(total) == 1  # one total of the series, each by its own chosen model
    members = table[table["Вид деятельности"] != "Итого"]
    for column in ["2024, факт", 2025, 2026, 2027]:
        assert total[column].item() == pytest.approx(members[column].sum())
    assert total["2024, факт"].item() == pytest.approx(sum(v[-1] for v in values.values()))
    change = total[2027].item() / total["2024, факт"].item() - 1
    assert total["Изменение за горизонт прогноза"].item() == pytest.approx(change)


def test_a_total_row_that_does_not_add_up_is_named_with_its_year(tmp_path, capsys):
    ministry_workbook(tmp_path / "data" / "employment.xlsx", total_off_in=2020)
    assert main(["run", str(run_toml(tmp_path)), "--n-jobs", "1", "--out", str(tmp_path / "store")]) == 0
    assert "'Итого' is a total row, set aside" in capsys.readouterr().out
    manifest = json.loads((the_run(tmp_path / "store") / "manifest.json").read_text(encoding="utf-8"))
    warning = next(w for w in manifest["warnings"] if "'Итого'" in w)
    assert "it equals the sum" not in warning and "2020" in warning


def test_a_year_missing_inside_a_series_is_filled_by_a_line_of_run_toml(tmp_path, capsys):
    ministry_workbook(tmp_path / "data" / "employment.xlsx")
    book = load_workbook(tmp_path / "data" / "employment.xlsx")
    book.active.cell(row=6, column=3 + YEARS.index(2016)).value = None  # «Обрабатывающие производства», 2016
    book.save(tmp_path / "data" / "employment.xlsx")
    config = run_toml(tmp_path)
    assert main(["run", str(config), "--n-jobs", "1", "--out", str(tmp_path / "store")]) == 2
    error = capsys.readouterr().err
    assert "'Обрабатывающие производства/10' between 2015-01-01 and 2017-01-01" in error
    assert '[series] gaps = "zero", "interpolate" or "ffill" in run.toml fills them' in error
    assert "--gaps" not in error and "gaps='zero'" not in error
    config.write_text(
        config.read_text(encoding="utf-8").replace("[forecast]", 'gaps = "interpolate"\n[forecast]')
    )
    assert main(["run", str(config), "--n-jobs", "1", "--out", str(tmp_path / "store")]) == 0
    capsys.readouterr()
    config.write_text(config.read_text(encoding="utf-8").replace('"interpolate"', '"keep"'))
    assert main(["run", str(config), "--out", str(tmp_path / "store")]) == 2
    assert "[series] gaps = 'keep': not allowed" in capsys.readouterr().err


def test_the_quota_command_without_institutions_says_how_to_forecast_without_the_quota(tmp_path, capsys):
    import staffing_forecast as sf

    demo = sf.datasets.load_demo()
    sf.write_bundle(sf.Bundle(employment=demo.employment, graduates=demo.graduates), tmp_path / "data")
    assert main(["quota", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "the data have no institutions table, so the programs have no capacity" in error
    assert "run staffing-forecast forecast on the employment file" in error
    assert "run.toml to forecast only" not in error  # the quota command reads no run.toml


def test_a_table_of_a_few_years_is_forecast_by_the_first_candidate_and_says_why(tmp_path, capsys):
    ministry_workbook(tmp_path / "data" / "employment.xlsx", years=[2021, 2022, 2023, 2024])
    assert main(["run", str(run_toml(tmp_path)), "--n-jobs", "1", "--out", str(tmp_path / "store")]) == 0
    capsys.readouterr()
    run = the_run(tmp_path / "store")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    said = (
        "[forecast] cv_windows = 3 of cv_horizon = 3 periods need 10 periods of history, and the data have 4 "
        "(2021–2024): the models are not compared, and every series is forecast by the first candidate, 'drift'."
    )
    assert any(said in warning for warning in manifest["warnings"])
    selection = pd.read_parquet(run / "selection.parquet")
    assert set(selection["model"]) == {"drift"} and set(selection["reason"]) == {"too short to judge: no window fits the history"}
