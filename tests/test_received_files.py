"""Files as economists receive and save them: title rows, merged two-row headers, `;`, decimal commas, cp1251."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import Workbook

import staffing_forecast as sf

YEARS = [2019, 2020, 2021, 2022, 2023, 2024]


def statistics_sheet(path, *, merged_keys: bool = False):
    """A wide sheet as a statistics office publishes it: a title, a unit line, a two-row merged header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet.append(["Среднегодовая численность работников ИТ-организаций Смоленской области"])
    sheet.append(["(человек)"])
    sheet.append(["Профессия", "Код ОКЗ", "Численность, чел."])
    sheet.append([None, None, *YEARS])
    sheet.append(["Разработчики ПО", "2512", 1210, 1250, 1302, 1350, 1398, 1460])
    sheet.append(["Разработчики ПО" if not merged_keys else None, "2514", 310, 320, 335, 351, 360, 377])
    sheet.append(["Системные администраторы", "2522", 402.5, 410, 415, 420, 431, 440])
    sheet.merge_cells("A1:H1")
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("C3:H3")
    if merged_keys:
        sheet.merge_cells("A5:A6")
    book.save(path)
    return path


def test_excel_with_a_title_and_a_two_row_merged_header(tmp_path):
    path = statistics_sheet(tmp_path / "staff.xlsx")
    panel = sf.load_excel(path, columns={"Код ОКЗ": "occupation"})
    assert panel["unique_id"].unique().tolist() == [
        "Разработчики ПО/2512",
        "Разработчики ПО/2514",
        "Системные администраторы/2522",
    ]
    first = panel[panel["occupation"] == "2512"]
    assert first["ds"].dt.year.tolist() == YEARS
    assert first["y"].tolist() == [1210, 1250, 1302, 1350, 1398, 1460]
    assert panel.loc[panel["occupation"] == "2522", "y"].iloc[0] == 402.5
    # The header found is the one given explicitly.
    pd.testing.assert_frame_equal(sf.load_excel(path, columns={"Код ОКЗ": "occupation"}, header_row=3), panel)


def test_merged_key_cells_are_reported_once_with_the_excel_rows(tmp_path):
    path = statistics_sheet(tmp_path / "staff.xlsx", merged_keys=True)
    with pytest.raises(sf.SchemaError) as caught:
        sf.load_excel(path, columns={"Код ОКЗ": "occupation"})
    message = str(caught.value)
    assert message.startswith(
        "staff.xlsx, sheet 'Лист1', rows 5–6, column 'Профессия': cells A5:A6 are merged; unmerge them"
    )
    assert "index" not in message and "problems found" not in message


def test_a_header_row_below_a_two_cell_title_is_given_explicitly(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Таблица 3", None, None, "чел."])
    sheet.append(["employer", "occupation", "ds", "y"])
    sheet.append(["E1", "2512", 2024, 3])
    sheet.append(["E1", "2512", 2025, 4])
    book.save(tmp_path / "staff.xlsx")
    with pytest.raises(sf.SchemaError, match=r"column\(s\) have no header; name every column in row 1"):
        sf.load_excel(tmp_path / "staff.xlsx")
    assert sf.load_excel(tmp_path / "staff.xlsx", header_row=2)["y"].tolist() == [3.0, 4.0]
    with pytest.raises(sf.ConfigError, match="header_row=9, but the sheet has 4 rows"):
        sf.load_excel(tmp_path / "staff.xlsx", header_row=9)


def test_csv_in_cp1251_with_a_title_line(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        "Численность занятых в ИТ, чел.;;;\n;;;\nГод;Работодатель;ОКЗ;Численность\n"
        "2024;Альфа;2512;1 210\n2025;Альфа;2512;1 250,5\n",
        encoding="cp1251",
    )
    panel = sf.load_csv(
        path, columns={"Год": "ds", "Работодатель": "employer", "ОКЗ": "occupation", "Численность": "y"}
    )
    assert panel["y"].tolist() == [1210.0, 1250.5]
    assert panel["unique_id"].unique().tolist() == ["Альфа/2512"]
    path.write_text("Численность занятых в ИТ\nГод;ОКЗ;Численность\n2024;2512;x\n", encoding="cp1251")
    with pytest.raises(
        sf.SchemaError, match=r"staff.csv, row 3, column 'Численность': value 'x' is not a number"
    ):
        sf.load_csv(path, columns={"Год": "ds", "ОКЗ": "occupation", "Численность": "y"})


def test_a_key_column_left_out_of_keys_is_not_taken_for_a_number(tmp_path, capsys):
    from staffing_forecast.cli import main

    path = tmp_path / "staff.csv"
    path.write_text("Профессия;Код ОКЗ;2024;2025\nПрограммисты;2512;10;12\n", encoding="cp1251")
    with pytest.raises(
        sf.SchemaError, match=r"column 'occupation' names a key but is not in keys=\['Профессия'\]"
    ):
        sf.load_csv(path, columns={"Код ОКЗ": "occupation"}, keys=["Профессия"])
    args = ["forecast", str(path), "--h", "1", "--columns", "Код ОКЗ=occupation", "--keys", "Профессия"]
    assert main(args) == 2
    assert "names a key but is not in --keys Профессия; add it to --keys" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("load", "option", "message"),
    [
        (
            sf.load_excel,
            "header_rows",
            r"load_excel\(\) got an unexpected keyword argument 'header_rows'; did "
            r"you mean 'header_row'\? Its options are path, sheet, columns, keys, header_row, freq",
        ),
        (
            sf.load_csv,
            "sheet",
            r"load_csv\(\) got an unexpected keyword argument 'sheet'\. Its options are path",
        ),
    ],
)
def test_unknown_keyword_names_the_public_function_and_its_options(tmp_path, load, option, message):
    path = statistics_sheet(tmp_path / "staff.xlsx")
    with pytest.raises(TypeError, match=message) as caught:
        load(path, **{option: 3})
    assert "to_panel" not in str(caught.value)


