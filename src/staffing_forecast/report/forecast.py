"""The forecast workbook an official reads: one row per series with the years as columns, intervals, notes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..disclosure import KEYS, Rules, employers_of, primary, secondary, withhold
from ..errors import ConfigError
from ..schema import (
    ALL,
    DS,
    FALLBACK,
    FREQUENCIES,
    MEAN,
    MODEL,
    NOTE,
    UNIQUE_ID,
    Y,
    check_forecast,
    infer_freq,
    key_columns,
)
from ..units import unit_label, unit_of
from .excel import Sheet, check_lang, name_columns, write_workbook
from .labels import hierarchy_label, remark_label

__all__ = ["forecast_workbook"]

_INTERVAL = re.compile(r"^(lo|hi)_(\d+)$")

_TITLES = {
    "ru": ("Прогноз", "Интервалы", "Замены и примечания", "Корректировки", "Точность прошлых прогнозов"),
    "en": ("Forecast", "Intervals", "Fallbacks and notes", "Adjustments", "Track record"),
}
_TRACK_NOTES = {
    "ru": (
        "Точность прогнозов, опубликованных ранее, по фактическим данным, поступившим с тех пор, в сравнении с "
        "простыми эталонами; интервал — {L} %."
    ),
    "en": (
        "How forecasts published earlier turned out against the actuals that have arrived since, beside simple "
        "benchmarks; the interval is {L} %."
    ),
}
_ADJUSTED = ("original_mean", "adjustment", "reason")
#: Rows of a sheet Excel can hold.
EXCEL_ROWS = 1_048_576
_LIMITED = {
    "ru": (
        "Показаны {shown} из {total} рядов: все сводные ряды и крупнейшие по прогнозу на последний период, чтобы "
        "книга открывалась в Excel. Полный прогноз — в таблице, из которой записана книга (Parquet или CSV)."
    ),
    "en": (
        "Showing {shown} of {total} series: every aggregate and the largest by their forecast for the last period, "
        "so that the workbook opens in Excel. The whole forecast is in the table the workbook was written from "
        "(Parquet or CSV)."
    ),
}

_NOTES = {
    "ru": (
        "Прогноз по рядам: среднее значение {by} ({unit}); интервалы прогноза — на листе «Интервалы».",
        "Для {n} рядов выбранная модель не подошла и прогноз построен запасной моделью: см. лист «Замены и примечания».",
        "Прогноз по рядам: среднее значение {by} ({unit}); интервалы прогноза не рассчитывались.",
    ),
    "en": (
        "Forecast by series: the mean by period ({unit}); the prediction intervals are on sheet 'Intervals'.",
        "For {n} series the chosen model did not fit and a fallback made the forecast: see sheet 'Fallbacks and notes'.",
        "Forecast by series: the mean by period ({unit}); no prediction intervals were computed.",
    ),
}
#: How the mean is taken, by frequency (the Russian note names it).
_BY = {"YS": "по годам", "QS": "по кварталам", "MS": "по месяцам"}
_QUARTERS = ("I", "II", "III", "IV")
#: The total row, what it sums, and the actuals and change beside the forecast.
_TOTAL = {"ru": "Итого", "en": "Total"}
_TOTAL_NOTES = {
    "ru": (
        "«Итого» — сумма всех {n} рядов таблицы.",
        "«Итого» — сумма {n} рядов нижнего уровня ({level}), без «*» в ключах; сводные ряды в сумму не входят.",
    ),
    "en": (
        "'Total' is the sum of all {n} series of the table.",
        "'Total' is the sum of the {n} bottom-level series ({level}), those without '*' in their keys; the "
        "aggregates are not added in.",
    ),
}
#: What a withheld cell of a workbook for publication shows, and the note that explains it.
_WITHHELD = {"ru": "скрыто", "en": "withheld"}
_WITHHELD_NOTES = {
    "ru": (
        "«скрыто» — значение не публикуется: по правилам раскрытия оно выдало бы данные отдельных работодателей "
        "(мало работодателей, доля одного слишком велика или значение мало) или позволило бы вычислить такое "
        "значение по другим ячейкам."
    ),
    "en": (
        "'withheld': the value is not published: under the disclosure rules it would show individual employers' "
        "figures (too few employers, one holds too large a share, or too small a value) or let such a value be "
        "recomputed from other cells."
    ),
}
_ACTUAL_NOTES = {
    "ru": "Факт — {periods} истории; изменение — от факта за {first} до прогноза на {last}.",
    "en": "Actual: the last {n} periods of the history; change: from the actual of {first} to the forecast for {last}.",
}


def forecast_workbook(
    forecast: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    lang: str = "ru",
    freq: str | None = None,
    track_record: pd.DataFrame | None = None,
    max_rows: int | None = 100_000,
    history: pd.DataFrame | None = None,
    actuals: int = 3,
    publish: bool = False,
    employers: pd.DataFrame | None = None,
    rules: Rules | None = None,
) -> Path:
    """Write a forecast frame as a workbook for officials; return the path.

    Sheets: the forecast, one row per series (and model) with one column per period, years as numbers (quarters
    «IV кв. 2026» in Russian), the last actual periods before them and the change over the horizon in % when the
    ``history`` is given, and a total row («Итого») where the rows add up; the
    intervals (when there are any), one row per series and period with the mean and each ``lo_<L>``/``hi_<L>``
    bound; and, when a
    series fell back to another model or has a note (``auto``'s rule, a widened interval), the reasons. Headers are Russian with units by default (``lang="en"``
    for English); key columns summed over (``*`` in every row) are left out and occupation codes get their names.

    Parameters
    ----------
    forecast
        A forecast frame, as :func:`staffing_forecast.forecast` returns it.
    path
        The ``.xlsx`` file (replaced as a whole only when writing succeeds).
    lang
        ``"ru"`` or ``"en"``.
    freq
        ``"YS"`` (years, written as numbers), ``"QS"`` (``2026Q1``) or ``"MS"`` (``2026-03``); inferred from the
        forecast's dates by default (pass it for a one-step quarterly or monthly forecast).
    track_record
        The track record of earlier vintages (``sf.tracking.track``), written on its own sheet.
    max_rows
        Most rows of the forecast (series × models × periods) the workbook shows. A larger forecast (the batch
        job at 100,000 series) keeps the coarsest series first (the total, then the occupations: summed over
        the most keys, ``*``) and then the largest by their mean in the last period, as many as fit, and says so
        on the first sheet: a workbook of millions of
        rows takes gigabytes to write and does not open. ``None`` shows every row, up to Excel's limit of
        1,048,576 rows a sheet.
    history
        The panel the forecast was made from (``unique_id``, ``ds``, ``y``): its last ``actuals`` periods are
        shown before the forecast, and the change from the last actual to the last forecast period in %.
    actuals
        How many of the last actual periods to show (3 by default).
    publish, employers, rules
        ``publish=True`` writes a workbook for readers not entitled to employers' figures: rows naming an
        employer are left out, and the cells the disclosure rules withhold show «скрыто» ("withheld") instead of
        a value, so a series withheld in every period still has its row
        (:func:`staffing_forecast.disclosure.withhold`; ``employers`` are who is behind each cell,
        :func:`staffing_forecast.disclosure.employers` of the employment, by default the forecast's own employer
        rows; ``rules`` default to ``Rules()``: 3 employers, 85 % dominance, 10 persons). Default ``False``:
        every row, as for the ``employer`` scope.

    Notes
    -----
    The total row sums the rows that add up without double counting: every row when no key is summed over
    (``*``), otherwise the bottom level only (the rows with no ``*`` in their keys), over every series of the
    forecast even when ``max_rows`` shows fewer. When every series is forecast by the same models (a comparison),
    there is one total per model; when each series has its own chosen model (the batch job), one total of them
    all, with no model named. The first sheet says which rows it sums. There is no total row when fewer than two
    series would be summed, or when some series have several models and others one.

    In a workbook for publication the total is a cell of the hierarchy like any other: its value in a period is
    shown only where the forecast's top cell (every key ``*``) is published in that period, and «скрыто»
    otherwise (always when the forecast has no top cell). The actuals are cells of the hierarchy at earlier dates,
    decided by the same rules date by date; the actuals of a series withheld in any forecast period are withheld
    too, and so is the change of a row whose first or last value is withheld.

    Examples
    --------
    >>> import tempfile, pathlib, staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> two = panel[panel["occupation"].isin(["2512", "2514"])]
    >>> fc = sf.forecast(two, h=2, models="drift", level=[80])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = sf.report.forecast_workbook(fc, pathlib.Path(folder) / "forecast.xlsx", history=two, actuals=2)
    ...     table = pd.read_excel(path, skiprows=4)
    >>> list(table.columns)
    ['Код ОКЗ', 'Профессия (ОКЗ)', 'Модель', '2024, факт', '2025, факт', 2026, 2027, 'Изменение за горизонт прогноза']
    >>> table["Код ОКЗ"].tolist()
    ['2512', '2514', 'Итого']
    """
    check_lang(lang)
    check_forecast(forecast)
    original, shown_history, hidden_actuals = forecast, history, None
    if publish:
        forecast = withhold(forecast, employers, rules)
        if history is not None:
            shown_history, hidden_actuals = _published_history(
                history, original, forecast, employers, rules, actuals
            )
    titles, notes = _TITLES[lang], _NOTES[lang]
    limited = _largest(forecast, max_rows)
    frame = limited.drop(columns=[c for c in _ADJUSTED if c in limited.columns])
    freq = freq or infer_freq(frame)
    if freq not in FREQUENCIES:
        raise ConfigError(f"forecast_workbook: freq={freq!r}; use one of {list(FREQUENCIES)}.")
    period = "year" if freq == "YS" else "period"
    frame[period] = _periods(frame[DS], freq, lang)
    bounds = sorted(
        (c for c in frame.columns if _INTERVAL.match(str(c))),
        key=lambda c: (int(_INTERVAL.match(c)[2]), c[:2] == "hi"),  # type: ignore[index]
    )
    reserved = {UNIQUE_ID, DS, MODEL, MEAN, FALLBACK, NOTE, period, *bounds}
    keys = [c for c in frame.columns if c not in reserved and not (frame[c].astype(str) == "*").all()]
    keys = [c for c in keys if not pd.api.types.is_numeric_dtype(frame[c])] or [UNIQUE_ID]
    ids = [UNIQUE_ID] if keys != [UNIQUE_ID] else []
    horizon = list(dict.fromkeys(frame.sort_values(DS, kind="stable")[period]))
    wide = _wide(frame, [*ids, *keys, MODEL], period, horizon)
    wide, said_actuals = _with_actuals(wide, forecast, shown_history, actuals, freq, lang, horizon)
    withheld = _withheld_cells(wide, frame, period, horizon, hidden_actuals, freq, lang) if publish else None
    wide, said_total, total_withheld = _with_total(
        wide.drop(columns=ids),
        original,
        forecast,
        keys,
        freq,
        lang,
        history,
        horizon,
        hidden_actuals,
        publish,
    )
    if withheld is not None:
        if total_withheld is not None:
            withheld = pd.concat([withheld, total_withheld], ignore_index=True)
        wide = _mark_withheld(wide, withheld, lang)
    long = frame[[*keys, MODEL, period, MEAN, *bounds]]
    unit = unit_of(forecast)  # the panel's: thousand persons are labelled so on every sheet
    first_notes = [(notes[0] if bounds else notes[2]).format(by=_BY[freq], unit=unit_label(unit, lang))]
    sheets = [Sheet(titles[0], name_columns(wide, lang), notes=first_notes, unit=unit)]
    if len(limited) < len(forecast):
        shown, total = limited[UNIQUE_ID].nunique(), forecast[UNIQUE_ID].nunique()
        sheets[0].notes.append(_LIMITED[lang].format(shown=f"{shown:,}", total=f"{total:,}"))
    if bounds:
        sheets.append(Sheet(titles[1], name_columns(long, lang), unit=unit))
    said = [c for c in (FALLBACK, NOTE) if c in frame.columns]
    if said:
        text = frame[said].fillna("").astype(str)
        remarks = frame.loc[(text != "").any(axis=1), [*keys, MODEL, *said]].drop_duplicates()
        for column in said:
            remarks[column] = remarks[column].map(lambda t: remark_label(t, lang))
        if not remarks.empty:
            fell_back = (remarks[FALLBACK].fillna("") != "").sum() if FALLBACK in remarks else 0
            if fell_back:
                sheets[0].notes.append(notes[1].format(n=int(fell_back)))
            sheets.append(Sheet(titles[2], name_columns(remarks, lang)))
    if "adjustment" in limited.columns and (limited["adjustment"].fillna("") != "").any():
        changed = limited[limited["adjustment"].fillna("") != ""]
        changed = changed.assign(**{period: _periods(changed[DS], freq, lang)})
        adjusted = changed[[*keys, MODEL, period, *_ADJUSTED, MEAN]]
        sheets.append(Sheet(titles[3], name_columns(adjusted, lang), unit=unit))
    if track_record is not None and not track_record.empty:
        sheets.append(_track_sheet(track_record, titles[4], lang))
    first_notes.extend(note for note in (said_actuals, said_total) if note)
    if withheld is not None and withheld.to_numpy().any():
        first_notes.append(_WITHHELD_NOTES[lang])
    return write_workbook(path, sheets, lang)


def _largest(forecast: pd.DataFrame, max_rows: int | None) -> pd.DataFrame:
    """Return the rows of the series the workbook shows: all of them when they fit in ``max_rows``.

    Otherwise the coarsest series first (those summed over the most keys, ``*``), then, within a level, by their
    mean in the last period, largest first: as many whole series as fit.
    """
    limit = EXCEL_ROWS - 10 if max_rows is None else max_rows  # a few rows for the notes and the header
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(
            f"forecast_workbook: max_rows={max_rows!r}; use a positive number of rows, or None."
        )
    if len(forecast) <= limit:
        return forecast
    if max_rows is None:
        raise ConfigError(
            f"forecast_workbook: {len(forecast):,} rows do not fit in an Excel sheet ({EXCEL_ROWS:,} rows); "
            "pass max_rows= to show the aggregates and the largest series, or write the forecast as CSV."
        )
    keys = key_columns(forecast)
    rows = forecast.groupby(UNIQUE_ID, sort=False).size()
    last = (
        forecast.sort_values(DS, kind="stable")
        .groupby(UNIQUE_ID, sort=False)[MEAN]
        .last()
        .reindex(rows.index)
    )
    # How many keys a series sums over (``*``): the coarser a series, the earlier it is kept.
    summed = (forecast[keys] == "*").sum(axis=1) if keys else pd.Series(0, index=forecast.index)
    coarseness = summed.groupby(forecast[UNIQUE_ID], sort=False).max().reindex(rows.index)
    order = pd.DataFrame({"coarseness": coarseness, "last": last, "rows": rows})
    order = order.sort_values(["coarseness", "last"], ascending=[False, False], kind="stable")
    kept = order.index[order["rows"].cumsum().to_numpy() <= limit]
    return forecast[forecast[UNIQUE_ID].isin(kept)]


def _track_sheet(record: pd.DataFrame, title: str, lang: str) -> Sheet:
    """Build the track record sheet: a row per vintage and model (benchmarks named), errors in percent."""
    coverage = [c for c in record.columns if re.fullmatch(r"coverage_\d+", str(c))]
    level = coverage[0].split("_")[1] if coverage else ""
    table = record.rename(columns={coverage[0]: "coverage"} if coverage else {})
    metrics = [c for c in ("mape", "wape", "direction", "coverage") if c in table.columns]
    table = table[[c for c in ("vintage", MODEL, "rows", *metrics) if c in table.columns]].copy()
    return Sheet(title, table, notes=[_TRACK_NOTES[lang].format(L=level or "—")])


def _periods(ds: pd.Series, freq: str, lang: str = "en") -> pd.Series:
    """Years as numbers; quarters ``I кв. 2026`` in Russian (``2026Q1`` in English) and months ``2026-03``."""
    if freq == "YS":
        return ds.dt.year.astype(int)
    if freq == "QS":
        if lang == "ru":
            return ds.dt.quarter.map(lambda q: _QUARTERS[q - 1]) + " кв. " + ds.dt.year.astype(str)
        return ds.dt.year.astype(str) + "Q" + ds.dt.quarter.astype(str)
    return ds.dt.strftime("%Y-%m")


def _actual_column(label: object) -> str:
    """Name the column of an actual period (``report.labels`` words it as «2025, факт»)."""
    return f"actual {label}"


def _with_actuals(
    wide: pd.DataFrame,
    forecast: pd.DataFrame,
    history: pd.DataFrame | None,
    actuals: int,
    freq: str,
    lang: str,
    horizon: list[object],
) -> tuple[pd.DataFrame, str]:
    """Insert the last ``actuals`` periods of ``history`` before the forecast and the change over the horizon."""
    if history is None:
        return wide, ""
    _check_actuals(actuals)
    missing = [c for c in (UNIQUE_ID, DS, Y) if c not in history.columns]
    if missing:
        raise ConfigError(
            f"forecast_workbook: the history has no column(s) {missing}; pass the panel the forecast was made "
            "from (unique_id, ds, y)."
        )
    past = history[history[UNIQUE_ID].isin(forecast[UNIQUE_ID]) & (history[DS] < forecast[DS].min())]
    if past.empty:
        raise ConfigError(
            "forecast_workbook: the history has no period before the forecast for its series; pass the panel "
            "the forecast was made from."
        )
    shown = sorted(past[DS].unique())[-actuals:]
    past = past[past[DS].isin(shown)]
    labels = _periods(pd.Series(shown), freq, lang).tolist()
    table = past.pivot_table(index=UNIQUE_ID, columns=DS, values=Y, aggfunc="sum")
    table = table.reindex(columns=shown)
    table.columns = [_actual_column(label) for label in labels]
    at = wide.columns.get_loc(horizon[0])
    out = pd.concat(
        [wide.iloc[:, :at], table.reindex(wide[UNIQUE_ID]).reset_index(drop=True), wide.iloc[:, at:]], axis=1
    )
    out["horizon_change"] = _change(out[_actual_column(labels[-1])], out[horizon[-1]])
    note = _ACTUAL_NOTES[lang].format(
        n=len(shown), periods=_last_periods(len(shown), freq), first=labels[-1], last=horizon[-1]
    )
    return out, note


#: «год, года, лет» and so on: the Russian forms after 1, 2 and 5 (as in «последние 5 лет»).
_PERIOD_WORDS = {"YS": ("год", "года", "лет"), "QS": ("квартал", "квартала", "кварталов"),
                 "MS": ("месяц", "месяца", "месяцев")}  # fmt: skip


def _last_periods(n: int, freq: str) -> str:
    """Word «the last n periods» in Russian, in the grammatical number ``n`` takes.

    >>> _last_periods(1, "YS"), _last_periods(3, "YS"), _last_periods(5, "QS"), _last_periods(21, "MS")
    ('последний год', 'последние 3 года', 'последние 5 кварталов', 'последние 21 месяц')
    """
    one, few, many = _PERIOD_WORDS[freq]
    if n == 1:
        return f"последний {one}"
    if n % 10 == 1 and n % 100 != 11:
        return f"последние {n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"последние {n} {few}"
    return f"последние {n} {many}"


def _check_actuals(actuals: object) -> None:
    if isinstance(actuals, bool) or not isinstance(actuals, int) or actuals < 1:
        raise ConfigError(f"forecast_workbook: actuals={actuals!r}; use a positive number of periods.")


def _wide(frame: pd.DataFrame, index: list[str], period: str, horizon: list[object]) -> pd.DataFrame:
    """One row per series and model, one column per period, in the forecast's order.

    A series whose every value is withheld keeps its row (``pivot_table`` would drop it).
    """
    rows = frame[index].drop_duplicates().reset_index(drop=True)
    table = frame.groupby([*index, period], sort=False)[MEAN].mean().unstack(period)
    table = table.reindex(columns=horizon)
    table.columns.name = None
    return rows.merge(table.reset_index(), on=index, how="left")


def _published_history(
    history: pd.DataFrame,
    original: pd.DataFrame,
    published: pd.DataFrame,
    employers: pd.DataFrame | None,
    rules: Rules | None,
    actuals: int,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return the actual periods to show, withheld values NaN, and which (``unique_id``, ``ds``) are withheld.

    The actuals are cells of the same hierarchy at earlier dates: the disclosure rules decide them date by date
    (:func:`~staffing_forecast.disclosure.primary` and :func:`~staffing_forecast.disclosure.secondary`), and
    the actuals of a series withheld in any forecast period are withheld as well.
    """
    _check_actuals(actuals)
    if any(c not in history.columns for c in (UNIQUE_ID, DS, Y)):
        return history, None  # ``_with_actuals`` names what is missing
    past = history[history[UNIQUE_ID].isin(original[UNIQUE_ID]) & (history[DS] < original[DS].min())]
    if past.empty:
        return history, None
    shown = sorted(past[DS].unique())[-actuals:]
    keys = [k for k in KEYS if k in original.columns]
    cells = (
        past.loc[past[DS].isin(shown), [UNIQUE_ID, DS, Y]]
        .merge(original[[UNIQUE_ID, *keys]].drop_duplicates(UNIQUE_ID), on=UNIQUE_ID, how="left")
        .reset_index(drop=True)
    )
    hidden_series = set(published.loc[published[MEAN].isna(), UNIQUE_ID])
    hidden_series |= set(original[UNIQUE_ID]) - set(published[UNIQUE_ID])  # the employers' own rows
    hidden = cells[UNIQUE_ID].isin(hidden_series).to_numpy()
    if keys:
        contributors = employers if employers is not None else employers_of(cells, value=Y)
        hidden = secondary(cells, primary(cells, contributors, rules, value=Y) | hidden, value=Y)
    out = cells.assign(**{Y: cells[Y].where(~hidden)})
    return out, out[[UNIQUE_ID, DS]].assign(withheld=hidden)


