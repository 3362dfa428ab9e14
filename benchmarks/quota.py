"""Time the quota calculator on the demo cluster and on ``make_cluster`` at 10× its size.

For each size the script measures, in this order and in one process: the employment forecast by occupation
(``sf.forecast(models="auto")``, the peer the calculator is compared with: it is the step the batch job runs
before it), ``inputs_from_bundle`` (monitoring shares, scores, pipeline), ``compute``, ``sensitivity`` (21 runs of
``compute``) and the Excel workbook. Each timing is the median of ``--repeat`` runs after one warm-up run. Prints a
table with the ratio of each step's time to the forecast's, and the peak resident memory of the process.

    python benchmarks/quota.py --employers 40 400 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import staffing_forecast as sf


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _time(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = step()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(n_employers: int, repeat: int) -> dict[str, object]:
    bundle = (
        sf.datasets.load_demo() if n_employers == 40 else sf.datasets.make_cluster(n_employers=n_employers)
    )
    by_occupation = sf.aggregate(bundle.employment, by=["occupation"])
    forecast_s, fc = _time(
        lambda: sf.forecast(by_occupation, h=7, models="auto", level=[80, 95], n_jobs=1), repeat
    )
    assert isinstance(fc, pd.DataFrame)
    inputs_s, inputs = _time(lambda: sf.quota.inputs_from_bundle(bundle, fc), repeat)
    assert isinstance(inputs, sf.quota.Inputs)
    compute_s, result = _time(lambda: sf.quota.compute(inputs), repeat)
    assert isinstance(result, sf.quota.QuotaResult)
    sensitivity_s, _ = _time(lambda: sf.quota.sensitivity(inputs), max(1, repeat // 3))
    with tempfile.TemporaryDirectory() as folder:
        excel_s, _ = _time(lambda: sf.report.quota_workbook(result, Path(folder) / "quota.xlsx"), repeat)
    return {
        "employers": n_employers,
        "series": bundle.employment["unique_id"].nunique(),
        "rows": len(result.table),
        "forecast_s": forecast_s,
        "from_bundle_s": inputs_s,
        "compute_s": compute_s,
        "sensitivity_s": sensitivity_s,
        "excel_s": excel_s,
        "quota_vs_forecast": (inputs_s + compute_s) / forecast_s,
        "peak_mib": _peak_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employers", type=int, nargs="+", default=[40, 400])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(n, args.repeat) for n in args.employers]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
