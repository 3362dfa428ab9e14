"""Accuracy tracking over vintages: storing forecasts, scoring them and the naive benchmarks, employers' plans."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import staffing_forecast as sf


def yearly(values: dict[int, float], uid: str = "a") -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.to_datetime([f"{y}-01-01" for y in values]), "y": list(values.values())}
    )


ACTUALS = yearly({2020: 10.0, 2021: 12.0, 2022: 14.0, 2023: 15.0})
FORECAST = pd.DataFrame(
    {
        "unique_id": "a",
        "ds": pd.to_datetime(["2022-01-01", "2023-01-01"]),
        "model": "expert",
        "mean": [13.0, 15.0],
        "lo_80": [12.0, 13.0],
        "hi_80": [13.5, 17.0],
    }
)


def test_publish_keeps_history_and_lists_vintages(tmp_path):
    path = sf.tracking.publish(FORECAST, tmp_path, vintage="2021-12-20", note="first")
    assert path == tmp_path / "vintages" / "2021-12-20" / "forecast.parquet"
    with pytest.raises(sf.ConfigError, match="already exists; a published vintage is history"):
        sf.tracking.publish(FORECAST, tmp_path, vintage="2021-12-20")
    sf.tracking.publish(FORECAST.assign(mean=[1.0, 2.0]), tmp_path, vintage="2021-12-20", overwrite=True)
    assert sf.tracking.load_vintage(tmp_path, "2021-12-20")["mean"].tolist() == [1.0, 2.0]
    listing = sf.tracking.vintages(tmp_path)
    assert listing[["vintage", "rows", "series"]].values.tolist() == [["2021-12-20", 2, 1]]
    with pytest.raises(
        sf.ConfigError,
        match=r"no forecast 'forecast' published at 2020-01-01; the store has \['2021-12-20'\]",
    ):
        sf.tracking.load_vintage(tmp_path, "2020-01-01")
    with pytest.raises(sf.SchemaError, match="lacks"):
        sf.tracking.publish(FORECAST.drop(columns="mean"), tmp_path, vintage="2022-01-01")


def test_track_scores_the_forecast_and_the_benchmarks_by_hand(tmp_path):
    sf.tracking.publish(FORECAST, tmp_path, vintage="2021-12-20")
    record = sf.tracking.track(tmp_path, ACTUALS, metrics=["mape", "direction", "coverage"]).set_index(
        "model"
    )
    # Origin 2021 (last actual 12). no_change: 12, 12; linear_trend: 12 + 2·step = 14, 16; constant_share with one
    # series: the forecast's own total, 13, 15.
    assert record.loc["expert", "mape"] == pytest.approx(100 * (1 / 14 + 0 / 15) / 2)
    assert record.loc["no_change", "mape"] == pytest.approx(100 * (2 / 14 + 3 / 15) / 2)
    assert record.loc["linear_trend", "mape"] == pytest.approx(100 * (0 / 14 + 1 / 15) / 2)
    assert record.loc["constant_share", "mape"] == pytest.approx(record.loc["expert", "mape"])
    assert record.loc["expert", "direction"] == 100.0 and record.loc["no_change", "direction"] == 0.0
    assert record.loc["expert", "coverage_80"] == 50.0  # 14 is above 13.5; 15 is inside 13–17
    assert pd.isna(record.loc["no_change", "coverage_80"])
    assert (record["rows"] == 2).all() and (record["vintage"] == "2021-12-20").all()


def test_constant_share_keeps_the_mix_of_the_origin(tmp_path):
    actuals = pd.concat(
        [yearly({2020: 30.0, 2021: 30.0, 2022: 40.0}, "a"), yearly({2020: 10.0, 2021: 10.0, 2022: 20.0}, "b")]
    )
    fc = pd.DataFrame(
        {"unique_id": ["a", "b"], "ds": pd.Timestamp("2022-01-01"), "model": "m", "mean": [44.0, 16.0]}
    )
    sf.tracking.publish(fc, tmp_path, vintage="2021-06-01")
    record = sf.tracking.track(tmp_path, actuals, metrics=["mae"], by=["model", "unique_id"])
    share = record[record["model"] == "constant_share"].set_index("unique_id")["mae"]
    # shares at the origin 0.75 and 0.25 of the forecast total 60: 45 and 15 against 40 and 20.
    assert share.to_dict() == {"a": 5.0, "b": 5.0}


def test_track_needs_published_forecasts_with_actuals(tmp_path):
    with pytest.raises(sf.ConfigError, match="has no published forecast named 'forecast'"):
        sf.tracking.track(tmp_path, ACTUALS)
    sf.tracking.publish(
        FORECAST.assign(ds=pd.to_datetime(["2030-01-01", "2031-01-01"])), tmp_path, vintage="2029-12-01"
    )
    with pytest.raises(sf.ConfigError, match="no published forecast has actuals yet"):
        sf.tracking.track(tmp_path, ACTUALS)
    with pytest.raises(sf.ConfigError, match="unknown metric"):
        sf.tracking.track(tmp_path, ACTUALS, metrics=["accuracy"])


def test_plan_accuracy_by_hand():
    plans = pd.DataFrame(
        {
            "employer": "E1",
            "occupation": "2512",
            "vintage": 2022,
            "ds": pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01"]),
            "kind": ["fact", "estimate", "plan", "plan"],
            "value": [10, 11, 14, 16],
        }
    )
    employment = pd.DataFrame(
        {
            "employer": "E1",
            "occupation": "2512",
            "ds": pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01"]),
            "y": [10.0, 11.0, 12.0, 9.0],
        }
    )
    row = sf.tracking.plan_accuracy(plans, employment).iloc[0]
    assert row["plans"] == 2
    assert row["mape"] == pytest.approx(100 * (2 / 12 + 7 / 9) / 2)
    assert row["bias"] == pytest.approx((2 + 7) / 2)  # optimistic
    assert row["direction"] == 50.0  # 2023 up and up; 2024 planned up, went down
    assert row["mape_no_change"] == pytest.approx(100 * (2 / 12 + 1 / 9) / 2)
    by_horizon = sf.tracking.plan_accuracy(plans, employment, by=["horizon"])
    assert by_horizon["horizon"].tolist() == [1, 2]
    with pytest.raises(sf.ConfigError, match="cannot group by 'sector'"):
        sf.tracking.plan_accuracy(plans, employment, by=["sector"])


# A publish killed with SIGKILL at its n-th rename, in a fresh interpreter: nothing can clean up after it.
_KILLED_PUBLISH = """
import os, signal, sys
import pandas as pd
import staffing_forecast as sf

