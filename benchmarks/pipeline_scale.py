"""Wall time, throughput and peak memory of the whole batch job (``sf.pipeline.run``) as the cluster grows.

Each size is a synthetic cluster (``sf.datasets.make_cluster``, 2012–2025) written as a Parquet bundle; the job
forecasts every bottom series (employer × occupation) and the occupations, chooses among the candidate models by
cross-validation (2 origins), computes the quota and writes the run store with its workbooks. Each measurement
runs in a fresh process; a sampler adds up the resident memory of that process and all its children (joblib or
Dask workers) every 0.2 s, so the peak includes the workers. Executors: ``n_jobs=1``, ``n_jobs=-1`` (every core)
and a 2-worker ``dask.distributed.LocalCluster`` (one thread per worker) reached through ``[parallel] scheduler``.

    python benchmarks/pipeline_scale.py --series 1000 10000 --executors 1 -1 dask
    python benchmarks/pipeline_scale.py --series 100000 --executors -1 --models naive drift   # the cheap models
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import multiprocessing as mp
import tempfile
import threading
import time
from pathlib import Path

import staffing_forecast as sf


def cluster_folder(n_series: int, root: Path) -> tuple[Path, int]:
    """A bundle folder of about ``n_series`` bottom series (about six per employer), and the exact count."""
    bundle = sf.datasets.make_cluster(n_employers=max(1, round(n_series / 6.2)), years=(2012, 2025), seed=0)
    # make_cluster keeps the demo's eight institutions; a region with 40 times the employers trains for them at
    # 40 times the capacity, or the quota is (rightly) infeasible.
    scale = max(1.0, n_series / 250)
    institutions = bundle.institutions.assign(
        capacity=(bundle.institutions["capacity"] * scale).round().astype(int)
    )
    bundle = dataclasses.replace(bundle, institutions=institutions)
    folder = root / f"cluster-{n_series}"
    sf.write_bundle(bundle, folder, format="parquet")
    return folder, int(bundle.employment["unique_id"].nunique())


def _tree_rss(process) -> int:
    import psutil

    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _job(queue: mp.Queue, folder: str, store: str, executor: str, models: list[str]) -> None:
    import psutil

    me = psutil.Process()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(me))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    data = {
        "sources": {"bundle": folder},
        "series": {"hierarchy": [["occupation"]], "bottom": True},
        "forecast": {"models": models, "horizon": 7, "levels": [80, 95], "cv_windows": 2},
        "output": {"store": store},
        "parallel": {"n_jobs": 1 if executor == "dask" else int(executor)},
    }
    cluster = None
    if executor == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        data["parallel"]["scheduler"] = cluster.scheduler_address
    try:
        start = time.perf_counter()
        result = sf.pipeline.run(sf.pipeline.parse_config(data))
        seconds = time.perf_counter() - start
    except Exception as error:
        queue.put(error)  # the parent reports it instead of waiting for ever
        raise
    finally:
        if cluster is not None:
            cluster.close()
        done.set()
        sampler.join()
    stages = result.manifest["timings"]
    queue.put((seconds, peak[0] / 2**20, result.manifest["counts"]["series"], stages))
    # A spawned child otherwise waits minutes at exit for joblib's idle workers to time out (the command line's
    # process exits at once).
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def measure(folder: Path, store: Path, executor: str, models: list[str]) -> tuple[float, float, int, dict]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_job, args=(queue, str(folder), str(store), executor, models))
    process.start()
    result = queue.get()
    process.join()
    if isinstance(result, Exception):
        raise result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--executors", nargs="+", default=["1", "-1", "dask"], help="1, -1 (n_jobs) or dask")
    parser.add_argument("--models", nargs="+", default=["theta", "drift", "naive"], help="candidate models")
    args = parser.parse_args()
    print(
        f"candidates: {args.models}; h=7, levels 80 and 95, 2 cross-validation origins, quota and workbooks"
    )
    print(
        "| bottom series | series forecast | executor | wall s | series/s | peak MiB | cv s | forecast s | quota s | publish s |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in args.series:
            folder, bottom = cluster_folder(n, root)
            for executor in args.executors:
                seconds, peak, series, stages = measure(
                    folder, root / f"store-{n}-{executor}", executor, args.models
                )
                label = {"1": "n_jobs=1", "-1": "n_jobs=-1"}.get(executor, "Dask LocalCluster, 2 workers")
                print(
                    f"| {bottom:,} | {series:,} | {label} | {seconds:.1f} | {series / seconds:.1f} | {peak:.0f} | "
                    f"{stages['cross_validate']:.1f} | {stages['forecast']:.1f} | {stages['quota']:.1f} | "
                    f"{stages['publish']:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
