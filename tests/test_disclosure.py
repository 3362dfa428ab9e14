"""Disclosure control: the primary rule by hand, and an attacker who differences the visible cells recovers nothing.

The attack is written here independently of the module: the unknowns are the finest cells of the hierarchy
(``Hierarchy.summing_matrix``), every visible cell is a linear equation on them, and a withheld cell is recovered
when its row of the summing matrix lies in the span of the visible rows (rank test), or when linear programming
over non-negative finest cells bounds it to a single value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

import staffing_forecast as sf
from staffing_forecast.disclosure import KEYS, Rules, audit, employers, primary, secondary, suppress
from staffing_forecast.errors import ConfigError, SchemaError


# --- the attacker -----------------------------------------------------------------------------------------------
def _one_date(cells: pd.DataFrame, employment: pd.DataFrame, levels, ds):
    """The summing matrix, the cells in its row order, and the finest values, at one date."""
    rows = employment[employment["ds"] == ds]
    hierarchy = sf.Hierarchy.from_keys(rows, levels)
    summing = hierarchy.summing_matrix().toarray()
    at = cells[cells["ds"] == ds]
    keys = list(hierarchy.keys)
    order = pd.MultiIndex.from_frame(at[keys]).get_indexer(
        pd.MultiIndex.from_frame(hierarchy.key_table[keys])
    )
    assert (order >= 0).all()
    return summing, at.iloc[order]


def recovered_by_rank(cells, suppressed, employment, levels) -> list[tuple[str, object]]:
    """Withheld cells whose summing row is a combination of the visible cells' rows, on every date."""
    out = []
    flags = pd.Series(suppressed, index=cells.index)
    for ds in sorted(cells["ds"].unique()):
        summing, at = _one_date(cells, employment, levels, ds)
        hidden = flags.loc[at.index].to_numpy()
        visible = summing[~hidden]
        # the finest cells' freedom left by the visible cells; a withheld cell that cannot move is recovered
        free = null_space(visible) if len(visible) else np.eye(summing.shape[1])
        moves = np.abs(summing[hidden] @ free).max(axis=1, initial=0.0)
        out += [(uid, ds) for uid in at["unique_id"].to_numpy()[hidden][moves < 1e-8]]
    return out


def recovered_by_lp(cells, suppressed, employment, levels, ds, value="y") -> list[tuple[str, float, float]]:
    """Withheld cells whose bounds under the visible cells and non-negative finest cells are one value."""
    summing, at = _one_date(cells, employment, levels, ds)
    hidden = pd.Series(suppressed, index=cells.index).loc[at.index].to_numpy()
    visible = summing[~hidden]
    known = at[value].to_numpy(float)[~hidden]
    out = []
    for i in np.flatnonzero(hidden):
        low = linprog(summing[i], A_eq=visible, b_eq=known, bounds=(0, None), method="highs")
        high = linprog(-summing[i], A_eq=visible, b_eq=known, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, nothing pins it
        if high.status == 0 and -high.fun - low.fun < 1e-6:
            out.append((at["unique_id"].iloc[i], low.fun, -high.fun))
    return out


def table(employment: pd.DataFrame, levels) -> pd.DataFrame:
    """Every cell of the hierarchy of ``levels`` on every date, as a table to publish."""
    return sf.Hierarchy.from_keys(employment, levels).aggregate(employment)


# --- the demo -----------------------------------------------------------------------------------------------
DEMO_LEVELS = [[], ["occupation"], ["sector"], ["sector", "occupation"], list(KEYS)]


@pytest.fixture(scope="module")
def demo():
    employment = sf.datasets.load_demo().employment
    cells = table(employment, DEMO_LEVELS)
    contributors = employment[[*KEYS, "ds", "y"]]
    return employment, cells, contributors


@pytest.mark.slow
def test_withholding_small_cells_alone_gives_cells_away(demo):
    employment, cells, _ = demo
    last = cells[cells["ds"] == cells["ds"].max()]
    small = primary(last, None, value="y")  # the size rule only, no complementary cells
    assert recovered_by_rank(last, small, employment, DEMO_LEVELS)
    assert audit(last, small).size


@pytest.mark.slow
def test_the_demo_suppressed_recovers_nothing_on_any_date(demo):
    employment, cells, contributors = demo
    hidden = suppress(cells, contributors, value="y")
    sensitive = primary(cells, contributors, value="y")
    assert (hidden >= sensitive).all()
    assert not hidden.all()  # the totals and large cells stay visible
    assert recovered_by_rank(cells, hidden, employment, DEMO_LEVELS) == []
    assert recovered_by_lp(cells, hidden, employment, DEMO_LEVELS, cells["ds"].max()) == []
    assert audit(cells, hidden).size == 0


def test_primary_rule_on_the_demo_counts_employers(demo):
    employment, cells, contributors = demo
    last = cells[cells["ds"] == cells["ds"].max()].reset_index(drop=True)
    sensitive = primary(last, contributors, Rules(min_size=0), value="y")
    rows = employment[employment["ds"] == employment["ds"].max()]
    by = rows[rows["y"] > 0].groupby(["sector", "occupation"])
    count = by["employer"].nunique()
    share = by.apply(lambda g: g.groupby("employer")["y"].sum().max() / g["y"].sum(), include_groups=False)
    expected = (count < 3) | (share > 0.85)
    level = last[(last["sector"] != "*") & (last["occupation"] != "*") & (last["employer"] == "*")]
    got = pd.Series(sensitive[level.index], index=pd.MultiIndex.from_frame(level[["sector", "occupation"]]))
    assert got.sort_index().tolist() == expected.reindex(got.sort_index().index, fill_value=True).tolist()
    assert sensitive[(last["employer"] != "*").to_numpy()].all()  # an employer's own figure, always


# --- a generated hierarchy of many single-employer cells -----------------------------------------------------
def generated(seed: int, n_employers: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(n_employers):
        sector = f"S{rng.integers(6)}"
        for occupation in rng.choice([f"O{i}" for i in range(10)], size=rng.integers(1, 4), replace=False):
            for year in (2024, 2025):
                rows.append(
                    (
                        "67",
                        sector,
                        f"E{e:03d}",
                        str(occupation),
                        pd.Timestamp(f"{year}-01-01"),
                        float(rng.integers(1, 60)),
                    )
                )
    frame = pd.DataFrame(rows, columns=[*KEYS, "ds", "y"])
    frame.insert(0, "unique_id", sf.make_unique_id(frame, list(KEYS)))
    return frame


GEN_LEVELS = [[], ["sector"], ["occupation"], ["sector", "occupation"], list(KEYS)]


@pytest.mark.slow
def test_a_generated_hierarchy_of_single_employer_cells_recovers_nothing():
    employment = generated(7)
    cells = table(employment, GEN_LEVELS)
    contributors = employment[[*KEYS, "ds", "y"]]
    cell = cells[(cells["sector"] != "*") & (cells["occupation"] != "*") & (cells["employer"] == "*")]
    single = employment.groupby(["ds", "sector", "occupation"])["employer"].nunique() == 1
    assert single.mean() > 0.5 and len(cell)  # mostly one employer's head count
    hidden = suppress(cells, contributors, value="y")
    assert recovered_by_rank(cells, hidden, employment, GEN_LEVELS) == []
    for ds in cells["ds"].unique():
        assert recovered_by_lp(cells, hidden, employment, GEN_LEVELS, ds) == []


def test_a_crossed_table_with_both_margins():
    """Sector × occupation with both margins: the rule of one relation at a time is not enough there."""
    employment = generated(3, n_employers=60)
    levels = [[], ["sector"], ["occupation"], ["sector", "occupation"]]
    cells = table(employment, levels)
    hidden = suppress(cells, employment[[*KEYS, "ds", "y"]], value="y")
    assert recovered_by_rank(cells, hidden, employment, levels) == []


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 3), st.integers(1, 100)),
        min_size=1,
        max_size=25,
        unique_by=lambda t: (t[1], t[2]),
    ),
    st.integers(1, 4),
    st.sampled_from([0.5, 0.85, 1.0]),
    st.sampled_from([0.0, 10.0, 50.0]),
)
def test_random_small_tables_are_protected(entries, min_employers, dominance, min_size):
    rows = [("67", f"S{s}", f"E{e}", f"O{o}", pd.Timestamp("2025-01-01"), float(y)) for s, e, o, y in entries]
    employment = pd.DataFrame(rows, columns=[*KEYS, "ds", "y"])
    employment["sector"] = "S" + employment["employer"].str[1:]  # an employer has one sector
    employment = employment.groupby([*KEYS, "ds"], as_index=False)["y"].sum()
    employment.insert(0, "unique_id", sf.make_unique_id(employment, list(KEYS)))
    levels = [[], ["sector"], ["occupation"], ["sector", "occupation"]]
    cells = table(employment, levels)
    rules = Rules(min_employers=min_employers, dominance=dominance, min_size=min_size)
    sensitive = primary(cells, employment, rules, value="y")
    hidden = secondary(cells, sensitive, value="y")
    assert (hidden >= sensitive).all()
    assert recovered_by_rank(cells, hidden, employment, levels) == []
    assert recovered_by_lp(cells, hidden, employment, levels, cells["ds"].iloc[0]) == []


