"""The engine: model resolution, parallel execution, fallbacks, awkward series, cross-validation."""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast import engine, models


def series(uid: str, values, start: str = "2010-01-01", freq: str = "YS") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range(start, periods=values.size, freq=freq), "y": values}
    )


@pytest.fixture
def worker_processes(monkeypatch):
    """Send every task after the first two to joblib's worker processes, and count the rounds sent there.

    The engine keeps small runs in-process; without this a test of ``n_jobs`` would never leave the process.
    """
    import joblib

    rounds = []

    class Counted(joblib.Parallel):
        def __call__(self, iterable):
            rounds.append(iterable)
            return super().__call__(iterable)

    monkeypatch.setattr(engine, "_PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_CHUNK_SERIES", 2)
    monkeypatch.setattr(joblib, "Parallel", Counted)
    return rounds


@pytest.fixture(scope="module")
def occupations():
    return sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])


def test_models_argument_forms(occupations):
    fc = sf.forecast(occupations, h=2, models={"n": "naive", "d": models.Drift()})
    assert sorted(fc["model"].unique()) == ["d", "n"]
    assert set(sf.forecast(occupations, h=1, models=["naive", "drift"])["model"]) == {"naive", "drift"}
    assert set(sf.forecast(occupations, h=1, models=models.Theta())["model"]) == {"theta"}
    with pytest.raises(sf.ConfigError, match="unknown model 'etss'; did you mean 'ets'"):
        sf.forecast(occupations, h=1, models="etss")
    with pytest.raises(sf.ConfigError, match="horizon"):
        sf.forecast(occupations, h=0)
    with pytest.raises(sf.ConfigError, match="n_jobs"):
        sf.forecast(occupations, h=1, n_jobs=0)


def test_seasonal_models_get_the_frequency_season():
    panel = series("q", 10 + np.tile([0, 5, 0, -5], 6), freq="QS")
    fc = sf.forecast(panel, h=4, models="seasonal_naive")
    assert fc["mean"].tolist() == [10.0, 15.0, 10.0, 5.0]


def test_parallel_and_executor_match_sequential(occupations, worker_processes):
    kwargs = {"h": 3, "models": ["naive", "theta"], "level": [80]}
    sequential = sf.forecast(occupations, **kwargs)
    assert worker_processes == []  # n_jobs=1 never starts workers
    pd.testing.assert_frame_equal(sf.forecast(occupations, n_jobs=2, **kwargs), sequential)
    assert len(worker_processes) == 1  # the tasks after the first two went to worker processes
    with ThreadPoolExecutor(2) as pool:
        pd.testing.assert_frame_equal(sf.forecast(occupations, executor=pool, **kwargs), sequential)


def test_key_columns_and_order(occupations):
    fc = sf.forecast(occupations, h=2, models="naive")
    assert list(fc.columns) == [
        "unique_id",
        "region",
        "sector",
        "employer",
        "occupation",
        "ds",
        "model",
        "mean",
        "fallback",
        "note",
    ]
    assert fc["unique_id"].is_monotonic_increasing


def test_failures_fall_back_with_a_reason():
    panel = pd.concat([series("long", np.arange(20) + 10.0), series("short", [5.0, 6.0])])
    fc = sf.forecast(panel, h=2, models="ets", level=[80])
    short = fc[fc["unique_id"] == "short"]
    assert (short["fallback"] == "ets failed (2 observations, ets needs 7); used naive").all()
    assert (fc.loc[fc["unique_id"] == "long", "fallback"] == "").all()


def test_one_observation_series_gets_pooled_interval():
    rng = np.random.default_rng(1)
    panel = pd.concat(
        [series(f"s{i}", 100 + np.cumsum(rng.normal(1, 2, 12)) * (i + 1)) for i in range(3)]
        + [series("single", [50.0], start="2021-01-01")]
    )
    fc = sf.forecast(panel, h=2, models="naive", level=[80, 95])
    single = fc[fc["unique_id"] == "single"]
    assert (single["mean"] == 50.0).all()
    assert (single["hi_95"] > single["hi_80"]).all()
    assert single["fallback"].str.contains("used naive").all()


