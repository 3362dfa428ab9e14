"""sf.Hierarchy: levels, ids by the aggregate rule, the summing matrix, and bad structures named."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import staffing_forecast as sf
from staffing_forecast.hierarchy import with_occupation_group

from .strategies import hierarchy_panels

LEVELS = [[], ["sector"], ["sector", "employer"], ["occupation"], ["sector", "employer", "occupation"]]


@given(hierarchy_panels())
@settings(max_examples=20, deadline=None)
def test_every_parent_is_the_sum_of_its_children(panel):
    h = sf.Hierarchy.from_keys(panel, LEVELS)
    full = h.aggregate(panel)
    assert set(full["unique_id"]) == set(h.ids)
    values = full.pivot(index="unique_id", columns="ds", values="y").reindex(h.ids).fillna(0.0).to_numpy()
    S = h.summing_matrix()
    np.testing.assert_allclose(S @ values[-S.shape[1] :], values, atol=1e-9)
    # the same ids as sf.aggregate gives one level at a time
    by_sector = sf.aggregate(panel, by=["sector"])
    assert set(by_sector["unique_id"]) == set(h.tags["sector"])
    merged = by_sector.merge(full, on=["unique_id", "ds"], suffixes=("", "_h"))
    np.testing.assert_allclose(merged["y"], merged["y_h"])


def test_ids_levels_and_matrix_of_a_crossed_structure():
    panel = pd.DataFrame(
        {
            "unique_id": ["E1/2512", "E1/2514", "E2/2512"],
            "ds": pd.Timestamp("2025-01-01"),
            "y": [1.0, 2.0, 4.0],
            "employer": ["E1", "E1", "E2"],
            "occupation": ["2512", "2514", "2512"],
        }
    )
    h = sf.Hierarchy.from_keys(
        panel, {"all": [], "by employer": ["employer"], "by occupation": ["occupation"]}
    )
    assert list(h.levels) == ["all", "by employer", "by occupation", "employer/occupation"]
    assert h.bottom_ids == ["E1/2512", "E1/2514", "E2/2512"]
    assert not h.is_tree
    assert h.summing_matrix().toarray().tolist() == [
        [1, 1, 1],
        [1, 1, 0],
        [0, 0, 1],
        [1, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
    ]
    assert h.level_of["*/2512"] == "by occupation"
    assert h.aggregate(panel).set_index("unique_id").loc["*/2512", "y"] == 5.0


def test_a_panel_finer_than_the_bottom_is_summed_to_it(demo):
    h = sf.Hierarchy.from_keys(
        demo.employment, [["region"], ["region", "sector"], ["region", "sector", "employer"]]
    )
    assert h.is_tree and h.bottom_level == "region/sector/employer"
    full = h.aggregate(demo.employment)
    total = demo.employment.groupby("ds")["y"].sum()
    assert np.allclose(full[full["unique_id"] == "67/*/*/*"].set_index("ds")["y"], total)


def test_occupation_groups_from_the_code(demo):
    panel = with_occupation_group(demo.employment)
    h = sf.Hierarchy.from_keys(
        panel, [[], ["occupation_group"], ["occupation_group", "occupation"], ["employer"]]
    )
    groups = set(sf.reference.occupations()["group"])
    assert {uid.split("/")[3] for uid in h.tags["occupation_group"]} <= groups
    assert h.bottom_ids[0].count("/") == 4  # region/sector/employer/group/occupation


def test_nested_true_names_a_child_with_two_parents():
    panel = pd.DataFrame(
        {
            "unique_id": ["A/E1", "B/E1"],
            "ds": pd.Timestamp("2025-01-01"),
            "y": 1.0,
            "sector": ["A", "B"],
            "employer": ["E1", "E1"],
        }
    )
    with pytest.raises(
        sf.SchemaError, match=r"'\*/E1' \(level 'employer'\) has two parents on level 'sector'"
    ):
        sf.Hierarchy.from_keys(panel, [["sector"], ["employer"], ["sector", "employer"]], nested=True)
    assert not sf.Hierarchy.from_keys(panel, [["sector"], ["employer"]]).is_tree


def test_bad_structures_are_schema_errors_naming_the_keys(demo):
    panel = demo.employment
    with pytest.raises(
        sf.SchemaError, match=r"'sectr' is not a key column of the panel; did you mean 'sector'"
    ):
        sf.Hierarchy.from_keys(panel, [[], ["sectr"]])
    with pytest.raises(sf.ConfigError, match="is a string"):
        sf.Hierarchy.from_keys(panel, ["sector"])
    with pytest.raises(sf.SchemaError, match="holds '\\*'"):
        sf.Hierarchy.from_keys(sf.aggregate(panel, by=["sector"]), [[], ["sector"]])
    h = sf.Hierarchy.from_keys(panel[panel["employer"] != "E001"], [[], ["employer"]])
    with pytest.raises(sf.SchemaError, match="outside the hierarchy, e.g. \\['employer'\\] = 'E001'"):
        h.aggregate(panel)


def test_restrict_and_label(demo):
    h = sf.Hierarchy.from_keys(demo.employment, [[], ["sector"], ["sector", "employer"]])
    small = h.restrict(h.bottom_ids[:5])
    assert small.summing_matrix().shape[1] == 5
    labelled = h.label(h.aggregate(demo.employment))
    assert labelled.columns[1] == "hierarchy_level"
    assert set(labelled["hierarchy_level"]) == set(h.levels)


def test_a_hundred_thousand_bottom_series_build_in_seconds():
    rng = np.random.default_rng(0)
    n = 100_000
    employer = rng.integers(0, 17_000, n)
    occupation = rng.integers(0, 16, n)
    keys = pd.DataFrame({"employer": employer, "occupation": occupation}).drop_duplicates()
    panel = pd.DataFrame(
        {
            "unique_id": "x",
            "ds": pd.Timestamp("2025-01-01"),
            "y": 1.0,
            "sector": (keys["employer"] % 8).astype(str).to_numpy(),
            "employer": ("E" + keys["employer"].astype(str)).to_numpy(),
            "occupation": (2500 + keys["occupation"]).astype(str).to_numpy(),
        }
    )
    start = time.perf_counter()
    h = sf.Hierarchy.from_keys(panel, LEVELS)
    S = h.summing_matrix()
    elapsed = time.perf_counter() - start
    assert S.shape[1] == len(keys) and S.nnz == 5 * len(keys)
    assert elapsed < 15, f"{elapsed:.1f} s"
