"""SurveyPlan: hand-computed bias correction, and no look-ahead across plan vintages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast.models import SurveyPlan

KEYS = {"region": "67", "sector": "62.01", "employer": "E1", "occupation": "2512"}


def plan_rows(vintage, values):
    return [
        {**KEYS, "vintage": vintage, "ds": pd.Timestamp(f"{year}-01-01"), "kind": kind, "value": value}
        for (year, value), kind in zip(values.items(), ["fact", "estimate"] + ["plan"] * 5, strict=False)
    ]


@pytest.fixture
def history():
    actual = {2018: 10.0, 2019: 10.0, 2020: 12.0, 2021: 12.0}
    return pd.DataFrame(
        {
            "unique_id": "67/62.01/E1/2512",
            **KEYS,
            "ds": pd.to_datetime([f"{y}-01-01" for y in actual]),
            "y": list(actual.values()),
        }
    )


@pytest.fixture
def plans():
    return pd.DataFrame(
        plan_rows(2019, {2018: 10, 2019: 11, 2020: 13, 2021: 15, 2022: 17})
        + plan_rows(2020, {2019: 10, 2020: 11, 2021: 12, 2022: 14})
    )


def test_bias_corrected_projection_by_hand(history, plans):
    fc = SurveyPlan(plans=plans).fit(history).predict(1)
    # Latest vintage by 2021 is 2020: projection (12 + 1)·(14 + 1)/(12 + 1) − 1 = 14, plan horizon k = 2022 − 2019 = 3.
    # The only past error at k = 3: vintage 2019 projected 15 for 2021, actual 12 → bias log(13/16).
    assert fc["mean"].iloc[0] == pytest.approx(15 * 13 / 16 - 1)


def test_no_plan_vintage_after_the_cutoff_is_used(history, plans):
    later = pd.DataFrame(plan_rows(2022, {2021: 999, 2022: 5000, 2023: 9000}))
    with_later = pd.concat([plans, later], ignore_index=True)
    pd.testing.assert_frame_equal(
        SurveyPlan(plans=with_later).fit(history).predict(1), SurveyPlan(plans=plans).fit(history).predict(1)
    )


def test_no_look_ahead_on_the_demo_over_cutoffs():
    demo = sf.datasets.load_demo()
    for cutoff in (2019, 2021, 2023):
        history = demo.employment[demo.employment["ds"].dt.year <= cutoff]
        seen = demo.plans[demo.plans["vintage"] <= cutoff]
        poisoned = demo.plans.copy()
        poisoned.loc[poisoned["vintage"] > cutoff, "value"] *= 100
        a = sf.forecast(history, h=2, models={"plan": SurveyPlan(plans=seen)}, level=[80])
        b = sf.forecast(history, h=2, models={"plan": SurveyPlan(plans=poisoned)}, level=[80])
        pd.testing.assert_frame_equal(a, b)


def test_series_without_plans_fall_back(history, plans):
    other = history.assign(unique_id="67/62.01/E2/2512", employer="E2")
    fc = sf.forecast(pd.concat([history, other]), h=1, models={"plan": SurveyPlan(plans=plans)})
    reasons = fc.set_index("unique_id")["fallback"]
    assert reasons["67/62.01/E2/2512"] == "survey_plan failed (no survey plan made by 2021); used naive"
    assert reasons["67/62.01/E1/2512"] == ""


def test_configuration_errors(history, plans):
    with pytest.raises(sf.ConfigError, match="needs plans=bundle.plans"):
        SurveyPlan()
    quarterly = history.assign(ds=pd.date_range("2020-01-01", periods=4, freq="QS"))
    with pytest.raises(sf.ConfigError, match="annual panels"):
        SurveyPlan(plans=plans).fit(quarterly)
    assert np.isfinite(SurveyPlan(plans=plans).fit(history).predict(3)["mean"]).all()
