"""Plots of forecasts: the fan chart of history and forecast, and past forecasts against what happened."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, cast, overload

import pandas as pd

from ..errors import ConfigError
from ..report.labels import in_unit, remark_label
from ..schema import ALL, DS, FALLBACK, KEY_ORDER, MEAN, MODEL, UNIQUE_ID, Y
from ..tracking import load_vintage, vintages
from ..units import unit_of
from ._common import chosen_series, coded, draw_series, new_axes, require, texts, unit_of_frames, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["forecast", "series_title", "track_record"]

_BOUND = re.compile(r"^lo_(\d+)$")
# Keys whose codes the reference tables name (ОКЗ, ОКВЭД2, ФГОС).
_NAMED_KEYS = {"occupation", "sector", "specialty"}


def series_title(
    row: pd.Series | dict[str, object], keys: list[str], lang: str = "ru", width: int = 60
) -> str:
    """Name a series by its keys: codes with their reference names, summed-over keys left out.

    Examples
    --------
    >>> series_title({"unique_id": "*/*/*/2512", "region": "*", "occupation": "2512"}, ["region", "occupation"])
    '2512 Разработчики программного обеспечения'
    >>> series_title({"unique_id": "*/*", "region": "*", "occupation": "*"}, ["region", "occupation"], "en")
    'all'
    """
    parts = []
    for key in keys:
        value = row[key]
        if value in (ALL, "") or pd.isna(value):
            continue
        parts.append(coded(key, value, lang) if key in _NAMED_KEYS else str(value))
    if not keys:
        return str(row[UNIQUE_ID])
    text = " · ".join(parts) if parts else texts(lang)["all_keys"]
    return text if len(text) <= width else text[: width - 1] + "…"


def _keys(frame: pd.DataFrame) -> list[str]:
    return [k for k in KEY_ORDER if k in frame.columns]


def _levels(frame: pd.DataFrame) -> list[int]:
    """Interval levels present as ``lo_L``/``hi_L`` pairs, widest first."""
    found = [
        int(m[1]) for c in frame.columns if (m := _BOUND.match(str(c))) and f"hi_{m[1]}" in frame.columns
    ]
    return sorted(found, reverse=True)


@overload
def forecast(
    fc: pd.DataFrame,
    history: pd.DataFrame | None = ...,
    *,
    series: str | None = ...,
    model: str | None = ...,
    max_series: int = ...,
    ncols: int = ...,
    lang: str = ...,
    ax: Axes | None = ...,
) -> Axes | Figure: ...


@overload
def forecast(
    fc: pd.DataFrame,
    history: pd.DataFrame | None = ...,
    *,
    series: list[str],
    model: str | None = ...,
    max_series: int = ...,
    ncols: int = ...,
    lang: str = ...,
    ax: None = ...,
) -> Figure: ...


def forecast(
    fc: pd.DataFrame,
    history: pd.DataFrame | None = None,
    *,
    series: str | list[str] | None = None,
    model: str | None = None,
    max_series: int = 12,
    ncols: int = 3,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes | Figure:
    """Draw the fan chart of a forecast: the history, the forecast and its intervals.

    One series draws one panel; several draw small multiples, one panel each, in a figure. A series whose model
    fell back to another (its ``fallback`` is not empty) is drawn dashed in orange with the reason in the panel;
    forecasts changed by hand (:func:`staffing_forecast.adjust`) show the value before the adjustment as a hollow
    circle joined to the adjusted one. Panels are titled with the series' codes and their names (ОКЗ, ОКВЭД2,
    ФГОС); intervals are shaded from the widest (lightest) to the narrowest.

    Parameters
    ----------
    fc
        A forecast frame (:func:`staffing_forecast.forecast`), one model per series.
    history
        The panel the forecast was made from (``unique_id``, ``ds``, ``y``), drawn in black; optional.
    series
        One ``unique_id`` (one panel) or a list of them; default every series of ``fc``, the largest first, at
        most ``max_series``.
    model
        Which model's forecast to draw when ``fc`` holds several per series.
    max_series
        The most panels drawn when ``series`` is not given; the title says how many series were left out.
    ncols
        Panels per row in small multiples.
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw one series on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes for one series (or when ``ax`` is given), otherwise the Figure of the small multiples
        (``fig.axes``: one panel per series).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> fc = sf.forecast(panel, h=3, models="naive", level=[80])
    >>> ax = sf.plot.forecast(fc, panel, series="*/*/*/2512")
    >>> ax.get_title()
    '2512 Разработчики программного обеспечения'
    >>> len(sf.plot.forecast(fc, panel, max_series=4).axes)
    4
    """
    text = texts(lang)
    require(fc, {UNIQUE_ID, DS, MEAN}, "forecast", "the output of sf.forecast")
    if fc.empty:
        raise ConfigError("forecast: the forecast frame is empty.")
    if MODEL in fc.columns:
        models = list(dict.fromkeys(fc[MODEL]))
        if model is not None:
            if model not in models:
                raise ConfigError(f"forecast: no model {model!r} in the frame; it has {models}.")
            fc = fc[fc[MODEL] == model]
        elif fc.duplicated([UNIQUE_ID, DS]).any():
            raise ConfigError(
                f"forecast: the frame has several models per series ({models}); choose one with model=..., "
                "or keep each series' best with sf.pick(fc, sf.select(cv, 'mase', train=panel))."
            )
    if history is not None:
        require(history, {UNIQUE_ID, DS, Y}, "forecast", "the panel the forecast was made from as history")
    ids = list(dict.fromkeys(fc[UNIQUE_ID]))
    size = fc.groupby(UNIQUE_ID, sort=False)[MEAN].mean().sort_values(ascending=False, kind="stable")
    chosen = chosen_series(series, size.index[:max_series].tolist(), ax, "forecast")  # the largest by default
    unknown = [s for s in chosen if s not in set(ids)]
    if unknown:
        raise ConfigError(
            f"forecast: no series {unknown[:5]} in the forecast; it has {ids[:8]}{' …' if len(ids) > 8 else ''}."
        )
    single = isinstance(series, str) or (series is None and len(ids) == 1) or ax is not None
    by_id = dict(tuple(fc.groupby(UNIQUE_ID, sort=False)))
    past = dict(tuple(history.groupby(UNIQUE_ID, sort=False))) if history is not None else {}
    keys = _keys(fc)

    def draw(axes: Axes, uid: str, legend: bool) -> None:
        _fan(axes, by_id[uid], past.get(uid), keys, text, lang, legend=legend)

    # A forecast read back from a file has no attrs: its history still names the unit.
    label = in_unit(text["employment"], unit_of_frames(fc, history), lang)
    drawn = draw_series(chosen, single, ax, ncols, label, draw)
    if not single and series is None and len(ids) > len(chosen):
        cast("Figure", drawn).suptitle(
            text["more_series"].format(shown=len(chosen), total=len(ids)), fontsize="medium"
        )
    return drawn


def _fan(
    ax: Axes,
    fc: pd.DataFrame,
    history: pd.DataFrame | None,
    keys: list[str],
    text: dict[str, str],
    lang: str,
    *,
    legend: bool,
) -> None:
    """One series: history, intervals widest first, the mean; a fallback dashed, adjustments marked."""
    fc = fc.sort_values(DS)
    history = draw_history(ax, history, text)
    fell_back = FALLBACK in fc.columns and bool((fc[FALLBACK].fillna("") != "").any())
    colour = "C1" if fell_back else "C0"
    levels = _levels(fc)
    for i, level in enumerate(levels):
        ax.fill_between(
            fc[DS],
            fc[f"lo_{level}"],
            fc[f"hi_{level}"],
            color=colour,
            alpha=0.15 + 0.15 * i,
            lw=0,
            label=text["forecast_interval"].format(level=level),
        )
    xs, mean = fc[DS], fc[MEAN]
    if history is not None and len(history):  # join the forecast to the last actual value
        xs = pd.concat([history[DS].iloc[-1:], xs])
        mean = pd.concat([history[Y].iloc[-1:], mean])
    ax.plot(
        xs,
        mean,
        color=colour,
        lw=2,
        ls="--" if fell_back else "-",
        label=text["fallback"] if fell_back else text["forecast"],
    )
    if fell_back:
        reason = remark_label(str(fc.loc[fc[FALLBACK].fillna("") != "", FALLBACK].iloc[0]), lang)
        ax.text(
            0.02, 0.97, wrap(f"{text['fallback']}: {reason}", 45), transform=ax.transAxes, va="top",
            fontsize="x-small", color="C1",
        )  # fmt: skip
    if "original_mean" in fc.columns:
        changed = fc[(fc["original_mean"] - fc[MEAN]).abs() > 1e-9]
        if len(changed):
            ax.vlines(changed[DS], changed["original_mean"], changed[MEAN], color="C3", lw=1, ls=":")
            ax.plot(changed[DS], changed["original_mean"], "o", mfc="white", mec="C3", label=text["adjusted"])
    finish_panel(ax, fc.iloc[0], keys, lang, legend=legend)


def draw_history(ax: Axes, history: pd.DataFrame | None, text: dict[str, str]) -> pd.DataFrame | None:
    """Draw the history of one series in black with a dotted line at its last date; return it sorted by date."""
    if history is None:
        return None
    history = history.sort_values(DS)
    ax.plot(history[DS], history[Y], color="black", lw=1.5, marker=".", label=text["history"])
    ax.axvline(history[DS].iloc[-1], color="grey", lw=0.8, ls=":")
    return history


def finish_panel(ax: Axes, row: pd.Series, keys: list[str], lang: str, *, legend: bool) -> None:
    """Title one series' panel by its keys, start it at 0, grid and year ticks; its own legend when ``legend``."""
    ax.set_title(series_title(row, keys, lang, width=45 if not legend else 80), fontsize="medium")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _year_axis(ax)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize="small")


