"""Accuracy of ``sf.forecast(models="auto")`` against statsforecast's AutoETS, AutoARIMA and AutoTheta.

Same series, same horizons, same script: M3 (yearly, quarterly, monthly, other; official test periods) and the
demo cluster (last 3 years held out). Prints, per subset, MASE, sMAPE (M3 definition, 0–200) and 95 % interval
coverage for each method, and the ratio of auto's MASE to the best of the three.

Targets (issue "Models and the forecasting engine"): auto's MASE ≥ 3 % below the best of the three on every
subset, sMAPE no worse, 95 % coverage within 3 points of 95.

With ``--select`` it also measures per-series model choice by cross-validation (``sf.select`` on two rolling
windows of the training data, candidates ``--candidates``, ties and short series to the first candidate), the
question of whether ``models="auto"`` should choose or weight by cross-validation. Every subset ends with
``sf.leaderboard`` over all methods (MASE, sMAPE, direction of change, 95 % coverage; wins = share of series on
which the method has the lowest MASE).

    python benchmarks/forecast_accuracy.py --max-series 200 --seed 0
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import staffing_forecast as sf
from _data import M3_SUBSETS, demo, m3

PEERS = ("AutoETS", "AutoARIMA", "AutoTheta")


def peers(train: pd.DataFrame, h: int, season: int, freq: str, n_jobs: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

    models = [AutoETS(season_length=season), AutoARIMA(season_length=season), AutoTheta(season_length=season)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = StatsForecast(models=models, freq=freq, n_jobs=n_jobs, fallback_model=Naive()).forecast(
            df=train, h=h, level=[95]
        )
    return fc.reset_index() if "unique_id" not in fc.columns else fc


def scores(
    train: pd.DataFrame, test: pd.DataFrame, fc: pd.DataFrame, mean: str, lo: str, hi: str, season: int
) -> dict[str, float]:
    joined = test.merge(fc, on=["unique_id", "ds"], how="left")
    if joined[mean].isna().any():
        raise RuntimeError(f"{mean}: missing forecasts")
    scale = train.groupby("unique_id")["y"].apply(lambda y: sf.metrics.seasonal_scale(y.to_numpy(), season))
    per_series = joined.groupby("unique_id").apply(
        lambda g: pd.Series(
            {
                "mase": sf.metrics.mase(g["y"].to_numpy(), g[mean].to_numpy(), scale=scale[g.name]),
                "smape": sf.metrics.smape(g["y"].to_numpy(), g[mean].to_numpy()),
                "coverage": sf.metrics.coverage(
                    g["y"].to_numpy(), g[mean].to_numpy(), lo=g[lo].to_numpy(), hi=g[hi].to_numpy()
                ),
            }
        ),
        include_groups=False,
    )
    per_series = per_series.replace([np.inf, -np.inf], np.nan)
    return per_series.mean().to_dict()


def long_frame(
    fc: pd.DataFrame, method: str, mean: str, lo: str, hi: str, test: pd.DataFrame, cutoff
) -> pd.DataFrame:
    out = fc[["unique_id", "ds", mean, lo, hi]].rename(columns={mean: "mean", lo: "lo_95", hi: "hi_95"})
    out = out.merge(test, on=["unique_id", "ds"], how="inner")
    return out.assign(model=method, cutoff=out["unique_id"].map(cutoff))


def select_forecast(
    train: pd.DataFrame, h: int, season: int, freq: str, n_jobs: int, candidates: list[str]
) -> pd.DataFrame:
    """Per-series choice among ``candidates`` by MASE over two rolling windows of the training data."""
    cv = sf.cross_validate(train, h=h, n_windows=2, models=candidates, freq=freq, n_jobs=n_jobs)
    choice = sf.select(cv, "mase", train=train, season_length=season, preference=candidates)
    every = sf.forecast(train, h=h, freq=freq, models=candidates, level=[95], n_jobs=n_jobs, progress=False)
    return sf.pick(every, choice)


def run_subset(
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    h: int,
    season: int,
    freq: str,
    n_jobs: int,
    candidates: list[str] | None = None,
) -> tuple[list[dict[str, object]], pd.DataFrame]:
    rows = []
    cutoff = train.groupby("unique_id")["ds"].max()
    frames = []
    t0 = time.perf_counter()
    auto = sf.forecast(train, h=h, freq=freq, models="auto", level=[95], n_jobs=n_jobs, progress=False)
    t_auto = time.perf_counter() - t0
    rows.append(
        {
            "subset": name,
            "method": "auto",
            "seconds": t_auto,
            **scores(train, test, auto, "mean", "lo_95", "hi_95", season),
        }
    )
    frames.append(long_frame(auto, "auto", "mean", "lo_95", "hi_95", test, cutoff))
    if candidates:
        t0 = time.perf_counter()
        chosen = select_forecast(train, h, season, freq, n_jobs, candidates)
        rows.append(
            {
                "subset": name,
                "method": "select",
                "seconds": time.perf_counter() - t0,
                **scores(train, test, chosen, "mean", "lo_95", "hi_95", season),
            }
        )
        frames.append(long_frame(chosen, "select", "mean", "lo_95", "hi_95", test, cutoff))
    t0 = time.perf_counter()
    other = peers(train, h, season, freq, n_jobs)
    t_peers = time.perf_counter() - t0
    for peer in PEERS:
        rows.append(
            {
                "subset": name,
                "method": peer,
                "seconds": t_peers / 3,
                **scores(train, test, other, peer, f"{peer}-lo-95", f"{peer}-hi-95", season),
            }
        )
        frames.append(long_frame(other, peer, peer, f"{peer}-lo-95", f"{peer}-hi-95", test, cutoff))
    board = sf.leaderboard(
        pd.concat(frames, ignore_index=True),
        ["mase", "smape", "direction", "coverage"],
        train=train,
        season_length=season,
        level=95,
    )
    return rows, board.assign(subset=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--max-series", type=int, default=300, help="series sampled per M3 subset (default 300)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--subsets", nargs="*", default=[*M3_SUBSETS, "demo"])
    parser.add_argument("--out", default="forecast_accuracy.csv", help="where to keep the full table")
    parser.add_argument("--select", action="store_true", help="also measure per-series choice by CV")
    parser.add_argument("--candidates", nargs="+", default=["auto", "ets", "theta", "drift"])
    args = parser.parse_args()
    n_jobs = args.n_jobs
    rows = []
    boards = []
    for name in args.subsets:
        if name == "demo":
            train, test, h, season = demo()
            freq = "YS"
        else:
            train, test, h, season = m3(name, args.max_series, args.seed)
            freq = M3_SUBSETS[name][0]
        print(f"{name}: {train['unique_id'].nunique()} series, h={h} ...", file=sys.stderr, flush=True)
        subset_rows, board = run_subset(
            name, train, test, h, season, freq, n_jobs, args.candidates if args.select else None
        )
        rows.extend(subset_rows)
        boards.append(board)
        print(board.round(3).to_string(index=False), file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out, index=False)
    auto = table[table["method"] == "auto"].set_index("subset")
    best = table[table["method"].isin(PEERS)].groupby("subset")[["mase", "smape"]].min().reindex(auto.index)
    summary = pd.DataFrame(
        {
            "auto MASE": auto["mase"],
            "best peer MASE": best["mase"],
            "MASE ratio": auto["mase"] / best["mase"],
            "auto sMAPE": auto["smape"],
            "best peer sMAPE": best["smape"],
            "auto cov95": auto["coverage"],
            "target met": (auto["mase"] <= 0.97 * best["mase"])
            & (auto["smape"] <= best["smape"])
            & ((auto["coverage"] - 95).abs() <= 3),
        }
    )
    pd.set_option("display.width", 160)
    print(table.round(3).to_string(index=False))
    print()
    print(summary.round(3).to_string())
    print()
    print("Leaderboards")
    print(pd.concat(boards, ignore_index=True).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
