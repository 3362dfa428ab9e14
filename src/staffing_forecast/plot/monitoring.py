"""Plots of monitoring: graduate outcomes and employer satisfaction with their intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ._common import level_name, new_axes, new_figure, texts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["outcome_rates", "satisfaction_index"]


@overload
def outcome_rates(
    outcomes: pd.DataFrame,
    rate: str = ...,
    *,
    year: int | None = ...,
    level: int = ...,
    lang: str = ...,
    ax: Axes | None = ...,
) -> Axes: ...


@overload
def outcome_rates(
    outcomes: pd.DataFrame,
    rate: Sequence[str],
    *,
    year: int | None = ...,
    level: int = ...,
    lang: str = ...,
    ax: Axes | None = ...,
) -> list[Axes]: ...


def outcome_rates(
    outcomes: pd.DataFrame,
    rate: str | Sequence[str] = "p_emp",
    *,
    year: int | None = None,
    level: int = 95,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes | list[Axes]:
    """Draw graduate-outcome rates per group with their intervals (the output of ``graduate_outcomes``).

    One rate draws one panel, its groups sorted by the rate. Several rates (``["p_emp", "p_field", "p_region"]``)
    draw small multiples side by side in one figure: every panel uses the same group order (that of the first
    rate), so a row reads across the panels; the group labels sit on the first panel only, titles are wrapped and
    the legend sits below the panels, clear of the points.

    Parameters
    ----------
    outcomes
        Output of :func:`staffing_forecast.monitoring.graduate_outcomes`.
    rate
        ``p_emp``, ``p_field`` or ``p_region``, or a list of them for small multiples.
    year
        Which year (block) to show; default the last.
    level
        The confidence level the intervals were computed at, for the legend.
    lang
        ``"ru"`` or ``"en"``.
    ax
        Axes to draw one rate on; a new figure by default (small multiples always make their own figure).

    Returns
    -------
    Axes, or a list of Axes (one per rate) for several rates.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> outcomes = sf.monitoring.graduate_outcomes(sf.datasets.load_demo())
    >>> tuple(float(v) for v in sf.plot.outcome_rates(outcomes).get_xlim())
    (0.0, 1.0)
    >>> len(sf.plot.outcome_rates(outcomes, ["p_emp", "p_field", "p_region"]))
    3
    """
    text = texts(lang)
    rates = [rate] if isinstance(rate, str) else list(rate)
    if not rates:
        raise ConfigError("outcome_rates: give at least one rate: 'p_emp', 'p_field' or 'p_region'.")
    for name in rates:
        if name not in ("p_emp", "p_field", "p_region"):
            raise ConfigError(f"outcome_rates: rate {name!r} must be one of 'p_emp', 'p_field', 'p_region'.")
    missing = {c for r in rates for c in (r, f"{r}_lo", f"{r}_hi")} | {"year"}
    missing -= set(outcomes.columns)
    if missing:
        raise ConfigError(
            f"outcome_rates: the frame lacks {sorted(missing)}; pass the output of sf.monitoring.graduate_outcomes."
        )
    shown = outcomes[outcomes["year"] == (outcomes["year"].max() if year is None else year)]
    # One order for every panel: the first rate's, so that row i is the same group in each panel.
    shown = shown.sort_values(rates[0], na_position="first", kind="stable").reset_index(drop=True)
    if isinstance(rate, str):
        if ax is not None and len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
            raise ConfigError(
                "outcome_rates: these axes share their y axis with other panels, which would show this panel's "
                f"group order; draw the panels together instead: sf.plot.outcome_rates(outcomes, {[*rates, '...']})."
            )
        ax = new_axes(ax, 0.3 * len(shown) + 1)
        _outcome_panel(ax, shown, rate, text, level, labels=True, lang=lang)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.06), frameon=False
        )  # below the axes, off the points
        return ax
    fig = new_figure(figsize=(5.5 * len(rates), 0.3 * len(shown) + 2), layout="constrained")
    axes = fig.subplots(1, len(rates), sharey=True)
    axes = list(np.atleast_1d(axes))
    for i, (panel, name) in enumerate(zip(axes, rates, strict=True)):
        _outcome_panel(panel, shown, name, text, level, labels=i == 0, lang=lang)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=max(1, len(names)))
    return axes


def _outcome_panel(
    ax: Axes, shown: pd.DataFrame, rate: str, text: dict[str, str], level: int, *, labels: bool, lang: str
) -> None:
    """One rate per group, the groups in the order of ``shown`` (row i at height i)."""
    import textwrap

    keys = [c for c in ("institution", "specialty", "level") if c in shown.columns]
    names = shown[keys].astype(str)
    if "level" in names.columns:
        names["level"] = names["level"].map(lambda v: level_name(v, lang))
    positions = np.arange(len(shown))
    value = shown[rate].to_numpy(float)
    errors = np.vstack(
        [value - shown[f"{rate}_lo"].to_numpy(float), shown[f"{rate}_hi"].to_numpy(float) - value]
    )
    few = shown["too_few"].to_numpy(bool) if "too_few" in shown.columns else np.zeros(len(shown), bool)
    ax.errorbar(
        value[~few],
        positions[~few],
        xerr=errors[:, ~few],
        fmt="o",
        capsize=3,
        label=text["interval"].format(level=level),
    )
    if few.any():
        ax.errorbar(
            value[few],
            positions[few],
            xerr=errors[:, few],
            fmt="o",
            mfc="white",
            capsize=3,
            color="grey",
            label=text["few"],
        )
    if labels:
        ax.set_yticks(positions, names.agg(" ".join, axis=1).tolist())
    else:  # panels sharing the y axis share its ticks too: only hide the labels here
        ax.tick_params(labelleft=False)
    ax.set_ylim(-0.5, len(shown) - 0.5)
    ax.set_xlim(0, 1)
    title = f"{text[rate]}, {int(shown['year'].max()) if len(shown) else ''}"
    ax.set_title("\n".join(textwrap.wrap(title, 40)), fontsize="medium")
    ax.grid(axis="x", alpha=0.3)


def satisfaction_index(
    table: pd.DataFrame,
    *,
    level: int = 95,
    lang: str = "ru",
    ax: Axes | None = None,
    **style: Any,
) -> Axes:
    """Draw the employer satisfaction index per group with its bootstrap interval (output of ``satisfaction``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> ax = sf.plot.satisfaction_index(sf.monitoring.satisfaction(sf.datasets.load_demo(), by="institution"))
    >>> tuple(float(v) for v in ax.get_xlim())
    (1.0, 5.0)
    """
    text = texts(lang)
    missing = {"index", "index_lo", "index_hi"} - set(table.columns)
    if missing:
        raise ConfigError(
            f"satisfaction_index: the frame lacks {sorted(missing)}; pass the output of sf.monitoring.satisfaction."
        )
    keys = [c for c in ("institution", "specialty", "level", "employer", "year") if c in table.columns]
    shown = table.sort_values("index", na_position="first")
    labels = shown[keys].astype(str).agg(" ".join, axis=1).tolist()
    ax = new_axes(ax, 0.3 * len(shown) + 1)
    value = shown["index"].to_numpy(float)
    lo = np.nan_to_num(value - shown["index_lo"].to_numpy(float))
    hi = np.nan_to_num(shown["index_hi"].to_numpy(float) - value)
    ax.errorbar(
        value,
        np.arange(len(shown)),
        xerr=np.vstack([lo, hi]),
        fmt="s",
        capsize=3,
        label=text["interval"].format(level=level),
        **style,
    )
    ax.set_yticks(np.arange(len(shown)), labels)
    ax.set_xlim(1.0, 5.0)
    ax.set_title(text["satisfaction"])
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax
