"""The batch job: its configuration, the run store, and the faults it must survive (on a small cluster)."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import staffing_forecast as sf
from staffing_forecast.cli import main
from staffing_forecast.pipeline import (
    EXAMPLE,
    RunStore,
    StoreError,
    diff_runs,
    load_config,
    load_inputs,
    open_run,
    parse_config,
    run,
)

NEWCOMER = "67/62.01/E999/2512"  # one observation: every model fails on it, the fallback says why


def toml(data: dict) -> str:
    """A run.toml from a dict of sections (strings, numbers, booleans, lists and one level of inline tables)."""

    def value(v):
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        return json.dumps(v)

    return "".join(
        f"[{section}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in keys.items())
        for section, keys in data.items()
    )


@pytest.fixture(scope="module")
def bundle_folder(tmp_path_factory):
    """A small cluster as files, with a newcomer series of one observation."""
    cluster = sf.datasets.make_cluster(n_employers=6, years=(2016, 2025), seed=3)
    employment = cluster.employment
    newcomer = employment.iloc[[-1]].assign(
        sector="62.01",
        employer="E999",
        occupation="2512",
        ds=pd.Timestamp("2025-01-01"),
        y=7.0,
        unique_id=NEWCOMER,
    )
    cluster = dataclasses.replace(cluster, employment=pd.concat([employment, newcomer], ignore_index=True))
    folder = tmp_path_factory.mktemp("cluster") / "data"
    sf.write_bundle(cluster, folder, format="parquet")  # quicker to read than CSV
    return folder


def settings(data: Path, store: Path, **sections) -> dict:
    """A quick job: occupations and the bottom series, two cheap models, no quota, workbooks or plots, one process."""
    out = {
        "sources": {"bundle": str(data)},
        "series": {"hierarchy": [["occupation"]], "bottom": True},
        "forecast": {"models": ["naive", "drift"], "horizon": 3, "levels": [80], "cv_windows": 2},
        "quota": {"enabled": False},
        "output": {"store": str(store), "workbooks": False, "plots": False},
        "parallel": {"n_jobs": 1},
    }
    for name, keys in sections.items():
        out[name] = out.get(name, {}) | keys
    return out


# --- configuration ---------------------------------------------------------------------------------------------


def test_init_config_writes_the_demo_job_that_run_accepts_as_written(tmp_path, capsys):
    from staffing_forecast.cli_pipeline import demo_config

    path = tmp_path / "run.toml"
    assert main(["init-config", str(path)]) == 0
    assert f"staffing-forecast run {path}" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == EXAMPLE
    config = load_config(path)
    assert config.sources.demo and config.output.store == tmp_path / "runs-store"
    # The same job as `staffing-forecast demo`, which test_cli runs end to end, apart from where data come from.
    demo = demo_config(tmp_path / "data", tmp_path, h=7, lang="ru", n_jobs=-1)
    for section in ("series", "forecast", "adjustments", "quota", "parallel"):
        assert getattr(config, section) == getattr(demo, section), section
    assert main(["init-config", str(path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"forecast": {"horizn": 3}}, "[forecast]: unknown key 'horizn'; did you mean 'horizon'"),
        ({"forcast": {}}, "unknown section [forcast]; did you mean 'forecast'?"),
        ({"forecast": {"horizon": "7"}}, "[forecast] horizon = '7': expected a whole number."),
        (
            {"forecast": {"metric": "mse"}},
            "[forecast] metric = 'mse': not allowed; did you mean 'rmse' or 'mase'",
        ),
        ({"forecast": {"models": ["etss"]}}, "[forecast] models: 'etss' is not allowed; did you mean 'ets'?"),
        (
            {"forecast": {"reconcile": "mint_shrnk"}},
            "[forecast] reconcile = 'mint_shrnk': not allowed; did you mean 'mint_shrink'? Allowed: 'none', "
            "'bottom_up', 'top_down_historical', 'top_down_forecast', 'middle_out', 'ols', 'wls_struct', "
            "'wls_var', 'mint_shrink'.",
        ),
        (
            {"forecast": {"reconcile": "wls_struct"}},
            "[forecast] reconcile = 'wls_struct': [series] hierarchy = [['occupation']] is a single level, so "
            "there is nothing to add up",
        ),
        (
            {
                "series": {"hierarchy": [[], ["sector"], ["occupation"]]},
                "forecast": {"reconcile": "middle_out"},
            },
            "[forecast] reconcile = 'middle_out': splits top series down a strict tree, but [series] hierarchy = "
            "[[], ['sector'], ['occupation']] is grouped (crossed: neither of two levels keeps the other's keys). "
            "Use one of 'bottom_up', 'ols', 'wls_struct', 'wls_var', 'mint_shrink'",
        ),
        ({"quota": {"interval_level": 90}}, "interval_level = 90: the forecast has no such interval"),
        ({"quota": {"cost_short": 50}}, "[quota]: Policy: the costs put the recommendation"),
        ({"series": {"hierarchy": [["ocupation"]]}}, "'ocupation' is not a key; did you mean 'occupation'?"),
        ({"output": {"lang": "de"}}, "[output] lang = 'de': not allowed"),
        ({"output": {"plots": "yes"}}, "[output] plots = 'yes': expected true or false."),
        ({"parallel": {"scheduler": "host:8786"}}, "give a Dask scheduler address, e.g. 'tcp://host:8786'"),
        (
            {
                "sources": {
                    "demo": False,
                    "sql": {"url": "postgresql://forecast:secret@db/cluster", "tables": {}},
                }
            },
            "the URL holds a password; remove it and name the environment variable",
        ),
        ({"sources": {"demo": False}}, "[sources]: no data; set bundle = 'folder'"),
    ],
)
def test_config_errors_name_the_key_the_value_and_what_is_allowed(data, message):
    data = {"sources": {"demo": True}} | data if "sources" not in data else data
    with pytest.raises(sf.ConfigError) as caught:
        parse_config(data, path="run.toml")
    assert message in str(caught.value) and str(caught.value).startswith("run.toml")


def test_a_reconciled_demo_run_stores_coherent_forecasts_and_builds_the_quota_from_them(tmp_path):
    levels = [[], ["sector"], ["occupation"]]
    config = parse_config(
        {
            "sources": {"demo": True},
            "series": {"hierarchy": levels},
            "forecast": {
                "models": ["naive", "drift"],
                "horizon": 5,
                "levels": [80],
                "reconcile": "wls_struct",
            },
            "output": {"store": str(tmp_path / "store"), "workbooks": True},
            "parallel": {"n_jobs": 1},
        }
    )
    result = run(config)
    stored = pd.read_parquet(result.path / "forecasts.parquet")
    h = sf.Hierarchy.from_keys(sf.datasets.load_demo().employment, levels)  # + the bottom sector × occupation
    assert set(stored["unique_id"]) == set(h.ids) and stored.duplicated(["unique_id", "ds"]).sum() == 0
    assert stored.groupby("hierarchy_level")["unique_id"].nunique().to_dict() == {
        "total": 1, "sector": 8, "occupation": 16, "sector/occupation": len(h.bottom_ids)
    }  # fmt: skip
    assert stored["model"].str.endswith("/wls_struct").all()
    wide = stored.pivot(index="unique_id", columns="ds", values="mean").loc[h.ids].to_numpy()
    assert (
        abs(wide - h.summing_matrix() @ wide[-len(h.bottom_ids) :]).max() < 1e-6
    )  # parent = sum of children
    assert (stored["mean"] >= 0).all() and (stored["lo_80"] <= stored["mean"]).all()
    # The quota reads the reconciled occupation totals, with their own intervals.
    occupations = stored[stored["hierarchy_level"] == "occupation"]
    employment = result.quota.inputs.employment.set_index(["occupation", "year"])
    quota_rows = employment.loc[list(zip(occupations["occupation"], occupations["ds"].dt.year, strict=True))]
    assert quota_rows["base"].to_numpy() == pytest.approx(occupations["mean"].to_numpy())
    assert quota_rows["high"].to_numpy() == pytest.approx(occupations["hi_80"].to_numpy())
    assert "reconciled by wls_struct" in result.quota.inputs.sources["employment"]
    counts = result.manifest["counts"]["reconciled"]
    assert counts["method"] == "wls_struct" and counts["series"] == len(h.ids)
    assert counts["levels"]["sector"] == 8 and counts["largest_gap"] > 0
    assert "reconcile" in result.manifest["timings"] and result.manifest["counts"]["quota_places"]
    assert "plots/reconciliation.png" in result.manifest["plots"]["files"]
    assert is_png(result.path / "plots" / "reconciliation.png")
    # The workbook for officials words the level in Russian.
    cells = pd.read_excel(result.path / "forecast.xlsx", sheet_name=None, header=None)
    words = {str(v) for sheet in cells.values() for v in sheet.to_numpy().ravel()}
    assert {
        "Уровень иерархии",
        "всего",
        "отрасль",
        "отрасль × профессия",
    } <= words and "hierarchy_level" not in words


def test_a_series_that_ended_early_is_left_out_of_the_reconciled_hierarchy(tmp_path):
    cluster = sf.datasets.make_cluster(n_employers=6, years=(2016, 2025), seed=3)
    gone = cluster.employment["unique_id"].iloc[0]
    employment = cluster.employment
    employment = employment[(employment["unique_id"] != gone) | (employment["ds"].dt.year <= 2021)]
    sf.write_bundle(dataclasses.replace(cluster, employment=employment), tmp_path / "data", format="parquet")
    config = parse_config(
        settings(
            tmp_path / "data",
            tmp_path / "store",
            series={"hierarchy": [[], ["occupation"]], "bottom": True},
            forecast={"reconcile": "bottom_up"},
        )
    )
    result = run(config)
    assert gone not in set(result.forecasts["unique_id"])
    total = result.forecasts[result.forecasts["hierarchy_level"] == "total"].set_index("ds")["mean"]
    bottom = result.forecasts[result.forecasts["hierarchy_level"] == "region/sector/employer/occupation"]
    assert total.to_numpy() == pytest.approx(bottom.groupby("ds")["mean"].sum().loc[total.index].to_numpy())


def test_a_method_the_data_cannot_take_is_a_config_error_naming_the_key(bundle_folder, tmp_path):
    config = parse_config(
        settings(
            bundle_folder,
            tmp_path / "store",
            series={"hierarchy": [["sector"], ["sector", "employer"]], "bottom": False},
            forecast={"reconcile": "top_down_forecast"},
        )
    )
    with pytest.raises(sf.ConfigError, match=r"\[forecast\] reconcile = 'top_down_forecast': reconcile: "
                       r"top_down_forecast splits one top series, but the coarsest level has \d+; add the total "
                       r"level \[\]"):  # fmt: skip
        run(config)


def test_a_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path, capsys):
    path = tmp_path / "run.toml"
    path.write_text(toml({"sources": {"demo": True}, "forecast": {"metric": "mse"}}), encoding="utf-8")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: ConfigError: run.toml, [forecast] metric = 'mse'") and "Traceback" not in err
    )
    assert len(err.strip().splitlines()) == 1
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "write an example with `staffing-forecast init-config" in capsys.readouterr().err


def test_the_sql_password_comes_from_the_environment_and_is_never_recorded(monkeypatch):
    config = parse_config(
        {
            "sources": {
                "sql": {
                    "url": "postgresql://forecast@db/cluster",
                    "password_env": "SF_TEST_PASSWORD",
                    "tables": {"employment": "staff"},
                }
            },
            "quota": {"enabled": False},
        }
    )
    with pytest.raises(
        sf.ConfigError, match="password_env = 'SF_TEST_PASSWORD': the environment variable is not set"
    ):
        config.sources.sql.connection_url()
    monkeypatch.setenv("SF_TEST_PASSWORD", "s3cret")
    assert "s3cret" in config.sources.sql.connection_url()
    assert "s3cret" not in json.dumps(config.to_dict())


def test_sql_tables_and_survey_forms_join_the_bundle(bundle_folder, tmp_path):
    import sqlite3

    cluster = sf.load_bundle(bundle_folder)
    sf.datasets.write_examples(tmp_path, cluster)  # filled survey forms in tmp_path / "forms"
    staff = cluster.employment.assign(ds=cluster.employment["ds"].dt.year, y=cluster.employment["y"] + 1)
    with sqlite3.connect(tmp_path / "cluster.db") as connection:
        staff[["region", "sector", "employer", "occupation", "ds", "y"]].to_sql(
            "staff", connection, index=False
        )
    sql = {"url": f"sqlite:///{tmp_path / 'cluster.db'}", "tables": {"employment": "SELECT * FROM staff"}}
    data = settings(
        bundle_folder, tmp_path / "store", sources={"sql": sql, "survey": str(tmp_path / "forms")}
    )
    result = run(parse_config(data | {"forecast": {"models": ["naive"], "horizon": 2, "levels": [80]}}))
    assert result.manifest["counts"]["survey_forms"] == len(list((tmp_path / "forms").glob("*.xlsx"))) > 0
    total = result.forecasts[result.forecasts["employer"] == "*"].groupby("ds")["mean"].sum().iloc[0]
    last = staff[staff["ds"] == staff["ds"].max()]["y"].sum()
    assert total == pytest.approx(last)  # naive: the database's figures, not the bundle folder's


# --- plots ----------------------------------------------------------------------------------------------------


def is_png(path: Path) -> bool:
    """A whole PNG file with something drawn in it (an empty canvas is a few kilobytes)."""
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND" and len(data) > 20_000


def test_a_demo_run_draws_its_plots_and_lists_them_in_the_manifest(tmp_path):
    def demo(plots: bool, workbooks: bool = False):
        return parse_config(
            {
                "sources": {"demo": True},
                "forecast": {"models": ["naive"], "horizon": 2},
                "output": {"store": str(tmp_path / "store"), "workbooks": workbooks, "plots": plots},
                "parallel": {"n_jobs": 1},
            }
        )

    quiet = run(demo(plots=False, workbooks=True))
    assert not (quiet.path / "plots").exists() and "plots" not in quiet.manifest and quiet.plots == []
    assert "plots" in quiet.manifest["timings"]
    assert (
        quiet.path / "quota.xlsx"
    ).exists()  # an empty quota table (no intake year reached) has its workbook

    result = run(demo(plots=True))
    plots = result.manifest["plots"]
    # The fan chart, the coverage map, and the track record of the first run's published forecast.
    assert plots["files"] == ["plots/forecast.png", "plots/coverage_map.png", "plots/track_record.png"]
    assert [p.name for p in result.plots] == ["forecast.png", "coverage_map.png", "track_record.png"]
    assert sorted(p.name for p in (result.path / "plots").iterdir()) == sorted(p.name for p in result.plots)
    assert all(is_png(path) for path in result.plots)
    # Two years ahead reach no intake year: the waterfall has no cell to explain, and the run says so.
    assert plots["skipped"] == [
        {
            "plot": "quota_waterfall",
            "reason": "quota_waterfall: the quota table is empty; there is no cell to explain.",
        }
    ]
    log = (result.path / "run.log").read_text(encoding="utf-8")
    assert "plot quota_waterfall not drawn: quota_waterfall: the quota table is empty" in log
    assert "plot quota_waterfall not drawn" in result.summary() and result.manifest["status"] == "complete"


def test_a_plot_that_fails_is_left_out_and_the_run_completes(bundle_folder, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no ink")

    monkeypatch.setattr(sf.plot, "forecast", broken)
    config = parse_config(settings(bundle_folder, tmp_path / "store", output={"plots": True}))
    result = run(config)
    assert result.manifest["status"] == "complete" and RunStore(tmp_path / "store").latest() == result.run
    assert result.manifest["plots"] == {
        "files": [], "skipped": [{"plot": "forecast", "reason": "RuntimeError: no ink"}]
    }  # fmt: skip
    assert (result.path / "forecasts.parquet").exists() and not (
        result.path / "plots" / "forecast.png"
    ).exists()
    log = (result.path / "run.log").read_text(encoding="utf-8")
    assert (
        "plot forecast not drawn: RuntimeError: no ink" in log and "Traceback" in log
    )  # the cause, for a fix


def test_the_cross_validation_stage_shows_its_progress_unless_the_run_is_quiet(
    bundle_folder, tmp_path, monkeypatch
):
    from staffing_forecast.pipeline import stages

    asked = []

    def spy(*args, **kwargs):
        asked.append(kwargs["progress"])
        return sf.cross_validate(*args, **kwargs | {"progress": False})  # nothing printed in the tests

    monkeypatch.setattr(stages, "cross_validate", spy)
    config = parse_config(settings(bundle_folder, tmp_path / "store"))
    run(config, progress=lambda line: None)  # the command line without --quiet
    run(config)  # --quiet, or from Python without a progress callback
    assert asked == [None, False]  # None: the bar appears by itself on a long stage


# --- a run and its store ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(bundle_folder, tmp_path_factory):
    """The same job twice into one store, with the quota, the workbooks and one manual adjustment."""
    root = tmp_path_factory.mktemp("store")
    adjustments = root / "adjustments.csv"
    adjustments.write_text(
        "unique_id;ds;delta;reason\n*/*/*/2512;2027;40;new office of E001 opens in 2027 (Ivanova)\n",
        encoding="utf-8",
    )
    data = settings(
        bundle_folder,
        root / "store",
        quota={"enabled": True},
        output={"workbooks": True, "plots": True},
        adjustments={"file": str(adjustments)},
    )
    config = parse_config(data, path=root / "run.toml")
    # A vintage published three years ago, which these runs can score now that its actuals have arrived.
    occupations = sf.aggregate(sf.load_bundle(bundle_folder).employment, by=["occupation"])
    old = sf.forecast(occupations[occupations["ds"].dt.year <= 2022], h=3, models="drift", level=[80])
    sf.tracking.publish(old, root / "store", vintage="2023-01-15")
    return root / "store", run(config), run(config)


def test_a_run_writes_its_folder_manifest_tables_and_workbooks(two_runs):
    store, first, second = two_runs
    folder = second.path
    for name in ["forecasts", "cv_scores", "selection", "adjustments", "quota", "allocation"]:
        assert (folder / f"{name}.parquet").exists(), name
    for name in [
        "forecast.xlsx",
        "summary.xlsx",
        "monitoring.xlsx",
        "quota.xlsx",
        "explain.jsonl",
        "run.log",
    ]:
        assert (folder / name).exists(), name
    with pd.ExcelFile(folder / "forecast.xlsx") as book:
        assert book.sheet_names == ["Прогноз", "Интервалы", "Замены и примечания", "Корректировки",
                                    "Точность прошлых прогнозов"]  # fmt: skip
        record = pd.read_excel(book, "Точность прошлых прогнозов", skiprows=2)
    assert set(record["Модель"]) == {"drift", "эталон: без изменений", "эталон: постоянная доля",
                                     "эталон: линейный тренд"}  # fmt: skip
    assert "Средняя ошибка (MAPE), %" in record.columns and second.manifest["counts"]["vintages_scored"] == 1
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["status"] == "complete" and manifest["version"] == sf.__version__ and manifest["format"] == 1
    )
    assert set(manifest["timings"]) == {*sf.pipeline.STAGES, "total"}
    assert manifest["counts"]["series"] == second.forecasts["unique_id"].nunique()
    assert manifest["data"]["tables"]["employment"]["rows"] > 0 and "pandas" in manifest["packages"]
    # Tables no stage uses are not read, and the manifest says which.
    assert set(manifest["data"]["tables"]) == set(sf.pipeline.stages.USED_TABLES)
    assert {"employment_quarterly.parquet", "hires.parquet", "plans.parquet"} <= set(
        manifest["data"]["unread"]
    )
    assert manifest["config"]["forecast"]["models"] == ["naive", "drift"]
    assert RunStore(store).latest() == second.run and first.run < second.run
    drawn = {*manifest["plots"]["files"], *(f"plots/{s['plot']}.png" for s in manifest["plots"]["skipped"])}
    assert drawn == {f"plots/{name}.png" for name in
                     ("forecast", "coverage_map", "quota_waterfall", "track_record")}  # fmt: skip
    assert {"plots/forecast.png", "plots/track_record.png"} <= set(manifest["plots"]["files"])
    assert all(is_png(folder / name) for name in manifest["plots"]["files"])
    assert not (store / "lock.json").exists()
    assert (
        first.path.name.endswith(first.manifest["config_hash"])
        and first.run.split("-")[-1] == second.run.split("-")[-1]
    )


def test_same_config_and_data_give_the_same_forecasts(two_runs):
    store, first, second = two_runs
    pd.testing.assert_frame_equal(first.forecasts, second.forecasts)
    changes = diff_runs(store, first.run, second.run)
    assert changes["forecasts"].empty and changes["quota"].empty


def test_a_series_that_breaks_every_model_falls_back_and_says_why(two_runs):
    forecasts = two_runs[2].forecasts
    newcomer = forecasts[forecasts["unique_id"] == NEWCOMER]
    assert len(newcomer) == 3 and newcomer["fallback"].str.contains("used naive").all()
    chosen = two_runs[2].selection.set_index("unique_id").loc[NEWCOMER]
    assert chosen["reason"].startswith("too short to judge")


def test_adjustments_are_applied_and_kept_with_their_reason(two_runs):
    result = two_runs[2]
    row = result.adjustments.iloc[0]
    assert len(result.adjustments) == 1 and row["adjustment"] == "delta +40"
    assert row["mean"] == pytest.approx(row["original_mean"] + 40) and "Ivanova" in row["reason"]
    assert "Ivanova" in result.quota.inputs.adjustments["reason"].iloc[0]


def test_quota_inputs_are_saved_losslessly(two_runs):
    saved = two_runs[2].quota.inputs
    back = load_inputs(two_runs[2].path / "inputs")
    for field in dataclasses.fields(saved):
        a, b = getattr(saved, field.name), getattr(back, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b, check_exact=True)
        else:
            assert a == b and type(a) is type(b), field.name
    assert sf.quota.compute(back, two_runs[2].quota.policy).table.equals(two_runs[2].quota.table)


def test_explanations_are_one_line_per_quota_cell_stored_once_and_worded_in_either_language(two_runs):
    result = two_runs[2]
    opened = open_run(result.store)
    english, russian = opened.explanations("en"), opened.explanations("ru")
    assert len(english) == len(russian) == len(result.quota.table)
    for en, ru in zip(english, russian, strict=True):
        cell = (en["specialty"], en["level"], en["intake_year"])
        # Worded from the stored tree exactly as the quota result words it.
        assert en["explanation"] == result.quota.explain(*cell, lang="en").to_dict()
        assert ru["explanation"] == result.quota.explain(*cell, lang="ru").to_dict()
        assert ru["explanation"]["value"] == ru["quota"]
    # Stored once, without a language: no worded formula in the file.
    stored = (result.path / "explain.jsonl").read_text(encoding="utf-8")
    assert '"words": "decide"' in stored and "квантиль" not in stored and "quantile q" not in stored


def test_every_run_publishes_its_forecast_keyed_by_run(two_runs):
    store, first, second = two_runs
    files = sorted(p.name for p in (store / "vintages").rglob("forecast@*.parquet"))
    assert files == [f"forecast@{first.run}.parquet", f"forecast@{second.run}.parquet"]
    listing = sf.tracking.vintages(store)
    assert len(listing) == 2 and listing["note"].iloc[-1] == f"run {second.run}"  # the last run of the day
    today = sf.tracking.load_vintage(store, listing["vintage"].iloc[-1])
    pd.testing.assert_frame_equal(today, second.forecasts)


def test_reading_a_run_checks_its_format_and_library_version(two_runs, tmp_path):
    store, _, second = two_runs
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    manifest = copy / "runs" / second.run / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps(data | {"version": "0.0.1"}), encoding="utf-8")
    with pytest.raises(StoreError, match=r"written by staffing_forecast 0\.0\.1, this is "):
        open_run(copy)
    manifest.write_text(json.dumps(data | {"format": 99}), encoding="utf-8")
    with pytest.raises(StoreError, match="run folder format 99, this library reads format 1"):
        open_run(copy)


def test_runs_commands_list_show_diff_and_prune(two_runs, tmp_path, capsys):
    store, first, second = two_runs
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    assert main(["runs", "list", "--store", str(copy)]) == 0
    out = capsys.readouterr().out
    assert first.run in out and second.run in out and "complete" in out
    assert main(["runs", "show", "--store", str(copy)]) == 0
    shown = capsys.readouterr().out
    assert f"run {second.run}: complete" in shown
    assert "workbooks: forecast.xlsx, monitoring.xlsx, quota.xlsx, summary.xlsx" in shown
    assert "plots in " in shown and "forecast.png" in shown
    opened = open_run(copy)
    assert [p.name for p in opened.plots] == [p.name for p in second.plots] and all(
        p.exists() for p in opened.plots
    )
    assert main(["runs", "diff", first.run[:4], "--store", str(copy)]) == 2  # both runs start with the year
    assert "matches several runs" in capsys.readouterr().err
    assert main(["runs", "diff", first.run, "--store", str(copy)]) == 0
    assert "forecast rows changed: 0; quota cells changed: 0" in capsys.readouterr().out
    assert main(["runs", "prune", "--keep", "1", "--store", str(copy)]) == 0
    assert RunStore(copy).list_runs()["run"].tolist() == [second.run]


# --- faults ----------------------------------------------------------------------------------------------------


def test_an_unreadable_source_stops_the_run_unless_partial_runs_are_allowed(bundle_folder, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(bundle_folder, data)
    (data / "graduates.parquet").write_bytes(b"\x00\x01 not a table \xff\xfe")
    store = tmp_path / "store"
    with pytest.raises(sf.SchemaError, match="graduates.parquet"):
        run(parse_config(settings(data, store)))
    (failed,) = RunStore(store).list_runs().itertuples()
    assert failed.status == "failed" and RunStore(store).latest() is None
    assert not (store / "runs" / failed.run / "forecasts.parquet").exists()
    result = run(parse_config(settings(data, store, sources={"allow_partial": True})))
    assert [s["source"] for s in result.manifest["skipped"]] == [str(data / "graduates.parquet")]
    assert "skipped sources:" in result.summary()


def test_a_store_that_cannot_be_written_exits_2_with_one_line(bundle_folder, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = tmp_path / "run.toml"
    path.write_text(toml(settings(bundle_folder, blocker / "store")), encoding="utf-8")
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        "cannot create the run store" in err and "choose a writable --out" in err and "Traceback" not in err
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_store_exits_2(bundle_folder, tmp_path, capsys):
    store = tmp_path / "store"
    store.mkdir()
    store.chmod(0o500)
    path = tmp_path / "run.toml"
    path.write_text(toml(settings(bundle_folder, store)), encoding="utf-8")
    try:
        assert main(["run", str(path), "--quiet"]) == 2
    finally:
        store.chmod(0o700)
    assert "choose a writable --out" in capsys.readouterr().err


def copy_store(two_runs, tmp_path):
    """A store holding two complete runs (a copy of ``two_runs``'), and its latest run."""
    store = tmp_path / "store"
    shutil.copytree(two_runs[0], store)
    return store, two_runs[2].run


def test_a_full_disk_fails_the_run_and_keeps_the_latest(bundle_folder, two_runs, tmp_path, monkeypatch):
    store, previous = copy_store(two_runs, tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(StoreError, match="cv_scores.parquet: No space left on device; free space"):
        run(parse_config(settings(bundle_folder, store)))
    listing = RunStore(store).list_runs()
    assert (
        listing["status"].tolist() == ["complete", "complete", "failed"]
        and RunStore(store).latest() == previous
    )


def test_a_failure_at_the_last_moment_keeps_the_previous_latest(bundle_folder, two_runs, tmp_path):
    store, previous = copy_store(two_runs, tmp_path)

    def boom(folder):
        raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError):
        run(parse_config(settings(bundle_folder, store)), before_publish=boom)
    assert RunStore(store).latest() == previous
    failed = RunStore(store).list_runs().iloc[-1]
    assert failed["status"] == "failed" and (store / "runs" / failed["run"] / "forecasts.parquet").exists()
    assert (
        "disk unplugged"
        in json.loads((store / "runs" / failed["run"] / "manifest.json").read_text())["error"]
    )
    assert len(list((store / "vintages").rglob("*.parquet"))) == 3  # the failed run published nothing


def test_a_second_job_on_a_locked_store_exits_2_naming_the_holder(bundle_folder, tmp_path, capsys):
    store = tmp_path / "store"
    store.mkdir()
    holder = {"pid": os.getpid(), "host": __import__("socket").gethostname(), "run": "20260101T000000.000Z-abc",
              "since": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    (store / "lock.json").write_text(json.dumps(holder), encoding="utf-8")
    path = tmp_path / "run.toml"
    path.write_text(toml(settings(bundle_folder, store)), encoding="utf-8")
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"is in use by run 20260101T000000.000Z-abc (process {os.getpid()} on" in err
    assert (store / "lock.json").exists()  # not ours to remove


def test_a_lock_whose_holder_is_dead_is_taken_over(bundle_folder, tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    store = tmp_path / "store"
    store.mkdir()
    holder = {
        "pid": int(gone.stdout),
        "host": __import__("socket").gethostname(),
        "run": "x",
        "since": "then",
    }
    (store / "lock.json").write_text(json.dumps(holder), encoding="utf-8")
    lines = []
    result = run(parse_config(settings(bundle_folder, store)), resume=True, progress=lines.append)
    assert result.manifest["status"] == "complete" and not (store / "lock.json").exists()
    assert lines[0] == "no interrupted run of this configuration: starting a new run"  # --resume with none


@pytest.mark.slow
def test_sigkill_mid_run_then_resume(bundle_folder, two_runs, tmp_path):
    store, previous = copy_store(two_runs, tmp_path)
    before = set(store.glob("runs/*/chunks/*.pkl"))
    path = tmp_path / "run.toml"
    path.write_text(
        toml(settings(bundle_folder, store, forecast={"models": ["naive", "drift", "historic_average"]})),
        encoding="utf-8",
    )
    job = subprocess.Popen(
        [sys.executable, "-m", "staffing_forecast.cli", "run", str(path), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while (
            set(store.glob("runs/*/chunks/*.pkl")) <= before
            and time.monotonic() < deadline
            and job.poll() is None
        ):
            time.sleep(0.005)
        assert job.poll() is None, "the job ended before it could be killed"
        job.send_signal(signal.SIGKILL)
    finally:
        job.wait()
    killed = RunStore(store).list_runs().iloc[-1]
    assert killed["status"] == "interrupted" and RunStore(store).latest() == previous
    assert json.loads((store / "lock.json").read_text())["pid"] == job.pid  # left behind by the killed job
    finished = len(list(store.glob(f"runs/{killed['run']}/chunks/*.pkl")))
    resumed = run(load_config(path), resume=True)
    assert resumed.run == killed["run"] and resumed.manifest["attempts"] == 2
    assert resumed.manifest["counts"]["chunks_reused"] >= finished >= 1
    assert RunStore(store).latest() == resumed.run and not (store / "lock.json").exists()
    fresh = run(load_config(path))  # an uninterrupted run of the same job gives the same numbers
    pd.testing.assert_frame_equal(resumed.forecasts, fresh.forecasts)


# --- Dask --------------------------------------------------------------------------------------------------------


def test_a_dask_scheduler_gives_the_same_forecasts_as_joblib(bundle_folder, two_runs, tmp_path):
    distributed = pytest.importorskip("distributed")
    config = parse_config(settings(bundle_folder, tmp_path / "store"))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = run(config.replace("parallel", scheduler=cluster.scheduler_address))
    assert remote.manifest["config"]["parallel"]["scheduler"].startswith("inproc://")
    local = two_runs[2].forecasts  # the same forecast settings on joblib (and one adjustment on top)
    same = (local["adjustment"] == "").to_numpy()
    pd.testing.assert_frame_equal(
        remote.forecasts[same].reset_index(drop=True), local[same].reset_index(drop=True)
    )
