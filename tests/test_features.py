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
