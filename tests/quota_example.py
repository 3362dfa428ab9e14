"""The worked example of docs/quota.md: 2 occupations, 2 specialties, 2 institutions, 2 intake years."""

from __future__ import annotations

import pandas as pd

import staffing_forecast as sf

YEARS = list(range(2025, 2032))


def example_inputs() -> sf.quota.Inputs:
    h = [y - 2025 for y in YEARS]
    employment = pd.concat(
        [
            pd.DataFrame(
                {
                    "occupation": "2512",
                    "year": YEARS,
                    "low": [500 + 15 * k for k in h],
                    "base": [500 + 20 * k for k in h],
                    "high": [500 + 25 * k for k in h],
                }
            ),
            pd.DataFrame(
                {
                    "occupation": "2522",
                    "year": YEARS,
                    "low": [200 - 2 * k for k in h],
                    "base": [200] * len(h),
                    "high": [200 + 2 * k for k in h],
                }
            ),
        ]
    )
    crosswalk = pd.DataFrame(
        {
            "occupation": ["2512", "2512", "2522"],
            "specialty": ["09.02.07", "09.03.04", "09.02.07"],
            "level": ["spo11", "bachelor", "spo11"],
            "share": [0.4, 0.6, 1.0],
        }
    )
    capacity = pd.DataFrame(
        {
            "institution": ["C01", "U01", "U01"],
            "specialty": ["09.02.07", "09.02.07", "09.03.04"],
            "level": ["spo11", "spo11", "bachelor"],
            "capacity": [25, 60, 100],
            "kind": ["college", "university", "university"],
        }
    )
    scores = capacity[["institution", "specialty", "level"]].assign(score=[1.0, 0.5, 0.5])
    shares = pd.DataFrame(
        {
            "specialty": ["09.02.07", "09.03.04"],
            "level": ["spo11", "bachelor"],
            "completion": [0.8, 0.75],
            "p_emp": [0.75, 0.8],
            "p_field": [0.8, 0.75],
            "p_region": [0.8, 0.8],
        }
    )
    exit_rates = pd.DataFrame(
        [(y, band, 0.02) for y in YEARS[1:] for band in sf.reference.AGE_BANDS],
        columns=["year", "age_band", "exit_rate"],
    )
    return sf.quota.Inputs(
        employment=employment,
        base_year=2025,
        capacity=capacity,
        crosswalk=crosswalk,
        scores=scores,
        shares=shares,
        exit_rates=exit_rates,
        transfer=0.01,
        migrate=0.01,
        grad_share={"2512": 0.5, "2522": 0.4},
        paid=pd.DataFrame(
            {"specialty": ["09.02.07", "09.03.04"], "level": ["spo11", "bachelor"], "persons": [5, 10]}
        ),
        previous=pd.DataFrame({"specialty": ["09.02.07"], "level": ["spo11"], "quota": [80]}),
        target_share=pd.DataFrame({"specialty": ["09.02.07"], "level": ["spo11"], "share": [0.2]}),
    )


EXAMPLE_POLICY = sf.quota.Policy(intake_years=(2026, 2027))
