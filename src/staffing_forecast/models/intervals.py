"""Conformal prediction intervals from rolling-origin errors, for models without intervals of their own.

A model is refitted at earlier cutoffs of each series; its absolute errors at each horizon step, divided by the
series's scale (the mean absolute one-step change, as in MASE), are the conformity scores. They are collected as
:class:`Scores` and turned into bounds by :func:`calibrate`, once, over **every series the model forecasts in the
call** — so a series' interval never depends on how the engine cut the panel into tasks or on ``n_jobs``.

At horizon step ``j`` and level ``L`` the half-width of a series' interval is, in order of preference:

1. *own*: for models that calibrate each series on its own errors (``own_first``), the split-conformal quantile
   ``⌈(n + 1)L⌉/n`` of the series' ``n`` errors, when ``n ≥ 1/(1 − L) − 1`` (19 for 95 %);
2. *pooled*: the same quantile of the scaled errors of every series, times the series's scale;
3. *widened*: with fewer pooled errors than that (a single or a few short series) but at least five, the larger
   of the largest error and a Student-t bound ``t(L, n − 1) · √(1 + 1/n) · rms`` — wider than a calibrated
   interval would be, honestly so;
4. *extrapolated*: a step with fewer than five errors (the horizon runs past what the history can test) takes
   the previous step's width grown like a random walk, ``w_j = w_{j−1} √(j/(j − 1))``;
5. *random walk*: when no step has five errors at all, the series's own one-step changes give ``σ`` and the
   width is ``t(L, n) · σ · √j`` (or, for a series that never changed, the borrowed scale below).

Widths never shrink with the horizon. A series whose history never changes has no scale of its own: it borrows the
median *relative* scale (scale / mean level) of the series that do change, times its own level, so a constant 7
and a constant 10¹² get intervals proportional to their size; if nothing changes anywhere the interval has no
width. Every departure from (1)–(2) is written, per series, into the forecast's ``note`` column.

Notes
-----
Vovk, Gammerman & Shafer (2005), *Algorithmic Learning in a Random World*; Stankeviciute, Alaa & van der Schaar
(2021), "Conformal time-series forecasting", NeurIPS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from ..errors import SeriesFailure
from ..schema import hi, lo

__all__ = ["Scores", "calibratable", "calibrate", "needed_errors", "rolling_errors", "series_scale"]


def series_scale(y: np.ndarray) -> float:
    """Mean absolute one-step change (the MASE scale); 0 when the series never changes.

    Examples
    --------
    >>> series_scale(np.array([1.0, 3.0, 2.0])), series_scale(np.array([7.0, 7.0]))
    (1.5, 0.0)
    """
    return float(np.mean(np.abs(np.diff(y)))) if y.size > 1 else 0.0


def needed_errors(level: int) -> int:
    """Fewest errors for a calibrated split-conformal ``level`` % interval: ``⌈1/(1 − L) − 1⌉``.

    Examples
    --------
    >>> needed_errors(80), needed_errors(95)
    (4, 19)
    """
    return math.ceil(1 / (1 - level / 100) - 1 - 1e-9)


def rolling_errors(model: Any, y: np.ndarray, h: int, n_windows: int) -> np.ndarray:
    """Measure the absolute errors of ``model`` refitted at the last ``n_windows`` cutoffs.

    Shape (windows, h), NaN where the horizon runs past the data.
    """
    needs = model.required_length() if hasattr(model, "required_length") else getattr(model, "min_length", 1)
    min_train = max(int(needs), 2)
    # Full windows (every step has an actual) first, newest first; then partial ones for short series.
    full = list(range(y.size - h, min_train - 1, -1))
    partial = list(range(y.size - 1, max(y.size - h, min_train - 1), -1))
    cutoffs = (full + partial)[:n_windows]
    errors = np.full((len(cutoffs), h), np.nan)
    for k, cutoff in enumerate(cutoffs):
        try:
            state = model._fit_one(y[:cutoff], None)
            forecast = model._predict_one(state, h, ())["mean"]
        except Exception:  # a window the model cannot fit gives no errors; the others still count
            continue
        steps = min(h, y.size - cutoff)
        errors[k, :steps] = np.abs(y[cutoff : cutoff + steps] - forecast[:steps])
    return errors


@dataclass
class Scores:
    """Scaled rolling-origin errors of one model on its series, waiting to become interval bounds.

    Built per task by a model (``LocalModel.calibration_scores``) and merged across tasks by the engine before
    :func:`calibrate` runs, so the pool is the whole call's and not a task's.

    Attributes
    ----------
    errors
        Per series, the absolute errors divided by ``scale`` (windows × h; NaN where a window has no actual).
        For a series with ``scale == 0`` the errors are unscaled and stay out of the pool.
    scale
        Per series, the scale its bounds are multiplied by (0: the series never changes).
    level
        Per series, the mean absolute value (to borrow a relative scale).
    changes
        Per series, its one-step changes (the last-resort random-walk width).
    own_first
        Whether a series with enough errors of its own is calibrated on them alone.
    relative_change
        The whole panel's median relative one-step change (set by the engine), borrowed by a series that never
        changes when no series in this pool changes either.
    """

    errors: dict[str, np.ndarray] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    level: dict[str, float] = field(default_factory=dict)
    changes: dict[str, np.ndarray] = field(default_factory=dict)
    own_first: bool = False
    relative_change: float = 0.0

    @classmethod
    def from_errors(
        cls, errors: dict[str, np.ndarray], series: dict[str, np.ndarray], own_first: bool
    ) -> Scores:
        """Scale absolute errors ``{uid: (windows, h)}`` by each series's MASE scale."""
        out = cls(own_first=own_first)
        for uid, err in errors.items():
            y = series[uid]
            scale = series_scale(y)
            out.errors[uid] = err / scale if scale > 0 else err
            out.scale[uid] = scale
            out.level[uid] = float(np.mean(np.abs(y))) if y.size else 0.0
            out.changes[uid] = np.diff(y)
        return out

    @classmethod
    def merge(cls, parts: Iterable[Scores]) -> Scores:
        """One pool from the scores of several tasks of the same model."""
        out = cls()
        for part in parts:
            out.own_first, out.relative_change = part.own_first, part.relative_change
            for name in ("errors", "scale", "level", "changes"):
                getattr(out, name).update(getattr(part, name))
        return out

    def __len__(self) -> int:
        return len(self.errors)


