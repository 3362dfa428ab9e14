"""Plots of the quota.

Recommendations with their scenario range, sensitivity, the steps behind one number, pipeline coverage and the
allocation to institutions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..quota import QuotaResult
from ..report.labels import input_label, value_label
from ._common import level_name, new_axes, program, require, shorten, texts, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["allocation", "coverage_map", "quota_ranges", "quota_waterfall", "tornado"]


def quota_ranges(
    table: pd.DataFrame, *, intake_year: int | None = None, lang: str = "ru", ax: Axes | None = None
) -> Axes:
    """Draw each specialty's recommended quota with its low–high scenario range (``QuotaResult.table``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
    ...                                           capacity=capacity))
    >>> len(sf.plot.quota_ranges(result.table).get_yticklabels())
    1
    """
    text = texts(lang)
    missing = {"specialty", "level", "intake_year", "quota", "low", "high"} - set(table.columns)
    if missing:
        raise ConfigError(f"quota_ranges: the frame lacks {sorted(missing)}; pass QuotaResult.table.")
    if table.empty:
        raise ConfigError(
            "quota_ranges: the quota table is empty (no intake year within the forecast horizon)."
        )
    year = int(table["intake_year"].min()) if intake_year is None else int(intake_year)
    shown = table[table["intake_year"] == year].sort_values("quota")
    if shown.empty:
        raise ConfigError(
            f"quota_ranges: no rows for intake {year}; the table has {sorted(table['intake_year'].unique())}."
        )
    ax = new_axes(ax, 0.3 * len(shown) + 1)
    positions = np.arange(len(shown))
    outside = (
        (shown["outside_range"] != "").to_numpy()
        if "outside_range" in shown.columns
        else ((shown["quota"] < shown["low"] - 0.5) | (shown["quota"] > shown["high"] + 0.5)).to_numpy()
    )
    ax.hlines(positions, shown["low"], shown["high"], color="grey", lw=4, alpha=0.5, label=text["range"])
    ax.plot(shown["quota"][~outside], positions[~outside], "o", color="C3", label=text["recommended"])
    if outside.any():
        ax.plot(
            shown["quota"][outside],
            positions[outside],
            "D",
            mfc="white",
            mec="C1",
            mew=2,
            label=text["outside"],
        )
    levels = shown["level"].map(lambda v: level_name(v, lang))
    ax.set_yticks(positions, (shown["specialty"] + " " + levels).tolist())
    ax.set_xlabel(text["places"])
    programs = set(zip(table["specialty"], table["level"], strict=True))
    complete = programs <= set(zip(shown["specialty"], shown["level"], strict=True))
    ax.set_title(text["quota"].format(year=year) + ("" if complete else "\n" + text["incomplete"]))
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False
    )  # below the axes, off the points
    ax.grid(axis="x", alpha=0.3)
    return ax


def tornado(
    table: pd.DataFrame,
    specialty: str = "*",
    level: str = "*",
    *,
    intake_year: int | None = None,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw the tornado of one program (or of the total, ``"*"``) from :func:`staffing_forecast.quota.sensitivity`.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> frame = pd.DataFrame({"specialty": "*", "level": "*", "intake_year": 2026, "input": ["p_emp", "paid"],
    ...     "quota_at_low": [120.0, 104.0], "raw_quota": 100.0, "quota_at_high": [85.0, 96.0]})
    >>> [t.get_text() for t in tornado(frame, lang="en").get_yticklabels()]
    ['Fee-paying admissions', 'Employed share']
    """
    text = texts(lang)
    missing = {
        "specialty",
        "level",
        "intake_year",
        "input",
        "quota_at_low",
        "raw_quota",
        "quota_at_high",
    } - set(table.columns)
    if missing:
        raise ConfigError(
            f"tornado: the frame lacks {sorted(missing)}; pass the output of sf.quota.sensitivity."
        )
    rows = table[(table["specialty"] == specialty) & (table["level"] == level)]
    if rows.empty:
        raise ConfigError(f"tornado: no rows for specialty {specialty!r} ({level!r}).")
    year = int(rows["intake_year"].min()) if intake_year is None else int(intake_year)
    rows = rows[rows["intake_year"] == year].assign(
        swing=lambda d: (d["quota_at_high"] - d["quota_at_low"]).abs()
    )
    rows = rows.sort_values("swing")
    ax = new_axes(ax, 0.35 * len(rows) + 1)
    base = float(rows["raw_quota"].iloc[0])
    positions = np.arange(len(rows))
    ax.barh(positions, rows["quota_at_low"] - base, left=base, color="C0", label=text["at_low"])
    ax.barh(positions, rows["quota_at_high"] - base, left=base, color="C1", alpha=0.7, label=text["at_high"])
    # The bars move the quota before smoothing: the centre line says so, as the recommendation may differ.
    ax.axvline(base, color="black", lw=1, label=wrap(text["tornado_centre"].format(value=base), 60))
    ax.set_yticks(positions, [wrap(input_label(name, lang), 40) for name in rows["input"]])
    ax.set_xlabel(text["tornado_axis"])
    what = text["total"] if specialty == "*" else f"{specialty} {level}"
    ax.set_title(text["tornado"].format(what=what, year=year))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)  # below: off the bars
    return ax


