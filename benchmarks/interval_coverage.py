"""Interval calibration of ``sf.forecast(models="auto")`` against statsforecast's AutoETS, AutoARIMA and AutoTheta.

Same series and test periods as ``forecast_accuracy.py`` (``_data.py``: M1 and M3 are development data, Tourism,
the momentum cluster and the demo only score). Prints, per subset and method: coverage of the 80 % and 95 %
intervals (% of test values inside; the targets are 75–85 and 92–98), MSIS (the 95 % interval score, Gneiting &
Raftery 2007, scaled like MASE by the in-sample seasonal-naive error: lower is better), and for ``auto`` the shape
of its fans: the share of non-seasonal series whose (upper) half-widths never shrink with the horizon, and the
spread (standard deviation) of the 95/80 half-width ratio over the steps of a series, averaged over series.

``--cache DIR`` keeps the peers' forecasts and ``auto``'s tasks (before calibration, through the engine's
``checkpoint``) between runs, so that a change to the calibration alone is measured in seconds.

    nice -n 10 python benchmarks/interval_coverage.py --collections m1 m3 --max-series 100 --cache /tmp/ic

``--momentum-seed 7 11 3 1 2`` scores several momentum clusters (one row each, ``yearly@7`` ...): a cluster's
series share one history, so its coverage is one draw of its test years.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import staffing_forecast as sf
from _data import COLLECTIONS, ROLES, Subset, load

PEERS = ("AutoETS", "AutoARIMA", "AutoTheta")
LEVELS = (80, 95)


class DiskCheckpoint:
    """The engine's checkpoint on disk: one pickle per task, named by the engine's key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> Any:
        path = self.folder / f"{key}.pkl"
        return pickle.loads(path.read_bytes()) if path.exists() else None

    def put(self, key: str, result: Any) -> None:
        (self.folder / f"{key}.pkl").write_bytes(pickle.dumps(result))


def peer_forecasts(part: Subset, n_jobs: int, cache: Path | None) -> dict[str, pd.DataFrame]:
    """Each peer's forecast with ``mean, lo_80, hi_80, lo_95, hi_95`` (from the cache when it has them)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

    out = {}
    for model in (AutoETS, AutoARIMA, AutoTheta):
        name = model.__name__
        path = cache / f"{peer_key(part)}-{name}.pkl" if cache else None
        if path is not None and path.exists():
            out[name] = pd.read_pickle(path)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = StatsForecast(
                models=[model(season_length=part.season)],
                freq=part.freq,
                n_jobs=n_jobs,
                fallback_model=Naive(),
            ).forecast(df=part.train, h=part.h, level=list(LEVELS))
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        renames = {name: "mean"} | {f"{name}-{s}-{lv}": f"{s}_{lv}" for lv in LEVELS for s in ("lo", "hi")}
        fc = fc.rename(columns=renames)[["unique_id", "ds", "mean", *[f"{s}_{lv}" for lv in LEVELS for s in ("lo", "hi")]]]
        if path is not None:
            fc.to_pickle(path)
        out[name] = fc
    return out


def peer_key(part: Subset) -> str:
    """Name of a subset's peer forecasts in the cache: its size and a fingerprint of its training rows.

    The fingerprint keeps apart samples of the same size (another ``--seed``, another momentum cluster).
    """
    n = part.train["unique_id"].nunique()
    digest = pd.util.hash_pandas_object(part.train, index=False).sum() % 16**8
    return f"{part.collection}-{part.name}-{n}-{digest:08x}"


def ours(part: Subset, n_jobs: int, cache: Path | None) -> pd.DataFrame:
    checkpoint = DiskCheckpoint(cache / "auto") if cache else None
    return sf.forecast(
        part.train,
        h=part.h,
        freq=part.freq,
        models="auto",
        level=list(LEVELS),
        n_jobs=n_jobs,
        progress=False,
        checkpoint=checkpoint,
    )


def interval_scores(part: Subset, fc: pd.DataFrame) -> dict[str, float]:
    """Coverage at 80 and 95 % (all test values pooled) and the mean over series of the scaled 95 % MSIS."""
    joined = part.test.merge(fc, on=["unique_id", "ds"], how="left")
    if joined["mean"].isna().any():
        raise RuntimeError(f"{part.label}: missing forecasts")
    scale = part.train.groupby("unique_id")["y"].apply(
        lambda y: sf.metrics.seasonal_scale(y.to_numpy(), part.season)
    )
    y = joined["y"].to_numpy()
    out = {
        f"cov{lv}": 100 * float(np.mean((y >= joined[f"lo_{lv}"]) & (y <= joined[f"hi_{lv}"]))) for lv in LEVELS
    }
    msis = [
        sf.metrics.winkler(g["y"], g["mean"], lo=g["lo_95"], hi=g["hi_95"], level=95) / scale[uid]
        for uid, g in joined.groupby("unique_id", sort=False)
    ]
    out["msis"] = float(np.nanmean(np.where(np.isfinite(msis), msis, np.nan)))
    return out


def fan_shape(fc: pd.DataFrame, season: int) -> dict[str, float]:
    """For non-seasonal data: the share of series whose widths never shrink; always: the 95/80 ratio's spread."""
    fc = fc.sort_values(["unique_id", "ds"])
    # Upper half-widths: the lower bounds of head counts stop at 0, which narrows a band by design.
    w80 = (fc["hi_80"] - fc["mean"]).to_numpy()
    w95 = (fc["hi_95"] - fc["mean"]).to_numpy()
    ids = fc["unique_id"].to_numpy()
    same = ids[1:] == ids[:-1]
    grows = np.ones(len(fc), dtype=bool)
    for w in (w80, w95):
        grows[1:] &= ~same | (np.diff(w) >= -1e-9 * np.maximum(1.0, np.abs(w[1:])))
    monotone = pd.Series(grows).groupby(ids).all().mean() if season == 1 else np.nan
    ratio = np.divide(w95, w80, out=np.full_like(w95, np.nan), where=w80 > 0)
    by_series = pd.Series(ratio).groupby(ids).std(ddof=0)  # how much the ratio jumps from step to step
    return {"monotone %": 100 * float(monotone), "ratio 95/80 sd": float(by_series.mean())}


