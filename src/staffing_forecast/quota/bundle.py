"""Building the quota's inputs from a data bundle and an employment forecast, saying where each value came from."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import monitoring, reference
from ..errors import ConfigError
from ..schema import DS, MEAN, lo
from .policy import Policy

if TYPE_CHECKING:
    from .inputs import Inputs

__all__ = ["inputs_from_bundle"]


def inputs_from_bundle(cls: type[Inputs], bundle: Any, forecast: pd.DataFrame, **overrides: Any) -> Inputs:
    """See :meth:`Inputs.from_bundle`."""
    level = int(overrides.pop("interval_level", Policy().interval_level))
    unknown = set(overrides) - {f for f in cls.__dataclass_fields__}
    if unknown:
        raise ConfigError(
            f"Inputs.from_bundle: unknown field(s) {sorted(unknown)}; see help(sf.quota.Inputs)."
        )
    if getattr(bundle, "employment", None) is None:
        raise ConfigError("Inputs.from_bundle: the bundle has no employment table.")
    actuals = bundle.employment.groupby(["occupation", bundle.employment[DS].dt.year])["y"].sum()
    actuals.index = actuals.index.set_names(["occupation", "year"])
    base_year = int(actuals.index.get_level_values("year").max())
    sources: dict[str, str] = {}
    values: dict[str, Any] = {"base_year": base_year}
    values["employment"] = _employment(forecast, actuals, base_year, level)
    sources["employment"] = (
        f"bundle employment to {base_year}, then the forecast (mean and {level} % interval)"
    )
    values["adjustments"] = _adjustments(forecast)
    if values["adjustments"] is not None:
        sources["adjustments"] = "the forecast's manual adjustments (sf.adjust)"

    crosswalk = bundle.crosswalk if getattr(bundle, "crosswalk", None) is not None else reference.crosswalk()
    sources["crosswalk"] = (
        "bundle crosswalk table"
        if getattr(bundle, "crosswalk", None) is not None
        else ("reference: sf.reference.crosswalk() (an assumption)")
    )
    values["crosswalk"] = crosswalk

    if getattr(bundle, "institutions", None) is None:
        raise ConfigError(
            "Inputs.from_bundle: the bundle has no institutions table, so there is no capacity."
        )
    values["capacity"] = bundle.institutions[["institution", "specialty", "level", "capacity", "kind"]].copy()
    sources["capacity"] = "bundle institutions table"

    if getattr(bundle, "age", None) is not None and len(bundle.age):
        values["age_shares"], sources["age_shares"] = _age_shares(
            bundle.age, actuals.index.get_level_values(0).unique()
        )
    if getattr(bundle, "vacancies", None) is not None:
        vac = bundle.vacancies[bundle.vacancies[DS].dt.year == base_year].groupby("occupation")["y"].sum()
        values["vacancies"] = {str(k): float(v) for k, v in vac.items()}
        sources["vacancies"] = f"bundle vacancies table, {base_year}"
    employers = bundle.employment[(bundle.employment[DS].dt.year == base_year) & (bundle.employment["y"] > 0)]
    values["employers"] = {
        str(k): int(v) for k, v in employers.groupby("occupation")["employer"].nunique().items()
    }
    sources["employers"] = f"employers reporting each occupation in {base_year} (employment table)"

    if getattr(bundle, "graduates", None) is not None and len(bundle.graduates):
        shares = monitoring.quota_shares(bundle, programs=crosswalk)
        values["shares"] = shares
        years = sorted(bundle.graduates["year"].unique())[-3:]
        sources["shares"] = f"monitoring: sf.monitoring.quota_shares (graduates {years[0]}–{years[-1]}" + (
            ", admissions)" if getattr(bundle, "admissions", None) is not None else ")"
        )
        scores = monitoring.institution_scores(bundle)
        values["scores"], sources["scores"] = _scores(scores, values["capacity"])
    else:
        sources["shares"] = "reference: sf.reference.outcome_defaults() (no graduates table)"
    if getattr(bundle, "enrolment", None) is not None and len(bundle.enrolment):
        values["pipeline"], sources["pipeline"] = _pipeline(bundle.enrolment, values.get("shares"))
    if getattr(bundle, "admissions", None) is not None and len(bundle.admissions):
        admissions = bundle.admissions
        recent = sorted(admissions["year"].unique())[-3:]
        last = admissions[admissions["year"].isin(recent)]
        paid = last.groupby(["specialty", "level", "year"])["paid"].sum().groupby(level=[0, 1]).mean()
        values["paid"] = paid.rename("persons").reset_index()
        sources["paid"] = f"average fee-paying admissions {recent[0]}–{recent[-1]} (admissions table)"
        latest = admissions[admissions["year"] == recent[-1]].groupby(["specialty", "level"])["budget"].sum()
        values["previous"] = latest.rename("quota").reset_index()
        sources["previous"] = f"state-funded admissions {recent[-1]} (admissions table)"
    values |= overrides
    for name in overrides:
        sources[name] = "given (override)"
    values["sources"] = sources | dict(overrides.get("sources", {}))
    return cls(**values)


def _employment(forecast: pd.DataFrame, actuals: pd.Series, base_year: int, level: int) -> pd.DataFrame:
    if not isinstance(forecast, pd.DataFrame):
        raise ConfigError(
            f"Inputs.from_bundle: the employment forecast must be a DataFrame, got {type(forecast).__name__}."
        )
    if "occupation" not in forecast.columns or (forecast["occupation"].astype(str) == "*").all():
        raise ConfigError(
            "Inputs.from_bundle: the forecast has no occupation keys; the quota needs employment by occupation: "
            "sf.forecast(sf.aggregate(bundle.employment, by=['occupation']), h=7, level=[80])."
        )
    low, high = lo(level), f"hi_{level}"
    missing = [c for c in (DS, MEAN, low, high) if c not in forecast.columns]
    if missing:
        have = sorted(int(m.group(1)) for c in forecast.columns if (m := re.fullmatch(r"lo_(\d+)", str(c))))
        raise ConfigError(
            f"Inputs.from_bundle: the forecast lacks {missing}; forecast with level=[{level}] (it has levels {have}), "
            "or pass interval_level= to match."
        )
    other_keys = [c for c in ("region", "sector", "employer") if c in forecast.columns]
    detailed = [c for c in other_keys if (forecast[c].astype(str) != "*").any()]
    frame = forecast.copy()
    frame["occupation"] = frame["occupation"].astype(str)
    if detailed:
        frame = frame.groupby(["occupation", DS], as_index=False)[[MEAN, low, high]].sum()
    frame["year"] = pd.to_datetime(frame[DS]).dt.year
    first = int(frame["year"].min())
    if first != base_year + 1:
        raise ConfigError(
            f"Inputs.from_bundle: the forecast starts in {first}, but the bundle's employment ends in {base_year}; "
            f"forecast from {base_year + 1} on, from the same employment data."
        )
    base = actuals.xs(base_year, level="year")
    step = frame[frame["year"] == first].set_index("occupation")[MEAN]
    both = pd.concat([base.rename("actual"), step.rename("forecast")], axis=1).dropna()
    both = both[both["actual"] > 0]
    if len(both):
        ratio = float((both["forecast"] / both["actual"]).median())
        if not 0.5 <= ratio <= 2.0:
            raise ConfigError(
                f"Inputs.from_bundle: the forecast's first year is {ratio:.2f} × the bundle's employment in "
                f"{base_year} (median over occupations); it does not look like a forecast of employment (vacancies "
                "or hires?). Forecast the employment table aggregated by occupation."
            )
    missing_occupations = sorted(set(actuals.index.get_level_values(0)) - set(frame["occupation"]))
    if missing_occupations:
        raise ConfigError(
            f"Inputs.from_bundle: the forecast has no series for occupation(s) {missing_occupations}, which the "
            "bundle employs; forecast every occupation."
        )
    history = actuals.rename("base").reset_index()
    history = history[history["year"] <= base_year].assign(low=lambda d: d["base"], high=lambda d: d["base"])
    future = frame.rename(columns={MEAN: "base", low: "low", high: "high"})[
        ["occupation", "year", "low", "base", "high"]
    ]
    return pd.concat([history[["occupation", "year", "low", "base", "high"]], future], ignore_index=True)


def _adjustments(forecast: pd.DataFrame) -> pd.DataFrame | None:
    if "adjustment" not in forecast.columns:
        return None
    adjusted = forecast[forecast["adjustment"].fillna(0) != 0]
    if adjusted.empty:
        return None
    return pd.DataFrame(
        {
            "occupation": adjusted["occupation"].astype(str),
            "year": pd.to_datetime(adjusted[DS]).dt.year,
            "original_mean": adjusted["original_mean"],
            "adjustment": adjusted["adjustment"],
            "reason": adjusted.get("reason", ""),
        }
    ).reset_index(drop=True)


def _age_shares(age: pd.DataFrame, occupations: pd.Index) -> tuple[pd.DataFrame, str]:
    year = int(age["year"].max())
    latest = age[age["year"] == year]
    by_occupation = latest.groupby(["occupation", "age_band"])["persons"].sum()
    totals = by_occupation.groupby(level=0).transform("sum")
    shares = (by_occupation / totals).rename("share").reset_index()
    shares = shares[shares["occupation"].isin(totals[totals > 0].index.get_level_values(0))]
    regional = latest.groupby("age_band")["persons"].sum()
    regional = regional / regional.sum()
    missing = [o for o in occupations if o not in set(shares["occupation"])]
    extra = pd.DataFrame(
        [
            {"occupation": o, "age_band": b, "share": float(regional.get(b, 0.0))}
            for o in missing
            for b in reference.AGE_BANDS
        ]
    )
    source = f"bundle age table, {year}"
    if missing:
        source += f"; regional average for {missing}"
    return pd.concat([shares, extra], ignore_index=True), source


def _scores(scores: pd.DataFrame, capacity: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    keys = ["institution", "specialty", "level"]
    merged = capacity[keys].merge(scores[[*keys, "score"]], on=keys, how="left")
    median = merged.groupby(["specialty", "level"])["score"].transform("median")
    lacking = merged["score"].isna()
    merged["score"] = merged["score"].fillna(median).fillna(1.0)
    source = "monitoring: sf.monitoring.institution_scores (last 3 years)"
    if lacking.any():
        names = ", ".join(f"{r.institution} {r.specialty} ({r.level})" for r in merged[lacking].itertuples())
        source += f"; no data for {names}: the median score of the specialty (else 1)"
    return merged, source


def _pipeline(enrolment: pd.DataFrame, shares: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """Graduates expected from the students enrolled in the latest year: students × completion still to go."""
    year = int(enrolment["year"].max())
    latest = enrolment[enrolment["year"] == year]
    durations = reference.durations()[["specialty", "level", "form", "years"]]
    frame = latest.merge(durations, on=["specialty", "level", "form"], how="inner")
    completion = (
        shares.set_index(["specialty", "level"])["completion"]
        if shares is not None
        else reference.outcome_defaults().set_index("level")["completion"]
    )
    if shares is not None:
        overall = np.array(
            [
                completion.get((s, lv), np.nan)
                for s, lv in zip(frame["specialty"], frame["level"], strict=True)
            ]
        )
    else:
        overall = frame["level"].map(completion).to_numpy(float)
    remaining = (frame["years"] - frame["course"] + 1).clip(lower=0)
    # A cohort's completion spread evenly over its years: the share still to go is completion^(years left / D).
    frame["graduates"] = frame["students"] * np.power(
        np.nan_to_num(overall, nan=1.0), remaining / frame["years"]
    )
    frame["year"] = year + remaining
    out = (
        frame[frame["course"] <= frame["years"]]
        .groupby(["specialty", "level", "year"], as_index=False)["graduates"]
        .sum()
    )
    return out, f"bundle enrolment table, {year}: students by course × completion still to go"
