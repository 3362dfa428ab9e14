"""Speed and memory of ``sf.forecast(models="auto")`` against statsforecast's AutoETS + AutoARIMA + AutoTheta.

Both run on the same synthetic series (``sf.datasets.make_cluster``, employer × occupation head counts, 14 years)
at each size. Every measurement runs in a fresh process, which reports its wall time and the peak resident memory
of that process (``VmHWM``; worker processes come on top), so neither run inherits the other's caches, imports
or compiled code. Prints series per second, the ratio of auto's time to the three peers' time
(target ≤ 1.5), and the scaling from 1 to 2 cores (measured at ``--scaling-size``; the other sizes run on 2 cores
so that the default run stays under 30 minutes: statsforecast's AutoARIMA alone takes about 0.2 s per series).

    python benchmarks/forecast_speed.py --sizes 1000 10000 --seed 0
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import warnings

import pandas as pd

import staffing_forecast as sf


def panel_of(n_series: int, seed: int) -> pd.DataFrame:
    employers = max(1, n_series // 4)  # about 6 series per employer; take the first n_series
    panel = sf.datasets.make_cluster(n_employers=employers, years=(2012, 2025), seed=seed).employment
    ids = panel["unique_id"].drop_duplicates().iloc[:n_series]
    return panel[panel["unique_id"].isin(ids)][["unique_id", "ds", "y"]].reset_index(drop=True)


def _peak_mib() -> float:
    """Peak resident memory of this process (VmHWM). Unlike ru_maxrss it is not inherited across exec, so a
    spawned process does not report its parent's size. Worker processes are not included."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure(queue: mp.Queue, which: str, panel: pd.DataFrame, h: int, cores: int) -> None:
    t0 = time.perf_counter()
    if which == "auto":
        sf.forecast(panel, h=h, models="auto", level=[80, 95], n_jobs=cores, progress=False)
    else:
        peers(panel, h, cores)
    seconds = time.perf_counter() - t0
    queue.put((seconds, _peak_mib()))


def measure(which: str, panel: pd.DataFrame, h: int, cores: int) -> tuple[float, float]:
    """Seconds and peak resident MiB of one run in a fresh process (Linux)."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(queue, which, panel, h, cores))
    process.start()
    result = queue.get()
    process.join()
    return result


def peers(panel: pd.DataFrame, h: int, n_jobs: int) -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        StatsForecast(
            models=[AutoETS(), AutoARIMA(), AutoTheta()], freq="YS", n_jobs=n_jobs, fallback_model=Naive()
        ).forecast(df=panel, h=h, level=[80, 95])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--h", type=int, default=7)
    parser.add_argument("--out", default="forecast_speed.csv", help="where to keep the table")
    parser.add_argument("--max-series", type=int, default=None, help="cap every size at this many series")
    parser.add_argument(
        "--scaling-size",
        type=int,
        default=1000,
        help="the size at which 1 and 2 cores are both measured (others run on 2 cores)",
    )
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        size = min(size, args.max_series) if args.max_series else size
        panel = panel_of(size, args.seed)
        n = panel["unique_id"].nunique()
        for cores in (1, 2) if size == args.scaling_size else (2,):
            auto_s, auto_mb = measure("auto", panel, args.h, cores)
            peer_s, peer_mb = measure("peers", panel, args.h, cores)
            rows.append(
                {
                    "series": n,
                    "cores": cores,
                    "auto s": auto_s,
                    "peers s": peer_s,
                    "auto series/s": n / auto_s,
                    "peers series/s": n / peer_s,
                    "time ratio": auto_s / peer_s,
                    "auto peak MiB": auto_mb,
                    "peers peak MiB": peer_mb,
                }
            )
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    one = table[table["cores"] == 1].set_index("series")["auto s"]
    two = table[table["cores"] == 2].set_index("series")["auto s"]
    table["auto speed-up 1→2 cores"] = table["series"].map(one / two)
    table.to_csv(args.out, index=False)
    pd.set_option("display.width", 160)
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
