"""Steps 7–10 per program and intake year: need, raw quota, decision, smoothing, and the flags on each row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, raise_problems
from .allocation import round_half_up
from .policy import Policy
from .prepare import PROGRAM, Prepared
from .steps import decide, smooth

__all__ = ["TABLE_COLUMNS", "UNREACHABLE_COLUMNS", "intake_table"]

_HIGHER_EDUCATION = {"bachelor", "specialist", "master"}
_EVERY_YEAR = -1  # a paid row without an intake year applies to every intake year
TABLE_COLUMNS = [
    *PROGRAM,
    "intake_year",
    "graduation_year",
    "duration",
    "graduates_wanted",
    "other_supply",
    "yield",
    "need",
    "need_low",
    "need_high",
    "paid",
    "raw_quota",
    "previous",
    "previous_source",
    "smoothed_quota",
    "quota",
    "low",
    "base",
    "high",
    "small_total",
    "outside_range",
    "employment_behind",
    "reliability",
    "reliability_notes",
    "decision",
]
UNREACHABLE_COLUMNS = [*PROGRAM, "duration", "first_graduation", "last_forecast_year"]


@dataclass(frozen=True)
class _Demand:
    """What one program's rows read: graduates wanted by (year, scenario) and supply from elsewhere by year."""

    wanted: pd.Series  # index (specialty, level, year, scenario)
    other: pd.Series  # index (specialty, level, year)

    def at(self, specialty: str, level: str, year: int) -> tuple[dict[str, float], float]:
        demand = {
            k: float(self.wanted.get((specialty, level, year, k), 0.0)) for k in ("low", "base", "high")
        }
        supply = float(self.other.get((specialty, level, year), 0.0)) if len(self.other) else 0.0
        return demand, supply


