"""Units: data in thousands is read as such, travels with the panel and is labelled so in every output."""

from __future__ import annotations

import re

import matplotlib
import pytest
from openpyxl import Workbook, load_workbook

import staffing_forecast as sf
from staffing_forecast.cli import main

matplotlib.use("Agg")

YEARS = list(range(2017, 2025))
INDUSTRIES = {  # thousands of persons, one decimal, as a statistics office publishes them
    "Деятельность в области информации и связи": [9.8, 10.1, 10.6, 10.4, 11.0, 11.3, 11.9, 12.4],
    "Разработка компьютерного программного обеспечения": [3.1, 3.4, 3.8, 4.0, 4.5, 4.9, 5.4, 5.8],
    "Деятельность в сфере телекоммуникаций": [4.2, 4.1, 4.0, 3.9, 3.9, 3.8, 3.7, 3.7],
}


def industry_sheet(path, *, unit_in="group"):
    """An industry × year workbook in thousands: a title row, a two-row merged header, a SUM row («Итого»)."""
    book = Workbook()
    sheet = book.active
    title = "Среднегодовая численность работников по видам экономической деятельности"
    sheet.append([title + (", тыс. чел." if unit_in == "title" else "")])
    group = "Численность, тыс. чел." if unit_in == "group" else "Численность"
    sheet.append(["Вид деятельности", group])
    sheet.append([None, *YEARS])
    for name, values in INDUSTRIES.items():
        sheet.append([name, *values])
    sheet.append(["Итого:", *(round(sum(v), 1) for v in zip(*INDUSTRIES.values(), strict=True))])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells(start_row=2, start_column=2, end_row=2, end_column=1 + len(YEARS))
    book.save(path)
    return path


