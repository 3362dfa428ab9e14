"""Plots: they draw what they are given, label it in the chosen language, and refuse frames of the wrong kind."""

from __future__ import annotations

import matplotlib
import pandas as pd
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
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["Employed share", "Fee-paying admissions"]
    # The centre line is the quota before smoothing, and the legend says so.
    centre = ax.get_legend_handles_labels()[1][0]
    assert centre.startswith("quota before smoothing at the given inputs: ")
    with pytest.raises(sf.ConfigError, match="pass the output of sf.quota.sensitivity"):
        sf.plot.tornado(result.table)


@pytest.fixture(scope="module")
def occupations(demo):
    return sf.aggregate(demo.employment, by=["occupation"])


@pytest.fixture(scope="module")
def drift(occupations):
    return sf.forecast(occupations, h=4, models="drift", level=[80, 95])


@pytest.fixture(scope="module")
def demo_result(demo, drift):
    return sf.quota.compute(sf.quota.inputs_from_bundle(demo, drift))


def test_forecast_one_series_draws_history_mean_and_nested_bands(occupations, drift):
    ax = sf.plot.forecast(drift, occupations, series="*/*/*/2512")
    assert ax.get_title() == "2512 Разработчики программного обеспечения"
    lines = {line.get_label(): line for line in ax.get_lines()}
    history, mean = lines["факт"], lines["прогноз"]
    assert len(history.get_xdata()) == 14  # 2012–2025
    assert len(mean.get_xdata()) == 1 + 4  # joined to the last actual value, then h = 4
    assert mean.get_linestyle() == "-"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "факт",
        "интервал 95 %",
        "интервал 80 %",
        "прогноз",
    ]
    assert len(ax.collections) == 2  # one band per level
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylabel() == "Численность, чел."
    assert sf.plot.forecast(drift, series="*/*/*/2512", lang="en").get_title() == "2512 Software developers"


def test_forecast_small_multiples_one_panel_per_series_largest_first(occupations, drift):
    fig = sf.plot.forecast(drift, occupations, max_series=5, ncols=2)
    assert len(fig.axes) == 5
    assert fig.axes[0].get_title().startswith("2512 ")  # the largest occupation first
    assert fig.get_suptitle() == "показаны 5 рядов из 16"
    fig = sf.plot.forecast(drift, series=["*/*/*/2512", "*/*/*/2522"])
    assert [a.get_title().split()[0] for a in fig.axes] == ["2512", "2522"]


def test_forecast_marks_fallbacks_and_manual_adjustments(occupations, drift):
    marked = drift.copy()
    marked.loc[marked["unique_id"] == "*/*/*/2512", "fallback"] = (
        "ets failed (2 observations, ets needs 7); used naive"
    )
    marked = sf.adjust(
        marked,
        pd.DataFrame({"unique_id": ["*/*/*/2512"], "ds": pd.to_datetime(["2027-01-01"]), "delta": [100.0]}),
        reason="new office",
    )
    ax = sf.plot.forecast(marked, occupations, series="*/*/*/2512")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "замена модели" in labels and "до ручной корректировки" in labels
    mean = next(line for line in ax.get_lines() if line.get_label() == "замена модели")
    assert mean.get_linestyle() == "--"
    before = next(line for line in ax.get_lines() if line.get_label() == "до ручной корректировки")
    row = marked[(marked["unique_id"] == "*/*/*/2512") & (marked["ds"] == "2027-01-01")]
    assert list(before.get_ydata()) == [float(row["original_mean"].iloc[0])]
    assert any("модель ETS не подошла" in t.get_text() for t in ax.texts)


def test_forecast_refuses_what_it_cannot_draw(drift):
    with pytest.raises(sf.ConfigError, match="no series"):
        sf.plot.forecast(drift, series="nope")
    two = pd.concat([drift, drift.assign(model="naive")])
    with pytest.raises(sf.ConfigError, match="several models per series"):
        sf.plot.forecast(two)
    assert sf.plot.forecast(two, model="naive", series="*/*/*/2512").get_title().startswith("2512")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    with pytest.raises(sf.ConfigError, match="cannot share one Axes"):
        sf.plot.forecast(drift, ax=ax)
    with pytest.raises(sf.ConfigError, match="pass the output of sf.forecast"):
        sf.plot.forecast(drift.drop(columns="mean"))


