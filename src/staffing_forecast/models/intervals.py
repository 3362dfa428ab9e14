"""Conformal prediction intervals from rolling-origin errors, for models without intervals of their own.

A model is refitted at earlier cutoffs of each series; its absolute errors at each horizon step, divided by the
series's scale (the mean absolute change over one step, or over a season for seasonal data, as in MASE), are the
conformity scores. They are collected as :class:`Scores` and turned into bounds by :func:`calibrate`, once, over
**every series the model forecasts in the call** — so a series' interval never depends on how the engine cut the
panel into tasks or on ``n_jobs``.

Each series is calibrated with a pool of similar series of the call (same length class, same volatility class;
the whole call where a class is small), and each pool has one fitted fan shape (:class:`Fan`): the scaled error at
step ``j`` is ``spread · j^b`` with the growth ``b`` fitted to the pool's errors, and the errors divided by ``j^b``
form one standardised pool whose split-conformal quantile ``q_L`` gives every level. The half-width at step ``j``
is ``q_L · j^b · scale``: nested across levels, never narrower further ahead, the same ratio between levels at
every step. Then:

- a series with at least 19 errors of its own (``own_first``: models other than ``auto``) takes ``q_L`` from them;
- with fewer pooled errors than a level needs but at least five at some step, ``q_L`` is *widened*: the larger of
  the largest error and a Student-t bound ``t(L, n − 1) · √(1 + 1/n) · rms``;
- with no step of five errors, the series's own one-step changes give a *random walk* ``t(L, n) · σ · √j``;
- a non-seasonal series whose recent changes are larger than its scale is widened by their ratio (errors after the
  origin follow the recent changes, which the calibration windows, ending before it, do not show).

A series whose history never changes has no scale of its own: it borrows the median *relative* scale (scale / mean
level) of the series that do change, times its own level, so a constant 7 and a constant 10¹² get intervals
proportional to their size; if nothing changes anywhere the interval has no width. Every departure from the pooled
fan is written, per series, into the forecast's ``note`` column.

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

__all__ = ["Fan", "Scores", "calibratable", "calibrate", "needed_errors", "rolling_errors", "series_scale"]


def series_scale(y: np.ndarray, season_length: int = 1) -> float:
    """Mean absolute change over ``season_length`` steps (the MASE scale); 0 when it never changes.

    Examples
    --------
    >>> series_scale(np.array([1.0, 3.0, 2.0])), series_scale(np.array([7.0, 7.0]))
    (1.5, 0.0)
    >>> series_scale(np.array([1.0, 5.0, 2.0, 6.0]), season_length=2)
    1.0
    """
    m = season_length
    return float(np.mean(np.abs(y[m:] - y[:-m]))) if y.size > m else 0.0


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
    seasonal
        Whether the scale is the seasonal one (mean absolute change over a season); such series' fans are not
        widened by their recent changes, which swing with the season.
    relative_change
        The whole panel's median relative one-step change (set by the engine), borrowed by a series that never
        changes when no series in this pool changes either.
    """

    errors: dict[str, np.ndarray] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    level: dict[str, float] = field(default_factory=dict)
    changes: dict[str, np.ndarray] = field(default_factory=dict)
    own_first: bool = False
    seasonal: bool = False
    relative_change: float = 0.0

    @classmethod
    def from_errors(
        cls,
        errors: dict[str, np.ndarray],
        series: dict[str, np.ndarray],
        own_first: bool,
        season_length: int = 1,
    ) -> Scores:
        """Scale absolute errors ``{uid: (windows, h)}`` by each series's MASE scale.

        With ``season_length > 1`` the scale is the mean absolute change over a season where the series is
        longer than one and changes over it, so that a seasonal swing is not taken for noise.
        """
        out = cls(own_first=own_first, seasonal=season_length > 1)
        for uid, err in errors.items():
            y = series[uid]
            scale = series_scale(y, season_length) or series_scale(y)
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
            out.own_first, out.relative_change, out.seasonal = part.own_first, part.relative_change, part.seasonal
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
    pools = _pools(scores, varying)
    shapes: dict[tuple[int, ...], Fan | None] = {}
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
        key = pools.get(uid, ())
        if key not in shapes:
            members = [u for u in varying if pools[u] == key] if key else varying
            shapes[key] = Fan.fit([scores.errors[u] for u in members])
        fan = shapes[key]
        if fan is not None and scores.own_first and scores.scale[uid] > 0:
            fan = fan.own(err) or fan
        out: dict[str, np.ndarray] = {}
        try:
            for lv in levels:
                if fan is None:
                    width = _random_walk(scores.changes[uid], scale, borrowed > 0, h, lv, said)
                else:
                    recent = 1.0 if scores.seasonal else _recent_factor(scores.changes[uid], scale, h)
                    width = fan.width(h, lv, said) * scale * recent
                out[lo(lv)] = out[hi(lv)] = np.maximum.accumulate(width)
        except SeriesFailure as exc:
            failures[uid] = str(exc)
            continue
        widths[uid] = out
        if said:
            notes[uid] = "; ".join(dict.fromkeys(said))
    return widths, notes, failures


#: Fewest series in a pool of similar series; with fewer, a series is calibrated with the whole call's pool.
MIN_POOL_SERIES = 30


