"""One contract, run over every registered model. A new model needs one entry in CASES (the guard test says so)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

import staffing_forecast as sf
from staffing_forecast import models

#: Cheap parameters per registered model, and the frequency of the test panel.
CASES = {
    "auto": (lambda: models.Auto(members=("ets", "theta")), "YS"),
    "naive": (models.Naive, "YS"),
    "seasonal_naive": (lambda: models.SeasonalNaive(season_length=4), "QS"),
    "drift": (models.Drift, "YS"),
    "historic_average": (lambda: models.HistoricAverage(window=5), "YS"),
    "ets": (lambda: models.ETS(season_length=4), "QS"),
    "arima": (models.ARIMA, "YS"),
    "ari": (lambda: models.ARI(season_length=4), "QS"),
    "ces": (models.CES, "YS"),
    "theta": (lambda: models.Theta(season_length=4), "QS"),
    "croston": (models.Croston, "YS"),
    "tsb": (models.TSB, "YS"),
    "ensemble": (lambda: models.Ensemble(members={"naive": models.Naive(), "drift": models.Drift()}), "YS"),
    "survey_plan": (lambda: models.SurveyPlan(plans=sf.datasets.load_demo().plans, min_errors=5), "YS"),
    "sarimax": (models.SARIMAX, "YS"),
    "unobserved_components": (lambda: models.UnobservedComponents(level="local level"), "YS"),
    "prophet": (lambda: models.Prophet(samples=50), "YS"),
    "lag_regression": (
        lambda: models.LagRegression(max_horizon=5, calibration_origins=8, regressor=Ridge(alpha=1.0)),
        "YS",
    ),
}


def make_panel(freq: str, n: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    rows = []
    for i, (employer, occupation) in enumerate([("E1", "2512"), ("E2", "2514"), ("E3", "3512")]):
        if occupation == "3512":  # intermittent
            y = rng.poisson(0.6, n).astype(float)
        else:
            y = 50 + 10 * i + 0.8 * t + 3 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 1, n)
        rows.append(
            pd.DataFrame(
                {
                    "unique_id": f"67/{employer}/{occupation}",
                    "region": "67",
                    "employer": employer,
                    "occupation": occupation,
                    "ds": pd.date_range("2000-01-01", periods=n, freq=freq),
                    "y": np.round(y),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _demo_history() -> pd.DataFrame:
    employment = sf.datasets.load_demo().employment
    some = employment[employment["employer"].isin(["E001", "E002", "E003", "E010", "E020"])]
    return some[some["ds"].dt.year <= 2022].reset_index(drop=True)


def _with_driver() -> pd.DataFrame:
    panel = make_panel("YS")
    return panel.assign(wage=np.tile(np.linspace(30.0, 80.0, 24), 3))


#: Models that need a particular panel.
PANELS = {"survey_plan": _demo_history, "sarimax": _with_driver, "unobserved_components": _with_driver}


def future_x(model, panel: pd.DataFrame, h: int) -> pd.DataFrame | None:
    """Future driver values for models that use them (the driver keeps growing linearly)."""
    if not model.supports_exog:
        return None
    rows = sf.features.future_rows(panel, h)
    return rows.assign(wage=80.0 + 2.0 * (rows.groupby("unique_id").cumcount() + 1))


def forecast_with(model, panel: pd.DataFrame, h: int, level=()) -> pd.DataFrame:
    return model.predict(h, X=future_x(model, panel, h), level=level)


@pytest.fixture(params=sorted(CASES), name="case")
def case_fixture(request):
    make, freq = CASES[request.param]
    panel = PANELS[request.param]() if request.param in PANELS else make_panel(freq)
    return request.param, make, panel


def test_every_registered_model_has_a_case():
    assert set(CASES) == set(models.REGISTRY), "add a CASES entry for each model in REGISTRY"


def test_fit_returns_self_and_does_not_mutate(case):
    _, make, panel = case
    before = panel.copy()
    model = make()
    assert model.fit(panel) is model
    pd.testing.assert_frame_equal(panel, before)


def test_not_fitted(case):
    _, make, _ = case
    with pytest.raises(sf.NotFittedError, match="not fitted yet"):
        make().predict(3)


def test_fitted_values(case):
    """``fitted_`` has one row per observation; a model that declares it has fitted values has real ones: finite
    for most of the history and closer to the data than the data's own spread."""
    _, make, panel = case
    model = make().fit(panel)
    fitted = model.fitted_
    assert list(fitted.columns) == ["unique_id", "ds", "y", "fitted"]
    assert len(fitted) == len(panel)
    assert isinstance(model.has_fitted, bool)
    if not model.has_fitted:
        assert fitted["fitted"].isna().all()
        return
    known = fitted.dropna(subset=["fitted"])
    assert len(known) >= 0.3 * len(fitted), f"{type(model).__name__} has fitted values for too few rows"
    error = np.mean(np.abs(known["y"] - known["fitted"]))
    spread = np.mean(np.abs(known["y"] - known.groupby("unique_id")["y"].transform("mean")))
    assert error < 1.5 * spread  # a windowed historic average is no better than the mean, but not far off


