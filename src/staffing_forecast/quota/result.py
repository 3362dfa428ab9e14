"""``QuotaResult``: the quota tables, and the explanation of every number as a tree of the method's steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..display import html_table
from ..errors import ConfigError
from .inputs import Inputs
from .policy import Policy
from .wording import (
    PHRASES,
    WORDS,
    Words,
    from_plain,
    join,
    range_words,
    render,
    source_words,
    step_words,
    to_plain,
    unit_words,
)

__all__ = ["Explanation", "QuotaResult", "intake_totals"]


#: A cell's reliability (the value of its ``reliability`` step) in Russian.
_RELIABILITY_RU = {"low": "низкая", "high": "высокая"}


@dataclass
class Explanation:
    """One step of the method: its value, unit, formula, where the inputs came from, and the steps below it.

    ``QuotaResult.explain(..., lang=None)`` gives the tree before it has a language: its step names, formulas and
    sources may be :class:`~staffing_forecast.quota.wording.Words`, which :meth:`render` words in English or
    Russian. Its :meth:`to_dict` is what the batch job stores in ``explain.jsonl``, and :meth:`from_dict` reads
    it back.
    """

    step: str | Words
    value: float | int | str | None
    unit: str = ""
    formula: str | Words = ""
    source: str | Words = ""
    children: list[Explanation] = field(default_factory=list)

    def render(self, lang: str) -> Explanation:
        """Return the tree worded in ``lang`` (``"en"`` or ``"ru"``); a worded tree is returned as it is."""
        if lang not in WORDS:
            raise ConfigError(f"explain: unknown language {lang!r}; use one of {list(WORDS)}.")
        return Explanation(
            step_words(render(self.step, lang), lang),
            _RELIABILITY_RU.get(self.value, self.value)
            if lang == "ru" and isinstance(self.value, str)
            else self.value,
            unit_words(self.unit, lang),
            source_words(render(self.formula, lang), lang),  # a reliability rule's reason is such a text
            source_words(render(self.source, lang), lang),
            [c.render(lang) for c in self.children],
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the tree as plain dicts and lists (for JSON); unworded texts as ``{"words", "args"}``."""
        value = self.value
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        out: dict[str, Any] = {"step": to_plain(self.step), "value": value, "unit": self.unit}
        if self.formula:
            out["formula"] = to_plain(self.formula)
        if self.source:
            out["source"] = to_plain(self.source)
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        """Rebuild a tree from :meth:`to_dict` (worded or not).

        Examples
        --------
        >>> tree = Explanation("need", 12.5, "persons", PHRASES["k0"].format(need=12.5, paid=0.0))
        >>> Explanation.from_dict(tree.to_dict()).render("ru").formula
        'наибольшее из 0 и (требуется принять 12.50 − платный приём 0.00)'
        """
        return cls(
            from_plain(data["step"]),
            data.get("value"),
            data.get("unit", ""),
            from_plain(data.get("formula", "")),
            from_plain(data.get("source", "")),
            [cls.from_dict(c) for c in data.get("children", [])],
        )

    def to_json(self, **kwargs: Any) -> str:
        """Return the tree as JSON text (UTF-8, Russian characters kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def find(self, step: str) -> Explanation:
        """Return the first node (depth first) whose step starts with ``step`` (in English, or as worded in Russian)."""
        name = render(self.step, "en")
        if name.startswith(step) or name.startswith(step_words(step, "ru")):
            return self
        for child in self.children:
            try:
                return child.find(step)
            except KeyError:
                continue
        raise KeyError(step)

    def lines(self, depth: int = 0) -> list[str]:
        """Return the tree as indented text lines, one per step, starting at ``depth``."""
        value = self.value
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        text = f"{'  ' * depth}{render(self.step, 'en')}: {shown} {self.unit}".rstrip()
        if self.formula:
            text += f"   [{render(self.formula, 'en')}]"
        if self.source:
            text += f"   ({render(self.source, 'en')})"
        return [text] + [line for c in self.children for line in c.lines(depth + 1)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass
class QuotaResult:
    """What :func:`compute` returns: every intermediate table, and explanations on demand.

    Attributes
    ----------
    table
        One row per specialty, level and intake year: ``need``, ``raw_quota``, ``smoothed_quota``, ``quota`` (the
        recommendation), the scenario values ``low``, ``base``, ``high``, ``reliability`` and more.
    allocation
        One row per institution, specialty, level and intake year: ``capacity``, ``score``, ``quota``,
        ``target_quota``, ``status`` and ``decision`` (``proposal`` for universities).
    openings
        Per occupation (or merged group, ending in ``*``), year and scenario: ``expansion``, ``exits``,
        ``transfers``, ``migration``, ``replacement``, ``backlog`` and ``openings``.
    age_structure
        Per occupation (or merged group), year, scenario and age band: the age share rolled forward to the start of
        the year (``age_share``), the year's ``exit_rate`` and the ``exits`` they give with ``previous_employment``;
        the exits of ``openings`` are their sum over bands.
    graduates_wanted
        Per specialty, level, year and scenario.
    coverage
        Pipeline coverage per specialty, level and year with its band (``deficit`` < 0.8 ≤ ``balanced`` ≤ 1.2 <
        ``surplus``; ``no_demand``); empty without a pipeline.
    unreachable
        Specialties whose graduates the forecast horizon does not reach for any intake year.
    """

    table: pd.DataFrame
    allocation: pd.DataFrame
    openings: pd.DataFrame
    age_structure: pd.DataFrame
    graduates_wanted: pd.DataFrame
    coverage: pd.DataFrame
    units: pd.DataFrame
    unit_crosswalk: pd.DataFrame
    programs: pd.DataFrame
    unreachable: pd.DataFrame
    inputs: Inputs
    policy: Policy
    sources: dict[str, str]
    adjustments: pd.DataFrame | None
    base_year: int

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table by name, plus ``policy`` and ``sources`` as two-column frames (for services and files)."""
        return {
            "table": self.table,
            "allocation": self.allocation,
            "openings": self.openings,
            "age_structure": self.age_structure,
            "graduates_wanted": self.graduates_wanted,
            "coverage": self.coverage,
            "units": self.units.reset_index(),
            "unreachable": self.unreachable,
            "policy": pd.DataFrame(
                [(k, str(v)) for k, v in self.policy.to_dict().items()], columns=["parameter", "value"]
            ),
            "sources": pd.DataFrame(sorted(self.sources.items()), columns=["input", "source"]),
        }

    def to_json(self) -> str:
        """Return the tables as JSON (records; NaN as null), with the policy and sources."""
        out: dict[str, Any] = {}
        for name, frame in self.to_frames().items():
            out[name] = json.loads(frame.to_json(orient="records", force_ascii=False))
        out["policy"] = {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in self.policy.to_dict().items()
        }
        out["base_year"] = self.base_year
        return json.dumps(out, ensure_ascii=False)

    def totals(self) -> pd.DataFrame:
        """Recommended places per intake year, and whether the year's total covers every program.

        A long program admitted late graduates after the forecast horizon, so late intake years hold only the
        short programs (step 7): their totals are ``complete = False`` and ``missing`` lists what they lack. Every
        summary that adds quotas across programs uses this, so no one reads such a total as the year's whole quota.

        Returns
        -------
        pandas.DataFrame
            ``intake_year``, ``quota``, ``quota_region``, ``quota_proposal``, ``low``, ``base``, ``high`` (sums of
            the scenario raw quotas), ``programs``, ``low_reliability``, ``outside_range_rows``, ``complete``,
            ``missing_programs`` (the programs without a row that year, ``specialty (level)``).

        Examples
        --------
        >>> import staffing_forecast as sf
        >>> from staffing_forecast.quota import Inputs, compute
        >>> employment = pd.DataFrame({"occupation": "2512", "year": range(2025, 2031), "low": 500.0,
        ...                            "base": 500.0, "high": 500.0})
        >>> capacity = pd.DataFrame({"institution": "C01", "specialty": ["09.02.07", "09.03.04"],
        ...                          "level": ["spo11", "bachelor"], "capacity": [200, 200]})
        >>> result = compute(Inputs(employment=employment, base_year=2025, capacity=capacity,
        ...                         crosswalk=capacity[["specialty", "level"]].assign(occupation="2512", share=0.5)))
        >>> result.totals()[["intake_year", "complete", "missing_programs"]].to_dict("records")[-1]
        {'intake_year': 2027, 'complete': False, 'missing_programs': '09.03.04 (bachelor)'}
        """
        return intake_totals(self.table, self.unreachable)

    def _repr_html_(self) -> str:
        """Totals per intake year and the first programs' quotas as HTML tables, for Jupyter."""
        totals = self.totals()
        policy = ", ".join(f"{k}={v}" for k, v in self.policy.to_dict().items())
        notes = [f"Policy: {policy}."]
        incomplete = totals.loc[~totals["complete"], "intake_year"].tolist()
        if incomplete:
            notes.append(
                f"Intake years {incomplete} hold only the programs graduating within the forecast horizon "
                "(missing_programs)."
            )
        columns = [
            "specialty", "level", "intake_year", "low", "base", "high", "quota", "reliability", "decision",
        ]  # fmt: skip
        return html_table(
            totals,
            caption=f"QuotaResult: base year {self.base_year}, {len(self.table)} rows (specialty × level × intake year)",
            notes=notes,
        ) + html_table(
            self.table[columns],
            caption="Recommended quotas (result.table; result.explain(specialty, level, intake_year) says why)",
            max_rows=10,
        )

    def explain(self, specialty: str, level: str, intake_year: int, lang: str | None = "en") -> Explanation:
        """Explain one quota: the tree of every step behind it, values, units, formulas and input sources.

        ``lang="ru"`` words the steps, units, formulas and sources in Russian (as the quota workbook does).
        ``lang=None`` returns the tree before it has a language (its texts are
        :class:`~staffing_forecast.quota.wording.Words`; ``tree.render("ru")`` words it), as the batch job
        stores it.

        Examples
        --------
        >>> import staffing_forecast as sf
        >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
        ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
        >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
        >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
        >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
        ...                                           capacity=capacity))
        >>> tree = result.explain("09.02.07", "spo11", 2026)
        >>> tree.step, bool(tree.value == result.table["quota"].iloc[0])
        ('quota', True)
        """
        rows = self.table[
            (self.table["specialty"] == str(specialty))
            & (self.table["level"] == str(level))
            & (self.table["intake_year"] == int(intake_year))
        ]
        if rows.empty:
            known = (
                self.table[["specialty", "level", "intake_year"]].drop_duplicates().to_records(index=False)
            )
            raise ConfigError(
                f"explain: no quota for specialty {specialty} ({level}), intake {intake_year}; the table has "
                f"{[tuple(r) for r in known[:12]]}{' …' if len(known) > 12 else ''}."
            )
        if lang is not None and lang not in WORDS:
            raise ConfigError(f"explain: unknown language {lang!r}; use one of {list(WORDS)}.")
        tree = _explain(self, rows.iloc[0])
        return tree if lang is None else tree.render(lang)


