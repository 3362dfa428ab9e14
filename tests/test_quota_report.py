"""What an official reads: flags on the quota table, the workbook in one language, the CSV, and the plots."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import staffing_forecast as sf
from staffing_forecast.quota import compute

from .quota_example import EXAMPLE_POLICY, example_inputs

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def demo_result(demo) -> sf.quota.QuotaResult:
    forecast = sf.forecast(sf.aggregate(demo.employment, by=["occupation"]), h=7, models="naive", level=[80])
    return compute(sf.quota.inputs_from_bundle(demo, forecast))


@pytest.fixture(scope="module")
def demo_book(demo_result, tmp_path_factory):
    return load_workbook(sf.report.quota_workbook(demo_result, tmp_path_factory.mktemp("q") / "quota.xlsx"))


def _rows(ws) -> list[tuple]:
    """The table of a sheet: the rows from its header (the first row in bold) on."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).font.bold)
    return list(ws.iter_rows(min_row=header, values_only=True))


# --- recommendations outside their scenario range ------------------------------------------------------------------


def test_every_recommendation_outside_its_range_is_flagged_and_explained(demo_result):
    table = demo_result.table
    outside = (table["quota"] < table["low"] - 0.5) | (table["quota"] > table["high"] + 0.5)
    assert outside.any()
    assert ((table["outside_range"] != "") == outside).all()
    row = table[table["outside_range"] == "smoothing"].iloc[0]
    tree = demo_result.explain(row["specialty"], row["level"], row["intake_year"])
    note = tree.find("outside the scenario range").formula
    if row["previous_source"] == "given":
        assert f"held by the ±25 % rule from last year's {row['previous']:g}" in note
    else:
        assert f"from the {row['intake_year'] - 1} smoothed value" in note


def test_the_example_names_the_rule_that_holds_each_row(tmp_path):
    result = compute(example_inputs(), EXAMPLE_POLICY)
    table = result.table.set_index(["level", "intake_year"])
    assert table["outside_range"].to_dict() == {
        ("spo11", 2026): "smoothing",
        ("spo11", 2027): "smoothing",
        ("bachelor", 2026): "",
        ("bachelor", 2027): "",
    }
    note = result.explain("09.02.07", "spo11", 2026, lang="ru").find("outside the scenario range").formula
    assert note == "вне диапазона сценариев 20.2–30.7: удержано правилом ±25 % от КЦП прошлого года 80"
    book = load_workbook(sf.report.quota_workbook(result, tmp_path / "q.xlsx"))
    rows = _rows(book["КЦП по специальностям"])
    column = rows[0].index("Почему вне диапазона сценариев")
    assert rows[1][column] == note


def test_the_docs_no_longer_promise_every_recommendation_inside_its_range():
    text = (Path(__file__).parents[1] / "docs" / "quota.md").read_text(encoding="utf-8")
    assert "each recommendation inside its scenario range" not in text
    assert "A recommendation is not always inside its scenario range" in text


def test_quota_ranges_draws_out_of_range_rows_apart(demo_result):
    table = demo_result.table
    year = int(table["intake_year"].min())
    ax = sf.plot.quota_ranges(table, intake_year=year)
    hollow = [line for line in ax.lines if line.get_marker() == "D"]
    assert len(hollow) == 1
    assert len(hollow[0].get_xdata()) == int(
        (table[table["intake_year"] == year]["outside_range"] != "").sum()
    )
    assert "вне диапазона" in " ".join(t.get_text() for t in ax.get_legend().get_texts())


# --- incomplete intake years ----------------------------------------------------------------------------------------


