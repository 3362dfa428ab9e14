"""Plots: they draw what they are given, label it in the chosen language, and refuse frames of the wrong kind."""

from __future__ import annotations

import matplotlib
import pytest

import staffing_forecast as sf

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_outcome_rates_draw_one_row_per_group_with_russian_title(demo):
    outcomes = sf.monitoring.graduate_outcomes(demo, by="level")
    ax = sf.plot.outcome_rates(outcomes, "p_field")
    assert len(ax.get_yticklabels()) == outcomes["level"].nunique()
    assert ax.get_title().startswith("Доля работающих по специальности")
    assert sf.plot.outcome_rates(outcomes, lang="en").get_title().startswith("Share of graduates employed")


def test_small_cells_are_drawn_apart(demo):
    outcomes = sf.monitoring.graduate_outcomes(
        demo, by=["institution", "specialty", "level"], min_graduates=40
    )
    ax = sf.plot.outcome_rates(outcomes)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "мало данных"


def test_plots_refuse_frames_of_the_wrong_kind(demo):
    with pytest.raises(sf.ConfigError, match="pass the output of sf.monitoring.graduate_outcomes"):
        sf.plot.outcome_rates(demo.graduates)
    with pytest.raises(sf.ConfigError, match="rate 'p_x'"):
        sf.plot.outcome_rates(sf.monitoring.graduate_outcomes(demo), "p_x")
    with pytest.raises(sf.ConfigError, match="pass the output of sf.monitoring.satisfaction"):
        sf.plot.satisfaction_index(demo.satisfaction)
    with pytest.raises(sf.ConfigError, match="unknown plot language"):
        sf.plot.satisfaction_index(sf.monitoring.satisfaction(demo), lang="de")


def test_quota_ranges_and_tornado_draw_and_refuse_wrong_frames():
    from .quota_example import EXAMPLE_POLICY, example_inputs

    result = sf.quota.compute(example_inputs(), EXAMPLE_POLICY)
    ax = sf.plot.quota_ranges(result.table, intake_year=2027)
    assert ax.get_title() == "Рекомендуемые КЦП и диапазон сценариев, приём 2027"
    assert len(ax.get_yticklabels()) == 2
    with pytest.raises(sf.ConfigError, match="no rows for intake 2030"):
        sf.plot.quota_ranges(result.table, intake_year=2030)
    table = sf.quota.sensitivity(example_inputs(), EXAMPLE_POLICY, vary=["paid", "p_emp"])
    ax = sf.plot.tornado(table, "09.02.07", "spo11", lang="en")
    assert ax.get_title() == "Quota sensitivity: 09.02.07 spo11, intake 2026"
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["p_emp", "paid"]
    with pytest.raises(sf.ConfigError, match="pass the output of sf.quota.sensitivity"):
        sf.plot.tornado(result.table)
