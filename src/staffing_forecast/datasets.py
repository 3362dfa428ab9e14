"""A synthetic regional IT cluster to learn, test and benchmark with; every number here is made up.

:func:`make_cluster` generates a whole :class:`~staffing_forecast.loaders.bundle.Bundle` from a seed:
employers in IT sectors (ОКВЭД2 62.01, 62.02, 63.11 ...), their headcount by occupation (ОКЗ 2512, 2514,
3512 ...), vacancies, hires, survey plans by vintage, age structure, colleges and universities with their
programs, admissions, students, graduates and their employment, employer satisfaction, and regional drivers.

How the headcount is made (log scale, per employer × occupation series):

- a level from the employer's size and its occupation mix (a Dirichlet split);
- a trend: the employer's own growth plus the occupation's (developers grow, user support shrinks);
- a 7-year business cycle common to the cluster;
- shocks: 2020 (telecom and IT facilities dip, software and data processing gain from remote work) and
  2022 (software and consulting lose staff abroad, then recover in 2023–2024 with state support);
- a random walk per series; quarterly values add hiring seasonality (graduates join in the third quarter);
- small expected headcounts (under 5) are Poisson draws, so small employers have intermittent series.

Regional drivers (gross regional product, IT revenue, IT wage) are actual to the last history year and then
three scenarios to 2032: ``base`` continues the trends, ``low`` and ``high`` grow 1 % (product), 4 % (IT revenue)
and 2 % (wage) a year slower or faster than ``base``.

Employers' plans are the true future headcount times an optimism bias that grows with the horizon
(about +3 % a year, varying by employer) plus noise; 15 % of employers skip each survey.
The future beyond the last history year is generated too (it is what plans try to guess) but not published.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import scipy.signal

from .errors import ConfigError, Place
from .examples import write_examples
from .loaders.bundle import Bundle
from .loaders.tables import TABLES, validate_table
from .reference import crosswalk as reference_crosswalk
from .reference import durations as reference_durations

__all__ = ["load_demo", "make_cluster", "write_examples"]

_SECTORS = {
    "62.01": 0.35,
    "62.02": 0.18,
    "63.11": 0.12,
    "62.09": 0.1,
    "61.10": 0.08,
    "58.29": 0.07,
    "62.03": 0.05,
    "63.12": 0.05,
}
#: Occupation → (weight in the typical employer's mix, yearly log trend).
_OCCUPATIONS = {
    "2512": (0.24, 0.05),
    "2514": (0.14, 0.02),
    "2513": (0.08, 0.04),
    "2511": (0.07, 0.04),
    "2519": (0.04, 0.03),
    "2521": (0.04, 0.02),
    "2522": (0.08, 0.0),
    "2523": (0.04, 0.01),
    "2529": (0.04, 0.06),
    "3511": (0.04, -0.01),
    "3512": (0.08, -0.02),
    "3513": (0.03, -0.01),
    "3514": (0.02, 0.0),
    "1330": (0.04, 0.02),
    "2166": (0.02, 0.01),
    "3522": (0.02, -0.02),
}
_TELECOM_BOOST = {"2523": 4.0, "3513": 4.0, "3522": 6.0, "2512": 0.4}
#: Demo institutions: id, name, kind, quality of training (mean satisfaction), programs (specialty, level).
_INSTITUTIONS = [
    (
        "C01",
        "Колледж информационных технологий",
        "college",
        4.1,
        [("09.02.07", "spo9"), ("09.02.07", "spo11"), ("09.02.06", "spo9"), ("09.02.09", "spo9")],
    ),
    (
        "C02",
        "Политехнический колледж",
        "college",
        3.7,
        [("09.02.01", "spo9"), ("09.02.06", "spo9"), ("09.02.06", "spo11"), ("11.02.15", "spo9")],
    ),
    ("C03", "Техникум отраслевых технологий", "college", 3.4, [("09.02.07", "spo9"), ("09.02.01", "spo11")]),
    (
        "C04",
        "Колледж связи",
        "college",
        3.8,
        [("11.02.15", "spo9"), ("11.02.15", "spo11"), ("10.02.04", "spo9")],
    ),
    (
        "C05",
        "Колледж цифровой экономики",
        "college",
        3.9,
        [("09.02.07", "spo9"), ("10.02.05", "spo9"), ("09.02.10", "spo9")],
    ),
    (
        "U01",
        "Государственный университет",
        "university",
        4.0,
        [
            ("09.03.04", "bachelor"),
            ("09.03.03", "bachelor"),
            ("01.03.02", "bachelor"),
            ("09.04.04", "master"),
        ],
    ),
    (
        "U02",
        "Технический университет",
        "university",
        4.2,
        [
            ("09.03.01", "bachelor"),
            ("09.03.02", "bachelor"),
            ("10.03.01", "bachelor"),
            ("11.03.02", "bachelor"),
            ("10.05.03", "specialist"),
            ("09.04.01", "master"),
        ],
    ),
    (
        "U03",
        "Филиал энергетического университета",
        "university",
        3.6,
        [("09.03.01", "bachelor"), ("09.03.02", "bachelor"), ("09.03.03", "bachelor")],
    ),
]
_SEASON_EMPLOYMENT = np.array([-0.01, -0.005, 0.015, 0.0])
_SEASON_VACANCIES = np.array([1.1, 1.25, 0.8, 0.85])


def _shocks(sectors: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Log-level shifts by sector (rows) and year (columns): 2020 and 2022 with recovery."""
    out = np.zeros((sectors.size, years.size))
    remote_winners = np.isin(sectors, ["62.01", "63.11", "63.12", "58.29"])
    physical = np.isin(sectors, ["61.10", "62.03"])
    exodus = np.isin(sectors, ["62.01", "62.02"])
    out += np.where(remote_winners[:, None], 0.03, 0.0) * (years >= 2020)
    out += np.where(physical[:, None], -0.06, 0.0) * (years >= 2020)
    out += np.where(exodus[:, None], -0.12, -0.03) * (years >= 2022)
    out += np.where(exodus[:, None], 0.05, 0.02) * ((years >= 2023).astype(float) + (years >= 2024))
    return out