def test_intake_years_holding_only_short_programs_are_incomplete(demo_result, demo_book):
    totals = demo_result.totals()
    programs = demo_result.table[["specialty", "level"]].drop_duplicates()
    per_year = demo_result.table.groupby("intake_year").size()
    assert totals.set_index("intake_year")["complete"].to_dict() == {
        year: bool(n == len(programs)) for year, n in per_year.items()
    }
    last = totals.iloc[-1]
    assert not last["complete"] and "10.05.03 (specialist)" in last["missing_programs"]
    rows = _rows(demo_book["Сводка"])
    column = rows[0].index("Полнота года приёма")
    assert [r[column] for r in rows[1:]].count("неполный: только короткие программы") == int(
        (~totals["complete"]).sum()
    )
    notes = [ws.cell(row=r, column=1).value or "" for ws in demo_book for r in range(1, 6)]
    assert any(n.startswith("Годы приёма") and "неполные" in n for n in notes)
    ax = sf.plot.quota_ranges(demo_result.table, intake_year=int(last["intake_year"]))
    assert "неполный год приёма" in ax.get_title()


# --- reliability ----------------------------------------------------------------------------------------------------


def test_the_scenario_spread_is_judged_on_need_not_on_what_paid_places_leave():
    # spo11 2026 needs 25.17 / 30.42 / 35.67 (ratio 1.42); 20 paid places leave 5.17 / 15.67 (ratio 3.03).
    inputs = example_inputs()
    paid = inputs.paid.assign(persons=[20, 10])
    row = compute(inputs.replace(paid=paid), EXAMPLE_POLICY).table.iloc[0]
    assert row["high"] > 2 * row["low"]
    assert (row["need_low"], row["need_high"]) == pytest.approx((9.664 / 0.384, 13.696 / 0.384))
    assert row["reliability"] == "ok" and row["reliability_notes"] == ""


def test_the_workbook_gives_the_share_of_rows_flagged_by_each_rule(demo_result, demo_book):
    rows = _rows(demo_book["Надёжность"])
    assert rows[0] == ("Правило", "Строк", "Доля строк")
    table = demo_result.table
    by_rule = {r[0]: (r[1], r[2]) for r in rows[1:] if r[0]}
    small = int(table["reliability_notes"].str.contains("employment behind it").sum())
    assert by_rule["мало занятых за строкой (< 50)"] == (small, pytest.approx(small / len(table)))
    assert by_rule["любое правило"][0] == int((table["reliability"] == "low").sum())


# --- the workbook in one language, numbers as numbers --------------------------------------------------------------

# Latin words that may stand in a Russian workbook: formula symbols and names that are themselves Latin.
_LATIN_ALLOWED = {"max", "clip", "Web"}


def test_a_russian_workbook_has_no_english_words(demo_book):
    found = {}
    for ws in demo_book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    for word in re.findall(r"[A-Za-z_]{3,}", value):
                        if word not in _LATIN_ALLOWED:
                            found.setdefault(ws.title, set()).add(word)
    assert found == {}


def test_numbers_and_years_are_stored_as_numbers(demo_book):
    summary = _rows(demo_book["Сводка"])
    assert all(isinstance(r[0], int) for r in summary[1:] if r[0] is not None)
    policy = dict(_rows(demo_book["Параметры"])[1:])
    assert policy["Уровень интервала прогноза для сценариев, %"] == 80
    assert policy["Наибольшее изменение КЦП за год, доля"] == 0.25
    assert policy["Метод распределения мест"] == "наибольших остатков (Гамильтона)"
    table = _rows(demo_book["КЦП по специальностям"])
    header = table[0]
    for name in ("Год приёма", "Рекомендуемые КЦП, мест", "Нижний сценарий"):
        assert all(isinstance(r[header.index(name)], int | float) for r in table[1:])


def test_every_default_share_is_named_in_the_inputs_sheet(tmp_path):
    inputs = example_inputs()
    shares = inputs.shares.iloc[[0]]  # the bachelor program takes the reference defaults of its level
    result = compute(inputs.replace(shares=shares), EXAMPLE_POLICY)
    book = load_workbook(sf.report.quota_workbook(result, tmp_path / "q.xlsx"))
    rows = _rows(book["Исходные данные"])
    bachelor = next(r for r in rows if r[0] == "09.03.04")
    header = rows[0]
    assert bachelor[header.index("Источник: трудоустройство")] == "справочное значение по уровню образования"


# --- explain(): previous, sorted scenarios, rolled-forward age shares ---------------------------------------------


