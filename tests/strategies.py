"""Hypothesis strategies for the library's frames, in one place."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from staffing_forecast import reference

OCCUPATIONS = sorted(reference.occupations()["occupation"])
SECTORS = sorted(reference.sectors()["sector"])
employer_ids = (
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ ", min_size=1, max_size=8)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def employment_frames(draw: st.DrawFn, max_series: int = 4) -> pd.DataFrame:
    """Long employment tables with the bundle's columns: whole, non-negative head counts, yearly, no gaps."""
    n_series = draw(st.integers(1, max_series))
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(SECTORS), employer_ids, st.sampled_from(OCCUPATIONS)),
            min_size=n_series,
            max_size=n_series,
            unique_by=lambda k: (k[1], k[2]),
        )
    )
    rows = []
    for sector, employer, occupation in keys:
        start = draw(st.integers(2010, 2020))
        length = draw(st.integers(1, 8))
        values = draw(st.lists(st.integers(0, 10**7), min_size=length, max_size=length))
        for i, value in enumerate(values):
            rows.append(
                {
                    "region": "67",
                    "sector": sector,
                    "employer": employer,
                    "occupation": occupation,
                    "ds": pd.Timestamp(f"{start + i}-01-01"),
                    "y": value,
                }
            )
    return pd.DataFrame(rows)
