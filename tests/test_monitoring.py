"""Monitoring indicators: hand-computed examples, interval coverage by simulation, invariants, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import staffing_forecast as sf
from staffing_forecast.monitoring import (
    graduate_outcomes,
    institution_scores,
    outcome_trends,
    proportion_interval,
    quota_shares,
    satisfaction,
)
from staffing_forecast.report.labels import known_columns

from .strategies import graduates_tables

COUNTS = ["graduates", "employed", "employed_in_field", "employed_in_field_in_region"]


def grads(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["institution", "specialty", "level", "year", *COUNTS])


def answers(rows: list[tuple]) -> pd.DataFrame:
    columns = ["employer", "institution", "specialty", "level", "year", "graduates_hired", "rating"]
    return pd.DataFrame(rows, columns=columns)


# --- proportion intervals ------------------------------------------------------------------------------------


def test_wilson_interval_matches_the_formula_by_hand():
    # x = 5, n = 10, z = 1.959964: centre (x + z²/2)/(n + z²) = 0.5, half-width z·sqrt(n·p·q + z²/4)/(n + z²).
    z = 1.959964
    half = z * np.sqrt(10 * 0.25 + z**2 / 4) / (10 + z**2)
    lo, hi = proportion_interval([5], [10], method="wilson")
    assert lo[0] == pytest.approx(0.5 - half, abs=1e-6)
    assert hi[0] == pytest.approx(0.5 + half, abs=1e-6)


def test_jeffreys_interval_is_the_beta_quantiles_with_the_boundary_rule():
    from scipy import stats

    lo, hi = proportion_interval([3, 0, 10], [10, 10, 10])
    assert lo[0] == pytest.approx(stats.beta.ppf(0.025, 3.5, 7.5))
    assert hi[0] == pytest.approx(stats.beta.ppf(0.975, 3.5, 7.5))
    assert lo[1] == 0.0 and hi[1] == pytest.approx(stats.beta.ppf(0.975, 0.5, 10.5))
    assert hi[2] == 1.0


def test_zero_trials_give_no_interval_and_bad_counts_are_refused():
    lo, hi = proportion_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    with pytest.raises(sf.ConfigError, match="between 0 and its trials"):
        proportion_interval([11], [10])
    with pytest.raises(sf.ConfigError, match="unknown interval method"):
        proportion_interval([1], [10], method="wald")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["jeffreys", "wilson"])
def test_95_percent_intervals_cover_the_true_rate_in_93_to_97_percent_of_cohorts(method):
    rng = np.random.default_rng(2025)
    sizes = rng.integers(15, 120, size=2000)  # cohorts of a regional college or university program
    truth = 0.68
    employed = rng.binomial(sizes, truth)
    lo, hi = proportion_interval(employed, sizes, 95, method)
    coverage = np.mean((lo <= truth) & (truth <= hi))
    assert 0.93 <= coverage <= 0.97


# --- graduate outcomes ---------------------------------------------------------------------------------------


def test_outcomes_pool_institutions_and_chain_the_rates():
    table = grads(
        [
            ("C01", "09.02.07", "spo9", 2025, 20, 15, 10, 8),
            ("C02", "09.02.07", "spo9", 2025, 10, 9, 6, 3),
            ("C02", "09.02.07", "spo9", 2024, 4, 0, 0, 0),
        ]
    )
    out = graduate_outcomes(table, min_graduates=10).set_index("year")
    assert out.loc[2025, ["graduates", "employed"]].tolist() == [30, 24]
    assert out.loc[2025, "p_emp"] == pytest.approx(24 / 30)
    assert out.loc[2025, "p_field"] == pytest.approx(16 / 24)
    assert out.loc[2025, "p_region"] == pytest.approx(11 / 16)
    assert out.loc[2024, "p_emp"] == 0.0
    assert np.isnan(out.loc[2024, "p_field"]) and np.isnan(out.loc[2024, "p_field_lo"])  # nobody employed
    assert out["too_few"].tolist() == [True, False]


def test_window_pools_blocks_ending_at_the_last_year():
    table = grads([("C01", "09.02.07", "spo9", year, 10, 5, 5, 5) for year in range(2019, 2026)])
    out = graduate_outcomes(table, window=3)
    assert out[["first_year", "year", "graduates"]].values.tolist() == [
        [2019, 2019, 10],
        [2020, 2022, 30],
        [2023, 2025, 30],
    ]


def test_outcome_groups_and_years_are_checked():
    table = grads([("C01", "09.02.07", "spo9", 2025, 10, 5, 5, 5)])
    with pytest.raises(sf.ConfigError, match="cannot group by 'specialy'; did you mean 'specialty'"):
        graduate_outcomes(table, by="specialy")
    with pytest.raises(sf.ConfigError, match=r"none of the years \[2030\] is in the data; it has \[2025\]"):
        graduate_outcomes(table, years=[2030])
    with pytest.raises(sf.ConfigError, match="window"):
        graduate_outcomes(table, window=0)


@settings(max_examples=60, deadline=None)
@given(graduates_tables(), st.integers(1, 4))
def test_rates_stay_in_0_1_and_inside_their_intervals(table, window):
    out = graduate_outcomes(table, ["institution", "specialty", "level"], window=window)
    for rate in ("p_emp", "p_field", "p_region"):
        known = out[out[rate].notna()]
        assert known[rate].between(0, 1).all()
        assert (known[f"{rate}_lo"] <= known[rate] + 1e-12).all()
        assert (known[rate] <= known[f"{rate}_hi"] + 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(
    graduates_tables(),
    st.integers(1, 5),
    st.sampled_from([("specialty", "level"), ("institution",), ("level",)]),
)
def test_pooling_never_changes_totals(table, window, by):
    out = graduate_outcomes(table, by, window=window)
    assert out[COUNTS].sum().tolist() == table[COUNTS].sum().tolist()


@settings(max_examples=40, deadline=None)
@given(graduates_tables(), st.randoms(use_true_random=False))
def test_outcomes_do_not_depend_on_row_order(table, random):
    order = list(table.index)
    random.shuffle(order)
    shuffled = table.loc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(graduate_outcomes(table, window=2), graduate_outcomes(shuffled, window=2))


def test_more_employed_than_graduates_is_an_error_naming_the_row():
    table = grads(
        [("C01", "09.02.07", "spo9", 2025, 10, 5, 5, 5), ("C01", "09.02.07", "spo9", 2024, 10, 12, 5, 5)]
    )
    with pytest.raises(
        sf.SchemaError, match=r"graduates, index 1, column 'employed': employed \(12\) exceeds graduates"
    ):
        graduate_outcomes(table)


def test_unknown_specialty_is_an_error_naming_the_row():
    table = grads([("C01", "09.02.77", "spo9", 2025, 10, 5, 5, 5)])
    with pytest.raises(
        sf.SchemaError, match=r"index 0, column 'specialty': unknown ФГОС specialty code '09.02.77'"
    ):
        graduate_outcomes(table)


# --- trends ----------------------------------------------------------------------------------------------------


def test_trend_slope_matches_numpy_weighted_fit():
    rates = [0.60, 0.66, 0.61, 0.72, 0.70]
    sizes = [50, 80, 40, 100, 60]
    rows = [
        ("C01", "09.02.07", "spo9", 2021 + i, n, round(r * n), 0, 0)
        for i, (r, n) in enumerate(zip(rates, sizes, strict=True))
    ]
    table = grads(rows)
    row = outcome_trends(table).set_index("rate").loc["p_emp"]
    p = np.array([round(r * n) / n for r, n in zip(rates, sizes, strict=True)])
    slope = np.polyfit(np.arange(2021, 2026), p, 1, w=np.sqrt(sizes))[0]  # polyfit weights multiply residuals
    assert row["slope"] == pytest.approx(slope)
    assert row["first"] == p[0] and row["last"] == p[-1] and row["change"] == pytest.approx(p[-1] - p[0])
    # The two-sided t-test of the slope of statsmodels' weighted least squares, weights = graduates.
    reference = sm.WLS(p, sm.add_constant(np.arange(2021.0, 2026.0)), weights=sizes).fit()
    assert reference.params[1] == pytest.approx(slope)
    assert row["p_value"] == pytest.approx(reference.pvalues[1])  # 0.1401


def test_flat_and_short_series_are_labelled():
    flat = grads(
        [
            ("C01", "09.02.07", "spo9", y, 100, e, 0, 0)
            for y, e in zip(range(2020, 2026), [70, 72, 69, 71, 70, 70], strict=True)
        ]
    )
    assert outcome_trends(flat).set_index("rate").loc["p_emp", "trend"] == "flat"
    short = grads([("C01", "09.02.07", "spo9", y, 100, 70, 50, 40) for y in (2024, 2025)])
    row = outcome_trends(short).set_index("rate").loc["p_emp"]
    assert row["trend"] == "too_short" and row["change"] == 0.0 and np.isnan(row["p_value"])


# --- satisfaction ---------------------------------------------------------------------------------------------


def test_satisfaction_index_is_weighted_by_graduates_hired():
    table = answers(
        [
            ("E1", "C01", "09.02.07", "spo9", 2025, 3, 5),
            ("E2", "C01", "09.02.07", "spo9", 2025, 1, 2),
            ("E3", "C01", "09.02.07", "spo9", 2025, 2, None),
            ("E4", "C01", "09.02.07", "spo9", 2025, 0, 1),  # hired nobody: carries no weight
            ("E1", "C02", "09.02.07", "spo9", 2025, 2, 4),
        ]
    )
    out = satisfaction(table).set_index("institution")
    c01 = out.loc["C01"]
    assert c01["index"] == pytest.approx((3 * 5 + 1 * 2) / 4)
    assert c01["satisfied"] == pytest.approx(3 / 4)
    assert (c01["answers"], c01["no_answer"], c01["employers"], c01["graduates_hired"]) == (2, 1, 2, 6)
    assert c01["response_rate"] == pytest.approx(4 / 6)
    assert c01["index_lo"] <= c01["index"] <= c01["index_hi"]
    c02 = out.loc["C02"]
    assert c02["index"] == 4.0 and np.isnan(c02["index_lo"])  # one answer: no interval
    assert out["too_few"].all()


def test_satisfaction_bootstrap_is_reproducible_and_order_free(demo):
    first = satisfaction(demo, seed=3)
    shuffled = demo.satisfaction.sample(frac=1, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, satisfaction(shuffled, seed=3))
    assert (first["index_lo"] <= first["index"]).all() and (first["index"] <= first["index_hi"]).all()
    assert first["index"].between(1, 5).all()


def test_rating_outside_1_to_5_is_an_error_naming_the_row():
    table = answers(
        [("E1", "C01", "09.02.07", "spo9", 2025, 3, 5), ("E2", "C01", "09.02.07", "spo9", 2025, 1, 7)]
    )
    with pytest.raises(
        sf.SchemaError, match=r"satisfaction, index 1, column 'rating': rating '7' is outside 1–5"
    ):
        satisfaction(table)


# --- institution scores and quota shares ----------------------------------------------------------------------


def test_scores_combine_components_and_name_the_missing_ones():
    table = grads(
        [
            ("C01", "09.02.07", "spo9", 2025, 100, 80, 40, 20),
            ("C02", "09.02.07", "spo9", 2025, 50, 0, 0, 0),
        ]
    )
    sat = answers([("E1", "C01", "09.02.07", "spo9", 2025, 2, 4)])
    out = institution_scores(table, sat).set_index("institution")
    assert out.loc["C01", "satisfaction"] == pytest.approx(0.75)
    assert out.loc["C01", "score"] == pytest.approx((0.8 + 0.5 + 0.5 + 0.75) / 4)
    # C02: nobody employed, so only p_emp (0) is known; p_field, p_region and satisfaction are missing.
    assert out.loc["C02", "score"] == 0.0
    assert out.loc["C02", "missing"] == "p_field, p_region, satisfaction"
    weighted = institution_scores(table, sat, weights={"p_emp": 1, "satisfaction": 3}).set_index(
        "institution"
    )
    assert weighted.loc["C01", "score"] == pytest.approx((0.8 + 3 * 0.75) / 4)
    with pytest.raises(sf.ConfigError, match="unknown weight"):
        institution_scores(table, sat, weights={"salary": 1})


def test_quota_shares_completion_follows_the_cohort_and_falls_back_to_reference():
    # 09.02.07 spo9 full-time lasts 3 y 10 m, so 2024 graduates were admitted in 2020; part-time (4 y 10 m) in 2019.
    table = grads([("C01", "09.02.07", "spo9", 2024, 90, 72, 36, 18)])
    intake = pd.DataFrame(
        [
            ("C01", "09.02.07", "spo9", "full_time", 2020, 100, 10),
            ("C01", "09.02.07", "spo9", "part_time", 2019, 10, 0),
            ("C01", "09.02.07", "spo9", "full_time", 2021, 500, 0),  # graduates in 2025: outside the years
        ],
        columns=["institution", "specialty", "level", "form", "year", "budget", "paid"],
    )
    programs = pd.DataFrame({"specialty": ["09.02.07", "09.03.04"], "level": ["spo9", "bachelor"]})
    out = quota_shares(table, intake, programs=programs, years=[2024]).set_index("specialty")
    assert out.loc["09.02.07", "completion"] == pytest.approx(90 / 120)
    assert out.loc["09.02.07", "p_emp"] == pytest.approx(0.8)
    assert out.loc["09.02.07", "source_completion"] == "monitoring"
    defaults = sf.reference.outcome_defaults().set_index("level").loc["bachelor"]
    assert out.loc["09.03.04", "p_region"] == defaults["p_region"]
    assert out.loc["09.03.04", "source_p_region"] == "reference"
    assert "p_region: no data, reference value" in out.loc["09.03.04", "note"]


def test_completion_above_one_is_capped_and_said():
    table = grads([("C01", "09.02.07", "spo9", 2024, 130, 72, 36, 18)])
    intake = pd.DataFrame(
        [("C01", "09.02.07", "spo9", "full_time", 2020, 100, 10)],
        columns=["institution", "specialty", "level", "form", "year", "budget", "paid"],
    )
    out = quota_shares(table, intake, years=[2024]).iloc[0]
    assert out["completion"] == 1.0 and "capped at 1" in out["note"]


def test_quota_shares_of_the_demo_come_from_monitoring(demo):
    out = quota_shares(demo, programs=demo.crosswalk)
    assert set(out["source_completion"]) == {"monitoring"}
    for share in ("completion", "p_emp", "p_field", "p_region"):
        assert out[share].between(0, 1).all()
        assert (out[f"{share}_lo"] <= out[share]).all() and (out[share] <= out[f"{share}_hi"]).all()


# --- report ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "first_header"), [("ru", "Код специальности"), ("en", "Specialty code")])
def test_monitoring_report_writes_every_sheet_with_labelled_headers(demo, tmp_path, lang, first_header):
    path = sf.report.monitoring_workbook(demo, tmp_path / "monitoring.xlsx", lang=lang)
    book = load_workbook(path)
    assert len(book.sheetnames) == 7
    first = book.worksheets[0]
    assert first["A1"].value == first_header
    assert first.freeze_panes == "A2"
    assert first["J2"].number_format == "0.0%"  # p_emp, after the names, years and four counts
    assert first["F2"].number_format == "#,##0"
    for ws in book.worksheets:
        labels = [cell.value for cell in ws[1]]
        assert not set(labels) & known_columns(), f"{ws.title}: untranslated headers"


def test_the_trends_sheet_says_its_years_and_changes_in_plain_russian(demo, tmp_path):
    path = sf.report.monitoring_workbook(demo, tmp_path / "monitoring.xlsx")
    headers = [cell.value for cell in load_workbook(path)["Динамика"][1]]
    assert headers == [
        "Код специальности", "Специальность", "Уровень образования", "Показатель", "Первый год",
        "Последний год", "Лет с данными", "Доля в первый год", "Доля в последний год",
        "Изменение доли за период", "Изменение доли за год (тренд)", "Уровень значимости (p)", "Вывод",
    ]  # fmt: skip


def test_monitoring_report_leaves_no_partial_file_when_it_fails(demo, tmp_path):
    path = tmp_path / "monitoring.xlsx"
    path.write_text("the previous report")
    broken = sf.Bundle(
        employment=demo.employment, graduates=demo.graduates.assign(employed=demo.graduates["graduates"] + 1)
    )
    with pytest.raises(sf.SchemaError):
        sf.report.monitoring_workbook(broken, path)
    assert path.read_text() == "the previous report"
    assert list(tmp_path.iterdir()) == [path]
