"""Loaders: formats, round trips, and a clear error for every kind of bad input."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import staffing_forecast as sf

from .strategies import employment_frames

KEYS = ["region", "sector", "employer", "occupation"]


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_long_csv_with_rename_and_semicolons(tmp_path):
    path = write(
        tmp_path, "staff.csv", "Год;ОКЗ;Работодатель;Численность\n2024;2512;E1;1 234\n2025;2512;E1;1 300\n"
    )
    panel = sf.load_csv(
        path,
        columns={"Год": "ds", "ОКЗ": "occupation", "Работодатель": "employer", "Численность": "y"},
        keys=["employer", "occupation"],
    )
    assert panel["unique_id"].unique().tolist() == ["E1/2512"]
    assert panel["y"].tolist() == [1234.0, 1300.0]


def test_wide_csv_in_cp1251_with_blank_cells(tmp_path):
    path = write(
        tmp_path,
        "wide.csv",
        "employer;occupation;2023;2024;2025\nE1;2512;;5;6\nE2;2514;1;2;3\n",
        encoding="cp1251",
    )
    panel = sf.load_csv(path)
    assert panel.groupby("unique_id").size().to_dict() == {"E1/2512": 2, "E2/2514": 3}


def test_decimal_commas_where_allowed(tmp_path):
    path = write(tmp_path, "drivers.csv", "unique_id;ds;y;wage\na;2024;1;45,5\na;2025;2;1 047,25\n")
    panel = sf.load_csv(path)
    assert panel["wage"].tolist() == [45.5, 1047.25]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12,5", "headcount|value '12,5' is not a whole number of people"),
        ("-3", "'-3' is negative"),
        ("много", "'много' is not a number"),
        ("", "is empty"),
    ],
)
def test_bad_head_counts_name_file_row_and_column(tmp_path, cell, message):
    path = write(tmp_path, "staff.csv", f"employer;occupation;ds;y\nE1;2512;2024;10\nE1;2512;2025;{cell}\n")
    with pytest.raises(sf.SchemaError, match=rf"staff.csv, row 3, column 'y': .*({message})"):
        sf.load_csv(path, whole=True)


def test_all_bad_cells_reported_at_once(tmp_path):
    path = write(tmp_path, "staff.csv", "employer,occupation,ds,y\nE1,2512,2024,x\nE1,2512,2025,-1\n")
    with pytest.raises(sf.SchemaError, match=r"2 problems found:(.|\n)*row 2(.|\n)*row 3"):
        sf.load_csv(path)


def test_misspelled_column_suggests_the_right_one(tmp_path):
    path = write(tmp_path, "staff.csv", "employer,occupation,year,y\nE1,2512,2024,1\n")
    with pytest.raises(
        sf.SchemaError,
        match=r"staff.csv: column\(s\) \['Year'\] named in columns= are not in the "
        r"file; did you mean 'year'\?",
    ):
        sf.load_csv(path, columns={"Year": "ds"})
    with pytest.raises(sf.SchemaError, match="no date column 'ds'.*columns="):
        sf.load_csv(path)


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(sf.SchemaError, match=r"empty.csv: the file is empty \(0 bytes\)"):
        sf.load_csv(write(tmp_path, "empty.csv", ""))
    with pytest.raises(sf.SchemaError, match="header.csv: the table has a header but no data rows"):
        sf.load_csv(write(tmp_path, "header.csv", "employer,occupation,ds,y\n"))


def test_file_that_is_not_what_its_extension_says(tmp_path):
    fake_xlsx = write(tmp_path, "staff.xlsx", "employer,ds,y\nE1,2024,1\n")
    with pytest.raises(
        sf.SchemaError,
        match=r"staff.xlsx: expected an Excel workbook \(.xlsx\), but the file is a "
        r"text \(CSV\) file. Use load_csv",
    ):
        sf.load_excel(fake_xlsx)
    xlsx = tmp_path / "real.xlsx"
    pd.DataFrame({"employer": ["E1"], "ds": [2024], "y": [1]}).to_excel(xlsx, index=False)
    renamed = tmp_path / "real.csv"
    xlsx.rename(renamed)
    with pytest.raises(
        sf.SchemaError, match="real.csv: expected a text .* but the file is an Excel workbook"
    ):
        sf.load_csv(renamed)
    with pytest.raises(sf.SchemaError, match="expected a Parquet file"):
        sf.load_parquet(fake_xlsx)


def test_excel_wrong_sheet_and_row_numbers(tmp_path):
    path = tmp_path / "staff.xlsx"
    frame = pd.DataFrame(
        {"employer": ["E1", "E1"], "occupation": ["2512", "2512"], "ds": [2024, 2025], "y": [10, "12,5"]}
    )
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="2025", index=False)
    with pytest.raises(sf.SchemaError, match=r"no sheet '2024'; did you mean '2025'\?"):
        sf.load_excel(path, sheet="2024")
    with pytest.raises(
        sf.SchemaError, match=r"staff.xlsx, sheet '2025', row 3, column 'y': .*'12,5' is not a whole"
    ):
        sf.load_excel(path, sheet="2025", whole=True)


def test_unknown_occupation_code_suggests_close_codes(tmp_path):
    path = write(
        tmp_path, "staff.csv", "employer,occupation,ds,y\nE1,2152,2024,1\nE1,2152,2025,1\nE1,9999,2024,1\n"
    )
    with pytest.raises(
        sf.SchemaError, match=r"row 4, column 'occupation': unknown ОКЗ occupation code '9999'"
    ):
        sf.load_csv(path)


@pytest.mark.parametrize(("value", "message"), [("", "the key value is empty"), ("E/1", "contains '/'")])
def test_bad_key_values(tmp_path, value, message):
    path = write(tmp_path, "staff.csv", f"employer,occupation,ds,y\nE1,2512,2024,1\n{value},2512,2024,1\n")
    with pytest.raises(sf.SchemaError, match=rf"staff.csv, row 3, column 'employer': .*{message}"):
        sf.load_csv(path, keys=["employer", "occupation"])


def test_duplicates_gaps_and_one_row_series(tmp_path):
    dup = write(tmp_path, "dup.csv", "employer,ds,y\nE1,2024,1\nE1,2024,2\n")
    with pytest.raises(
        sf.SchemaError, match=r"dup.csv, series 'E1': 2024-01-01 appears 2 times \(rows \[2, 3\]\)"
    ):
        sf.load_csv(dup)
    gap = write(tmp_path, "gap.csv", "employer,ds,y\nE1,2022,1\nE1,2024,2\n")
    with pytest.raises(sf.SchemaError, match="gap.csv: missing periods inside 1 series"):
        sf.load_csv(gap)
    assert sf.load_csv(gap, gaps="interpolate")["y"].tolist() == [1.0, 1.5, 2.0]
    one = write(tmp_path, "one.csv", "employer,ds,y\nE1,2024,1\nE2,2023,1\nE2,2024,1\n")
    with pytest.raises(sf.SchemaError, match=r"one.csv: 1 series have fewer than 2 observations: 'E1' \(1\)"):
        sf.load_csv(one)
    assert len(sf.load_csv(one, min_length=1)) == 3


def test_text_column_that_is_no_key(tmp_path):
    path = write(tmp_path, "staff.csv", "employer,ds,y,comment\nE1,2024,1,ok\nE1,2025,2,late\n")
    with pytest.raises(sf.SchemaError, match="column 'comment' is neither a key nor numeric"):
        sf.load_csv(path, keys=["employer"])


def test_sqlite_and_duckdb(tmp_path):
    db = tmp_path / "cluster.db"
    with sqlite3.connect(db) as con:
        con.execute("create table staff (employer text, occupation text, year int, headcount int)")
        con.executemany(
            "insert into staff values (?, ?, ?, ?)", [("E1", "2512", 2024, 3), ("E1", "2512", 2025, 4)]
        )
    cols = {"year": "ds", "headcount": "y"}
    from_table = sf.load_sql("staff", f"sqlite:///{db}", columns=cols)
    from_query = sf.load_sql("select * from staff where year >= 2024", f"sqlite:///{db}", columns=cols)
    pd.testing.assert_frame_equal(from_table, from_query)
    with pytest.raises(sf.SchemaError, match=r"table 'staf'.*no such table.*did you mean 'staff'\?"):
        sf.load_sql("staf", f"sqlite:///{db}")
    import duckdb

    duck = tmp_path / "cluster.duckdb"
    with duckdb.connect(str(duck)) as con:
        con.execute(
            "create table staff as select * from (values ('E1', '2512', 2024, 3), ('E1', '2512', 2025, 4)) "
            "t(employer, occupation, year, headcount)"
        )
    pd.testing.assert_frame_equal(sf.load_sql("staff", f"duckdb:///{duck}", columns=cols), from_table)
    with pytest.raises(sf.ConfigError, match="is not a database URL"):
        sf.load_sql("staff", "cluster.db")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.filterwarnings(
    "ignore::staffing_forecast.DataWarning"
)  # random counts jump; the property is the trip
@given(frame=employment_frames())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip(tmp_path, fmt, frame):
    frame = frame.assign(unique_id=sf.make_unique_id(frame, KEYS))[["unique_id", "ds", "y", *KEYS]]
    expected = sf.check_panel(frame)
    path = tmp_path / f"panel.{fmt}"
    written = expected.assign(ds=expected["ds"].dt.strftime("%Y-%m-%d"))
    if fmt == "csv":
        written.to_csv(path, index=False)
        loaded = sf.load_csv(path, keys=KEYS, min_length=1, whole=True)
    elif fmt == "xlsx":
        written.to_excel(path, index=False)
        loaded = sf.load_excel(path, keys=KEYS, min_length=1, whole=True)
    else:
        written.to_parquet(path, index=False)
        loaded = sf.load_parquet(path, keys=KEYS, min_length=1, whole=True)
    pd.testing.assert_frame_equal(loaded[expected.columns], expected, check_dtype=False)
