"""Every word an official reads is Russian: each text cell of each workbook the demo job writes, each plot's text.

The demo job (``staffing-forecast demo``) runs with its defaults (Russian). Every text cell of every workbook it
writes (the run's workbooks, the survey form and the filled forms; formulas are not text) and every text of every
figure it saves (titles, axis labels, tick labels, legends, annotations), and of every picture of
``docs/images/make_images.py`` (one per ``sf.plot`` function, on the demo cluster), is scanned for Latin words;
what may stay Latin is listed below: codes, method abbreviations, a citation and classifier names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from staffing_forecast.cli import main

# Method abbreviations and names officials meet in Latin letters (as in Russian statistical publications), and
# words of the classifiers' own Russian names (ОКЗ: «Специалисты-техники по Web»).
ALLOWED = {
    "MASE", "RMSSE", "MAPE", "sMAPE", "WAPE", "MAE", "RMSE",  # error measures
    "ETS", "ARIMA", "ARI", "CES", "DOT", "TSB", "SARIMAX", "MinT", "Prophet",  # forecasting methods
    "Web", "web",  # ОКЗ 2513, 3514 and ОКВЭД2 63.12 («Деятельность web-порталов»)
    "Brown", "Cai", "DasGupta",  # the citation of the Jeffreys interval in the monitoring method sheet
}  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
_LATIN = re.compile(r"[A-Za-z][A-Za-z_]+")
# Codes a table shows as they are: institutions (U01, C03), employers (E001), levels of an interval (lo_80 is
# never shown; p is the p-value's letter).
_CODE = re.compile(r"^(?:[A-Z]\d+|[A-Z]{1,2}\d+\w*)$")


def latin_words(text: str) -> set[str]:
    """The Latin words of ``text`` outside the allow-list and codes."""
    return {w for w in _LATIN.findall(text) if w not in ALLOWED and not _CODE.match(w)}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run the demo job once, keeping the texts of every figure it saves."""
    from matplotlib.figure import Figure

    figures: dict[str, list[str]] = {}
    save = Figure.savefig

    def keep_texts(self, fname, *args, **kwargs):
        figures[Path(str(fname)).name] = figure_texts(self)
        return save(self, fname, *args, **kwargs)

    out = tmp_path_factory.mktemp("demo")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(Figure, "savefig", keep_texts)
    try:
        assert main(["demo", "--out", str(out), "--quiet", "--n-jobs", "1"]) == 0
    finally:
        monkeypatch.undo()
    return out, figures


@pytest.mark.slow
def test_every_workbook_the_demo_job_writes_is_russian(demo_run):
    out, _ = demo_run
    books = sorted(out.rglob("*.xlsx"))
    assert {p.name for p in books} >= {"forecast.xlsx", "quota.xlsx", "summary.xlsx", "monitoring.xlsx"}
    found: dict[str, set[str]] = {}
    for path in books:
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str) and not value.startswith("=") and (words := latin_words(value)):
                        found.setdefault(f"{path.name} / {sheet.title}", set()).update(words)
    assert found == {}


def figure_texts(figure) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.mark.slow
def test_every_plot_the_demo_job_draws_is_russian(demo_run):
    _, figures = demo_run
    assert len(figures) >= 3  # the fan chart, the coverage map and a quota waterfall
    found = {
        name: words for name, texts in figures.items() if (words := set().union(*map(latin_words, texts)))
    }
    assert found == {}


@pytest.mark.slow
def test_every_plot_function_draws_russian_on_the_demo(monkeypatch):
    import importlib.util

    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "images" / "make_images.py")
    assert spec is not None and spec.loader is not None
    images = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(images)
    drawn: dict[str, list[str]] = {}

    def keep(figure: object, name: str) -> None:
        figure = figure if isinstance(figure, matplotlib.figure.Figure) else figure.figure  # type: ignore[attr-defined]
        drawn[name] = figure_texts(figure)
        plt.close("all")

    monkeypatch.setattr(images, "save", keep)
    images.main()
    assert {"tornado", "model_choice", "cv_errors", "allocation", "reconciliation"} <= set(drawn)
    found = {name: words for name, texts in drawn.items() if (words := set().union(*map(latin_words, texts)))}
    assert found == {}


def test_every_quota_explanation_of_the_demo_is_russian():
    import staffing_forecast as sf

    demo = sf.datasets.load_demo()
    by_occupation = sf.aggregate(demo.employment, by=["occupation"])
    fc = sf.forecast(by_occupation, h=7, level=[80, 95], models="drift")
    result = sf.quota.compute(sf.quota.inputs_from_bundle(demo, fc), sf.quota.Policy(cost_short=1.5))
    assert (result.table["reliability"] == "low").any()  # the reliability step and its reason are worded too
    for row in result.table.itertuples():
        text = str(result.explain(row.specialty, row.level, row.intake_year, lang="ru"))
        assert not latin_words(text), (row.specialty, row.level, row.intake_year, latin_words(text))


#: Series that lead ``models="auto"`` to each of its notes (models/auto.py), with the note's English stem.
AUTO_NOTES = {
    "zero": ([0.0] * 6, "no nonzero value in the history"),
    "entered": ([0.0] * 3 + [5.0, 6, 8, 9, 11, 12, 14], "leading zeros"),
    "entered_short": ([0.0, 0, 0, 3, 4], "short (2 observations"),
    "stopped": ([5.0, 6, 7, 8, 0, 0], "stopped: the last 2 values are 0"),
    "intermittent": ([0.0, 3, 0, 0, 2, 0, 4, 0, 1, 0, 2, 0], "intermittent"),
    "short_drift": ([3.0, 4, 5], "): drift"),
    "left_out": ([3.0, 5, 4, 6, 5], "left out ets"),
    "outlier": ([10.0, 12, 11, 13, 12, 500, 14, 13, 12, 14, 13, 14], "outlier dampened"),
    "smooth": ([100.0 + 5 * t + 0.1 * t * t for t in range(12)], "smooth (roughness"),
}


def test_every_note_auto_writes_is_russian_in_a_russian_workbook(tmp_path):
    import pandas as pd

    import staffing_forecast as sf

    panel = pd.concat(
        [
            pd.DataFrame(
                {"unique_id": uid, "ds": pd.date_range(end="2025", periods=len(y), freq="YS"), "y": y}
            )
            for uid, (y, _) in AUTO_NOTES.items()
        ]
    )
    fc = sf.forecast(panel, h=2, models="auto", level=[80])
    # A combination of members none of which fits: drift, and the note says why.
    lone = sf.models.Auto(members=("ets",)).fit(panel[panel["unique_id"] == "left_out"]).predict(2)
    fc = pd.concat([fc, lone.assign(unique_id="no_member")], ignore_index=True)
    notes = fc.groupby("unique_id")["note"].first()
    for uid, (_, stem) in AUTO_NOTES.items():  # each rule's note is written, so the scan below sees it
        assert stem in notes[uid], (uid, notes[uid])
    assert "no combination member could be fitted" in notes["no_member"]
    book = load_workbook(sf.report.forecast_workbook(fc, tmp_path / "fc.xlsx"))
    sheet = book["Замены и примечания"]
    said = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(said) == {*AUTO_NOTES, "no_member"}
    found = {uid: words for uid, text in said.items() if (words := latin_words(str(text)))}
    assert found == {}
    # The numbers say what they count.
    assert "нулей в начале: 3, значений после них: 7" in said["entered"]
    assert "нулей в конце ряда: 2, ненулевых значений до них: 4" in said["stopped"]
    assert said["smooth"].startswith("ряд меняется плавно (неровность 0,")
