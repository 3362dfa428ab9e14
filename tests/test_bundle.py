"""Bundles: the demo cluster, folder round trips, and table-level checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import staffing_forecast as sf


def test_demo_is_documented_size_and_reproducible(demo):
    assert demo.employment["employer"].nunique() == 40
    assert demo.employment["occupation"].nunique() >= 12
    assert demo.institutions["institution"].nunique() == 8
    assert demo.employment["ds"].dt.year.agg(["min", "max"]).tolist() == [2012, 2025]
    assert demo.drivers["ds"].dt.year.max() == 2032
    assert set(demo.plans["kind"]) == {"fact", "estimate", "plan"}
    assert demo.plans["vintage"].nunique() >= 5
    assert sf.datasets.make_cluster() == demo
    assert "synthetic" in demo.description


def test_demo_tables_are_consistent(demo):
    g = demo.graduates
    assert (g["graduates"] >= g["employed"]).all() and (
        g["employed_in_field"] >= g["employed_in_field_in_region"]
    ).all()
    assert np.allclose(demo.crosswalk.groupby("occupation")["share"].sum(), 1.0)
    offered = set(zip(demo.institutions["specialty"], demo.institutions["level"], strict=True))
    assert set(zip(demo.crosswalk["specialty"], demo.crosswalk["level"], strict=True)) <= offered
    assert (demo.employment["y"] == 0).any(), "small employers should give intermittent series"
    # Annual averages are the rounded means of the quarters.
    q = sf.to_annual(demo.employment_quarterly, "stock")
    merged = q.merge(demo.employment, on=["unique_id", "ds"], suffixes=("_q", ""))
    assert (merged["y"] - merged["y_q"]).abs().max() <= 0.5


def test_plans_are_optimistic_on_average(demo):
    plans = demo.plans[demo.plans["kind"] == "plan"]
    actual = demo.employment[["unique_id", "ds", "y"]]
    plans = plans.assign(unique_id=sf.make_unique_id(plans, ["region", "sector", "employer", "occupation"]))
    joined = plans.merge(actual, on=["unique_id", "ds"])
    assert joined["value"].sum() > joined["y"].sum()


def test_load_demo_returns_independent_copies():
    first = sf.datasets.load_demo()
    first.employment.loc[0, "y"] = -1
    assert sf.datasets.load_demo().employment.loc[0, "y"] >= 0


def test_make_cluster_scales():
    big = sf.datasets.make_cluster(n_employers=200, years=(2015, 2025), seed=7)
    assert big.employment["unique_id"].nunique() > 1000
    with pytest.raises(sf.ConfigError, match="at least 6 years"):
        sf.datasets.make_cluster(years=(2020, 2022))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_bundle_round_trip(tmp_path, demo, fmt):
    sf.write_bundle(demo, tmp_path, format=fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.{fmt}" for name in demo.tables())
    assert sf.load_bundle(tmp_path) == demo


def test_load_bundle_problems(tmp_path, demo):
    small = sf.Bundle(
        employment=demo.employment.head(20), graduates=demo.graduates.head(5), crosswalk=demo.crosswalk
    )
    sf.write_bundle(small, tmp_path)
    assert sf.load_bundle(tmp_path).vacancies is None
    (tmp_path / "employmnet.csv").write_text("x\n1\n")
    grads = pd.read_csv(tmp_path / "graduates.csv", dtype=str)
    grads.loc[1, "employed"] = str(int(grads.loc[1, "graduates"]) + 1)
    grads.to_csv(tmp_path / "graduates.csv", index=False)
    cw = pd.read_csv(tmp_path / "crosswalk.csv", dtype=str)
    cw.loc[0, "share"] = "1.5"
    cw.to_csv(tmp_path / "crosswalk.csv", index=False)
    with pytest.raises(sf.SchemaError) as info:
        sf.load_bundle(tmp_path)
    message = str(info.value)
    assert "employmnet.csv: not a bundle table; did you mean 'employment'" in message
    assert "graduates.csv, row 3, column 'employed': employed" in message and "exceeds graduates" in message
    assert "crosswalk.csv, row 2, column 'share': share '1.5' is outside 0–1" in message


def test_crosswalk_rows_must_sum_to_one(tmp_path):
    path = tmp_path / "crosswalk.csv"
    path.write_text("occupation,specialty,level,share\n2512,09.03.04,bachelor,0.5\n2512,09.02.07,spo9,0.3\n")
    with pytest.raises(sf.SchemaError, match=r"occupation 2512 \(rows \[2, 3\]\) sum to 0.8, not 1"):
        sf.load_table(path, "crosswalk")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C01,09.02.99,spo9,2024,5,4,3,2", r"unknown ФГОС specialty code '09.02.99'; did you mean"),
        (
            "C01,09.03.04,spo9,2024,5,4,3,2",
            r"specialty 09.03.04 is a bachelor program, so its level must be one of "
            r"\['bachelor'\], not 'spo9'",
        ),
        ("C01,09.02.07,college,2024,5,4,3,2", "unknown level 'college'"),
        (
            "C01,09.02.07,spo9,2024,5,4,3,4",
            r"employed_in_field_in_region \(4\) exceeds employed_in_field \(3\)",
        ),
    ],
)
def test_graduate_table_errors(tmp_path, row, message):
    path = tmp_path / "graduates.csv"
    path.write_text(
        "institution,specialty,level,year,graduates,employed,employed_in_field,"
        f"employed_in_field_in_region\n{row}\n"
    )
    with pytest.raises(sf.SchemaError, match=rf"graduates.csv, row 2, column '\w+': .*{message}"):
        sf.load_graduates(path)


def test_rating_outside_scale(tmp_path):
    path = tmp_path / "satisfaction.csv"
    path.write_text(
        "employer,institution,specialty,level,year,graduates_hired,rating\nE1,C01,09.02.07,spo9,2024,2,7\n"
        "E2,C01,09.02.07,spo9,2024,1,\n"
    )
    with pytest.raises(sf.SchemaError, match="row 2, column 'rating': rating '7' is outside 1–5"):
        sf.load_table(path, "satisfaction")
    path.write_text(
        "employer,institution,specialty,level,year,graduates_hired,rating\nE2,C01,09.02.07,spo9,2024,1,\n"
    )
    assert sf.load_table(path, "satisfaction")["rating"].isna().all()


def test_unknown_table_and_missing_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("institution,specialty,level,year,graduates,employed\nC01,09.02.07,spo9,2024,5,4\n")
    with pytest.raises(sf.ConfigError, match="unknown table 'graduate'; did you mean 'graduates'"):
        sf.load_table(path, "graduate")
    with pytest.raises(
        sf.SchemaError, match=r"missing column\(s\) \['employed_in_field', 'employed_in_field_in_region'\]"
    ):
        sf.load_graduates(path)


def test_summary(demo):
    summary = demo.summary()
    assert summary.loc["employment_quarterly", "first"] == "2012Q1"
    assert summary.loc["employment", "series"] == demo.employment["unique_id"].nunique()


def test_load_bundle_reads_only_the_tables_asked_for_but_checks_every_name(tmp_path):
    demo = sf.datasets.load_demo()
    sf.write_bundle(demo, tmp_path, format="parquet")
    bundle = sf.load_bundle(tmp_path, tables=["vacancies"])
    assert bundle.vacancies is not None and bundle.employment is not None  # employment always
    assert bundle.plans is None and bundle.hires is None
    pd.testing.assert_frame_equal(bundle.vacancies, demo.vacancies)
    with pytest.raises(
        sf.ConfigError, match=r"tables=\['vacancy'\] are not bundle tables; did you mean 'vacancies'"
    ):
        sf.load_bundle(tmp_path, tables=["vacancy"])
    (tmp_path / "hires.parquet").rename(tmp_path / "hire.parquet")
    with pytest.raises(sf.SchemaError, match="hire.parquet: not a bundle table"):
        sf.load_bundle(tmp_path, tables=["vacancies"])