RUSSIAN = {"Год": "ds", "Работодатель": "employer", "ОКЗ": "occupation", "Численность": "y"}


def staff_csv(tmp_path, values):
    rows = "".join(f"{2022 + i};Альфа;2512;{v}\n" for i, v in enumerate(values))
    path = tmp_path / "staff.csv"
    path.write_text("Год;Работодатель;ОКЗ;Численность\n" + rows, encoding="cp1251")
    return path


def test_a_decimal_comma_among_thousands_is_named(tmp_path):
    path = staff_csv(tmp_path, ["1210", "1,200", "1 250"])
    doubtful = (
        r"staff.csv, row 3, column 'Численность': value '1,200' was read as 1.2 \(a decimal comma\), but other values of the "
        r"column are in the thousands \('1210' in row 2\). Write 1200 if that is meant, or load with decimal='.'"
    )
    with pytest.warns(sf.DataWarning) as caught:
        panel = sf.load_csv(path, columns=RUSSIAN)
    assert panel["y"].tolist() == [1210.0, 1.2, 1250.0]  # kept as read, and named
    first, second = (str(w.message) for w in caught)
    assert re.match(doubtful, first)
    assert second.startswith(
        "staff.csv, row 3, column 'Численность': 1.2 is 1008 times smaller than its neighbours"
    )
    with pytest.raises(sf.SchemaError, match=doubtful) as caught:
        sf.load_csv(path, columns=RUSSIAN, whole=True)  # head counts: 1.2 people is no reading at all
    assert "whole number" not in str(caught.value)
    assert sf.load_csv(path, columns=RUSSIAN, decimal=".")["y"].tolist() == [1210.0, 1200.0, 1250.0]


def test_decimal_commas_below_a_thousand_are_not_doubted(tmp_path, recwarn):
    assert sf.load_csv(staff_csv(tmp_path, ["10,5", "1,250", "12"]), columns=RUSSIAN)["y"].tolist() == [
        10.5,
        1.25,
        12.0,
    ]
    assert not recwarn.list


def test_a_value_a_hundred_times_off_its_neighbours_is_named(tmp_path):
    with pytest.warns(sf.DataWarning) as caught:
        panel = sf.load_csv(staff_csv(tmp_path, ["1210", "1250", "1e12", "1302", "1350"]), columns=RUSSIAN)
    assert panel["y"].iloc[2] == 1e12
    (message,) = [str(w.message) for w in caught]
    assert message.startswith(
        "staff.csv, row 4, column 'Численность': 1e+12 is 768049155 times larger than its neighbours (1250, 1302) in "
        "series 'Альфа/2512'"
    )
    # In a wide sheet the message names the series and the date; a last value is compared with the one before.
    wide = tmp_path / "wide.csv"
    wide.write_text("ОКЗ;2022;2023;2024\n2512;1210;1250;12\n2514;5;6;7\n", encoding="cp1251")
    with pytest.warns(
        sf.DataWarning, match=r"wide.csv \(dates as columns\), series '2512', 2024-01-01: 12 is 104 "
    ):
        sf.load_csv(wide, columns={"ОКЗ": "occupation"})


def test_a_bundle_names_a_jump_in_its_employment(tmp_path, demo):
    employment = demo.employment.drop(columns="unique_id").copy()
    uid = demo.employment["unique_id"].iloc[0]
    middle = demo.employment.index[demo.employment["unique_id"] == uid][5]
    employment.loc[middle, "y"] = 10**6
    employment["ds"] = employment["ds"].dt.year
    employment.to_csv(tmp_path / "employment.csv", sep=";", index=False, encoding="cp1251")
    with pytest.warns(
        sf.DataWarning, match=rf"employment.csv, row {middle + 2}, column 'y': 1e\+06 is \d+ times larger"
    ):
        sf.load_bundle(tmp_path)


