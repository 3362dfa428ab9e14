"""Plots for notebooks and reports, labelled in Russian by default (``lang="en"`` for English).

Each function takes the frame a library function returned and returns the matplotlib ``Axes`` it drew on, so a
notebook can adjust it further. matplotlib is imported when a plot is drawn, not when the library is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["outcome_rates", "satisfaction_index"]

_TEXT = {
    "ru": {
        "p_emp": "Доля трудоустроенных выпускников",
        "p_field": "Доля работающих по специальности (от трудоустроенных)",
        "p_region": "Доля оставшихся в регионе (от работающих по специальности)",
        "satisfaction": "Индекс удовлетворённости работодателей (1–5)",
        "interval": "доверительный интервал {level} %",
        "few": "мало данных",
    },
    "en": {
        "p_emp": "Share of graduates employed",
        "p_field": "Share employed in the field (of employed)",
        "p_region": "Share staying in the region (of those in the field)",
        "satisfaction": "Employer satisfaction index (1–5)",
        "interval": "{level} % confidence interval",
        "few": "too few to judge",
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


def outcome_rates(
    outcomes: pd.DataFrame,
    rate: str = "p_emp",
    *,
    year: int | None = None,
    level: int = 95,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw one graduate-outcome rate per group with its interval (the output of ``graduate_outcomes``).

    Parameters
    ----------
    outcomes
        Output of :func:`staffing_forecast.monitoring.graduate_outcomes`.
    rate
        ``p_emp``, ``p_field`` or ``p_region``.
    year
        Which year (block) to show; default the last.
    level
        The confidence level the intervals were computed at, for the legend.
    lang
        ``"ru"`` or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> ax = sf.plot.outcome_rates(sf.monitoring.graduate_outcomes(sf.datasets.load_demo()))
    >>> tuple(float(v) for v in ax.get_xlim())
    (0.0, 1.0)
    """
    text = _text(lang)
    if rate not in ("p_emp", "p_field", "p_region"):
        raise ConfigError(f"outcome_rates: rate {rate!r} must be one of 'p_emp', 'p_field', 'p_region'.")
    missing = {rate, f"{rate}_lo", f"{rate}_hi", "year"} - set(outcomes.columns)
    if missing:
        raise ConfigError(
            f"outcome_rates: the frame lacks {sorted(missing)}; pass the output of sf.monitoring.graduate_outcomes."
        )
    shown = outcomes[outcomes["year"] == (outcomes["year"].max() if year is None else year)]
    keys = [c for c in ("institution", "specialty", "level") if c in shown.columns]
    shown = shown.sort_values(rate, na_position="first")
    labels = shown[keys].astype(str).agg(" ".join, axis=1).tolist()
    ax = _axes(ax, 0.3 * len(shown) + 1)
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
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 1)
    ax.set_title(f"{text[rate]}, {int(shown['year'].max()) if len(shown) else ''}")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax


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