def run_subset(part: Subset, n_jobs: int, cache: Path | None) -> list[dict[str, object]]:
    base = {"collection": part.collection, "role": ROLES[part.collection], "subset": part.name}
    base["series"] = part.train["unique_id"].nunique()
    fc = ours(part, n_jobs, cache)
    rows = [{**base, "method": "auto", **interval_scores(part, fc), **fan_shape(fc, part.season)}]
    for name, peer in peer_forecasts(part, n_jobs, cache).items():
        rows.append({**base, "method": name, **interval_scores(part, peer)})
    return rows


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per subset: ``auto``'s coverage and MSIS against the targets and the best peer's MSIS."""
    keys = ["collection", "role", "subset"]
    peers = table[table["method"].isin(PEERS)].groupby(keys)["msis"].min().rename("best peer MSIS")
    out = table[table["method"] == "auto"].set_index(keys).join(peers)
    out["MSIS ratio"] = out["msis"] / out["best peer MSIS"]
    out["80 in 75–85"] = out["cov80"].between(75, 85)
    out["95 in 92–98"] = out["cov95"].between(92, 98)
    out["MSIS ≤ best"] = out["MSIS ratio"] <= 1.0
    cols = ["series", "cov80", "cov95", "msis", "best peer MSIS", "MSIS ratio", "monotone %", "ratio 95/80 sd"]
    return out.reset_index()[keys + cols + ["80 in 75–85", "95 in 92–98", "MSIS ≤ best"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS), choices=list(COLLECTIONS))
    parser.add_argument("--subsets", nargs="*", help="only these subsets (e.g. yearly labour)")
    parser.add_argument("--max-series", type=int, default=300, help="series sampled per subset (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--momentum-seed",
        type=int,
        nargs="+",
        default=[7],
        help="momentum clusters to score, one row each (their series share one history: one cluster is one draw)",
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--cache", type=Path, help="folder keeping peers' forecasts and auto's tasks")
    parser.add_argument("--out", default="interval_coverage.csv", help="where to keep the full table")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    pd.set_option("display.width", 220)
    for collection in args.collections:
        for subset in COLLECTIONS[collection]:
            if args.subsets and subset not in args.subsets:
                continue
            seeds = args.momentum_seed if collection == "momentum" else args.momentum_seed[:1]
            parts = [
                replace(part, name=f"{part.name}@{seed}") if len(seeds) > 1 else part
                for seed in seeds
                for part in load(collection, subset, args.max_series, args.seed, seed)
            ]
            for part in parts:
                print(f"{part.label}: {part.train['unique_id'].nunique()} series, h={part.h}", file=sys.stderr)
                rows.extend(run_subset(part, args.n_jobs, args.cache))
                pd.DataFrame(rows).to_csv(args.out, index=False)
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))
    print()
    print(summary(table).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