# The quota's steps for one cell, in the order of the method: (text key, kind of bar). A total stands on zero; a
# conversion (× the graduate and crosswalk shares, ÷ the yield) turns one quantity into another and stands on zero
# too, grey, with its factor: it is no loss or gain; a change floats from the step before, green or red.
_WATERFALL = (
    ("wf_openings", "total"),
    ("wf_wanted", "conversion"),
    ("wf_need", "conversion"),
    ("wf_state", "change"),
    ("wf_raw", "change"),
    ("wf_smoothed", "change"),
    ("wf_quota", "total"),
)
#: How many of the steps are computed in the base scenario (the raw quota is the choice among the scenarios).
_IN_BASE_SCENARIO = 4
_COLOURS = {"total": "C0", "conversion": "0.65", "up": "C2", "down": "C3"}


def _result(result: object, plot: str) -> QuotaResult:
    if not isinstance(result, QuotaResult):
        raise ConfigError(
            f"{plot}: expected the QuotaResult of sf.quota.compute; got {type(result).__name__}."
        )
    return result


def quota_waterfall(
    result: QuotaResult,
    specialty: str,
    level: str,
    intake_year: int | None = None,
    *,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw how one quota arises, step by step: openings → graduates wanted → admissions needed → quota.

    The bars follow :meth:`~staffing_forecast.quota.QuotaResult.explain`: the openings of the occupations linked to
    the specialty in its graduation year, the graduates wanted from them (× graduate share × crosswalk share), the
    admissions needed (÷ the yield of an admitted student), the state-funded part (− fee-paying admissions), the
    raw quota (the choice among the low, base and high scenarios), the smoothed quota and the recommendation.
    The bars are numbered; steps 1–4 are those of the base scenario, and the title says so. The first and last
    bars stand on zero, and so do the two conversions (graduates wanted from openings, admissions from graduates),
    grey with their factor (×0,091): they turn one quantity into another and are no loss or gain. The other steps
    float from the previous step's value, green where the step raises the number and red where it lowers it;
    the legend names each kind of bar.

    Parameters
    ----------
    result
        What :func:`staffing_forecast.quota.compute` returned.
    specialty, level
        The program, e.g. ``"09.02.07"``, ``"spo11"``.
    intake_year
        The intake year; default the program's first.
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per step; the x tick labels name the steps and each bar carries its value.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
    ...                                           capacity=capacity))
    >>> ax = sf.plot.quota_waterfall(result, "09.02.07", "spo11", lang="en")
    >>> len(ax.patches), " ".join(ax.get_xticklabels()[-1].get_text().split())
    (7, '7. Recommended quota')
    """
    text = texts(lang)
    result = _result(result, "quota_waterfall")
    rows = result.table[(result.table["specialty"] == specialty) & (result.table["level"] == level)]
    if rows.empty:
        programs = sorted(set(zip(result.table["specialty"], result.table["level"], strict=True)))
        raise ConfigError(
            f"quota_waterfall: no quota for specialty {specialty!r} ({level!r}); the result has {programs[:12]}"
            f"{' …' if len(programs) > 12 else ''}."
        )
    year = int(rows["intake_year"].min()) if intake_year is None else int(intake_year)
    tree = result.explain(specialty, level, year)  # a ConfigError naming the years there are, if not this one
    base = tree.find("scenario base")
    need = base.find("need")
    wanted = need.find("graduates wanted")
    openings = sum(float(node.children[0].value or 0.0) for node in wanted.children)
    values = [
        openings,
        float(wanted.value or 0.0),
        float(need.value or 0.0),
        float(base.value or 0.0),
        float(tree.find("raw_quota").value or 0.0),
        float(tree.find("smoothed_quota").value or 0.0),
        float(tree.value or 0.0),
    ]
    from matplotlib.patches import Patch

    ax = new_axes(ax, 5.5, 11)
    kinds = []
    for i, ((_, kind), value) in enumerate(zip(_WATERFALL, values, strict=True)):
        previous = values[i - 1] if i else 0.0
        if kind == "change":
            kind = "up" if value >= previous else "down"
            ax.bar(i, value - previous, bottom=previous, width=0.6, color=_COLOURS[kind], alpha=0.75)
        else:
            ax.bar(i, value, width=0.6, color=_COLOURS[kind])
        kinds.append(kind)
        if i and kind != "conversion":  # a conversion starts afresh from zero: nothing carries over
            ax.plot([i - 1.3, i - 0.3], [previous] * 2, color="grey", lw=0.8, ls=":")
        label = _number(value, lang)
        if kind == "conversion" and previous:
            label += f"\n(×{_number(value / previous, lang, significant=True)})"
        falling = kind == "down"
        ax.annotate(
            label,
            (i, value),
            xytext=(0, -3 if falling else 3),
            textcoords="offset points",
            ha="center",
            va="top" if falling else "bottom",
            fontsize="small",
        )
    # Numbered, narrowly wrapped labels: seven steps side by side, none running into the next.
    names = [f"{n}. {text[key]}" for n, (key, _) in enumerate(_WATERFALL, start=1)]
    ax.set_xticks(np.arange(len(values)), [wrap(name, 17) for name in names], fontsize="small")
    ax.set_ylabel(text["persons"])
    ax.set_ylim(0, max(values) * 1.2 if max(values) > 0 else 1)
    shown = dict.fromkeys(kinds)  # the legend names the kinds of bar drawn, in their order
    words = {
        "total": text["wf_total"],
        "conversion": text["wf_conversion"],
        "up": text["up"],
        "down": text["down"],
    }
    ax.legend(
        handles=[
            Patch(color=_COLOURS[kind], alpha=1 if kind in ("total", "conversion") else 0.75)
            for kind in shown
        ],
        labels=[words[kind] for kind in shown],
        loc="upper right",
        fontsize="small",
        frameon=False,
    )
    what = program(specialty, level, lang, width=None)
    graduation = int(rows.loc[rows["intake_year"] == year, "graduation_year"].iloc[0])
    steps = text["waterfall_scenario"].format(
        base=_IN_BASE_SCENARIO, next=_IN_BASE_SCENARIO + 1, last=len(values)
    )
    ax.set_title(
        wrap(text["waterfall"].format(what=what, year=year, graduation=graduation), 100) + f"\n({steps})",
        fontsize="medium",
    )
    ax.grid(axis="y", alpha=0.3)
    return ax


def _number(value: float, lang: str, *, significant: bool = False) -> str:
    """``1234.5`` → ``1 234,5`` in Russian, ``1,234.5`` in English (one decimal below 100, none above or when whole).

    ``significant=True`` keeps two significant digits instead (a factor: ``0.0906`` → ``0,091``).
    """
    if significant:
        shown = f"{value:.2g}" if abs(value) < 1 else f"{value:,.2f}"
    else:
        shown = f"{value:,.1f}" if abs(value) < 100 and value != round(value) else f"{value:,.0f}"
    return shown.replace(",", " ").replace(".", ",") if lang == "ru" else shown


# Coverage bands in the order of the legend, with their colours.
_BANDS = {"deficit": "#d7301f", "balanced": "#41ab5d", "surplus": "#4292c6", "no_demand": "#bdbdbd"}


def coverage_map(
    coverage: pd.DataFrame | QuotaResult,
    *,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw the pipeline coverage of each program by year: deficit, balanced or surplus.

    Each cell is a specialty and level (rows) in a year (columns), coloured by its band and showing the coverage
    ratio (the graduates already in the pipeline who will work in the field in the region, divided by the
    graduates wanted): below 0.8 a deficit, 0.8–1.2 balanced, above 1.2 a surplus.

    Parameters
    ----------
    coverage
        ``QuotaResult.coverage`` (``specialty``, ``level``, ``year``, ``ratio``, ``band``), or the result itself.
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The rows are labelled with the specialty code and its ФГОС title, the columns with the years.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> table = pd.DataFrame({"specialty": ["09.02.07", "09.02.07", "09.03.04"], "level": ["spo11", "spo11",
    ...     "bachelor"], "year": [2026, 2027, 2026], "ratio": [0.5, 1.0, 2.0],
    ...     "band": ["deficit", "balanced", "surplus"]})
    >>> ax = coverage_map(table, lang="en")
    >>> [t.get_text() for t in ax.get_xticklabels()], len(ax.get_yticklabels())
    (['2026', '2027'], 2)
    """
    text = texts(lang)
    if isinstance(coverage, QuotaResult):
        coverage = coverage.coverage
    require(coverage, {"specialty", "level", "year", "ratio", "band"}, "coverage_map", "QuotaResult.coverage")
    if coverage.empty:
        raise ConfigError(
            "coverage_map: the coverage table is empty: the quota was computed without a pipeline (students "
            "already enrolled); give Inputs(pipeline=...) or compute it from a bundle with an enrolment table."
        )
    unknown = set(coverage["band"]) - set(_BANDS)
    if unknown:
        raise ConfigError(f"coverage_map: unknown band(s) {sorted(unknown)}; expected {list(_BANDS)}.")
    programs = coverage[["specialty", "level"]].drop_duplicates().sort_values(["specialty", "level"])
    years = sorted(int(y) for y in coverage["year"].unique())
    row_of = {
        (s, lv): i for i, (s, lv) in enumerate(zip(programs["specialty"], programs["level"], strict=True))
    }
    col_of = {y: j for j, y in enumerate(years)}
    band_codes = list(_BANDS)
    grid = np.full((len(row_of), len(years)), np.nan)
    grid_text: list[tuple[int, int, str]] = []
    for r in coverage.itertuples(index=False):
        i, j = row_of[(r.specialty, r.level)], col_of[int(r.year)]
        grid[i, j] = band_codes.index(r.band)
        ratio = "—" if pd.isna(r.ratio) else f"{r.ratio:.2f}"
        ax_text = ratio.replace(".", ",") if lang == "ru" else ratio
        grid_text.append((j, i, ax_text))
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    ax = new_axes(ax, 0.32 * len(row_of) + 1.5, 11)
    ax.imshow(
        grid, cmap=ListedColormap(list(_BANDS.values())), vmin=-0.5, vmax=len(_BANDS) - 0.5, aspect="auto"
    )
    for j, i, label in grid_text:
        ax.text(j, i, label, ha="center", va="center", fontsize="x-small")
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    labels = [program(s, lv, lang) for s, lv in row_of]
    ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.set_title(f"{text['coverage']}\n{text['coverage_note']}", fontsize="medium")
    names = value_label(pd.Series(band_codes, dtype=object), lang).tolist()
    present = [k for k, code in enumerate(band_codes) if code in set(coverage["band"])]
    ax.legend(
        [Patch(color=_BANDS[band_codes[k]]) for k in present],
        [names[k] for k in present],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.05),
        ncols=len(present),
        frameon=False,
    )
    return ax


