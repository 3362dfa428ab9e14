"""The hand-written benchmarks against statsforecast's own models on the same series.

Points agree exactly, and so do the normal interval bounds of Naive, SeasonalNaive and HistoricAverage. Drift's
bounds differ by one documented factor: we estimate σ with ``T − 2`` degrees of freedom (``T − 1`` one-step
changes, less the estimated slope: FPP3 §5.5, ``T − K − M``), statsforecast's ``RandomWalkWithDrift`` with
``T − 1``; so our half-widths are theirs times ``√((T − 1)/(T − 2))``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsforecast import models as reference

from staffing_forecast import models

LEVELS = [80, 95]


def ours(model, y: np.ndarray, h: int, freq: str = "YS") -> pd.DataFrame:
    panel = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2000-01-01", periods=y.size, freq=freq), "y": y}
    )
    return model.fit(panel).predict(h, level=LEVELS)


def theirs(model, y: np.ndarray, h: int) -> dict[str, np.ndarray]:
    return model.forecast(y=y, h=h, level=LEVELS)


# Random walks far from zero, so that clipping head counts at 0 never enters.
series = st.tuples(st.integers(0, 2**32 - 1), st.integers(6, 40), st.integers(1, 9)).map(
    lambda t: (1000 + np.cumsum(np.random.default_rng(t[0]).normal(0.5, 5.0, t[1])), t[2])
)


def assert_same(mine: pd.DataFrame, other: dict[str, np.ndarray], widen: float = 1.0) -> None:
    mean = mine["mean"].to_numpy()
    assert mean == pytest.approx(other["mean"], rel=1e-12)
    for lv in LEVELS:
        assert mean - mine[f"lo_{lv}"].to_numpy() == pytest.approx(
            widen * (other["mean"] - other[f"lo-{lv}"])
        )
        assert mine[f"hi_{lv}"].to_numpy() - mean == pytest.approx(
            widen * (other[f"hi-{lv}"] - other["mean"])
        )


EXACT = {
    "naive": (lambda: models.Naive(), lambda: reference.Naive(), "YS"),
    "seasonal_naive_2": (
        lambda: models.SeasonalNaive(season_length=2),
        lambda: reference.SeasonalNaive(season_length=2),
        "YS",
    ),
    "seasonal_naive_4": (
        lambda: models.SeasonalNaive(season_length=4),
        lambda: reference.SeasonalNaive(season_length=4),
        "QS",
    ),
    "historic_average": (lambda: models.HistoricAverage(), lambda: reference.HistoricAverage(), "YS"),
}


@pytest.mark.parametrize("name", list(EXACT))
@settings(max_examples=25, deadline=None)
@given(case=series)
def test_points_and_bounds_match_statsforecast(name, case):
    y, h = case
    mine, other, freq = EXACT[name]
    assert_same(ours(mine(), y, h, freq), theirs(other(), y, h))


@settings(max_examples=25, deadline=None)
@given(series)
def test_drift_matches_random_walk_with_drift(case):
    y, h = case
    widen = np.sqrt((y.size - 1) / (y.size - 2))  # degrees of freedom: T − 2 here, T − 1 in statsforecast
    assert_same(ours(models.Drift(), y, h), theirs(reference.RandomWalkWithDrift(), y, h), widen)


@settings(max_examples=25, deadline=None)
@given(series, st.integers(1, 6))
def test_windowed_average_matches_window_average(case, window):
    y, h = case  # statsforecast's WindowAverage has no intervals: points only
    panel = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2000-01-01", periods=y.size, freq="YS"), "y": y}
    )
    mine = models.HistoricAverage(window=window).fit(panel).predict(h)["mean"].to_numpy()
    assert mine == pytest.approx(reference.WindowAverage(window_size=window).forecast(y=y, h=h)["mean"])