@pytest.mark.parametrize("unit_in", ["group", "title"])
def test_a_workbook_in_thousands_is_forecast_and_labelled_in_thousands(tmp_path, capsys, unit_in):
    path = industry_sheet(tmp_path / "industries.xlsx", unit_in=unit_in)
    out = tmp_path / "forecast.xlsx"
    assert (
        main(["forecast", str(path), "--h", "3", "--models", "drift", "--n-jobs", "1", "--out", str(out)])
        == 0
    )
    captured = capsys.readouterr()
    assert "for 3 series" in captured.out and "(values in тыс. чел., thousand persons)" in captured.out
    assert "'Итого:' is a total row, set aside" in captured.err and "equals the sum" in captured.err
    book = load_workbook(out)
    assert "среднее значение по годам (тыс. чел.)" in book.worksheets[0]["A1"].value
    headers = [c.value for c in book["Интервалы"][1]]
    assert "Прогноз, тыс. чел." in headers and "Нижняя граница 95 %, тыс. чел." in headers
    assert not any(re.search(r"(?<!тыс\. )чел\.", str(h)) for h in headers)
    assert (
        main(
            ["forecast", str(path), "--h", "1", "--models", "naive", "--unit", "млн чел.", "--out", str(out)]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "(values in млн чел., million persons)" in captured.out
    assert (
        'the file gives its values in thousand persons, but --unit "million persons" was passed'
        in captured.err
    )
    english = tmp_path / "forecast.csv"
    assert (
        main(["forecast", str(path), "--h", "3", "--models", "drift", "--out", str(english), "--lang", "en"])
        == 0
    )
    assert "Forecast, thousand persons" in english.read_text(encoding="utf-8-sig").splitlines()[0]


def test_the_unit_travels_through_aggregate_and_forecast_into_the_plots(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        "Год;ОКВЭД2;Численность\n2022;62.01;3,1\n2023;62.01;3,4\n2024;62.01;3,8\n"
        "2022;61.10;4,2\n2023;61.10;4,1\n2024;61.10;4,0\n",
        encoding="cp1251",
    )
    assert sf.load_csv(path).attrs["unit"] == "persons"  # nothing says otherwise
    panel = sf.load_csv(path, unit="тыс. чел.", whole=True)  # whole numbers are for persons only
    assert panel.attrs["unit"] == "thousand persons"
    total = sf.aggregate(panel, by=[])
    fc = sf.forecast(total, h=2, models="drift", level=[80], n_jobs=1)
    assert total.attrs["unit"] == fc.attrs["unit"] == "thousand persons"
    ax = sf.plot.forecast(fc, history=total, lang="ru")
    assert "тыс. чел." in ax.get_ylabel()
    english = sf.plot.forecast(fc, history=total, lang="en")
    assert "thousand persons" in english.get_ylabel()
    with pytest.raises(sf.ConfigError, match=r"unit='штук'"):
        sf.load_csv(path, unit="штук")
    with pytest.raises(sf.SchemaError, match=r"not a whole number of people"):
        sf.load_csv(path, whole=True)


@pytest.mark.slow
def test_a_bundle_in_thousands_loads_and_persons_with_fractions_are_one_grouped_error(tmp_path, demo):
    sf.write_bundle(demo, tmp_path)
    employment = demo.employment.copy()
    employment["y"] = employment["y"] / 1000
    table = employment[["region", "sector", "employer", "occupation", "ds", "y"]].copy()
    table["ds"] = table["ds"].dt.year
    table.columns = ["Регион", "ОКВЭД2", "Работодатель", "Код ОКЗ", "Год", "Численность, тыс. чел."]
    (tmp_path / "employment.csv").write_bytes(
        table.to_csv(sep=";", decimal=",", index=False).encode("cp1251")
    )
    bundle = sf.load_bundle(tmp_path)
    assert bundle.employment.attrs["unit"] == "thousand persons"
    assert bundle.employment["y"].sum() == pytest.approx(demo.employment["y"].sum() / 1000)
    table.columns = [
        *table.columns[:-1],
        "Численность",
    ]  # the unit left out: persons, and 1,234 persons is wrong
    (tmp_path / "employment.csv").write_bytes(
        table.to_csv(sep=";", decimal=",", index=False).encode("cp1251")
    )
    fractional = int((table["Численность"] != table["Численность"].round()).sum())
    with pytest.raises(sf.SchemaError) as error:
        sf.load_bundle(tmp_path)
    message = str(error.value)
    assert (
        f"employment.csv, column 'Численность': {fractional} rows: y is not a whole number of people."
        in message
    )
    assert re.search(r"E\.g\. rows \d+ \('[\d,]+'\), \d+ \('[\d,]+'\), \d+ \('[\d,]+'\)\.", message)
    assert message.count("not a whole number") == 1 and "pass unit='тыс. чел.'" in message
    thousands = sf.load_bundle(tmp_path, unit="тыс. чел.")
    assert thousands.employment.attrs["unit"] == "thousand persons"
    for format in ("csv", "parquet"):  # written and read back in thousands
        sf.write_bundle(thousands, tmp_path / format, format=format)
        again = sf.load_bundle(tmp_path / format)
        assert again == thousands and again.employment.attrs["unit"] == "thousand persons"


def employment_in_thousands(folder, header):
    """employment.xlsx in thousands of persons, Russian headers, a title row above the table."""
    cluster = sf.datasets.make_cluster(n_employers=4, years=(2016, 2025), seed=3)
    table = cluster.employment[["region", "sector", "employer", "occupation", "ds", "y"]].copy()
    table["ds"] = table["ds"].dt.year
    table["y"] = table["y"] / 1000
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.append(["Среднегодовая численность работников ИТ-организаций"])
    sheet.append(["Регион", "ОКВЭД2", "Работодатель", "Код ОКЗ", "Год", header])
    for row in table.itertuples(index=False):
        sheet.append(list(row))
    for year, total in table.groupby("ds")["y"].sum().items():  # the SUM rows a ministry's file ends with
        sheet.append([None, None, "Итого", None, year, round(total, 3)])
    book.save(folder / "employment.xlsx")
    return cluster.employment


@pytest.mark.parametrize(
    ("header", "series"),
    [("Численность, тыс. чел.", {}), ("Численность", {"unit": "тыс. чел."})],
    ids=["header", "run.toml"],
)
def test_the_batch_job_labels_a_panel_in_thousands(tmp_path, header, series):
    employment_in_thousands(tmp_path / "data", header)
    config = tmp_path / "run.toml"
    config.write_text(
        "[sources]\nbundle = 'data'\n"
        "[series]\nhierarchy = [['occupation']]\n"
        + "".join(f"{k} = '{v}'\n" for k, v in series.items())
        + "[forecast]\nmodels = ['drift']\nhorizon = 2\nlevels = [80, 95]\ncv_windows = 2\n"
        "[quota]\nenabled = false\n[output]\nstore = 'store'\nplots = false\n[parallel]\nn_jobs = 1\n",
        encoding="utf-8",
    )
    with pytest.warns(sf.DataWarning, match=r"'Итого' is a total row, set aside"):
        bundle = sf.load_bundle(tmp_path / "data", unit=series.get("unit"))
    totals = sf.totals(bundle.employment)
    assert len(totals) == 10 and totals["equal"].all()
    assert not bundle.employment["employer"].eq("Итого").any()
    assert main(["run", str(config)]) == 0
    runs = tmp_path / "store" / "runs"
    run = runs / (runs / "latest").read_text(encoding="utf-8").strip()
    book = load_workbook(run / "forecast.xlsx")
    assert "(тыс. чел.)" in book.worksheets[0]["A1"].value
    assert "Прогноз, тыс. чел." in [c.value for c in book["Интервалы"][1]]
    summary = load_workbook(run / "summary.xlsx")["Прогноз по ОКЗ"]
    header = [c.value for c in summary[1]]
    assert "Прогноз, тыс. чел." in header
    mean = [row[header.index("Прогноз, тыс. чел.")] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert any(v != round(v) for v in mean)  # thousands keep their decimals


def test_the_quota_refuses_employment_in_thousands(demo):
    employment = demo.employment.assign(y=demo.employment["y"] / 1000)
    employment.attrs["unit"] = "thousand persons"
    fc = sf.forecast(sf.aggregate(employment, by=["occupation"]), h=3, models="naive", level=[80], n_jobs=1)
    bundle = sf.Bundle(**{**demo.tables(), "employment": employment})
    with pytest.raises(sf.ConfigError, match=r"is in thousand persons, but the quota counts persons"):
        sf.quota.inputs_from_bundle(bundle, fc)


def test_the_batch_job_draws_a_panel_in_thousands_in_thousands(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    employment_in_thousands(tmp_path / "data", "Численность, тыс. чел.")
    config = tmp_path / "run.toml"
    config.write_text(
        "[sources]\nbundle = 'data'\n[series]\nhierarchy = [['occupation']]\n"
        "[forecast]\nmodels = ['drift']\nhorizon = 2\nlevels = [80]\ncv_windows = 2\n"
        "[quota]\nenabled = false\n[output]\nstore = 'store'\nworkbooks = false\n[parallel]\nn_jobs = 1\n",
        encoding="utf-8",
    )
    texts: list[str] = []
    save = Figure.savefig

    def keep_texts(self, fname, *args, **kwargs):
        texts.extend([ax.get_ylabel() for ax in self.axes] + [t.get_text() for t in self.texts])
        return save(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep_texts)
    assert main(["run", str(config), "--quiet"]) == 0
    assert "Численность, тыс. чел." in texts and "Численность, чел." not in texts