def test_lone_single_observation_is_a_clear_error():
    with pytest.raises(sf.SchemaError, match=r"series 'single'.*cannot be forecast.*level=\(\)"):
        sf.forecast(series("single", [5.0]), h=2, models="naive", level=[80])
    assert sf.forecast(series("single", [5.0]), h=2, models="naive")["mean"].tolist() == [5.0, 5.0]


AWKWARD = {
    "length 2": [3.0, 4.0],
    "length 3": [3.0, 4.0, 6.0],
    "constant": [7.0] * 12,
    "all zeros": [0.0] * 12,
    "one spike": [1.0] * 6 + [500.0] + [1.0] * 5,
    "huge": list(1e9 + np.arange(12) * 1e7),
    "intermittent": [0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 0, 0],
}


@pytest.mark.parametrize("model", ["auto", "naive", "drift", "ets", "theta", "arima", "croston", "tsb"])
def test_awkward_series_get_finite_forecasts(model):
    peers = [series(f"peer{i}", 50 + np.arange(14) * (i + 1.0)) for i in range(3)]
    panel = pd.concat([series(name, values) for name, values in AWKWARD.items()] + peers)
    fc = sf.forecast(panel, h=3, models=model, level=[80, 95])
    sf.check_forecast(fc, level=[80, 95])
    values = fc[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert len(fc) == panel["unique_id"].nunique() * 3
    constant = fc[fc["unique_id"] == "constant"]
    if model != "croston":
        assert np.allclose(constant["mean"], 7.0)
    assert np.allclose(fc.loc[fc["unique_id"] == "all zeros", "mean"], 0.0)


def test_series_ending_at_different_dates():
    panel = pd.concat([series("a", np.arange(10.0) + 1), series("b", np.arange(8.0) + 1)])
    fc = sf.forecast(panel, h=2, models="drift")
    assert fc.groupby("unique_id")["ds"].min().dt.year.to_dict() == {"a": 2020, "b": 2018}


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=15))
@settings(max_examples=40, deadline=None)
def test_any_count_series_gets_a_forecast_or_a_clear_error(values):
    peers = [series(f"peer{i}", 20 + np.arange(12) * (i + 1.0)) for i in range(2)]
    panel = pd.concat([series("x", values), *peers])
    fc = sf.forecast(panel, h=2, models="auto", level=[80])
    x = fc[fc["unique_id"] == "x"]
    assert len(x) == 2
    assert np.isfinite(x[["mean", "lo_80", "hi_80"]].to_numpy()).all()
    assert (x["lo_80"] <= x["mean"]).all()
    assert (x["mean"] <= x["hi_80"]).all()


def test_cross_validate_sees_no_future(occupations):
    seen = []

    class Spy(models.Naive):
        def _fit_one(self, y, X):
            seen.append(y.size)
            return super()._fit_one(y, X)

    cv = sf.cross_validate(occupations, h=2, n_windows=3, models={"spy": Spy()})
    n_years = occupations["ds"].dt.year.nunique()
    assert sorted(set(seen)) == [n_years - 6, n_years - 4, n_years - 2]
    assert (cv["ds"] > cv["cutoff"]).all()
    assert set(cv.groupby("cutoff").size()) == {occupations["unique_id"].nunique() * 2}


def test_cross_validate_reports_skipped_series():
    panel = pd.concat([series("old", np.arange(10.0), start="2000-01-01"), series("new", np.arange(12.0))])
    cv = sf.cross_validate(panel, h=1, n_windows=2, models="naive")
    assert {
        "unique_id": "old",
        "cutoff": "2020-01-01",
        "reason": "series ended before the cutoff",
    } in cv.attrs["skipped"]
    assert set(cv["unique_id"]) == {"new"}


