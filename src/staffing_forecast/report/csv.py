"""CSV files an official opens in Excel: translated headers and values, rounded figures, the locale's separators."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..atomic import temp_path
from ..spreadsheet import csv_safe_frame
from ..units import PERSONS, unit_of
from .excel import check_lang, value_decimals
from .labels import column_label, in_unit, value_label

__all__ = ["write_csv"]

#: Decimals shown per kind of column (the kinds of :mod:`staffing_forecast.report.labels`).
_DECIMALS = {"count": 0, "number": 1, "share": 3, "index": 2, "year": 0}
#: Separator, decimal mark and encoding per language: Russian Excel expects ";", "," and a byte-order mark.
_LOCALE = {"ru": (";", ",", "utf-8-sig"), "en": (",", ".", "utf-8")}


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], lang: str | None = "ru") -> Path:
    """Write ``frame`` as CSV for people (``lang="ru"`` or ``"en"``) or for programs (``lang=None``).

    For people, headers and coded values are translated (:mod:`staffing_forecast.report.labels`) and numbers are
    rounded by the kind of their column; ``"ru"`` uses ``;`` between fields, a decimal comma and a UTF-8
    byte-order mark, so Russian Excel opens it as a table. ``lang=None`` keeps the internal column names and full
    precision, comma-separated, for other services. Either way a text value starting like a formula (``=``,
    ``+``, ``-``, ``@``, tab, CR) is written with a leading apostrophe, so a spreadsheet shows it and never runs
    it (:mod:`staffing_forecast.spreadsheet`). The file is written whole or not at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"specialty": ["09.02.07"], "level": ["spo9"], "need": [30.4166], "quota": [30]})
    >>> path = write_csv(frame, pathlib.Path(tempfile.mkdtemp()) / "quota.csv")
    >>> path.read_text(encoding="utf-8-sig").splitlines()
    ['Код специальности;Уровень образования;Требуется принять, чел.;Рекомендуемые КЦП, мест', \
'09.02.07;СПО на базе 9 классов;30,4;30']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        if lang is None:
            csv_safe_frame(frame).to_csv(tmp, index=False, date_format="%Y-%m-%d")
        else:
            check_lang(lang)
            separator, decimal, encoding = _LOCALE[lang]
            csv_safe_frame(_for_people(frame, lang)).to_csv(
                tmp, index=False, sep=separator, decimal=decimal, encoding=encoding, date_format="%Y-%m-%d"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _yearly(values: pd.Series) -> bool:
    dates = pd.to_datetime(values, errors="coerce")
    return bool(dates.notna().all() and (dates.dt.month == 1).all() and (dates.dt.day == 1).all())


def _for_people(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        label, kind = column_label(str(column), lang)
        label = in_unit(label, unit_of(frame), lang)  # a forecast of a panel in thousands is in thousands
        values = frame[column]
        if column == "ds" and _yearly(values):  # annual data: the year, as the workbooks show it
            values, (label, kind) = values.dt.year, column_label("year", lang)
        unit = unit_of(frame)
        if kind == "value":  # a head count: one decimal in persons (as a number), by size in thousands
            decimals = _DECIMALS["number"] if unit == PERSONS else value_decimals(unit, values)
        else:
            decimals = _DECIMALS.get(kind, -1)
        if pd.api.types.is_float_dtype(values) and decimals >= 0:
            values = values.round(decimals)
            if decimals == 0:
                values = values.astype("Int64")  # whole places print without ",0"
        out[label] = value_label(values, lang, str(column))
    return out
