"""Plots of a hierarchy's forecasts: base and reconciled forecasts of a total beside the sum of its children."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pandas as pd

from ..errors import ConfigError, closest
from ..hierarchy import Hierarchy
from ..report.labels import hierarchy_label, in_unit, method_label
from ..schema import ALL, DS, MEAN, MODEL, UNIQUE_ID, Y, make_unique_id
from ._common import chosen_series, draw_series, require, texts, unit_of_frames
from .forecasts import _keys, _levels, draw_history, finish_panel

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["reconciliation"]


def reconciliation(
    base: pd.DataFrame,
    reconciled: pd.DataFrame,
    hierarchy: Hierarchy,
    history: pd.DataFrame | None = None,
    *,
    series: str | list[str] | None = None,
    children: str | None = None,
    max_series: int = 6,
    ncols: int = 3,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes | Figure:
    """Draw what reconciliation did to a total: its base and reconciled forecasts and its children's sum.

    Each panel is one aggregate series of the hierarchy: the history (black), its base forecast (dashed), the
    sum of its children's base forecasts (dotted grey: how far the base forecasts were from adding up) and the
    reconciled forecast (solid, its widest interval shaded). Panels are titled with the series' codes and their
    names (ОКЗ, ОКВЭД2), as in :func:`forecast`.

    Parameters
    ----------
    base
        The base forecasts of every series of the hierarchy (``sf.forecast(hierarchy.aggregate(panel), ...)``),
        one model per series.
    reconciled
        The same forecasts reconciled (:func:`staffing_forecast.reconcile`).
    hierarchy
        The :class:`~staffing_forecast.Hierarchy` of both.
    history
        The panel at every level (``hierarchy.aggregate(panel)``), drawn in black; optional.
    series
        One aggregate ``unique_id`` (one panel) or a list of them; default the aggregates of the coarsest levels
        first, the largest first within a level, at most ``max_series``.
    children
        The level whose series are summed under each total (a name of ``hierarchy.levels``); default the next
        finer level nested in the series' own level (sectors under the total, say).
    max_series
        The most panels drawn when ``series`` is not given.
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
    >>> employment = sf.datasets.load_demo().employment
    >>> h = sf.Hierarchy.from_keys(employment, [[], ["sector"], ["occupation"]])
    >>> panel = h.aggregate(employment)
    >>> base = sf.forecast(panel, h=3, models="drift", level=[80])
    >>> coherent = sf.reconcile(base, h, method="ols")
    >>> ax = sf.plot.reconciliation(base, coherent, h, panel, series="*/*/*/*", lang="en")
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['actual', "sum of the children's base forecasts: sector (8)", 'base forecast', 'reconciled forecast (ols)']
    >>> len(sf.plot.reconciliation(base, coherent, h, panel, max_series=4).axes)
    4
    """
    text = texts(lang)
    if not isinstance(hierarchy, Hierarchy):
        raise ConfigError(
            f"reconciliation: hierarchy must be a sf.Hierarchy (Hierarchy.from_keys), not {type(hierarchy).__name__}."
        )
    frames = {"base": base, "reconciled": reconciled}
    for name, frame in frames.items():
        source = "the base forecasts (sf.forecast)" if name == "base" else "the output of sf.reconcile"
        require(frame, {UNIQUE_ID, DS, MEAN}, "reconciliation", f"{source} as {name}")
        if frame.duplicated([UNIQUE_ID, DS]).any():
            models = sorted(frame[MODEL].astype(str).unique()) if MODEL in frame.columns else []
            raise ConfigError(
                f"reconciliation: {name} has several forecasts per series and date (models {models}); keep one "
                f"model, e.g. {name}[{name}['model'] == {models[0] if models else '...'!r}]."
            )
    if history is not None:
        require(history, {UNIQUE_ID, DS, Y}, "reconciliation", "hierarchy.aggregate(panel) as history")
    level_of = hierarchy.level_of
    missing = sorted(set(level_of.index) - set(base[UNIQUE_ID].astype(str)))
    if missing:
        raise ConfigError(
            f"reconciliation: base lacks {len(missing)} series of the hierarchy, e.g. {missing[:3]}; pass the base "
            "forecasts of hierarchy.aggregate(panel), every level."
        )
    aggregates = [uid for uid in hierarchy.ids if level_of[uid] != hierarchy.bottom_level]
    if not aggregates:
        raise ConfigError("reconciliation: the hierarchy has a single level, so nothing was reconciled.")
    if children is not None and children not in hierarchy.levels:
        raise ConfigError(
            f"reconciliation: children={children!r} is not a level{closest(children, hierarchy.levels)} "
            f"Levels: {list(hierarchy.levels)}."
        )
    # by default coarse levels first, the largest first within a level
    size = base.groupby(UNIQUE_ID)[MEAN].mean()
    rank = [list(hierarchy.levels).index(level_of[u]) for u in aggregates]
    order = pd.DataFrame({"rank": rank, "size": -size.reindex(aggregates).to_numpy()}, index=aggregates)
    default = order.sort_values(["rank", "size"], kind="stable").index[:max_series].tolist()
    chosen = chosen_series(series, default, ax, "reconciliation")
    wrong = [s for s in chosen if s not in set(aggregates)]
    if wrong:
        raise ConfigError(
            f"reconciliation: {wrong[:3]} {'is not an aggregate' if len(wrong) == 1 else 'are not aggregates'} of "
            f"the hierarchy (a bottom series has no children to sum); e.g. {aggregates[:4]}."
        )
    method = _method(reconciled)
    keys = _keys(base)
    base_by = dict(tuple(base.groupby(UNIQUE_ID, sort=False)))
    rec_by = dict(tuple(reconciled.groupby(UNIQUE_ID, sort=False)))
    past = dict(tuple(history.groupby(UNIQUE_ID, sort=False))) if history is not None else {}
    sums = {uid: _children_sum(base, hierarchy, uid, children) for uid in chosen}
    unreconciled = [uid for uid in chosen if uid not in rec_by]
    if unreconciled:
        raise ConfigError(
            f"reconciliation: reconciled lacks series {unreconciled[:3]}; pass sf.reconcile's output."
        )
    single = isinstance(series, str) or ax is not None or len(chosen) == 1

    def draw(axes: Axes, uid: str, legend: bool) -> None:
        _panel(
            axes, base_by[uid], rec_by[uid], past.get(uid), sums[uid], text, keys, lang, method, legend=legend
        )

    label = in_unit(text["employment"], unit_of_frames(base, reconciled, history), lang)
    drawn = draw_series(chosen, single, ax, ncols, label, draw)
    if single:
        return drawn
    cast("Figure", drawn).suptitle(
        text["reconciliation"].format(method=method_label(method, lang)), fontsize="medium"
    )
    return drawn


def _method(reconciled: pd.DataFrame) -> str:
    """Return the method named in ``model`` (``"auto/mint_shrink"`` → ``"mint_shrink"``), or ``""``."""
    if MODEL not in reconciled.columns:
        return ""
    methods = {str(m).rsplit("/", 1)[-1] for m in reconciled[MODEL].dropna() if "/" in str(m)}
    return ", ".join(sorted(methods))


def _children_sum(
    base: pd.DataFrame, hierarchy: Hierarchy, uid: str, level: str | None
) -> tuple[pd.Series, int, str]:
    """Return the sum of the base forecasts of ``uid``'s children on ``level``, their number and the level.

    ``level`` defaults to the next finer level nested in the series' own.
    """
    table = hierarchy.key_table.set_index(UNIQUE_ID)
    own = hierarchy.level_of[uid]
    kept = set(hierarchy.levels[own])
    names = list(hierarchy.levels)
    finer = [n for n in names[names.index(own) + 1 :] if kept < set(hierarchy.levels[n])]
    if level is None:
        level = finer[0]
    elif level not in finer:
        raise ConfigError(
            f"reconciliation: level {level!r} is not below series {uid!r} (level {own!r}); its finer levels: "
            f"{finer}."
        )
    below = table[table["hierarchy_level"] == level].copy()
    keys = list(hierarchy.keys)
    for key in keys:
        if key not in kept:
            below[key] = ALL
    ids = below.index[make_unique_id(below, keys).to_numpy() == uid]
    rows = base[base[UNIQUE_ID].isin(ids)]
    return rows.groupby(DS)[MEAN].sum(), len(ids), level


def _panel(
    ax: Axes,
    base: pd.DataFrame,
    reconciled: pd.DataFrame,
    history: pd.DataFrame | None,
    children: tuple[pd.Series, int, str],
    text: dict[str, str],
    keys: list[str],
    lang: str,
    method: str,
    *,
    legend: bool,
) -> None:
    """One aggregate: history, base forecast, the children's sum, the reconciled forecast and its interval."""
    base, reconciled = base.sort_values(DS), reconciled.sort_values(DS)
    draw_history(ax, history, text)
    levels = _levels(reconciled)
    if levels:
        ax.fill_between(
            reconciled[DS], reconciled[f"lo_{levels[0]}"], reconciled[f"hi_{levels[0]}"], color="C2", alpha=0.15,
            lw=0, label=text["reconciled_interval"].format(level=levels[0]),
        )  # fmt: skip
    summed, count, level = children
    # one panel names the children; small multiples share one legend, so their label is the same in every panel
    label = (
        text["children_sum"].format(n=count, level=hierarchy_label(level, lang))
        if legend
        else text["children_sum_plain"]
    )
    ax.plot(summed.index, summed.to_numpy(), color="grey", lw=1.5, ls=":", marker="x", label=label)
    ax.plot(base[DS], base[MEAN], color="C0", lw=1.5, ls="--", marker=".", label=text["base_forecast"])
    label = (
        text["reconciled"].format(method=method_label(method, lang))
        if method and legend
        else text["reconciled_plain"]
    )
    ax.plot(reconciled[DS], reconciled[MEAN], color="C2", lw=2, label=label)
    finish_panel(ax, base.iloc[0], keys, lang, legend=legend)