def test_cv_errors_one_line_per_model_by_step(occupations):
    cv = sf.cross_validate(occupations, h=3, n_windows=2, models=["naive", "drift"])
    ax = sf.plot.cv_errors(cv, "mase", train=occupations)
    lines = {line.get_label(): line for line in ax.get_lines()}
    naive = "без изменений (последнее значение)"
    assert set(lines) == {
        "продолжение среднего изменения (дрейф)",
        naive,
        "= ошибка наивного прогноза на истории",
    }
    assert list(lines[naive].get_xdata()) == [1, 2, 3]
    scores = sf.evaluate(cv, ["mase"], train=occupations, by=["model", "step"])
    expected = scores[scores["model"] == "naive"].sort_values("step")["mase"].tolist()
    assert list(lines[naive].get_ydata()) == pytest.approx(expected)
    assert sf.plot.cv_errors(scores, "mase", lang="en").get_xlabel() == "Horizon step"
    with pytest.raises(sf.ConfigError, match="unknown metric"):
        sf.plot.cv_errors(cv, "mse")
    with pytest.raises(sf.ConfigError, match="lacks \\['wape'\\]"):
        sf.plot.cv_errors(scores, "wape")


def test_model_choice_counts_series_per_model():
    choice = pd.DataFrame(
        {
            "unique_id": list("abcde"),
            "model": ["ets", "ets", "theta", "ets", "naive"],
            "reason": ["best mase"] * 3 + ["too short to judge: 1 window(s), fewer than 2", "best mase"],
        }
    )
    ax = sf.plot.model_choice(choice)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "без изменений (последнее\nзначение)",
        "тета-метод",
        "экспоненциальное сглаживание\n(ETS)",
    ]
    widths = [p.get_width() for p in ax.patches]
    assert widths[:3] == [1, 1, 2] and widths[3:] == [0, 0, 1]  # chosen by the metric, then hatched by rule
    assert [t.get_text() for t in ax.texts][-1] == "3 (60 %)"
    assert ax.get_title() == "Выбор модели по рядам (критерий: MASE)"


def test_quota_waterfall_follows_the_explanation():
    from .quota_example import EXAMPLE_POLICY, example_inputs

    result = sf.quota.compute(example_inputs(), EXAMPLE_POLICY)
    ax = sf.plot.quota_waterfall(result, "09.02.07", "spo11", 2026)
    tree = result.explain("09.02.07", "spo11", 2026)
    bars = ax.patches
    assert len(bars) == 7
    assert bars[0].get_y() == 0 and bars[-1].get_y() == 0  # the ends stand on zero
    assert bars[-1].get_height() == tree.value
    # The two conversions (× shares, ÷ yield) stand on zero: their height is the new quantity.
    assert (bars[1].get_y(), bars[1].get_height()) == (
        0,
        tree.find("scenario base").find("graduates wanted").value,
    )
    assert (bars[2].get_y(), bars[2].get_height()) == (0, tree.find("scenario base").find("need").value)
    assert bars[5].get_y() + bars[5].get_height() == pytest.approx(tree.find("smoothed_quota").value)
    assert ax.get_xticklabels()[0].get_text().startswith("1. Дополнительная")
    assert "09.02.07 Информационные системы и программирование" in ax.get_title()
    with pytest.raises(sf.ConfigError, match="no quota for specialty"):
        sf.plot.quota_waterfall(result, "01.01.01", "bachelor")
    with pytest.raises(sf.ConfigError, match="expected the QuotaResult"):
        sf.plot.quota_waterfall(result.table, "09.02.07", "spo11")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_quota_waterfall_labels_do_not_overlap_and_a_conversion_is_no_decrease(lang):
    from itertools import pairwise

    from matplotlib.colors import same_color

    from .quota_example import EXAMPLE_POLICY, example_inputs

    result = sf.quota.compute(example_inputs(), EXAMPLE_POLICY)
    ax = sf.plot.quota_waterfall(result, "09.02.07", "spo11", 2026, lang=lang)
    tree = result.explain("09.02.07", "spo11", 2026)
    openings = sum(
        float(n.children[0].value)
        for n in tree.find("scenario base").find("need").find("graduates wanted").children
    )
    assert tree.find("scenario base").find("graduates wanted").value < openings  # a fall, but no loss
    renderer = ax.figure.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer) for label in ax.get_xticklabels()]
    assert all(left.x1 < right.x0 for left, right in pairwise(boxes))  # side by side, none overlapping
    bars = ax.patches
    legend = dict(
        zip([t.get_text() for t in ax.get_legend().get_texts()], ax.get_legend().legend_handles, strict=True)
    )
    conversion = next(
        handle for text, handle in legend.items() if text.startswith(("пересчёт", "conversion"))
    )
    decrease = legend["уменьшение" if lang == "ru" else "decrease"]
    assert same_color(bars[1].get_facecolor()[:3], conversion.get_facecolor()[:3])
    assert not same_color(bars[1].get_facecolor()[:3], decrease.get_facecolor()[:3])
    assert any(t.get_text().endswith(")") and "×" in t.get_text() for t in ax.texts)  # the factor is shown
    # The title counts the bars it shows: 1–4 in the base scenario, then up to the last bar.
    steps = (
        "шаги 1–4 — по базовому сценарию, 5–{n}" if lang == "ru" else "steps 1–4 in the base scenario, 5–{n}"
    )
    assert steps.format(n=len(bars)) in ax.get_title()
    assert [t.get_text().split(".")[0] for t in ax.get_xticklabels()] == [
        str(n) for n in range(1, len(bars) + 1)
    ]


