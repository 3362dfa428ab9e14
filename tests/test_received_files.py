"""Files as economists receive and save them: title rows, merged two-row headers, `;`, decimal commas, cp1251."""

from __future__ import annotations

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
    with pytest.raises(sf.SchemaError, match=r"staff.csv, row 3, column 'y': value 'x' is not a number"):
        sf.load_csv(path, columns={"Год": "ds", "ОКЗ": "occupation", "Численность": "y"})


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