def calibratable(series: Iterable[np.ndarray]) -> int:
    """How many series can contribute rolling-origin errors (three or more observations): the pool's size."""
    return sum(len(y) > 2 for y in series)


def calibrate(
    scores: Scores, h: int, levels: Sequence[int]
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, str], dict[str, str]]:
    """Compute half-widths ``{uid: {"lo_80": w, "hi_80": w, ...}}`` for every series in ``scores``.

    Also a note per series where the interval is not the plain calibrated one (see the module docstring for
    the rules).

    Bounds are ``mean − w`` and ``mean + w``. A series for which no width can be estimated at all (one
    observation, and no series anywhere that changes) is left out of the widths and named in ``failures``.

    Examples
    --------
    >>> y = np.arange(10.0)
    >>> s = Scores.from_errors({"a": np.ones((20, 2))}, {"a": y}, own_first=True)
    >>> widths, notes, failures = calibrate(s, 2, [80])
    >>> widths["a"]["hi_80"].tolist(), notes, failures
    ([1.0, 1.0], {}, {})
    """
    varying = [u for u, s in scores.scale.items() if s > 0]
    relative = [scores.scale[u] / scores.level[u] for u in varying if scores.level[u] > 0]
    borrowed = float(np.median(relative)) if relative else scores.relative_change
    pooled = []
    for j in range(h):
        column = [scores.errors[u][:, j] for u in varying if scores.errors[u].shape[1] > j]
        values = np.concatenate(column) if column else np.empty(0)
        pooled.append(np.sort(values[np.isfinite(values)]))
    # What the pool gives every series at each step and level is computed once, not once per series.
    from_pool = {lv: _pooled_widths(pooled, h, lv) for lv in levels}
    shared: dict[int, tuple[np.ndarray | None, list[str]]] = {}
    for lv in levels:
        said_by_pool: list[str] = []
        shared[lv] = (_widths(None, pooled, from_pool[lv], h, lv, said_by_pool), said_by_pool)
    widths: dict[str, dict[str, np.ndarray]] = {}
    notes: dict[str, str] = {}
    failures: dict[str, str] = {}
    for uid, err in scores.errors.items():
        said: list[str] = []
        scale = scores.scale[uid]
        if scale == 0 and scores.level[uid] == 0:
            said.append("a history of zeros: the interval has no width")
        elif scale == 0:
            scale = borrowed * scores.level[uid]
            said.append(
                f"no change in the history: interval scaled by the other series' typical change ({borrowed:.1%} a period)"
                if borrowed > 0
                else "no change in this or any other series: the interval has no width"
            )
        own = err if scores.own_first and scores.scale[uid] > 0 else None
        out: dict[str, np.ndarray] = {}
        try:
            for lv in levels:
                if own is None:
                    scaled, by_pool = shared[lv]
                    said.extend(by_pool)
                else:
                    scaled = _widths(own, pooled, from_pool[lv], h, lv, said)
                width = (
                    scaled * scale
                    if scaled is not None
                    else _random_walk(scores.changes[uid], scale, borrowed > 0, h, lv, said)
                )
                out[lo(lv)] = out[hi(lv)] = np.maximum.accumulate(width)
        except SeriesFailure as exc:
            failures[uid] = str(exc)
            continue
        widths[uid] = out
        if said:
            notes[uid] = "; ".join(dict.fromkeys(said))
    return widths, notes, failures