def test_evaluate_by_hand():
    cv = pd.DataFrame(
        {
            "unique_id": "a",
            "model": "m",
            "cutoff": pd.Timestamp("2020-01-01"),
            "ds": pd.to_datetime(["2021-01-01", "2022-01-01"]),
            "y": [10.0, 12.0],
            "mean": [11.0, 11.0],
            "lo_80": [9.0, 9.0],
            "hi_80": [11.5, 11.5],
        }
    )
    train = series("a", [2.0, 4.0, 8.0], start="2018-01-01")
    scores = sf.evaluate(cv, ["mase", "smape", "coverage"], train=train)
    # scale = mean(|4-2|, |8-4|) = 3; MAE = 1 → MASE 1/3
    assert scores.loc[0, "mase"] == pytest.approx(1 / 3)
    assert scores.loc[0, "smape"] == pytest.approx(100 * (1 / 21 + 1 / 23))
    assert scores.loc[0, "coverage_80"] == 50.0


@pytest.mark.slow
def test_dask_client_as_executor(occupations):
    distributed = pytest.importorskip("distributed")
    kwargs = {"h": 2, "models": ["naive", "theta"], "level": [80]}
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        on_dask = sf.forecast(occupations, executor=client, **kwargs)
    pd.testing.assert_frame_equal(on_dask, sf.forecast(occupations, **kwargs))


def test_drivers_through_the_engine():
    demo = sf.datasets.load_demo()
    panel = sf.aggregate(demo.employment, by=["region", "occupation"])
    drivers = demo.drivers[demo.drivers["scenario"].isin(["actual", "base"])]
    X, X_future = sf.features.make_features(
        panel, h=3, drivers=drivers, driver_columns=["it_revenue"], calendar_terms=False
    )
    with_drivers = panel.merge(X, on=["unique_id", "ds"])
    with pytest.raises(sf.ConfigError, match="uses drivers: pass X_future"):
        sf.forecast(with_drivers, h=3, models="sarimax")
    fc = sf.forecast(with_drivers, h=3, models=["sarimax", "naive"], X_future=X_future, level=[80], n_jobs=2)
    assert len(fc) == 2 * 3 * panel["unique_id"].nunique()
    sf.check_forecast(fc, level=[80])
    with pytest.raises(sf.SchemaError, match="future driver values are missing"):
        sf.forecast(with_drivers, h=3, models="sarimax", X_future=X_future[X_future["ds"].dt.year < 2028])


# --- auto's rules, said per series --------------------------------------------------------------------------
def test_an_entering_unit_is_forecast_from_its_active_part():
    entering = series("new", [0.0] * 10 + [100.0, 120.0, 130.0, 150.0], start="2012-01-01")
    panel = pd.concat(
        [entering, *[series(f"p{i}", 50 + np.arange(14) * (i + 1.0), start="2012-01-01") for i in range(3)]]
    )
    fc = sf.forecast(panel, h=3, models="auto", level=[95])
    new = fc[fc["unique_id"] == "new"]
    assert new["mean"].tolist() == pytest.approx([150 + 50 / 3 * k for k in (1, 2, 3)])  # drift on 100..150
    assert (new["hi_95"] > 150).all()
    assert new["note"].str.startswith("fitted on the 4 values after 10 leading zeros; short").all()
    assert (new["fallback"] == "").all()


def test_one_outlier_is_dampened_and_said():
    values = [10.0, 12, 11, 13, 12, 500, 14, 13, 12, 14, 13, 14]
    fc = sf.forecast(series("spike", values), h=3, models="auto", level=[80])
    assert fc["mean"].between(10, 20).all()
    assert fc["note"].str.contains("outlier dampened: 500 → 13 \\(value 6 of 12\\)").all()
    kept = sf.forecast(series("spike", values), h=3, models=models.Auto(outliers="keep"))
    assert "outlier" not in kept["note"].iloc[0]


def test_a_negative_history_is_not_clipped_silently():
    fc = sf.forecast(series("net", -5.0 - np.arange(10.0)), h=2, models="auto")
    assert (fc["mean"] < -10).all()
    assert fc["note"].str.contains("negative values in the history: not clipped at 0").all()