def make_cluster(
    n_employers: int = 40,
    years: tuple[int, int] = (2012, 2025),
    seed: int = 2025,
    region: str = "67",
    momentum: float = 0.0,
) -> Bundle:
    """Generate a synthetic regional IT cluster; every number is reproducible from ``seed``.

    Parameters
    ----------
    n_employers
        Number of employers; about 6 occupations each on average (40 give ~240 series, 17,000 give ~100,000).
    years
        First and last year of history (inclusive); at least 6 years.
    seed
        Seed of the random generator.
    region
        Region code used as the first key.
    momentum
        Persistence of each series' own growth from one year to the next, in [0, 1): the yearly log-growth
        shocks follow an AR(1) process with this coefficient, so that a series that grew last year tends to
        keep growing, as employment does. ``0`` (the default) is a random walk in logs.

    Returns
    -------
    Bundle
        All tables, validated exactly as :func:`staffing_forecast.load_bundle` would validate files.

    Examples
    --------
    >>> small = make_cluster(n_employers=5, years=(2018, 2025), seed=1)
    >>> small.employment[["region", "sector", "employer", "occupation"]].columns.tolist()
    ['region', 'sector', 'employer', 'occupation']
    >>> make_cluster(n_employers=5, years=(2018, 2025), seed=1) == small
    True
    """
    first, last = years
    if not 0 <= momentum < 1:
        raise ConfigError(f"make_cluster: momentum={momentum}; use a value in [0, 1).")
    if n_employers < 1 or last - first < 5:
        raise ConfigError(
            f"make_cluster: need n_employers ≥ 1 and at least 6 years; got {n_employers}, {years}."
        )
    rng = np.random.default_rng(seed)
    all_years = np.arange(first, last + 7)  # the unpublished future feeds the survey plans
    hist = all_years <= last
    n_years = all_years.size

    # Employers: sector, size, first year of activity.
    emp_ids = np.array(
        [f"E{i + 1:03d}" if n_employers < 1000 else f"E{i + 1:06d}" for i in range(n_employers)]
    )
    sectors = rng.choice(list(_SECTORS), size=n_employers, p=np.array(list(_SECTORS.values())))
    size = np.clip(np.exp(rng.normal(math.log(25), 1.1, n_employers)), 3, 2000)
    start = np.where(rng.random(n_employers) < 0.25, rng.integers(first + 1, last - 1, n_employers), first)
    emp_growth = rng.normal(0.015, 0.04, n_employers)
    optimism = rng.normal(0.03, 0.03, n_employers)

    # Series: each employer employs several occupations with Dirichlet shares.
    codes = np.array(list(_OCCUPATIONS))
    weights = np.array([w for w, _ in _OCCUPATIONS.values()])
    occ_trend = dict(zip(codes, [t for _, t in _OCCUPATIONS.values()], strict=True))
    rows_e: list[int] = []
    rows_o: list[str] = []
    rows_level: list[float] = []
    for e in range(n_employers):
        w = weights.copy()
        if sectors[e].startswith("61"):
            w *= np.array([_TELECOM_BOOST.get(c, 1.0) for c in codes])
        w /= w.sum()
        k = int(np.clip(round(2 + size[e] ** 0.4), 2, codes.size))
        chosen = rng.choice(codes.size, size=k, replace=False, p=w)
        shares = rng.dirichlet(w[chosen] * 20)
        rows_e.extend([e] * k)
        rows_o.extend(codes[chosen])
        rows_level.extend(size[e] * shares)
    s_emp = np.array(rows_e)
    s_occ = np.array(rows_o)
    level = np.maximum(np.array(rows_level), 0.3)
    n_series = s_emp.size

    t = all_years - first
    trend = (emp_growth[s_emp] + np.array([occ_trend[o] for o in s_occ]))[:, None] * t[None, :]
    cycle = 0.03 * np.sin(2 * np.pi * (all_years - 2012) / 7.0)
    shocks = rng.normal(0, 0.04, (n_series, n_years))
    if momentum:
        # Growth that persists: g_t = momentum * g_{t-1} + e_t (the same shocks, so momentum=0 is unchanged).
        shocks = scipy.signal.lfilter([1.0], [1.0, -momentum], shocks, axis=1)
    walk = np.cumsum(shocks, axis=1)
    log_mean = np.log(level)[:, None] + trend + cycle[None, :] + _shocks(sectors[s_emp], all_years) + walk
    alive = all_years[None, :] >= start[s_emp][:, None]

    # Quarterly headcount (interpolated in logs between years, with seasonality), then annual averages.
    quarters = np.repeat(all_years, 4)
    q_pos = np.tile(np.arange(4), n_years)
    # Linear interpolation between annual values at quarter midpoints (np.interp's rule, for all series at once).
    position = np.clip((np.arange(quarters.size) + 0.5) / 4 - 0.5, 0, n_years - 1)
    left = np.minimum(np.floor(position).astype(int), n_years - 2)
    weight = position - left
    q_log = log_mean[:, left] * (1 - weight) + log_mean[:, left + 1] * weight
    q_mean = np.exp(q_log) * (1 + _SEASON_EMPLOYMENT[q_pos])[None, :]
    q_count = np.where(q_mean >= 5, np.round(q_mean), rng.poisson(q_mean)).astype(float)
    annual = np.round(q_count.reshape(n_series, n_years, 4).mean(axis=2))
    q_alive = np.repeat(alive, 4, axis=1)

    vac_rate = np.where(np.isin(s_occ, ["2512", "2529", "2513"]), 0.08, 0.04)
    boom = 1 + 4 * np.clip(np.diff(log_mean, axis=1, prepend=log_mean[:, :1]), -0.1, 0.2)
    vac_annual = rng.poisson(np.maximum(annual * vac_rate[:, None] * boom, 0)).astype(float)
    vac_q = rng.poisson(
        np.maximum(
            q_count * vac_rate[:, None] * np.repeat(boom, 4, axis=1) * _SEASON_VACANCIES[q_pos][None, :], 0
        )
    ).astype(float)
    growth = np.maximum(np.diff(annual, axis=1, prepend=annual[:, :1]), 0)
    hires = rng.poisson(growth + 0.12 * annual).astype(float)

    keys = pd.DataFrame(
        {"region": region, "sector": sectors[s_emp], "employer": emp_ids[s_emp], "occupation": s_occ}
    )

    def panel(values: np.ndarray, mask: np.ndarray, dates: pd.DatetimeIndex) -> pd.DataFrame:
        idx_s, idx_t = np.nonzero(mask)
        out = keys.iloc[idx_s].reset_index(drop=True)
        out["ds"] = dates[idx_t]
        out["y"] = values[idx_s, idx_t]
        return out[["region", "sector", "employer", "occupation", "ds", "y"]]

    year_dates = pd.to_datetime([f"{y}-01-01" for y in all_years])
    q_dates = pd.to_datetime([f"{y}-{3 * q + 1:02d}-01" for y, q in zip(quarters, q_pos, strict=True)])
    hist_mask = alive & hist[None, :]
    q_hist_mask = q_alive & np.repeat(hist, 4)[None, :]

    tables = {
        "employment": panel(annual, hist_mask, year_dates),
        "vacancies": panel(vac_annual, hist_mask, year_dates),
        "employment_quarterly": panel(q_count, q_hist_mask, q_dates),
        "vacancies_quarterly": panel(vac_q, q_hist_mask, q_dates),
        "hires": panel(hires, hist_mask, year_dates),
        "plans": _plans(rng, keys, annual, alive, all_years, last, optimism[s_emp], s_emp),
        "age": _age(rng, keys, annual[:, hist].T[-1], alive[:, hist][:, -1], last),
    }
    tables.update(_education(rng, first, last, scale=max(1.0, n_employers / 40)))
    tables["satisfaction"] = _satisfaction(rng, emp_ids, size, start, first, last)
    tables["crosswalk"] = _crosswalk(tables["institutions"])
    tables["drivers"] = _drivers(rng, region, first, last)
    validated = {
        name: validate_table(frame, TABLES[name], Place(f"make_cluster:{name}", in_file=False))
        for name, frame in tables.items()
    }
    return Bundle(
        **validated,
        description=f"synthetic cluster: make_cluster(n_employers={n_employers}, "
        f"years={years}, seed={seed}, region={region!r}" + (f", momentum={momentum})" if momentum else ")"),
    )