store, vintage, rows, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
renames = 0
real_replace = os.replace


def replace(src, dst):
    global renames
    renames += 1
    if renames == kill_at:
        print("killing", src, dst, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)


os.replace = replace
years = pd.to_datetime([f"{2022 + i % 2}-01-01" for i in range(rows)])
fc = pd.DataFrame({"unique_id": [str(i // 2) for i in range(rows)], "ds": years, "model": "m", "mean": 1.0})
sf.tracking.publish(fc, store, vintage=vintage, overwrite=True)
"""


def killed_publish(store, vintage: str, rows: int, kill_at: int) -> None:
    import signal
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _KILLED_PUBLISH, str(store), vintage, str(rows), str(kill_at)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "killing" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [1, 2])
def test_a_publish_killed_between_its_writes_leaves_a_skipped_and_reported_vintage(tmp_path, kill_at):
    sf.tracking.publish(FORECAST, tmp_path, vintage="2021-12-20")
    killed_publish(tmp_path, "2022-02-01", rows=4, kill_at=kill_at)
    with pytest.warns(sf.tracking.IncompleteVintageWarning, match=r"2022-02-01 'forecast': .*interrupted"):
        listing = sf.tracking.vintages(tmp_path)
    assert listing["vintage"].tolist() == ["2021-12-20"]
    with pytest.warns(sf.tracking.IncompleteVintageWarning):
        record = sf.tracking.track(tmp_path, ACTUALS, metrics=["mape"])
    assert set(record["vintage"]) == {"2021-12-20"}
    with pytest.raises(
        sf.ConfigError, match=r"'forecast' published at 2022-02-01 is incomplete: .*overwrite=True"
    ):
        sf.tracking.load_vintage(tmp_path, "2022-02-01")
    assert not [p.name for p in tmp_path.rglob(".*")], "hidden files left behind"
    # Publishing again completes the vintage and clears what the killed write left.
    sf.tracking.publish(FORECAST, tmp_path, vintage="2022-02-01")
    assert sf.tracking.vintages(tmp_path)["vintage"].tolist() == ["2021-12-20", "2022-02-01"]
    assert sorted(p.name for p in (tmp_path / "vintages" / "2022-02-01").iterdir()) == [
        "forecast.json",
        "forecast.parquet",
    ]


def test_a_publish_leaves_the_staging_file_of_a_publisher_still_writing(tmp_path):
    # Another process (this test's parent, alive) is writing the same vintage: its staging file is not ours to
    # remove, and readers do not call it interrupted. A dead writer's leftover is removed by the next publish.
    folder = tmp_path / "vintages" / "2022-02-01"
    folder.mkdir(parents=True)
    writing = folder / f"forecast.parquet.{os.getppid()}-0a1b2c3d.partial"
    killed = folder / "forecast.parquet.999999999-0a1b2c3d.partial"
    writing.write_bytes(b"half")
    killed.write_bytes(b"half")
    sf.tracking.publish(FORECAST, tmp_path, vintage="2022-02-01")
    assert writing.exists() and not killed.exists()
    assert sf.tracking.vintages(tmp_path)["vintage"].tolist() == ["2022-02-01"]


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [1, 2])
def test_an_overwrite_killed_between_its_writes_never_pairs_a_note_with_other_data(tmp_path, kill_at):
    big = pd.concat([FORECAST.assign(unique_id=str(i)) for i in range(500)], ignore_index=True)
    sf.tracking.publish(big, tmp_path, vintage="2021-12-20")
    killed_publish(tmp_path, "2021-12-20", rows=6, kill_at=kill_at)
    with pytest.warns(sf.tracking.IncompleteVintageWarning, match="2021-12-20 'forecast'"):
        assert sf.tracking.vintages(tmp_path).empty
    with pytest.raises(sf.ConfigError, match="is incomplete"):
        sf.tracking.load_vintage(tmp_path, "2021-12-20")


def test_a_note_that_disagrees_with_its_data_is_reported(tmp_path):
    # What a publish killed between the note and the data left in stores written before publishing was atomic.
    sf.tracking.publish(FORECAST, tmp_path, vintage="2021-12-20")
    sf.tracking.publish(FORECAST, tmp_path, vintage="2022-02-01")
    (tmp_path / "vintages" / "2022-02-01" / "forecast.parquet").unlink()
    note = tmp_path / "vintages" / "2021-12-20" / "forecast.json"
    note.write_text(
        note.read_text(encoding="utf-8").replace('"rows": 2', '"rows": 3010000'), encoding="utf-8"
    )
    with pytest.warns(sf.tracking.IncompleteVintageWarning) as caught:
        assert sf.tracking.vintages(tmp_path).empty
    message = str(caught[0].message)
    assert "2021-12-20 'forecast': its note says 3010000 rows but its data has 2" in message
    assert "2022-02-01 'forecast': its data (.parquet) is missing" in message
    with pytest.raises(sf.ConfigError, match=r"2022-02-01 is incomplete: its data \(.parquet\) is missing"):
        sf.tracking.load_vintage(tmp_path, "2022-02-01")
