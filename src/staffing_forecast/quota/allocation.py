"""Step 11: share a specialty's quota among institutions, in whole places, within capacity and minimum groups."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import ConfigError, closest

__all__ = ["APPORTIONMENT", "Allocation", "allocate", "apportion", "round_half_up"]

#: Apportionment methods: name → what it guarantees (checked by the tests).
APPORTIONMENT = {
    "largest_remainder": "each institution gets its exact share rounded down or up (within one place of it)",
    "sainte_lague": "a larger total never takes a place away from anyone (house monotone); unbiased between "
    "large and small institutions",
    "dhondt": "a larger total never takes a place away from anyone (house monotone); favours larger institutions",
}
Method = Literal["largest_remainder", "sainte_lague", "dhondt"]
# Other names of the same methods, for the error message only (one method, one name).
_ALSO_KNOWN_AS = {"hamilton": "largest_remainder", "webster": "sainte_lague", "jefferson": "dhondt"}


def check_method(method: object, where: str) -> None:
    """Raise a :class:`ConfigError` listing the allowed values unless ``method`` is an apportionment method.

    Examples
    --------
    >>> check_method("webster", "apportion")
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: apportion: unknown apportionment method 'webster' (Webster is Sainte-Laguë: use 'sainte_lague'). Use one of ['largest_remainder', 'sainte_lague', 'dhondt'].
    """
    if isinstance(method, str) and method in APPORTIONMENT:
        return
    alias = _ALSO_KNOWN_AS.get(str(method).lower())
    hint = (
        f" ({str(method).capitalize()} is {_NAMES[alias]}: use {alias!r})"
        if alias
        else closest(str(method), APPORTIONMENT)
    )
    raise ConfigError(
        f"{where}: unknown apportionment method {method!r}{hint}. Use one of {list(APPORTIONMENT)}."
    )


_NAMES = {"largest_remainder": "largest remainder", "sainte_lague": "Sainte-Laguë", "dhondt": "D'Hondt"}


def round_half_up(value: float) -> int:
    """Round to the nearest whole number, halves up (``round`` in Python rounds halves to even).

    Examples
    --------
    >>> round_half_up(2.5), round_half_up(3.5), round_half_up(2.4999)
    (3, 4, 2)
    """
    return math.floor(value + 0.5 + 1e-9)


def apportion(total: int, weights: np.ndarray, method: Method = "largest_remainder") -> np.ndarray:
    """Split ``total`` whole places in proportion to ``weights``; the result sums exactly to ``total``.

    Parameters
    ----------
    total
        Whole places to share, ≥ 0.
    weights
        Non-negative weights, not all 0 when ``total > 0``.
    method
        ``largest_remainder`` (Hamilton: floors of the exact shares, then one more place to the largest
        remainders), ``sainte_lague`` (divisors 1, 3, 5, …) or ``dhondt`` (divisors 1, 2, 3, …); see
        :data:`APPORTIONMENT` for what each guarantees. Ties go to the earlier institution.

    Notes
    -----
    Balinski & Young, *Fair Representation* (2nd ed., 2001): largest remainder stays within one seat of the exact
    quota but can lose a seat when the total grows (the Alabama paradox); divisor methods never do.

    Examples
    --------
    >>> apportion(10, np.array([5.0, 3.0, 2.0])).tolist()
    [5, 3, 2]
    >>> apportion(7, np.array([0.5, 0.3, 0.2])).tolist()
    [4, 2, 1]
    """
    check_method(method, "apportion")
    weights = np.asarray(weights, dtype=float)
    seats = np.zeros(weights.size, dtype=np.int64)
    if total <= 0 or weights.size == 0:
        return seats
    if weights.sum() <= 0:
        raise ValueError("apportion: weights are all 0, so there is nothing to share in proportion to")
    if method == "largest_remainder":
        exact = total * weights / weights.sum()
        seats = np.floor(exact + 1e-9).astype(np.int64)
        left = total - int(seats.sum())
        order = np.lexsort((np.arange(weights.size), -(exact - seats)))  # largest remainder, then earlier
        seats[order[:left]] += 1
        return seats
    step = 2.0 if method == "sainte_lague" else 1.0
    for _ in range(total):
        priority = np.where(weights > 0, weights / (1.0 + step * seats), -np.inf)
        seats[int(np.argmax(priority))] += 1  # argmax takes the first of equal priorities
    return seats


@dataclass(frozen=True)
class Allocation:
    """Places per institution, the exact shares they come from, and why each institution ended where it did."""

    places: np.ndarray
    exact: np.ndarray
    status: list[str]


def allocate(
    total: int,
    capacity: np.ndarray,
    score: np.ndarray,
    *,
    min_group: int,
    method: Method = "largest_remainder",
) -> Allocation:
    """Share ``total`` places among institutions in proportion to ``score · capacity``.

    Shares are water-filled: an institution whose share exceeds its capacity is capped there and the excess goes to
    the others in proportion. An institution gets 0 or at least ``min_group``: while some would get less, the one
    with the smallest share is left out and its share goes to the others, or, if the others could not take it, it
    is given ``min_group`` and the rest is shared again. The places of the institutions that are neither capped nor
    held at 0 or ``min_group`` are whole numbers by ``method`` (:func:`apportion`). When capacities sit so close to
    ``min_group`` that these rules find no way through although one exists, the heaviest set of institutions that
    can hold the total is chosen, each gets ``min_group`` and the rest is shared by weight (largest remainder).

    Returns an :class:`Allocation` whose ``status`` per institution is ``"share"`` (apportioned), ``"capped"``,
    ``"left_out"``, ``"raised"`` (to ``min_group``) or ``"no_capacity"`` (capacity below ``min_group``, or score 0).
    A total no set of institutions can hold (``0 < total < min_group``, or e.g. 4 places in two institutions of
    capacity 3 with groups of 3) is a ``ValueError``.

    Examples
    --------
    >>> a = allocate(150, np.array([30, 80, 60]), np.array([2.0, 1.0, 1.0]), min_group=15)
    >>> a.places.tolist(), a.status
    ([30, 69, 51], ['capped', 'share', 'share'])
    >>> allocate(30, np.array([20, 40]), np.array([1.0, 0.2]), min_group=15).places.tolist()
    [15, 15]
    """
    check_method(method, "allocate")  # before the try below, which must only catch infeasible capacities
    capacity = np.asarray(capacity, dtype=np.int64)
    weight = np.asarray(score, dtype=float) * capacity
    n = capacity.size
    places = np.zeros(n, dtype=np.int64)
    exact = np.zeros(n, dtype=float)
    eligible = (capacity >= max(min_group, 1)) & (weight > 0)
    status = ["share" if ok else "no_capacity" for ok in eligible]
    if total <= 0:
        return Allocation(places, exact, ["left_out" if s == "share" else s for s in status])
    if total < min_group:
        raise ValueError(f"allocate: {total} places are fewer than one minimum group of {min_group}")
    try:
        return _greedy(total, capacity, weight, eligible, status, min_group, method)
    except ConfigError:
        raise
    except ValueError:
        # The greedy choice of whom to leave out can paint itself into a corner when capacities sit close to
        # min_group; choose the set of institutions directly instead.
        fallback = _by_subset(total, capacity, weight, eligible, min_group)
        if fallback is None:
            raise
        return fallback


def _greedy(
    total: int,
    capacity: np.ndarray,
    weight: np.ndarray,
    eligible: np.ndarray,
    status: list[str],
    min_group: int,
    method: Method,
) -> Allocation:
    n = capacity.size
    places = np.zeros(n, dtype=np.int64)
    exact = np.zeros(n, dtype=float)
    status = list(status)
    fixed: dict[int, int] = {}
    while True:
        active = np.array([i for i in np.flatnonzero(eligible) if i not in fixed], dtype=np.int64)
        left = total - sum(fixed.values())
        if left < 0 or (left > 0 and int(capacity[active].sum()) < left):
            raise ValueError(f"allocate: {total} places do not fit the capacities {capacity.tolist()}")
        if active.size == 0:
            break
        shares, capped = _water_fill(left, weight[active], capacity[active])
        under = shares < min_group - 1e-9
        if under.any():
            j = int(active[np.flatnonzero(under)[np.argmin(shares[under])]])
            others = int(capacity[active].sum()) - int(capacity[j])
            fixed[j] = 0 if others >= left else min_group
            status[j] = "left_out" if fixed[j] == 0 else "raised"
            continue
        exact[active] = shares
        for i in active[capped].tolist():
            places[i], status[i] = capacity[i], "capped"
        free = active[~capped]
        seats = apportion(left - int(capacity[active[capped]].sum()), weight[free], method)
        # Divisor methods can move a share past a capacity or under a minimum group: hold it there, share again.
        beyond = np.flatnonzero(seats > capacity[free])
        below = np.flatnonzero((seats > 0) & (seats < min_group))
        if beyond.size or below.size:
            i = int(free[beyond[0]] if beyond.size else free[below[0]])
            fixed[i] = int(capacity[i]) if beyond.size else min_group
            status[i] = "capped" if beyond.size else "raised"
            continue
        places[free] = seats
        break
    for i, value in fixed.items():
        places[i], exact[i] = value, float(value)
    return Allocation(places, exact, status)


def _by_subset(
    total: int, capacity: np.ndarray, weight: np.ndarray, eligible: np.ndarray, min_group: int
) -> Allocation | None:
    """Allocate ``total`` to the heaviest set of institutions that can hold it.

    Each institution of the set takes at least ``min_group`` and at most its capacity: each gets ``min_group``
    and the rest is water-filled by weight, rounded by largest remainder.
    """
    candidates = [int(i) for i in np.argsort(-weight, kind="stable") if eligible[i]][
        :12
    ]  # 4,095 sets at most
    best: tuple[int, ...] | None = None
    for size in range(1, len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            if size * min_group <= total <= int(capacity[list(subset)].sum()) and (
                best is None or weight[list(subset)].sum() > weight[list(best)].sum() + 1e-12
            ):
                best = subset
    if best is None:
        return None
    chosen = np.array(sorted(best))
    extra = total - min_group * chosen.size
    room = capacity[chosen] - min_group
    shares, capped = _water_fill(float(extra), weight[chosen], room)
    seats = np.where(capped, room, 0)
    free = ~capped
    seats[free] = apportion(extra - int(room[capped].sum()), weight[chosen][free], "largest_remainder")
    places = np.zeros(capacity.size, dtype=np.int64)
    exact = np.zeros(capacity.size, dtype=float)
    places[chosen] = min_group + seats
    exact[chosen] = min_group + shares
    status = ["no_capacity" if not eligible[i] else "left_out" for i in range(capacity.size)]
    for position, i in enumerate(chosen.tolist()):
        status[i] = "capped" if capped[position] else "share"
    return Allocation(places, exact, status)


def _water_fill(total: float, weight: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares of ``total`` proportional to ``weight``, none above its capacity; and which ones are capped."""
    shares = np.zeros(weight.size)
    capped = np.zeros(weight.size, dtype=bool)
    while True:
        free = ~capped
        left = total - capacity[capped].sum()
        shares[free] = left * weight[free] / weight[free].sum() if weight[free].sum() > 0 else 0.0
        over = free & (shares > capacity + 1e-9)
        if not over.any():
            break
        capped |= over
        shares[over] = capacity[over]
        if capped.all():
            break
    return shares, capped
