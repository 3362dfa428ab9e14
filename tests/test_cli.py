"""The command line: the demo job writes real, re-readable outputs; bad input exits 2 with a message."""

from __future__ import annotations

import pandas as pd

import staffing_forecast as sf
from staffing_forecast.cli import main


def test_demo_writes_tables_summary_and_form(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--n-jobs", "1"]) == 0
    assert sf.load_bundle(tmp_path / "data") == sf.datasets.load_demo()
    sheets = pd.read_excel(tmp_path / "summary.xlsx", sheet_name=None)
    assert list(sheets) == ["Сводка", "Занятость по ОКЗ", "Занятость по ОКВЭД2", "Прогноз по ОКЗ"]
    forecast = _read_ru_csv(tmp_path / "forecast_occupation.csv", {"Код ОКЗ": str})
    assert len(forecast) == 7 * forecast["Код ОКЗ"].nunique()
    assert (forecast["Нижняя граница 95 %"] <= forecast["Прогноз (среднее), чел."]).all()
    assert forecast["Дата"].str[:4].astype(int).max() == 2032
    assert forecast["Прогноз (среднее), чел."].map(lambda v: round(v, 1) == v).all()  # rounded figures
    by_occupation = sheets["Занятость по ОКЗ"].set_index("Код ОКЗ")
    demo = sf.datasets.load_demo().employment
    assert (
        by_occupation.loc[2512, 2025]  # years are numbers, not text
        == demo[(demo.occupation == "2512") & (demo.ds.dt.year == 2025)].y.sum()
    )
    tables = sheets["Сводка"]
    assert "Численность занятых" in tables["Таблица"].tolist() and tables["С"].iloc[0] == 2012
    assert (tmp_path / "survey_template.xlsx").exists()
    with pd.ExcelFile(tmp_path / "monitoring.xlsx") as book:
        assert book.sheet_names[0] == "Трудоустройство"
    with pd.ExcelFile(tmp_path / "quota.xlsx") as book:
        assert book.sheet_names[:2] == ["Сводка", "КЦП по специальностям"]
    quota = _read_ru_csv(tmp_path / "quota_table.csv", {"Код специальности": str})
    allocation = _read_ru_csv(tmp_path / "quota_allocation.csv", {"Код специальности": str})
    places = "Рекомендуемые КЦП, мест"
    assert quota[places].sum() == allocation[places].sum() > 0
    assert set(quota["Уровень образования"]) <= {"СПО на базе 9 классов", "СПО на базе 11 классов", "бакалавриат",
                                                 "специалитет", "магистратура"}  # fmt: skip
    raw = (tmp_path / "quota_table.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    out = capsys.readouterr().out
    assert "done: 249 series" in out and "programs; 20 graduate after the forecast horizon)" in out


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
    with pd.ExcelFile(tmp_path / "out" / "quota.xlsx") as book:
        assert book.sheet_names[1] == "Quotas by specialty"
    assert "2026" in capsys.readouterr().out


def test_quota_command_reports_bad_policy(tmp_path, capsys, demo):
    sf.write_bundle(demo, tmp_path / "data")
    code = main(["quota", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--cost-short", "50"])
    assert code == 2
    assert "ConfigError: Policy: the costs put the recommendation" in capsys.readouterr().err


def test_validate_reports_problems_and_exits_2(tmp_path, capsys):
    (tmp_path / "employment.csv").write_text(
        "region,sector,employer,occupation,ds,y\n67,62.01,E1,2512,2024,-5\n"
    )
    assert main(["validate", str(tmp_path)]) == 2
    assert "employment.csv, row 2, column 'y': y '-5' is negative" in capsys.readouterr().err


def test_template_command(tmp_path):
    assert main(["template", str(tmp_path / "form.xlsx"), "--year", "2027", "--lang", "en"]) == 0
    assert sf.load_survey  # the form is read back in test_survey
    assert (tmp_path / "form.xlsx").stat().st_size > 0


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
        ]
    )
    assert code == 0
    fc = pd.read_csv(out)
    assert set(fc["model"]) == {"naive", "drift"}
    assert len(fc) == 2 * 2 * panel["unique_id"].nunique()
    assert f"wrote {len(fc)} rows" in capsys.readouterr().out