def test_auto_names_its_rule_and_the_members_it_left_out():
    panel = pd.concat(
        [
            series("six", [10.0, 11, 13, 12, 14, 15]),
            series("sparse", [0.0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 0, 0]),
            series("long", 50 + np.arange(14.0) * 2 + np.sin(np.arange(14.0))),
        ]
    )
    notes = sf.forecast(panel, h=2, models="auto").groupby("unique_id")["note"].first()
    assert notes["six"] == "left out ets (needs 7 observations)"
    assert notes["sparse"].startswith("intermittent") and "TSB" in notes["sparse"]
    assert notes["long"] == ""


def test_failure_reasons_are_the_librarys_own_sentences():
    class Broken(models.Naive):
        name = "broken"

        def _fit_one(self, y, X):
            raise RuntimeError("internal numerical detail")

    fc = sf.forecast(series("a", np.arange(8.0)), h=1, models=Broken())
    assert (
        fc["fallback"].iloc[0] == "broken failed (broken could not be estimated on this series); used naive"
    )
    ets = sf.forecast(series("b", np.arange(5.0)), h=1, models="ets")
    assert ets["fallback"].iloc[0] == "ets failed (5 observations, ets needs 7); used naive"
    assert models.ETS(damped=True).required_length() == 8


# --- names, drivers, progress --------------------------------------------------------------------------------
def test_model_names_are_case_insensitive_and_the_same_however_passed(occupations):
    one = occupations[occupations["unique_id"] == occupations["unique_id"].iloc[0]]
    assert set(sf.forecast(one, h=1, models="ETS")["model"]) == {"ets"}
    assert set(sf.forecast(one, h=1, models=[" Theta", models.SeasonalNaive()])["model"]) == {
        "theta",
        "seasonal_naive",
    }
    assert set(sf.forecast(one, h=1, models=models.Auto(members=("drift", "dot")))["model"]) == {"auto"}
    with pytest.raises(sf.ConfigError, match="two models are both named 'naive'; pass a dict"):
        sf.forecast(one, h=1, models=[models.Naive(), "naive"])
    with pytest.raises(sf.ConfigError, match="unknown model 'ETSS'; did you mean 'ets'"):
        sf.forecast(one, h=1, models="ETSS")


def test_drivers_shared_by_every_series_need_no_unique_id():
    years = pd.date_range("2010-01-01", periods=16, freq="YS")
    revenue = np.linspace(100.0, 250.0, 16)
    panel = pd.concat(
        [
            pd.DataFrame({"unique_id": uid, "ds": years[:14], "y": k * revenue[:14], "revenue": revenue[:14]})
            for uid, k in (("a", 1.0), ("b", 2.0))
        ]
    )
    future = pd.DataFrame({"ds": years[14:], "revenue": revenue[14:]})
    fc = sf.forecast(panel, h=2, models="sarimax", X_future=future)
    assert fc.groupby("unique_id")["mean"].last().to_dict() == pytest.approx(
        {"a": 250.0, "b": 500.0}, rel=0.05
    )
    with pytest.raises(sf.SchemaError, match="X_future has 1 repeated row"):
        sf.forecast(panel, h=2, models="sarimax", X_future=pd.concat([future, future.iloc[:1]]))


def test_progress_counts_series(capsys):
    panel = pd.concat([series(f"s{i}", np.arange(5.0) + i) for i in range(5)])
    sf.forecast(panel, h=1, models="naive", progress=True)
    assert "5/5" in capsys.readouterr().err
    sf.forecast(panel, h=1, models="naive")  # a short run shows nothing
    assert capsys.readouterr().err == ""


def test_one_drivers_table_covers_history_and_future():
    years = pd.date_range("2010-01-01", periods=16, freq="YS")
    revenue = np.linspace(100.0, 250.0, 16)
    panel = pd.DataFrame({"unique_id": "a", "ds": years[:14], "y": 3 * revenue[:14]})
    drivers = pd.DataFrame({"region": "67", "ds": years, "revenue": revenue})  # as a scenario table
    fc = sf.forecast(panel, h=2, models="sarimax", X_future=drivers)
    assert fc["mean"].iloc[-1] == pytest.approx(750.0, rel=0.05)
    with pytest.raises(
        sf.SchemaError, match=r"X_future has no value of \['revenue'\] for series 'a' at 2010-01-01"
    ):
        sf.forecast(panel, h=2, models="sarimax", X_future=drivers[drivers["ds"] > "2012"])


