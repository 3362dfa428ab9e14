"""Checking and normalising the quota's inputs: every inconsistency is an error naming what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import reference
from ..errors import ConfigError, InfeasibleQuotaError, raise_problems
from .inputs import DEFAULT_AGE_SHARES, Inputs
from .policy import Policy

__all__ = ["PROGRAM", "SHARES", "Prepared", "prepare"]

PROGRAM = ["specialty", "level"]
SHARES = ("completion", "p_emp", "p_field", "p_region")
_DEFAULT_RATES = {"transfer": 0.02, "migrate": 0.01, "grad_share": 0.5}


@dataclass
class Prepared:
    """Inputs checked and put in one shape: frames indexed by their keys, per-occupation values as Series."""

    base_year: int
    last_year: int
    employment: pd.DataFrame  # index (occupation, year); low, base, high
    crosswalk: pd.DataFrame  # occupation, specialty, level, share
    programs: pd.DataFrame  # specialty, level, duration, the shares with bounds and sources, yield
    occupation: pd.DataFrame  # index occupation: group, transfer, migrate, grad_share, vacancies, employers
    age_shares: pd.DataFrame  # index occupation, columns AGE_BANDS
    exit_rates: pd.DataFrame  # index year, columns AGE_BANDS
    capacity: pd.DataFrame  # institution, specialty, level, capacity, kind, score
    pipeline: pd.DataFrame | None
    other_supply: pd.DataFrame  # specialty, level, year, persons
    paid: pd.DataFrame  # specialty, level, intake_year (or -1 for every year), persons
    target_share: pd.DataFrame  # specialty, level, share
    previous: pd.Series  # index (specialty, level) → last quota
    adjustments: pd.DataFrame | None
    backlog_shares: tuple[float, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)


def _columns(frame: object, name: str, required: list[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(
            f"Inputs.{name} must be a pandas DataFrame with columns {required}, got {type(frame).__name__}."
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ConfigError(f"Inputs.{name} lacks column(s) {missing}; it needs {required}.")
    out = frame.reset_index(drop=True).copy()
    for column in ("occupation", "specialty", "level", "institution", "age_band"):
        if column in out.columns:
            out[column] = out[column].astype(str)
    return out


def _per_occupation(value: float | Mapping[str, float] | None, name: str, occupations: pd.Index) -> pd.Series:
    default = _DEFAULT_RATES.get(name, 0.0)
    if value is None:
        return pd.Series(0.0 if name == "vacancies" else default, index=occupations)
    if isinstance(value, Mapping):
        fallback = float(value.get("*", 0.0 if name == "vacancies" else default))
        out = pd.Series({o: float(value.get(o, fallback)) for o in occupations}, dtype=float)
    else:
        out = pd.Series(float(value), index=occupations)
    if name != "vacancies":
        bad = out[(out < 0) | (out > 1) | out.isna()]
        if len(bad):
            raise ConfigError(
                f"Inputs.{name}: occupation {bad.index[0]} has {bad.iloc[0]:g}, outside 0–1; {name} is a share."
            )
    elif (out < 0).any() or out.isna().any():
        raise ConfigError(
            f"Inputs.vacancies: occupation {out[(out < 0) | out.isna()].index[0]} has a negative or missing count."
        )
    return out


def prepare(inputs: Inputs, policy: Policy) -> Prepared:
    """Check ``inputs`` against each other and the policy; return them normalised for :func:`compute`."""
    sources = dict(inputs.sources)
    base_year = int(inputs.base_year)
    employment = _employment(inputs, base_year)
    last_year = int(employment.index.get_level_values("year").max())
    occupations = employment.index.get_level_values("occupation").unique().sort_values()
    crosswalk = _crosswalk(inputs, occupations, employment, sources)
    programs = (
        pd.concat(
            [
                crosswalk[PROGRAM],
                _columns(inputs.capacity, "capacity", ["institution", *PROGRAM, "capacity"])[PROGRAM],
            ]
        )
        .drop_duplicates()
        .sort_values(PROGRAM)
        .reset_index(drop=True)
    )
    programs = _program_table(inputs, programs, sources)
    occupation = pd.DataFrame(index=occupations)
    groups = reference.occupations().set_index("occupation")["group"]
    unknown = [o for o in occupations if o not in groups.index]
    if unknown:
        raise ConfigError(
            f"Inputs.employment: occupation(s) {unknown} are not ОКЗ codes of sf.reference.occupations(); "
            "the quota needs them to find each occupation's group."
        )
    occupation["group"] = groups.reindex(occupations).to_numpy()
    for name in ("transfer", "migrate", "grad_share", "vacancies"):
        occupation[name] = _per_occupation(getattr(inputs, name), name, occupations)
        sources.setdefault(
            name,
            "default (assumption)" if getattr(inputs, name) in (None, _DEFAULT_RATES.get(name)) else "given",
        )
    if inputs.employers is not None:
        occupation["employers"] = [int(inputs.employers.get(o, 0)) for o in occupations]
    else:
        occupation["employers"] = np.nan
        sources.setdefault("employers", "not known: the reliability rule on employers is skipped")
    for name, text in (
        ("paid", "default: no fee-paying admissions"),
        ("other_supply", "default: no graduates from elsewhere"),
        ("pipeline", "not given: coverage is not computed"),
        ("previous", "not given: no smoothing in the first intake year"),
        ("population", "not given: the scope is the surveyed employers"),
        ("adjustments", "none"),
    ):
        if getattr(inputs, name) is None:
            sources.setdefault(name, text)
    for name in ("paid", "other_supply", "pipeline", "previous", "population"):
        sources.setdefault(name, "given")
    if isinstance(inputs.target_share, float) and inputs.target_share == 0:
        sources.setdefault("target_share", "default: no target training")
    backlog = inputs.backlog_shares
    if any(not 0 <= s <= 1 for s in backlog) or sum(backlog) > 1 + 1e-9:
        raise ConfigError(
            f"Inputs.backlog_shares={backlog}: each share must lie in 0–1 and together sum to at most 1."
        )
    return Prepared(
        base_year=base_year,
        last_year=last_year,
        employment=employment,
        crosswalk=crosswalk,
        programs=programs,
        occupation=occupation,
        age_shares=_age_shares(inputs, occupations, sources),
        exit_rates=_exit_rates(inputs, base_year, last_year, sources),
        capacity=_capacity(inputs, sources),
        pipeline=_pipeline(inputs),
        other_supply=_program_values(inputs.other_supply, "other_supply", ["year", "persons"]),
        paid=_paid(inputs),
        target_share=_target_share(inputs),
        previous=_previous(inputs),
        adjustments=_adjustments(inputs, employment),
        backlog_shares=backlog,
        sources=sources,
    )


def _employment(inputs: Inputs, base_year: int) -> pd.DataFrame:
    frame = _columns(inputs.employment, "employment", ["occupation", "year", "low", "base", "high"])
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    values = frame[["low", "base", "high"]].apply(pd.to_numeric, errors="coerce")
    problems: list[str] = []
    for row in frame.index[values.isna().any(axis=1) | frame["year"].isna()][:10]:
        problems.append(
            f"Inputs.employment, row {row} (occupation {frame.at[row, 'occupation']}): a year or value is missing or not a number."
        )
    raise_problems(problems, ConfigError)
    frame[["low", "base", "high"]] = values.astype(float)
    frame["year"] = frame["year"].astype(int)
    for row in frame.index[(values < 0).any(axis=1)][:10]:
        problems.append(
            f"Inputs.employment, occupation {frame.at[row, 'occupation']}, year {frame.at[row, 'year']}: negative employment."
        )
    disorder = (frame["low"] > frame["base"] + 1e-9) | (frame["base"] > frame["high"] + 1e-9)
    for row in frame.index[disorder][:10]:
        problems.append(
            f"Inputs.employment, occupation {frame.at[row, 'occupation']}, year {frame.at[row, 'year']}: "
            f"low ≤ base ≤ high does not hold ({frame.at[row, 'low']:g}, {frame.at[row, 'base']:g}, {frame.at[row, 'high']:g})."
        )
    duplicated = frame.duplicated(["occupation", "year"], keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        problems.append(
            f"Inputs.employment: occupation {first['occupation']} has year {first['year']} more than once."
        )
    raise_problems(problems, ConfigError)
    if inputs.population is not None:
        base = frame[frame["year"] == base_year].set_index("occupation")["base"]
        for occupation, total in inputs.population.items():
            if occupation not in base.index or not base[occupation] > 0:
                raise ConfigError(
                    f"Inputs.population: occupation {occupation} has no base-year employment to scale to {total:g}."
                )
        factor = frame["occupation"].map({o: t / base[o] for o, t in inputs.population.items()}).fillna(1.0)
        frame[["low", "base", "high"]] = frame[["low", "base", "high"]].mul(factor, axis=0)
    frame = frame.set_index(["occupation", "year"]).sort_index()[["low", "base", "high"]]
    for occupation, rows in frame.groupby(level="occupation"):
        years = rows.index.get_level_values("year")
        if base_year not in years:
            raise ConfigError(
                f"Inputs.employment: occupation {occupation} has no value for the base year {base_year}; "
                "give the actuals up to the base year and the forecast after it."
            )
        ahead = years[years >= base_year]
        if ahead.max() <= base_year:
            raise ConfigError(
                f"Inputs.employment: occupation {occupation} has no forecast after the base year {base_year}."
            )
        if list(ahead) != list(range(base_year, int(ahead.max()) + 1)):
            raise ConfigError(
                f"Inputs.employment: occupation {occupation} has gaps in its years after {base_year}: {list(ahead)}."
            )
    last = (
        frame.index.get_level_values("year")
        .to_series()
        .groupby(frame.index.get_level_values("occupation"))
        .max()
    )
    if last.nunique() > 1:
        raise ConfigError(
            f"Inputs.employment: the forecasts end in different years ({last.to_dict()}); forecast every occupation "
            "to the same horizon."
        )
    return frame


def _crosswalk(
    inputs: Inputs, occupations: pd.Index, employment: pd.DataFrame, sources: dict[str, str]
) -> pd.DataFrame:
    if inputs.crosswalk is None:
        frame = reference.crosswalk()
        sources.setdefault("crosswalk", "reference: sf.reference.crosswalk() (an assumption)")
    else:
        frame = inputs.crosswalk
        sources.setdefault("crosswalk", "given")
    frame = _columns(frame, "crosswalk", ["occupation", *PROGRAM, "share"])
    frame["share"] = pd.to_numeric(frame["share"], errors="coerce")
    bad = frame[(frame["share"] < 0) | (frame["share"] > 1) | frame["share"].isna()]
    if len(bad):
        row = bad.iloc[0]
        raise ConfigError(
            f"Inputs.crosswalk: occupation {row['occupation']} → specialty {row['specialty']} ({row['level']}) has "
            f"share {row['share']!r}, outside 0–1."
        )
    sums = frame.groupby("occupation")["share"].sum()
    off = sums[(sums - 1).abs() > 1e-6]
    if len(off):
        raise ConfigError(
            f"Inputs.crosswalk: the shares of occupation {off.index[0]} sum to {off.iloc[0]:.4g}, not 1; each "
            "occupation's graduate hires must be split completely across specialties and levels."
        )
    employed = employment.groupby(level="occupation")["high"].max()
    lacking = [o for o in occupations if employed[o] > 0 and o not in sums.index]
    if lacking:
        raise ConfigError(
            f"Inputs.crosswalk: occupation(s) {lacking} have employment but no crosswalk row, so their openings "
            "could not be turned into graduates wanted; add rows for them (shares summing to 1)."
        )
    return frame[frame["occupation"].isin(occupations)].reset_index(drop=True)


def _program_table(inputs: Inputs, programs: pd.DataFrame, sources: dict[str, str]) -> pd.DataFrame:
    durations = inputs.durations if inputs.durations is not None else reference.durations()
    durations = _columns(durations, "durations", [*PROGRAM, "form", "years"])
    durations = durations[durations["form"] == inputs.form].set_index(PROGRAM)["years"]
    out = programs.copy()
    out["duration"] = [
        durations.get((s, lv), np.nan) for s, lv in zip(out["specialty"], out["level"], strict=True)
    ]
    out["duration"] = _whole_years(out, inputs.form)
    out = _shares(inputs, out, sources)
    out["yield"] = out["completion"] * out["p_emp"] * out["p_field"] * out["p_region"]
    problems = [
        f"specialty {row['specialty']} ({row['level']}): the yield per admitted student is 0 because "
        f"{', '.join(s for s in SHARES if row[s] <= 0)} = 0 (Inputs.shares), so no number of admissions meets any "
        "demand; check the monitoring data or set the share."
        for _, row in out[out["yield"] <= 0].iterrows()
    ]
    raise_problems(problems, InfeasibleQuotaError)  # every program at once
    return out


def _shares(inputs: Inputs, programs: pd.DataFrame, sources: dict[str, str]) -> pd.DataFrame:
    """Return the four shares of step 5 per program, with bounds and the source of each value.

    A program missing from ``Inputs.shares`` takes the reference default of its level; a blank or non-numeric cell
    of a program that is there is an error, unless ``Inputs.fill_shares`` asks for the default explicitly.
    """
    defaults = reference.outcome_defaults().set_index("level")
    out = programs.copy()
    index = pd.MultiIndex.from_frame(out[PROGRAM])
    given = None
    if inputs.shares is not None:
        given = (
            _columns(inputs.shares, "shares", [*PROGRAM, *SHARES]).drop_duplicates(PROGRAM).set_index(PROGRAM)
        )
    listed = index.isin(given.index) if given is not None else np.zeros(len(out), bool)

    def given_column(column: str) -> np.ndarray:
        if given is None or column not in given.columns:
            return np.full(len(out), np.nan)
        return pd.to_numeric(given[column], errors="coerce").reindex(index).to_numpy(float)

    problems = []
    for share in SHARES:
        values = given_column(share)
        blank = listed & np.isnan(values)
        if blank.any() and not inputs.fill_shares:
            raw = given[share].reindex(index) if given is not None else None
            for i in np.flatnonzero(blank):
                problems.append(
                    f"Inputs.shares: specialty {out['specialty'].iloc[i]} ({out['level'].iloc[i]}), column {share}: "
                    f"{'blank' if raw is None or pd.isna(raw.iloc[i]) else repr(raw.iloc[i]) + ' is not a number'}; "
                    "give a share in 0–1, drop the program's row to use the reference defaults of its level, or "
                    "pass fill_shares=True to fill blank cells with them."
                )
        from_data = ~np.isnan(values)
        out[share] = np.where(from_data, values, out["level"].map(defaults[share]).to_numpy(float))
        for bound in ("_lo", "_hi"):
            bounds = given_column(f"{share}{bound}")
            out[f"{share}{bound}"] = np.where(np.isnan(bounds), out[share], bounds)
        out[f"source_{share}"] = np.where(
            from_data, sources.get("shares", "given"), "reference: sf.reference.outcome_defaults()"
        )
        bad = out[(out[share] < 0) | (out[share] > 1)]
        for row in bad.itertuples(index=False):
            problems.append(
                f"Inputs.shares: specialty {row.specialty} ({row.level}) has {share} = {getattr(row, share):g}, "
                "outside 0–1."
            )
    raise_problems(problems, ConfigError)
    return out


def _whole_years(programs: pd.DataFrame, form: str) -> np.ndarray:
    """Durations rounded up to whole years (2 years 10 months, 2.83, graduate in the third year: 3)."""
    years = pd.to_numeric(programs["duration"], errors="coerce")
    problems = [
        f"Inputs.durations: specialty {s} at level {lv} ({form}) has "
        + (
            "no duration"
            if pd.isna(programs["duration"].iloc[i])
            else f"duration {programs['duration'].iloc[i]!r}"
        )
        + "; give the years from intake to graduation, a number above 0 (rounded up)."
        for i, (s, lv) in enumerate(zip(programs["specialty"], programs["level"], strict=True))
        if not years.iloc[i] > 0
    ]
    raise_problems(problems, ConfigError)
    # A tolerance keeps 3.0000000001 (months / 12 in floating point) at 3.
    return np.ceil(years.to_numpy(float) - 1e-9).astype(int)


def _age_shares(inputs: Inputs, occupations: pd.Index, sources: dict[str, str]) -> pd.DataFrame:
    default = pd.Series(DEFAULT_AGE_SHARES)[list(reference.AGE_BANDS)]
    table = pd.DataFrame(
        [default.to_numpy()] * len(occupations), index=occupations, columns=list(reference.AGE_BANDS)
    )
    if inputs.age_shares is None:
        sources.setdefault(
            "age_shares",
            "default (assumption): " + ", ".join(f"{b} {s:.0%}" for b, s in DEFAULT_AGE_SHARES.items()),
        )
        return table
    frame = _columns(inputs.age_shares, "age_shares", ["occupation", "age_band", "share"])
    unknown = set(frame["age_band"]) - set(reference.AGE_BANDS)
    if unknown:
        raise ConfigError(
            f"Inputs.age_shares: unknown age band(s) {sorted(unknown)}; use {list(reference.AGE_BANDS)}."
        )
    given = (
        frame.pivot_table(index="occupation", columns="age_band", values="share", aggfunc="sum")
        .reindex(columns=list(reference.AGE_BANDS), fill_value=0.0)
        .fillna(0.0)
    )
    sums = given.sum(axis=1)
    off = sums[(sums - 1).abs() > 1e-6]
    if len(off):
        raise ConfigError(
            f"Inputs.age_shares: the shares of occupation {off.index[0]} sum to {off.iloc[0]:.4g}, not 1."
        )
    present = given.index.intersection(occupations)
    table.loc[present] = given.loc[present].to_numpy()
    missing = occupations.difference(present)
    if len(missing):
        sources["age_shares"] = (
            sources.get("age_shares", "given") + f"; default assumption for {list(missing)}"
        )
    return table


def _exit_rates(inputs: Inputs, base_year: int, last_year: int, sources: dict[str, str]) -> pd.DataFrame:
    if inputs.exit_rates is None:
        rates = reference.exit_rates(range(base_year + 1, last_year + 1))
        sources.setdefault("exit_rates", "reference: sf.reference.exit_rates() (350-ФЗ pension ages)")
    else:
        rates = _columns(inputs.exit_rates, "exit_rates", ["year", "age_band", "exit_rate"])
    table = rates.pivot_table(index="year", columns="age_band", values="exit_rate", aggfunc="first")
    years = list(range(base_year + 1, last_year + 1))
    missing = [y for y in years if y not in table.index]
    if missing:
        raise ConfigError(
            f"Inputs.exit_rates: no rates for year(s) {missing}; the forecast runs to {last_year}."
        )
    table = table.reindex(index=years, columns=list(reference.AGE_BANDS))
    if table.isna().any().any() or ((table < 0) | (table > 1)).any().any():
        raise ConfigError("Inputs.exit_rates: every year needs a rate in 0–1 for every age band.")
    return table


def _capacity(inputs: Inputs, sources: dict[str, str]) -> pd.DataFrame:
    frame = _columns(inputs.capacity, "capacity", ["institution", *PROGRAM, "capacity"])
    frame["capacity"] = pd.to_numeric(frame["capacity"], errors="coerce")
    bad = frame[frame["capacity"].isna() | (frame["capacity"] < 0) | (frame["capacity"] % 1 != 0)]
    if len(bad):
        row = bad.iloc[0]
        raise ConfigError(
            f"Inputs.capacity: institution {row['institution']}, specialty {row['specialty']} ({row['level']}): "
            f"capacity {row['capacity']!r} is not a whole number of places ≥ 0."
        )
    if frame.duplicated(["institution", *PROGRAM]).any():
        row = frame[frame.duplicated(["institution", *PROGRAM])].iloc[0]
        raise ConfigError(
            f"Inputs.capacity: institution {row['institution']} lists {row['specialty']} ({row['level']}) twice."
        )
    frame["capacity"] = frame["capacity"].astype(int)
    if "kind" not in frame.columns:
        education = reference.specialties().set_index("specialty")["education"]
        frame["kind"] = np.where(frame["specialty"].map(education) == "spo", "college", "university")
    frame["score"] = 1.0
    if inputs.scores is not None:
        scores = _columns(inputs.scores, "scores", ["institution", *PROGRAM, "score"]).set_index(
            ["institution", *PROGRAM]
        )["score"]
        values = scores.reindex(pd.MultiIndex.from_frame(frame[["institution", *PROGRAM]])).to_numpy(float)
        given = ~np.isnan(values)
        frame.loc[given, "score"] = values[given]
        bad = frame[frame["score"] < 0]
        if len(bad):
            row = bad.iloc[0]
            raise ConfigError(
                f"Inputs.scores: institution {row['institution']}, {row['specialty']} ({row['level']}) has a negative score."
            )
        if (~given).any():
            sources["scores"] = sources.get("scores", "given") + "; score 1 where none was given"
    else:
        sources.setdefault("scores", "default: score 1 for every institution (allocation by capacity)")
    return frame.sort_values(["specialty", "level", "institution"]).reset_index(drop=True)


def _program_values(frame: pd.DataFrame | None, name: str, columns: list[str]) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(columns=[*PROGRAM, *columns])
    out = _columns(frame, name, [*PROGRAM, *columns])
    value = columns[-1]
    out[value] = pd.to_numeric(out[value], errors="coerce")
    if out[value].isna().any() or (out[value] < 0).any():
        row = out[out[value].isna() | (out[value] < 0)].iloc[0]
        raise ConfigError(
            f"Inputs.{name}: specialty {row['specialty']} ({row['level']}) has {value} {row[value]!r}; give a count ≥ 0."
        )
    return out


def _pipeline(inputs: Inputs) -> pd.DataFrame | None:
    if inputs.pipeline is None:
        return None
    return _program_values(inputs.pipeline, "pipeline", ["year", "graduates"])


def _paid(inputs: Inputs) -> pd.DataFrame:
    if inputs.paid is None:
        return pd.DataFrame(columns=[*PROGRAM, "intake_year", "persons"])
    frame = _program_values(inputs.paid, "paid", ["persons"])
    if "intake_year" not in frame.columns:
        frame["intake_year"] = np.nan
    years = pd.to_numeric(frame["intake_year"], errors="coerce")
    bad = frame[years.isna() & frame["intake_year"].notna()]
    if len(bad):
        row = bad.iloc[0]
        raise ConfigError(
            f"Inputs.paid: specialty {row['specialty']} ({row['level']}): intake_year {row['intake_year']!r} is not "
            "a year; leave it blank for a value that holds for every intake year."
        )
    frame["intake_year"] = years.fillna(-1).astype(int)  # -1: every intake year without its own row
    if frame.duplicated([*PROGRAM, "intake_year"]).any():
        row = frame[frame.duplicated([*PROGRAM, "intake_year"])].iloc[0]
        raise ConfigError(
            f"Inputs.paid: specialty {row['specialty']} ({row['level']}) has more than one value for intake year "
            f"{'(every year)' if row['intake_year'] == -1 else row['intake_year']}; give one."
        )
    return frame[[*PROGRAM, "intake_year", "persons"]]


def _target_share(inputs: Inputs) -> pd.DataFrame:
    if isinstance(inputs.target_share, pd.DataFrame):
        frame = _columns(inputs.target_share, "target_share", [*PROGRAM, "share"])
    else:
        frame = pd.DataFrame({"specialty": ["*"], "level": ["*"], "share": [float(inputs.target_share)]})
    frame["share"] = pd.to_numeric(frame["share"], errors="coerce")
    if frame["share"].isna().any() or ((frame["share"] < 0) | (frame["share"] > 1)).any():
        raise ConfigError("Inputs.target_share: target-training shares must lie in 0–1.")
    return frame


def _previous(inputs: Inputs) -> pd.Series:
    if inputs.previous is None:
        return pd.Series(dtype=float)
    frame = _columns(inputs.previous, "previous", [*PROGRAM, "quota"])
    frame["quota"] = pd.to_numeric(frame["quota"], errors="coerce")
    if frame["quota"].isna().any() or (frame["quota"] < 0).any():
        raise ConfigError("Inputs.previous: last year's quotas must be counts ≥ 0.")
    return frame.groupby(PROGRAM)["quota"].sum()


def _adjustments(inputs: Inputs, employment: pd.DataFrame) -> pd.DataFrame | None:
    """Check the manual forecast adjustments as ``sf.adjust`` records them.

    ``adjustment`` is text ("delta +40"); ``adjusted_by`` is added: the adjusted mean minus the model's, in
    persons.
    """
    if inputs.adjustments is None:
        return None
    frame = _columns(
        inputs.adjustments, "adjustments", ["occupation", "year", "original_mean", "adjustment", "reason"]
    )
    problems = []
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    original = pd.to_numeric(frame["original_mean"], errors="coerce")
    for row in frame.index[frame["year"].isna() | original.isna()]:
        problems.append(
            f"Inputs.adjustments, occupation {frame.at[row, 'occupation']}, year {frame.at[row, 'year']}: "
            f"year and original_mean must be numbers (got {frame.at[row, 'year']!r}, "
            f"{frame.at[row, 'original_mean']!r}); pass the forecast that sf.adjust returned."
        )
    raise_problems(problems, ConfigError)
    frame["year"] = frame["year"].astype(int)
    frame["original_mean"] = original.astype(float)
    frame["adjustment"] = frame["adjustment"].fillna("").astype(str)
    frame["reason"] = frame["reason"].fillna("").astype(str)
    if "adjusted_by" not in frame.columns:
        keys = pd.MultiIndex.from_frame(frame[["occupation", "year"]])
        frame["adjusted_by"] = (
            employment["base"].reindex(keys).to_numpy(float) - frame["original_mean"].to_numpy()
        )
    return frame[["occupation", "year", "original_mean", "adjusted_by", "adjustment", "reason"]]
