"""sf.reconcile: hand-computed examples for every method, coherence properties, hierarchicalforecast agreement,
the engine's hierarchy= and fitted=, and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast.reconciliation import METHODS

from .strategies import hierarchy_panels

YEAR = pd.Timestamp("2026-01-01")


def _two_units() -> sf.Hierarchy:
    panel = pd.DataFrame({"unique_id": ["A", "B"], "ds": YEAR, "y": 1.0, "unit": ["A", "B"]})
    return sf.Hierarchy.from_keys(panel, [[], ["unit"]])


def _forecast(h: sf.Hierarchy, values, *, dates=(YEAR,), sd=None) -> pd.DataFrame:
    """A forecast frame of every id of ``h``: ``values`` is (series × dates) in ``h.ids`` order."""
    values = np.asarray(values, dtype=float).reshape(len(h.ids), len(dates))
    rows = []
    for i, uid in enumerate(h.ids):
        for j, ds in enumerate(dates):
            row = {"unique_id": uid, "ds": ds, "model": "m", "mean": values[i, j], "fallback": "", "note": ""}
            if sd is not None:
                z = 1.2815515655446004
                row |= {"lo_80": values[i, j] - z * sd[i], "hi_80": values[i, j] + z * sd[i]}
            rows.append(row)
    return pd.DataFrame(rows)


def _fitted(h: sf.Hierarchy, residuals) -> pd.DataFrame:
    residuals = np.asarray(residuals, dtype=float)
    dates = pd.date_range("2021-01-01", periods=residuals.shape[1], freq="YS")
    return pd.DataFrame(
        [
            {"unique_id": uid, "ds": ds, "y": 100.0, "fitted": 100.0 - residuals[i, j]}
            for i, uid in enumerate(h.ids)
            for j, ds in enumerate(dates)
        ]
    )


def _means(out: pd.DataFrame, h: sf.Hierarchy) -> list[float]:
    return out.set_index("unique_id").loc[h.ids, "mean"].round(6).tolist()


# ---- the 3-series example: total = A + B, base forecasts 10, 3, 4 (the total is 3 too high) --------------------

BASE = [10.0, 3.0, 4.0]


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("bottom_up", [7.0, 3.0, 4.0]),
        # OLS: the gap of 3 is split equally over the three series: −1, +1, +1
        ("ols", [9.0, 4.0, 5.0]),
        # WLS with weights (2, 1, 1) (bottom series below each): the total takes 2/4 of the gap, each child 1/4
        ("wls_struct", [8.5, 3.75, 4.75]),
        # top-down by forecast proportions 3/7 and 4/7 of the total's 10
        ("top_down_forecast", [10.0, 30 / 7, 40 / 7]),
    ],
)
def test_three_series_by_hand(method, expected, dense):
    h = _two_units()
    out = sf.reconcile(_forecast(h, BASE), h, method=method, dense=dense)
    assert _means(out, h) == pytest.approx(expected, abs=1e-6)


# residual variances 4, 1, 1 (mean squares) and uncorrelated after centring: total ±2, A ±1, B = 1 ± 1
RESIDUALS = [[2, -2, 2, -2], [1, 1, -1, -1], [2, 0, 0, 2]]


def test_wls_var_and_mint_shrink_by_hand():
    h = _two_units()
    fitted = _fitted(h, RESIDUALS)
    # wls_var weighs by mean squares 4, 1, 2: the gap of 3 is split 4/7, 1/7, 2/7
    out = sf.reconcile(_forecast(h, BASE), h, method="wls_var", fitted=fitted)
    assert _means(out, h) == pytest.approx([10 - 12 / 7, 3 + 3 / 7, 4 + 6 / 7], abs=1e-6)
    # mint_shrink: the centred covariance is diagonal (4, 1, 1) · 4/3, nothing to shrink: split 4/6, 1/6, 1/6
    out = sf.reconcile(_forecast(h, BASE), h, method="mint_shrink", fitted=fitted)
    assert _means(out, h) == pytest.approx([8.0, 3.5, 4.5], abs=1e-6)


@pytest.mark.parametrize("dense", [True, False])
def test_top_down_historical_by_hand(dense):
    h = _two_units()
    dates = pd.date_range("2024-01-01", periods=2, freq="YS")
    history = pd.DataFrame(
        {
            "unique_id": ["*", "*", "A", "A", "B", "B"],
            "ds": list(dates) * 3,
            "y": [10.0, 10.0, 4.0, 6.0, 6.0, 4.0],
            "fitted": [9.0, 11.0, 4.0, 5.0, 6.0, 5.0],
        }
    )
    # average proportions: A (0.4 + 0.6) / 2 = 0.5 of the total's forecast 10
    out = sf.reconcile(_forecast(h, BASE), h, method="top_down_historical", fitted=history, dense=dense)
    assert _means(out, h) == pytest.approx([10.0, 5.0, 5.0])


@pytest.mark.parametrize("dense", [True, False])
def test_middle_out_by_hand(dense):
    panel = pd.DataFrame(
        {"unique_id": "x", "ds": YEAR, "y": 1.0, "group": ["X", "X", "Y"], "unit": ["x1", "x2", "y1"]}
    )
    h = sf.Hierarchy.from_keys(panel, [[], ["group"], ["group", "unit"]])
    assert h.ids == ["*/*", "X/*", "Y/*", "X/x1", "X/x2", "Y/y1"]
    # the middle level keeps its forecasts 6 and 5; x1 and x2 split 6 as 1 : 3; the total is their sum
    out = sf.reconcile(
        _forecast(h, [100, 6, 5, 1, 3, 7]), h, method="middle_out", middle_level="group", dense=dense
    )
    assert _means(out, h) == pytest.approx([11.0, 6.0, 5.0, 1.5, 4.5, 5.0])


# ---- properties on random hierarchies -----------------------------------------------------------------------


def _random_case(data, panel):
    h = sf.Hierarchy.from_keys(
        panel, [[], ["sector"], ["sector", "employer"], ["sector", "employer", "occupation"]]
    )
    n = len(h.ids)
    base = np.asarray(data.draw(st.lists(st.floats(-20, 200), min_size=2 * n, max_size=2 * n)))
    residuals = np.asarray(data.draw(st.lists(st.floats(-5, 5), min_size=5 * n, max_size=5 * n))).reshape(
        n, 5
    )
    residuals[:, 0] += 1.0  # never all zero
    dates = (YEAR, pd.Timestamp("2027-01-01"))
    return h, _forecast(h, base, dates=dates, sd=np.full(n, 2.0)), _fitted(h, residuals), dates


def _matrix(out: pd.DataFrame, h: sf.Hierarchy, column: str = "mean") -> np.ndarray:
    return out.pivot(index="unique_id", columns="ds", values=column).loc[h.ids].to_numpy()


@given(hierarchy_panels(), st.data())
@settings(max_examples=15, deadline=None)
def test_every_method_returns_coherent_forecasts(panel, data):
    h, fc, fitted, _ = _random_case(data, panel)
    S = h.summing_matrix()
    for method in METHODS:
        for dense in (True, False):
            out = sf.reconcile(fc, h, method=method, fitted=fitted, dense=dense)
            values = _matrix(out, h)
            np.testing.assert_allclose(
                S @ values[-S.shape[1] :], values, atol=1e-6 * (1 + np.abs(values).max())
            )
            assert (out["lo_80"] <= out["mean"] + 1e-9).all() and (out["mean"] <= out["hi_80"] + 1e-9).all()


@given(hierarchy_panels(), st.data())
@settings(max_examples=15, deadline=None)
def test_a_coherent_forecast_is_left_alone_by_projections(panel, data):
    h, fc, fitted, dates = _random_case(data, panel)
    S = h.summing_matrix()
    bottom = _matrix(fc, h)[-S.shape[1] :]
    coherent = _forecast(h, S @ bottom, dates=dates, sd=np.full(len(h.ids), 2.0))
    for method in ("bottom_up", "ols", "wls_struct", "wls_var", "mint_shrink"):
        for dense in (True, False):
            out = sf.reconcile(coherent, h, method=method, fitted=fitted, dense=dense)
            np.testing.assert_allclose(_matrix(out, h), S @ bottom, atol=1e-5 * (1 + np.abs(bottom).max()))


@given(hierarchy_panels(), st.data())
@settings(max_examples=15, deadline=None)
def test_bottom_up_leaves_the_bottom_and_nonnegative_leaves_no_negative(panel, data):
    h, fc, fitted, _ = _random_case(data, panel)
    n_bottom = len(h.bottom_ids)
    out = sf.reconcile(fc, h, method="bottom_up")
    np.testing.assert_allclose(_matrix(out, h)[-n_bottom:], _matrix(fc, h)[-n_bottom:])
    for method in ("bottom_up", "ols", "wls_struct", "mint_shrink", "top_down_forecast"):
        out = sf.reconcile(fc, h, method=method, fitted=fitted, nonnegative=True)
        assert (out[["mean", "lo_80", "hi_80"]].to_numpy() >= 0).all(), method


# ---- against hierarchicalforecast, through its own front door -------------------------------------------------


def test_matches_hierarchicalforecast_on_the_demo_sectors(demo):
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown

    h = sf.Hierarchy.from_keys(demo.employment, [[], ["sector"], ["sector", "employer"]])
    result = sf.forecast(h.aggregate(demo.employment), h=2, models="naive", fitted=True, progress=False)
    S = pd.DataFrame(h.summing_matrix().toarray(), columns=h.bottom_ids)
    S.insert(0, "unique_id", h.ids)
    y_hat = result.forecast[["unique_id", "ds", "mean"]].rename(columns={"mean": "base"})
    insample = result.fitted.dropna(subset=["fitted"])[["unique_id", "ds", "y", "fitted"]]
    insample = insample.rename(columns={"fitted": "base"})
    theirs = HierarchicalReconciliation(
        [BottomUp(), MinTrace("wls_struct"), MinTrace("mint_shrink"), TopDown("forecast_proportions")]
    ).reconcile(Y_hat_df=y_hat, S_df=S, tags=h.tags, Y_df=insample)
    theirs = theirs.set_index(["unique_id", "ds"])
    pairs = {
        "bottom_up": "base/BottomUp",
        "wls_struct": "base/MinTrace_method-wls_struct",
        "mint_shrink": "base/MinTrace_method-mint_shrink",
        "top_down_forecast": "base/TopDown_method-forecast_proportions",
    }
    history = result.fitted.dropna(subset=["fitted"])
    for method, column in pairs.items():
        ours = sf.reconcile(result.forecast, h, method=method, fitted=history).set_index(["unique_id", "ds"])
        np.testing.assert_allclose(ours["mean"], theirs.loc[ours.index, column], rtol=1e-6, atol=1e-6)


# ---- intervals -------------------------------------------------------------------------------------------------


def test_bottom_up_intervals_add_variances_and_the_sparse_estimate_is_close():
    h = _two_units()
    fc = _forecast(h, BASE, sd=np.array([5.0, 3.0, 4.0]))
    out = sf.reconcile(fc, h, method="bottom_up").set_index("unique_id")
    half = out["hi_80"] - out["mean"]
    assert half["*"] / 1.2815515655446004 == pytest.approx(5.0)  # sqrt(3² + 4²), independent without fitted
    exact = sf.reconcile(fc, h, method="wls_struct", dense=True).set_index("unique_id")
    probed = sf.reconcile(fc, h, method="wls_struct", dense=False).set_index("unique_id")
    width = lambda f: f["hi_80"] - f["lo_80"]  # noqa: E731
    np.testing.assert_allclose(width(probed), width(exact), rtol=0.15)


# ---- the engine ------------------------------------------------------------------------------------------------


def test_forecast_with_a_hierarchy_is_coherent_and_returns_fitted(demo):
    panel = demo.employment[demo.employment["sector"].isin(["62.01", "62.02"])]
    h = sf.Hierarchy.from_keys(panel, [[], ["occupation"], ["sector", "employer", "occupation"]])
    result = sf.forecast(panel, h=2, models="naive", level=[80], hierarchy=h, fitted=True, progress=False)
    assert isinstance(result, sf.Forecast)
    fc, fitted = result
    assert set(fc["model"]) == {"naive/mint_shrink"} and "hierarchy_level" in fc.columns
    assert list(fitted.columns) == ["unique_id", "ds", "model", "y", "fitted"]
    S = h.summing_matrix()
    values = _matrix(fc, h)
    np.testing.assert_allclose(S @ values[-S.shape[1] :], values, atol=1e-6)
    plain = sf.forecast(panel, h=2, models="naive", progress=False)
    assert isinstance(plain, pd.DataFrame)


def test_cross_validate_and_evaluate_by_level(demo):
    panel = demo.employment[demo.employment["sector"].isin(["62.01", "63.11"])]
    h = sf.Hierarchy.from_keys(panel, [[], ["sector"], ["sector", "employer", "occupation"]])
    cv = sf.cross_validate(
        panel, h=2, n_windows=2, models="naive", level=[80], hierarchy=h, reconcile="wls_struct"
    )
    scores = sf.evaluate(cv, ["smape", "coverage"], by=["hierarchy_level"])
    assert set(scores["hierarchy_level"]) == set(h.levels)
    assert set(scores["model"]) == {"naive/wls_struct"}


# ---- errors ----------------------------------------------------------------------------------------------------


def test_errors_say_what_to_do(demo):
    h = _two_units()
    fc = _forecast(h, BASE)
    with pytest.raises(sf.ConfigError, match="unknown method 'mint_shrnk'; did you mean 'mint_shrink'"):
        sf.reconcile(fc, h, method="mint_shrnk")
    with pytest.raises(sf.ConfigError, match="needs the in-sample values: pass fitted="):
        sf.reconcile(fc, h, method="mint_shrink")
    with pytest.raises(sf.SchemaError, match=r"lacks 1 series of the hierarchy, e.g. \['B'\]"):
        sf.reconcile(fc[fc["unique_id"] != "B"], h, method="ols")
    with pytest.raises(sf.SchemaError, match="outside the hierarchy, e.g. 'C'"):
        sf.reconcile(pd.concat([fc, fc.tail(1).assign(unique_id="C")]), h, method="ols")
    grouped = sf.Hierarchy.from_keys(demo.employment, [[], ["employer"], ["occupation"]])
    with pytest.raises(sf.ConfigError, match="top_down_forecast needs a strict tree"):
        sf.reconcile(fc, grouped, method="top_down_forecast")
    with pytest.raises(sf.ConfigError, match="reconcile= needs hierarchy="):
        sf.forecast(demo.employment, h=1, models="naive", reconcile="ols")


def test_the_quota_takes_the_occupation_totals_of_a_reconciled_forecast(demo):
    panel = demo.employment
    h = sf.Hierarchy.from_keys(panel, [[], ["occupation"], ["sector", "employer", "occupation"]])
    fc = sf.forecast(
        panel, h=2, models="naive", level=[80], hierarchy=h, reconcile="wls_struct", progress=False
    )
    inputs = sf.quota.inputs_from_bundle(demo, fc)
    assert "occupation totals of a hierarchy forecast" in inputs.sources["employment"]
    totals = fc[fc["hierarchy_level"] == "occupation"].set_index(["occupation", "ds"])
    first = inputs.employment[inputs.employment["year"] == 2026].set_index("occupation")
    row = totals.xs(pd.Timestamp("2026-01-01"), level="ds")
    np.testing.assert_allclose(first.loc[row.index, "base"], row["mean"])
    np.testing.assert_allclose(first.loc[row.index, "high"], row["hi_80"])
    bottom = fc[fc["hierarchy_level"] == "sector/employer/occupation"]
    summed = sf.quota.inputs_from_bundle(demo, bottom)
    assert "bounds summed" in summed.sources["employment"]
    wide = summed.employment[summed.employment["year"] == 2026].set_index("occupation")
    assert (wide["high"] - wide["low"]).sum() > (first["high"] - first["low"]).sum()


def test_young_series_are_weighted_by_their_interval_and_bad_bounds_are_named():
    h = _two_units()
    residuals = np.array(RESIDUALS, dtype=float)
    residuals[2, :3] = np.nan  # B entered last year: one residual
    residuals[0, 3] = -1.0  # residual sums not all 0 (hierarchicalforecast refuses those as overfitted)
    fc = _forecast(h, BASE, sd=np.array([2.0, 1.0, 3.0]))
    out = sf.reconcile(fc, h, method="wls_var", fitted=_fitted(h, residuals).dropna())
    assert "weighted by the variance of its own interval" in out.set_index("unique_id").loc["B", "note"]
    values = out.set_index("unique_id")["mean"]
    assert values["*"] == pytest.approx(values["A"] + values["B"])
    fc.loc[0, "hi_80"] = np.inf
    with pytest.raises(sf.SchemaError, match="series '\\*' has a missing or infinite hi_80 bound"):
        sf.reconcile(fc, h, method="ols")


def test_one_model_per_series_is_one_forecast_of_the_hierarchy():
    h = _two_units()
    fc = _forecast(h, BASE)
    fc["model"] = ["drift", "survey_plan", "survey_plan"]  # totals by a statistical model, units by plans
    out = sf.reconcile(fc, h, method="ols")
    assert _means(out, h) == pytest.approx([9.0, 4.0, 5.0])
    assert out["model"].tolist() == ["drift/ols", "survey_plan/ols", "survey_plan/ols"]


def test_the_function_and_its_module_have_different_names():
    assert callable(sf.reconcile)
    assert sf.reconciliation.METHODS == METHODS and "mint_shrink" in sf.reconciliation.METHODS
