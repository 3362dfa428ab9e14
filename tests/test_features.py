"""Features: one code path for training and future rows, drivers required for the horizon, exact inverses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast.features import BoxCox, Log1p, make_features, plan_features


@pytest.fixture(scope="module")
def demo():
    return sf.datasets.load_demo()


def test_training_and_future_features_have_the_same_columns(demo):
    drivers = demo.drivers[demo.drivers["scenario"].isin(["actual", "base"])]
    X, X_future = make_features(
        demo.employment, h=4, drivers=drivers, driver_columns=["grp", "it_revenue"], plans=demo.plans
    )
    assert (
        list(X.columns) == list(X_future.columns) == ["unique_id", "ds", "year", "grp", "it_revenue", "plan"]
    )
    assert len(X) == len(demo.employment)
    assert len(X_future) == 4 * demo.employment["unique_id"].nunique()
    grp_2030 = drivers.loc[drivers["ds"].dt.year == 2026, "grp"].iloc[0]
    assert (X_future.loc[X_future["ds"].dt.year == 2026, "grp"] == grp_2030).all()


def test_missing_future_driver_values_are_listed(demo):
    actual_only = demo.drivers[demo.drivers["scenario"] == "actual"]
    with pytest.raises(
        sf.SchemaError, match=r"drivers: no future values for .* \(years \[2026, 2027\]\).*scenario"
    ):
        make_features(demo.employment, h=2, drivers=actual_only, driver_columns=["grp"])
    with pytest.raises(sf.SchemaError, match="more than one row per"):
        make_features(
            demo.employment,
            h=2,
            drivers=demo.drivers.assign(scenario="x").pipe(lambda d: pd.concat([d, d])),
            driver_columns=["grp"],
        )


def test_plan_features_use_no_later_vintage(demo):
    rows = demo.employment[demo.employment["ds"].dt.year == 2020]
    early = plan_features(rows, demo.plans, pd.Timestamp("2019-01-01"))
    poisoned = demo.plans.assign(value=np.where(demo.plans["vintage"] > 2019, -1.0, demo.plans["value"]))
    pd.testing.assert_series_equal(early, plan_features(rows, poisoned, pd.Timestamp("2019-01-01")))
    assert early.notna().any()


def test_calendar_terms():
    q = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=3, freq="QS"), "y": 1.0})
    X, X_future = make_features(q, h=2)
    assert X["quarter"].tolist() == [1, 2, 3]
    assert X_future["quarter"].tolist() == [4, 1]
    assert X_future["year"].tolist() == [2024, 2025]


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=30))
def test_transforms_invert_exactly(values):
    y = np.asarray(values)
    for transform in (Log1p().fit(y), BoxCox().fit(y), BoxCox(lmbda=0.0).fit(y)):
        assert transform.inverse(transform.transform(y)) == pytest.approx(y, rel=1e-7, abs=1e-6)


def test_transform_errors():
    with pytest.raises(sf.SchemaError, match="values must be 0 or more"):
        Log1p().fit(np.array([-1.0]))
    with pytest.raises(sf.SchemaError, match="raise shift"):
        BoxCox(shift=0).fit(np.array([0.0, 1.0]))


# --- drivers on aggregated panels and scenarios ----------------------------------------------------------------


def test_aggregated_series_take_the_regions_drivers(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])  # region is '*'
    drivers = sf.features.scenario(demo.drivers, "high")
    X, X_future = make_features(panel, h=2, drivers=drivers, driver_columns=["wage"], calendar_terms=False)
    by_year = drivers.set_index(drivers["ds"].dt.year)["wage"]
    assert (X["wage"].to_numpy() == by_year.loc[X["ds"].dt.year].to_numpy()).all()
    assert (X_future["wage"].to_numpy() == by_year.loc[X_future["ds"].dt.year].to_numpy()).all()
    assert set(X_future["ds"].dt.year) == {2026, 2027}


def test_aggregates_over_several_regions_need_drivers_for_the_total(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    base = sf.features.scenario(demo.drivers, "base")
    two_regions = pd.concat([base, base.assign(region="40")])
    with pytest.raises(
        sf.SchemaError,
        match=r"series '\*/\*/\*/1330' sums over region \('\*'\), but the drivers hold 2 values",
    ):
        make_features(panel, h=1, drivers=two_regions, driver_columns=["grp"])
    total = pd.concat([two_regions, base.assign(region="*", grp=base["grp"] * 2)])
    X, _ = make_features(panel, h=1, drivers=total, driver_columns=["grp"])
    assert X["grp"].to_numpy() == pytest.approx(2 * base.set_index("ds").loc[X["ds"], "grp"].to_numpy())
    with pytest.raises(sf.SchemaError, match=r"no key column \['region'\].*pass on=\(\)"):
        make_features(panel.drop(columns="region"), h=1, drivers=base, driver_columns=["grp"])


def test_demo_drivers_have_the_documented_scenarios(demo):
    drivers = demo.drivers
    assert set(drivers["scenario"]) == {"actual", "base", "low", "high"}
    future = {
        name: sf.features.scenario(drivers, name).query("ds.dt.year > 2025")
        for name in ("low", "base", "high")
    }
    for column in ("grp", "it_revenue", "wage"):
        low, base, high = (future[n][column].to_numpy() for n in ("low", "base", "high"))
        assert (low < base).all() and (base < high).all(), column
    # 4 % a year below base for IT revenue, compounding: 2032 is 7 years ahead.
    assert future["low"]["it_revenue"].iloc[-1] == pytest.approx(
        future["base"]["it_revenue"].iloc[-1] * 0.96**7, abs=1e-3
    )


def test_scenario_scales_only_the_future_and_checks_its_arguments(demo):
    base = sf.features.scenario(demo.drivers, "base")
    boom = sf.features.scenario(demo.drivers, "base", it_revenue=1.2, wage=0.9)
    future = base["ds"].dt.year > 2025
    assert boom.columns.tolist() == ["region", "ds", "grp", "it_revenue", "wage"]
    assert boom.loc[future, "it_revenue"].to_numpy() == pytest.approx(1.2 * base.loc[future, "it_revenue"])
    assert boom.loc[future, "wage"].to_numpy() == pytest.approx(0.9 * base.loc[future, "wage"])
    pd.testing.assert_frame_equal(boom[~future], base[~future])
    pd.testing.assert_series_equal(boom["grp"], base["grp"])
    with pytest.raises(sf.ConfigError, match="'it_revenu' is not a driver; did you mean 'it_revenue'"):
        sf.features.scenario(demo.drivers, "base", it_revenu=1.2)
    with pytest.raises(sf.ConfigError, match="it_revenue=-1; give a positive factor"):
        sf.features.scenario(demo.drivers, "base", it_revenue=-1)
    with pytest.raises(sf.ConfigError, match=r"'hihg' is not a scenario.*did you mean 'high'"):
        sf.features.scenario(demo.drivers, "hihg")
    with pytest.raises(sf.SchemaError, match="no 'scenario' column"):
        sf.features.scenario(base, "base")


@pytest.mark.slow
def test_a_driver_scenario_moves_a_sarimax_forecast_of_an_aggregated_panel(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    panel = panel[panel["unique_id"].isin(["*/*/*/2512", "*/*/*/2514", "*/*/*/3512"])]
    forecasts, future_drivers = {}, {}
    for name, drivers in {
        "base": sf.features.scenario(demo.drivers, "base"),
        "boom": sf.features.scenario(demo.drivers, "base", it_revenue=1.2),
        "low": sf.features.scenario(demo.drivers, "low"),
    }.items():
        X, X_future = make_features(
            panel, h=3, drivers=drivers, driver_columns=["it_revenue"], calendar_terms=False
        )
        fc = sf.forecast(panel.merge(X, on=["unique_id", "ds"]), h=3, models="sarimax", X_future=X_future)
        assert (fc["fallback"] == "").all()
        forecasts[name] = fc.set_index(["unique_id", "ds"])["mean"]
        future_drivers[name] = X_future.set_index(["unique_id", "ds"])["it_revenue"]
    # History is the same in every scenario, so the fit is too: a regression with ARIMA errors moves each future
    # value by its coefficient times the driver's change, one coefficient per series whatever the scenario.
    effect = {
        name: (forecasts[name] - forecasts["base"]) / (future_drivers[name] - future_drivers["base"])
        for name in ("boom", "low")
    }
    assert (forecasts["boom"] != forecasts["base"]).all()
    for uid in panel["unique_id"].unique():
        coefficient = effect["boom"].loc[uid].iloc[0]
        assert effect["boom"].loc[uid].to_numpy() == pytest.approx(coefficient, rel=1e-6)
        assert effect["low"].loc[uid].to_numpy() == pytest.approx(coefficient, rel=1e-6)