@pytest.mark.parametrize("level", [(), (80,), (50, 95)])
def test_forecast_frame(case, level):
    name, make, panel = case
    model = make().fit(panel)
    fc = forecast_with(model, panel, 5, level)
    sf.check_forecast(fc, level=level)
    n_series = panel["unique_id"].nunique()
    assert len(fc) == 5 * n_series
    keys = sf.schema.key_columns(panel)
    assert list(fc.columns[: 1 + len(keys)]) == ["unique_id", *keys]
    assert [c for c in fc.columns if c.startswith(("lo_", "hi_"))] == [
        f"{s}_{lv}" for lv in sorted(level) for s in ("lo", "hi")
    ]
    assert (fc["model"] == models.REGISTRY[name].name).all()
    assert (fc["mean"] >= 0).all()
    last = panel.groupby("unique_id")["ds"].max()
    first_future = fc.groupby("unique_id")["ds"].min()
    freq = sf.infer_freq(panel)
    assert (first_future == last + pd.tseries.frequencies.to_offset(freq)).all()
    assert not fc.drop(columns="fallback").isna().any().any()


def test_deterministic_and_picklable(case):
    _, make, panel = case
    first = make().fit(panel)
    again = make().fit(panel)
    expected = forecast_with(first, panel, 4, [80])
    pd.testing.assert_frame_equal(expected, forecast_with(again, panel, 4, [80]))
    restored = pickle.loads(pickle.dumps(first))
    pd.testing.assert_frame_equal(expected, forecast_with(restored, panel, 4, [80]))


def test_replace_gives_an_unfitted_copy(case):
    _, make, panel = case
    fitted = make().fit(panel)
    copy = dataclasses.replace(fitted)
    with pytest.raises(sf.NotFittedError):
        copy.predict(2)


def test_bad_panel_rejected(case):
    _, make, panel = case
    with pytest.raises(sf.SchemaError, match="unique_id, ds and y"):
        make().fit(panel.rename(columns={"y": "value"}))
    with pytest.raises(sf.ConfigError, match="horizon"):
        forecast_with(make().fit(panel), panel, 0)


def test_exogenous_models_require_future_values(case):
    _, make, panel = case
    model = make()
    if not model.supports_exog:
        with pytest.raises(sf.ConfigError, match="does not use exogenous"):
            model.fit(panel, X=panel[["unique_id", "ds"]].assign(wage=1.0))
        return
    if not model.uses_drivers():
        return  # drivers are optional for this configuration
    model.fit(panel)
    with pytest.raises(sf.ConfigError, match="needs X_future"):
        model.predict(3)
    short = future_x(model, panel, 3)
    with pytest.raises(sf.SchemaError, match="future driver values are missing for 3 series"):
        model.predict(3, X=short[short["ds"] < short["ds"].max()])