# --- by hand -----------------------------------------------------------------------------------------------------
def test_the_rules_by_hand():
    contributors = pd.DataFrame(
        {
            "occupation": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
            "employer": ["E1", "E2", "E3", "E1", "E2", "E3", "E1", "E2", "E3"],
            "y": [30.0, 30.0, 30.0, 90.0, 5.0, 5.0, 3.0, 3.0, 2.0],
        }
    )
    cells = pd.DataFrame(
        {
            "ds": pd.Timestamp("2026-01-01"),
            "mean": [298.0, 90.0, 100.0, 8.0, 100.0],
            "employer": "*",
            "occupation": ["*", "A", "B", "C", "D"],
        }
    )
    # A: three equal employers; B: one holds 90 %; C: under the size; D: no employer known
    assert primary(cells, contributors).tolist() == [False, False, True, True, True]
    assert primary(cells, contributors, Rules(dominance=0.95)).tolist() == [False, False, False, True, True]
    assert primary(cells, None).tolist() == [False, False, False, True, False]


def test_a_single_hidden_sibling_pulls_the_smallest_other_one():
    cells = pd.DataFrame(
        {"ds": pd.Timestamp("2026-01-01"), "mean": [100.0, 60.0, 25.0, 15.0], "sector": ["*", "A", "B", "C"]}
    )
    hidden = secondary(cells, np.array([False, True, False, False]), keys=["sector"])
    assert hidden.tolist() == [False, True, False, True]
    assert audit(cells, hidden, keys=["sector"]).size == 0


def test_bad_input_is_named():
    cells = pd.DataFrame({"ds": pd.Timestamp("2026-01-01"), "mean": [1.0, 2.0], "sector": ["A", "A"]})
    with pytest.raises(SchemaError, match="appears twice"):
        primary(cells, keys=["sector"])
    with pytest.raises(SchemaError, match="no 'y' column"):
        primary(cells.drop_duplicates("sector"), keys=["sector"], value="y")
    with pytest.raises(ConfigError, match="dominance"):
        Rules(dominance=1.5)
    with pytest.raises(ConfigError, match="min_employers"):
        Rules(min_employers=0)
    with pytest.raises(SchemaError, match="employer"):
        employers(pd.DataFrame({"ds": [pd.Timestamp("2025-01-01")], "y": [1.0], "sector": ["A"]}))