def _withheld_cells(
    wide: pd.DataFrame,
    frame: pd.DataFrame,
    period: str,
    horizon: list[object],
    hidden_actuals: pd.DataFrame | None,
    freq: str,
    lang: str,
) -> pd.DataFrame:
    """Return which cells of the wide table are withheld (a published forecast's NaN means, hidden actuals)."""
    at = pd.MultiIndex.from_frame(wide[[UNIQUE_ID, MODEL]])
    flags = frame.assign(_withheld=frame[MEAN].isna()).groupby([UNIQUE_ID, MODEL, period])["_withheld"].any()
    table = flags.unstack(period).reindex(index=at, columns=horizon)
    out = pd.DataFrame(table.fillna(False).to_numpy(dtype=bool), columns=horizon)
    actual = [c for c in wide.columns if isinstance(c, str) and c.startswith("actual ")]
    if actual and hidden_actuals is not None:
        labelled = hidden_actuals.assign(_column=_periods(hidden_actuals[DS], freq, lang).map(_actual_column))
        by = labelled.groupby([UNIQUE_ID, "_column"])["withheld"].any().unstack("_column")
        by = by.reindex(index=wide[UNIQUE_ID], columns=actual)
        for column in actual:
            out[column] = by[column].fillna(False).to_numpy(dtype=bool)
    if actual and "horizon_change" in wide.columns:
        out["horizon_change"] = out[actual[-1]] | out[horizon[-1]]
    return out


