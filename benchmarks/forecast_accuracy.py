"""Accuracy of ``sf.forecast(models="auto")`` against statsforecast's AutoETS, AutoARIMA and AutoTheta.

Same series, same horizons, same script, same cores, for every subset of every collection in ``--collections``
(see ``_data.py``: M3 and M1 chose ``auto``'s rules; Tourism, the momentum cluster and the demo only score them).
Prints, per subset, for ``auto`` and each peer: MASE (scaled by the in-sample seasonal-naive error), sMAPE (M3
definition, 0–200), 95 % interval coverage, direction of change (share of forecasts moving the right way from the
last actual: all steps, and the medium term, steps 3–7 of ``MEDIUM_TERM``), interval (Winkler) score at 95 % scaled
like MASE, and wall time; then a summary against the targets: MASE ≤ 0.97 × the best peer's (floor 1.00), sMAPE no
worse, coverage 92–98 %, time ≤ 1.5 × the three peers together, with the medium-term direction beside AutoARIMA's
and the best peer's.

``--variants`` measures other ``Auto`` configurations in the same table (levers: members, combination), e.g.
``--variants ets,dot,ces,arima,drift ets,ets_damped,dot,drift``.

    python benchmarks/forecast_accuracy.py --collections m3 m1 tourism momentum demo --max-series 300
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
from _data import COLLECTIONS, ROLES, Subset, load

PEERS = ("AutoETS", "AutoARIMA", "AutoTheta")
#: The medium term, in forecast steps (1-based, inclusive): years 3–7 of a yearly forecast. Sub-annual subsets use
#: the same steps (their horizons are 8 or 18 periods), short horizons what they have (Tourism yearly: 3–4).
MEDIUM_TERM = (3, 7)


def peer_forecasts(part: Subset, n_jobs: int) -> dict[str, tuple[pd.DataFrame, float]]:
    """Each peer's forecast (columns mean, lo_95, hi_95) and its own wall time."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

    out = {}
    for model in (AutoETS, AutoARIMA, AutoTheta):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = StatsForecast(
                models=[model(season_length=part.season)],
                freq=part.freq,
                n_jobs=n_jobs,
                fallback_model=Naive(),
            ).forecast(df=part.train, h=part.h, level=[95])
        seconds = time.perf_counter() - t0
        fc = fc.reset_index() if "unique_id" not in fc.columns else fc
        name = model.__name__
        fc = fc.rename(columns={name: "mean", f"{name}-lo-95": "lo_95", f"{name}-hi-95": "hi_95"})
        out[name] = (fc[["unique_id", "ds", "mean", "lo_95", "hi_95"]], seconds)
    return out


def ours(part: Subset, n_jobs: int, members: tuple[str, ...] | None) -> tuple[pd.DataFrame, float]:
    model = "auto" if members is None else sf.models.Auto(season_length=part.season, members=members)
    t0 = time.perf_counter()
    fc = sf.forecast(
        part.train, h=part.h, freq=part.freq, models=model, level=[95], n_jobs=n_jobs, progress=False
    )
    return fc[["unique_id", "ds", "mean", "lo_95", "hi_95"]], time.perf_counter() - t0


def scores(part: Subset, fc: pd.DataFrame) -> dict[str, float]:
    """Means over series of MASE, sMAPE, coverage, direction and the scaled Winkler score."""
    joined = part.test.merge(fc, on=["unique_id", "ds"], how="left")
    if joined["mean"].isna().any():
        raise RuntimeError(f"{part.label}: missing forecasts")
    train = part.train.groupby("unique_id")["y"]
    scale = train.apply(lambda y: sf.metrics.seasonal_scale(y.to_numpy(), part.season))
    last = train.last()
    rows = []
    for uid, g in joined.groupby("unique_id", sort=False):
        y, m, lo, hi = (g[c].to_numpy() for c in ("y", "mean", "lo_95", "hi_95"))
        rows.append(
            {
                "mase": sf.metrics.mase(y, m, scale=scale[uid]),
                "smape": sf.metrics.smape(y, m),
                "coverage": sf.metrics.coverage(y, m, lo=lo, hi=hi),
                "direction": sf.metrics.direction(y, m, y_last=last[uid]),
                "direction 3–7": _medium_term_direction(y, m, last[uid]),
                "winkler": sf.metrics.winkler(y, m, lo=lo, hi=hi, level=95) / scale[uid],
            }
        )
    return pd.DataFrame(rows).replace([np.inf, -np.inf], np.nan).mean().to_dict()


def _medium_term_direction(y: np.ndarray, m: np.ndarray, y_last: float) -> float:
    """``sf.metrics.direction`` over the medium-term steps only (NaN if the horizon stops before them)."""
    first, last = MEDIUM_TERM
    if y.size < first:
        return float("nan")
    return sf.metrics.direction(y[first - 1 : last], m[first - 1 : last], y_last=y_last)