def _year_axis(ax: Axes) -> None:
    """Ticks on whole years, at most about six of them (a fixed locator: date auto-locators are slow to draw)."""
    import matplotlib.dates as mdates

    first, last = (mdates.num2date(x).year for x in ax.get_xlim())
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, -(-(last - first) // 6))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def track_record(
    store: str | os.PathLike[str],
    actuals: pd.DataFrame,
    series: str | None = None,
    *,
    name: str = "forecast",
    model: str | None = None,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw every published vintage of a forecast against the actuals that arrived since.

    Each vintage (:func:`staffing_forecast.tracking.publish`) is one coloured line from its first forecast year,
    with its widest interval shaded for a single series; the actuals are the black line. Without ``series`` the
    sum over every series is drawn (means add up; intervals do not, so none is shaded).

    Parameters
    ----------
    store
        The store folder of :func:`staffing_forecast.tracking.publish`.
    actuals
        A panel (``unique_id``, ``ds``, ``y``) with the actual values.
    series
        One ``unique_id``; default the sum over the series of the forecasts.
    name
        Which published forecasts to draw.
    model
        Which model, when a vintage holds several for a series; default the one model of each series (the batch
        job publishes each series by its chosen model).
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One line per vintage plus one for the actuals.

    Examples
    --------
    >>> import tempfile, matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> panel = sf.aggregate(sf.datasets.load_demo().employment, by=["occupation"])
    >>> store = tempfile.mkdtemp()
    >>> for year in (2021, 2022):
    ...     past = panel[panel["ds"].dt.year <= year]
    ...     _ = sf.tracking.publish(sf.forecast(past, h=3, models="naive"), store, vintage=f"{year + 1}-01-15")
    >>> ax = sf.plot.track_record(store, panel, lang="en")
    >>> [line.get_label() for line in ax.get_lines()]
    ['actual', 'forecast of 2022-01-15', 'forecast of 2023-01-15']
    """
    text = texts(lang)
    require(actuals, {UNIQUE_ID, DS, Y}, "track_record", "a panel with the actual values")
    table = vintages(store, name)
    if table.empty:
        raise ConfigError(
            f"track_record: no forecast {name!r} published in {os.fspath(store)!r}; publish one with "
            "sf.tracking.publish(fc, store, vintage=...)."
        )
    frames = []
    for vintage in table["vintage"]:
        frame = load_vintage(store, vintage, name)
        if MODEL in frame.columns:
            present = list(dict.fromkeys(frame[MODEL]))
            if model is not None:
                frame = frame[frame[MODEL] == model]
            elif len(present) > 1 and frame.duplicated([UNIQUE_ID, DS]).any():  # one model per series is fine
                raise ConfigError(
                    f"track_record: the vintage {vintage} holds several models ({present}); choose one with model=..."
                )
        if series is not None:
            frame = frame[frame[UNIQUE_ID] == series]
        frames.append((str(vintage), frame))
    if series is not None and all(f.empty for _, f in frames):
        raise ConfigError(f"track_record: no published forecast of series {series!r}.")
    ids = set().union(*(set(f[UNIQUE_ID]) for _, f in frames))
    shown = actuals[actuals[UNIQUE_ID].isin(ids)]
    if shown.empty:
        raise ConfigError(
            "track_record: the actuals hold none of the published series; pass the panel the forecasts were made "
            f"from (e.g. series {sorted(ids)[:3]})."
        )
    ax = new_axes(ax, 4.5, 9)
    truth = shown.groupby(DS)[Y].sum()
    ax.plot(truth.index, truth.to_numpy(), color="black", marker="o", lw=2, label=text["history"])
    colours = iter(f"C{i}" for i in range(10))
    for vintage, frame in frames:
        if frame.empty:
            continue
        colour = next(colours, "grey")
        mean = frame.groupby(DS)[MEAN].sum()
        ax.plot(
            mean.index, mean.to_numpy(), color=colour, marker=".", ls="--",
            label=text["vintage"].format(vintage=vintage),
        )  # fmt: skip
        levels = _levels(frame)
        if frame[UNIQUE_ID].nunique() == 1 and levels:
            frame = frame.sort_values(DS)
            ax.fill_between(
                frame[DS], frame[f"lo_{levels[0]}"], frame[f"hi_{levels[0]}"], color=colour, alpha=0.12, lw=0
            )
    if series is not None:
        first = next(f for _, f in frames if not f.empty)
        what = series_title(first.iloc[0], _keys(first), lang, width=80)
    else:
        what = text["sum_of"].format(n=len(ids))
    ax.set_title(f"{text['track_record']}: {what}", fontsize="medium")
    ax.set_ylabel(in_unit(text["employment"], unit_of(actuals), lang))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _year_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize="small")
    return ax
