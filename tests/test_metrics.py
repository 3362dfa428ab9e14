"""Metrics: a tiny example by hand, slow obvious references under hypothesis, utilsforecast as a cross-check."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import utilsforecast.losses as uf
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast import metrics

TRAIN = pd.DataFrame(
    {"unique_id": "a", "ds": pd.to_datetime(["2020", "2021", "2022", "2023"]), "y": [10.0, 12.0, 11.0, 14.0]}
)
CV = pd.DataFrame(
    {
        "unique_id": "a",
        "model": "m",
        "cutoff": pd.Timestamp("2023"),
        "ds": pd.to_datetime(["2024", "2025"]),
        "y": [15.0, 13.0],
        "mean": [16.0, 14.0],
        "lo_80": [14.0, 13.5],
        "hi_80": [17.0, 15.0],
    }
)


def test_every_metric_on_a_tiny_example_by_hand():
    scores = sf.evaluate(CV, list(metrics.METRICS), train=TRAIN).iloc[0]
    # scale = mean(|12−10|, |11−12|, |14−11|) = 2; scale_sq = (4 + 1 + 9)/3; last actual 14.
    expected = {
        "mae": 1.0,
        "rmse": 1.0,
        "mape": 100 * (1 / 15 + 1 / 13) / 2,
        "smape": 100 * (1 / 31 + 1 / 27),
        "wape": 100 * 2 / 28,
        "bias": 1.0,
        "mase": 0.5,
        "rmsse": math.sqrt(3 / 14),
        "coverage_80": 50.0,  # 15 in [14, 17]; 13 not in [13.5, 15]
        "pinball_80": (0.1 * 1 + 0.9 * 0.5 + 0.1 * 2 + 0.1 * 2) / 4,
        "winkler_80": (3 + (1.5 + 10 * 0.5)) / 2,  # α = 0.2: the miss of 0.5 costs 2/α · 0.5
        "direction": 50.0,  # up (16 vs 14) and up: right; flat (14) vs down: wrong
    }
    for name, value in expected.items():
        assert scores[name] == pytest.approx(value), name


def test_evaluate_groups_by_step_and_overall():
    by_step = sf.evaluate(CV, ["mae"], by="step")
    assert by_step[["step", "mae"]].values.tolist() == [[1, 1.0], [2, 1.0]]
    overall = sf.evaluate(CV, ["mae"], by=())
    assert overall.columns.tolist() == ["model", "mae", "n_mae"]
    assert overall["n_mae"].tolist() == [2]
    with pytest.raises(sf.ConfigError, match="cannot group by 'horizon'"):
        sf.evaluate(CV, ["mae"], by="horizon")
    with pytest.raises(sf.ConfigError, match=r"\['direction', 'mase'\] need the training data"):
        sf.evaluate(CV, ["mase", "direction"])
    with pytest.raises(sf.ConfigError, match="unknown metric 'masse'; did you mean 'mase'"):
        sf.evaluate(CV, ["masse"])


def test_leaderboard_ranks_and_counts_wins(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    cv = sf.cross_validate(panel, h=2, n_windows=2, models=["naive", "drift", "historic_average"])
    board = sf.leaderboard(cv, ["mase", "direction"], train=panel)
    assert board["rank"].tolist() == [1, 2, 3]
    assert board["mase"].is_monotonic_increasing
    assert board["wins"].sum() == pytest.approx(100.0)
    per_series = sf.evaluate(cv, ["mase"], train=panel)
    assert board.set_index("model").loc["naive", "mase"] == pytest.approx(
        per_series[per_series["model"] == "naive"]["mase"].mean()
    )


YEARS = list(pd.date_range("2018", periods=8, freq="YS"))
# "flat" is constant up to 2022, so at that cutoff its MASE scale (the mean absolute change) is undefined.
NO_SCALE = pd.DataFrame(
    {
        "unique_id": ["flat"] * 8 + ["line"] * 8,
        "ds": YEARS * 2,
        "y": [5.0, 5, 5, 5, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8],
    }
)


def test_rows_without_a_scale_leave_the_mean_with_a_warning_that_counts_them():
    cv = sf.cross_validate(NO_SCALE, h=1, n_windows=3, step=1, models="naive")
    with pytest.warns(
        sf.StaffingForecastWarning, match=r"1 of 6 rows \(1 series, e.g. 'flat' at cutoff 2022-01-01\)"
    ):
        overall = sf.evaluate(cv, ["mase", "mae"], train=NO_SCALE, by=["model"])
    # Naive misses by 1 every year. line: scale 1 → 1, 1, 1. flat: 2022 has no scale; at 2023 the scale is
    # 1/5 (one change in five), at 2024 2/6 → scaled errors 5 and 3.
    assert overall["mase"].iloc[0] == pytest.approx((1 + 1 + 1 + 5 + 3) / 5)
    assert overall[["n_mase", "mae", "n_mae"]].iloc[0].tolist() == [5, 1.0, 6]
    with pytest.warns(sf.StaffingForecastWarning):
        per_series = sf.evaluate(cv, ["mase"], train=NO_SCALE).set_index("unique_id")
    assert per_series.loc["flat", ["mase", "n_mase"]].tolist() == [4.0, 2]


def test_leaderboard_and_select_count_the_rows_behind_each_figure():
    cv = sf.cross_validate(NO_SCALE, h=1, n_windows=3, step=1, models=["naive", "drift"])
    with pytest.warns(sf.StaffingForecastWarning, match="2 of 12 rows"):
        board = sf.leaderboard(cv, ["mase"], train=NO_SCALE).set_index("model")
    assert board["n_mase"].tolist() == [5, 5]
    assert board.loc["naive", "mase"] == pytest.approx((1.0 + 4.0) / 2)  # the mean of the series' figures
    with pytest.warns(sf.StaffingForecastWarning):
        choice = sf.select(cv, "mase", train=NO_SCALE, min_windows=1).set_index("unique_id")
    assert choice.loc["line", ["model", "score", "n_score"]].tolist() == ["drift", 0.0, 3]
    assert choice.loc["flat", "n_score"] == 2


def test_a_group_with_no_usable_row_has_no_figure():
    cv = sf.cross_validate(NO_SCALE, h=1, n_windows=3, step=1, models="naive")
    with pytest.warns(sf.StaffingForecastWarning):
        scores = sf.evaluate(cv[cv["cutoff"] == "2022-01-01"], ["mase"], train=NO_SCALE).set_index(
            "unique_id"
        )
    assert np.isnan(scores.loc["flat", "mase"]) and scores.loc["flat", "n_mase"] == 0


# --- slow, obvious references -----------------------------------------------------------------------------------


def slow(name, y, y_hat, lo, hi, level, scale, scale_sq, last):
    n = len(y)
    if name == "mae":
        return sum(abs(y[i] - y_hat[i]) for i in range(n)) / n
    if name == "rmse":
        return math.sqrt(sum((y[i] - y_hat[i]) ** 2 for i in range(n)) / n)
    if name == "mape":
        terms = [abs(y[i] - y_hat[i]) / abs(y[i]) for i in range(n) if y[i] != 0]
        return 100 * sum(terms) / len(terms) if terms else float("nan")
    if name == "smape":
        total = 0.0
        for i in range(n):
            d = abs(y[i]) + abs(y_hat[i])
            total += abs(y[i] - y_hat[i]) / d if d else 0.0
        return 200 * total / n
    if name == "wape":
        s = sum(abs(v) for v in y)
        return 100 * sum(abs(y[i] - y_hat[i]) for i in range(n)) / s if s else float("nan")
    if name == "bias":
        return sum(y_hat[i] - y[i] for i in range(n)) / n
    if name == "mase":
        return sum(abs(y[i] - y_hat[i]) / scale for i in range(n)) / n
    if name == "rmsse":
        return math.sqrt(sum((y[i] - y_hat[i]) ** 2 / scale_sq for i in range(n)) / n)
    if name == "coverage":
        return 100 * sum(1 for i in range(n) if lo[i] <= y[i] <= hi[i]) / n
    if name == "pinball":
        q_lo, q_hi = (1 - level / 100) / 2, (1 + level / 100) / 2
        total = 0.0
        for i in range(n):
            for q, b in ((q_lo, lo[i]), (q_hi, hi[i])):
                total += q * (y[i] - b) if y[i] >= b else (1 - q) * (b - y[i])
        return total / (2 * n)
    if name == "winkler":
        alpha = 1 - level / 100
        total = 0.0
        for i in range(n):
            total += hi[i] - lo[i]
            if y[i] < lo[i]:
                total += 2 / alpha * (lo[i] - y[i])
            if y[i] > hi[i]:
                total += 2 / alpha * (y[i] - hi[i])
        return total / n

    def sign(v):
        return int(v > 0) - int(v < 0)

    return 100 * sum(1 for i in range(n) if sign(y_hat[i] - last) == sign(y[i] - last)) / n


values = st.floats(0, 1000, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(values, values, values, values), min_size=1, max_size=12),
    st.sampled_from([50, 80, 95]),
    st.floats(0.1, 50),
    st.floats(0.1, 500),
    values,
)
def test_each_metric_matches_a_slow_reference(rows, level, scale, scale_sq, last):
    y = np.array([r[0] for r in rows])
    y_hat = np.array([r[1] for r in rows])
    lo = np.minimum(y_hat, np.array([r[2] for r in rows]))
    hi = np.maximum(y_hat, np.array([r[3] for r in rows]))
    for name, function in metrics.METRICS.items():
        fast = function(y, y_hat, lo=lo, hi=hi, level=level, scale=scale, scale_sq=scale_sq, y_last=last)
        reference = slow(name, list(y), list(y_hat), list(lo), list(hi), level, scale, scale_sq, last)
        if math.isnan(reference):
            assert math.isnan(fast), name
        else:
            assert fast == pytest.approx(reference, rel=1e-9, abs=1e-9), name


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1000), st.floats(1, 1000)), min_size=2, max_size=10))
def test_metrics_agree_with_utilsforecast(rows):
    y = np.array([r[0] for r in rows])
    y_hat = np.array([r[1] for r in rows])
    frame = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": np.arange(len(y)),
            "y": y,
            "m": y_hat,
            "m-lo-80": y_hat - 5,
            "m-hi-80": y_hat + 5,
        }
    )
    train = pd.DataFrame({"unique_id": "a", "ds": np.arange(-4, 0), "y": [10.0, 12.0, 11.0, 14.0]})

    def theirs(function, *args):
        return float(function(frame, ["m"], *args)["m"].iloc[0])

    assert metrics.mae(y, y_hat) == pytest.approx(theirs(uf.mae))
    assert metrics.rmse(y, y_hat) == pytest.approx(theirs(uf.rmse))
    assert metrics.mape(y, y_hat) == pytest.approx(100 * theirs(uf.mape))
    assert metrics.smape(y, y_hat) == pytest.approx(200 * theirs(uf.smape))  # utilsforecast: M4 sMAPE / 200
    assert metrics.wape(y, y_hat) == pytest.approx(100 * theirs(uf.wape))
    assert metrics.mase(y, y_hat, scale=2.0) == pytest.approx(theirs(uf.mase, 1, train))
    assert metrics.rmsse(y, y_hat, scale_sq=14 / 3) == pytest.approx(theirs(uf.rmsse, 1, train))
    lo, hi = y_hat - 5, y_hat + 5
    assert metrics.coverage(y, y_hat, lo=lo, hi=hi) == pytest.approx(100 * theirs(uf.coverage, 80))
    assert metrics.winkler(y, y_hat, lo=lo, hi=hi, level=80) == pytest.approx(theirs(uf.winkler_score, 80))


# --- evaluate scores every group at once: the same figures as the metric functions group by group ---------------


def _slow_evaluate(cv, names, train, season_length, level):
    """Per window: seasonal_scale on the history up to the cutoff; per group: the metric function on its rows."""
    rows = []
    for (uid, model), g in cv.groupby(["unique_id", "model"], sort=True):
        context = {"scale": [], "scale_sq": [], "y_last": []}
        for cutoff in g["cutoff"]:
            past = train[(train["unique_id"] == uid) & (train["ds"] <= cutoff)].sort_values("ds")
            values = past["y"].to_numpy(dtype=float)
            context["scale"].append(metrics.seasonal_scale(values, season_length))
            context["scale_sq"].append(metrics.seasonal_scale(values, season_length, power=2))
            context["y_last"].append(values[-1] if values.size else np.nan)
        context = {k: np.array(v) for k, v in context.items()}
        context |= {"lo": g[f"lo_{level}"].to_numpy(), "hi": g[f"hi_{level}"].to_numpy()}
        y, y_hat = g["y"].to_numpy(dtype=float), g["mean"].to_numpy(dtype=float)
        row = {"unique_id": uid, "model": model}
        for name in names:
            column = f"{name}_{level}" if name in ("coverage", "pinball", "winkler") else name
            need = {"mase": "scale", "rmsse": "scale_sq", "direction": "y_last"}.get(name)
            used = (
                np.isfinite(context[need]) if need else (y != 0 if name == "mape" else np.ones(y.size, bool))
            )
            subset = {k: v[used] for k, v in context.items()}
            function = metrics.METRICS[name]
            row[column] = function(y[used], y_hat[used], level=level, **subset) if used.any() else np.nan
            row[f"n_{column}"] = int(used.sum())
        rows.append(row)
    return pd.DataFrame(rows)


counts = st.integers(0, 30).map(float) | st.just(float("nan"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(counts, min_size=1, max_size=9), min_size=1, max_size=4),
    st.sampled_from([1, 2, 4]),
    st.integers(0, 2**16),
)
def test_evaluate_matches_the_metric_functions_group_by_group(histories, season_length, seed):
    # Series of different lengths, with gaps (NaN), constant stretches and cutoffs before the first value.
    rng = np.random.default_rng(seed)
    train = pd.concat(
        [
            pd.DataFrame(
                {"unique_id": f"s{i}", "ds": pd.date_range("2010", periods=len(v), freq="YS"), "y": v}
            )
            for i, v in enumerate(histories)
        ],
        ignore_index=True,
    )
    rows = []
    for i, v in enumerate(histories):
        for model in ("a", "b"):
            for cutoff_year in sorted(set(rng.integers(2009, 2010 + len(v), size=2))):
                y = rng.integers(0, 30, size=2).astype(float)
                mean = y + rng.normal(0, 3, size=2)
                rows.append(
                    pd.DataFrame(
                        {
                            "unique_id": f"s{i}",
                            "model": model,
                            "cutoff": pd.Timestamp(f"{cutoff_year}-01-01"),
                            "ds": pd.to_datetime([f"{cutoff_year + 1}", f"{cutoff_year + 2}"]),
                            "y": y,
                            "mean": mean,
                            "lo_80": mean - rng.uniform(0, 5, size=2),
                            "hi_80": mean + rng.uniform(0, 5, size=2),
                        }
                    )
                )
    cv = pd.concat(rows, ignore_index=True)
    names = list(metrics.METRICS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sf.StaffingForecastWarning)  # rows without a scale are counted there
        fast = sf.evaluate(cv, names, train=train, season_length=season_length, level=80)
    slow = _slow_evaluate(cv, names, train, season_length, 80)
    assert list(fast.columns) == list(slow.columns)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, rtol=1e-9, atol=1e-9)


def test_evaluate_on_a_real_cross_validation_matches_the_metric_functions(demo_panel_with_gaps):
    # The real output of sf.cross_validate (intervals, several models and origins, a late entrant), not a stand-in.
    panel = demo_panel_with_gaps
    cv = sf.cross_validate(panel, h=2, n_windows=3, models=["naive", "drift", "theta"], level=[80])
    names = list(metrics.METRICS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sf.StaffingForecastWarning)
        fast = sf.evaluate(cv, names, train=panel, level=80)
    slow = _slow_evaluate(cv, names, panel, 1, 80)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, rtol=1e-9, atol=1e-9)


@pytest.fixture
def demo_panel_with_gaps():
    panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    late = panel["occupation"] == panel["occupation"].iloc[0]
    return panel[~late | (panel["ds"].dt.year >= 2019)].reset_index(drop=True)  # one series enters in 2019


def test_a_metric_added_to_the_registry_is_scored_group_by_group(monkeypatch):
    def median_error(y, y_hat, **_):
        return float(np.median(np.abs(y - y_hat)))

    monkeypatch.setitem(metrics.METRICS, "median_ae", median_error)
    scores = sf.evaluate(CV.assign(model="m"), ["median_ae", "mae"], train=TRAIN)
    assert scores[["median_ae", "n_median_ae", "mae"]].values.tolist() == [[1.0, 2, 1.0]]