def _plans(
    rng: np.random.Generator,
    keys: pd.DataFrame,
    annual: np.ndarray,
    alive: np.ndarray,
    all_years: np.ndarray,
    last: int,
    optimism: np.ndarray,
    s_emp: np.ndarray,
) -> pd.DataFrame:
    parts = []
    first_vintage = int(all_years[0]) + 4
    for vintage in range(first_vintage, last + 1):
        v = vintage - int(all_years[0])
        responded = rng.random(s_emp.max() + 1) >= 0.15
        mask = alive[:, v - 1] & responded[s_emp]
        for k, kind in [(-1, "fact"), *[(h, "estimate" if h == 0 else "plan") for h in range(0, 6)]]:
            true = annual[:, v + k]
            if kind == "fact":
                value = true
            else:
                bias = 1 + optimism * (k + 0.5) + rng.normal(0, 0.03 + 0.03 * k, true.size)
                value = np.round(np.maximum(true * bias, 0))
            part = keys[mask].copy()
            part["vintage"] = vintage
            part["ds"] = pd.Timestamp(f"{vintage + k}-01-01")
            part["kind"] = kind
            part["value"] = value[mask]
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _age(
    rng: np.random.Generator, keys: pd.DataFrame, headcount: np.ndarray, alive: np.ndarray, year: int
) -> pd.DataFrame:
    bands = TABLES["age"].columns[5].choices
    shares = rng.dirichlet(np.array([0.36, 0.46, 0.12, 0.06]) * 30, size=headcount.size)
    counts = np.array([rng.multinomial(int(n), p) for n, p in zip(headcount, shares, strict=True)])
    out = keys.loc[np.repeat(np.arange(len(keys)), len(bands))].reset_index(drop=True)
    out["year"] = year
    out["age_band"] = np.tile(bands, len(keys))
    out["persons"] = counts.reshape(-1)
    return out[np.repeat(alive, len(bands))].reset_index(drop=True)


