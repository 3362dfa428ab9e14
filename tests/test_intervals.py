"""Conformal intervals: the calibration rules by hand, and the engine's pooling over the whole call."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import t as student_t

import staffing_forecast as sf
from staffing_forecast import engine
from staffing_forecast.models.intervals import Scores, calibrate, needed_errors


def series(uid: str, values, start: str = "2012-01-01", freq: str = "YS") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range(start, periods=values.size, freq=freq), "y": values}
    )


def trending_panel(n: int, length: int = 14, seed: int = 0) -> pd.DataFrame:
    """Random walks with drift, each with its own level, drift and noise."""
    rng = np.random.default_rng(seed)
    level, drift, noise = rng.uniform(100, 700, n), rng.uniform(1, 4, n), rng.uniform(1, 4, n)
    return pd.concat(
        [series(f"s{i:03d}", level[i] + np.cumsum(rng.normal(drift[i], noise[i], length))) for i in range(n)],
        ignore_index=True,
    )


# --- the rules, by hand ---------------------------------------------------------------------------------------
def test_needed_errors():
    assert [needed_errors(lv) for lv in (50, 80, 90, 95, 99)] == [1, 4, 9, 19, 99]


def test_own_errors_give_the_split_conformal_quantile():
    y = np.arange(10.0)  # scale 1
    errors = np.tile(np.arange(1.0, 21.0)[:, None], (1, 2))  # 20 errors 1..20 at each step
    widths, notes, failures = calibrate(Scores.from_errors({"a": errors}, {"a": y}, own_first=True), 2, [80])
    # ⌈21 · 0.8⌉ / 20 = 0.85 → the "higher" 0.85 quantile of 1..20 is 17.
    assert widths["a"]["hi_80"].tolist() == [17.0, 17.0]
    assert notes == {} and failures == {}


def test_pooled_errors_are_rescaled_to_each_series():
    big, small = np.arange(0.0, 100.0, 10.0), np.arange(10.0)  # scales 10 and 1
    errors = {"big": np.full((10, 1), 20.0), "small": np.full((10, 1), 2.0)}  # both 2 scales off
    scores = Scores.from_errors(errors, {"big": big, "small": small}, own_first=False)
    widths, _, _ = calibrate(scores, 1, [90])
    assert widths["big"]["hi_90"][0] == pytest.approx(20.0)
    assert widths["small"]["hi_90"][0] == pytest.approx(2.0)


def test_few_errors_widen_with_students_t():
    y = np.arange(10.0)
    errors = np.array([[1.0], [2.0], [3.0], [1.0], [2.0], [3.0]])  # 6 errors, 19 needed for 95 %
    widths, notes, _ = calibrate(Scores.from_errors({"a": errors}, {"a": y}, own_first=False), 1, [95])
    rms = math.sqrt(np.mean(errors**2))
    expected = student_t.ppf(0.975, 5) * math.sqrt(1 + 1 / 6) * rms
    assert widths["a"]["hi_95"][0] == pytest.approx(expected)
    assert "95 % interval widened (Student's t): 6 past errors where 19 calibrate it" in notes["a"]


def test_steps_without_errors_grow_like_a_random_walk_from_one_tested_step():
    y = np.arange(10.0)
    errors = np.full((10, 3), np.nan)
    errors[:, 0] = 1.0  # only step 1 was ever tested
    widths, notes, _ = calibrate(Scores.from_errors({"a": errors}, {"a": y}, own_first=False), 3, [80])
    assert widths["a"]["hi_80"] == pytest.approx([1.0, math.sqrt(2), math.sqrt(3)])
    assert "interval beyond step 1 grown as the past errors grew (∝ h^0.50)" in notes["a"]


def test_constant_series_borrow_a_relative_scale():
    scores = Scores.from_errors(
        {
            "moving": np.full((20, 1), 1.0),
            "seven": np.zeros((20, 1)),
            "huge": np.zeros((20, 1)),
        },
        {"moving": np.arange(100.0, 110.0), "seven": np.full(10, 7.0), "huge": np.full(10, 1e12)},
        own_first=False,
    )
    widths, notes, _ = calibrate(scores, 1, [80])
    relative = 1.0 / np.mean(np.arange(100.0, 110.0))  # the moving series changes by 1 a period
    assert widths["seven"]["hi_80"][0] == pytest.approx(7 * relative)
    assert widths["huge"]["hi_80"][0] == pytest.approx(1e12 * relative)
    assert "no change in the history" in notes["seven"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0, 100), min_size=1, max_size=30),
    st.integers(1, 6),
    st.sampled_from([(80,), (80, 95), (50, 90, 99)]),
)
def test_widths_are_finite_nonnegative_and_never_narrow(values, h, levels):
    y = np.cumsum(np.r_[1.0, np.arange(9.0)])
    errors = np.full((len(values), h), np.nan)
    errors[:, 0] = values
    scores = Scores.from_errors({"a": errors}, {"a": y}, own_first=True)
    widths, _, failures = calibrate(scores, h, levels)
    assert not failures
    for lv in levels:
        w = widths["a"][f"hi_{lv}"]
        assert np.all(np.isfinite(w)) and np.all(w >= 0) and np.all(np.diff(w) >= 0)


# --- the engine pools over the whole call ------------------------------------------------------------------------
def test_the_regional_total_gets_its_own_model_and_a_95_interval():
    total = sf.aggregate(sf.datasets.load_demo().employment, by=[])
    fc = sf.forecast(total, h=7, models="auto", level=[80, 95])
    assert (fc["fallback"] == "").all()
    assert fc["mean"].is_monotonic_increasing  # the trend is kept, not a flat naive line
    assert fc["mean"].iloc[0] > total["y"].iloc[-1]
    assert (fc["hi_95"] >= fc["hi_80"]).all() and (fc["hi_80"] > fc["mean"]).all()
    # One series alone: its own rolling-origin errors, every step together, calibrate both levels; past the
    # steps they could test, the fan keeps growing as they grew.
    assert "widened" not in fc["note"].iloc[0]
    assert "interval beyond step" in fc["note"].iloc[0]


def test_a_short_neighbour_changes_nothing_for_long_series():
    long = trending_panel(4)
    both = pd.concat([long, series("short", [5.0, 6.0], start="2024-01-01")], ignore_index=True)
    alone = sf.forecast(long, h=3, models="auto", level=[80, 95])
    together = sf.forecast(both, h=3, models="auto", level=[80, 95])
    kept = together[together["unique_id"] != "short"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, alone)
    assert (together["fallback"] == "").all()
    short = together[together["unique_id"] == "short"]
    assert short["note"].str.contains("short \\(2 observations;").all()


def test_results_do_not_depend_on_how_the_panel_is_cut(monkeypatch):
    panel = trending_panel(30)
    whole = sf.forecast(panel, h=4, models=["auto", "croston"], level=[80, 95])
    monkeypatch.setattr(engine, "_CHUNK_SERIES", 7)
    pd.testing.assert_frame_equal(sf.forecast(panel, h=4, models=["auto", "croston"], level=[80, 95]), whole)


def test_a_subset_gets_the_same_intervals_up_to_the_pooled_quantile():
    """Similar series of a call share one pool (here: one length, two volatility classes), so forecasting every
    second series moves the widths of a pool by one factor (the sampling error of a quantile from half the
    errors), never one series more than its neighbours."""
    panel = trending_panel(200)
    ids = sorted(panel["unique_id"].unique())
    half = panel[panel["unique_id"].isin(ids[::2])]
    whole = sf.forecast(panel, h=3, models="auto", level=[95]).set_index(["unique_id", "ds"])
    part = sf.forecast(half, h=3, models="auto", level=[95]).set_index(["unique_id", "ds"])
    pd.testing.assert_series_equal(part["mean"], whole["mean"].loc[part.index])
    ratio = ((part["hi_95"] - part["lo_95"]) / (whole["hi_95"] - whole["lo_95"]).loc[part.index]).unstack()
    factors = np.unique(ratio.to_numpy().round(9), axis=0)
    assert len(factors) <= 3  # one factor per pool (a series near the median volatility may change pool)
    assert (abs(factors - 1) < 0.25).all()


def test_long_horizons_never_fail_the_call():
    panel = trending_panel(3)
    fc = sf.forecast(panel, h=13, models="auto", level=[80, 95])
    values = fc[["lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()
    assert np.isfinite(values).all() and (fc["fallback"] == "").all()
    width = (fc["hi_95"] - fc["lo_95"]).to_numpy().reshape(3, 13)
    assert (np.diff(width, axis=1) >= -1e-9).all()
    assert fc["note"].str.contains("grown as the past errors grew").all()


def test_constant_head_counts_get_intervals_of_their_own_size():
    panel = pd.concat(
        [trending_panel(5), series("seven", [7.0] * 14), series("huge", [1e12] * 14)], ignore_index=True
    )
    fc = sf.forecast(panel, h=7, models="auto", level=[95]).set_index("unique_id")
    seven, huge = fc.loc["seven"], fc.loc["huge"]
    assert (seven["mean"] == 7).all() and (huge["mean"] == 1e12).all()
    assert seven["hi_95"].iloc[-1] < 14 and seven["lo_95"].iloc[-1] > 0  # not [0, 98]
    ratio = (huge["hi_95"] - huge["mean"]).to_numpy() / (seven["hi_95"] - seven["mean"]).to_numpy()
    assert np.allclose(ratio, 1e12 / 7)
    assert seven["note"].str.contains("no change in the history").all()


# --- one fitted fan shape ----------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.floats(0, 1e3), st.just(float("nan"))), min_size=1, max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30),
    st.integers(1, 9),
    st.sampled_from([(80, 95), (50, 80, 99), (95,)]),
    st.booleans(),
)
def test_bands_are_nested_and_never_narrow_for_any_errors(rows, values, h, levels, own_first):
    width = max(len(r) for r in rows)
    errors = np.array([r + [float("nan")] * (width - len(r)) for r in rows])
    y = np.asarray(values)
    panel = {"a": y, "b": y * 2 + 1, "flat": np.full(5, 3.0)}
    scores = Scores.from_errors(
        {"a": errors, "b": errors[::-1], "flat": errors}, panel, own_first=own_first
    )
    widths, _, failures = calibrate(scores, h, levels)
    assert not failures
    for uid, bands in widths.items():
        previous = np.zeros(h)
        for lv in sorted(levels):
            w = bands[f"hi_{lv}"]
            assert np.all(np.isfinite(w)) and np.all(w >= previous), (uid, lv)  # nested
            assert np.all(np.diff(w) >= 0), (uid, lv)  # never narrower further ahead
            previous = w


def test_one_shape_gives_every_step_the_same_ratio_between_levels():
    rng = np.random.default_rng(1)
    steps = np.arange(1, 6)
    errors = {f"s{i}": np.abs(rng.standard_t(4, (2, 5))) * steps**0.5 for i in range(40)}
    series = {u: np.cumsum(rng.normal(1, 1, 25)) for u in errors}
    widths, _, _ = calibrate(Scores.from_errors(errors, series, own_first=False), 8, [80, 95])
    ratio = np.array([w["hi_95"] / w["hi_80"] for w in widths.values()])
    assert np.allclose(ratio, ratio[0, 0])  # one ratio for every step and series of the pool
    growth = np.diff(np.log(widths["s0"]["hi_80"])) / np.diff(np.log(np.arange(1, 9)))
    assert np.allclose(growth, growth[0]) and 0.3 < growth[0] < 0.7  # a power of h, fitted (½ here)


def _generated(kind: str, n: int, length: int, seed: int) -> pd.DataFrame:
    """Series of a known process: a random walk with drift, an AR(1) around a level, or a damped trend."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        noise = rng.normal(0, rng.uniform(2, 6), length)
        if kind == "random_walk":
            y = 500 + np.cumsum(rng.uniform(0, 3) + noise)
        elif kind == "ar1":
            y = np.empty(length)
            y[0] = noise[0]
            for t in range(1, length):
                y[t] = 0.6 * y[t - 1] + noise[t]
            y = 300 + y
        else:  # damped trend: the slope shrinks by φ each period
            slope = rng.uniform(2, 8) * 0.85 ** np.arange(length)
            y = 400 + np.cumsum(slope) + noise
        frames.append(series(f"{kind}{i:03d}", y))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["random_walk", "ar1", "damped_trend"])
