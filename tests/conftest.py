"""Shared fixtures: small frames and files made in the tests, never downloaded."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import settings

import staffing_forecast as sf

# Properties are checked, not speed: on a loaded 2-core machine a case may take longer than hypothesis's 200 ms
# deadline, and a deadline miss would fail the suite at random.
settings.register_profile("staffing_forecast", deadline=None)
settings.load_profile("staffing_forecast")


@pytest.fixture(scope="session")
def demo() -> sf.Bundle:
    return sf.datasets.load_demo()


@pytest.fixture
def panel() -> pd.DataFrame:
    """Two employer × occupation series, 2020–2024."""
    years = pd.to_datetime([f"{y}-01-01" for y in range(2020, 2025)])
    rows = []
    for employer, occupation, base in (("E1", "2512", 10), ("E2", "2514", 4)):
        for i, ds in enumerate(years):
            rows.append(
                {
                    "unique_id": f"67/{employer}/{occupation}",
                    "ds": ds,
                    "y": float(base + i),
                    "region": "67",
                    "employer": employer,
                    "occupation": occupation,
                }
            )
    return pd.DataFrame(rows)