def _education(
    rng: np.random.Generator, first: int, last: int, scale: float = 1.0
) -> dict[str, pd.DataFrame]:
    """Institutions, admissions, enrolment and graduates; ``scale`` grows the programs with the cluster."""
    dur = reference_durations().query("form == 'full_time'").set_index(["specialty", "level"])["years"]
    inst_rows, adm_rows, enr_rows, grad_rows = [], [], [], []
    for inst, name, kind, _, programs in _INSTITUTIONS:
        college = kind == "college"
        for spec, lvl in programs:
            capacity = round(
                scale
                * int(
                    rng.integers(25, 76)
                    if college
                    else rng.integers(15, 31)
                    if lvl == "master"
                    else rng.integers(25, 101)
                )
            )
            # The recorded capacity (places the institution can teach) leaves room above today's state-funded intake.
            inst_rows.append((inst, name, kind, spec, lvl, round(capacity * 2)))
            years_of_study = int(dur[(spec, lvl)])
            survival = 0.92 if college else 0.9
            admitted = {}
            for year in range(first - years_of_study, last + 1):
                budget = round(capacity * rng.uniform(0.6, 1.0))
                paid = round(budget * (rng.uniform(0.05, 0.2) if college else rng.uniform(0.1, 0.5)))
                admitted[year] = budget + paid
                if year >= first:
                    adm_rows.append((inst, spec, lvl, "full_time", year, budget, paid))
            for year in range(first, last + 1):
                for course in range(1, years_of_study + 1):
                    cohort = admitted.get(year - course + 1)
                    if cohort is not None:
                        enr_rows.append(
                            (
                                inst,
                                spec,
                                lvl,
                                "full_time",
                                course,
                                year,
                                int(rng.binomial(cohort, survival ** (course - 1))),
                            )
                        )
                cohort = admitted.get(year - years_of_study)
                if cohort is None:
                    continue
                graduates = int(rng.binomial(cohort, survival**years_of_study))
                p_emp = (0.72 if college else 0.84) - (0.08 if year == 2020 else 0.0)
                employed = int(rng.binomial(graduates, p_emp))
                in_field = int(rng.binomial(employed, 0.55 if college else 0.65))
                in_region = int(rng.binomial(in_field, 0.75 if college else 0.55))
                grad_rows.append((inst, spec, lvl, year, graduates, employed, in_field, in_region))
    cols = TABLES["institutions"].names
    return {
        "institutions": pd.DataFrame(inst_rows, columns=cols),
        "admissions": pd.DataFrame(adm_rows, columns=TABLES["admissions"].names),
        "enrolment": pd.DataFrame(enr_rows, columns=TABLES["enrolment"].names),
        "graduates": pd.DataFrame(grad_rows, columns=TABLES["graduates"].names),
    }