def test_coverage_map_colours_each_program_and_year(demo_result):
    coverage = demo_result.coverage
    ax = sf.plot.coverage_map(demo_result)
    programs = coverage[["specialty", "level"]].drop_duplicates()
    assert len(ax.get_yticklabels()) == len(programs)
    assert [int(t.get_text()) for t in ax.get_xticklabels()] == sorted(coverage["year"].unique())
    assert len(ax.texts) == len(coverage)  # every cell shows its ratio
    assert {t.get_text() for t in ax.get_legend().get_texts()} <= {
        "дефицит",
        "сбалансировано",
        "избыток",
        "нет потребности",
    }
    image = ax.images[0].get_array()
    assert image.shape == (len(programs), coverage["year"].nunique())
    first = ax.get_yticklabels()[0].get_text()
    assert first.startswith("01.03.02 Прикладная математика")
    with pytest.raises(sf.ConfigError, match="without a pipeline"):
        sf.plot.coverage_map(coverage.iloc[:0])


def test_allocation_draws_capacity_and_quota_per_institution(demo, demo_result):
    year = int(demo_result.allocation["intake_year"].min())
    rows = demo_result.allocation[demo_result.allocation["intake_year"] == year]
    ax = sf.plot.allocation(demo_result, institutions=demo.institutions)
    assert ax.get_title(loc="right") == f"Распределение КЦП по организациям, приём {year}"
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == [
        "мощность",
        "КЦП (решение региона)",
        "КЦП (предложение вуза)",
    ]
    assert "(СПО на базе 11 классов)" in " ".join(t.get_text() for t in ax.get_yticklabels())
    assert len(ax.get_yticklabels()) == len(rows)
    capacity = [p.get_width() for p in ax.patches[: len(rows)]]
    assert sum(capacity) == rows["capacity"].sum()
    assert sum(p.get_width() for p in ax.patches[len(rows) : 2 * len(rows)]) == rows["quota"].sum()
    assert "C01 Колледж информационных" in " ".join(t.get_text() for t in ax.get_yticklabels())
    one = sf.plot.allocation(demo_result, year, specialty="09.02.07", lang="en")
    assert len(one.get_yticklabels()) == (rows["specialty"] == "09.02.07").sum()
    with pytest.raises(sf.ConfigError, match="no rows for intake 1999"):
        sf.plot.allocation(demo_result, 1999)


def test_track_record_draws_each_vintage_against_actuals(tmp_path, occupations):
    for year in (2021, 2022):
        past = occupations[occupations["ds"].dt.year <= year]
        sf.tracking.publish(
            sf.forecast(past, h=3, models="naive", level=[80]), tmp_path, vintage=f"{year + 1}-01-15"
        )
    ax = sf.plot.track_record(tmp_path, occupations)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["факт", "прогноз от 2022-01-15", "прогноз от 2023-01-15"]
    total = occupations.groupby("ds")["y"].sum()
    assert list(ax.get_lines()[0].get_ydata()) == total.tolist()
    assert ax.get_title() == "Прошлые прогнозы и факт: сумма 16 рядов"
    one = sf.plot.track_record(tmp_path, occupations, "*/*/*/2512")
    assert one.get_title().endswith("2512 Разработчики программного обеспечения")
    assert len(one.collections) == 2  # each vintage's 80 % interval
    with pytest.raises(sf.ConfigError, match="no forecast 'other' published"):
        sf.plot.track_record(tmp_path, occupations, name="other")


