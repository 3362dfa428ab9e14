"""Plots of model evaluation: backtest errors by horizon step, and which model each series got."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..metrics import METRICS, evaluate
from ..report.labels import METRIC_NAMES, model_label
from ..schema import CUTOFF, MODEL, UNIQUE_ID, Y
from ._common import new_axes, require, texts, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["cv_errors", "model_choice"]

# Scaled errors: 1 is the in-sample error of the naive forecast, worth a reference line.
_SCALED = {"mase", "rmsse"}


def cv_errors(
    scores: pd.DataFrame,
    metric: str = "mase",
    *,
    train: pd.DataFrame | None = None,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw a cross-validated error by horizon step, one line per model.

    Parameters
    ----------
    scores
        ``sf.evaluate(cv, [metric], train=panel, by=["model", "step"])``; or the cross-validation frame itself
        (:func:`staffing_forecast.cross_validate`), scored here with ``metric`` and ``train``.
    metric
        A name from :data:`staffing_forecast.metrics.METRICS`.
    train
        The panel the cross-validation ran on, for scaled metrics (``mase``, ``rmsse``) when ``scores`` is a
        cross-validation frame.
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One line per model; the x axis holds the steps 1, 2, … ``h``. For ``mase`` and ``rmsse`` a grey line at 1
        marks the one-step error of the naive forecast on the history.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> scores = pd.DataFrame({"model": ["ets", "ets", "theta", "theta"], "step": [1, 2, 1, 2],
    ...                        "mase": [0.8, 1.2, 0.9, 1.1]})
    >>> ax = cv_errors(scores, lang="en")
    >>> [line.get_label() for line in ax.get_lines()][:2], ax.get_xlabel()
    (['ets', 'theta'], 'Horizon step')
    """
    text = texts(lang)
    if metric not in METRICS:
        raise ConfigError(f"cv_errors: unknown metric {metric!r}; use one of {list(METRICS)}.")
    if isinstance(scores, pd.DataFrame) and {CUTOFF, Y, MODEL}.issubset(scores.columns):
        scores = evaluate(scores, [metric], train=train, by=[MODEL, "step"])
    require(
        scores,
        {MODEL, "step", metric},
        "cv_errors",
        f"sf.evaluate(cv, [{metric!r}], train=panel, by=['model', 'step']) or the output of sf.cross_validate",
    )
    ax = new_axes(ax, 5, 8)
    for name, part in scores.groupby(MODEL, sort=True):
        part = part.sort_values("step")
        ax.plot(part["step"], part[metric], marker="o", lw=2, label=model_label(str(name), lang))
    if metric in _SCALED:
        ax.axhline(1.0, color="grey", lw=1, ls="--", label=text["naive_line"])
    steps = sorted(int(s) for s in scores["step"].unique())
    ax.set_xticks(steps)
    ax.set_xlabel(text["step"])
    ax.set_ylabel(METRIC_NAMES.get(metric, (metric, metric))[0 if lang == "ru" else 1])
    ax.set_ylim(bottom=0)
    ax.set_title(wrap(text["cv_errors"].format(metric=metric.upper() if metric != "smape" else "sMAPE"), 60))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, frameon=False)  # below, off the lines
    return ax


def model_choice(
    selection: pd.DataFrame,
    *,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw how many series each model was chosen for (:func:`staffing_forecast.select`).

    A bar per model, longest first, with the number and share of series. The part of a bar given by a rule
    rather than by the metric (series too short to judge, ties settled by preference) is hatched.

    Parameters
    ----------
    selection
        Output of :func:`staffing_forecast.select` (``unique_id``, ``model``, ``reason``).
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One y tick per model chosen at least once.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> choice = pd.DataFrame({"unique_id": ["a", "b", "c"], "model": ["ets", "theta", "ets"],
    ...                        "reason": ["best mase", "best mase", "too short to judge: 1 window(s), fewer than 2"]})
    >>> ax = model_choice(choice, lang="en")
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_title()
    (['theta', 'ets'], 'Model chosen per series (by MASE)')
    """
    text = texts(lang)
    require(selection, {UNIQUE_ID, MODEL, "reason"}, "model_choice", "the output of sf.select")
    if selection.empty:
        raise ConfigError("model_choice: the selection is empty.")
    reasons = selection["reason"].astype(str)
    by_metric = reasons.str.startswith("best ")
    metrics = sorted({m[1] for r in reasons if (m := re.match(r"(?:best|tie on) (\w+)", r))})
    counts = (
        pd.DataFrame({MODEL: selection[MODEL], "metric": by_metric})
        .groupby(MODEL)["metric"]
        .agg(total="size", chosen="sum")
        .sort_values(["total", "chosen"], kind="stable")
    )
    ax = new_axes(ax, 0.45 * len(counts) + 1.5, 8)
    positions = np.arange(len(counts))
    ax.barh(positions, counts["chosen"], color="C0", label=text["by_metric"])
    ruled = counts["total"] - counts["chosen"]
    if (ruled > 0).any():
        ax.barh(
            positions, ruled, left=counts["chosen"], color="white", edgecolor="C0", hatch="///",
            label=text["by_rule"],
        )  # fmt: skip
    total = len(selection)
    for position, n in zip(positions, counts["total"], strict=True):
        ax.annotate(
            text["series_share"].format(n=int(n), share=100 * n / total), (n, position), xytext=(4, 0),
            textcoords="offset points", va="center", fontsize="small",
        )  # fmt: skip
    ax.set_yticks(positions, [wrap(model_label(name, lang), 30) for name in counts.index.astype(str)])
    ax.set_xlabel(text["series_count"])
    ax.set_xlim(0, counts["total"].max() * 1.25)
    named = ", ".join(
        m.upper() if m != "smape" else "sMAPE" for m in metrics
    )  # as the metric's axis names it
    title = text["model_choice"].format(metric=named) if metrics else text["model_choice_plain"]
    ax.set_title(title)
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return ax
