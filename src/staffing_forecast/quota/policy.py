"""The quota policy: the decisions a region takes, as opposed to the data it has (``Inputs``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from ..errors import ConfigError
from .allocation import Method, check_method

__all__ = ["Policy"]


@dataclass(frozen=True, kw_only=True)
class Policy:
    """How forecast demand becomes a quota; every field has a documented default.

    Parameters
    ----------
    interval_level
        Level (percent) of the employment forecast interval whose bounds are the low and high scenarios. Default 80.
    cost_short, cost_surplus
        Relative loss of one missing versus one surplus graduate. The recommendation is the quantile
        ``q = cost_short / (cost_short + cost_surplus)`` of the scenario range; default 1 and 1 (the base).
    max_change
        Largest year-on-year change of a specialty's quota as a share of the previous one. Default 0.25.
    min_group
        Smallest group worth opening at an institution, persons. Default 15.
    small_total
        A specialty total below ``min_group``: ``"drop"`` it to 0 (default) or ``"raise"`` it to ``min_group``.
    min_cell
        Occupations employing fewer people are merged into their 3-digit ОКЗ group, and rows resting on fewer are
        flagged low reliability. Default 50.
    min_employers
        Rows whose occupations were reported by fewer employers are flagged low reliability. Default 3.
    apportionment
        How whole places are shared among institutions: ``"largest_remainder"`` (default), ``"sainte_lague"`` or
        ``"dhondt"``; see :data:`staffing_forecast.quota.allocation.APPORTIONMENT`.
    intake_years
        Intake years to compute; default ``None``: every year after the base year whose graduates the forecast
        reaches (``a + duration ≤`` the last forecast year), per specialty. Years given explicitly must be
        reachable for every specialty.

    Examples
    --------
    >>> Policy(cost_short=3).quantile
    0.75
    """

    interval_level: int = 80
    cost_short: float = 1.0
    cost_surplus: float = 1.0
    max_change: float = 0.25
    min_group: int = 15
    small_total: Literal["drop", "raise"] = "drop"
    min_cell: float = 50.0
    min_employers: int = 3
    apportionment: Method = "largest_remainder"
    intake_years: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.interval_level < 100 or int(self.interval_level) != self.interval_level:
            problems.append(
                f"interval_level={self.interval_level!r} must be a whole percent between 0 and 100"
            )
        if self.cost_short <= 0 or self.cost_surplus <= 0:
            problems.append(
                f"cost_short={self.cost_short} and cost_surplus={self.cost_surplus} must both be positive"
            )
        if not self.max_change >= 0:
            problems.append(f"max_change={self.max_change} must be ≥ 0 (0.25 allows ±25 % a year)")
        if int(self.min_group) != self.min_group or self.min_group < 1:
            problems.append(f"min_group={self.min_group!r} must be a whole number of persons, at least 1")
        if self.small_total not in ("drop", "raise"):
            problems.append(f"small_total={self.small_total!r} must be 'drop' or 'raise'")
        if self.min_cell < 0 or self.min_employers < 0:
            problems.append("min_cell and min_employers must be ≥ 0")
        try:
            check_method(self.apportionment, "apportionment")
        except ConfigError as error:
            problems.append(str(error).rstrip("."))
        if self.intake_years is not None:
            object.__setattr__(self, "intake_years", tuple(int(a) for a in self.intake_years))
        if problems:
            raise ConfigError("Policy: " + "; ".join(problems) + ".")
        low, high = self.quantile_range
        if not low - 1e-12 <= self.quantile <= high + 1e-12:
            raise ConfigError(
                f"Policy: the costs put the recommendation at the {self.quantile:.3f} quantile, outside the "
                f"{low:.3f}–{high:.3f} range that a {self.interval_level} % interval spans; raise interval_level "
                f"(e.g. to {min(99, _level_for(self.quantile))}) or bring the costs closer together."
            )

    @property
    def quantile(self) -> float:
        """The quantile of the employment forecast the recommendation is taken at."""
        return self.cost_short / (self.cost_short + self.cost_surplus)

    @property
    def quantile_range(self) -> tuple[float, float]:
        """The quantiles of the low and high scenarios, ``(1 − L)/2`` and ``(1 + L)/2``."""
        level = self.interval_level / 100
        return (1 - level) / 2, (1 + level) / 2

    def to_dict(self) -> dict[str, object]:
        """Return the policy's fields, for reports and JSON."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _level_for(quantile: float) -> int:
    return int(-(-abs(2 * quantile - 1) * 100 // 1)) + 1
