"""Draw the pictures of docs/plots.md from the demo cluster: ``python docs/images/make_images.py``.

Every plotting function of ``sf.plot`` has one picture here; ``tests/test_docs.py`` checks that none is missing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib
import pandas as pd

import staffing_forecast as sf

matplotlib.use("Agg")
HERE = Path(__file__).parent


def save(drawn: object, name: str) -> None:
    import matplotlib.pyplot as plt

    figure = drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure  # type: ignore[attr-defined]
    figure.savefig(HERE / f"{name}.png", dpi=72)
    plt.close("all")


def main() -> None:
    demo = sf.datasets.load_demo()
    occupations = sf.aggregate(demo.employment, by=["occupation"])
    fc = sf.forecast(occupations, h=7, models="auto", level=[80, 95], progress=False)
    office = pd.DataFrame(
        {"unique_id": ["*/*/*/2512"], "ds": pd.to_datetime(["2028-01-01"]), "delta": [120.0]}
    )
    save(
        sf.plot.forecast(sf.adjust(fc, office, reason="new office"), occupations, series="*/*/*/2512"),
        "forecast",
    )
    save(sf.plot.forecast(fc, occupations, max_series=6), "forecast_many")
    cv = sf.cross_validate(occupations, h=3, n_windows=3, models=["auto", "ets", "theta"])
    save(sf.plot.cv_errors(cv, "mase", train=occupations), "cv_errors")
    save(sf.plot.model_choice(sf.select(cv, "mase", train=occupations)), "model_choice")
    store = tempfile.mkdtemp()
    for year in (2020, 2021, 2022):
        known = occupations[occupations["ds"].dt.year <= year]
        sf.tracking.publish(
            sf.forecast(known, h=3, level=[80], progress=False), store, vintage=f"{year + 1}-01-15"
        )
    save(sf.plot.track_record(store, occupations, "*/*/*/2512"), "track_record")
    reconciliation(demo)
    inputs = sf.quota.inputs_from_bundle(demo, fc)
    policy = sf.quota.Policy(cost_short=1.5)
    result = sf.quota.compute(inputs, policy)
    save(sf.plot.quota_waterfall(result, "09.03.04", "bachelor", 2026), "quota_waterfall")
    save(sf.plot.quota_ranges(result.table), "quota_ranges")
    save(sf.plot.tornado(sf.quota.sensitivity(inputs, policy)), "tornado")
    save(sf.plot.coverage_map(result), "coverage_map")
    save(sf.plot.allocation(result, specialty="09.02.07", institutions=demo.institutions), "allocation")
    outcomes = sf.monitoring.graduate_outcomes(demo, by=["specialty", "level"], window=3)
    save(sf.plot.outcome_rates(outcomes, ["p_emp", "p_field", "p_region"])[0], "outcome_rates")
    save(sf.plot.satisfaction_index(sf.monitoring.satisfaction(demo, by="institution")), "satisfaction_index")


def reconciliation(demo: sf.Bundle) -> None:
    """The demo's total, sectors and occupations: base forecasts and mint_shrink's."""
    h = sf.Hierarchy.from_keys(demo.employment, [[], ["sector"], ["occupation"]])
    panel = h.aggregate(demo.employment)
    result = sf.forecast(panel, h=7, models="auto", level=[80, 95], fitted=True, progress=False)
    coherent = sf.reconcile(result.forecast, h, "mint_shrink", fitted=result.fitted, nonnegative=True)
    save(sf.plot.reconciliation(result.forecast, coherent, h, panel, max_series=6), "reconciliation")


if __name__ == "__main__":
    main()
