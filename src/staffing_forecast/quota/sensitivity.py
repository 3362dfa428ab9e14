"""Parameter uncertainty: which input moves a quota most (a tornado table), and a grid of policies."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, closest
from .compute import compute
from .inputs import Inputs
from .policy import Policy
from .prepare import PROGRAM, SHARES, Prepared, prepare

__all__ = ["VARIABLE", "scenarios", "sensitivity"]

#: Inputs :func:`sensitivity` can move, and how by default.
VARIABLE = {
    "completion": "across its monitoring interval, else ±20 %",
    "p_emp": "across its monitoring interval, else ±20 %",
    "p_field": "across its monitoring interval, else ±20 %",
    "p_region": "across its monitoring interval, else ±20 %",
    "grad_share": "±20 %",
    "transfer": "±20 %",
    "migrate": "±20 %",
    "exit_rates": "±20 %",
    "vacancies": "±20 %",
    "paid": "±20 %",
}
_KEYS = [*PROGRAM, "intake_year"]


def sensitivity(
    inputs: Inputs,
    policy: Policy | None = None,
    vary: Sequence[str] | Mapping[str, float] | None = None,
    *,
    relative: float = 0.2,
) -> pd.DataFrame:
    """Build a tornado table: how far each input moves each raw quota.

    Each input moves across its range with the others fixed.

    The scenarios carry only the employment forecast's uncertainty; this shows the rest. Each share (completion,
    p_emp, p_field, p_region) moves across its interval (``{share}_lo`` / ``{share}_hi`` of ``Inputs.shares``,
    as :func:`staffing_forecast.monitoring.quota_shares` gives them) or, without one, by ``±relative``; every other
    input by ``±relative``. The quota compared is ``raw_quota`` (before smoothing and rounding, which would hide
    the effect); capacity is not a limit here.

    Parameters
    ----------
    inputs, policy
        As for :func:`compute`.
    vary
        Inputs to move (default: all of :data:`VARIABLE`), or a mapping input → relative change for each.
    relative
        Default relative change where an input has no interval.

    Returns
    -------
    pandas.DataFrame
        ``specialty``, ``level``, ``intake_year``, ``input``, ``low_value`` and ``high_value`` (what was tried),
        ``quota_at_low``, ``raw_quota`` (unchanged inputs), ``quota_at_high`` and ``swing`` = |at high − at low|;
        also one row per intake year and input with ``specialty`` = ``"*"``, the total over specialties. Rows are
        sorted by program and descending swing, so the top rows of each program are its tornado.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> inputs = sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk, capacity=capacity)
    >>> table = sf.quota.sensitivity(inputs, vary=["p_emp", "transfer"])
    >>> table[table["specialty"] != "*"]["input"].tolist()
    ['p_emp', 'transfer']
    """
    policy = policy if policy is not None else Policy()
    if not 0 < relative < 1:
        raise ConfigError(f"sensitivity: relative={relative} must lie strictly between 0 and 1.")
    changes = _changes(vary)
    free = _without_capacity_limit(inputs)
    base = compute(free, policy)
    prepared = prepare(free, policy)
    baseline = base.table.set_index(_KEYS)["raw_quota"]
    rows = []
    for name, change in changes.items():
        (low_inputs, low_text), (high_inputs, high_text) = _moved(
            free, prepared, base.programs, name, change, relative
        )
        at_low = compute(low_inputs, policy).table.set_index(_KEYS)["raw_quota"]
        at_high = compute(high_inputs, policy).table.set_index(_KEYS)["raw_quota"]
        frame = pd.DataFrame(
            {"raw_quota": baseline, "quota_at_low": at_low, "quota_at_high": at_high}
        ).reset_index()
        frame["input"], frame["low_value"], frame["high_value"] = name, low_text, high_text
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    totals = out.groupby(["intake_year", "input", "low_value", "high_value"], as_index=False)[
        ["raw_quota", "quota_at_low", "quota_at_high"]
    ].sum()
    totals["specialty"], totals["level"] = "*", "*"
    out = pd.concat([out, totals], ignore_index=True)
    out["swing"] = (out["quota_at_high"] - out["quota_at_low"]).abs()
    out = out.sort_values([*_KEYS, "swing"], ascending=[True, True, True, False], kind="stable")
    columns = [
        *_KEYS,
        "input",
        "low_value",
        "high_value",
        "quota_at_low",
        "raw_quota",
        "quota_at_high",
        "swing",
    ]
    return out[columns].reset_index(drop=True)


def _changes(vary: Sequence[str] | Mapping[str, float] | None) -> dict[str, float | None]:
    """Input → explicit relative change, or None for the default (the interval of a share, else ``relative``)."""
    if vary is None:
        return dict.fromkeys(VARIABLE)
    chosen: dict[str, float | None] = (
        {k: float(v) for k, v in vary.items()} if isinstance(vary, Mapping) else dict.fromkeys(vary)
    )
    for name, change in chosen.items():
        if name not in VARIABLE:
            raise ConfigError(
                f"sensitivity: cannot vary {name!r}{closest(name, VARIABLE)} Inputs it can vary: {list(VARIABLE)}."
            )
        if change is not None and not 0 < change < 1:
            raise ConfigError(
                f"sensitivity: the change of {name} ({change}) must lie strictly between 0 and 1."
            )
    return chosen


def _without_capacity_limit(inputs: Inputs) -> Inputs:
    capacity = inputs.capacity.copy()
    capacity["capacity"] = 10**9  # raw quotas do not depend on capacity; this keeps every variant feasible
    return inputs.replace(capacity=capacity)


def _moved(
    inputs: Inputs,
    prepared: Prepared,
    programs: pd.DataFrame,
    name: str,
    change: float | None,
    relative: float,
) -> tuple[tuple[Inputs, str], tuple[Inputs, str]]:
    """Return the inputs with ``name`` at its low and at its high value, each with a description."""
    p = prepared
    if name in SHARES:
        shares = programs[[*PROGRAM, *SHARES]].copy()
        lo, hi = programs[f"{name}_lo"].to_numpy(float), programs[f"{name}_hi"].to_numpy(float)
        has_interval = change is None and bool(np.any(hi > lo))
        step = relative if change is None else change
        low, high = (
            (lo, hi)
            if has_interval
            else (shares[name] * (1 - step), (shares[name] * (1 + step)).clip(upper=1))
        )
        what = "interval" if has_interval else f"±{step:.0%}"
        return (
            (inputs.replace(shares=shares.assign(**{name: low})), f"{name} lower bound ({what})"),
            (inputs.replace(shares=shares.assign(**{name: high})), f"{name} upper bound ({what})"),
        )
    step = float(change if change is not None else relative)
    out = []
    for factor, label in ((1 - step), "−"), ((1 + step), "+"):
        text = f"{name} {label}{step:.0%}"
        if name in ("transfer", "migrate", "grad_share", "vacancies"):
            values = p.occupation[name] * factor
            if name != "vacancies":
                values = values.clip(upper=1.0)
            out.append((inputs.replace(**{name: values.to_dict()}), text))
        elif name == "exit_rates":
            rates = (p.exit_rates * factor).clip(upper=1.0)
            long = (
                rates.rename_axis("year")
                .reset_index()
                .melt(id_vars="year", var_name="age_band", value_name="exit_rate")
            )
            out.append((inputs.replace(exit_rates=long), text))
        else:  # paid
            paid = p.paid.copy()
            paid["persons"] = paid["persons"] * factor
            if (paid["intake_year"] == -1).all():
                paid = paid.drop(columns="intake_year")
            out.append((inputs.replace(paid=paid), text))
    return out[0], out[1]


def scenarios(
    inputs: Inputs, policy: Policy | None = None, grid: Mapping[str, Sequence[object]] | None = None
) -> pd.DataFrame:
    """Run the calculator over a grid of policies; one quota table per combination, stacked.

    Parameters
    ----------
    inputs
        As for :func:`compute`.
    policy
        The policy the grid varies (default ``Policy()``).
    grid
        Policy field → values to try, e.g. ``{"cost_short": [1, 2, 3], "max_change": [0.1, 0.25]}``; every
        combination is run.

    Returns
    -------
    pandas.DataFrame
        The varied fields as columns, then the columns of ``QuotaResult.table``.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [200]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> inputs = sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk, capacity=capacity)
    >>> grid = sf.quota.scenarios(inputs, grid={"cost_short": [1, 2]})
    >>> grid.groupby("cost_short")["quota"].sum().is_monotonic_increasing
    True
    """
    policy = policy if policy is not None else Policy()
    grid = dict(grid or {})
    names = [f.name for f in dataclasses.fields(Policy)]
    for key in grid:
        if key not in names:
            raise ConfigError(
                f"scenarios: {key!r} is not a Policy field{closest(key, names)} Fields: {names}."
            )
    frames = []
    for combination in itertools.product(*grid.values()):
        changes: dict[str, Any] = dict(zip(grid, combination, strict=True))
        table = compute(inputs, dataclasses.replace(policy, **changes)).table
        for position, (key, value) in enumerate(changes.items()):
            table.insert(position, key, value)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