def test_generated_series_are_covered_as_promised_by_fans_that_grow(kind):
    h = 6
    panel = _generated(kind, 120, 26, seed=3)
    cutoff = panel["ds"].sort_values().unique()[-h - 1]
    train, test = panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff]
    fc = sf.forecast(train, h=h, models="auto", level=[80, 95], progress=False)
    joined = test.merge(fc, on=["unique_id", "ds"])
    for lv, (low, high) in {80: (70, 92), 95: (88, 99.5)}.items():
        inside = 100 * np.mean((joined["y"] >= joined[f"lo_{lv}"]) & (joined["y"] <= joined[f"hi_{lv}"]))
        assert low <= inside <= high, (kind, lv, inside)
    for lv in (80, 95):
        width = (fc[f"hi_{lv}"] - fc[f"lo_{lv}"]).to_numpy().reshape(-1, h)
        assert (np.diff(width, axis=1) >= -1e-9).all()


def test_series_are_calibrated_with_series_of_their_length_when_there_are_enough():
    rng = np.random.default_rng(2)
    series_, errors = {}, {}
    for i in range(30):  # short series whose past errors are three scales, long ones whose are one
        series_[f"short{i}"], errors[f"short{i}"] = np.arange(12.0) + rng.normal(0, 0.01, 12), np.full((2, 1), 3.0)
        series_[f"long{i}"], errors[f"long{i}"] = np.arange(40.0) + rng.normal(0, 0.01, 40), np.full((2, 1), 1.0)
    scores = Scores.from_errors(errors, series_, own_first=False)
    widths, _, _ = calibrate(scores, 1, [80])
    short = widths["short0"]["hi_80"][0] / scores.scale["short0"]
    long = widths["long0"]["hi_80"][0] / scores.scale["long0"]
    assert short == pytest.approx(3.0, rel=0.05) and long == pytest.approx(1.0, rel=0.05)
    # With too few of its length, a series joins the whole call's pool.
    few = {u: e for u, e in errors.items() if u.startswith("long") or u in ("short0", "short1")}
    widths, _, _ = calibrate(Scores.from_errors(few, {u: series_[u] for u in few}, own_first=False), 1, [80])
    assert widths["short0"]["hi_80"][0] / scores.scale["short0"] == pytest.approx(1.0, rel=0.05)
