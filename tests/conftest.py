"""Shared fixtures: small frames and files made in the tests, never downloaded."""

from __future__ import annotations

import pandas as pd
import pytest

import staffing_forecast as sf


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