def test_a_dampened_outlier_widens_no_interval():
    rng = np.random.default_rng(3)
    clean = {f"occ{i}": 100 * (i + 1) + np.cumsum(rng.normal(5, 3, 14)) for i in range(3)}
    spiky = clean["occ0"].copy()
    spiky[8] *= 6
    without = sf.forecast(pd.concat([series(u, v) for u, v in clean.items()]), h=3, models="auto", level=[80])
    panel = pd.concat([series(u, v) for u, v in clean.items()] + [series("spiky", spiky)])
    with_spike = sf.forecast(panel, h=3, models="auto", level=[80]).set_index(["unique_id", "ds"])
    width = (with_spike["hi_80"] - with_spike["lo_80"]).unstack()
    before = without.set_index(["unique_id", "ds"])["hi_80"] - without.set_index(["unique_id", "ds"])["lo_80"]
    ratio = width.loc[list(clean)] / before.unstack()
    assert ratio.to_numpy().max() < 1.5  # one bad value no longer widens the others' intervals (2.6× before)
    assert width.loc["spiky"].iloc[0] < 2 * width.loc["occ0"].iloc[0]
    assert "outlier dampened" in with_spike.loc["spiky", "note"].iloc[0]


def test_a_unit_that_stopped_is_forecast_zero():
    values = [10.0, 12, 14, 15, 16, 15, 14, 12, 10, 0, 0, 0, 0, 0]
    peers = [series(f"p{i}", 50 + np.arange(14) * (i + 1.0)) for i in range(3)]
    fc = sf.forecast(pd.concat([series("closed", values), *peers]), h=3, models="auto", level=[80])
    closed = fc[fc["unique_id"] == "closed"]
    assert (closed[["mean", "lo_80", "hi_80"]] == 0).all().all()
    assert closed["note"].iloc[0] == "stopped: the last 5 values are 0 after 9 nonzero ones: forecast 0"


def _trending_panel(n: int = 6, length: int = 16) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    parts = []
    for i in range(n):
        growth = np.cumsum(0.6 * rng.normal(0.03, 0.02, length))  # growth that persists
        parts.append(series(f"s{i}", 100 * np.exp(growth) + rng.normal(0, 1, length)))
    return pd.concat(parts, ignore_index=True)


def test_auto_stays_inside_its_members_envelope():
    """The median of the members never leaves the range of the members' own forecasts."""
    panel = _trending_panel()
    auto = models.Auto(outliers="keep")
    fc = sf.forecast(panel, h=4, models=auto).set_index(["unique_id", "ds"])["mean"]
    members = {
        "ets": models.ETS(),
        "dot": models.Theta(variant="dynamic_optimized"),
        "ces": models.CES(),
        "ari": models.ARI(),
    }
    assert tuple(members) == auto.members
    each = sf.forecast(panel, h=4, models=members)
    wide = each.pivot_table(index=["unique_id", "ds"], columns="model", values="mean")
    assert (fc >= wide.min(axis=1) - 1e-9).all() and (fc <= wide.max(axis=1) + 1e-9).all()
    assert (fc - wide.median(axis=1)).abs().max() < 1e-9


def test_auto_is_the_same_in_process_and_in_parallel(worker_processes):
    panel = _trending_panel(n=8, length=12)
    sequential = sf.forecast(panel, h=3, models="auto", level=[80])
    with ThreadPoolExecutor(2) as pool:
        pd.testing.assert_frame_equal(
            sf.forecast(panel, h=3, models="auto", level=[80], executor=pool), sequential
        )
    pd.testing.assert_frame_equal(sf.forecast(panel, h=3, models="auto", level=[80], n_jobs=-1), sequential)
    assert len(worker_processes) == 1