def _satisfaction(
    rng: np.random.Generator, emp_ids: np.ndarray, size: np.ndarray, start: np.ndarray, first: int, last: int
) -> pd.DataFrame:
    programs = [
        (inst, spec, lvl, quality) for inst, _, _, quality, progs in _INSTITUTIONS for spec, lvl in progs
    ]
    rows = []
    for year in range(max(first, last - 5), last + 1):
        for e, emp in enumerate(emp_ids):
            if start[e] > year - 1:
                continue
            n = int(min(1 + rng.poisson(size[e] / 60), 4))
            for p in rng.choice(len(programs), size=n, replace=False):
                inst, spec, lvl, quality = programs[p]
                hired = int(1 + rng.poisson(size[e] / 80))
                rating = float(np.clip(round(quality + rng.normal(0, 0.8)), 1, 5))
                rows.append((emp, inst, spec, lvl, year, hired, rating if rng.random() > 0.15 else np.nan))
    return pd.DataFrame(rows, columns=TABLES["satisfaction"].names)


def _crosswalk(institutions: pd.DataFrame) -> pd.DataFrame:
    """Restrict the reference crosswalk to the programs the demo institutions run, renormalised."""
    offered = set(zip(institutions["specialty"], institutions["level"], strict=True))
    cw = reference_crosswalk()
    cw = cw[[(s, lv) in offered for s, lv in zip(cw["specialty"], cw["level"], strict=True)]]
    cw = cw[cw["occupation"].isin(list(_OCCUPATIONS))].copy()
    cw["share"] = (cw["share"] / cw.groupby("occupation")["share"].transform("sum")).round(6)
    # Rounding can leave a few millionths; give them to each occupation's largest share.
    fix = 1 - cw.groupby("occupation")["share"].transform("sum")
    largest = cw.groupby("occupation")["share"].transform("max") == cw["share"]
    cw.loc[largest & ~cw.duplicated(["occupation", "share"]), "share"] += fix
    return cw.reset_index(drop=True)


