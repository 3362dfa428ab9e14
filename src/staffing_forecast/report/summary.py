"""The summary workbook of a bundle: its tables, employment by occupation and by sector, and a forecast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..disclosure import Rules, primary, secondary
from ..hierarchy import Hierarchy
from ..loaders import Bundle
from ..units import PERSONS, unit_of
from .excel import Sheet, write_workbook

__all__ = ["write_summary"]

_SUMMARY_LABELS = {
    "ru": {
        "table": "Таблица",
        "rows": "Строк",
        "series": "Рядов",
        "first": "С",
        "last": "По",
        "description": "Описание",
        "occupation": "Код ОКЗ",
        "sector": "ОКВЭД2",
        "name": "Наименование",
        "sheets": ("Сводка", "Занятость по ОКЗ", "Занятость по ОКВЭД2", "Прогноз по ОКЗ"),
    },
    "en": {
        "table": "Table",
        "rows": "Rows",
        "series": "Series",
        "first": "From",
        "last": "To",
        "description": "Description",
        "occupation": "ОКЗ code",
        "sector": "ОКВЭД2",
        "name": "Name",
        "sheets": ("Summary", "Employment by occupation", "Employment by sector", "Forecast by occupation"),
    },
}

_FORECAST_LABELS = {
    "ru": {
        "occupation": "Код ОКЗ",
        "name": "Наименование",
        "ds": "Год",
        "mean": "Прогноз, чел.",
        "lo_80": "Нижняя граница 80 %",
        "hi_80": "Верхняя граница 80 %",
        "lo_95": "Нижняя граница 95 %",
        "hi_95": "Верхняя граница 95 %",
        "fallback": "Замена модели",
    },
    "en": {
        "occupation": "ОКЗ code",
        "name": "Occupation",
        "ds": "Year",
        "mean": "Forecast, persons",
        "lo_80": "Lower 80 %",
        "hi_80": "Upper 80 %",
        "lo_95": "Lower 95 %",
        "hi_95": "Upper 95 %",
        "fallback": "Model fallback",
    },
}


def _employment_by(bundle: Bundle, key: str, lang: str, rules: Rules | None = None) -> pd.DataFrame:
    from .. import reference

    if rules is None:
        table = bundle.employment.pivot_table(
            index=key, columns=bundle.employment["ds"].dt.year, values="y", aggfunc="sum", fill_value=0
        )
    else:
        cells = _published_history(bundle.employment, rules)
        cells = cells[(cells[key] != "*") & (cells["hierarchy"] == key)]
        table = cells.assign(_year=cells["ds"].dt.year).pivot(index=key, columns="_year", values="y")
        table.columns.name = None
    names = (reference.occupations() if key == "occupation" else reference.sectors()).set_index(key)
    labels = _SUMMARY_LABELS[lang]
    table.insert(0, labels["name"], names.reindex(table.index)[f"name_{lang}"].fillna(""))
    table.index.name = labels[key]
    table.columns = [int(c) if str(c).isdigit() else c for c in table.columns]  # years stay numbers
    return table


def _forecast_sheet(fc: pd.DataFrame, lang: str) -> pd.DataFrame:
    from .. import reference

    labels = _FORECAST_LABELS[lang]
    names = reference.occupations().set_index("occupation")[f"name_{lang}"]
    table = fc[["occupation", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95", "fallback"]].copy()
    table.insert(1, "name", table["occupation"].map(names).fillna(""))
    table["ds"] = table["ds"].dt.year
    table[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] = table[
        ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    ].round(0 if unit_of(fc) == PERSONS else 2)  # 12.4 thousand persons is not 12
    return table.rename(columns=labels)


def _table_list(bundle: Bundle, lang: str) -> pd.DataFrame:
    """List the bundle's tables with years as numbers (quarters stay text) and, in Russian, Russian names."""
    from .labels import TABLE_NAMES_RU

    out = bundle.summary().reset_index()
    for column in ("first", "last"):
        years = pd.to_numeric(out[column], errors="coerce")
        out[column] = [
            int(y) if pd.notna(y) else (v or None) for y, v in zip(years, out[column], strict=True)
        ]
    if lang == "ru":
        out["description"] = out["table"].map(lambda t: TABLE_NAMES_RU.get(t, (t, ""))[1])
        out["table"] = out["table"].map(lambda t: TABLE_NAMES_RU.get(t, (t, ""))[0])
    return out


def _published_history(employment: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Employment by occupation and by sector per year, the cells the disclosure rules withhold as NaN.

    The sector × occupation cells are not shown, so they count as withheld when the complementary cells are
    chosen; ``hierarchy`` names the level of each row (``occupation``, ``sector``, ``total``, ``bottom``).
    """
    hierarchy = Hierarchy.from_keys(employment, [[], ["occupation"], ["sector"]])
    cells = hierarchy.aggregate(employment)
    named = cells[["sector", "occupation"]] != "*"
    level = np.select(
        [named.all(axis=1), named["occupation"], named["sector"]], ["bottom", "occupation", "sector"], "total"
    )
    sensitive = primary(cells, employment, rules, value="y") | (level == "bottom")
    hidden = secondary(cells, sensitive, value="y")
    return cells.assign(y=cells["y"].where(~hidden), hierarchy=level)


def write_summary(
    bundle: Bundle,
    path: Path,
    lang: str = "ru",
    forecast: pd.DataFrame | None = None,
    *,
    rules: Rules | None = None,
) -> Path:
    """Write a workbook summarising a bundle and, if given, the employment forecast by occupation.

    The summary gives the bundle's tables and the employment by occupation and by sector, year by year. With
    ``rules`` (:class:`staffing_forecast.disclosure.Rules`, for publication) the employment cells those
    disclosure rules withhold, and the ones that would give them away, are blank; the forecast is given as it
    should be shown (``sf.disclosure.withhold``).
    """
    labels = _SUMMARY_LABELS[lang]
    summary = _table_list(bundle, lang).rename(columns={k: v for k, v in labels.items() if k != "sheets"})
    unit = unit_of(bundle.employment)  # the years' values: decimals in thousands, whole in persons
    sheets = [
        Sheet(labels["sheets"][0], summary),
        Sheet(
            labels["sheets"][1], _employment_by(bundle, "occupation", lang, rules).reset_index(), unit=unit
        ),
        Sheet(labels["sheets"][2], _employment_by(bundle, "sector", lang, rules).reset_index(), unit=unit),
    ]
    if forecast is not None:
        sheets.append(Sheet(labels["sheets"][3], _forecast_sheet(forecast, lang), unit=unit_of(forecast)))
    write_workbook(path, sheets, lang)  # written whole or not at all
    return path
