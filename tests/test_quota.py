"""The quota calculator: the worked example by hand, invariants under hypothesis, and every kind of bad input."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import staffing_forecast as sf
from staffing_forecast.quota import allocate, apportion, compute
from staffing_forecast.report.labels import known_columns

from .quota_example import EXAMPLE_POLICY, example_inputs

# --- the worked example of docs/quota.md, step by step ----------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> sf.quota.QuotaResult:
    return compute(example_inputs(), EXAMPLE_POLICY)


def test_example_openings_match_the_hand_computation(example):
    o = example.openings.set_index(["occupation", "year", "scenario"])
    # Step 1: S = E[t−1] · (exit 0.02 + transfer 0.01 + migrate 0.01); step 2: X = E[t] − E[t−1].
    assert o.loc[("2512", 2029, "base"), "replacement"] == pytest.approx(0.04 * 560)
    assert o.loc[("2512", 2029, "base"), "expansion"] == pytest.approx(20)
    assert o.loc[("2512", 2029, "base"), "openings"] == pytest.approx(42.4)
    assert o.loc[("2512", 2030, "low"), "openings"] == pytest.approx(15 + 0.04 * 560)
    assert o.loc[("2522", 2029, "low"), "openings"] == pytest.approx(-2 + 0.04 * 194)  # 5.76
    assert o.loc[("2522", 2030, "high"), "openings"] == pytest.approx(2 + 0.04 * 208)  # 10.32
    assert o.loc[("2522", 2029, "base"), ["exits", "transfers", "migration"]].tolist() == pytest.approx(
        [4, 2, 2]
    )


def test_example_graduates_wanted_and_need(example):
    n = example.graduates_wanted.set_index(["specialty", "level", "year", "scenario"])["graduates_wanted"]
    # Step 4: N = O_2512 · 0.5 · 0.4 + O_2522 · 0.4 · 1.0 for 09.02.07; N = O_2512 · 0.5 · 0.6 for 09.03.04.
    assert n[("09.02.07", "spo11", 2029, "low")] == pytest.approx(0.2 * 36.8 + 0.4 * 5.76)  # 9.664
    assert n[("09.02.07", "spo11", 2029, "base")] == pytest.approx(11.68)
    assert n[("09.02.07", "spo11", 2030, "high")] == pytest.approx(0.2 * 49 + 0.4 * 10.32)  # 13.928
    assert n[("09.03.04", "bachelor", 2031, "base")] == pytest.approx(0.3 * 44)  # 13.2
    table = example.table.set_index(["specialty", "level", "intake_year"])
    # Step 5: yield = 0.8 · 0.75 · 0.8 · 0.8 = 0.384 and 0.75 · 0.8 · 0.75 · 0.8 = 0.36; step 7: need = N / yield.
    assert table.loc[("09.02.07", "spo11", 2026), "yield"] == pytest.approx(0.384)
    assert table.loc[("09.03.04", "bachelor", 2026), "yield"] == pytest.approx(0.36)
    assert table.loc[("09.02.07", "spo11", 2026), "need"] == pytest.approx(11.68 / 0.384)
    assert table.loc[("09.03.04", "bachelor", 2026), "need"] == pytest.approx(36.0)


def test_example_quota_table_matches_the_hand_computation(example):
    table = example.table.set_index(["specialty", "level", "intake_year"])
    spo_2026 = table.loc[("09.02.07", "spo11", 2026)]
    # Step 8: K0 = need − paid 5 per scenario; step 9: q = 0.5, so the base.
    assert [spo_2026["low"], spo_2026["base"], spo_2026["high"]] == pytest.approx(
        [9.664 / 0.384 - 5, 11.68 / 0.384 - 5, 13.696 / 0.384 - 5]
    )
    assert spo_2026["raw_quota"] == pytest.approx(25.416667, abs=1e-6)
    # Step 10: previous 80 allows 60–100, so 25.42 is raised to 60; 2027 is smoothed against 60: 45–75.
    assert spo_2026["smoothed_quota"] == 60.0 and spo_2026["quota"] == 60
    spo_2027 = table.loc[("09.02.07", "spo11", 2027)]
    assert spo_2027["raw_quota"] == pytest.approx(11.84 / 0.384 - 5)
    assert spo_2027["previous"] == 60 and spo_2027["quota"] == 45
    bachelor_2026 = table.loc[("09.03.04", "bachelor", 2026)]
    assert np.isnan(bachelor_2026["previous"]) and bachelor_2026["quota"] == 26
    bachelor_2027 = table.loc[("09.03.04", "bachelor", 2027)]
    assert bachelor_2027["raw_quota"] == pytest.approx(0.3 * 44 / 0.36 - 10)  # 26.67, within 19.5–32.5
    assert bachelor_2027["quota"] == 27
    assert (example.table["reliability"] == "ok").all()
    assert example.table["decision"].tolist() == ["region", "region", "proposal", "proposal"]


def test_example_allocation_caps_the_college_and_reserves_target_places(example):
    a = example.allocation.set_index(["institution", "specialty", "intake_year"])
    # 2026: weights 1.0 · 25 and 0.5 · 60; C01's share 60 · 25/55 = 27.27 exceeds 25, so it is capped.
    assert a.loc[("C01", "09.02.07", 2026), ["quota", "status"]].tolist() == [25, "capped"]
    assert a.loc[("U01", "09.02.07", 2026), "quota"] == 35
    # 2027: 45 · 25/55 = 20.45 and 24.55; largest remainder gives the extra place to U01.
    assert a.loc[("C01", "09.02.07", 2027), "exact_share"] == pytest.approx(45 * 25 / 55)
    assert a.loc[("C01", "09.02.07", 2027), "quota"] == 20
    assert a.loc[("U01", "09.02.07", 2027), "quota"] == 25
    assert a.loc[("C01", "09.02.07", 2026), "target_quota"] == 5  # 0.2 · 25
    assert a.loc[("U01", "09.02.07", 2026), "target_quota"] == 7  # 0.2 · 35
    assert a.loc[("U01", "09.02.07", 2026), "decision"] == "proposal"


def test_example_explanation_tree_walks_every_step(example):
    tree = example.explain("09.02.07", "spo11", 2026)
    assert tree.value == 60
    assert tree.find("smoothed_quota").value == 60.0
    assert tree.find("raw_quota").value == pytest.approx(25.416667, abs=1e-6)
    base = tree.find("scenario base")
    assert base.find("need").value == pytest.approx(11.68 / 0.384)
    assert base.find("yield").value == pytest.approx(0.384)
    occupation = base.find("occupation 2522")
    assert occupation.value == pytest.approx(8 * 0.4)
    assert occupation.find("replacement").value == pytest.approx(8.0)
    assert [c.step for c in tree.children if c.step.startswith("institution")] == [
        "institution C01",
        "institution U01",
    ]
    parsed = json.loads(tree.to_json())
    assert parsed["step"] == "quota" and parsed["children"][0]["step"] == "smoothed_quota"
    assert "raw_quota" in str(tree)
    with pytest.raises(sf.ConfigError, match="no quota for specialty 09.02.07 \\(spo9\\), intake 2026"):
        example.explain("09.02.07", "spo9", 2026)


def test_explanation_in_russian_for_the_workbook(example):
    tree = example.explain("09.02.07", "spo11", 2027, lang="ru")
    assert (
        tree.find("smoothed_quota").source
        == "шаг 10; предыдущее значение: КЦП после сглаживания на 2026 (до округления и правила минимальной группы)"
    )
    assert "ограничено мощностью" not in tree.find("institution C01").formula  # 2027: C01 is not capped
    assert (
        tree.find("scenario base")
        .find("need")
        .formula.startswith("наибольшее из 0 и (потребность в выпускниках 11.84")
    )
    # Steps, units and sources are Russian too: no English word is left for an official to read.
    assert (tree.step, tree.unit) == ("Рекомендуемые КЦП", "чел.")
    assert tree.find("scenario base").step == "базовый сценарий"
    latin = set(re.findall(r"[A-Za-z]{2,}", str(tree))) - {"E"}
    assert latin == set(), latin
    assert tree.value == example.explain("09.02.07", "spo11", 2027).value
    with pytest.raises(sf.ConfigError, match="unknown language 'de'"):
        example.explain("09.02.07", "spo11", 2027, lang="de")


def test_result_round_trips_to_json_and_frames(example):
    data = json.loads(example.to_json())
    assert [r["quota"] for r in data["table"]] == example.table["quota"].tolist()
    assert data["policy"]["intake_years"] == [2026, 2027]
    frames = example.to_frames()
    assert set(frames) >= {
        "table",
        "allocation",
        "openings",
        "graduates_wanted",
        "coverage",
        "policy",
        "sources",
    }


@pytest.mark.parametrize(
    ("lang", "header"), [("ru", "Рекомендуемые КЦП, мест"), ("en", "Recommended quota, places")]
)
def test_quota_workbook_is_readable_without_python(example, tmp_path, lang, header):
    path = sf.report.quota_workbook(example, tmp_path / "quota.xlsx", lang=lang)
    book = load_workbook(path)
    assert len(book.sheetnames) == 11
    table = book.worksheets[1]
    headers = [c.value for c in table[1]]
    assert header in headers
    assert table.freeze_panes == "A2"
    decision = headers.index("Статус" if lang == "ru" else "Status") + 1
    statuses = {table.cell(row=r, column=decision).value for r in range(2, table.max_row + 1)}
    assert statuses == (
        {"решение региона", "предложение (вуз)"}
        if lang == "ru"
        else {"region's decision", "proposal (university)"}
    )
    for ws in book.worksheets:
        row = 1
        while ws.cell(row=row, column=1).font.italic:  # notes above the table
            row += 2 if not ws.cell(row=row + 1, column=1).font.italic else 1
        labels = {c.value for c in ws[row]}
        assert not labels & (known_columns() - {"value"}), f"{ws.title}: untranslated headers"


# --- policy and inputs ---------------------------------------------------------------------------------------------


def test_every_input_and_policy_field_has_a_default_or_is_required():
    defaults = sf.quota.field_defaults()
    assert [k for k, v in defaults.items() if v == "REQUIRED"] == ["employment", "base_year", "capacity"]
    text = (Path(__file__).parents[1] / "docs" / "quota.md").read_text(encoding="utf-8")
    for name in defaults:
        assert f"`{name}`" in text, f"docs/quota.md does not document Inputs.{name}"
    for name in sf.quota.Policy().to_dict():
        assert f"`{name}`" in text, f"docs/quota.md does not document Policy.{name}"


def test_policy_refuses_inconsistent_settings():
    with pytest.raises(sf.ConfigError, match="0.909 quantile, outside the 0.100–0.900 range"):
        sf.quota.Policy(cost_short=10)
    assert sf.quota.Policy(cost_short=10, interval_level=95).quantile == pytest.approx(10 / 11)
    with pytest.raises(
        sf.ConfigError, match="unknown apportionment method 'hamilton' \\(Hamilton is largest remainder"
    ):
        sf.quota.Policy(apportionment="hamilton")  # type: ignore[arg-type]
    with pytest.raises(sf.ConfigError, match="small_total"):
        sf.quota.Policy(small_total="keep")  # type: ignore[arg-type]


def test_cost_of_shortage_moves_the_recommendation_towards_the_high_scenario(example):
    cautious = compute(example_inputs(), sf.quota.Policy(intake_years=(2026, 2027), cost_short=3)).table
    row = cautious.set_index(["specialty", "level", "intake_year"]).loc[("09.03.04", "bachelor", 2026)]
    # q = 0.75 lies between the median (0.5) and the high scenario's quantile (0.9): 26 + (30.83 − 26) · 0.25/0.4.
    assert row["raw_quota"] == pytest.approx(26 + (0.3 * 49 / 0.36 - 10 - 26) * 0.25 / 0.4)


def test_small_totals_are_dropped_or_raised():
    inputs = example_inputs().replace(previous=None)
    dropped = compute(inputs, sf.quota.Policy(intake_years=(2026,), min_group=30)).table
    assert dropped.set_index("specialty").loc["09.02.07", "quota"] == 0  # 25.4 < 30
    assert dropped.set_index("specialty").loc["09.02.07", "small_total"] == "drop"
    raised = compute(inputs, sf.quota.Policy(intake_years=(2026,), min_group=30, small_total="raise")).table
    assert raised.set_index("specialty").loc["09.02.07", "quota"] == 30


def test_small_occupations_are_merged_into_their_group():
    inputs = example_inputs()
    employment = inputs.employment.astype({"low": float, "base": float, "high": float})
    extra = employment[employment["occupation"] == "2522"].assign(occupation="2521")
    employment = pd.concat([employment.assign(base=lambda d: d["base"]), extra])
    employment.loc[employment["occupation"].isin(["2521", "2522"]), ["low", "base", "high"]] /= (
        10  # 20 people each
    )
    crosswalk = pd.concat(
        [
            inputs.crosswalk,
            inputs.crosswalk[inputs.crosswalk["occupation"] == "2522"].assign(occupation="2521"),
        ]
    )
    result = compute(inputs.replace(employment=employment, crosswalk=crosswalk), EXAMPLE_POLICY)
    assert "252*" in set(result.openings["occupation"])
    assert result.units.loc["252*", "members"] == "2521, 2522"


def test_pipeline_coverage_bands():
    pipeline = pd.DataFrame(
        {"specialty": "09.02.07", "level": "spo11", "year": [2026, 2027, 2028], "graduates": [10, 24, 60]}
    )
    result = compute(example_inputs().replace(pipeline=pipeline), EXAMPLE_POLICY)
    coverage = result.coverage.set_index("year")
    outcome = 0.75 * 0.8 * 0.8
    demand_2026 = result.graduates_wanted.set_index(["specialty", "year", "scenario"]).loc[
        ("09.02.07", 2026, "base"), "graduates_wanted"
    ]
    assert coverage.loc[2026, "ratio"] == pytest.approx(10 * outcome / demand_2026)
    assert coverage["band"].tolist() == ["deficit", "balanced", "surplus"]


# --- from a bundle ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_forecast(demo):
    return sf.forecast(sf.aggregate(demo.employment, by=["occupation"]), h=7, models="naive", level=[80, 95])


def test_from_bundle_takes_shares_and_scores_from_monitoring(demo, demo_forecast):
    inputs = sf.quota.inputs_from_bundle(demo, demo_forecast)
    assert inputs.base_year == 2025
    assert inputs.sources["shares"].startswith("monitoring")
    assert inputs.sources["age_shares"] == "bundle age table, 2025"
    result = compute(inputs)
    assert set(result.table["intake_year"]) == set(range(2026, 2031))
    assert len(result.coverage) > 0
    totals = result.allocation.groupby(["specialty", "level", "intake_year"])["quota"].sum()
    table = result.table.set_index(["specialty", "level", "intake_year"])["quota"]
    assert (totals.reindex(table.index).fillna(0) == table).all()


def test_from_bundle_refuses_a_forecast_without_occupations(demo):
    total = sf.forecast(sf.aggregate(demo.employment, by=[]), h=3, models="naive", level=[80])
    with pytest.raises(sf.ConfigError, match="no occupation keys; the quota needs employment by occupation"):
        sf.quota.inputs_from_bundle(demo, total)


def test_from_bundle_refuses_the_wrong_quantity(demo):
    vacancies = sf.forecast(sf.aggregate(demo.vacancies, by=["occupation"]), h=3, models="naive", level=[80])
    with pytest.raises(sf.ConfigError, match="does not look like a forecast of employment"):
        sf.quota.inputs_from_bundle(demo, vacancies)


def test_from_bundle_needs_the_policy_interval(demo, demo_forecast):
    with pytest.raises(
        sf.ConfigError,
        match=r"lacks \['lo_90', 'hi_90'\]; forecast with level=\[90\] \(it has levels \[80, 95\]\)",
    ):
        sf.quota.inputs_from_bundle(demo, demo_forecast, interval_level=90)


def test_inputs_record_their_interval_level_and_compute_refuses_another(demo, demo_forecast, tmp_path):
    from staffing_forecast.pipeline.inputs import load_inputs, save_inputs

    at_80 = sf.quota.inputs_from_bundle(demo, demo_forecast)
    at_95 = sf.quota.inputs_from_bundle(demo, demo_forecast, interval_level=95)
    assert (at_80.interval_level, at_95.interval_level) == (80, 95)
    # The 95 % bounds are wider, so the low scenario's employment is lower than at 80 %.
    future = at_80.employment["year"] > at_80.base_year
    assert (at_95.employment.loc[future, "low"] < at_80.employment.loc[future, "low"]).all()
    with pytest.raises(
        sf.ConfigError,
        match=r"the policy asks for the 95 % interval, but the inputs' employment bounds are the 80 % interval; "
        r"use Policy\(interval_level=80\)",
    ):
        compute(at_80, sf.quota.Policy(interval_level=95))
    assert compute(at_95, sf.quota.Policy(interval_level=95)).table["quota"].sum() > 0
    assert load_inputs(save_inputs(at_95, tmp_path).parent).interval_level == 95
    with pytest.raises(sf.ConfigError, match="interval_level=100 must be a whole percent"):
        at_80.replace(interval_level=100)


def test_from_bundle_overrides_are_recorded(demo, demo_forecast):
    inputs = sf.quota.inputs_from_bundle(demo, demo_forecast, transfer=0.05)
    assert inputs.transfer == 0.05 and inputs.sources["transfer"] == "given (override)"
    with pytest.raises(sf.ConfigError, match="unknown field"):
        sf.quota.inputs_from_bundle(demo, demo_forecast, transfers=0.05)


# --- bad input -----------------------------------------------------------------------------------------------------


def test_crosswalk_not_summing_to_one_names_the_occupation():
    inputs = example_inputs()
    crosswalk = inputs.crosswalk.assign(share=[0.4, 0.5, 1.0])
    with pytest.raises(sf.ConfigError, match="shares of occupation 2512 sum to 0.9, not 1"):
        compute(inputs.replace(crosswalk=crosswalk), EXAMPLE_POLICY)


def test_occupation_without_crosswalk_names_it():
    inputs = example_inputs()
    with pytest.raises(
        sf.ConfigError, match=r"occupation\(s\) \['2522'\] have employment but no crosswalk row"
    ):
        compute(inputs.replace(crosswalk=inputs.crosswalk.iloc[:2]), EXAMPLE_POLICY)


def test_share_outside_0_1_names_specialty_and_input():
    inputs = example_inputs()
    with pytest.raises(sf.ConfigError, match=r"specialty 09.03.04 \(bachelor\) has p_emp = 1.2, outside 0–1"):
        compute(inputs.replace(shares=inputs.shares.assign(p_emp=[0.75, 1.2])), EXAMPLE_POLICY)
    with pytest.raises(sf.ConfigError, match="transfer: occupation 2512 has -0.1, outside 0–1"):
        compute(inputs.replace(transfer={"2512": -0.1}), EXAMPLE_POLICY)


def test_zero_yield_is_infeasible_naming_the_share():
    inputs = example_inputs()
    with pytest.raises(sf.InfeasibleQuotaError, match=r"specialty 09.02.07 \(spo11\).*because p_region = 0"):
        compute(inputs.replace(shares=inputs.shares.assign(p_region=[0.0, 0.8])), EXAMPLE_POLICY)


def test_capacity_below_the_quota_names_the_institutions():
    inputs = example_inputs()
    capacity = inputs.capacity.assign(capacity=[25, 20, 100])
    with pytest.raises(
        sf.InfeasibleQuotaError,
        match=r"09.02.07 \(spo11\), intake 2026: 60 places, but .* have 45 places .*C01 25, U01 20",
    ):
        compute(inputs.replace(capacity=capacity), EXAMPLE_POLICY)


def test_capacity_below_the_minimum_group_cannot_take_a_group():
    inputs = example_inputs()
    capacity = inputs.capacity.assign(capacity=[10, 60, 100])
    result = compute(inputs.replace(capacity=capacity), EXAMPLE_POLICY)
    row = result.allocation.set_index(["institution", "specialty", "intake_year"]).loc[
        ("C01", "09.02.07", 2026)
    ]
    assert row["quota"] == 0 and row["status"] == "no_capacity"


def test_specialty_without_duration_names_it():
    inputs = example_inputs()
    durations = sf.reference.durations()
    durations = durations[~((durations["specialty"] == "09.03.04") & (durations["level"] == "bachelor"))]
    with pytest.raises(
        sf.ConfigError, match=r"specialty 09.03.04 at level bachelor \(full_time\) has no duration"
    ):
        compute(inputs.replace(durations=durations), EXAMPLE_POLICY)


def test_unreachable_intake_year_is_an_error_only_when_asked_for():
    with pytest.raises(
        sf.ConfigError,
        match=r"09.03.04 \(bachelor\) admitted in 2028 graduates in 2032, after the forecast's last year 2031",
    ):
        compute(example_inputs(), sf.quota.Policy(intake_years=(2028,)))
    short = example_inputs()
    short = short.replace(employment=short.employment[short.employment["year"] <= 2028])
    result = compute(short)  # 3-year programs reach 2028 from no intake year after 2025
    assert result.table.empty
    assert set(result.unreachable["specialty"]) == {"09.02.07", "09.03.04"}


def test_bad_employment_frames_are_named():
    inputs = example_inputs()
    bad = inputs.employment.copy()
    bad.loc[bad.index[3], "low"] = 10**6
    with pytest.raises(sf.ConfigError, match="low ≤ base ≤ high does not hold"):
        compute(inputs.replace(employment=bad), EXAMPLE_POLICY)
    with pytest.raises(sf.ConfigError, match="no value for the base year 2024"):
        compute(
            inputs.replace(base_year=2024, employment=inputs.employment[inputs.employment["year"] != 2024])
        )


# --- invariants ----------------------------------------------------------------------------------------------------

PROGRAMS = [("09.02.07", "spo11"), ("09.02.07", "spo9"), ("09.03.04", "bachelor")]
OCCUPATIONS = ["2512", "2513", "2522"]


@st.composite
def quota_inputs(draw: st.DrawFn) -> sf.quota.Inputs:
    years = list(range(2025, 2033))
    rows = []
    crosswalk = []
    for occupation in draw(st.lists(st.sampled_from(OCCUPATIONS), min_size=1, max_size=3, unique=True)):
        level = draw(st.integers(20, 3000))
        growth = draw(st.floats(-0.05, 0.08))
        spread = draw(st.floats(0.0, 0.1))
        for k, year in enumerate(years):
            base = level * (1 + growth) ** k
            rows.append((occupation, year, base * (1 - spread * k), base, base * (1 + spread * k)))
        weights = draw(st.lists(st.integers(0, 5), min_size=3, max_size=3).filter(lambda w: sum(w) > 0))
        for (specialty, lv), w in zip(PROGRAMS, weights, strict=True):
            if w:
                crosswalk.append((occupation, specialty, lv, w / sum(weights)))
    capacity = []
    for specialty, lv in PROGRAMS:
        for i in range(draw(st.integers(1, 3))):
            capacity.append((f"I{i}", specialty, lv, draw(st.integers(0, 120)), draw(st.floats(0.1, 1.0))))
        capacity.append(
            ("BIG", specialty, lv, 100_000, draw(st.floats(0.1, 1.0)))
        )  # keeps every case feasible
    capacity_frame = pd.DataFrame(
        capacity, columns=["institution", "specialty", "level", "capacity", "score"]
    )
    return sf.quota.Inputs(
        employment=pd.DataFrame(rows, columns=["occupation", "year", "low", "base", "high"]),
        base_year=2025,
        crosswalk=pd.DataFrame(crosswalk, columns=["occupation", "specialty", "level", "share"]),
        capacity=capacity_frame.drop(columns="score"),
        scores=capacity_frame.drop(columns="capacity"),
        vacancies={"2512": draw(st.integers(0, 50))},
        paid=pd.DataFrame(
            {"specialty": ["09.02.07"], "level": ["spo11"], "persons": [draw(st.integers(0, 20))]}
        ),
        previous=pd.DataFrame(
            {"specialty": ["09.03.04"], "level": ["bachelor"], "quota": [draw(st.integers(0, 300))]}
        ),
    )


policies = st.builds(
    sf.quota.Policy,
    min_group=st.integers(1, 25),
    apportionment=st.sampled_from(["largest_remainder", "sainte_lague", "dhondt"]),
    small_total=st.sampled_from(["drop", "raise"]),
    max_change=st.sampled_from([0.1, 0.25, 1.0]),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(quota_inputs(), policies)
def test_allocations_are_whole_within_capacity_and_sum_to_the_quota(inputs, policy):
    result = compute(inputs, policy)
    a = result.allocation
    assert (a["quota"] >= 0).all() and (a["quota"] <= a["capacity"]).all()
    assert ((a["quota"] == 0) | (a["quota"] >= policy.min_group)).all()
    sums = a.groupby(["specialty", "level", "intake_year"])["quota"].sum()
    table = result.table.set_index(["specialty", "level", "intake_year"])["quota"]
    assert (sums.reindex(table.index) == table).all()
    assert (result.table["low"] <= result.table["base"] + 1e-9).all()
    assert (result.table["base"] <= result.table["high"] + 1e-9).all()
    assert ((a["target_quota"] >= 0) & (a["target_quota"] <= a["quota"])).all()


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(quota_inputs(), st.floats(0.5, 50))
def test_more_employment_growth_never_lowers_a_raw_quota(inputs, extra):
    employment = inputs.employment.copy()
    ahead = employment["year"] - inputs.base_year
    for column in ("low", "base", "high"):
        employment[column] = employment[column] + extra * ahead.clip(lower=0)
    before = compute(inputs).table.set_index(["specialty", "level", "intake_year"])["raw_quota"]
    after = compute(inputs.replace(employment=employment)).table.set_index(
        ["specialty", "level", "intake_year"]
    )["raw_quota"]
    assert (after >= before - 1e-9).all()


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(quota_inputs(), st.floats(1.01, 1.5))
def test_a_higher_yield_never_gives_a_higher_raw_quota(inputs, factor):
    base = compute(inputs)
    shares = base.programs[["specialty", "level", "completion", "p_emp", "p_field", "p_region"]]
    better = shares.assign(p_emp=(shares["p_emp"] * factor).clip(upper=1.0))
    after = compute(inputs.replace(shares=better)).table.set_index(["specialty", "level", "intake_year"])[
        "raw_quota"
    ]
    before = compute(inputs.replace(shares=shares)).table.set_index(["specialty", "level", "intake_year"])[
        "raw_quota"
    ]
    assert (after <= before + 1e-9).all()


@settings(max_examples=20, deadline=None)
@given(quota_inputs())
def test_zero_openings_give_zero_need(inputs):
    flat = inputs.employment.copy()
    first = flat[flat["year"] == inputs.base_year].set_index("occupation")["base"]
    for column in ("low", "base", "high"):
        flat[column] = flat["occupation"].map(first)
    no_exits = pd.DataFrame(
        [(y, b, 0.0) for y in range(2026, 2033) for b in sf.reference.AGE_BANDS],
        columns=["year", "age_band", "exit_rate"],
    )
    still = inputs.replace(employment=flat, exit_rates=no_exits, transfer=0.0, migrate=0.0, vacancies=None)
    result = compute(still)
    assert (result.openings["openings"] == 0).all()
    assert (result.table["need"] == 0).all() and (result.table["raw_quota"] == 0).all()


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(quota_inputs(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(inputs, random):
    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        order = list(frame.index)
        random.shuffle(order)
        return frame.loc[order].reset_index(drop=True)

    moved = inputs.replace(
        employment=shuffled(inputs.employment),
        crosswalk=shuffled(inputs.crosswalk),
        capacity=shuffled(inputs.capacity),
        scores=shuffled(inputs.scores),
    )
    first, second = compute(inputs), compute(moved)
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.allocation, second.allocation)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 150), st.floats(0.05, 1.0)), min_size=1, max_size=6),
    st.integers(0, 400),
    st.integers(1, 20),
    st.sampled_from(["largest_remainder", "sainte_lague", "dhondt"]),
)
def test_allocate_respects_capacity_minimum_groups_and_its_guarantee(institutions, total, min_group, method):
    capacity = np.array([c for c, _ in institutions])
    score = np.array([s for _, s in institutions])
    able = [int(c) for c in capacity if c >= min_group]
    # Feasible iff some set of institutions can hold the total: |set| · min_group ≤ total ≤ Σ its capacities.
    feasible = total == 0 or any(
        len(subset) * min_group <= total <= sum(subset)
        for size in range(1, len(able) + 1)
        for subset in itertools.combinations(able, size)
    )
    if not feasible:
        with pytest.raises(ValueError, match="allocate"):
            allocate(total, capacity, score, min_group=min_group, method=method)
        return
    result = allocate(total, capacity, score, min_group=min_group, method=method)
    assert result.places.sum() == total
    assert (result.places <= capacity).all()
    assert ((result.places == 0) | (result.places >= min_group)).all()
    shared = np.array([s == "share" for s in result.status])
    if method == "largest_remainder" and shared.any():
        exact = result.exact[shared]
        places = result.places[shared]
        assert (places >= np.floor(exact - 1e-9)).all() and (places <= np.ceil(exact + 1e-9)).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.1, 100), min_size=1, max_size=8),
    st.integers(0, 200),
    st.sampled_from(["sainte_lague", "dhondt"]),
)
def test_divisor_methods_never_take_a_place_away_when_the_total_grows(weights, total, method):
    w = np.array(weights)
    assert (apportion(total + 1, w, method) >= apportion(total, w, method)).all()
    assert apportion(total, w, method).sum() == total


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.1, 100), min_size=1, max_size=8), st.integers(0, 200))
def test_largest_remainder_stays_within_one_place_of_the_exact_share(weights, total):
    w = np.array(weights)
    exact = total * w / w.sum()
    seats = apportion(total, w, "largest_remainder")
    assert seats.sum() == total
    assert (np.abs(seats - exact) < 1 + 1e-9).all()


def test_round_half_up():
    assert [sf.quota.round_half_up(v) for v in (0.5, 1.5, 2.5, 2.49)] == [1, 2, 3, 2]
    assert math.isclose(sf.quota.round_half_up(59.999999999), 60)


# --- sensitivity and scenarios ----------------------------------------------------------------------------------


def test_sensitivity_moves_each_input_and_ranks_by_swing():
    table = sf.quota.sensitivity(example_inputs(), EXAMPLE_POLICY, vary={"p_emp": 0.1, "paid": 0.2})
    row = table[(table["specialty"] == "09.03.04") & (table["intake_year"] == 2026)].set_index("input")
    # need = N / yield: 10 % lower p_emp raises need by 1/0.9; paid ±20 % moves the quota by ∓2.
    assert row.loc["p_emp", "quota_at_low"] == pytest.approx(36 / 0.9 - 10)
    assert row.loc["paid", "quota_at_low"] == pytest.approx(36 - 8)
    assert row.loc["paid", "swing"] == pytest.approx(4)
    assert list(row.index) == ["p_emp", "paid"]  # sorted by swing
    with pytest.raises(sf.ConfigError, match="cannot vary 'p_emploi'"):
        sf.quota.sensitivity(example_inputs(), EXAMPLE_POLICY, vary=["p_emploi"])


def test_sensitivity_uses_share_intervals_when_given():
    inputs = example_inputs()
    shares = inputs.shares.assign(p_region_lo=[0.7, 0.6], p_region_hi=[0.9, 0.9])
    table = sf.quota.sensitivity(inputs.replace(shares=shares), EXAMPLE_POLICY, vary=["p_region"])
    row = table[(table["specialty"] == "09.03.04") & (table["intake_year"] == 2026)].iloc[0]
    assert row["quota_at_low"] == pytest.approx(12.96 / (0.75 * 0.8 * 0.75 * 0.6) - 10)
    assert "interval" in row["low_value"]


def test_scenarios_run_every_combination():
    grid = sf.quota.scenarios(
        example_inputs(), EXAMPLE_POLICY, {"cost_short": [1, 2], "max_change": [0.25, 1.0]}
    )
    assert len(grid) == 4 * 4
    assert list(grid.columns[:2]) == ["cost_short", "max_change"]
    with pytest.raises(sf.ConfigError, match="'cost' is not a Policy field"):
        sf.quota.scenarios(example_inputs(), EXAMPLE_POLICY, {"cost": [1]})


def test_population_control_totals_scale_employment_and_openings():
    inputs = example_inputs()
    scaled = compute(inputs.replace(population={"2512": 1000.0}), EXAMPLE_POLICY)
    base = compute(inputs, EXAMPLE_POLICY)
    o = scaled.openings.set_index(["occupation", "year", "scenario"])["openings"]
    o0 = base.openings.set_index(["occupation", "year", "scenario"])["openings"]
    assert o[("2512", 2029, "base")] == pytest.approx(2 * o0[("2512", 2029, "base")])  # 1000 / 500
    assert o[("2522", 2029, "base")] == pytest.approx(o0[("2522", 2029, "base")])
    with pytest.raises(sf.ConfigError, match="occupation 2519 has no base-year employment"):
        compute(inputs.replace(population={"2519": 10.0}), EXAMPLE_POLICY)


def test_other_supply_reduces_need_before_the_yield():
    inputs = example_inputs()
    other = pd.DataFrame(
        {"specialty": ["09.03.04"], "level": ["bachelor"], "year": [2030], "persons": [2.96]}
    )
    table = compute(inputs.replace(other_supply=other), EXAMPLE_POLICY).table.set_index(
        ["specialty", "intake_year"]
    )
    assert table.loc[("09.03.04", 2026), "need"] == pytest.approx((12.96 - 2.96) / 0.36)
    assert table.loc[("09.03.04", 2027), "need"] == pytest.approx(13.2 / 0.36)  # 2031 has no other supply
