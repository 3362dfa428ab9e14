"""Building the quota's inputs from a data bundle and an employment forecast, saying where each value came from."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .. import monitoring, reference
from ..adjust import ADJUSTMENT_COLUMNS
from ..errors import ConfigError, Place
from ..panel import to_annual
from ..schema import ALL, DS, MEAN, MODEL, UNIQUE_ID, check_forecast, infer_freq, key_columns, lo
from ..units import PERSONS, unit_of
from .inputs import Inputs
from .policy import Policy

__all__ = ["inputs_from_bundle"]

_FREQUENCY_WORDS = {"QS": "quarterly", "MS": "monthly"}


def inputs_from_bundle(
    bundle: Any, forecast: pd.DataFrame, *, model: str | None = None, **overrides: Any
) -> Inputs:
    """Build the quota's inputs from a data bundle and a forecast of employment by occupation.

    Shares and scores come from :mod:`staffing_forecast.monitoring` where the bundle has the data, and the
    documented defaults where it does not; ``sources`` says which. Any field can be overridden by keyword.

    Parameters
    ----------
    bundle
        A :class:`~staffing_forecast.Bundle` (``sf.datasets.load_demo()`` or ``sf.load_bundle(folder)``) with
        at least ``employment`` and ``institutions``.
    forecast
        A forecast frame of employment by occupation (``sf.forecast`` of ``sf.aggregate(employment,
        by=["occupation"])``) with ``lo_{L}``/``hi_{L}`` at the policy's interval level (80 by default; pass
        ``interval_level=`` here to use another). It is checked with :func:`~staffing_forecast.check_forecast`;
        a quarterly or monthly forecast becomes the annual average head count (:func:`~staffing_forecast.to_annual`,
        recorded in ``sources``), so short- and long-term forecasts feed the same calculator. A frame without
        occupation keys, starting in the wrong year, or whose level does not match the bundle's employment is a
        :class:`~staffing_forecast.ConfigError`.
    model
        The model whose forecast to use when the frame holds several (``forecast["model"]``).
    overrides
        Fields of :class:`Inputs` to set instead of what the bundle gives; ``interval_level`` is the forecast
        level whose bounds to take, recorded as ``Inputs.interval_level``.

    Examples
    --------
    >>> import staffing_forecast as sf
    >>> demo = sf.datasets.load_demo()
    >>> fc = sf.forecast(sf.aggregate(demo.employment, by=["occupation"]), h=7, models="naive", level=[80])
    >>> inputs = sf.quota.inputs_from_bundle(demo, fc)
    >>> inputs.base_year, inputs.sources["shares"]
    (2025, 'monitoring: sf.monitoring.quota_shares (graduates 2023–2025, admissions)')
    """
    level = int(overrides.pop("interval_level", Policy().interval_level))
    unknown = set(overrides) - set(Inputs.__dataclass_fields__)
    if unknown:
        raise ConfigError(
            f"inputs_from_bundle: unknown field(s) {sorted(unknown)}; see help(sf.quota.Inputs)."
        )
    if getattr(bundle, "employment", None) is None:
        raise ConfigError("inputs_from_bundle: the bundle has no employment table.")
    employment = bundle.employment
    units = {unit_of(employment), unit_of(forecast)} - {PERSONS}
    if units:  # the method counts people and places: thousands read as persons would be a quota 1,000 times short
        raise ConfigError(
            f"inputs_from_bundle: employment or its forecast is in {units.pop()}, but the quota counts persons; "
            "give employment in persons (unit='чел.'), or turn the quota off ([quota] enabled = false)."
        )
    if infer_freq(employment) != "YS":  # the method's E is the annual average head count
        employment = to_annual(employment, "stock", partial="drop")
    actuals = employment.groupby(["occupation", employment[DS].dt.year])["y"].sum()
    actuals.index = actuals.index.set_names(["occupation", "year"])
    base_year = int(actuals.index.get_level_values("year").max())
    sources: dict[str, str] = {}
    values: dict[str, Any] = {"base_year": base_year, "interval_level": level}
    annual, conversion = _annual_forecast(forecast, level, model)
    values["employment"] = _employment(annual, actuals, base_year, level)
    sources["employment"] = (
        f"bundle employment to {base_year}, then the forecast (mean and {level} % interval)"
        + _employment_basis(annual)
        + conversion
    )
    values["adjustments"] = _adjustments(annual)
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
            "inputs_from_bundle: the bundle has no institutions table, so there is no capacity."
        )
    values["capacity"] = bundle.institutions[["institution", "specialty", "level", "capacity", "kind"]].copy()
    if "name" in bundle.institutions.columns:  # the quota workbook names each institution beside its code
        values["capacity"]["name"] = bundle.institutions["name"].astype(str).to_numpy()
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
    return Inputs(**values)


def _annual_forecast(forecast: pd.DataFrame, level: int, model: str | None) -> tuple[pd.DataFrame, str]:
    """Check the forecast at the door, keep one model, and make it annual; say what was done."""
    if not isinstance(forecast, pd.DataFrame):
        raise ConfigError(
            f"inputs_from_bundle: the employment forecast must be a DataFrame, got {type(forecast).__name__}."
        )
    if "occupation" not in forecast.columns or (forecast["occupation"].astype(str) == "*").all():
        raise ConfigError(
            "inputs_from_bundle: the forecast has no occupation keys; the quota needs employment by occupation: "
            "sf.forecast(sf.aggregate(bundle.employment, by=['occupation']), h=7, level=[80])."
        )
    low, high = lo(level), f"hi_{level}"
    missing = [c for c in (DS, MEAN, low, high) if c not in forecast.columns]
    if missing:
        have = sorted(int(m.group(1)) for c in forecast.columns if (m := re.fullmatch(r"lo_(\d+)", str(c))))
        raise ConfigError(
            f"inputs_from_bundle: the forecast lacks {missing}; forecast with level=[{level}] (it has levels {have}), "
            "or pass interval_level= to match."
        )
    check_forecast(forecast, level=[level], place=Place("employment forecast", in_file=False))
    models = sorted(forecast[MODEL].astype(str).unique())
    if model is not None:
        if model not in models:
            raise ConfigError(f"inputs_from_bundle: model={model!r} is not in the forecast; it has {models}.")
        forecast = forecast[forecast[MODEL].astype(str) == model]
    elif len(models) > 1 and forecast.duplicated([UNIQUE_ID, DS]).any():
        # several models for the same series; one model per series (a reconciled hierarchy) is one forecast
        raise ConfigError(
            f"inputs_from_bundle: the forecast holds {len(models)} models {models}; the quota needs one forecast per "
            f"occupation and year. Say which to keep: inputs_from_bundle(bundle, forecast, model={models[0]!r})."
        )
    duplicated = forecast.duplicated([UNIQUE_ID, DS])
    if duplicated.any():
        row = forecast[duplicated].iloc[0]
        raise ConfigError(
            f"inputs_from_bundle: series {row[UNIQUE_ID]!r} has {pd.Timestamp(row[DS]).date()} more than once; "
            "give one forecast per series and date."
        )
    freq = infer_freq(forecast)
    if freq == "YS":
        return forecast, ""
    columns = [c for c in (MEAN, low, high, "original_mean") if c in forecast.columns]
    keys = forecast[[UNIQUE_ID, DS, "occupation"]].assign(occupation=forecast["occupation"].astype(str))
    annual = None
    for column in columns:
        part = to_annual(keys.assign(y=forecast[column].astype(float)), "stock", partial="drop")
        part = part.rename(columns={"y": column})
        annual = part if annual is None else annual.merge(part[[UNIQUE_ID, DS, column]], on=[UNIQUE_ID, DS])
    if annual is None or annual.empty:
        raise ConfigError(
            f"inputs_from_bundle: the {_FREQUENCY_WORDS[freq]} forecast covers no whole calendar year; forecast at "
            "least to the end of a year."
        )
    if "adjustment" in forecast.columns:
        annual = annual.merge(_adjustment_text(forecast), on=[UNIQUE_ID, DS], how="left")
    kept = sorted(annual[DS].dt.year.unique())
    return annual, (
        f"; the {_FREQUENCY_WORDS[freq]} forecast averaged over each calendar year (annual average head count, "
        f"sf.to_annual), years {kept[0]}–{kept[-1]}"
    )


def _adjustment_text(forecast: pd.DataFrame) -> pd.DataFrame:
    """Join the adjustments and reasons of a sub-annual forecast per calendar year."""
    text = forecast[[UNIQUE_ID, DS, "adjustment", "reason"]].copy()
    text[DS] = pd.to_datetime(text[DS].dt.year.astype(str) + "-01-01").astype("datetime64[ns]")
    text[["adjustment", "reason"]] = text[["adjustment", "reason"]].fillna("").astype(str)
    return text.groupby([UNIQUE_ID, DS], as_index=False).agg(
        {c: lambda v: "; ".join(dict.fromkeys(x for x in v if x)) for c in ("adjustment", "reason")}
    )


def _employment(forecast: pd.DataFrame, actuals: pd.Series, base_year: int, level: int) -> pd.DataFrame:
    low, high = lo(level), f"hi_{level}"
    frame = forecast.copy()
    frame["occupation"] = frame["occupation"].astype(str)
    totals = occupation_totals(frame)
    if totals.any():
        # A forecast of a hierarchy (sf.reconcile) carries the occupation totals with their own intervals.
        frame = frame[totals].drop_duplicates(["occupation", DS])
    elif [c for c in ("region", "sector", "employer") if c in frame and (frame[c].astype(str) != "*").any()]:
        # Employer-level rows only: summing bounds treats their errors as perfectly correlated (a wide range).
        frame = frame.groupby(["occupation", DS], as_index=False)[[MEAN, low, high]].sum()
    frame["year"] = pd.to_datetime(frame[DS]).dt.year
    first = int(frame["year"].min())
    if first != base_year + 1:
        raise ConfigError(
            f"inputs_from_bundle: the forecast starts in {first}, but the bundle's employment ends in {base_year}; "
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
                f"inputs_from_bundle: the forecast's first year is {ratio:.2f} × the bundle's employment in "
                f"{base_year} (median over occupations); it does not look like a forecast of employment (vacancies "
                "or hires?). Forecast the employment table aggregated by occupation."
            )
    missing_occupations = sorted(set(actuals.index.get_level_values(0)) - set(frame["occupation"]))
    if missing_occupations:
        raise ConfigError(
            f"inputs_from_bundle: the forecast has no series for occupation(s) {missing_occupations}, which the "
            "bundle employs; forecast every occupation."
        )
    history = actuals.rename("base").reset_index()
    history = history[history["year"] <= base_year].assign(low=lambda d: d["base"], high=lambda d: d["base"])
    future = frame.rename(columns={MEAN: "base", low: "low", high: "high"})[
        ["occupation", "year", "low", "base", "high"]
    ]
    return pd.concat([history[["occupation", "year", "low", "base", "high"]], future], ignore_index=True)


def _employment_basis(forecast: pd.DataFrame) -> str:
    """How the occupation level was taken from the forecast, for ``sources``."""
    totals = occupation_totals(forecast)
    if totals.all():
        return ""
    if totals.any():
        return "; the occupation totals of a hierarchy forecast (sf.reconcile), with their own intervals"
    return "; employer forecasts summed by occupation, bounds summed (errors taken as perfectly correlated)"


def occupation_totals(forecast: pd.DataFrame) -> pd.Series:
    """Mark the rows of a forecast that are occupation totals.

    Such a row has an occupation and every other key summed (``*``) except the region and the occupation group
    (the levels of an ``sf.Hierarchy`` over employers × occupations). The text columns ``sf.adjust`` adds
    (``adjustment``, ``reason``) are not keys.
    """
    keep = forecast["occupation"].astype(str) != ALL
    for column in key_columns(forecast):
        if column not in ("occupation", "occupation_group", "region", *ADJUSTMENT_COLUMNS):
            keep &= forecast[column].astype(str) == ALL
    return keep


def _adjustments(forecast: pd.DataFrame) -> pd.DataFrame | None:
    """Return the rows ``sf.adjust`` changed.

    ``adjustment`` is its text ("delta +40"), empty where nothing was done.
    """
    if "adjustment" not in forecast.columns:
        return None
    done = forecast["adjustment"].fillna("").astype(str).str.strip() != ""
    adjusted = forecast[done]
    if adjusted.empty:
        return None
    return pd.DataFrame(
        {
            "occupation": adjusted["occupation"].astype(str),
            "year": pd.to_datetime(adjusted[DS]).dt.year,
            "original_mean": adjusted["original_mean"].astype(float),
            "adjusted_by": adjusted[MEAN].astype(float) - adjusted["original_mean"].astype(float),
            "adjustment": adjusted["adjustment"].astype(str),
            "reason": adjusted["reason"].astype(str) if "reason" in adjusted.columns else "",
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
