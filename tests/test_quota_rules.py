"""The quota method's rules where it is explicit (steps 7, 10 and 11), and its inputs through the public path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast.quota import compute

from .quota_example import EXAMPLE_POLICY, example_inputs

# --- step 10: smoothing chains on the smoothed value ----------------------------------------------------------------


def test_a_year_dropped_as_too_small_keeps_smoothing_on_for_the_next():
    # spo11: previous 10 allows 7.5–12.5, so the raw 25.42 of 2026 is held at 12.5, which rounds to 13 < 15 and is
    # dropped to 0. 2027 chains on 12.5 (not on the 0): 9.375–15.625, so its raw 25.83 becomes 15.625 → 16.
    inputs = example_inputs().replace(
        previous=pd.DataFrame({"specialty": ["09.02.07"], "level": ["spo11"], "quota": [10]})
    )
    result = compute(inputs, EXAMPLE_POLICY)
    spo = result.table[result.table["specialty"] == "09.02.07"].set_index("intake_year")
    assert spo.loc[2026, ["smoothed_quota", "quota", "small_total"]].tolist() == [12.5, 0, "drop"]
    assert spo.loc[2027, "previous"] == 12.5
    assert spo.loc[2027, "smoothed_quota"] == pytest.approx(15.625)
    assert spo.loc[2027, "quota"] == 16
    smoothing = result.explain("09.02.07", "spo11", 2027).find("smoothed_quota")
    assert "previous = 12.5" in smoothing.formula
    assert "smoothed value for 2026" in smoothing.source


def test_the_chain_uses_the_unrounded_smoothed_value():
    # Bachelor with previous 17: 2026's raw 26.00 is held at 21.25 (quota 21). 2027 chains on 21.25, not on 21:
    # its raw 26.67 is held at 1.25 · 21.25 = 26.5625 → 27 (chaining on 21 would give 26.25 → 26).
    inputs = example_inputs().replace(
        previous=pd.DataFrame({"specialty": ["09.03.04"], "level": ["bachelor"], "quota": [17]})
    )
    table = compute(inputs, EXAMPLE_POLICY).table.set_index(["specialty", "intake_year"])
    assert table.loc[("09.03.04", 2026), ["smoothed_quota", "quota"]].tolist() == [21.25, 21]
    assert table.loc[("09.03.04", 2027), "previous"] == 21.25
    assert table.loc[("09.03.04", 2027), "previous_source"] == "chained"
    assert table.loc[("09.03.04", 2027), "smoothed_quota"] == pytest.approx(26.5625)
    assert table.loc[("09.03.04", 2027), "quota"] == 27


# --- step 7: durations rounded up -----------------------------------------------------------------------------------


def test_durations_are_rounded_up_so_graduation_is_not_a_year_early():
    durations = pd.DataFrame(
        {
            "specialty": ["09.02.07", "09.03.04"],
            "level": ["spo11", "bachelor"],
            "form": "full_time",
            "years": [34 / 12, 4.0],  # 2 years 10 months
        }
    )
    result = compute(example_inputs().replace(durations=durations))
    spo = result.table[result.table["level"] == "spo11"]
    assert spo["duration"].unique().tolist() == [3]
    assert (spo["graduation_year"] - spo["intake_year"]).unique().tolist() == [3]
    assert spo["intake_year"].tolist() == [2026, 2027, 2028]  # graduating by 2031, the last forecast year


def test_a_duration_that_is_not_a_positive_number_is_named():
    durations = sf.reference.durations()
    durations["years"] = durations["years"].astype(object)
    durations.loc[(durations["specialty"] == "09.02.07") & (durations["level"] == "spo11"), "years"] = "три"
    with pytest.raises(
        sf.ConfigError, match=r"specialty 09.02.07 at level spo11 \(full_time\) has duration 'три'"
    ):
        compute(example_inputs().replace(durations=durations), EXAMPLE_POLICY)


# --- step 8: fee-paying places per intake year ---------------------------------------------------------------------


def test_paid_given_for_some_intake_years_is_an_error_naming_the_others():
    paid = pd.DataFrame(
        {"specialty": ["09.02.07"], "level": ["spo11"], "intake_year": [2026], "persons": [5]}
    )
    with pytest.raises(
        sf.ConfigError, match=r"09.02.07 \(spo11\).*intake years \[2026\] but not for \[2027\]"
    ):
        compute(example_inputs().replace(paid=paid), EXAMPLE_POLICY)


def test_paid_per_year_with_a_row_for_every_other_year():
    paid = pd.DataFrame(
        {
            "specialty": ["09.02.07", "09.02.07", "09.03.04"],
            "level": ["spo11", "spo11", "bachelor"],
            "intake_year": [2026, None, None],
            "persons": [5.0, 8.0, 10.0],
        }
    )
    table = compute(example_inputs().replace(paid=paid), EXAMPLE_POLICY).table.set_index(
        ["level", "intake_year"]
    )
    assert table.loc[("spo11", 2026), "paid"] == 5 and table.loc[("spo11", 2027), "paid"] == 8
    assert table.loc[("spo11", 2027), "raw_quota"] == pytest.approx(11.84 / 0.384 - 8)  # never need − 0


# --- step 5: blank shares --------------------------------------------------------------------------------------------


def test_a_blank_share_is_an_error_naming_program_and_column():
    inputs = example_inputs()
    shares = inputs.shares.assign(p_field=[np.nan, 0.75])
    with pytest.raises(sf.ConfigError, match=r"specialty 09.02.07 \(spo11\), column p_field: blank"):
        compute(inputs.replace(shares=shares), EXAMPLE_POLICY)


def test_blank_shares_take_the_default_only_when_asked_and_say_so():
    inputs = example_inputs()
    shares = inputs.shares.assign(p_field=[np.nan, 0.75])
    result = compute(inputs.replace(shares=shares, fill_shares=True), EXAMPLE_POLICY)
    program = result.programs.set_index("level").loc["spo11"]
    default = sf.reference.outcome_defaults().set_index("level").loc["spo11", "p_field"]
    assert program["p_field"] == default
    assert program["source_p_field"].startswith("reference")
    assert program["source_p_emp"] == "given"


# --- manual adjustments from sf.adjust ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_forecast(demo):
    return sf.forecast(sf.aggregate(demo.employment, by=["occupation"]), h=7, models="naive", level=[80])


@pytest.fixture(scope="module")
def adjusted_result(demo, demo_forecast):
    row = demo_forecast[(demo_forecast["occupation"] == "2512")].iloc[4]  # 2030
    overrides = pd.DataFrame({"unique_id": [row["unique_id"]], "ds": [row["ds"]], "delta": [40.0]})
    adjusted = sf.adjust(demo_forecast, overrides, reason="new office of E017 opens (Ivanova)")
    return compute(sf.quota.inputs_from_bundle(demo, adjusted)), float(row["mean"])


def test_adjustments_from_sf_adjust_appear_in_the_explanation(adjusted_result):
    result, original = adjusted_result
    assert result.adjustments[["occupation", "year", "adjusted_by", "adjustment"]].to_dict("records") == [
        {"occupation": "2512", "year": 2030, "adjusted_by": pytest.approx(40.0), "adjustment": "delta +40"}
    ]
    links = result.unit_crosswalk[result.unit_crosswalk["unit"] == "2512"]
    program = links.sort_values("share").iloc[-1]
    table = result.table
    row = table[(table["specialty"] == program["specialty"]) & (table["level"] == program["level"])]
    row = row[row["graduation_year"] == 2030].iloc[0]
    tree = result.explain(row["specialty"], row["level"], row["intake_year"])
    node = tree.find("scenario").find("manual adjustment, occupation 2512")
    assert node.value == pytest.approx(40.0)
    assert node.source == "new office of E017 opens (Ivanova)"
    assert f"{original:.2f}" in node.formula and "delta +40" in node.formula


def test_adjustments_with_their_reasons_are_in_the_workbook(adjusted_result, tmp_path):
    result, _ = adjusted_result
    path = sf.report.quota_workbook(result, tmp_path / "quota.xlsx")
    with pd.ExcelFile(path) as book:
        sheet = pd.read_excel(book, "Корректировки прогноза")
    assert sheet.loc[0, ["Код ОКЗ", "Год", "Корректировка, чел."]].tolist() == [2512, 2030, 40]
    assert "new office of E017 opens (Ivanova)" in sheet.astype(str).to_numpy().ravel().tolist()


# --- the forecast at the door ---------------------------------------------------------------------------------------


def test_a_forecast_of_two_models_must_say_which_to_keep(demo):
    two = sf.forecast(
        sf.aggregate(demo.employment, by=["occupation"]), h=7, models=["naive", "drift"], level=[80]
    )
    with pytest.raises(sf.ConfigError, match=r"holds 2 models \['drift', 'naive'\].*model='drift'"):
        sf.quota.inputs_from_bundle(demo, two)
    inputs = sf.quota.inputs_from_bundle(demo, two, model="naive")
    assert inputs.employment.duplicated(["occupation", "year"]).sum() == 0
    with pytest.raises(sf.ConfigError, match=r"model='ets' is not in the forecast"):
        sf.quota.inputs_from_bundle(demo, two, model="ets")


def test_a_bad_forecast_is_refused_at_the_door(demo, demo_forecast):
    crossing = demo_forecast.copy()
    crossing.loc[crossing.index[0], "lo_80"] = crossing.loc[crossing.index[0], "mean"] + 1
    with pytest.raises(sf.SchemaError, match="employment forecast.*intervals are not nested"):
        sf.quota.inputs_from_bundle(demo, crossing)


def _quarterly(annual: pd.DataFrame) -> pd.DataFrame:
    """Each year's forecast repeated in its four quarters: the annual average is the annual forecast."""
    quarters = []
    for month in (1, 4, 7, 10):
        part = annual.copy()
        part["ds"] = part["ds"] + pd.DateOffset(months=month - 1)
        quarters.append(part)
    return pd.concat(quarters).sort_values(["unique_id", "ds"]).reset_index(drop=True)


