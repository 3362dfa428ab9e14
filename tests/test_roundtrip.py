"""Every frame the library returns survives a Parquet and a pickle round trip, attrs included."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import staffing_forecast as sf

pytestmark = pytest.mark.slow  # builds every output of the library once (about 8 s)


def _panel(demo: sf.Bundle) -> pd.DataFrame:
    """Occupation totals, plus one series that ends early so that cross-validation skips it."""
    occupations = sf.aggregate(demo.employment, by=["occupation"])
    first = occupations[occupations["unique_id"] == occupations["unique_id"].iloc[0]]
    ended = first[first["ds"].dt.year <= 2018].assign(unique_id="ended", occupation="ended")
    return pd.concat([occupations, ended], ignore_index=True)


@pytest.fixture(scope="module")
def frames(demo: sf.Bundle) -> dict[str, pd.DataFrame]:
    panel = _panel(demo)
    cv = sf.cross_validate(panel, h=2, n_windows=2, models=["naive", "drift"], level=[80])
    assert cv.attrs["skipped"], "the fixture must exercise attrs"
    out = {
        "forecast": sf.forecast(panel, h=2, models=["naive", "drift"], level=[80, 95]),
        "cross_validate": cv,
        "evaluate": sf.evaluate(cv, ["mase", "smape", "coverage", "direction"], train=panel),
        "leaderboard": sf.leaderboard(cv, ["mase", "direction"], train=panel),
        "select": sf.select(cv, "mase", train=panel),
        "aggregate": sf.aggregate(demo.employment, by=["sector"]),
        "to_annual": sf.to_annual(demo.employment_quarterly, "stock"),
        "graduate_outcomes": sf.monitoring.graduate_outcomes(demo),
        "outcome_trends": sf.monitoring.outcome_trends(demo),
        "satisfaction": sf.monitoring.satisfaction(demo, n_resamples=100),
        "institution_scores": sf.monitoring.institution_scores(demo),
        "quota_shares": sf.monitoring.quota_shares(demo),
    }
    occupations = sf.aggregate(demo.employment, by=["occupation"])
    fc = sf.forecast(occupations, h=7, models="naive", level=[80])
    out["adjust"] = sf.adjust(
        fc,
        pd.DataFrame({"unique_id": [fc["unique_id"][0]], "ds": [fc["ds"][0]], "delta": [5.0]}),
        reason="survey",
    )
    out["plan_accuracy"] = sf.tracking.plan_accuracy(demo.plans, demo.employment)
    result = sf.quota.compute(sf.quota.Inputs.from_bundle(demo, fc), sf.quota.Policy())
    for name, table in result.to_frames().items():
        out[f"quota.{name}"] = table
    for name, table in demo.tables().items():
        out[f"load_demo.{name}"] = table
    return out


NAMES = [
    "forecast",
    "cross_validate",
    "evaluate",
    "leaderboard",
    "select",
    "aggregate",
    "to_annual",
    "graduate_outcomes",
    "outcome_trends",
    "satisfaction",
    "institution_scores",
    "quota_shares",
    "adjust",
    "plan_accuracy",
    "quota.table",
    "quota.allocation",
]


def test_every_returned_frame_is_listed(frames):
    assert set(NAMES) <= set(frames)
    assert {n for n in frames if n.startswith("load_demo.")} == {
        f"load_demo.{n}" for n in sf.datasets.load_demo().tables()
    }


def test_frames_survive_parquet_and_pickle(frames, tmp_path):
    for name, frame in frames.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path)
        back = pd.read_parquet(path)
        pd.testing.assert_frame_equal(back, frame, obj=f"{name} (Parquet)")
        assert back.attrs == frame.attrs, name
        again = pickle.loads(pickle.dumps(frame))
        pd.testing.assert_frame_equal(again, frame, obj=f"{name} (pickle)")
        assert again.attrs == frame.attrs, name


def test_skipped_series_read_back_as_a_table(frames, tmp_path):
    cv = frames["cross_validate"]
    cv.to_parquet(tmp_path / "cv.parquet")
    skipped = pd.DataFrame(pd.read_parquet(tmp_path / "cv.parquet").attrs["skipped"])
    assert skipped.columns.tolist() == ["unique_id", "cutoff", "reason"]
    assert set(skipped["unique_id"]) == {"ended"}
    assert set(skipped["reason"]) == {"series ended before the cutoff"}
    assert skipped["cutoff"].tolist() == sorted({str(c.date()) for c in cv["cutoff"]})
