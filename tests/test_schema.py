"""The canonical panel: validation, dates, gaps, identifiers, aggregation."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing_forecast as sf
from staffing_forecast.schema import check_level

from .strategies import employment_frames


def test_check_panel_sorts_and_types(panel):
    shuffled = panel.sample(frac=1, random_state=1)
    clean = sf.check_panel(shuffled)
    assert clean["unique_id"].tolist() == sorted(clean["unique_id"].tolist())
    assert clean["ds"].dtype == "datetime64[ns]"
    assert clean["y"].dtype == float
    pd.testing.assert_frame_equal(clean, sf.check_panel(panel))


def test_input_is_not_mutated(panel):
    before = panel.copy()
    sf.check_panel(panel.assign(ds=panel["ds"].dt.year))
    pd.testing.assert_frame_equal(panel, before)


@pytest.mark.parametrize(
    ("dates", "freq", "expected"),
    [
        (["2023-12-31", "2024-12-31"], "YS", ["2023-01-01", "2024-01-01"]),
        (["2024-03-31", "2024-06-30"], "QS", ["2024-01-01", "2024-04-01"]),
        (["2024Q1", "2024Q2"], "QS", ["2024-01-01", "2024-04-01"]),
        (["31.01.2024", "29.02.2024"], "MS", ["2024-01-01", "2024-02-01"]),
        ([2023, 2024], "YS", ["2023-01-01", "2024-01-01"]),
    ],
)
def test_end_of_period_dates_are_normalised(dates, freq, expected):
    raw = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [1.0, 2.0]})
    clean = sf.check_panel(raw)
    assert sf.infer_freq(clean) == freq
    assert clean["ds"].dt.strftime("%Y-%m-%d").tolist() == expected


def test_mixed_frequencies_are_named():
    raw = pd.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b"],
            "ds": ["2024-01-01", "2025-01-01", "2024-01-01", "2024-04-01"],
            "y": 1.0,
        }
    )
    with pytest.raises(sf.SchemaError, match=r"mixed frequencies \(yearly: 'a'; quarterly: 'b'\)"):
        sf.check_panel(raw)


def test_mid_month_dates_are_rejected():
    raw = pd.DataFrame({"unique_id": "a", "ds": ["2024-01-15", "2025-01-15"], "y": 1.0})
    with pytest.raises(sf.SchemaError, match="neither the start nor the end of a month"):
        sf.check_panel(raw)


def test_unparseable_date_names_row():
    raw = pd.DataFrame({"unique_id": "a", "ds": ["2024", "next year"], "y": 1.0})
    with pytest.raises(sf.SchemaError, match=r"panel, index 1, column 'ds': 'next year' is not a date"):
        sf.check_panel(raw)


def test_duplicates_are_reported_with_rows(panel):
    doubled = pd.concat([panel, panel.iloc[[2]]], ignore_index=True)
    with pytest.raises(
        sf.SchemaError, match=r"series '67/E1/2512'.*2022-01-01 appears 2 times \(rows \[2, 10\]\)"
    ):
        sf.check_panel(doubled)


def test_missing_value_is_reported(panel):
    panel.loc[3, "y"] = None
    with pytest.raises(sf.SchemaError, match=r"index 3, column 'y'.*fill it, drop the row"):
        sf.check_panel(panel)


def test_missing_columns_suggest_rename():
    with pytest.raises(sf.SchemaError, match=r"missing column\(s\) \['ds'\].*columns="):
        sf.check_panel(pd.DataFrame({"unique_id": ["a"], "year": [2020], "y": [1.0]}))


def test_gaps_are_errors_by_default_and_filled_by_policy(panel):
    holed = panel.drop(index=[2])
    with pytest.raises(
        sf.SchemaError,
        match=r"missing periods inside 1 series: '67/E1/2512' between 2021-01-01 and "
        r"2023-01-01.*gaps='zero'",
    ):
        sf.check_panel(holed)
    assert sf.check_panel(holed, gaps="zero").loc[2, "y"] == 0.0
    assert sf.check_panel(holed, gaps="interpolate").loc[2, "y"] == 12.0  # between 11 and 13
    assert sf.check_panel(holed, gaps="ffill").loc[2, "y"] == 11.0
    kept = sf.check_panel(holed, gaps="keep")
    assert len(kept) == len(holed)
    filled = sf.check_panel(holed, gaps="zero")
    assert filled.loc[2, ["employer", "occupation"]].tolist() == ["E1", "2512"]


def test_min_length(panel):
    one = panel.iloc[[0, 5, 6]]
    with pytest.raises(sf.SchemaError, match=r"1 series have fewer than 2 observations: '67/E1/2512' \(1\)"):
        sf.check_panel(one, min_length=2)
    assert len(sf.check_panel(one)) == 3


def test_keys_must_be_constant_within_a_series(panel):
    panel.loc[1, "employer"] = "E9"
    with pytest.raises(sf.SchemaError, match="key 'employer' changes within the series"):
        sf.check_panel(panel)


@pytest.mark.parametrize(("value", "message"), [("", "the key value is empty"), ("E/1", "contains '/'")])
def test_make_unique_id_rejects_bad_keys(value, message):
    frame = pd.DataFrame({"employer": ["E1", value], "occupation": ["2512", "2512"]})
    with pytest.raises(sf.SchemaError, match=rf"index 1, column 'employer'.*{message}"):
        sf.make_unique_id(frame, ["employer", "occupation"])


def test_check_level():
    assert check_level([95, 80, 80]) == (80, 95)
    for bad in (0, 100, 50.5, True, [80, -1]):
        with pytest.raises(sf.ConfigError, match="strictly between 0 and 100"):
            check_level(bad)


def test_check_forecast_detects_crossing_intervals():
    fc = pd.DataFrame(
        {
            "unique_id": ["a"],
            "ds": pd.to_datetime(["2026-01-01"]),
            "model": ["m"],
            "mean": [5.0],
            "lo_80": [4.0],
            "hi_80": [6.0],
            "lo_95": [4.5],
            "hi_95": [7.0],
            "fallback": [""],
        }
    )
    with pytest.raises(sf.SchemaError, match=r"not nested \(lo_95=4.5 > lo_80=4\)"):
        sf.check_forecast(fc, level=[80, 95])
    with pytest.raises(
        sf.SchemaError, match=r"missing forecast column\(s\) \['hi_90', 'lo_90'\]|missing forecast"
    ):
        sf.check_forecast(fc, level=[90])


def test_aggregate_by_hand(panel):
    total = sf.aggregate(panel, by=[])
    assert total["unique_id"].unique().tolist() == ["*/*/*"]
    assert total["y"].tolist() == [14.0, 16.0, 18.0, 20.0, 22.0]
    by_occ = sf.aggregate(panel, by=["occupation"])
    assert set(by_occ["unique_id"]) == {"*/*/2512", "*/*/2514"}
    assert (by_occ["employer"] == "*").all()
    with pytest.raises(sf.ConfigError, match="'occupaton' is not a key column.*did you mean 'occupation'"):
        sf.aggregate(panel, by=["occupaton"])


def test_aggregate_exogenous_columns(panel):
    panel["wage"] = 2.0
    assert "wage" not in sf.aggregate(panel, by=["region"]).columns
    assert sf.aggregate(panel, by=["region"], exog={"wage": "mean"})["wage"].eq(2.0).all()


@given(employment_frames())
@settings(max_examples=30, deadline=None)
def test_aggregate_preserves_totals(frame):
    frame = frame.assign(unique_id=sf.make_unique_id(frame, ["region", "sector", "employer", "occupation"]))
    clean = sf.check_panel(frame)
    for by in ([], ["sector"], ["occupation"], ["sector", "occupation"]):
        out = sf.aggregate(clean, by=by)
        assert out["y"].sum() == pytest.approx(clean["y"].sum())
        assert out.groupby("ds")["y"].sum().to_dict() == pytest.approx(
            clean.groupby("ds")["y"].sum().to_dict()
        )
        assert not out.duplicated(["unique_id", "ds"]).any()


def test_to_annual_stock_and_flow():
    q = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2023-01-01", periods=7, freq="QS"),
            "y": [1.0, 2.0, 3.0, 6.0, 4.0, 4.0, 4.0],
        }
    )
    with pytest.raises(sf.SchemaError, match="2024 has 3 of 4 periods"):
        sf.to_annual(q, "stock")
    assert sf.to_annual(q, "stock", partial="drop")["y"].tolist() == [3.0]
    assert sf.to_annual(q, "flow", partial="drop")["y"].tolist() == [12.0]


@given(st.lists(st.integers(0, 1000), min_size=8, max_size=8))
def test_to_annual_mean_of_quarters(values):
    q = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2023-01-01", periods=8, freq="QS"),
            "y": [float(v) for v in values],
        }
    )
    annual = sf.to_annual(q, "stock")
    assert annual["y"].tolist() == pytest.approx([sum(values[:4]) / 4, sum(values[4:]) / 4])


# --- frequency mistakes and frames built with pd.concat ------------------------------------------------------


def quarterly(ids=("a", "b"), years=3):
    dates = pd.date_range("2020-01-01", periods=4 * years, freq="QS")
    return pd.DataFrame(
        {"unique_id": [u for u in ids for _ in dates], "ds": list(dates) * len(ids), "y": 10.0}
    ).assign(y=lambda d: d["y"] + d.index)


def test_quarterly_data_with_a_yearly_freq_is_named_quarterly():
    message = (
        r"series 'a', index 1: freq='YS' \(yearly\) puts the dates 2020-01-01, 2020-04-01, 2020-07-01, "
        r"2020-10-01 into one period: the data look quarterly \(dates 3 months apart\). Pass freq='QS'.*"
        r"sf.to_annual"
    )
    with pytest.raises(sf.SchemaError, match=message):
        sf.check_panel(quarterly(), freq="YS")
    with pytest.raises(sf.SchemaError, match="the data look quarterly"):
        sf.forecast(quarterly(), h=2, freq="YS", models="naive")


def test_monthly_data_with_a_quarterly_freq_is_named_monthly():
    monthly = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=12, freq="MS"), "y": 1.0}
    )
    with pytest.raises(
        sf.SchemaError, match=r"the data look monthly \(dates 1 month apart\). Pass freq='MS'"
    ):
        sf.check_panel(monthly, freq="QS")


def test_real_repeats_are_still_reported_as_repeats():
    doubled = pd.concat([quarterly(), quarterly().iloc[[0]]], ignore_index=True)
    with pytest.raises(sf.SchemaError, match="2020-01-01 appears 2 times"):
        sf.check_panel(doubled, freq="QS")


def concatenated(frame):
    """The frame as ``pd.concat`` without ``ignore_index`` builds it: every part restarts the index at 0."""
    parts = [g.reset_index(drop=True) for _, g in frame.groupby("unique_id", sort=False)]
    out = pd.concat(parts)
    assert not out.index.is_unique
    return out


def test_every_entry_accepts_repeated_index_labels(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    panel = panel[panel["unique_id"].isin(panel["unique_id"].unique()[:4])].reset_index(drop=True)
    repeated = concatenated(panel)
    pd.testing.assert_frame_equal(sf.check_panel(repeated), sf.check_panel(panel))
    fc = sf.forecast(repeated, h=2, models="naive")
    pd.testing.assert_frame_equal(fc, sf.forecast(panel, h=2, models="naive"))
    cv = sf.cross_validate(repeated, h=1, n_windows=2, models="naive")
    pd.testing.assert_frame_equal(cv, sf.cross_validate(panel, h=1, n_windows=2, models="naive"))
    scores = sf.evaluate(concatenated(cv), ["mase"], train=repeated)
    pd.testing.assert_frame_equal(scores, sf.evaluate(cv, ["mase"], train=panel))
    employment = demo.employment[demo.employment["occupation"] == "2512"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        sf.aggregate(concatenated(employment), by=["sector"]), sf.aggregate(employment, by=["sector"])
    )
    q = quarterly()
    pd.testing.assert_frame_equal(sf.to_annual(concatenated(q), "flow"), sf.to_annual(q, "flow"))


def test_bad_rows_in_a_concatenated_panel_get_the_library_errors():
    repeated = concatenated(quarterly())
    with pytest.raises(sf.SchemaError, match="the data look quarterly"):
        sf.check_panel(repeated, freq="YS")
    missing = repeated.copy()
    missing.iloc[13, missing.columns.get_loc("y")] = None
    with pytest.raises(sf.SchemaError, match=r"series 'b', index 13, column 'y': y is missing; fill it"):
        sf.forecast(missing, h=1, models="naive")
    twice = pd.concat([repeated, repeated.iloc[[0]]])
    with pytest.raises(sf.SchemaError, match=r"2020-01-01 appears 2 times \(rows \[0, 24\]\)"):
        sf.cross_validate(twice, h=1, n_windows=1, models="naive")