def _pools(scores: Scores, varying: list[str]) -> dict[str, tuple[int, ...]]:
    """Each changing series' pool of similar series: ``(length class, volatility class)``, or ``()`` for all.

    Length classes double (8–15, 16–31, ... observations); the volatility class is whether the series' change
    relative to its level is above the call's median. A class of fewer than :data:`MIN_POOL_SERIES` series
    falls back to its length class, and that to the whole call.
    """
    length = {u: int(math.log2(max(1, scores.changes[u].size + 1))) for u in varying}
    relative = {u: scores.scale[u] / scores.level[u] if scores.level[u] > 0 else 0.0 for u in varying}
    median = float(np.median(list(relative.values()))) if relative else 0.0
    full = {u: (length[u], int(relative[u] > median)) for u in varying}
    counts: dict[tuple[int, ...], int] = {}
    for key in full.values():
        counts[key] = counts.get(key, 0) + 1
        counts[key[:1]] = counts.get(key[:1], 0) + 1
    out: dict[str, tuple[int, ...]] = {}
    for u, key in full.items():
        out[u] = key if counts[key] >= MIN_POOL_SERIES else key[:1] if counts[key[:1]] >= MIN_POOL_SERIES else ()
    return out


#: Fewest errors at a step for that step to enter the fit of the fan's growth.
_MIN_ERRORS = 5
#: The growth exponent of a fan is kept within these bounds (0: flat, ½: a random walk, 1: a drifting trend).
_GROWTH = (0.0, 1.5)


@dataclass(frozen=True)
class Fan:
    """One fitted fan shape: the scaled error at step ``j`` is ``spread · j^growth`` times a draw from one pool.

    ``growth`` is fitted (least squares on the logarithm of the mean error at each step with errors, weighted by
    their number) to the calibration errors; ``standard`` holds every error divided by ``j^growth``, all steps
    together, so each level's quantile comes from the whole pool and the ratio between levels is the same at
    every step. Widths are then nested across levels and never shrink with the horizon.
    """

    growth: float
    standard: np.ndarray
    last_tested: int

    @classmethod
    def fit(cls, errors: list[np.ndarray]) -> Fan | None:
        """Fit the growth and pool the standardised errors, or ``None`` with fewer than five errors at any step."""
        if not errors:
            return None
        h = max(e.shape[1] for e in errors)
        columns = [
            np.concatenate([e[:, j] for e in errors if e.shape[1] > j]) for j in range(h)
        ]
        columns = [c[np.isfinite(c)] for c in columns]
        tested = [j for j, c in enumerate(columns) if c.size >= _MIN_ERRORS]
        if not tested:
            return None
        growth = _growth(tested, [float(np.mean(columns[j])) for j in tested], [columns[j].size for j in tested])
        standard = np.sort(np.concatenate([columns[j] / (j + 1) ** growth for j in tested]))
        return cls(growth, standard, tested[-1] + 1)

    def own(self, errors: np.ndarray) -> Fan | None:
        """Return the fan with a series' own errors (same growth), when they alone calibrate a 95 % interval."""
        steps = (np.arange(errors.shape[1]) + 1) ** self.growth
        mine = (errors / steps)[np.isfinite(errors)]
        if mine.size < needed_errors(95):
            return None
        return Fan(self.growth, np.sort(mine), self.last_tested)

    def width(self, h: int, level: int, said: list[str]) -> np.ndarray:
        """Scaled half-widths of the ``level`` % interval at steps 1 … ``h``."""
        n = self.standard.size
        needed = needed_errors(level)
        if n >= needed:
            quantile = _quantile(self.standard, level)
        else:
            quantile = _t_width(self.standard, level)
            said.append(
                f"{level} % interval widened (Student's t): {n} past errors where {needed} calibrate it"
            )
        if h > self.last_tested:
            said.append(
                f"interval beyond step {self.last_tested} grown as the past errors grew (∝ h^{self.growth:.2f})"
            )
        return quantile * np.arange(1, h + 1) ** self.growth


def _recent_factor(changes: np.ndarray, scale: float, h: int) -> float:
    """How much larger the series' last ``max(h, 4)`` changes are than its average change (1 when smaller).

    Measured on development data (M1, M3): the errors after a forecast origin follow a series' recent changes
    more than its average one, and calibration windows (which end before the origin) do not show it.
    """
    recent = changes[-max(h, _RECENT_CHANGES):]
    if scale <= 0 or recent.size == 0:
        return 1.0
    return max(1.0, float(np.mean(np.abs(recent))) / scale)


#: Fewest recent changes :func:`_recent_factor` averages.
_RECENT_CHANGES = 4


def _growth(steps: list[int], means: list[float], counts: list[int]) -> float:
    """Exponent ``b`` of ``mean error ∝ j^b`` over the tested steps; ½ (a random walk) from one step alone."""
    keep = [k for k, m in enumerate(means) if m > 0]
    if len(keep) < 2:
        return 0.5
    x = np.log(np.array([steps[k] + 1 for k in keep], dtype=float))
    z = np.log(np.array([means[k] for k in keep]))
    w = np.array([counts[k] for k in keep], dtype=float)
    xm, zm = np.average(x, weights=w), np.average(z, weights=w)
    slope = float(np.sum(w * (x - xm) * (z - zm)) / np.sum(w * (x - xm) ** 2))
    return float(np.clip(slope, *_GROWTH))


def _quantile(scores: np.ndarray, level: int) -> float:
    """Return the ``⌈(n + 1)L⌉``-th smallest of ``n`` scores (the largest when that exceeds ``n``)."""
    n = scores.size
    k = min(n, math.ceil((n + 1) * level / 100 - 1e-9))
    return float(np.partition(scores, k - 1)[k - 1])


def _t_width(scores: np.ndarray, level: int) -> float:
    n = scores.size
    t_bound = student_t.ppf(0.5 + level / 200, n - 1) * math.sqrt(1 + 1 / n) * np.sqrt(np.mean(scores**2))
    return float(max(t_bound, scores.max()))


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