#: Yearly growth of each driver below (``low``) or above (``high``) the ``base`` scenario.
_SCENARIO_SPREAD = {"grp": 0.01, "it_revenue": 0.04, "wage": 0.02}


def _drivers(rng: np.random.Generator, region: str, first: int, last: int) -> pd.DataFrame:
    rows = []
    grp, it, wage = 380.0, 8.0, 32.0
    for year in range(first, 2033):
        shock = {2015: -0.02, 2020: -0.03, 2022: -0.015}.get(year, 0.0)
        grp *= 1 + 0.015 + shock + rng.normal(0, 0.005)
        it *= 1 + 0.09 + 3 * shock + rng.normal(0, 0.02)
        wage *= 1 + 0.085 + rng.normal(0, 0.01)
        rows.append(
            (
                region,
                pd.Timestamp(f"{year}-01-01"),
                round(grp, 2),
                round(it, 3),
                round(wage, 2),
                "actual" if year <= last else "base",
            )
        )
    table = pd.DataFrame(rows, columns=TABLES["drivers"].names)
    # low and high diverge from base by a fixed growth gap per year, without further draws (base stays as it is).
    base = table[table["scenario"] == "base"]
    years_ahead = (base["ds"].dt.year - last).to_numpy()
    others = []
    for name, sign in (("low", -1), ("high", 1)):
        other = base.assign(scenario=name)
        for column, spread in _SCENARIO_SPREAD.items():
            digits = 3 if column == "it_revenue" else 2
            other[column] = (base[column] * (1 + sign * spread) ** years_ahead).round(digits)
        others.append(other)
    return pd.concat([table, *others], ignore_index=True)


@functools.cache
def _demo() -> Bundle:
    return make_cluster()


def load_demo() -> Bundle:
    """Return the bundled demo cluster: 40 synthetic employers in region 67, 2012–2025 (see :func:`make_cluster`).

    The data are **synthetic**: generated by documented code with a fixed seed, not collected from anyone.
    Each call returns a fresh copy, so changing it does not change the next call's result.

    Examples
    --------
    >>> demo = load_demo()
    >>> demo.employment["employer"].nunique(), demo.institutions["institution"].nunique()
    (40, 8)
    """
    demo = _demo()
    copies = {name: frame.copy() for name, frame in demo.tables().items()}
    return Bundle(**copies, description=demo.description)