RUSSIAN_PANEL = {
    "region": "Регион",
    "sector": "ОКВЭД2",
    "employer": "Работодатель",
    "occupation": "Код ОКЗ",
    "ds": "Год",
    "y": "Численность, чел.",
}


def russian_employment(demo, path, renames=RUSSIAN_PANEL):
    employment = demo.employment.drop(columns="unique_id").assign(ds=demo.employment["ds"].dt.year)
    employment.rename(columns=renames).to_csv(path, sep=";", index=False, encoding="cp1251")


def test_a_bundle_with_the_russian_headers_of_the_docs_and_reports(tmp_path, demo):
    from staffing_forecast.report.labels import column_label

    russian_employment(demo, tmp_path / "employment.csv")
    # The graduates table under the headers the monitoring workbook prints.
    demo.graduates.rename(columns=lambda c: column_label(c, "ru")[0]).to_excel(
        tmp_path / "graduates.xlsx", index=False
    )
    bundle = sf.load_bundle(tmp_path)
    pd.testing.assert_frame_equal(bundle.employment, demo.employment)
    pd.testing.assert_frame_equal(bundle.graduates, demo.graduates)
    # Messages name the headers of the file, not the names they were read as.
    text = (tmp_path / "employment.csv").read_text(encoding="cp1251").splitlines()
    fields = text[1].split(";")
    text[1] = ";".join([fields[0], "-5", *fields[2:]])  # ds;y;region;... as the demo orders them
    (tmp_path / "employment.csv").write_text("\n".join(text), encoding="cp1251")
    with pytest.raises(
        sf.SchemaError, match=r"employment.csv, row 2, column 'Численность, чел.': y '-5' is negative"
    ):
        sf.load_bundle(tmp_path)


def test_every_bundle_column_a_report_prints_is_read_back_under_its_russian_header():
    from staffing_forecast.loaders.headers import rename_known_headers
    from staffing_forecast.loaders.tables import TABLES
    from staffing_forecast.report.labels import column_label, known_columns

    for spec in TABLES.values():
        printed = {column_label(c, "ru")[0]: c for c in spec.names if c in known_columns()}
        cells = pd.DataFrame(columns=list(printed))
        renamed = rename_known_headers(cells, spec.names, sf.errors.Place(spec.name))
        assert list(renamed.columns) == list(printed.values()), spec.name


def test_bundle_columns_map_for_every_file_or_per_table(tmp_path, demo, capsys):
    from staffing_forecast.cli import main

    russian_employment(demo, tmp_path / "employment.csv", RUSSIAN_PANEL | {"y": "Числ. занятых"})
    with pytest.raises(sf.SchemaError, match=r"missing column\(s\) \['y'\].*Russian headers are read too"):
        sf.load_bundle(tmp_path)
    for columns in ({"Числ. занятых": "y"}, {"employment": {"Числ. занятых": "y"}}):
        pd.testing.assert_frame_equal(sf.load_bundle(tmp_path, columns=columns).employment, demo.employment)
    with pytest.raises(sf.ConfigError, match="either one map for every file"):
        sf.load_bundle(tmp_path, columns={"employment": {"Числ. занятых": "y"}, "Год": "ds"})
    assert main(["validate", str(tmp_path), "--columns", "Числ. занятых=y"]) == 0
    assert "is a valid bundle" in capsys.readouterr().out
    assert main(["validate", str(tmp_path)]) == 2
    assert "columns= renames" not in capsys.readouterr().err  # the command line says --columns


def test_keys_are_named_by_the_files_own_header_or_the_canonical_name(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        "Численность работников, чел.;;;\nГод;Работодатель;Код ОКЗ;Численность\n"
        "2024;Альфа;2512;1 210\n2025;Альфа;2512;1 250\n2024;Бета;2512;30\n2025;Бета;2512;31\n",
        encoding="cp1251",
    )
    by_header = sf.load_csv(path, keys=["Работодатель", "Код ОКЗ"])
    mixed = sf.load_csv(path, columns={"Год": "ds", "Численность": "y"}, keys=["employer", "Код ОКЗ"])
    assert by_header["unique_id"].unique().tolist() == ["Альфа/2512", "Бета/2512"]
    pd.testing.assert_frame_equal(by_header, mixed)
    excel = statistics_sheet(tmp_path / "staff.xlsx")
    panel = sf.load_excel(excel, keys=["Код ОКЗ", "Профессия"])
    assert panel["unique_id"].iloc[0] == "2512/Разработчики ПО"
    with pytest.raises(sf.SchemaError, match=r"key column\(s\) \['Код ОКВЭД'\] are not in the file"):
        sf.load_csv(path, keys=["Работодатель", "Код ОКВЭД"])