def _mark_withheld(wide: pd.DataFrame, withheld: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Write «скрыто» in the withheld cells (their values are NaN already) so an official sees the row exists."""
    out = wide.copy()
    for column in withheld.columns:
        mask = withheld[column].to_numpy(dtype=bool)
        out[column] = out[column].astype(object).where(~mask, _WITHHELD[lang])
    return out


def _change(start: pd.Series, end: pd.Series) -> pd.Series:
    """Return the change from ``start`` to ``end`` as a share (0.1 is +10 %); blank where ``start`` is 0."""
    start = start.astype(float)
    return (end.astype(float) / start.where(start != 0) - 1).astype(float)


def _with_total(
    wide: pd.DataFrame,
    source: pd.DataFrame,
    shown: pd.DataFrame,
    keys: list[str],
    freq: str,
    lang: str,
    history: pd.DataFrame | None,
    horizon: list[object],
    hidden_actuals: pd.DataFrame | None,
    publish: bool,
) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
    """Append the total row of the rows that add up (see ``forecast_workbook``) and say what it sums.

    ``shown`` is the forecast the workbook shows and ``source`` the one it was made from: they differ when the
    workbook is for publication (``publish``), and then the total sums the values of ``source`` and is a cell of the hierarchy
    like any other: visible in a period only where the forecast's top cell (every key ``*``) is published, and
    its actuals only where the top cell's are. The third value says which cells of the total rows are withheld
    (``None`` when the workbook is not for publication or has no total).
    """
    named = [k for k in keys if k != UNIQUE_ID]
    summed = (shown[named].astype(str) == "*").any(axis=1) if named else pd.Series(False, shown.index)
    ids = shown.loc[~summed, UNIQUE_ID].unique()
    bottom = source[source[UNIQUE_ID].isin(ids)]
    n = len(ids)
    if n < 2:
        return wide, "", None
    by_period = bottom.assign(_period=_periods(bottom[DS], freq, lang))
    models = bottom.groupby(UNIQUE_ID, sort=False)[MODEL].agg(frozenset)
    if models.nunique() == 1:  # every series by the same models: a total per model, as the rows compare them
        totals = by_period.pivot_table(index=MODEL, columns="_period", values=MEAN, aggfunc="sum", sort=False)
    elif (models.map(len) == 1).all():  # one model per series, chosen per series: one total of them all
        totals = by_period.groupby("_period", sort=False)[MEAN].sum().to_frame("").T
    else:  # some series by several models, others by one: no sum takes each series once
        return wide, "", None
    rows = pd.DataFrame({column: [""] * len(totals) for column in keys})
    rows[keys[0]] = _TOTAL[lang]
    rows[MODEL] = totals.index.to_numpy()
    for column in totals.columns:
        rows[column] = totals[column].to_numpy()
    actual_columns = [c for c in wide.columns if isinstance(c, str) and c.startswith("actual ")]
    if actual_columns and history is not None:
        past = history[history[UNIQUE_ID].isin(ids)]
        labelled = past.assign(_period=_periods(past[DS], freq, lang).map(_actual_column))
        sums = labelled[labelled["_period"].isin(actual_columns)].groupby("_period")[Y].sum()
        for column in actual_columns:
            rows[column] = sums.get(column, float("nan"))
    withheld = _total_withheld(rows, source, shown, freq, lang, horizon, actual_columns, hidden_actuals)
    if publish:
        for column in withheld.columns:
            rows[column] = rows[column].where(~withheld[column].to_numpy(dtype=bool))
    if actual_columns and history is not None:
        rows["horizon_change"] = _change(rows[actual_columns[-1]], rows[horizon[-1]])
        withheld["horizon_change"] = withheld[actual_columns[-1]] | withheld[horizon[-1]]
    said = _TOTAL_NOTES[lang]
    note = (
        said[0].format(n=n)
        if not summed.any()
        else said[1].format(n=n, level=hierarchy_label("/".join(named), lang))
    )
    out = pd.concat([wide, rows[[c for c in wide.columns if c in rows.columns]]], ignore_index=True)
    return out, note, withheld if publish else None


def _total_withheld(
    rows: pd.DataFrame,
    source: pd.DataFrame,
    shown: pd.DataFrame,
    freq: str,
    lang: str,
    horizon: list[object],
    actual_columns: list[str],
    hidden_actuals: pd.DataFrame | None,
) -> pd.DataFrame:
    """Which cells of the total rows a workbook for publication withholds: those of the hierarchy's top cell."""
    keys = [k for k in KEYS if k in source.columns]
    top = (shown[keys] == ALL).all(axis=1) if keys else pd.Series(False, shown.index)
    top_rows = shown[top.to_numpy()]
    visible = set(_periods(top_rows.loc[top_rows[MEAN].notna(), DS], freq, lang))
    out = pd.DataFrame({column: [column not in visible] * len(rows) for column in horizon})
    if actual_columns:
        shown_actuals: set[object] = set()
        if hidden_actuals is not None:
            at_top = hidden_actuals[
                hidden_actuals[UNIQUE_ID].isin(top_rows[UNIQUE_ID]) & ~hidden_actuals["withheld"]
            ]
            shown_actuals = set(_periods(at_top[DS], freq, lang).map(_actual_column))
        for column in actual_columns:
            out[column] = column not in shown_actuals
    return out
