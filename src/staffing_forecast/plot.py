"""Plots for notebooks and reports, labelled in Russian by default (``lang="en"`` for English).

Each function takes the frame a library function returned and returns the matplotlib ``Axes`` it drew on, so a
notebook can adjust it further. matplotlib is imported when a plot is drawn, not when the library is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pandas as pd

from .errors import ConfigError
from .reference import LEVEL_NAMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["outcome_rates", "quota_ranges", "satisfaction_index", "tornado"]

_TEXT = {
    "ru": {
        "p_emp": "Доля трудоустроенных выпускников",
        "p_field": "Доля работающих по специальности (от трудоустроенных)",
        "p_region": "Доля оставшихся в регионе (от работающих по специальности)",
        "satisfaction": "Индекс удовлетворённости работодателей (1–5)",
        "interval": "доверительный интервал {level} %",
        "few": "мало данных",
        "quota": "Рекомендуемые КЦП и диапазон сценариев, приём {year}",
        "recommended": "рекомендация",
        "range": "нижний — верхний сценарий",
        "outside": "вне диапазона: удержано сглаживанием или правилом минимальной группы",
        "incomplete": "неполный год приёма: только программы, выпуск которых в горизонте прогноза",
        "places": "мест",
        "tornado": "Чувствительность КЦП: {what}, приём {year}",
        "at_low": "нижнее значение показателя",
        "at_high": "верхнее значение показателя",
        "total": "все специальности",
    },
    "en": {
        "p_emp": "Share of graduates employed",
        "p_field": "Share employed in the field (of employed)",
        "p_region": "Share staying in the region (of those in the field)",
        "satisfaction": "Employer satisfaction index (1–5)",
        "interval": "{level} % confidence interval",
        "few": "too few to judge",
        "quota": "Recommended quota and scenario range, intake {year}",
        "recommended": "recommendation",
        "range": "low — high scenario",
        "outside": "outside the range: held by smoothing or the minimum group rule",
        "incomplete": "incomplete intake year: only programs graduating within the horizon",
        "places": "places",
        "tornado": "Quota sensitivity: {what}, intake {year}",
        "at_low": "input at its low value",
        "at_high": "input at its high value",
        "total": "all specialties",
    },
}


def _axes(ax: Axes | None, height: float) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=(9, max(2.5, height)))
    return new


def _text(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        raise ConfigError(f"unknown plot language {lang!r}; use 'ru' or 'en'.")
    return _TEXT[lang]


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
    text = _text(lang)
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
        ax = _axes(ax, 0.3 * len(shown) + 1)
        _outcome_panel(ax, shown, rate, text, level, labels=True, lang=lang)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.06), frameon=False
        )  # below the axes, off the points
        return ax
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(rates), figsize=(5.5 * len(rates), 0.3 * len(shown) + 2), sharey=True, layout="constrained"
    )
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
        names["level"] = names["level"].map(lambda v: LEVEL_NAMES.get(v, (v, v))[0 if lang == "ru" else 1])
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
    text = _text(lang)
    missing = {"index", "index_lo", "index_hi"} - set(table.columns)
    if missing:
        raise ConfigError(
            f"satisfaction_index: the frame lacks {sorted(missing)}; pass the output of sf.monitoring.satisfaction."
        )
    keys = [c for c in ("institution", "specialty", "level", "employer", "year") if c in table.columns]
    shown = table.sort_values("index", na_position="first")
    labels = shown[keys].astype(str).agg(" ".join, axis=1).tolist()
    ax = _axes(ax, 0.3 * len(shown) + 1)
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


def quota_ranges(
    table: pd.DataFrame, *, intake_year: int | None = None, lang: str = "ru", ax: Axes | None = None
) -> Axes:
    """Draw each specialty's recommended quota with its low–high scenario range (``QuotaResult.table``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
    ...                                           capacity=capacity))
    >>> len(sf.plot.quota_ranges(result.table).get_yticklabels())
    1
    """
    text = _text(lang)
    missing = {"specialty", "level", "intake_year", "quota", "low", "high"} - set(table.columns)
    if missing:
        raise ConfigError(f"quota_ranges: the frame lacks {sorted(missing)}; pass QuotaResult.table.")
    if table.empty:
        raise ConfigError(
            "quota_ranges: the quota table is empty (no intake year within the forecast horizon)."
        )
    year = int(table["intake_year"].min()) if intake_year is None else int(intake_year)
    shown = table[table["intake_year"] == year].sort_values("quota")
    if shown.empty:
        raise ConfigError(
            f"quota_ranges: no rows for intake {year}; the table has {sorted(table['intake_year'].unique())}."
        )
    ax = _axes(ax, 0.3 * len(shown) + 1)
    positions = np.arange(len(shown))
    outside = (
        (shown["outside_range"] != "").to_numpy()
        if "outside_range" in shown.columns
        else ((shown["quota"] < shown["low"] - 0.5) | (shown["quota"] > shown["high"] + 0.5)).to_numpy()
    )
    ax.hlines(positions, shown["low"], shown["high"], color="grey", lw=4, alpha=0.5, label=text["range"])
    ax.plot(shown["quota"][~outside], positions[~outside], "o", color="C3", label=text["recommended"])
    if outside.any():
        ax.plot(
            shown["quota"][outside],
            positions[outside],
            "D",
            mfc="white",
            mec="C1",
            mew=2,
            label=text["outside"],
        )
    index = 0 if lang == "ru" else 1
    levels = shown["level"].map(lambda v: LEVEL_NAMES.get(v, (v, v))[index])
    ax.set_yticks(positions, (shown["specialty"] + " " + levels).tolist())
    ax.set_xlabel(text["places"])
    programs = set(zip(table["specialty"], table["level"], strict=True))
    complete = programs <= set(zip(shown["specialty"], shown["level"], strict=True))
    ax.set_title(text["quota"].format(year=year) + ("" if complete else "\n" + text["incomplete"]))
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False
    )  # below the axes, off the points
    ax.grid(axis="x", alpha=0.3)
    return ax


def tornado(
    table: pd.DataFrame,
    specialty: str = "*",
    level: str = "*",
    *,
    intake_year: int | None = None,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw the tornado of one program (or of the total, ``"*"``) from :func:`staffing_forecast.quota.sensitivity`.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> frame = pd.DataFrame({"specialty": "*", "level": "*", "intake_year": 2026, "input": ["p_emp", "paid"],
    ...     "quota_at_low": [120.0, 104.0], "raw_quota": 100.0, "quota_at_high": [85.0, 96.0]})
    >>> [t.get_text() for t in tornado(frame).get_yticklabels()]
    ['paid', 'p_emp']
    """
    text = _text(lang)
    missing = {
        "specialty",
        "level",
        "intake_year",
        "input",
        "quota_at_low",
        "raw_quota",
        "quota_at_high",
    } - set(table.columns)
    if missing:
        raise ConfigError(
            f"tornado: the frame lacks {sorted(missing)}; pass the output of sf.quota.sensitivity."
        )
    rows = table[(table["specialty"] == specialty) & (table["level"] == level)]
    if rows.empty:
        raise ConfigError(f"tornado: no rows for specialty {specialty!r} ({level!r}).")
    year = int(rows["intake_year"].min()) if intake_year is None else int(intake_year)
    rows = rows[rows["intake_year"] == year].assign(
        swing=lambda d: (d["quota_at_high"] - d["quota_at_low"]).abs()
    )
    rows = rows.sort_values("swing")
    ax = _axes(ax, 0.35 * len(rows) + 1)
    base = float(rows["raw_quota"].iloc[0])
    positions = np.arange(len(rows))
    ax.barh(positions, rows["quota_at_low"] - base, left=base, color="C0", label=text["at_low"])
    ax.barh(positions, rows["quota_at_high"] - base, left=base, color="C1", alpha=0.7, label=text["at_high"])
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(positions, rows["input"].tolist())
    ax.set_xlabel(text["places"])
    what = text["total"] if specialty == "*" else f"{specialty} {level}"
    ax.set_title(text["tornado"].format(what=what, year=year))
    ax.legend(loc="lower right")
    return ax