def allocation(
    allocation: pd.DataFrame | QuotaResult,
    intake_year: int | None = None,
    *,
    specialty: str | None = None,
    institutions: pd.DataFrame | None = None,
    lang: str = "ru",
    ax: Axes | None = None,
) -> Axes:
    """Draw each institution's share of the quota against its capacity for one intake year.

    One bar per institution and program: the capacity in light grey behind, the allocated quota in front (blue for
    a college, decided by the region; orange for a university, a proposal to the federal competition), its target
    training part hatched. Rows are grouped by institution.

    Parameters
    ----------
    allocation
        ``QuotaResult.allocation``, or the result itself.
    intake_year
        The intake year; default the first.
    specialty
        Show one specialty only (all its levels).
    institutions
        A table with ``institution`` and ``name`` (the bundle's ``institutions``) to label rows with names.
    lang
        ``"ru"`` (default) or ``"en"``.
    ax
        Axes to draw on; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One y tick per institution and program.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> table = pd.DataFrame({"institution": ["C01", "C02"], "specialty": "09.02.07", "level": "spo11",
    ...     "intake_year": 2026, "capacity": [100, 50], "quota": [60, 25], "target_quota": [10, 0],
    ...     "decision": "region"})
    >>> ax = allocation(table, lang="en")
    >>> ax.get_title(loc="right"), len(ax.get_yticklabels())
    ('Quota allocation to institutions, intake 2026', 2)
    """
    text = texts(lang)
    if isinstance(allocation, QuotaResult):
        allocation = allocation.allocation
    require(
        allocation,
        {"institution", "specialty", "level", "intake_year", "capacity", "quota"},
        "allocation",
        "QuotaResult.allocation",
    )
    if allocation.empty:
        raise ConfigError("allocation: the allocation table is empty (no intake year within the horizon).")
    year = int(allocation["intake_year"].min()) if intake_year is None else int(intake_year)
    shown = allocation[allocation["intake_year"] == year]
    if specialty is not None:
        shown = shown[shown["specialty"] == specialty]
    if shown.empty:
        raise ConfigError(
            f"allocation: no rows for intake {year}"
            + (f" and specialty {specialty!r}" if specialty is not None else "")
            + f"; the table has intake years {sorted(int(y) for y in allocation['intake_year'].unique())} and "
            f"specialties {sorted(allocation['specialty'].unique())[:12]}."
        )
    shown = shown.sort_values(["institution", "specialty", "level"], ascending=False).reset_index(drop=True)
    names: dict[str, str] = {}
    if institutions is not None:
        require(institutions, {"institution", "name"}, "allocation", "a table with institution and name")
        names = dict(
            zip(institutions["institution"].astype(str), institutions["name"].astype(str), strict=False)
        )
    own_figure = ax is None
    ax = new_axes(ax, 0.32 * len(shown) + 1.8, 10)
    positions = np.arange(len(shown))
    ax.barh(positions, shown["capacity"], color="lightgrey", height=0.8, label=text["capacity"])
    proposal = (
        (shown["decision"] == "proposal").to_numpy()
        if "decision" in shown.columns
        else np.zeros(len(shown), bool)
    )
    for mask, key, colour in ((~proposal, "quota_region", "C0"), (proposal, "quota_proposal", "C1")):
        if mask.any():
            ax.barh(positions[mask], shown["quota"][mask], color=colour, height=0.5, label=text[key])
    if "target_quota" in shown.columns and (shown["target_quota"] > 0).any():
        ax.barh(
            positions,
            shown["target_quota"],
            height=0.5,
            fill=False,
            hatch="///",
            edgecolor="black",
            lw=0,
            label=text["target"],
        )
    for position, quota in zip(positions, shown["quota"], strict=True):
        ax.annotate(
            str(int(quota)), (quota, position), xytext=(3, 0), textcoords="offset points", va="center",
            fontsize="x-small",
        )  # fmt: skip
    labels = [
        f"{r.institution}{' ' + shorten(names[r.institution], 28) if r.institution in names else ''} — "
        f"{program(r.specialty, r.level, lang, width=55)}"
        for r in shown.itertuples(index=False)
    ]
    ax.set_yticks(positions, labels, fontsize="small")
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlabel(text["places"])
    ax.set_title(text["allocation"].format(year=year), loc="right")  # over the bars and their long labels
    if own_figure:  # below the axes and their label, in the space the layout keeps for it
        handles, texts_ = ax.get_legend_handles_labels()
        ax.figure.legend(handles, texts_, loc="outside lower center", ncols=4, frameon=False)
    else:
        ax.legend(loc="best", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return ax
