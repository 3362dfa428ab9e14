"""The batch job on data of any shape: its own keys, forecast only, every input checked before forecasting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

import staffing_forecast as sf
from staffing_forecast import reference
from staffing_forecast.cli import main
from staffing_forecast.pipeline import parse_config, run

YEARS = list(range(2010, 2025))
#: Real ОКВЭД2 sections and codes, as a regional statistics table lists industries.
INDUSTRIES = [
    ("C", "Обрабатывающие производства", 41_000),
    ("J", "Деятельность в области информации и связи", 9_800),
    ("60.20", "Деятельность в области телевизионного вещания", 640),
    ("62.01", "Разработка компьютерного программного обеспечения", 3_100),
    ("85.22", "Образование высшее", 5_200),
]


def industry_sheet(path, years=YEARS):
    """An industry × year table as a ministry sends it: a title, a unit line, a merged two-row header."""
    rng = np.random.default_rng(24)
    book = Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet.append(["Среднегодовая численность работников по видам экономической деятельности"])
    sheet.append(["(человек)"])
    sheet.append(["Отрасль", "Код ОКВЭД2", "Численность, чел."])
    sheet.append([None, None, *years])
    for code, name, level in INDUSTRIES:
        trend = level * (1 + 0.02 * np.arange(len(years))) + rng.normal(0, level * 0.01, len(years))
        sheet.append([name, code, *[round(float(v)) for v in trend]])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells(start_row=3, start_column=3, end_row=3, end_column=2 + len(years))
    book.save(path)
    return path


def write_job(folder, lines: str):
    (folder / "data").mkdir(exist_ok=True)
    path = folder / "run.toml"
    path.write_text(lines, encoding="utf-8")
    return path


FEW_LINES = """\
[sources]
bundle = "data"
[series]
keys = ["Отрасль", "Код ОКВЭД2"]
[forecast]
horizon = 3
"""


@pytest.mark.slow
def test_an_industry_by_year_panel_runs_from_a_russian_xlsx_to_a_forecast_workbook(tmp_path, capsys):
    path = write_job(tmp_path, FEW_LINES + "[parallel]\nn_jobs = 1\n")
    industry_sheet(tmp_path / "data" / "employment.xlsx")
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "forecast only" in out  # no quota data: said, not failed
    store = tmp_path / "runs-store" / "runs"
    latest = store / (store / "latest").read_text().strip()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"]["series"] == len(INDUSTRIES)
    assert any("have no occupation" in note for note in manifest["notes"])
    assert "forecast only" in (latest / "run.log").read_text()
    book = load_workbook(latest / "forecast.xlsx")
    cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value}
    assert "60.20" in " ".join(cells) or "Деятельность в области телевизионного вещания" in " ".join(cells)
    assert not (latest / "quota.xlsx").exists()
    forecasts = sf.pipeline.open_run(tmp_path / "runs-store").table("forecasts")
    assert set(forecasts["sector"]) == {code for code, _, _ in INDUSTRIES}
    assert forecasts["ds"].dt.year.max() == YEARS[-1] + 3


def test_keys_the_configuration_names_build_the_hierarchy(tmp_path):
    config = parse_config(
        {
            "sources": {"bundle": "data"},
            "series": {"keys": ["Отрасль", "Код ОКВЭД2"], "hierarchy": [[], ["Код ОКВЭД2"]]},
        },
        path=tmp_path / "run.toml",
    )
    assert config.series.keys == ("Отрасль", "sector")  # a known header is its canonical column
    assert config.series.hierarchy == ((), ("sector",))
    assert config.quota is None  # no occupation key: nothing to read a quota from
    with pytest.raises(sf.ConfigError, match=r"\[series\] hierarchy: 'Отрасл' is not a key; did you mean"):
        parse_config({"sources": {"demo": True}, "series": {"keys": ["Отрасль"], "hierarchy": [["Отрасл"]]}})
    with pytest.raises(sf.ConfigError, match=r"\[quota\] enabled = true: .* has no 'occupation'"):
        parse_config({"sources": {"demo": True}, "series": {"keys": ["Отрасль"]}, "quota": {"enabled": True}})


def test_the_full_okved2_is_shipped_with_the_it_industry_as_a_selection():
    table = reference.okved2().set_index("sector")
    assert len(table) > 2800 and table.index.is_unique
    assert table.loc["60.20", "name_ru"] == "Деятельность в области телевизионного вещания"
    assert set("ABCDEFGHIJKLMNOPQRSTU") <= set(table.index)  # the 21 sections
    assert table.loc["62.01", "section"] == "J"
    assert set(reference.okved2("it")["sector"]) == set(reference.sectors()["sector"])
    assert "okved2" in set(reference.sources()["table"])
    with pytest.raises(sf.ConfigError, match="no selection 'IT'.* Selections: it"):
        reference.okved2("IT")
    problems: list[str] = []
    codes = pd.Series(["60.20", "62.01", "J", "62.1"], index=[2, 3, 4, 5])
    reference.check_codes(codes, "sector", place=sf.errors.Place("a.csv"), column="sector", problems=problems)
    assert len(problems) == 1 and "'62.1'" in problems[0]


def test_occupation_codes_outside_the_ict_list_are_a_warning_in_a_panel_of_its_own(tmp_path):
    rows = [
        {"Код ОКЗ": code, "Год": year, "Численность": 100 + 5 * i + year - 2015}
        for i, code in enumerate(["2512", "2211"])  # 2211: general practitioners, a real ОКЗ code
        for year in range(2015, 2025)
    ]
    (tmp_path / "data").mkdir()
    pd.DataFrame(rows).to_csv(tmp_path / "data" / "employment.csv", sep=";", index=False)
    config = parse_config(
        {
            "sources": {"bundle": "data"},
            "series": {"keys": ["Код ОКЗ"]},
            "forecast": {"horizon": 2, "models": ["naive", "drift"]},
            "output": {"workbooks": False, "plots": False},
            "parallel": {"n_jobs": 1},
        },
        path=tmp_path / "run.toml",
    )
    result = run(config)
    told = result.manifest["warnings"]
    assert any(t.startswith("DataWarning") and "2211" in t and "ОКЗ" in t for t in told)
    assert result.quota is None and result.manifest["status"] == "complete"
    assert set(result.forecasts["occupation"]) == {"2512", "2211"}


def test_missing_quota_inputs_are_listed_with_their_fixes_before_any_forecasting(tmp_path, capsys):
    demo = sf.datasets.load_demo()
    sf.write_bundle(sf.Bundle(employment=demo.employment, graduates=demo.graduates), tmp_path / "data")
    path = write_job(
        tmp_path,
        '[sources]\nbundle = "data"\n[adjustments]\nfile = "missing.csv"\n[parallel]\nn_jobs = 1\n',
    )
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "2 input(s) missing" in err
    assert "institutions" in err and "capacity" in err and "[quota] enabled = false" in err
    assert "[adjustments] file" in err and "remove the line" in err
    assert "inputs_from_bundle" not in err and "Traceback" not in err
    folder = next((tmp_path / "runs-store" / "runs").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "cross_validate" not in manifest["timings"]


def test_a_quota_that_fails_keeps_the_forecast_workbook_and_runs_show_says_why(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise sf.InfeasibleQuotaError("no program can take the demand")

    monkeypatch.setattr(sf.quota, "compute", broken)
    path = write_job(
        tmp_path,
        '[sources]\ndemo = true\n[forecast]\nhorizon = 2\nmodels = ["drift"]\n'
        "[output]\nplots = false\n[parallel]\nn_jobs = 1\n",
    )
    assert main(["run", str(path), "--quiet"]) == 2
    capsys.readouterr()
    folder = next((tmp_path / "runs-store" / "runs").iterdir())
    assert (folder / "forecast.xlsx").exists() and (folder / "forecasts.parquet").exists()
    assert main(["runs", "show", folder.name, "--store", str(tmp_path / "runs-store")]) == 1
    out = capsys.readouterr().out
    assert f"run {folder.name}: failed" in out
    assert "InfeasibleQuotaError: no program can take the demand" in out
    assert "stages finished: load, validate, cross_validate" in out and "kept: forecast.xlsx" in out
    assert (
        main(["runs", "show", "--store", str(tmp_path / "runs-store")]) == 1
    )  # no complete run: the failed one


def test_a_frequency_the_data_do_not_have_says_what_the_data_look_like(tmp_path, capsys):
    path = write_job(tmp_path, FEW_LINES.replace("[forecast]", 'frequency = "QS"\n[forecast]'))
    industry_sheet(tmp_path / "data" / "employment.xlsx")
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "[series] frequency = 'QS': the data looks yearly (every date is 1 January)" in err
    assert 'set frequency = "YS"' in err
    assert "--gaps" not in err and "missing" not in err


def test_a_database_table_keyed_by_industry_runs_forecast_only(tmp_path):
    import sqlite3

    rows = [
        {"industry": code, "year": year, "staff": level + 10 * (year - 2015)}
        for code, _, level in INDUSTRIES
        for year in range(2015, 2025)
    ]
    with sqlite3.connect(tmp_path / "stats.db") as connection:
        pd.DataFrame(rows).to_sql("staff", connection, index=False)
    query = "SELECT industry, year AS ds, staff AS y FROM staff"
    config = parse_config(
        {
            "sources": {
                "sql": {"url": f"sqlite:///{tmp_path / 'stats.db'}", "tables": {"employment": query}}
            },
            "series": {"keys": ["industry"], "hierarchy": [[], ["industry"]]},
            "forecast": {"horizon": 2, "models": ["naive"]},
            "output": {"workbooks": False, "plots": False},
            "parallel": {"n_jobs": 1},
        },
        path=tmp_path / "run.toml",
    )
    result = run(config)
    assert result.quota is None and result.manifest["notes"]
    means = result.forecasts.groupby("industry")["mean"].first()
    assert means["*"] == pytest.approx(sum(level + 90 for _, _, level in INDUSTRIES))  # naive: the last year
    assert means["60.20"] == pytest.approx(640 + 90)


def test_an_adjustments_file_without_reasons_stops_the_run_before_forecasting(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "adjustments.csv").write_text("unique_id;ds;value;reason\n2512;2026;100;\n", encoding="utf-8")
    path = write_job(tmp_path, '[sources]\ndemo = true\n[adjustments]\nfile = "adjustments.csv"\n')
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "[adjustments] file = " in err and "row 2: no reason" in err
    folder = next((tmp_path / "runs-store" / "runs").iterdir())
    assert "cross_validate" not in json.loads((folder / "manifest.json").read_text())["timings"]


def test_the_demo_bundle_read_as_months_says_it_looks_yearly(tmp_path):
    config = parse_config(
        {"sources": {"demo": True}, "series": {"frequency": "MS"}, "output": {"store": str(tmp_path)}}
    )
    with pytest.raises(sf.ConfigError, match=r"\[series\] frequency = 'MS': the data looks yearly"):
        run(config)
