"""``compute``: the twelve steps of the quota method from checked inputs to institution quotas. Pure: no I/O."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import reference
from ..errors import ConfigError, InfeasibleQuotaError
from .allocation import allocate, round_half_up
from .inputs import Inputs
from .intake import intake_table
from .policy import Policy
from .prepare import PROGRAM, Prepared, prepare
from .result import QuotaResult
from .steps import roll_replacement

__all__ = ["SCENARIOS", "check_level", "compute"]

SCENARIOS = ("low", "base", "high")


def compute(inputs: Inputs, policy: Policy | None = None) -> QuotaResult:
    """Turn an employment forecast by occupation into recommended state-funded admissions.

    Runs the twelve steps of ``docs/quota.md``: replacement and expansion demand, openings, graduates wanted by
    specialty, yield per admitted student, pipeline coverage, admissions needed per intake year, raw quota,
    the decision between the low/base/high scenarios, smoothing, allocation to institutions, and the checks.

    Parameters
    ----------
    inputs
        The data and assumptions (:class:`Inputs`, e.g. from :func:`inputs_from_bundle`).
    policy
        The region's decisions (:class:`Policy`); default ``Policy()``.

    Returns
    -------
    QuotaResult
        ``.table`` (quota per specialty, level and intake year), ``.allocation`` (per institution), ``.openings``,
        ``.graduates_wanted``, ``.coverage``, and ``.explain(specialty, level, intake_year)``.

    Raises
    ------
    ConfigError
        A policy ``interval_level`` other than the level of the inputs' bounds (``Inputs.interval_level``).
        Inconsistent inputs (a crosswalk not summing to 1, a share outside 0–1, a specialty without a duration, an
        intake year the forecast cannot reach, …), naming the specialty, level, occupation and input.
    InfeasibleQuotaError
        A yield of 0, or capacity below the quota or below a minimum group.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": [400, 404, 408, 412, 416], "base": [400, 410, 420, 430, 440], "high": [400, 416, 432, 448, 464]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> capacity = pd.DataFrame({"institution": ["C01", "C02"], "specialty": "09.02.07", "level": "spo11",
    ...     "capacity": [60, 40]})
    >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
    ...                                           capacity=capacity))
    >>> result.table[["intake_year", "quota"]].to_dict("records")
    [{'intake_year': 2026, 'quota': 68}]
    >>> result.allocation["quota"].tolist()
    [41, 27]
    """
    policy = policy if policy is not None else Policy()
    check_level(inputs, policy)
    prepared = prepare(inputs, policy)
    units, unit_crosswalk = _units(prepared, policy)
    openings, age_structure = _openings(prepared, units)
    wanted = _graduates_wanted(openings, units, unit_crosswalk)
    coverage = _coverage(prepared, wanted)
    table, unreachable = intake_table(prepared, policy, wanted, _behind(units, unit_crosswalk))
    allocation = _allocation(prepared, policy, table)
    return QuotaResult(
        table=table,
        allocation=allocation,
        openings=openings,
        age_structure=age_structure,
        graduates_wanted=wanted,
        coverage=coverage,
        units=units,
        unit_crosswalk=unit_crosswalk,
        programs=prepared.programs,
        unreachable=unreachable,
        inputs=inputs,
        policy=policy,
        sources=prepared.sources,
        adjustments=prepared.adjustments,
        base_year=prepared.base_year,
    )


def check_level(inputs: Inputs, policy: Policy) -> None:
    """Refuse a policy whose ``interval_level`` is not the level of the inputs' ``low``/``high`` bounds.

    Inputs of unknown level (``interval_level=None``, built by hand) pass: their bounds are taken at the policy's.

    Examples
    --------
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025], "low": 1.0, "base": 1.0, "high": 1.0})
    >>> inputs = Inputs(employment=employment, base_year=2025, capacity=pd.DataFrame(), interval_level=80)
    >>> check_level(inputs, Policy(interval_level=95))
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: compute: the policy asks for the 95 % interval, but the inputs' employment bounds are the 80 % interval; use Policy(interval_level=80), or rebuild the inputs with inputs_from_bundle(..., interval_level=95) from a forecast made with level=[95].
    """
    held = inputs.interval_level
    if held is not None and held != policy.interval_level:
        wanted = policy.interval_level
        raise ConfigError(
            f"compute: the policy asks for the {wanted} % interval, but the inputs' employment bounds are the {held} % "
            f"interval; use Policy(interval_level={held}), or rebuild the inputs with inputs_from_bundle(..., "
            f"interval_level={wanted}) from a forecast made with level=[{wanted}]."
        )


def _units(p: Prepared, policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Occupations, with those employing fewer than ``min_cell`` merged into one unit per 3-digit group."""
    base = p.employment.xs(p.base_year, level="year")["base"]
    occupation = p.occupation.assign(employment=base.reindex(p.occupation.index).fillna(0.0))
    small = occupation["employment"] < policy.min_cell
    unit = pd.Series(occupation.index, index=occupation.index)
    for group, members in occupation[small].groupby("group"):
        if len(members) > 1:
            unit[members.index] = f"{group}*"
    occupation["unit"] = unit
    weight = occupation["employment"].where(
        occupation.groupby("unit")["employment"].transform("sum") > 0, 1.0
    )
    occupation["weight"] = weight
    rows = []
    for name, members in occupation.groupby("unit", sort=True):
        w = members["weight"].to_numpy(float)
        w = w / w.sum()
        age = p.age_shares.loc[members.index].to_numpy(float)
        rows.append(
            {
                "unit": name,
                "members": ", ".join(members.index),
                "group": members["group"].iloc[0],
                "transfer": float(w @ members["transfer"].to_numpy(float)),
                "migrate": float(w @ members["migrate"].to_numpy(float)),
                "grad_share": float(w @ members["grad_share"].to_numpy(float)),
                "vacancies": float(members["vacancies"].sum()),
                "employers": float(members["employers"].max()),
                "base_employment": float(members["employment"].sum()),
                **dict(zip(reference.AGE_BANDS, w @ age, strict=True)),
            }
        )
    units = pd.DataFrame(rows).set_index("unit")
    # Each unit's crosswalk is its members' crosswalks weighted by the graduates they hire (employment × share).
    cw = p.crosswalk.merge(
        occupation[["unit", "weight", "grad_share"]], left_on="occupation", right_index=True
    )
    cw["w"] = cw["weight"] * cw["grad_share"] * cw["share"]
    totals = cw.groupby("unit")["w"].transform("sum")
    fallback = (
        cw["weight"] * cw["share"] / cw.groupby("unit")["weight"].transform("sum").where(lambda s: s > 0, 1)
    )
    cw["share"] = np.where(totals > 0, cw["w"] / totals.where(totals > 0, 1), fallback)
    unit_crosswalk = cw.groupby(["unit", *PROGRAM], as_index=False)["share"].sum()
    return units, unit_crosswalk