def _source(result: QuotaResult, name: str) -> str:
    return result.sources.get(name, "given")


def _explain(result: QuotaResult, row: pd.Series) -> Explanation:
    w = PHRASES
    policy = result.policy
    s, lv, a, g = row["specialty"], row["level"], int(row["intake_year"]), int(row["graduation_year"])
    program = result.programs.set_index(["specialty", "level"]).loc[(s, lv)]
    scenarios = [_scenario_tree(result, row, program, scenario) for scenario in ("low", "base", "high")]
    # The decision sorts the three raw quotas; show them in that order, each with the quantile it stands at.
    ordered = sorted(
        scenarios, key=lambda node: float(node.value or 0.0)
    )  # stable: ties keep low, base, high
    low_q, high_q = policy.quantile_range
    for position, (node, q) in enumerate(zip(ordered, (low_q, 0.5, high_q), strict=True), start=1):
        node.source = w["rank"].format(pos=position, q=q) + "; " + node.source
    decision = w["decide"].format(
        q=policy.quantile, low=row["low"], base=row["base"], high=row["high"], ql=low_q, qh=high_q,
        L=policy.interval_level,
    )  # fmt: skip
    raw = Explanation(
        "raw_quota", float(row["raw_quota"]), "persons", decision, w["step"].format(n=9), ordered
    )
    previous = row["previous"]
    smoothing = (
        w["smooth"].format(mc=policy.max_change, prev=previous)
        if pd.notna(previous) and previous > 0
        else w["no_smooth"]
    )
    whence = (
        w["smooth_source_first"].format(source=_source(result, "previous"))
        if row["previous_source"] != "chained"
        else w["smooth_source_later"].format(year=a - 1)
    )
    smoothed = Explanation(
        "smoothed_quota", float(row["smoothed_quota"]), "persons", smoothing, whence, [raw]
    )
    note = w[f"small_{row['small_total']}"].format(m=policy.min_group) if row["small_total"] else w["rounded"]
    allocation = result.allocation[
        (result.allocation["specialty"] == s)
        & (result.allocation["level"] == lv)
        & (result.allocation["intake_year"] == a)
    ]
    institutions = [
        Explanation(
            f"institution {r.institution}",
            int(r.quota),
            "places",
            w["institution"].format(
                T=int(row["quota"]),
                score=r.score,
                capacity=r.capacity,
                weight=r.score * r.capacity,
                exact=r.exact_share,
                status=Words(f"status:{r.status}"),
                target=r.target_quota,
            ),
            w["proposal"] if r.decision == "proposal" else w["region"],
        )
        for r in allocation.itertuples(index=False)
    ]
    children = [smoothed, *institutions]
    if row["outside_range"]:
        note_text = range_words(row, policy.max_change, policy.min_group) or ""
        children.append(
            Explanation(
                "outside the scenario range", int(row["quota"]), "persons", note_text, w["step"].format(n=10)
            )
        )
    if row["reliability"] == "low":
        children.append(Explanation("reliability", "low", "", row["reliability_notes"], w["reliability"]))
    return Explanation(
        "quota",
        int(row["quota"]),
        "persons",
        note,
        w["where"].format(s=s, lv=Words(f"level:{lv}"), a=a, g=g),
        children,
    )


