"""Load the HTTP service with locust: reads of a run's forecasts, alone and beside what-if and forecast posts.

Starts the real server (``staffing-forecast serve``, uvicorn, one process) over a run store on a free loopback
port, waits for ``/ready``, then drives each scenario with locust in headless mode for ``--seconds``
(``FastHttpUser``, the lighter client, since locust shares the cores with the server; no think time: each client
sends its next request when the last one is answered), and prints requests per second, p50/p95/p99 latency and
the error count of each request kind. The server is stopped at the end whatever happens. The scenarios:

- ``single``: one reader on an otherwise idle service (target: read p99 under 100 ms);
- ``readers``: ``--readers`` concurrent readers (50);
- ``mixed``: the same readers while 5 clients post what-ifs and 2 post ad-hoc forecasts (target: read p99 within
  1.5 times that of ``readers``);
- ``whatif``: ``--users`` clients posting what-ifs only.

    staffing-forecast demo --out /tmp/demo                 # the demo run store, once (~30 s)
    nice python benchmarks/service_load.py --store /tmp/demo --seconds 30

Needs the ``bench`` and ``service`` extras (``locust``). This file is also the locustfile the script hands to
locust: the user classes below are the scenarios.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

try:
    from locust import FastHttpUser, task
except ImportError:  # the driver part runs without locust only to say what to install
    FastHttpUser = object  # type: ignore[assignment,misc]

    def task(function):  # type: ignore[no-redef]
        return function


KEY = os.environ.get("SERVICE_LOAD_KEY", "")
OCCUPATIONS = [o for o in os.environ.get("SERVICE_LOAD_OCCUPATIONS", "").split(",") if o]


#: One name for every read, so that locust's row for it holds the percentiles of all reads together.
READS = "GET forecasts (page of 100, one occupation, one year: 3:3:1)"


class ForecastReads(FastHttpUser):
    """Pages of the latest run's forecasts: the first page, one occupation, or one year."""

    default_headers: ClassVar[dict[str, str]] = {"Authorization": f"Bearer {KEY}"}

    @task(3)
    def first_page(self) -> None:
        self.client.get("/v1/runs/latest/forecasts?limit=100", name=READS)

    @task(3)
    def one_occupation(self) -> None:
        occupation = random.choice(OCCUPATIONS) if OCCUPATIONS else "2512"
        self.client.get(f"/v1/runs/latest/forecasts?occupation={occupation}", name=READS)

    @task(1)
    def one_year(self) -> None:
        self.client.get("/v1/runs/latest/forecasts?from=2027-01-01&to=2027-12-31", name=READS)


class WhatIf(FastHttpUser):
    """What-if quotas: the latest run's inputs under a policy with a random cost of a missing graduate."""

    default_headers: ClassVar[dict[str, str]] = {"Authorization": f"Bearer {KEY}"}

    @task
    def quota(self) -> None:
        policy = {"cost_short": round(random.uniform(0.5, 2.0), 2), "max_change": 0.25}
        self.client.post("/v1/quota", json={"run": "latest", "policy": policy}, name="POST /v1/quota")


class WhatIfBeside(WhatIf):
    """Five what-if clients beside the readers (``mixed``)."""

    fixed_count = 5


class AdHocForecast(FastHttpUser):
    """Ad-hoc forecasts of 20 yearly series of 12 years with ``auto``: a mid-sized request."""

    default_headers: ClassVar[dict[str, str]] = {"Authorization": f"Bearer {KEY}"}
    fixed_count = 2

    @task
    def forecast(self) -> None:
        data = [
            {
                "unique_id": f"s{i}",
                "ds": f"{year}-01-01",
                "y": 100.0 + i + 3 * (year - 2013) + random.random(),
            }
            for i in range(20)
            for year in range(2013, 2025)
        ]
        body = {"model": "auto", "h": 3, "level": [80], "data": data}
        self.client.post("/v1/forecast", json=body, name="POST /v1/forecast")


#: Scenario → (locust user classes, total users, or None for ``--users``).
SCENARIOS: dict[str, tuple[list[str], int | None]] = {
    "single": (["ForecastReads"], 1),
    "readers": (["ForecastReads"], 50),
    "mixed": (["ForecastReads", "WhatIfBeside", "AdHocForecast"], 57),
    "whatif": (["WhatIf"], None),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def _scenario(name: str, url: str, args: argparse.Namespace, env: dict[str, str], out: Path) -> list[dict]:
    prefix = out / name
    classes, users = SCENARIOS[name]
    users = users if users is not None else args.users
    if name in ("readers", "mixed"):
        users += args.readers - 50
    command = [
        sys.executable, "-m", "locust", "-f", __file__, *classes, "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "-t", f"{args.seconds}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30",
    ]  # fmt: skip
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file)]
    for row in rows:
        row["Scenario"] = name
    return [row for row in rows if row["Name"] != "Aggregated"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a run store (staffing-forecast demo --out DIR)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each scenario")
    parser.add_argument("--users", type=int, default=4, help="what-if clients of the whatif scenario")
    parser.add_argument("--readers", type=int, default=50, help="concurrent readers of readers and mixed")
    parser.add_argument(
        "--scenarios", nargs="+", choices=list(SCENARIOS), default=["single", "readers", "mixed", "whatif"]
    )
    args = parser.parse_args()
    try:
        import locust  # noqa: F401
    except ImportError:
        print('error: the benchmark needs locust: pip install -e ".[bench,service]"', file=sys.stderr)
        return 2
    import pandas as pd

    from staffing_forecast.pipeline import open_run

    occupations = sorted(
        o for o in open_run(args.store).table("forecasts")["occupation"].unique() if o != "*"
    )
    key = secrets.token_urlsafe(24)
    env = os.environ | {
        "STAFFING_FORECAST_API_KEYS": key,
        "SERVICE_LOAD_KEY": key,
        "SERVICE_LOAD_OCCUPATIONS": ",".join(occupations),
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["staffing-forecast", "serve", "--store", args.store, "--port", str(port), "--log-level", "warning"],
        env={k: v for k, v in env.items() if not k.startswith("SERVICE_LOAD")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        _wait_ready(url, server)
        with tempfile.TemporaryDirectory() as folder:
            for name in args.scenarios:
                rows += _scenario(name, url, args, env, Path(folder))
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: in-flight requests finish
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    table = pd.DataFrame(
        {
            "scenario": [r["Scenario"] for r in rows],
            "request": [r["Name"] for r in rows],
            "requests": [int(r["Request Count"]) for r in rows],
            "errors": [int(r["Failure Count"]) for r in rows],
            "req/s": [round(float(r["Requests/s"]), 1) for r in rows],
            "p50 ms": [r["50%"] for r in rows],
            "p95 ms": [r["95%"] for r in rows],
            "p99 ms": [r["99%"] for r in rows],
        }
    )
    print(
        f"{args.seconds} s per scenario, {args.readers} readers, {os.cpu_count()} cores, store {args.store}"
    )
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