def test_calibration_refits_keep_each_members_specification():
    y = 100 + np.cumsum(np.random.default_rng(1).normal(1.0, 1.0, 30))
    for model, spec in [
        (models.ARIMA(), lambda s: s.model_["arma"]),
        (models.ETS(), lambda s: s.model_["components"]),
        (models.ARI(), lambda s: s.spec),
    ]:
        state = model._fit_one(y, None)
        assert spec(model._refit_fixed(state, y[:-5])) == spec(state)
    fixed = sf.forecast(series("a", y), h=3, models="auto", level=[80])
    searched = sf.forecast(series("a", y), h=3, models=models.Auto(fixed_calibration=False), level=[80])
    pd.testing.assert_series_equal(fixed["mean"], searched["mean"])
    assert (fixed["hi_80"] > fixed["mean"]).all() and (searched["hi_80"] > searched["mean"]).all()


def test_without_ipywidgets_the_progress_bar_is_text(monkeypatch):
    import importlib.util

    from tqdm.std import tqdm as text_bar

    from staffing_forecast.engine import _progress_bar

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name, *a)
    )
    assert _progress_bar() is text_bar


def test_warnings_raised_in_worker_processes_reach_the_caller_once():
    # statsforecast's Theta warns on a short series; in a worker process that warning went to the worker's stderr.
    panel = pd.DataFrame(
        {"unique_id": ["a"] * 4 + ["b"] * 4, "ds": list(pd.date_range("2019", periods=4, freq="YS")) * 2,
         "y": [10.0, 12, 11, 14, 20, 22, 21, 25]}
    )  # fmt: skip
    with ProcessPoolExecutor(1) as pool, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sf.forecast(panel, h=2, models="theta", level=[80], executor=pool)
    told = [str(w.message) for w in caught if "Too few residuals" in str(w.message)]
    assert len(told) == 1


class _Refuses:
    """A third-party panel model (the hooks, no library base class) that cannot fit any series."""

    name = "refuses"
    supports_exog = False
    is_global = False

    def fit(self, y, X=None):
        return self

    def predict(self, h, X=None, level=()):
        raise AssertionError("not called: every series failed")

    def fit_panel(self, y, X=None, freq=None):
        return dict.fromkeys(y["unique_id"].astype(str).unique(), "refuses every series")

    def predict_panel(self, h, X=None, level=(), *, defer_intervals=False, pool_size=None):
        raise AssertionError("not called: every series failed")

    def uses_drivers(self):
        return False


def test_the_engine_dispatches_on_the_public_contract(occupations):
    assert isinstance(models.ETS(), models.PanelModel) and isinstance(_Refuses(), models.PanelModel)
    assert isinstance(models.LagRegression(), models.GlobalModel)
    assert not isinstance(models.ETS(), models.GlobalModel)
    # A panel model of its own making, with no fitted state the engine could peek at, falls back whole.
    fc = sf.forecast(occupations, h=2, models={"mine": _Refuses()})
    assert set(fc["model"]) == {"mine"}
    assert fc["fallback"].str.startswith("refuses every series; used naive").all()
    with pytest.raises(sf.ConfigError, match="is not a model: a model has fit, predict and supports_exog"):
        sf.forecast(occupations, h=2, models=["naive", object()])


def test_forecast_with_fitted_returns_the_named_tuple(occupations):
    result = sf.forecast(occupations, h=1, models="naive", fitted=True)
    assert isinstance(result, sf.Forecast)
    assert isinstance(sf.forecast(occupations, h=1, models="naive"), pd.DataFrame)


def test_executor_and_checkpoint_protocols():
    from staffing_forecast.engine import Checkpoint, DistributedExecutor, Executor
    from staffing_forecast.pipeline.store import Checkpoint as RunCheckpoint

    with ThreadPoolExecutor(1) as pool:
        assert isinstance(pool, Executor) and not isinstance(pool, DistributedExecutor)
    assert isinstance(RunCheckpoint(__import__("pathlib").Path(".")), Checkpoint)
    with pytest.raises(sf.ConfigError, match="executor must have a map method"):
        sf.forecast(series("a", [1, 2, 3, 4]), h=1, models="naive", executor=object())