def warm_up(part: Subset, n_jobs: int, variants: list[tuple[str, ...]]) -> None:
    """Compile every method's numba code on three series first, so that no method's time includes it."""
    first = part.train["unique_id"].drop_duplicates().iloc[:3]
    small = Subset(
        part.collection,
        part.name,
        part.train[part.train["unique_id"].isin(first)],
        part.test[part.test["unique_id"].isin(first)],
        part.h,
        part.season,
        part.freq,
    )
    for members in [None, *variants]:
        ours(small, 1, members)
    peer_forecasts(small, 1)


def run_subset(
    part: Subset, n_jobs: int, variants: list[tuple[str, ...]], known: pd.DataFrame | None = None
) -> list[dict[str, object]]:
    """``auto`` (and variants) and the peers on one subset; peers' rows come from ``known`` when it has them."""
    warm_up(part, n_jobs, variants)
    base = {"collection": part.collection, "role": ROLES[part.collection], "subset": part.name}
    base["series"] = part.train["unique_id"].nunique()
    rows = []
    for members in [None, *variants]:
        fc, seconds = ours(part, n_jobs, members)
        method = "auto" if members is None else "auto[" + ",".join(members) + "]"
        rows.append({**base, "method": method, "seconds": seconds, **scores(part, fc)})
    if known is not None:
        mine = known[(known["collection"] == part.collection) & (known["subset"] == part.name)]
        mine = mine[mine["method"].isin(PEERS)]
        if len(mine) == len(PEERS) and (mine["series"] == base["series"]).all():
            return rows + mine.to_dict("records")
    for name, (fc, seconds) in peer_forecasts(part, n_jobs).items():
        rows.append({**base, "method": name, "seconds": seconds, **scores(part, fc)})
    return rows


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per subset and ``auto`` variant: the ratios the targets are stated in."""
    keys = ["collection", "role", "subset"]
    peers = table[table["method"].isin(PEERS)]
    best = peers.groupby(keys).agg(
        best_mase=("mase", "min"), best_smape=("smape", "min"), peers_seconds=("seconds", "sum")
    )
    best_peer = peers.loc[peers.groupby(keys)["mase"].idxmin()].set_index(keys)["method"]
    arima = peers[peers["method"] == "AutoARIMA"].set_index(keys)
    best_medium = peers.groupby(keys)["direction 3–7"].max().rename("best peer's 3–7")
    ours = table[~table["method"].isin(PEERS)].set_index(keys)
    out = (
        ours.join(best).join(best_peer.rename("best peer")).join(arima["direction"].rename("ARIMA direction"))
    )
    out = out.join(arima["direction 3–7"].rename("ARIMA 3–7")).join(best_medium)
    out["MASE ratio"] = out["mase"] / out["best_mase"]
    out["sMAPE ratio"] = out["smape"] / out["best_smape"]
    out["time ratio"] = out["seconds"] / out["peers_seconds"]
    out["goal (≤0.97)"] = out["MASE ratio"] <= 0.97
    out["floor (≤1.00)"] = out["MASE ratio"] <= 1.0
    out["coverage 92–98"] = out["coverage"].between(92, 98)
    cols = ["method", "series", "best peer", "MASE ratio", "sMAPE ratio", "coverage", "direction"]
    cols += [
        "ARIMA direction",
        "direction 3–7",
        "ARIMA 3–7",
        "best peer's 3–7",
        "time ratio",
        "goal (≤0.97)",
        "floor (≤1.00)",
        "coverage 92–98",
    ]
    return out.reset_index()[keys + cols]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS), choices=list(COLLECTIONS))
    parser.add_argument("--subsets", nargs="*", help="only these subsets (e.g. yearly labour)")
    parser.add_argument("--max-series", type=int, default=300, help="series sampled per subset (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--momentum-seed",
        type=int,
        default=7,
        help="the momentum cluster's random seed (another cluster each)",
    )
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--variants", nargs="*", default=[], help="other Auto member lists, comma-separated")
    parser.add_argument("--out", default="forecast_accuracy.csv", help="where to keep the full table")
    parser.add_argument(
        "--peers-from",
        nargs="*",
        default=[],
        help="tables of earlier runs (same subsets, sizes and seed) whose peer rows are reused: the peers are "
        "deterministic, so only auto is re-measured",
    )
    args = parser.parse_args()
    variants = [tuple(v.split(",")) for v in args.variants]
    known = (
        pd.concat([pd.read_csv(f) for f in args.peers_from], ignore_index=True) if args.peers_from else None
    )
    rows: list[dict[str, object]] = []
    pd.set_option("display.width", 200)
    for collection in args.collections:
        for subset in COLLECTIONS[collection]:
            if args.subsets and subset not in args.subsets:
                continue
            for part in load(collection, subset, args.max_series, args.seed, args.momentum_seed):
                n = part.train["unique_id"].nunique()
                print(f"{part.label}: {n} series, h={part.h} ...", file=sys.stderr, flush=True)
                new = run_subset(part, args.n_jobs, variants, known)
                rows.extend(new)
                print(pd.DataFrame(new).round(3).to_string(index=False), file=sys.stderr, flush=True)
                pd.DataFrame(rows).to_csv(
                    args.out, index=False
                )  # nothing measured is lost if a later subset fails
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))
    print()
    print(summary(table).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
