"""One row per forecast series: where it ends, how fast it grows, how wide its interval is, what fell back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .display import html_table
from .errors import ConfigError
from .reference import occupations
from .schema import ALL, DS, FALLBACK, KEY_ORDER, MEAN, MODEL, UNIQUE_ID, Y, check_forecast

__all__ = ["ForecastSummary", "summarize"]

_BOUND = re.compile(r"^lo_(\d+)$")


@dataclass
class ForecastSummary:
    """What :func:`summarize` returns: ``table``, one row per series and model, shown as HTML in Jupyter.

    Attributes
    ----------
    table
        The summary frame (see :func:`summarize`).
    first, last
        The first and last forecast dates.
    level
        The interval level of ``lo_<level>`` and ``hi_<level>`` (the widest in the forecast), or ``None``.
    """

    table: pd.DataFrame
    first: pd.Timestamp
    last: pd.Timestamp
    level: int | None

    def __repr__(self) -> str:
        return f"ForecastSummary {self.first.year}–{self.last.year}:\n{self.table!r}"

    def _repr_html_(self) -> str:
        """Render the table with units under the headers, for Jupyter."""
        fell_back = int((self.table[FALLBACK] != "").sum()) if FALLBACK in self.table else 0
        notes = [
            f"change: average growth per year from {'the last actual value' if 'last_actual' in self.table else 'the first forecast'} "
            f"to {self.last.year}."
        ]
        if self.level is not None:
            notes.append(
                f"lo_{self.level}, hi_{self.level}: the {self.level} % interval in {self.last.year}."
            )
        if fell_back:
            notes.append(f"{fell_back} series fell back to another model (fallback says why).")
        caption = f"Forecast {self.first.year}–{self.last.year}: {self.table[UNIQUE_ID].nunique()} series"
        return html_table(self.table, caption=caption, notes=notes, max_rows=30)


def summarize(forecast: pd.DataFrame, history: pd.DataFrame | None = None) -> ForecastSummary:
    """Summarise a forecast frame: one row per series and model, for reading in a notebook.

    Parameters
    ----------
    forecast
        A forecast frame (:func:`staffing_forecast.forecast`).
    history
        The panel the forecast was made from (``unique_id``, ``ds``, ``y``); adds ``last_actual`` and measures
        ``change`` from it.

    Returns
    -------
    ForecastSummary
        ``table``: ``unique_id``, the key columns that vary (``*`` keys left out), ``name`` (the ОКЗ name, when
        the series are occupations), ``model``, ``last_actual`` (with ``history``), ``first_forecast``,
        ``last_forecast`` (persons), ``change`` (average % change per year up to the last forecast period),
        ``lo_<L>``/``hi_<L>`` at the last period for the widest level, and ``fallback``. In Jupyter it shows as
        an HTML table with units.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> fc = sf.forecast(panel, h=3, models="drift", level=[80])
    >>> summary = sf.summarize(fc, panel)
    >>> summary.table.loc[0, ["occupation", "name"]].tolist(), float(summary.table.loc[0, "last_actual"])
    (['1330', 'Руководители служб в сфере информационно-коммуникационных технологий'], 133.0)
    >>> "<th>last_forecast<br><small>persons</small></th>" in summary._repr_html_()
    True
    """
    check_forecast(forecast)
    if forecast.empty:
        raise ConfigError("summarize: the forecast frame is empty.")
    by = [UNIQUE_ID, MODEL] if MODEL in forecast.columns else [UNIQUE_ID]
    ordered = forecast.sort_values([*by, DS])
    groups = ordered.groupby(by, sort=False)
    table = groups.head(1)[by].reset_index(drop=True)
    keys = [k for k in KEY_ORDER if k in forecast.columns and not (forecast[k].astype(str) == ALL).all()]
    first_rows = groups.head(1).reset_index(drop=True)
    last_rows = groups.tail(1).reset_index(drop=True)
    for key in keys:
        table.insert(table.columns.get_loc(UNIQUE_ID) + 1 + keys.index(key), key, first_rows[key].to_numpy())
    if "occupation" in keys:
        names = occupations().set_index("occupation")["name_ru"]
        table.insert(
            table.columns.get_loc("occupation") + 1, "name", table["occupation"].map(names).fillna("")
        )
    start = first_rows[MEAN].to_numpy(float)
    periods = groups.size().to_numpy() - 1
    if history is not None:
        missing = {UNIQUE_ID, DS, Y} - set(history.columns)
        if missing:
            raise ConfigError(
                f"summarize: the history lacks {sorted(missing)}; pass the panel (unique_id, ds, y)."
            )
        last_actual = history.sort_values(DS).groupby(UNIQUE_ID)[Y].last()
        table["last_actual"] = table[UNIQUE_ID].map(last_actual).to_numpy(float)
        start = np.where(np.isnan(table["last_actual"]), start, table["last_actual"])
        periods = periods + np.where(np.isnan(table["last_actual"]), 0, 1)
    table["first_forecast"] = first_rows[MEAN].to_numpy(float)
    table["last_forecast"] = last_rows[MEAN].to_numpy(float)
    end = table["last_forecast"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(
            (start > 0) & (periods > 0), (end / start) ** (1 / np.maximum(periods, 1)) - 1, np.nan
        )
    table["change"] = 100 * growth
    levels = sorted(int(m[1]) for c in forecast.columns if (m := _BOUND.match(str(c))))
    level = levels[-1] if levels else None
    if level is not None:
        table[f"lo_{level}"] = last_rows[f"lo_{level}"].to_numpy(float)
        table[f"hi_{level}"] = last_rows[f"hi_{level}"].to_numpy(float)
    if FALLBACK in forecast.columns:
        fell_back = ordered.assign(_f=ordered[FALLBACK].fillna("").astype(str)).groupby(by, sort=False)["_f"]
        table[FALLBACK] = fell_back.agg(lambda s: next((v for v in s if v), "")).to_numpy()
    return ForecastSummary(table=table, first=ordered[DS].min(), last=ordered[DS].max(), level=level)
