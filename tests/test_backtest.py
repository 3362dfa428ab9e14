"""Rolling origins without look-ahead, sliding windows, and choosing a model per series."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast import models


def year_series(uid: str, first: int, last: int) -> pd.DataFrame:
    """A series whose value is its year, so a fit's last value tells which date it saw last."""
    years = np.arange(first, last + 1)
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.to_datetime([f"{y}-01-01" for y in years]), "y": years.astype(float)}
    )


@settings(max_examples=30, deadline=None)
@given(
    st.integers(10, 16),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.sampled_from(["expanding", "sliding"]),
    st.integers(3, 6),
)
def test_no_fit_sees_past_its_cutoff(length, h, n_windows, step, window, input_size):
    panel = pd.concat([year_series("a", 2025 - length + 1, 2025), year_series("b", 2025 - length + 3, 2025)])
    seen: list[tuple[float, int]] = []

    class Spy(models.Naive):
        def _fit_one(self, y, X):
            seen.append((float(y[-1]), y.size))
            return super()._fit_one(y, X)

    sliding = {"input_size": input_size} if window == "sliding" else {}
    cv = sf.cross_validate(
        panel, h=h, n_windows=n_windows, step=step, models={"spy": Spy()}, window=window, **sliding
    )
    cutoffs = sorted(cv["cutoff"].dt.year.unique())
    assert sorted({last for last, _ in seen}) == cutoffs  # the last date each fit saw is its cutoff
    assert (cv["ds"] > cv["cutoff"]).all()
    assert ((cv["ds"].dt.year - cv["cutoff"].dt.year) <= h).all()
    if window == "sliding":
        assert max(size for _, size in seen) <= input_size


def test_window_arguments_are_checked():
    panel = year_series("a", 2010, 2025)
    with pytest.raises(sf.ConfigError, match="needs input_size"):
        sf.cross_validate(panel, h=1, n_windows=2, models="naive", window="sliding")
    with pytest.raises(sf.ConfigError, match="window='rolling'"):
        sf.cross_validate(panel, h=1, n_windows=2, models="naive", window="rolling")
    with pytest.raises(sf.ConfigError, match="input_size applies to window='sliding' only"):
        sf.cross_validate(panel, h=1, n_windows=2, models="naive", input_size=5)


def cv_frame(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": [r[0] for r in rows],
            "model": [r[1] for r in rows],
            "cutoff": [pd.Timestamp(f"{r[2]}-01-01") for r in rows],
            "ds": [pd.Timestamp(f"{r[2] + 1}-01-01") for r in rows],
            "y": [r[3] for r in rows],
            "mean": [r[4] for r in rows],
        }
    )


def test_select_picks_the_lowest_error_and_breaks_ties_by_preference():
    cv = cv_frame(
        [
            ("a", "naive", 2020, 10, 12), ("a", "drift", 2020, 10, 11),
            ("a", "naive", 2021, 10, 12), ("a", "drift", 2021, 10, 11),
            ("b", "naive", 2020, 10, 11), ("b", "drift", 2020, 10, 9),
            ("b", "naive", 2021, 10, 11), ("b", "drift", 2021, 10, 9),
            ("c", "naive", 2021, 10, 10), ("c", "drift", 2021, 10, 12),
        ]
    )  # fmt: skip
    choice = sf.select(cv, "mae", preference=["naive", "drift"]).set_index("unique_id")
    assert choice.loc["a", "model"] == "drift" and choice.loc["a", "runner_up"] == "naive"
    assert choice.loc["b", "model"] == "naive"  # both miss by 1: a tie, naive is preferred
    assert choice.loc["b", "reason"].startswith("tie on mae")
    assert choice.loc["c", "model"] == "naive" and choice.loc["c", "reason"].startswith("too short to judge")
    assert (
        sf.select(cv, "mae", preference=["drift", "naive"]).set_index("unique_id").loc["b", "model"]
        == "drift"
    )
    assert (
        sf.select(cv, "mae", min_windows=1, default="drift").set_index("unique_id").loc["c", "model"]
        == "naive"
    )


def test_select_and_pick_through_the_engine(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    candidates = ["naive", "drift", "theta"]
    cv = sf.cross_validate(panel, h=2, n_windows=3, models=candidates)
    choice = sf.select(cv, "mase", train=panel)
    assert set(choice["model"]) <= set(candidates)
    scores = sf.evaluate(cv, ["mase"], train=panel).pivot(index="unique_id", columns="model", values="mase")
    chosen = choice.set_index("unique_id")["model"]
    assert all(scores.loc[u, chosen[u]] <= scores.loc[u].min() + 1e-9 for u in scores.index)
    fc = sf.pick(sf.forecast(panel, h=3, models=candidates), choice)
    assert len(fc) == 3 * panel["unique_id"].nunique()
    with pytest.raises(sf.ConfigError, match="which the forecasts do not contain"):
        sf.pick(sf.forecast(panel, h=3, models="naive"), choice.assign(model="drift"))


def test_select_lists_series_the_cross_validation_skipped():
    panel = pd.concat([year_series("old", 2000, 2009), year_series("new", 2010, 2025)])
    cv = sf.cross_validate(panel, h=1, n_windows=2, models=["naive", "drift"])
    choice = sf.select(cv, "mae", preference=["naive", "drift"]).set_index("unique_id")
    assert choice.loc["old", "model"] == "naive" and choice.loc["old", "windows"] == 0
    assert choice.loc["old", "reason"].startswith("too short to judge: 0 windows")
    with pytest.raises(sf.ConfigError, match="forecast series have no choice"):
        sf.pick(sf.forecast(panel, h=1, models="naive"), choice.drop(index="old").reset_index())


def test_progress_counts_every_window_of_every_series(demo, capsys):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    sf.cross_validate(panel, h=2, n_windows=3, models="naive", progress=True)
    bar = capsys.readouterr().err
    assert "cross-validating" in bar and "48/48" in bar  # one bar: 3 windows × 16 series
    h = sf.Hierarchy.from_keys(demo.employment, [[], ["occupation"]])
    sf.cross_validate(demo.employment, h=2, n_windows=2, models="naive", hierarchy=h, progress=True)
    counts = re.findall(r"(\d+)/(\d+)", capsys.readouterr().err)
    assert counts and counts[-1][0] == counts[-1][1]  # the bar ends full: every origin's series counted
    sf.cross_validate(panel, h=2, n_windows=3, models="naive", progress=False)
    sf.cross_validate(panel, h=2, n_windows=3, models="naive")  # short: the bar never appears
    assert capsys.readouterr().err == ""
