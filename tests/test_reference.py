"""Reference data: code lists, durations, exit rates, crosswalk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast import reference


def test_required_codes_are_present():
    occ = set(reference.occupations()["occupation"])
    assert {"1330", "2166", "2511", "2512", "2519", "2529", "3511", "3512", "3521", "3522"} <= occ
    assert (reference.occupations()["occupation"].str[:3] == reference.occupations()["group"]).all()
    assert set(reference.occupations()["group"]) <= set(reference.occupation_groups()["group"])
    specs = set(reference.specialties()["specialty"])
    assert {
        "09.02.01",
        "09.02.06",
        "09.02.07",
        "10.02.05",
        "01.03.02",
        "09.03.01",
        "09.03.04",
        "10.03.01",
        "10.05.01",
        "10.05.04",
        "09.04.01",
    } <= specs
    assert {"62.01", "62.02", "63.11", "58.29", "61.10"} <= set(reference.sectors()["sector"])


def test_durations_round_up():
    d = reference.durations().set_index(["specialty", "level", "form"])["years"]
    assert d[("09.02.07", "spo9", "full_time")] == 4  # 3 y 10 m
    assert d[("09.02.07", "spo11", "full_time")] == 3  # 2 y 10 m
    assert d[("09.03.04", "bachelor", "full_time")] == 4
    assert d[("10.05.01", "specialist", "full_time")] == 6  # 5.5 y
    assert d[("09.04.04", "master", "full_time")] == 2
    every = reference.specialties()["specialty"]
    assert set(every) == set(reference.durations()["specialty"]), "every specialty needs a duration"


def test_crosswalk_is_valid():
    cw = reference.crosswalk()
    assert np.allclose(cw.groupby("occupation")["share"].sum(), 1.0)
    assert set(cw["occupation"]) == set(reference.occupations()["occupation"])
    problems: list[str] = []
    reference.check_specialty_levels(cw, place=sf.errors.Place("crosswalk"), problems=problems)
    assert problems == []


def test_exit_rates_follow_the_pension_schedule():
    rates = reference.exit_rates(range(2017, 2031)).pivot(
        index="year", columns="age_band", values="exit_rate"
    )
    # No one reached pension age in 2023, 2025, 2027 (350-ФЗ transition): retirement exits drop in those years.
    for year in (2023, 2025, 2027):
        assert rates.loc[year, "60+"] < rates.loc[year - 1, "60+"]
    # Women's pension age moves from 55 to 60, out of the 50-59 band: its exits fall once the move is done.
    assert rates.loc[2030, "50-59"] < rates.loc[2017, "50-59"]
    assert ((rates > 0) & (rates < 1)).all().all()
    assert rates.loc[2030, "15-29"] == pytest.approx(0.010)


def test_exit_rates_by_hand_for_2030():
    # 2030, men (share 0.7): one cohort reaches 65 (band 60+, width 10): 0.35 * 1/10; share past 65 in 60-69: 0.5.
    # women (0.3): one cohort reaches 60 (band 60+): 0.35 * 1/10; all of 60-69 past 60: 1.
    expected = 0.04 + 0.7 * (0.35 * 0.1 + 0.12 * 0.5) + 0.3 * (0.35 * 0.1 + 0.12 * 1.0)
    rates = reference.exit_rates(range(2030, 2031)).set_index("age_band")["exit_rate"]
    assert rates["60+"] == pytest.approx(expected)


def test_sources_cover_every_table():
    assert set(reference.sources()["table"]) >= {
        "occupations",
        "sectors",
        "specialties",
        "durations",
        "pension_ages",
        "exit_rates",
        "crosswalk",
        "outcome_defaults",
    }
    assert pd.to_datetime(reference.sources()["as_of"]).notna().all()


def test_outcome_defaults_cover_every_level_with_shares():
    defaults = reference.outcome_defaults().set_index("level")
    assert set(defaults.index) == set(reference.LEVELS)
    assert ((defaults > 0) & (defaults <= 1)).all().all()
