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


PROGRAMS = [("09.02.07", "spo9"), ("09.02.07", "spo11"), ("09.03.04", "bachelor"), ("10.05.03", "specialist")]


@st.composite
def graduates_tables(draw: st.DrawFn, max_rows: int = 12) -> pd.DataFrame:
    """Graduate monitoring tables with nested counts (graduates ≥ employed ≥ in field ≥ in field in region)."""
    cells = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["C01", "C02", "U01"]), st.sampled_from(PROGRAMS), st.integers(2015, 2025)
            ),
            min_size=1,
            max_size=max_rows,
            unique=True,
        )
    )
    rows = []
    for institution, (specialty, level), year in cells:
        graduates = draw(st.integers(0, 200))
        employed = draw(st.integers(0, graduates))
        in_field = draw(st.integers(0, employed))
        in_region = draw(st.integers(0, in_field))
        rows.append(
            {
                "institution": institution,
                "specialty": specialty,
                "level": level,
                "year": year,
                "graduates": graduates,
                "employed": employed,
                "employed_in_field": in_field,
                "employed_in_field_in_region": in_region,
            }
        )
    return pd.DataFrame(rows)


@st.composite
def hierarchy_panels(draw: st.DrawFn, max_employers: int = 4, max_occupations: int = 3) -> pd.DataFrame:
    """Employer × occupation panels (sector, employer, occupation keys) ending in the same year: the bottom of
    a hierarchy. Employers belong to one sector; series may start late; head counts are whole and non-negative."""
    n_employers = draw(st.integers(1, max_employers))
    occupations = draw(
        st.lists(st.sampled_from(OCCUPATIONS), min_size=1, max_size=max_occupations, unique=True)
    )
    rows = []
    for e in range(n_employers):
        sector = draw(st.sampled_from(SECTORS[:3]))
        chosen = draw(
            st.lists(st.sampled_from(occupations), min_size=1, max_size=len(occupations), unique=True)
        )
        for occupation in chosen:
            start = draw(st.integers(2018, 2023))
            for year in range(start, 2026):
                rows.append(
                    {
                        "unique_id": f"{sector}/E{e}/{occupation}",
                        "ds": pd.Timestamp(f"{year}-01-01"),
                        "y": float(draw(st.integers(0, 50))),
                        "sector": sector,
                        "employer": f"E{e}",
                        "occupation": occupation,
                    }
                )
    return pd.DataFrame(rows)
