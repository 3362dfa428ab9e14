"""The numeric steps of the quota method on plain arrays (``docs/quota.md``); frames are handled by ``compute``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BAND_WIDTHS", "decide", "roll_replacement", "smooth"]

#: Years per age band; people leave a band at the rate 1/width a year (ages spread evenly). 60+ only exits.
BAND_WIDTHS = np.array([15.0, 20.0, 10.0, np.inf])


def roll_replacement(
    employment: np.ndarray,
    age_shares: np.ndarray,
    exit_rates: np.ndarray,
    transfer: np.ndarray,
    migrate: np.ndarray,
) -> dict[str, np.ndarray]:
    """Compute steps 1–2, replacement and expansion per unit and year, ageing the workforce year by year.

    Parameters
    ----------
    employment
        ``(units, years + 1)``: the base year, then each forecast year.
    age_shares
        ``(units, bands)``: the base year's age structure (rows sum to 1).
    exit_rates
        ``(years, bands)``: exit rate of each band in each forecast year.
    transfer, migrate
        ``(units,)``: yearly shares leaving the occupation and the region.

    Returns
    -------
    dict
        ``(units, years)`` arrays ``exits``, ``transfers``, ``migration`` (their sum is the replacement ``S``) and
        ``expansion`` ``X = E[t] − E[t−1]``, plus ``age_shares`` ``(units, years + 1, bands)``.

    Notes
    -----
    ``S[t] = E[t−1] · (Σ_b a[b, t−1] · exit[b, t] + transfer + migrate)``. The age shares roll forward: those
    who stay age (a share 1/width of each band moves up one band), and the year's entrants ``E[t] − survivors``
    join the youngest band; if employment falls by more than the leavers, every band shrinks in proportion.

    Examples
    --------
    >>> out = roll_replacement(np.array([[100.0, 100.0]]), np.array([[0.0, 0.0, 0.0, 1.0]]),
    ...                        np.array([[0.0, 0.0, 0.0, 0.2]]), np.array([0.0]), np.array([0.0]))
    >>> out["exits"].tolist(), out["expansion"].tolist()
    ([[20.0]], [[0.0]])
    """
    units, steps = employment.shape[0], employment.shape[1] - 1
    shares = np.empty((units, steps + 1, age_shares.shape[1]))
    shares[:, 0] = age_shares
    exits = np.zeros((units, steps))
    transfers = np.zeros((units, steps))
    migration = np.zeros((units, steps))
    for t in range(steps):
        people = employment[:, t, None] * shares[:, t]
        leaving_band = people * exit_rates[t][None, :]
        exits[:, t] = leaving_band.sum(axis=1)
        transfers[:, t] = employment[:, t] * transfer
        migration[:, t] = employment[:, t] * migrate
        stay = people - leaving_band - people * (transfer + migrate)[:, None]
        moving = stay / BAND_WIDTHS[None, :]
        stay = stay - moving
        stay[:, 1:] += moving[:, :-1]
        entrants = employment[:, t + 1] - stay.sum(axis=1)
        grow = entrants >= 0
        stay[grow, 0] += entrants[grow]
        total = stay.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            shrink = np.where(total > 0, employment[:, t + 1] / np.where(total > 0, total, 1), 0.0)
        stay[~grow] *= shrink[~grow, None]
        total = stay.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[:, t + 1] = np.where(
                total[:, None] > 0, stay / np.where(total > 0, total, 1)[:, None], shares[:, t]
            )
    return {
        "exits": exits,
        "transfers": transfers,
        "migration": migration,
        "expansion": np.diff(employment, axis=1),
        "age_shares": shares,
    }


def decide(scenarios: Sequence[float], quantile: float, quantile_range: tuple[float, float]) -> float:
    """Step 9: the recommendation at ``quantile``, interpolated linearly between the sorted scenario values.

    ``scenarios`` are the sorted ``(low, base, high)``: low sits at the ``(1 − L)/2`` quantile, base at the median
    and high at ``(1 + L)/2``.

    Examples
    --------
    >>> decide((80.0, 100.0, 140.0), 0.5, (0.1, 0.9)), decide((80.0, 100.0, 140.0), 0.7, (0.1, 0.9))
    (100.0, 120.0)
    """
    low, base, high = scenarios
    q_low, q_high = quantile_range
    if quantile <= 0.5:
        return low + (base - low) * (quantile - q_low) / (0.5 - q_low)
    return base + (high - base) * (quantile - 0.5) / (q_high - 0.5)


def smooth(value: float, previous: float | None, max_change: float) -> float:
    """Step 10: keep the quota within ``±max_change`` of the previous one when that is known and positive.

    Examples
    --------
    >>> smooth(150.0, 100.0, 0.25), smooth(150.0, None, 0.25), smooth(90.0, 100.0, 0.25)
    (125.0, 150.0, 90.0)
    """
    if previous is None or not previous > 0:
        return value
    return float(np.clip(value, (1 - max_change) * previous, (1 + max_change) * previous))