# --- publication -------------------------------------------------------------------------------------------------
def test_a_workbook_for_publication_has_no_employer_and_blank_withheld_cells(tmp_path):
    from openpyxl import load_workbook

    employment = generated(11, n_employers=15)
    panel = table(employment, [[], ["occupation"], ["occupation", "employer"]])
    panel = panel.drop(columns=["region", "sector"])
    forecast = sf.forecast(panel, h=2, models="naive", level=[80])
    published = sf.disclosure.withhold(forecast)
    hidden = suppress(forecast, sf.disclosure.employers_of(forecast))
    assert (published["employer"] == "*").all() and published["mean"].isna().any()
    assert published["mean"].isna().sum() == hidden[(forecast["employer"] == "*").to_numpy()].sum()
    path = sf.report.forecast_workbook(forecast, tmp_path / "fc.xlsx", lang="en", publish=True)
    sheet = load_workbook(path)["Forecast"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert not any(str(v).startswith("E0") for row in values for v in row)  # no employer id anywhere
    every = sf.report.forecast_workbook(forecast, tmp_path / "all.xlsx", lang="en")
    assert any(
        str(c.value).startswith("E0") for row in load_workbook(every)["Forecast"].iter_rows() for c in row
    )


@pytest.mark.slow
def test_the_job_publishes_with_the_disclosure_option(tmp_path):
    from staffing_forecast.pipeline import parse_config, run

    config = parse_config(
        {
            "sources": {"demo": True},
            "series": {
                "hierarchy": [[], ["occupation"], ["sector", "occupation"], ["employer", "occupation"]]
            },
            "forecast": {"models": ["naive"], "horizon": 1},
            "quota": {"enabled": False},
            "output": {"store": str(tmp_path), "disclosure": True, "plots": False, "lang": "en"},
            "parallel": {"n_jobs": 1},
        }
    )
    assert config.output.disclosure
    result = run(config)
    forecasts = pd.read_parquet(result.path / "forecasts.parquet")
    published = sf.disclosure.withhold(forecasts, pd.read_parquet(result.path / "employers.parquet"))
    assert published["mean"].isna().any() and (forecasts["employer"] != "*").any()
    from openpyxl import load_workbook

    sheet = load_workbook(result.path / "forecast.xlsx")["Forecast"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert not any(v.startswith("E0") for v in cells)  # no employer's row
    levels = config.series.hierarchy
    employment = sf.datasets.load_demo().employment
    history = table(employment, [list(level) for level in levels])
    assert attack_workbook(result.path / "forecast.xlsx", forecasts, history, levels, employment) == []
    # the forecast workbook's actual years and the summary's employment by occupation and by sector, together
    every = [[], ["occupation"], ["sector"], ["sector", "occupation"], ["employer", "occupation"]]
    joint = table(employment, every)
    visible, _, _ = read_forecast_sheet(result.path / "forecast.xlsx", forecasts)
    years = sorted({ds for _, ds in visible} & set(employment["ds"]))  # where the two files overlap
    visible |= summary_visible(result.path / "summary.xlsx", joint)
    for ds in years:
        at = joint[joint["ds"] == ds]
        hidden = ~np.array([(u, ds) in visible for u in at["unique_id"]])
        finest = employment[employment["ds"] == ds]
        at, hidden = with_unshown_cells(at, hidden, finest, every, ds)
        assert recovered_by_rank(at, hidden, finest, every) == []
    sectors = published[published["sector"] != "*"]
    assert sum(v in set(sectors["sector"]) for v in cells) == len(
        sectors
    )  # every sector row, withheld or not
    assert cells.count("withheld") >= sectors["mean"].isna().sum()  # the withheld ones marked


def test_a_disclosure_run_that_fails_at_the_quota_keeps_a_workbook_for_publication(tmp_path, monkeypatch):
    import sys

    from openpyxl import load_workbook

    from staffing_forecast.pipeline import parse_config, run

    job = sys.modules["staffing_forecast.pipeline.run"]  # the module, which the function of that name hides

    def broken(*args, **kwargs):
        raise RuntimeError("the quota failed")

    monkeypatch.setattr(job, "_quota", broken)
    config = parse_config(
        {
            "sources": {"demo": True},
            "series": {
                "hierarchy": [[], ["occupation"], ["sector", "occupation"], ["employer", "occupation"]]
            },
            "forecast": {"models": ["naive"], "horizon": 1},
            "output": {"store": str(tmp_path), "disclosure": True, "plots": False, "lang": "en"},
            "parallel": {"n_jobs": 1},
        }
    )
    with pytest.raises(Exception, match="the quota failed"):
        run(config)
    [kept] = list((tmp_path / "runs").glob("*/forecast.xlsx"))
    cells = [str(c) for row in load_workbook(kept)["Forecast"].iter_rows(values_only=True) for c in row]
    assert "withheld" in cells and not any(c.startswith("E0") for c in cells)  # no employer's figure


@pytest.mark.slow
def test_the_published_summary_gives_no_sector_away(demo, tmp_path):
    from staffing_forecast.report.summary import write_summary

    employment, _, _ = demo
    path = write_summary(sf.datasets.load_demo(), tmp_path / "summary.xlsx", lang="en", rules=Rules())
    sheets = pd.read_excel(path, sheet_name=None, dtype={"ОКВЭД2": str, "Код ОКЗ": str})
    by_sector = sheets["Employment by sector"].set_index("ОКВЭД2")
    by_occupation = sheets["Employment by occupation"]
    assert by_sector.isna().any().any() and not by_occupation.isna().any().any()
    levels = [[], ["occupation"], ["sector"], ["sector", "occupation"]]
    cells = table(employment, levels)
    year = cells["ds"].dt.year
    shown = pd.Series(True, index=cells.index)
    is_sector = (cells["sector"] != "*") & (cells["occupation"] == "*")
    blank = [
        by_sector.loc[s, y] != by_sector.loc[s, y]
        for s, y in zip(cells.loc[is_sector, "sector"], year[is_sector], strict=True)
    ]
    shown[is_sector] = ~np.array(blank)
    shown[(cells["sector"] != "*") & (cells["occupation"] != "*")] = False  # sector x occupation: not shown
    assert recovered_by_rank(cells, ~shown.to_numpy(), employment, levels) == []


# --- the published workbook, read back and attacked ----------------------------------------------------------------
def read_forecast_sheet(path, forecast: pd.DataFrame) -> tuple[set, dict, list]:
    """The (unique_id, ds) cells whose numbers the workbook's forecast sheet shows, the values, and its rows.

    Each row is matched to its series by the key columns shown; the total row to the top cell (every key ``*``):
    the total of the bottom rows is the same equation on the finest cells as the top cell.
    """
    from openpyxl import load_workbook

    from staffing_forecast.report.labels import column_label

    rows = list(load_workbook(path)["Forecast"].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if "Model" in row)
    header = rows[at]
    keys = [k for k in KEYS if k in forecast.columns]
    shown = {header.index(column_label(k, "en")[0]): k for k in keys if column_label(k, "en")[0] in header}
    ids = forecast.drop_duplicates("unique_id").set_index(keys)["unique_id"]
    visible, values = set(), {}
    for row in rows[at + 1 :]:
        named = {k: "*" for k in keys} | {k: str(row[i]) for i, k in shown.items()}
        if row[min(shown)] == "Total":
            named = {k: "*" for k in keys}
            if tuple(named.values()) not in ids.index:  # no top cell: the total must be withheld throughout
                assert not any(isinstance(v, int | float) for v in row), row
                continue
        uid = ids.loc[tuple(named[k] for k in keys)]
        for j, column in enumerate(header):
            if isinstance(column, int):
                ds = pd.Timestamp(f"{column}-01-01")
            elif isinstance(column, str) and column.endswith(", actual"):
                ds = pd.Timestamp(f"{column.split(',')[0]}-01-01")
            else:
                continue
            value = row[j]
            assert value == "withheld" or isinstance(value, int | float), (uid, column, value)
            if value != "withheld":
                visible.add((uid, ds))
                values[(uid, ds)] = value
    return visible, values, rows[at + 1 :]


def with_unshown_cells(cells, hidden, finest, levels, ds):
    """Add the cells of the hierarchy the table has no row for (its finest level, say) as withheld ones."""
    hierarchy = sf.Hierarchy.from_keys(finest, levels)
    keys = list(hierarchy.keys)
    every = hierarchy.key_table[keys].drop_duplicates()
    known = pd.MultiIndex.from_frame(cells[keys])
    extra = every[~pd.MultiIndex.from_frame(every).isin(known)]
    if extra.empty:
        return cells, hidden
    extra = extra.assign(ds=ds, y=np.nan, unique_id=[f"unshown {i}" for i in range(len(extra))])
    out = pd.concat([cells, extra], ignore_index=True)
    return out, np.concatenate([hidden, np.ones(len(extra), dtype=bool)])


def summary_visible(path, cells: pd.DataFrame) -> set:
    """The (unique_id, ds) cells whose numbers the summary's employment by occupation and by sector show."""
    codes = {"ОКЗ code": "occupation", "ОКВЭД2": "sector"}
    sheets = pd.read_excel(path, sheet_name=None, dtype=dict.fromkeys(codes, str))
    ids = cells.drop_duplicates("unique_id").set_index(list(KEYS))["unique_id"]
    out = set()
    for title in ("Employment by occupation", "Employment by sector"):
        sheet = sheets[title]
        column = next(c for c in sheet.columns if c in codes)
        for _, row in sheet.iterrows():
            named = {k: "*" for k in KEYS} | {codes[column]: row[column]}
            uid = ids.loc[tuple(named[k] for k in KEYS)]
            out |= {
                (uid, pd.Timestamp(f"{y}-01-01"))
                for y in sheet.columns
                if isinstance(y, int) and pd.notna(row[y])
            }
    return out


def attack_workbook(path, forecast, history, levels, employment) -> list:
    """Run the differencing attacker on every number of the forecast sheet, forecast periods and actuals alike.

    The unknowns are the finest cells of ``employment`` (its key combinations of the last year stand for those of
    the forecast years); every number shown is an equation on them.
    """
    visible, values, _ = read_forecast_sheet(path, forecast)
    last = employment[employment["ds"] == employment["ds"].max()]
    recovered = []
    frames = (forecast.rename(columns={"mean": "y"}), history)
    for frame in frames:
        dates = sorted({ds for _, ds in visible} & set(frame["ds"]))
        for ds in dates:
            cells = frame[frame["ds"] == ds]
            hidden = ~np.array([(u, ds) in visible for u in cells["unique_id"]])
            finest = employment[employment["ds"] == ds]
            finest = finest if len(finest) else last.assign(ds=ds)
            cells, hidden = with_unshown_cells(cells, hidden, finest, levels, ds)
            recovered += recovered_by_rank(cells, hidden, finest, levels)
            recovered += recovered_by_lp(cells, hidden, finest, levels, ds)
    # every number shown is the true one (the total, the sum of the bottom rows, equals the top cell here)
    truth = pd.concat(frames).set_index(["unique_id", "ds"])["y"]
    assert all(abs(v - truth.loc[k]) < 0.5 for k, v in values.items())
    return recovered


PUBLISHED_LEVELS = [[], ["occupation"], ["sector", "occupation"], list(KEYS)]


@pytest.fixture(scope="module")
def published_case():
    employment = generated(5, n_employers=20)
    panel = table(employment, PUBLISHED_LEVELS)
    forecast = sf.forecast(panel, h=2, models="naive", level=[80])
    return panel, forecast


def test_a_published_workbook_read_back_gives_nothing_away(published_case, tmp_path):
    from openpyxl import load_workbook

    panel, forecast = published_case
    path = sf.report.forecast_workbook(
        forecast, tmp_path / "fc.xlsx", lang="en", publish=True, history=panel, actuals=2
    )
    visible, _, rows = read_forecast_sheet(path, forecast)
    marks = [row.count("withheld") for row in rows]
    numbers = [len([c for c in row if c == "withheld" or isinstance(c, int | float)]) for row in rows]
    assert any(
        m and m == n for m, n in zip(marks, numbers, strict=True)
    )  # a row withheld throughout is shown
    assert rows[-1][0] == "Total" and "withheld" not in rows[-1]  # the top cell is published here
    public = forecast[forecast["employer"] == "*"]
    assert len(rows) == public["unique_id"].nunique() + 1  # every series has its row, and the total
    finest = panel[(panel[list(KEYS)] != "*").all(axis=1)]
    assert attack_workbook(path, forecast, panel, PUBLISHED_LEVELS, finest) == []
    # the intervals sheet shows no number the forecast sheet withholds
    sheet = list(load_workbook(path)["Intervals"].iter_rows(values_only=True))
    header = sheet[0]
    ids = public.drop_duplicates("unique_id").set_index(["sector", "occupation"])["unique_id"]
    s, o, year = (header.index(c) for c in ("ОКВЭД2 code", "ОКЗ code", "Year"))
    numbers = [
        (ids.loc[(str(row[s]), str(row[o]))], pd.Timestamp(f"{row[year]}-01-01"))
        for row in sheet[1:]
        if any(isinstance(v, int | float) for v in row[year + 1 :])
    ]
    assert numbers and set(numbers) <= visible
    every = sf.report.forecast_workbook(forecast, tmp_path / "all.xlsx", lang="en", history=panel, actuals=2)
    cells = [c for row in load_workbook(every)["Forecast"].iter_rows(values_only=True) for c in row]
    assert "withheld" not in cells and any(str(c).startswith("E0") for c in cells)  # the employer scope: all


def test_the_total_of_a_forecast_without_its_top_cell_is_withheld(published_case, tmp_path):
    panel, forecast = published_case
    no_top = forecast[~(forecast[list(KEYS)] == "*").all(axis=1)]
    history = panel[panel["unique_id"].isin(no_top["unique_id"])]
    path = sf.report.forecast_workbook(
        no_top, tmp_path / "fc.xlsx", lang="en", publish=True, history=history, actuals=2
    )
    _, _, rows = read_forecast_sheet(path, no_top)
    total = rows[-1]
    assert total[0] == "Total" and total.count("withheld") == 5  # two actuals, two years, the change
    assert not any(isinstance(v, int | float) for v in total)
