"""Rich display in Jupyter: bundles, quota results and forecast summaries as HTML tables with units."""

from __future__ import annotations

import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast.display import html_table


def test_html_table_puts_units_under_headers_and_rounds_for_reading():
    frame = pd.DataFrame(
        {"intake_year": [2026], "quota": [1234], "yield": [0.23456], "mean": [98.765], "ok": [False]}
    )
    text = html_table(frame, caption="Caption <b>", notes=["a note"])
    assert "<th>quota<br><small>places</small></th>" in text
    assert "<th>yield<br><small>share</small></th>" in text
    assert "<td>2026</td><td>1\u202f234</td><td>0.23</td><td>99</td><td>no</td>" in text
    assert "Caption &lt;b&gt;" in text and "a note" in text
    many = html_table(pd.DataFrame({"y": range(30)}), max_rows=5)
    assert many.count("<tr>") == 6 and "5 of 30 rows shown." in many


def test_bundle_shows_its_summary(demo):
    text = demo._repr_html_()
    assert text.startswith("<p><b>Bundle: 14 tables")
    assert text.count("<tr>") == 1 + len(demo.tables())
    assert "<td>employment</td>" in text and "<th>rows<br><small>rows</small></th>" in text


def test_quota_result_shows_totals_and_first_rows():
    from .quota_example import EXAMPLE_POLICY, example_inputs

    result = sf.quota.compute(example_inputs(), EXAMPLE_POLICY)
    text = result._repr_html_()
    assert "QuotaResult: base year 2025" in text
    assert "<th>quota<br><small>places</small></th>" in text
    assert "Policy: " in text
    total = int(result.totals()["quota"].iloc[0])
    assert f"<td>{total}</td>" in text


def test_summarize_one_row_per_series_with_growth_and_interval(demo):
    panel = sf.aggregate(demo.employment, by=["occupation"])
    fc = sf.forecast(panel[panel["occupation"].isin(["2512", "2522"])], h=3, models="drift", level=[80, 95])
    fc.loc[fc["occupation"] == "2522", "fallback"] = "ets failed (x); used naive"
    summary = sf.summarize(fc, panel)
    table = summary.table
    assert list(table["occupation"]) == ["2512", "2522"]
    assert list(table.columns) == [
        "unique_id", "occupation", "name", "model", "last_actual", "first_forecast", "last_forecast",
        "change", "lo_95", "hi_95", "fallback",
    ]  # fmt: skip
    row = table.iloc[0]
    last = fc[fc["occupation"] == "2512"].sort_values("ds").iloc[-1]
    assert row["last_forecast"] == last["mean"] and row["hi_95"] == last["hi_95"]
    assert row["change"] == pytest.approx(100 * ((row["last_forecast"] / row["last_actual"]) ** (1 / 3) - 1))
    assert list(table["fallback"]) == ["", "ets failed (x); used naive"]
    text = summary._repr_html_()
    assert "Forecast 2026–2028: 2 series" in text and "1 series fell back" in text
    without = sf.summarize(fc).table  # no history: growth from the first forecast period
    assert "last_actual" not in without.columns
    assert without["change"].iloc[0] == pytest.approx(
        100 * ((row["last_forecast"] / row["first_forecast"]) ** (1 / 2) - 1)
    )


def test_run_result_shows_its_counts_quota_and_files(tmp_path):
    from staffing_forecast.pipeline import parse_config, run

    config = parse_config(
        {
            "sources": {"demo": True},
            "forecast": {"models": ["naive"], "horizon": 5},
            "output": {"store": str(tmp_path), "workbooks": False, "plots": False},
            "parallel": {"n_jobs": 1},
        }
    )
    result = run(config)
    text = result._repr_html_()
    assert f"Run {result.run} (complete)" in text
    assert (
        "<th>seconds<br><small>s</small></th>" in text
        and "<th>horizon<br><small>periods</small></th>" in text
    )
    assert f"<td>{result.manifest['counts']['series']}</td>" in text
    first = result.quota.totals().iloc[0]
    assert "Quota per intake year" in text and f"<td>{first['intake_year']}</td>" in text
    assert text.count("<table") == 2  # the run's counts, then the quota per intake year
    assert f"Folder: {result.path}" in text