def _scenario_tree(result: QuotaResult, row: pd.Series, program: pd.Series, scenario: str) -> Explanation:
    w = PHRASES
    s, lv, g = row["specialty"], row["level"], int(row["graduation_year"])
    wanted = result.graduates_wanted
    n = wanted[
        (wanted["specialty"] == s)
        & (wanted["level"] == lv)
        & (wanted["year"] == g)
        & (wanted["scenario"] == scenario)
    ]
    n_value = float(n["graduates_wanted"].sum())
    need = max(0.0, n_value - float(row["other_supply"])) / float(program["yield"])
    k0 = max(0.0, need - float(row["paid"]))
    crosswalk = result.unit_crosswalk[
        (result.unit_crosswalk["specialty"] == s) & (result.unit_crosswalk["level"] == lv)
    ]
    openings = result.openings[
        (result.openings["year"] == g) & (result.openings["scenario"] == scenario)
    ].set_index("occupation")
    occupations = []
    for link in crosswalk.itertuples(index=False):
        if link.share <= 0 or link.unit not in openings.index:
            continue
        o = openings.loc[link.unit]
        unit = result.units.loc[link.unit]
        grad_share = float(unit["grad_share"])
        members = unit["members"]
        expansion = Explanation(
            "expansion",
            float(o["expansion"]),
            "persons/yr",
            f"E[{g}] {o['employment']:.2f} − E[{g - 1}] {o['previous_employment']:.2f}",
            w["expansion_source"].format(scenario=w[scenario]),
            _adjustments(result, members, g),
        )
        replacement = Explanation(
            "replacement",
            float(o["replacement"]),
            "persons/yr",
            w["replacement"].format(
                e=o["exits"],
                t=o["transfers"],
                m=o["migration"],
                t0=g - 1,
                tr=unit["transfer"],
                mg=unit["migrate"],
            ),
            w["replacement_source"].format(
                exits=_source(result, "exit_rates"), age=_source(result, "age_shares")
            ),
            _age_bands(result, link.unit, g, scenario),
        )
        backlog = Explanation(
            "backlog",
            float(o["backlog"]),
            "persons/yr",
            w["backlog"].format(g=g, v=unit["vacancies"]),
            w["backlog_source"].format(source=_source(result, "vacancies")),
        )
        unit_openings = Explanation(
            "openings",
            float(o["openings"]),
            "persons/yr",
            w["openings"].format(x=o["expansion"], s=o["replacement"], b=o["backlog"]),
            w["step"].format(n=3),
            [expansion, replacement, backlog],
        )
        occupations.append(
            Explanation(
                f"occupation {link.unit}"
                + (w["merged"].format(members=members) if link.unit.endswith("*") else ""),
                float(o["openings"]) * grad_share * float(link.share),
                "graduates/yr",
                w["occupation"].format(o=o["openings"], g=grad_share, m=link.share),
                w["occupation_source"].format(
                    cw=_source(result, "crosswalk"), gs=_source(result, "grad_share")
                ),
                [unit_openings],
            )
        )
    yield_node = Explanation(
        "yield",
        float(program["yield"]),
        "share",
        w["yield"].format(
            c=program["completion"], e=program["p_emp"], f=program["p_field"], r=program["p_region"]
        ),
        join(
            w["step"].format(n=5),
            *(
                join("; ", Words(f"share:{k}"), f": {program[f'source_{k}']}")
                for k in ("completion", "p_emp", "p_field", "p_region")
            ),
        ),
    )
    wanted_node = Explanation(
        f"graduates wanted in {g}", n_value, "graduates", w["wanted"], w["step"].format(n=4), occupations
    )
    need_node = Explanation(
        "need",
        need,
        "persons",
        w["need"].format(n=n_value, other=row["other_supply"], y=program["yield"]),
        w["need_source"].format(source=_source(result, "other_supply")),
        [wanted_node, yield_node],
    )
    return Explanation(
        f"scenario {scenario}",
        k0,
        "persons",
        w["k0"].format(need=need, paid=row["paid"]),
        w["k0_source"].format(source=_source(result, "paid")),
        [need_node],
    )


