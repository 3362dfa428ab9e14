"""Manual adjustments are applied exactly and recorded."""

from __future__ import annotations

import pandas as pd
import pytest

import staffing_forecast as sf


@pytest.fixture
def fc():
    return pd.DataFrame(
        {
            "unique_id": ["a", "a", "b"],
            "ds": pd.to_datetime(["2026-01-01", "2027-01-01", "2026-01-01"]),
            "model": "auto",
            "mean": [100.0, 110.0, 5.0],
            "lo_80": [90.0, 95.0, 2.0],
            "hi_80": [110.0, 125.0, 8.0],
            "fallback": "",
        }
    )


def test_value_delta_factor(fc):
    date = pd.Timestamp("2026-01-01")
    out = sf.adjust(fc, pd.DataFrame({"unique_id": ["a"], "ds": [date], "value": [120.0]}), reason="r1")
    assert out.loc[0, ["mean", "lo_80", "hi_80", "original_mean"]].tolist() == [120.0, 110.0, 130.0, 100.0]
    assert out.loc[1, "adjustment"] == "" and out.loc[1, "original_mean"] == 110.0
    out = sf.adjust(out, pd.DataFrame({"unique_id": ["a"], "ds": [date], "factor": [0.5]}), reason="r2")
    assert out.loc[0, ["mean", "lo_80", "hi_80", "original_mean"]].tolist() == [60.0, 55.0, 65.0, 100.0]
    assert out.loc[0, "adjustment"] == "value 120; factor ×0.5"
    assert out.loc[0, "reason"] == "r1; r2"
    sf.check_forecast(out, level=[80])
    assert fc.loc[0, "mean"] == 100.0, "the input is not changed"


def test_lower_bound_stops_at_zero_and_negative_means_are_refused(fc):
    out = sf.adjust(
        fc,
        pd.DataFrame({"unique_id": ["b"], "ds": pd.to_datetime(["2026-01-01"]), "delta": [-4.0]}),
        reason="closure",
    )
    assert out.loc[2, ["mean", "lo_80", "hi_80"]].tolist() == [1.0, 0.0, 4.0]
    with pytest.raises(sf.SchemaError, match="would be -5; head counts cannot be negative"):
        sf.adjust(
            fc,
            pd.DataFrame({"unique_id": ["b"], "ds": pd.to_datetime(["2026-01-01"]), "delta": [-10.0]}),
            reason="closure",
        )


def test_bad_overrides(fc):
    date = pd.to_datetime(["2030-01-01"])
    with pytest.raises(
        sf.SchemaError, match=r"overrides, index 0: no forecast row for unique_id 'a' at 2030-01-01"
    ):
        sf.adjust(fc, pd.DataFrame({"unique_id": ["a"], "ds": date, "delta": [1.0]}), reason="x")
    with pytest.raises(sf.ConfigError, match="give a reason"):
        sf.adjust(fc, pd.DataFrame({"unique_id": ["a"], "ds": date, "delta": [1.0]}), reason=" ")
    with pytest.raises(sf.SchemaError, match="exactly one of the columns"):
        sf.adjust(
            fc, pd.DataFrame({"unique_id": ["a"], "ds": date, "delta": [1.0], "value": [2.0]}), reason="x"
        )
