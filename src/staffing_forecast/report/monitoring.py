"""The monitoring workbook: graduate outcomes, trends, employer satisfaction, institution scores, quota shares."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import monitoring
from .excel import Sheet, check_lang, name_columns, write_workbook

__all__ = ["monitoring_workbook"]

_TITLES = {
    "ru": (
        "Трудоустройство",
        "Динамика",
        "По организациям",
        "Удовлетворённость",
        "Оценка организаций",
        "Параметры для КЦП",
        "Методика",
    ),
    "en": (
        "Graduate outcomes",
        "Trends",
        "By institution",
        "Satisfaction",
        "Institution scores",
        "Quota shares",
        "Method",
    ),
}

_METHOD = {
    "ru": [
        ("Доля трудоустроенных", "трудоустроено / выпуск", "интервал Джеффриса (Brown, Cai, DasGupta 2001)"),
        (
            "Доля работающих по специальности",
            "трудоустроено по специальности / трудоустроено",
            "интервал Джеффриса",
        ),
        (
            "Доля оставшихся в регионе",
            "по специальности в регионе / по специальности",
            "интервал Джеффриса",
        ),
        (
            "Тренд",
            "наклон взвешенной линейной регрессии доли по годам",
            "t-критерий наклона; «рост»/«снижение» при p < 0,05",
        ),
        (
            "Индекс удовлетворённости",
            "Σ принято·оценка / Σ принято (оценки 1–5)",
            "бутстреп-интервал (процентильный), 2000 повторов",
        ),
        (
            "Интегральная оценка",
            "среднее взвешенное долей и (индекс − 1) / 4; веса равные",
            "отсутствующие компоненты не учитываются и указаны",
        ),
        (
            "Доля завершивших обучение",
            "выпуск / приём соответствующего года (бюджет + платные)",
            "интервал Джеффриса; при отсутствии данных — справочное значение",
        ),
    ],
    "en": [
        ("Employed share", "employed / graduates", "Jeffreys interval (Brown, Cai, DasGupta 2001)"),
        ("In-field share", "employed in field / employed", "Jeffreys interval"),
        ("Regional retention", "in field in the region / in field", "Jeffreys interval"),
        (
            "Trend",
            "slope of a weighted linear regression of the rate on the year",
            "t test; up/down at p < 0.05",
        ),
        (
            "Satisfaction index",
            "Σ hired·rating / Σ hired (ratings 1–5)",
            "percentile bootstrap, 2,000 resamples",
        ),
        (
            "Score",
            "weighted mean of the shares and (index − 1) / 4; equal weights",
            "missing components left out, named",
        ),
        (
            "Completion",
            "graduates / intake of their cohort (state-funded + fee-paying)",
            "Jeffreys; reference value where no data",
        ),
    ],
}


def monitoring_workbook(
    data: object,
    path: str | os.PathLike[str],
    *,
    lang: str = "ru",
    years: Iterable[int] | None = None,
    window: int = 1,
    level: int = 95,
) -> Path:
    """Write the yearly monitoring report of graduate employment and employer satisfaction as an Excel workbook.

    Sheets: outcomes by specialty, level and year; their trends; outcomes by institution (last 3 years pooled);
    employer satisfaction by institution and specialty; institution scores; the quota's shares with their sources;
    and the method. Headers are Russian by default (``lang="en"`` for English).

    Parameters
    ----------
    data
        A :class:`~staffing_forecast.Bundle` with the ``graduates`` table and, where available, ``satisfaction``,
        ``admissions`` and ``institutions``.
    path
        The ``.xlsx`` file to write (replaced as a whole only when writing succeeds).
    lang
        ``"ru"`` or ``"en"``.
    years
        Graduation years for the outcomes and trends (default: all).
    window
        Years pooled per cell of the outcomes sheet, see :func:`staffing_forecast.monitoring.graduate_outcomes`.
    level
        Confidence level of the intervals, in percent.

    Examples
    --------
    >>> import tempfile, pathlib, staffing_forecast as sf
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = sf.report.monitoring_workbook(sf.datasets.load_demo(), pathlib.Path(folder) / "monitoring.xlsx")
    ...     with pd.ExcelFile(path) as book:
    ...         book.sheet_names[:2]
    ['Трудоустройство', 'Динамика']
    """
    check_lang(lang)
    titles = _TITLES[lang]
    institutions = getattr(data, "institutions", None)
    surveys = getattr(data, "satisfaction", None)
    outcomes = monitoring.graduate_outcomes(
        data, ("specialty", "level"), years=years, window=window, level=level
    )
    trends = monitoring.outcome_trends(data, ("specialty", "level"), years=years)
    by_institution = monitoring.graduate_outcomes(
        data,
        ("institution", "specialty", "level"),
        years=range(int(outcomes["year"].max()) - 2, int(outcomes["year"].max()) + 1),
        window=3,
        level=level,
    )
    shares = monitoring.quota_shares(data, level=level)
    sheets = [
        Sheet(titles[0], name_columns(outcomes, lang)),
        Sheet(titles[1], name_columns(trends, lang)),
        Sheet(titles[2], name_columns(by_institution, lang, institutions)),
    ]
    if surveys is not None:
        sat = monitoring.satisfaction(surveys, ("institution", "specialty"), level=level)
        sheets.append(Sheet(titles[3], name_columns(sat, lang, institutions)))
    scores = monitoring.institution_scores(data, surveys)
    sheets.append(Sheet(titles[4], name_columns(scores, lang, institutions)))
    sheets.append(Sheet(titles[5], name_columns(shares, lang)))
    method = pd.DataFrame(_METHOD[lang], columns=["indicator", "formula", "method"])
    sheets.append(Sheet(titles[6], method))
    return write_workbook(path, sheets, lang)