def test_a_quarterly_forecast_feeds_the_same_calculator_as_annual_averages(demo, demo_forecast):
    annual = sf.quota.inputs_from_bundle(demo, demo_forecast)
    quarterly = sf.quota.inputs_from_bundle(demo, _quarterly(demo_forecast))
    pd.testing.assert_frame_equal(
        quarterly.employment.sort_values(["occupation", "year"]).reset_index(drop=True),
        annual.employment.sort_values(["occupation", "year"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert "quarterly forecast averaged over each calendar year" in quarterly.sources["employment"]
    assert compute(quarterly).table["quota"].tolist() == compute(annual).table["quota"].tolist()


def test_the_contract_name_from_bundle_is_the_same_function(demo, demo_forecast):
    assert sf.quota.Inputs.from_bundle(demo, demo_forecast).base_year == 2025


# --- step 11: apportionment names and infeasible cells --------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m: sf.quota.apportion(5, np.array([1.0, 2.0]), m),
        lambda m: sf.quota.allocate(30, np.array([20, 40]), np.array([1.0, 1.0]), min_group=15, method=m),
        lambda m: sf.quota.allocate(4, np.array([3, 3]), np.array([1.0, 1.0]), min_group=3, method=m),
        lambda m: sf.quota.Policy(apportionment=m),
    ],
)
def test_unknown_apportionment_methods_are_refused_before_any_computation(call):
    with pytest.raises(
        sf.ConfigError, match=r"'webster' \(Webster is Sainte-Laguë: use 'sainte_lague'\).*dhondt"
    ):
        call("webster")


def test_every_infeasible_cell_is_listed_at_once():
    inputs = example_inputs()
    capacity = inputs.capacity.assign(capacity=[25, 10, 20])
    with pytest.raises(sf.InfeasibleQuotaError) as caught:
        compute(inputs.replace(capacity=capacity), EXAMPLE_POLICY)
    message = str(caught.value)
    assert message.startswith("4 quota(s) do not fit")
    for cell in (
        "09.02.07 (spo11), intake 2026: 60 places",
        "09.02.07 (spo11), intake 2027: 45 places",
        "09.03.04 (bachelor), intake 2026: 26 places",
        "09.03.04 (bachelor), intake 2027: 27 places",
    ):
        assert cell in message
    assert "C01 25, U01 10" in message


def test_every_program_with_a_zero_yield_is_listed_at_once():
    inputs = example_inputs()
    shares = inputs.shares.assign(p_region=[0.0, 0.8], completion=[0.8, 0.0])
    with pytest.raises(sf.InfeasibleQuotaError) as caught:
        compute(inputs.replace(shares=shares), EXAMPLE_POLICY)
    message = str(caught.value)
    assert message.startswith("2 problems found")
    assert "09.02.07 (spo11): the yield per admitted student is 0 because p_region = 0" in message
    assert "09.03.04 (bachelor): the yield per admitted student is 0 because completion = 0" in message