def intake_table(
    p: Prepared, policy: Policy, wanted: pd.DataFrame, behind: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute steps 7–10 for every program and intake year, with the reliability and range flags.

    ``behind`` gives per program the base-year employment behind it (``employment``) and the fewest employers
    reporting any of its occupations (``employers``). Returns the quota table and the unreachable programs.
    """
    schedule, unreachable = _schedule(p, policy)
    paid = _paid_by_year(p, schedule)
    demand = _Demand(
        wanted.set_index([*PROGRAM, "year", "scenario"])["graduates_wanted"],
        p.other_supply.groupby([*PROGRAM, "year"])["persons"].sum()
        if len(p.other_supply)
        else pd.Series(dtype=float),
    )
    rows = []
    for program in p.programs.to_dict("records"):
        key = (str(program["specialty"]), str(program["level"]))
        if key in schedule:
            rows.extend(_program_rows(p, policy, program, schedule[key], demand, paid))
    table = pd.DataFrame(rows, columns=[c for c in TABLE_COLUMNS if c not in _FLAGS])
    table = _flag(table, behind, policy)[TABLE_COLUMNS]
    table["quota"] = table["quota"].astype(np.int64)
    return table, pd.DataFrame(unreachable, columns=UNREACHABLE_COLUMNS)


def _schedule(
    p: Prepared, policy: Policy
) -> tuple[dict[tuple[str, str], list[int]], list[dict[str, object]]]:
    """Intake years per program (step 7), and the programs the horizon does not reach."""
    schedule: dict[tuple[str, str], list[int]] = {}
    unreachable: list[dict[str, object]] = []
    for program in p.programs.to_dict("records"):
        s, lv, duration = str(program["specialty"]), str(program["level"]), int(program["duration"])
        years = _intake_years(p, policy, duration, s, lv)
        if years:
            schedule[(s, lv)] = years
        else:
            unreachable.append(
                {
                    "specialty": s,
                    "level": lv,
                    "duration": duration,
                    "first_graduation": p.base_year + 1 + duration,
                    "last_forecast_year": p.last_year,
                }
            )
    return schedule, unreachable


def _intake_years(p: Prepared, policy: Policy, duration: int, specialty: str, level: str) -> list[int]:
    if policy.intake_years is None:
        return list(range(p.base_year + 1, p.last_year - duration + 1))
    for year in policy.intake_years:
        if year <= p.base_year:
            raise ConfigError(
                f"Policy.intake_years: {year} is not after the base year {p.base_year}; quotas are set for future intakes."
            )
        if year + duration > p.last_year:
            raise ConfigError(
                f"Policy.intake_years: specialty {specialty} ({level}) admitted in {year} graduates in "
                f"{year + duration}, after the forecast's last year {p.last_year}; forecast to {year + duration} at "
                f"least, or leave intake_years=None to get every reachable year."
            )
    return list(policy.intake_years)


def _paid_by_year(
    p: Prepared, schedule: dict[tuple[str, str], list[int]]
) -> dict[tuple[str, str, int], float]:
    """Return the expected fee-paying admissions per program and intake year.

    A program given year by year must cover every intake year computed (or have a row for every year): a year
    without a value is an error naming it, never 0. A program not in ``paid`` at all has none (the default).
    """
    given: dict[tuple[str, str, int], float] = {
        (str(r.specialty), str(r.level), int(r.intake_year)): float(r.persons)
        for r in p.paid.itertuples(index=False)
    }
    by_year = {(s, lv) for s, lv, year in given if year != _EVERY_YEAR}
    out: dict[tuple[str, str, int], float] = {}
    problems = []
    for (s, lv), years in schedule.items():
        every = given.get((s, lv, _EVERY_YEAR))
        missing = [a for a in years if (s, lv, a) not in given and every is None]
        if (s, lv) in by_year and missing:
            problems.append(
                f"Inputs.paid: specialty {s} ({lv}) has fee-paying admissions for intake years "
                f"{sorted(y for s2, l2, y in given if (s2, l2) == (s, lv) and y != _EVERY_YEAR)} but not for "
                f"{missing}; add a row for each of those years, or a row without intake_year for every other year."
            )
        for a in years:
            out[(s, lv, a)] = given.get((s, lv, a), every if every is not None else 0.0)
    raise_problems(problems, ConfigError)
    return out


def _program_rows(
    p: Prepared,
    policy: Policy,
    program: dict[str, Any],
    years: list[int],
    demand: _Demand,
    paid: dict[tuple[str, str, int], float],
) -> list[dict[str, object]]:
    """Compute steps 7–10 for one program, intake year after intake year (each smoothed against the last)."""
    s, lv = str(program["specialty"]), str(program["level"])
    duration, program_yield = int(program["duration"]), float(program["yield"])
    given = p.previous.get((s, lv))
    previous = None if given is None or pd.isna(given) else float(given)
    previous_source = "given" if previous is not None else ""
    rows = []
    for a in years:
        g = a + duration
        wanted, supply = demand.at(s, lv, g)
        need = {k: max(0.0, wanted[k] - supply) / program_yield for k in wanted}
        k0 = sorted(max(0.0, need[k] - paid[(s, lv, a)]) for k in need)
        raw = decide(k0, policy.quantile, policy.quantile_range)
        smoothed = smooth(raw, previous, policy.max_change)
        total, small = _whole_places(smoothed, policy)
        needs = sorted(need.values())
        rows.append(
            {
                "specialty": s,
                "level": lv,
                "intake_year": a,
                "graduation_year": g,
                "duration": duration,
                "graduates_wanted": decide(sorted(wanted.values()), policy.quantile, policy.quantile_range),
                "other_supply": supply,
                "yield": program_yield,
                "need": decide(needs, policy.quantile, policy.quantile_range),
                "need_low": needs[0],
                "need_high": needs[2],
                "paid": paid[(s, lv, a)],
                "raw_quota": raw,
                "previous": previous if previous is not None else np.nan,
                "previous_source": previous_source,
                "smoothed_quota": smoothed,
                "quota": total,
                "low": k0[0],
                "base": k0[1],
                "high": k0[2],
                "small_total": small,
                "decision": "proposal" if lv in _HIGHER_EDUCATION else "region",
            }
        )
        # Step 10: the next year chains on this year's smoothed value, before rounding and the min_group rule,
        # so a year dropped as too small does not switch smoothing off for the next one.
        previous, previous_source = smoothed, "chained"
    return rows


def _whole_places(smoothed: float, policy: Policy) -> tuple[int, str]:
    """Step 11's specialty total: rounded half up; below ``min_group`` dropped to 0 or raised to it."""
    total = round_half_up(smoothed)
    if 0 < total < policy.min_group:
        return (0 if policy.small_total == "drop" else policy.min_group), policy.small_total
    return total, ""


_FLAGS = ("outside_range", "employment_behind", "reliability", "reliability_notes")


def _flag(table: pd.DataFrame, behind: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Mark rows whose recommendation leaves the scenario range, and rows of low reliability."""
    out = table.copy()
    out["outside_range"] = [_outside(r) for r in out.to_dict("records")]
    keys = (
        pd.MultiIndex.from_frame(out[PROGRAM]) if len(out) else pd.MultiIndex.from_tuples([], names=PROGRAM)
    )
    indexed = behind.set_index(PROGRAM)
    out["employment_behind"] = indexed["employment"].reindex(keys).fillna(0.0).to_numpy(float)
    employers = indexed["employers"].reindex(keys).to_numpy(float)
    notes = [
        _reliability_notes(employment, low, high, count, policy)
        for employment, low, high, count in zip(
            out["employment_behind"], out["need_low"], out["need_high"], employers, strict=True
        )
    ]
    out["reliability_notes"] = ["; ".join(n) for n in notes]
    out["reliability"] = ["low" if n else "ok" for n in notes]
    return out


def _outside(row: dict[str, Any]) -> str:
    """Why the recommendation lies outside the low–high range of step 9: ``smoothing``, ``small_total`` or ``""``.

    Half a place either side is rounding, not leaving the range.
    """
    if row["low"] - 0.5 <= row["quota"] <= row["high"] + 0.5:
        return ""
    if row["small_total"]:
        return "small_total"
    return "smoothing"


def _reliability_notes(
    employment: float, need_low: float, need_high: float, employers: float, policy: Policy
) -> list[str]:
    """Apply the reliability rules and return the reasons a cell is unreliable.

    The scenario spread is judged on the need, before fee-paying places are taken off: subtracting them would
    make a small raw quota look uncertain however narrow the forecast is.
    """
    reasons = []
    if employment < policy.min_cell:
        reasons.append(f"employment behind it {employment:.0f} < {policy.min_cell:g}")
    if need_high > 2 * need_low:
        reasons.append("high/low need ratio > 2" if need_low > 0 else "low scenario needs no admissions")
    if not np.isnan(employers) and employers < policy.min_employers:
        reasons.append(f"fewer than {policy.min_employers} employers report its occupations")
    return reasons