def _openings(p: Prepared, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute steps 1–3 per unit, year and scenario.

    Also return the rolled-forward age shares behind each year's exits.
    """
    years = list(range(p.base_year, p.last_year + 1))
    members = {u: m.split(", ") for u, m in units["members"].items()}
    exit_rates = p.exit_rates.to_numpy(float)
    age = units[list(reference.AGE_BANDS)].to_numpy(float)
    backlog = np.zeros(len(years) - 1)
    n = min(len(backlog), len(p.backlog_shares))
    backlog[:n] = p.backlog_shares[:n]
    frames, ages = [], []
    bands = list(reference.AGE_BANDS)
    for scenario in ("low", "base", "high"):
        table = p.employment[scenario].unstack("year").reindex(columns=years)
        employment = np.vstack([table.loc[members[u]].sum(axis=0).to_numpy(float) for u in units.index])
        steps = roll_replacement(
            employment, age, exit_rates, units["transfer"].to_numpy(float), units["migrate"].to_numpy(float)
        )
        replacement = steps["exits"] + steps["transfers"] + steps["migration"]
        backlog_part = units["vacancies"].to_numpy(float)[:, None] * backlog[None, :]
        openings = np.maximum(0.0, steps["expansion"] + replacement) + backlog_part
        for i, unit in enumerate(units.index):
            # Year t's exits come from the age shares at the start of the year, those of t − 1.
            shares = steps["age_shares"][i, :-1]
            ages.append(
                pd.DataFrame(
                    {
                        "occupation": unit,
                        "year": np.repeat(years[1:], len(bands)),
                        "scenario": scenario,
                        "age_band": bands * (len(years) - 1),
                        "previous_employment": np.repeat(employment[i, :-1], len(bands)),
                        "age_share": shares.ravel(),
                        "exit_rate": exit_rates.ravel(),
                        "exits": (employment[i, :-1, None] * shares * exit_rates).ravel(),
                    }
                )
            )
            frames.append(
                pd.DataFrame(
                    {
                        "occupation": unit,
                        "year": years[1:],
                        "scenario": scenario,
                        "employment": employment[i, 1:],
                        "previous_employment": employment[i, :-1],
                        "expansion": steps["expansion"][i],
                        "exits": steps["exits"][i],
                        "transfers": steps["transfers"][i],
                        "migration": steps["migration"][i],
                        "replacement": replacement[i],
                        "backlog": backlog_part[i],
                        "openings": openings[i],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True), pd.concat(ages, ignore_index=True)


def _graduates_wanted(
    openings: pd.DataFrame, units: pd.DataFrame, unit_crosswalk: pd.DataFrame
) -> pd.DataFrame:
    """Step 4: ``N[s, l, t, k] = Σ_o O[o, t, k] · grad_share[o] · M[o, s, l]``."""
    merged = openings[["occupation", "year", "scenario", "openings"]].merge(
        unit_crosswalk.rename(columns={"unit": "occupation"}), on="occupation"
    )
    merged["graduates_wanted"] = (
        merged["openings"] * merged["occupation"].map(units["grad_share"]) * merged["share"]
    )
    return merged.groupby([*PROGRAM, "year", "scenario"], as_index=False, sort=True)["graduates_wanted"].sum()


def _wanted_lookup(wanted: pd.DataFrame) -> pd.Series:
    return wanted.set_index([*PROGRAM, "year", "scenario"])["graduates_wanted"]


def _coverage(p: Prepared, wanted: pd.DataFrame) -> pd.DataFrame:
    """Step 6: ``(pipeline · p_emp · p_field · p_region + other_supply) / N[base]`` with its band."""
    columns = [*PROGRAM, "year", "pipeline", "other_supply", "supply", "demand", "ratio", "band"]
    if p.pipeline is None or p.pipeline.empty:
        return pd.DataFrame(columns=columns)
    pipeline = p.pipeline.groupby([*PROGRAM, "year"], as_index=False)["graduates"].sum()
    pipeline = pipeline[pipeline["year"].between(p.base_year + 1, p.last_year)]
    outcome = p.programs.set_index(PROGRAM)[["p_emp", "p_field", "p_region"]].prod(axis=1).rename("outcome")
    out = pipeline.merge(outcome, left_on=PROGRAM, right_index=True, how="inner")
    other = (
        p.other_supply.groupby([*PROGRAM, "year"])["persons"].sum()
        if len(p.other_supply)
        else pd.Series(dtype=float)
    )
    keys = pd.MultiIndex.from_frame(out[[*PROGRAM, "year"]])
    out["other_supply"] = other.reindex(keys).fillna(0.0).to_numpy(float) if len(other) else 0.0
    out["pipeline"] = out["graduates"].astype(float)
    out["supply"] = out["pipeline"] * out["outcome"] + out["other_supply"]
    lookup = _wanted_lookup(wanted)
    out["demand"] = [
        float(lookup.get((s, lv, y, "base"), 0.0))
        for s, lv, y in zip(out["specialty"], out["level"], out["year"], strict=True)
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ratio"] = np.where(
            out["demand"] > 0, out["supply"] / out["demand"].where(out["demand"] > 0, 1), np.nan
        )
    out["band"] = np.select(
        [out["demand"] <= 0, out["ratio"] < 0.8, out["ratio"] > 1.2],
        ["no_demand", "deficit", "surplus"],
        "balanced",
    )
    return out[columns].sort_values([*PROGRAM, "year"]).reset_index(drop=True)


def _behind(units: pd.DataFrame, unit_crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Sum per program the base-year employment behind it and find the fewest employers reporting it.

    The employment is ``Σ_o E[o] · M[o, s, l]``; the fewest employers reporting any of the program's
    occupations feed the reliability rules.
    """
    links = unit_crosswalk[unit_crosswalk["share"] > 0]
    frame = links.assign(
        employment=links["unit"].map(units["base_employment"]) * links["share"],
        employers=links["unit"].map(units["employers"]),
    )
    return frame.groupby(PROGRAM, as_index=False).agg(
        employment=("employment", "sum"), employers=("employers", "min")
    )


def _target_share(shares: dict[tuple[str, str], float], specialty: str, level: str) -> float:
    """Return the target-training share of a program: its own row, else a ``*`` row, else 0."""
    for key in ((specialty, level), (specialty, "*"), ("*", level), ("*", "*")):
        if key in shares:
            return shares[key]
    return 0.0


def _allocation(p: Prepared, policy: Policy, table: pd.DataFrame) -> pd.DataFrame:
    """Step 11: places per institution, and the target-training part of each.

    Every cell whose quota the institutions cannot take is collected, so one error lists them all.
    """
    target = {
        (str(r.specialty), str(r.level)): float(r.share) for r in p.target_share.itertuples(index=False)
    }
    by_program = {key: frame for key, frame in p.capacity.groupby(PROGRAM, sort=False)}
    rows, infeasible = [], []
    for row in table.itertuples(index=False):
        offered = by_program.get((row.specialty, row.level))
        if offered is None:
            if row.quota > 0:
                infeasible.append(_infeasible(row, policy, None, "no institution offers it"))
            continue
        usable = offered[(offered["capacity"] >= policy.min_group) & (offered["score"] > 0)]
        if row.quota > int(usable["capacity"].sum()):
            infeasible.append(
                _infeasible(
                    row,
                    policy,
                    offered,
                    f"the institutions that can open a group of at least {policy.min_group} have "
                    f"{int(usable['capacity'].sum())} places",
                )
            )
            continue
        try:
            result = allocate(
                int(row.quota),
                offered["capacity"].to_numpy(),
                offered["score"].to_numpy(float),
                min_group=policy.min_group,
                method=policy.apportionment,
            )
        except ConfigError:
            raise
        except ValueError as error:  # capacities that cannot hold the quota in groups of at least min_group
            infeasible.append(_infeasible(row, policy, offered, f"no split fits ({error})"))
            continue
        target_share = _target_share(target, row.specialty, row.level)
        for i, inst in enumerate(offered.itertuples(index=False)):
            places = int(result.places[i])
            rows.append(
                {
                    "institution": inst.institution,
                    "kind": inst.kind,
                    "specialty": row.specialty,
                    "level": row.level,
                    "intake_year": row.intake_year,
                    "capacity": int(inst.capacity),
                    "score": float(inst.score),
                    "exact_share": float(result.exact[i]),
                    "quota": places,
                    "target_quota": round_half_up(target_share * places),
                    "status": result.status[i],
                    "decision": "proposal" if inst.kind == "university" else "region",
                }
            )
    if infeasible:
        raise InfeasibleQuotaError(
            f"{len(infeasible)} quota(s) do not fit the institutions' capacity:\n  "
            + "\n  ".join(infeasible)
            + "\nRaise capacity in Inputs.capacity, lower min_group, or add an institution."
        )
    columns = [
        "institution",
        "kind",
        *PROGRAM,
        "intake_year",
        "capacity",
        "score",
        "exact_share",
        "quota",
        "target_quota",
        "status",
        "decision",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out[["quota", "target_quota", "capacity"]] = out[["quota", "target_quota", "capacity"]].astype(np.int64)
    return out.sort_values(["specialty", "level", "intake_year", "institution"]).reset_index(drop=True)


def _infeasible(row: Any, policy: Policy, offered: pd.DataFrame | None, why: str) -> str:
    """One line of the infeasibility error: the cell, why, and every institution's capacity."""
    listing = (
        ", ".join(f"{r.institution} {r.capacity}" for r in offered.itertuples())
        if offered is not None
        else "none"
    )
    return (
        f"specialty {row.specialty} ({row.level}), intake {row.intake_year}: {row.quota} places, but {why} "
        f"(groups of at least {policy.min_group}; all institutions: {listing})"
    )