def _quantile(scores: np.ndarray, level: int) -> float:
    """Return the ``⌈(n + 1)L⌉``-th smallest of ``n`` scores (the largest when that exceeds ``n``)."""
    n = scores.size
    k = min(n, math.ceil((n + 1) * level / 100 - 1e-9))
    return float(np.partition(scores, k - 1)[k - 1])


#: Fewest errors at a step for the widened (Student-t) bound; fewer, and the step is extrapolated.
_MIN_ERRORS = 5


def _t_width(scores: np.ndarray, level: int) -> float:
    n = scores.size
    t_bound = student_t.ppf(0.5 + level / 200, n - 1) * math.sqrt(1 + 1 / n) * np.sqrt(np.mean(scores**2))
    return float(max(t_bound, scores.max()))


def _pooled_widths(pooled: list[np.ndarray], h: int, level: int) -> np.ndarray:
    """Per step, the pooled width at ``level``: calibrated, widened (Student's t) or NaN (too few errors)."""
    needed = needed_errors(level)
    width = np.full(h, np.nan)
    for j in range(h):
        if pooled[j].size >= needed:
            width[j] = _quantile(pooled[j], level)
        elif pooled[j].size >= _MIN_ERRORS:
            width[j] = _t_width(pooled[j], level)
    return width


def _widths(
    own: np.ndarray | None,
    pooled: list[np.ndarray],
    from_pool: np.ndarray,
    h: int,
    level: int,
    said: list[str],
) -> np.ndarray | None:
    """Scaled half-widths per step (own errors are scaled too), or ``None`` when no step can be estimated."""
    needed = needed_errors(level)
    width = np.full(h, np.nan)
    widened: list[int] = []
    for j in range(h):
        mine = own[:, j][np.isfinite(own[:, j])] if own is not None and own.shape[1] > j else np.empty(0)
        if mine.size >= needed:
            width[j] = _quantile(mine, level)
        elif np.isfinite(from_pool[j]):
            width[j] = from_pool[j]
            if pooled[j].size < needed:
                widened.append(j)
    if widened:
        counts = sorted({pooled[j].size for j in widened})
        had = str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
        said.append(
            f"{level} % interval widened (Student's t) at {_steps(widened)}: {had} past errors where "
            f"{needed} calibrate it"
        )
    known = np.flatnonzero(np.isfinite(width))
    if known.size == 0:
        return None
    first = int(known[0])
    width[:first] = width[first]
    for j in range(first + 1, h):
        if not np.isfinite(width[j]):  # step j + 1 from step j: w_{j+1} = w_j √((j + 1)/j)
            width[j] = width[j - 1] * math.sqrt((j + 1) / j)
    last = int(known[-1])
    if last < h - 1:
        said.append(f"{level} % interval beyond step {last + 1} grown like a random walk (√h)")
    return width


def _steps(steps: list[int]) -> str:
    first, last = steps[0] + 1, steps[-1] + 1
    return f"step {first}" if first == last else f"steps {first}–{last}"


def _random_walk(
    changes: np.ndarray, scale: float, others_change: bool, h: int, level: int, said: list[str]
) -> np.ndarray:
    """Widen as a random walk, the last resort.

    The step spread comes from the series' changes or a borrowed scale.
    """
    steps = np.sqrt(np.arange(1, h + 1))
    if changes.size and np.any(changes != 0):
        sigma = float(np.sqrt(np.mean(changes**2)))
        said.append(f"{level} % interval from the series' {changes.size} change(s) as a random walk")
        return float(student_t.ppf(0.5 + level / 200, changes.size)) * sigma * steps
    if scale > 0:
        said.append(f"{level} % interval from the panel's typical change as a random walk")
        return float(student_t.ppf(0.5 + level / 200, 1e6)) * scale * steps
    if changes.size:
        return np.zeros(h)  # a constant history and nothing to borrow: already said "no width"
    if others_change:  # a single value of 0: a relative scale borrowed from others is 0 too
        said.append("a single observation of 0: the interval has no width")
        return np.zeros(h)
    raise SeriesFailure(
        "one observation and no series that changes to learn the spread from, so no interval can be estimated"
    )