def test_plot_texts_exist_in_both_languages_with_the_same_fields():
    import string

    from staffing_forecast.report.labels import PLOT_TEXT

    for key, (ru, en) in PLOT_TEXT.items():
        assert ru and en, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (ru, en)]
        assert fields[0] == fields[1], key
    with pytest.raises(sf.ConfigError, match="unknown plot language 'de'"):
        sf.plot.cv_errors(pd.DataFrame({"model": ["a"], "step": [1], "mase": [1.0]}), lang="de")


@pytest.fixture(scope="module")
def reconciled(demo):
    """The demo's total, sectors and occupations: base forecasts, in-sample values, and mint_shrink's."""
    h = sf.Hierarchy.from_keys(demo.employment, [[], ["sector"], ["occupation"]])
    panel = h.aggregate(demo.employment)
    result = sf.forecast(panel, h=5, models="drift", level=[80, 95], fitted=True, progress=False)
    coherent = sf.reconcile(result.forecast, h, "mint_shrink", fitted=result.fitted, nonnegative=True)
    return h, panel, result.forecast, coherent


def _drawn(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_reconciliation_draws_history_base_children_sum_and_reconciled(reconciled):
    h, panel, base, coherent = reconciled
    ax = sf.plot.reconciliation(base, coherent, h, panel, series="*/*/*/*")
    lines = _drawn(ax)
    assert list(lines) == [
        "факт",
        "сумма базовых прогнозов составляющих: отрасль (8)",
        "базовый прогноз",
        "согласованный прогноз (MinT)",
    ]
    sectors = base[base["unique_id"].isin(h.tags["sector"])].groupby("ds")["mean"].sum()
    assert list(lines["сумма базовых прогнозов составляющих: отрасль (8)"].get_ydata()) == pytest.approx(
        sectors
    )
    total = coherent[coherent["unique_id"] == "*/*/*/*"].sort_values("ds")["mean"]
    assert list(lines["согласованный прогноз (MinT)"].get_ydata()) == pytest.approx(total)
    assert ax.get_title() == "все" and len(ax.collections) == 1  # the widest reconciled interval, shaded
    # codes with their names; English on request; another children level
    en = sf.plot.reconciliation(
        base, coherent, h, panel, series="*/62.01/*/*", children="sector/occupation", lang="en"
    )
    assert en.get_title().startswith("62.01 ") and len(en.get_title()) > len("62.01 ")
    assert "sum of the children's base forecasts: sector × occupation" in " ".join(_drawn(en))


def test_reconciliation_small_multiples_coarse_levels_first(reconciled):
    h, panel, base, coherent = reconciled
    fig = sf.plot.reconciliation(base, coherent, h, panel, max_series=4, lang="en")
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "all"  # the total first, then the largest sectors
    assert fig.get_suptitle() == "Reconciliation of the levels (mint_shrink)"
    assert all(len(_drawn(panel_)) == 4 for panel_ in fig.axes)
    assert "sum of the children's base forecasts" in _drawn(fig.axes[1])  # one label in every panel
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 5  # four lines and the interval


def test_reconciliation_refuses_what_it_cannot_draw(reconciled):
    h, _, base, coherent = reconciled
    with pytest.raises(sf.ConfigError, match="a bottom series has no children to sum"):
        sf.plot.reconciliation(base, coherent, h, series=h.bottom_ids[0])
    with pytest.raises(sf.ConfigError, match="children='sectr' is not a level; did you mean 'sector'"):
        sf.plot.reconciliation(base, coherent, h, children="sectr")
    with pytest.raises(sf.ConfigError, match="base lacks 1 series of the hierarchy"):
        sf.plot.reconciliation(base[base["unique_id"] != "*/*/*/*"], coherent, h)
    with pytest.raises(sf.ConfigError, match="several forecasts per series and date"):
        sf.plot.reconciliation(pd.concat([base, base.assign(model="naive")]), coherent, h)
    with pytest.raises(sf.ConfigError, match="must be a sf.Hierarchy"):
        sf.plot.reconciliation(base, coherent, "total")
