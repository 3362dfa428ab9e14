"""``Ensemble``: a mean, median or weighted combination of any per-series models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ConfigError
from .base import LocalModel

__all__ = ["Ensemble"]


@dataclass(kw_only=True, eq=False)
class Ensemble(LocalModel):
    """Combine the forecasts of several per-series models.

    Parameters
    ----------
    members
        Name → model, e.g. ``{"ets": ETS(), "theta": Theta()}``.
    combine
        ``"mean"``, ``"median"`` or ``"weighted"`` (with ``weights``).
    weights
        Name → non-negative weight, for ``combine="weighted"``; normalised to sum to 1.
    intervals
        ``"combine"``: each bound is combined like the means (quantile averaging; members must have intervals
        of their own); ``"conformal"``: calibrated from rolling-origin errors of the combination.

    Notes
    -----
    Quantile averaging of interval bounds: Lichtendahl, Grushka-Cockayne & Winkler (2013), "Is it better to
    average probabilities or quantiles?", Management Science 59(7).

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing_forecast.models import Drift, Naive
    >>> panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020", periods=3, freq="YS"),
    ...                       "y": [1.0, 2.0, 4.0]})
    >>> Ensemble(members={"naive": Naive(), "drift": Drift()}).fit(panel).predict(1)["mean"].tolist()
    [4.75]
    """

    name: ClassVar[str] = "ensemble"

    members: Mapping[str, LocalModel] = field(default_factory=dict)
    combine: str = "mean"
    weights: Mapping[str, float] | None = None
    intervals: str = "combine"

    def __post_init__(self) -> None:
        if not self.members:
            raise ConfigError("Ensemble needs members, e.g. members={'ets': ETS(), 'theta': Theta()}.")
        for name, model in self.members.items():
            if not isinstance(model, LocalModel):
                raise ConfigError(
                    f"Ensemble member {name!r} is not a per-series model ({type(model).__name__})."
                )
        if self.combine not in {"mean", "median", "weighted"}:
            raise ConfigError(f"Ensemble: combine={self.combine!r}; use 'mean', 'median' or 'weighted'.")
        if self.intervals not in {"combine", "conformal"}:
            raise ConfigError(f"Ensemble: intervals={self.intervals!r}; use 'combine' or 'conformal'.")
        if self.intervals == "combine":
            borrowed = [n for n, m in self.members.items() if m.uses_conformal()]
            if borrowed:
                raise ConfigError(
                    f"Ensemble: members {borrowed} have no intervals of their own to combine; "
                    "use intervals='conformal'."
                )
        self._weights = np.full(len(self.members), 1 / len(self.members))
        if self.combine == "weighted":
            if not self.weights or set(self.weights) != set(self.members):
                raise ConfigError(f"Ensemble: weights must name every member: {sorted(self.members)}.")
            raw = np.array([float(self.weights[n]) for n in self.members])
            if (raw < 0).any() or raw.sum() <= 0:
                raise ConfigError("Ensemble: weights must be non-negative and not all zero.")
            self._weights = raw / raw.sum()

    def required_length(self) -> int:
        """Fewest observations every member can fit: the largest of the members' minimums."""
        return max(m.required_length() for m in self.members.values())

    def uses_conformal(self) -> bool:
        """Whether the intervals are conformal rather than the members' own, combined."""
        return self.intervals == "conformal"

    def _fit_one(self, y: np.ndarray, X: np.ndarray | None) -> Any:
        return [model._fit_one(y, None) for model in self.members.values()]

    def _fitted_one(self, state: Any, y: np.ndarray) -> np.ndarray:
        return self._reduce(
            np.vstack([m._fitted_one(s, y) for m, s in zip(self.members.values(), state, strict=True)])
        )

    def _reduce(self, values: np.ndarray) -> np.ndarray:
        if self.combine == "median":
            return np.median(values, axis=0)
        return np.tensordot(self._weights, values, axes=1)

    def _predict_one(self, state: Any, h: int, level: Sequence[int]) -> dict[str, np.ndarray]:
        outs = [m._predict_one(s, h, level) for m, s in zip(self.members.values(), state, strict=True)]
        return {key: self._reduce(np.vstack([o[key] for o in outs])) for key in outs[0]}