def test_explanations_reproduce_the_exits_from_the_rolled_forward_age_shares(demo_result):
    row = demo_result.table.iloc[-1]
    tree = demo_result.explain(row["specialty"], row["level"], row["intake_year"])
    replacement = tree.find("scenario").find("replacement")
    bands = [c for c in replacement.children if c.step.startswith("exits")]
    assert len(bands) == 4
    exits = sum(float(c.value) for c in bands)
    assert f"exits {exits:.2f}" in replacement.formula
    shares = [float(re.search(r"ageshare ([\d.]+)", c.formula)[1]) for c in bands]
    assert sum(shares) == pytest.approx(1, abs=1e-3)
    base_year_shares = demo_result.units.loc[tree.find("scenario").find("occupation").step.split()[1]]
    assert shares != pytest.approx(
        [base_year_shares[b] for b in sf.reference.AGE_BANDS], abs=1e-4
    )  # rolled forward, not the base year's


def test_explanations_show_the_scenarios_in_the_decision_order_and_where_previous_came_from():
    result = compute(example_inputs(), EXAMPLE_POLICY)
    tree = result.explain("09.02.07", "spo11", 2026)
    raw = tree.find("raw_quota")
    values = [float(c.value) for c in raw.children]
    assert values == sorted(values)
    assert [c.source.split(";")[0] for c in raw.children] == [
        "sorted 1 of 3, at the 0.10 quantile",
        "sorted 2 of 3, at the 0.50 quantile",
        "sorted 3 of 3, at the 0.90 quantile",
    ]
    assert tree.find("smoothed_quota").source == "step 10; previous: last year's quota (given)"


# --- CSV for people -------------------------------------------------------------------------------------------------


def test_russian_csv_opens_in_russian_excel(tmp_path, demo_result):
    path = sf.report.write_csv(demo_result.table, tmp_path / "quota.csv", "ru")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Код специальности": str})
    assert back["Рекомендуемые КЦП, мест"].tolist() == demo_result.table["quota"].tolist()
    assert back["Требуется принять, чел."].tolist() == demo_result.table["need"].round(1).tolist()
    assert "," in raw.decode("utf-8-sig").splitlines()[1]  # decimal comma
    english = sf.report.write_csv(demo_result.table, tmp_path / "en.csv", "en").read_text(encoding="utf-8")
    assert english.splitlines()[0].startswith("Specialty code,")
    machine = pd.read_csv(
        sf.report.write_csv(demo_result.table, tmp_path / "m.csv", None), dtype={"specialty": str}
    )
    assert np.allclose(machine["need"], demo_result.table["need"])


# --- small multiples -------------------------------------------------------------------------------------------------


def test_outcome_rate_panels_label_each_point_with_its_own_group(demo):
    outcomes = sf.monitoring.graduate_outcomes(demo, by=["specialty", "level"], window=3)
    rates = ["p_emp", "p_field", "p_region"]
    axes = sf.plot.outcome_rates(outcomes, rates)
    shown = outcomes[outcomes["year"] == outcomes["year"].max()]
    level_names = {code: names[0] for code, names in sf.reference.LEVEL_NAMES.items()}
    truth = {
        f"{r.specialty} {level_names[r.level]}": {rate: getattr(r, rate) for rate in rates}
        for r in shown.itertuples(index=False)
    }
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(truth)
    for ax, rate in zip(axes, rates, strict=True):
        for container in ax.containers:
            line = container.lines[0]
            for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
                assert x == pytest.approx(truth[labels[int(y)]][rate])
    titles = [ax.title for ax in axes]
    assert all("\n" in t.get_text() or len(t.get_text()) <= 40 for t in titles)
    assert all(ax.get_legend() is None for ax in axes)  # one legend for the figure, below the panels
    assert len(axes[0].figure.legends) == 1


def test_outcome_rates_refuses_axes_that_share_their_y_axis(demo):
    import matplotlib.pyplot as plt

    outcomes = sf.monitoring.graduate_outcomes(demo, by=["specialty", "level"], window=3)
    _, axes = plt.subplots(1, 2, sharey=True)
    with pytest.raises(sf.ConfigError, match="share their y axis with other panels"):
        sf.plot.outcome_rates(outcomes, "p_field", ax=axes[1])
