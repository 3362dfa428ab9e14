"""The command line: the demo job writes real, re-readable outputs; bad input exits 2 with a message."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast.cli import main


def latest_run(store):
    """The folder of the store's last complete run."""
    return store / "runs" / (store / "runs" / "latest").read_text(encoding="utf-8").strip()


def test_demo_writes_tables_summary_and_form(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--n-jobs", "1"]) == 0
    assert sf.load_bundle(tmp_path / "data") == sf.datasets.load_demo()
    run = latest_run(tmp_path)  # the workbooks are the run's; the example files stay beside the store
    sheets = pd.read_excel(run / "summary.xlsx", sheet_name=None)
    assert list(sheets) == ["Сводка", "Занятость по ОКЗ", "Занятость по ОКВЭД2", "Прогноз по ОКЗ"]
    forecast = _read_ru_csv(run / "forecast_occupation.csv", {"Код ОКЗ": str})
    assert len(forecast) == 7 * forecast["Код ОКЗ"].nunique()
    assert (forecast["Нижняя граница 95 %, чел."] <= forecast["Прогноз, чел."]).all()
    assert forecast["Год"].max() == 2032  # annual dates are written as years
    assert forecast["Прогноз, чел."].map(lambda v: round(v, 1) == v).all()  # rounded figures
    by_occupation = sheets["Занятость по ОКЗ"].set_index("Код ОКЗ")
    demo = sf.datasets.load_demo().employment
    assert (
        by_occupation.loc[2512, 2025]  # years are numbers, not text
        == demo[(demo.occupation == "2512") & (demo.ds.dt.year == 2025)].y.sum()
    )
    tables = sheets["Сводка"]
    assert "Численность занятых" in tables["Таблица"].tolist() and tables["С"].iloc[0] == 2012
    assert (tmp_path / "survey_template.xlsx").exists()
    assert sf.load_survey(tmp_path / "forms").staff["employer"].nunique() == 3
    with pd.ExcelFile(run / "monitoring.xlsx") as book:
        assert book.sheet_names[0] == "Трудоустройство"
    with pd.ExcelFile(run / "quota.xlsx") as book:
        assert book.sheet_names[:2] == ["Сводка", "КЦП по специальностям"]
    quota = _read_ru_csv(run / "quota_table.csv", {"Код специальности": str})
    allocation = _read_ru_csv(run / "quota_allocation.csv", {"Код специальности": str})
    places = "Рекомендуемые КЦП, мест"
    assert quota[places].sum() == allocation[places].sum() > 0
    assert set(quota["Уровень образования"]) <= {"СПО на базе 9 классов", "СПО на базе 11 классов", "бакалавриат",
                                                 "специалитет", "магистратура"}  # fmt: skip
    raw = (run / "quota_table.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    out = capsys.readouterr().out
    assert (
        "done: 249 employer × occupation series summed to 16 occupations and forecast" in out
        and "programs counted, 20 more would graduate after the forecast horizon)" in out
    )
    assert f"workbooks in {run}" in out and (run / "manifest.json").exists()


def _read_ru_csv(path, dtype):
    """A CSV as Russian Excel reads it: ';' between fields, a decimal comma, a byte-order mark."""
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=dtype)


def test_quota_command_on_a_bundle_folder(tmp_path, capsys, demo):
    sf.write_bundle(demo, tmp_path / "data")
    code = main(
        [
            "quota",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--models",
            "naive",
            "--lang",
            "en",
            "--n-jobs",
            "1",
            "--cost-short",
            "2",
        ]
    )
    assert code == 0
    with pd.ExcelFile(latest_run(tmp_path / "out") / "quota.xlsx") as book:
        assert book.sheet_names[1] == "Quotas by specialty"
    assert "2026" in capsys.readouterr().out


def test_quota_command_reports_bad_policy(tmp_path, capsys, demo):
    sf.write_bundle(demo, tmp_path / "data")
    code = main(["quota", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--cost-short", "50"])
    assert code == 2
    assert "ConfigError: Policy: the costs put the recommendation" in capsys.readouterr().err


def test_quota_command_on_a_bundle_with_a_gap_says_what_to_do_without_a_run_toml(tmp_path, capsys, demo):
    employment = demo.employment
    gone = (employment["unique_id"] == employment["unique_id"].iloc[0]) & (employment["ds"].dt.year == 2014)
    sf.write_bundle(dataclasses.replace(demo, employment=employment[~gone]), tmp_path / "data")
    code = main(["quota", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--n-jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "missing periods inside 1 series" in err
    assert "in run.toml fills them" not in err  # this command reads no run.toml
    assert (
        "Add the missing years' rows to the file; or fill them with staffing-forecast run and a run.toml"
        in err
    )


def test_quota_command_forecasts_with_the_demos_candidate_models_by_default(tmp_path):
    from pathlib import Path

    from staffing_forecast.cli import build_parser
    from staffing_forecast.cli_pipeline import demo_config, quota_config

    args = build_parser().parse_args(["quota", str(tmp_path)])
    config = quota_config(Path(args.folder), Path(args.out), sf.quota.Policy(), args)
    demo = demo_config(tmp_path, tmp_path, h=7, lang="ru", n_jobs=1)
    assert config.forecast.models == demo.forecast.models == ("auto", "theta", "drift")
    named = build_parser().parse_args(["quota", str(tmp_path), "--models", "naive"])
    assert quota_config(Path(args.folder), Path(args.out), sf.quota.Policy(), named).forecast.models == (
        "naive",
    )


@pytest.mark.slow
def test_quota_command_on_the_demos_bundle_gives_the_demos_quotas(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--n-jobs", "1", "--quiet"]) == 0
    demo = sf.pipeline.open_run(tmp_path / "demo").table("quota")
    data = str(tmp_path / "demo" / "data")
    assert main(["quota", data, "--out", str(tmp_path / "out"), "--n-jobs", "1", "--quiet"]) == 0
    quota = sf.pipeline.open_run(tmp_path / "out").table("quota")
    by_year = [table.groupby("intake_year")["quota"].sum().to_dict() for table in (demo, quota)]
    assert by_year[0] == by_year[1] and by_year[0][2026] > 0


def test_validate_reports_problems_and_exits_2(tmp_path, capsys):
    (tmp_path / "employment.csv").write_text(
        "region,sector,employer,occupation,ds,y\n67,62.01,E1,2512,2024,-5\n"
    )
    assert main(["validate", str(tmp_path)]) == 2
    assert "employment.csv, row 2, column 'y': y '-5' is negative" in capsys.readouterr().err


def test_template_command(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "form.xlsx"
    assert main(["template", str(path), "--year", "2027", "--lang", "en"]) == 0
    book = load_workbook(path)
    assert book.sheetnames == ["Staff", "Reference", "Graduates"]
    staff = book["Staff"]
    assert staff["C7"].value == 2027 and staff["H10"].value == "Headcount, 2029"
    staff["C3"], staff["C5"] = "E001", "62.01"  # an employer fills it in
    for ref, value in zip(
        ["A11", "C11", "D11", "E11", "F11", "G11", "H11"], ["2512", 10, 3, 1, 12, 14, 15], strict=True
    ):
        staff[ref] = value
    book.save(path)
    survey = sf.load_survey(path)
    plans = survey.plans.assign(year=lambda f: f["ds"].dt.year)[["year", "kind", "value"]].values.tolist()
    assert plans == [[2026, "fact", 10], [2027, "estimate", 12], [2028, "plan", 14], [2029, "plan", 15]]


def test_forecast_command(tmp_path, capsys):
    panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    panel.to_csv(tmp_path / "occupations.csv", index=False)
    out = tmp_path / "fc.csv"
    code = main(
        [
            "forecast",
            str(tmp_path / "occupations.csv"),
            "--h",
            "2",
            "--models",
            "naive",
            "drift",
            "--level",
            "80",
            "--out",
            str(out),
            "--n-jobs",
            "1",
            "--lang",
            "en",
        ]
    )
    assert code == 0
    fc = pd.read_csv(out)
    assert set(fc["Model"]) == {"naive", "drift"}
    assert len(fc) == 2 * 2 * panel["unique_id"].nunique()
    assert f"wrote {len(fc)} rows" in capsys.readouterr().out


def economist_csv(path):
    """Long annual head counts saved from Russian Excel: a title line, `;`, thousands spaces, decimal commas, cp1251."""
    lines = ["Численность работников по профессиям;;", "Год;Профессия;Численность, чел."]
    for i, year in enumerate(range(2016, 2026)):
        bump = 2 if i == 4 else 0  # off the line once, so the intervals have a width
        lines.append(f"{year};Программисты;{1000 + 12.5 * i + bump:,.1f}".replace(",", " ").replace(".", ","))
        lines.append(f"{year};Администраторы;{200 + 5 * i}")
    path.write_text("\n".join(lines) + "\n", encoding="cp1251")
    return path


DRIFT = "продолжение среднего изменения (дрейф)"  # the model's name as a Russian workbook words it
FORECAST_ARGS = ["--h", "2", "--models", "drift", "--level", "80", "--n-jobs", "1", "--keys", "Профессия"]


def test_forecast_command_writes_a_russian_workbook_for_xlsx(tmp_path, capsys):
    from openpyxl import load_workbook

    panel = economist_csv(tmp_path / "staff.csv")
    out = tmp_path / "forecast.xlsx"
    code = main(
        ["forecast", str(panel), *FORECAST_ARGS, "--columns", "Год=ds,Численность, чел.=y", "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    book = load_workbook(out)
    assert book.sheetnames == ["Прогноз", "Интервалы"]
    sheet = book["Прогноз"]
    assert sheet["A1"].value.startswith("Прогноз по рядам: среднее значение по годам (чел.)")
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
    header = ["Профессия", "Модель", "2023, факт", "2024, факт", "2025, факт", 2026, 2027]
    assert rows[0] == [*header, "Изменение за горизонт прогноза"]  # years as numbers
    # Drift: the last value plus the average change, 5 and 12.5 a year; the last three actuals before them.
    assert [row[:7] for row in rows[1:]] == [
        ["Администраторы", DRIFT, 235, 240, 245, 250, 255],
        ["Программисты", DRIFT, 1087.5, 1100, 1112.5, 1125, 1137.5],
        ["Итого", DRIFT, 1322.5, 1340, 1357.5, 1375, 1392.5],
    ]
    assert [row[7] for row in rows[1:]] == pytest.approx(
        [255 / 245 - 1, 1137.5 / 1112.5 - 1, 1392.5 / 1357.5 - 1]
    )
    assert sheet["F6"].number_format == "#,##0" and sheet["H6"].number_format == "0.0%"
    intervals = [[cell.value for cell in row] for row in book["Интервалы"].iter_rows(max_row=2)]
    assert intervals[0] == [
        "Профессия",
        "Модель",
        "Год",
        "Прогноз, чел.",
        "Нижняя граница 80 %, чел.",
        "Верхняя граница 80 %, чел.",
    ]
    programmers = [cell.value for cell in book["Интервалы"][4]]
    assert programmers[:4] == ["Программисты", DRIFT, 2026, 1125]
    assert programmers[4] < 1125 < programmers[5]


def test_forecast_command_writes_csv_for_russian_excel(tmp_path):
    panel = economist_csv(tmp_path / "staff.csv")
    out = tmp_path / "forecast.csv"
    assert (
        main(
            [
                "forecast",
                str(panel),
                *FORECAST_ARGS,
                "--columns",
                "Год=ds,Численность, чел.=y",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffРяд;Профессия;Год;Модель;Прогноз, чел.;Нижняя граница 80 %, чел.;")
    assert f"Программисты;2026;{DRIFT};1125,0;" in text
    back = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Прогноз, чел."].tolist() == [250.0, 255.0, 1125.0, 1137.5]


def test_forecast_command_reads_the_usual_russian_headers_without_columns(tmp_path, capsys):
    panel = economist_csv(tmp_path / "staff.csv")  # Год; Профессия; Численность, чел.
    out = tmp_path / "forecast.csv"
    assert main(["forecast", str(panel), *FORECAST_ARGS, "--lang", "en", "--out", str(out)]) == 0
    assert "wrote 4 rows for 2 series" in capsys.readouterr().out
    written = pd.read_csv(out)
    # drift on 200, 205, ..., 245 and on 1000, 1012.5, ...: the next two years continue each line.
    assert written["Series"].tolist() == ["Администраторы"] * 2 + ["Программисты"] * 2
    assert written["Year"].tolist() == [2026, 2027, 2026, 2027]
    assert written["Forecast, persons"].tolist() == [250.0, 255.0, 1125.0, 1137.5]


def test_forecast_command_advises_command_line_options(tmp_path, capsys):
    panel = economist_csv(tmp_path / "staff.csv")
    panel.write_text(panel.read_text(encoding="cp1251").replace("Год;", "Годы;"), encoding="cp1251")
    assert main(["forecast", str(panel), *FORECAST_ARGS]) == 2
    err = capsys.readouterr().err
    assert "no date column 'ds'" in err and 'Map the date column with --columns "...=ds".' in err
    assert "Численность, чел.'].  Map" not in err and "'Численность, чел.']. Map" in err
    assert main(["forecast", str(panel), *FORECAST_ARGS, "--columns", "Гд=ds,Численность, чел.=y"]) == 2
    err = capsys.readouterr().err
    assert "column(s) ['Гд'] named in --columns are not in the file; did you mean 'Годы'?" in err
    assert "columns=" not in err and "keys=" not in err
    assert main(["forecast", str(panel), *FORECAST_ARGS, "--columns", "Годы"]) == 2
    assert "--columns 'Годы': write HEADER=NAME pairs" in capsys.readouterr().err


def test_forecast_command_shows_warnings_as_lines_with_command_line_advice(tmp_path, capsys):
    panel = tmp_path / "staff.csv"
    rows = "".join(
        f"{2014 + i};Программисты;{v}\n" for i, v in enumerate([1210, "1,250", 1302, 1350, 1390, 1420])
    )
    panel.write_text("Год;Профессия;Численность\n" + rows, encoding="cp1251")
    args = ["forecast", str(panel), "--h", "1", "--models", "naive", "--columns", "Год=ds,Численность=y"]
    assert main([*args, "--keys", "Профессия", "--n-jobs", "1", "--out", str(tmp_path / "fc.csv")]) == 0
    err = capsys.readouterr().err
    assert err.startswith(
        "warning: DataWarning: staff.csv, row 3, column 'Численность': value '1,250' was read as 1.25"
    )
    assert "load with --decimal . if commas" in err and "panels.py" not in err


@pytest.mark.slow
def test_the_readme_command_line_example_runs_as_written(tmp_path, monkeypatch, capsys):
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    demo = re.search(r"`(staffing-forecast demo --out demo-output)`", readme)
    forecast = re.search(r"`(staffing-forecast forecast demo-output/staff\.csv[^`]*)`", readme)
    assert demo is not None and forecast is not None
    monkeypatch.chdir(tmp_path)
    for command in (demo[1], forecast[1]):
        words = shlex.split(" ".join(command.split()))
        assert words[0] == "staffing-forecast" and main(words[1:]) == 0
    book = pd.read_excel(tmp_path / "forecast.xlsx", sheet_name=None, header=None)
    first = next(iter(book.values()))
    assert first.isin(["Работодатель"]).any().any() and first.isin(["Код ОКЗ"]).any().any()
    assert "wrote 147 rows for 21 series to forecast.xlsx" in capsys.readouterr().out