def _adjustments(result: QuotaResult, members: str, year: int) -> list[Explanation]:
    frame = result.adjustments
    if frame is None or frame.empty:
        return []
    mine = frame[frame["occupation"].astype(str).isin(members.split(", ")) & (frame["year"] == year)]
    return [
        Explanation(
            f"manual adjustment, occupation {r.occupation}",
            float(r.adjusted_by),
            "persons",
            PHRASES["adjustment"].format(original=r.original_mean, change=r.adjusted_by, how=r.adjustment),
            str(r.reason),
        )
        for r in mine.itertuples(index=False)
    ]


def _age_bands(result: QuotaResult, unit: str, year: int, scenario: str) -> list[Explanation]:
    """Break the exits of one unit and year down by age band, from the age shares rolled forward to the start of the year."""
    frame = result.age_structure
    mine = frame[(frame["occupation"] == unit) & (frame["year"] == year) & (frame["scenario"] == scenario)]
    w = PHRASES
    return [
        Explanation(
            f"exits {r.age_band}",
            float(r.exits),
            "persons/yr",
            w["age_band"].format(t0=year - 1, e=r.previous_employment, share=r.age_share, rate=r.exit_rate),
            w["age_source"],
        )
        for r in mine.itertuples(index=False)
    ]


def intake_totals(table: pd.DataFrame, unreachable: pd.DataFrame) -> pd.DataFrame:
    """Places per intake year with ``complete`` and ``missing``; see :meth:`QuotaResult.totals`."""
    programs = sorted(
        {(str(s), str(lv)) for s, lv in zip(table["specialty"], table["level"], strict=True)}
        | {(str(s), str(lv)) for s, lv in zip(unreachable["specialty"], unreachable["level"], strict=True)}
    )
    rows = []
    for year, part in table.groupby("intake_year"):
        present = set(zip(part["specialty"], part["level"], strict=True))
        missing = [f"{s} ({lv})" for s, lv in programs if (s, lv) not in present]
        rows.append(
            {
                "intake_year": int(year),
                "quota": int(part["quota"].sum()),
                "quota_region": int(part.loc[part["decision"] == "region", "quota"].sum()),
                "quota_proposal": int(part.loc[part["decision"] == "proposal", "quota"].sum()),
                "low": float(part["low"].sum()),
                "base": float(part["base"].sum()),
                "high": float(part["high"].sum()),
                "programs": len(part),
                "low_reliability": int((part["reliability"] == "low").sum()),
                "outside_range_rows": int((part["outside_range"] != "").sum()),
                "complete": not missing,
                "missing_programs": ", ".join(missing),
            }
        )
    columns = [
        "intake_year", "quota", "quota_region", "quota_proposal", "low", "base", "high", "programs",
        "low_reliability", "outside_range_rows", "complete", "missing_programs",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