def test_a_wide_csv_whose_row_labels_hold_commas_is_read_with_its_semicolons(tmp_path):
    path = tmp_path / "industries.csv"
    path.write_text(
        "Среднегодовая численность работников по видам деятельности, тыс. чел.;;;\n"
        "Вид деятельности;2022;2023;2024\n"
        "Деятельность в области информации и связи, всего;12,3;12,9;13,4\n"
        "Разработка компьютерного программного обеспечения, консультационные услуги;5,1;5,6;6,0\n"
        "Деятельность в сфере телекоммуникаций;4,2;4,1;4,0\n",
        encoding="cp1251",
    )
    panel = sf.load_csv(path)
    assert panel["unique_id"].nunique() == 3
    assert sorted(panel.loc[panel["ds"].dt.year == 2024, "y"]) == [4.0, 6.0, 13.4]


def test_rows_that_do_not_split_name_the_separator_and_how_to_pass_another(tmp_path, capsys):
    from staffing_forecast.cli import main

    path = tmp_path / "staff.csv"
    path.write_text("ОКЗ,2024,2025\n2512,10,12\nРазработчики, тестировщики,3,4\n", encoding="utf-8")
    message = r"with the separator ',' \(detected from the first lines\), the rows do not split .*pass sep=';'"
    with pytest.raises(sf.SchemaError, match=message):
        sf.load_csv(path)
    assert main(["forecast", str(path), "--h", "1", "--out", str(tmp_path / "f.csv")]) == 2
    assert 'pass --sep ";" or --sep tab;' in capsys.readouterr().err
    path.write_text("ОКЗ\t2024\t2025\n2512\t10\t12\n2514\t3\t4\n", encoding="utf-8")
    assert main(["forecast", str(path), "--h", "1", "--sep", "tab", "--out", str(tmp_path / "f.csv")]) == 0


def test_a_total_row_in_a_wide_workbook_is_set_aside_and_checked(tmp_path):
    path = statistics_sheet(tmp_path / "staff.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active.append(["Итого", None, 1922.5, 1980, 2052, 2121, 2189, 2277])  # as Excel's SUM row saves it
    book.save(path)
    with pytest.warns(sf.DataWarning) as caught:
        panel = sf.load_excel(path)
    assert panel["unique_id"].nunique() == 3 and not panel["unique_id"].str.contains("Итого").any()
    message = str(caught[0].message)
    assert "staff.xlsx, row 8: 'Итого' is a total row, set aside" in message
    assert "it equals the sum of the other rows in every period" in message
    aside = sf.totals(panel)
    assert aside["row"].unique().tolist() == [8] and aside["equal"].all() and len(aside) == 6
    assert aside.loc[aside["ds"].dt.year == 2024, "sum"].item() == 1460 + 377 + 440
    assert sf.totals(sf.aggregate(panel, by=["occupation"])).empty  # a new frame: no rows were set aside from it


def test_a_total_row_of_a_long_csv_names_the_periods_it_disagrees_in(tmp_path, capsys):
    from staffing_forecast.cli import main

    path = tmp_path / "staff.csv"
    path.write_text(
        "Численность работников, чел.;;;\nГод;Работодатель;Код ОКЗ;Численность\n"
        "2024;Альфа;2512;1 210\n2025;Альфа;2512;1 250\n2024;Бета;2512;30\n2025;Бета;2512;31\n"
        "2024;ВСЕГО:;;1 240\n2025;ВСЕГО:;;1 290\n",
        encoding="cp1251",
    )
    with pytest.warns(sf.DataWarning, match=r"staff.csv, row 8: 'ВСЕГО:' is a total row.*2025: 1290 against 1281"):
        panel = sf.load_csv(path)
    assert sorted(panel["unique_id"].unique()) == ["Альфа/2512", "Бета/2512"]
    assert sf.totals(panel)["equal"].tolist() == [True, False]
    with pytest.raises(sf.SchemaError, match=r"row 7, column 'Работодатель': 'ВСЕГО:' is a total row; remove it"):
        sf.load_csv(path, totals="error")
    wide = tmp_path / "wide.csv"
    wide.write_text("Профессия;2024;2025\nРазработчики;10;12\nТестировщики;3;4\nИтого;13;16\n", encoding="cp1251")
    assert sf.load_csv(wide, totals="keep")["unique_id"].nunique() == 3
    assert main(["forecast", str(path), "--h", "1", "--models", "naive", "--out", str(tmp_path / "f.csv")]) == 0
    captured = capsys.readouterr()
    assert "for 2 series" in captured.out and "'ВСЕГО:' is a total row, set aside" in captured.err
