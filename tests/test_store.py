"""The run store under faults: two jobs at once, kills at the worst moment, damaged files, full and read-only disks."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import staffing_forecast as sf
from staffing_forecast.cli import main
from staffing_forecast.pipeline import parse_config, run
from staffing_forecast.service import create_app, load_keys
from staffing_forecast.store import DamagedRunError, RunReader, RunStore, StoreError, StoreLock

FORK = multiprocessing.get_context("fork")


def job(store: Path, **output) -> sf.pipeline.Config:
    """A small, quick job on the demo cluster into ``store``."""
    return parse_config(
        {
            "sources": {"demo": True},
            "forecast": {"models": ["naive"], "horizon": 3},
            "output": {"store": str(store), "workbooks": False, "plots": False} | output,
            "parallel": {"n_jobs": 1},
        }
    )


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def stale_lock(store: Path) -> None:
    """A lock.json left by a job that was killed (its process is gone)."""
    store.mkdir(parents=True, exist_ok=True)
    holder = {"pid": dead_pid(), "host": socket.gethostname(), "run": "x", "since": "then"}
    (store / "lock.json").write_text(json.dumps(holder), encoding="utf-8")


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """A store with one complete run (workbooks and plots too), and that run."""
    store = tmp_path_factory.mktemp("store")
    return store, run(job(store, workbooks=True, plots=True))


def copy(done, tmp_path) -> tuple[Path, str]:
    store = tmp_path / "store"
    shutil.copytree(done[0], store)
    return store, done[1].run


# --- the lock ----------------------------------------------------------------------------------------------------
def _take(store: str, barrier, guard, holders, most, won) -> None:
    lock = StoreLock(Path(store) / "lock.json")
    barrier.wait()
    try:
        lock.acquire()
    except StoreError:
        return
    with guard:
        holders.value += 1
        most.value = max(most.value, holders.value)
        won.value += 1
    time.sleep(0.02)  # hold it while the others try
    with guard:
        holders.value -= 1
    lock.release()


@pytest.mark.slow
def test_a_stale_lock_taken_by_many_at_once_has_one_holder(tmp_path):
    # Two takers are the likeliest to meet in a takeover (a pid-file lock gave two holders in about 1 trial of 6
    # here); six crowd the lock.
    guard = FORK.Lock()
    holders, most, won = FORK.Value("i", 0), FORK.Value("i", 0), FORK.Value("i", 0)
    for trial in range(60):
        takers = 2 if trial % 2 else 6
        store = tmp_path / f"store{trial}"
        stale_lock(store)
        barrier = FORK.Barrier(takers)
        before = won.value
        processes = [
            FORK.Process(target=_take, args=(str(store), barrier, guard, holders, most, won))
            for _ in range(takers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(30)
        assert all(p.exitcode == 0 for p in processes)
        assert won.value > before, f"trial {trial}: nobody took the stale lock"
        assert not (store / "lock.json").exists()  # the last holder removed it
    assert most.value == 1


def test_a_lock_that_cannot_be_written_leaves_no_lock_file(tmp_path, monkeypatch):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(StoreError, match="cannot write the lock .*No space left on device; free space"):
        StoreLock(tmp_path / "lock.json").acquire()
    assert not (tmp_path / "lock.json").exists()
    monkeypatch.undo()
    lock = StoreLock(tmp_path / "lock.json")
    lock.acquire(run="r")  # the next one takes it
    assert json.loads((tmp_path / "lock.json").read_text())["run"] == "r"
    lock.release()


def _resume(store: str, barrier, results) -> None:
    barrier.wait()
    try:
        results.put(run(job(Path(store)), resume=True).run)
    except StoreError as error:
        results.put(f"lost: {error}")


@pytest.mark.slow
def test_two_jobs_resuming_at_once_never_share_a_run_and_latest_stays_complete(tmp_path):
    for trial in range(3):
        store = tmp_path / f"store{trial}"
        stale_lock(store)
        barrier, results = FORK.Barrier(2), FORK.Queue()
        processes = [FORK.Process(target=_resume, args=(str(store), barrier, results)) for _ in range(2)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=300) for _ in processes]
        for process in processes:
            process.join(60)
        finished = [o for o in outcomes if not o.startswith("lost")]
        assert finished, outcomes
        reader = RunReader(store)
        listing = reader.list_runs()
        assert set(listing["status"]) == {"complete"} and len(listing) == len(finished)
        assert reader.latest() == max(finished) and reader.verify() == []
        assert all("is in use by run" in o for o in outcomes if o.startswith("lost"))


# --- resuming ----------------------------------------------------------------------------------------------------
def _killed_before_complete(store: str) -> None:
    def kill(self, folder, **changes):
        os._exit(9)  # like SIGKILL: no handler runs, the manifest still says running

    RunStore.complete = kill  # type: ignore[method-assign]
    run(job(Path(store)))


def test_a_run_killed_between_publishing_and_completing_resumes_to_the_same_result(tmp_path):
    store = tmp_path / "store"
    child = FORK.Process(target=_killed_before_complete, args=(str(store),))
    child.start()
    child.join(300)
    assert child.exitcode == 9
    reader = RunReader(store)
    (killed,) = reader.list_runs().itertuples()
    assert killed.status == "interrupted" and reader.latest() is None
    published = sf.tracking.vintages(store)
    assert published["note"].tolist() == [f"run {killed.run}"]  # its forecast was already published
    resumed = run(job(store), resume=True)
    assert resumed.run == killed.run and resumed.manifest["attempts"] == 2
    assert reader.latest() == resumed.run and reader.verify() == []
    again = sf.tracking.vintages(store)
    assert (
        again["note"].tolist() == [f"run {killed.run}"]
        and again["vintage"].tolist() == published["vintage"].tolist()
    )
    pd.testing.assert_frame_equal(
        sf.tracking.load_vintage(store, again["vintage"].iloc[0]), resumed.forecasts
    )
    fresh = run(job(store))  # an uninterrupted run gives the same numbers
    pd.testing.assert_frame_equal(resumed.forecasts, fresh.forecasts)


def test_staging_files_of_dead_writers_are_removed_by_the_next_job(done, tmp_path):
    store, latest = copy(done, tmp_path)
    folder = store / "runs" / latest
    dead = folder / "plots" / f".quota_waterfall.png.{dead_pid()}.tmp"
    old = folder / ".quota.xlsx.tmp"
    mine = folder / f".forecast.xlsx.{os.getpid()}-0a1b2c3d.tmp"  # a live writer's
    for path in (dead, old, mine):
        path.write_bytes(b"half")
    run(job(store))
    assert not dead.exists() and not old.exists() and mine.exists()


# --- damage ------------------------------------------------------------------------------------------------------
def test_every_damaged_file_is_named_and_a_clean_run_verifies(done, tmp_path, capsys):
    store, latest = copy(done, tmp_path)
    assert main(["runs", "verify", "--store", str(store)]) == 0
    files = RunReader(store).open().manifest["files"]
    assert "forecasts.parquet" in capsys.readouterr().out or files
    assert {"forecasts.parquet", "plots/forecast.png", "forecast.xlsx", "explain.jsonl"} <= set(files)
    for name in files:
        path = store / "runs" / latest / name
        original = path.read_bytes()
        for damaged in (original[: len(original) // 2], bytes([original[0] ^ 1]) + original[1:]):
            path.write_bytes(damaged)
            assert [error.file for error in RunReader(store).verify()] == [name]
        path.write_bytes(original)
    path.unlink()
    assert [(e.file, e.reason) for e in RunReader(store).verify()] == [(name, "missing")]
    path.write_bytes(original)
    assert RunReader(store).verify() == []


def test_runs_show_verify_and_diff_name_a_truncated_table(done, tmp_path, capsys):
    store, latest = copy(done, tmp_path)
    table = store / "runs" / latest / "forecasts.parquet"
    with table.open("r+b") as file:
        file.truncate(100)
    assert main(["runs", "verify", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert f"run {latest}: 1 damaged file(s)" in err and "forecasts.parquet: 100 bytes, the run wrote" in err
    assert main(["runs", "show", "--store", str(store)]) == 2
    assert "forecasts.parquet is damaged" in capsys.readouterr().err
    assert main(["runs", "diff", latest, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "forecasts.parquet is damaged" in err and "Arrow" not in err
    with pytest.raises(DamagedRunError, match="forecasts.parquet is damaged"):
        sf.pipeline.open_run(store).table("forecasts")


def test_the_service_names_a_damaged_file(done, tmp_path):
    store, latest = copy(done, tmp_path)
    keys = load_keys(environ={"STAFFING_FORECAST_API_KEYS": "admin-key-0123456789abcdef"})
    client = TestClient(create_app(store, keys), raise_server_exceptions=False)
    headers = {"Authorization": "Bearer admin-key-0123456789abcdef"}
    assert client.get("/ready").status_code == 200
    table = store / "runs" / latest / "forecasts.parquet"
    table.write_bytes(table.read_bytes()[:-10])
    ready = client.get("/ready")
    assert ready.status_code == 503 and "forecasts.parquet" in ready.json()["detail"]
    for path in ("/v1/runs/latest/forecasts", f"/v1/runs/{latest}/quotas"):
        response = client.get(path, headers=headers)
        assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["run"] == latest and body["file"] == "forecasts.parquet" and "damaged" in body["detail"]
        assert str(store) not in response.text and "Traceback" not in response.text


def test_a_latest_that_is_not_text_is_a_clear_error(done, tmp_path, capsys):
    store, _ = copy(done, tmp_path)
    (store / "runs" / "latest").write_bytes(b"\xff\xfe\x00latest")
    keys = load_keys(environ={"STAFFING_FORECAST_API_KEYS": "admin-key-0123456789abcdef"})
    client = TestClient(create_app(store, keys), raise_server_exceptions=False)
    ready = client.get("/ready")
    assert ready.status_code == 503 and "runs/latest cannot be read" in ready.json()["detail"]
    runs = client.get("/v1/runs", headers={"Authorization": "Bearer admin-key-0123456789abcdef"})
    assert runs.status_code == 200 and runs.json()["latest"] is None
    assert main(["runs", "show", "--store", str(store)]) == 2
    assert "runs set-latest RUN" in capsys.readouterr().err


# --- latest ------------------------------------------------------------------------------------------------------
def test_a_complete_run_that_is_not_latest_is_listed_with_the_command_to_point_at_it(done, tmp_path, capsys):
    store, first = copy(done, tmp_path)
    second = run(job(store)).run
    (store / "runs" / "latest").write_text(first + "\n")  # killed just before latest moved
    assert main(["runs", "list", "--store", str(store)]) == 0
    assert f"staffing-forecast runs set-latest {second} --store {store}" in capsys.readouterr().out
    assert main(["runs", "set-latest", second, "--store", str(store)]) == 0
    assert RunReader(store).latest() == second and RunReader(store).unpointed() == []


def test_runs_list_shows_a_complete_run_with_a_truncated_file_as_damaged(done, tmp_path, capsys):
    store, latest = copy(done, tmp_path)
    with open(store / "runs" / latest / "forecasts.parquet", "r+b") as file:
        file.truncate(100)
    listing = RunReader(store).list_runs()
    assert listing["status"].tolist() == ["complete"]  # the library's status stays the manifest's
    assert listing["damaged"].tolist() == ["forecasts.parquet"]
    assert main(["runs", "list", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert " damaged " in out.splitlines()[1] and " complete " not in out.splitlines()[1]
    assert f"staffing-forecast runs verify {latest} --store {store}" in out


def test_runs_list_checks_sizes_only_and_leaves_intact_runs_complete(done, tmp_path, capsys):
    store, latest = copy(done, tmp_path)
    assert RunReader(store).list_runs()["damaged"].tolist() == [""]
    path = store / "runs" / latest / "explain.jsonl"
    text = path.read_bytes()
    path.write_bytes(text[:-2] + b"\n\n")  # same size, other content: only runs verify finds it
    assert main(["runs", "list", "--store", str(store)]) == 0
    assert " complete " in capsys.readouterr().out
    assert [error.file for error in RunReader(store).verify()] == ["explain.jsonl"]


def test_latest_never_names_a_damaged_or_unfinished_run(done, tmp_path):
    store, latest = copy(done, tmp_path)
    (store / "runs" / latest / "explain.jsonl").write_text("{}\n")
    with pytest.raises(DamagedRunError, match="explain.jsonl"):
        RunStore(store).set_latest(latest)


# --- pruning -----------------------------------------------------------------------------------------------------
def test_a_killed_prune_leaves_no_run_listed_with_files_missing(done, tmp_path, monkeypatch):
    store, first = copy(done, tmp_path)
    second = run(job(store)).run

    def killed(path, *args, **kwargs):
        raise KeyboardInterrupt  # killed right after the run left runs/

    monkeypatch.setattr(shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        RunStore(store).prune(keep=1)
    monkeypatch.undo()
    assert RunReader(store).list_runs()["run"].tolist() == [second]
    assert (store / ".pruning" / first).is_dir()  # what it left
    assert RunStore(store).prune(keep=1) == []
    assert not any((store / ".pruning").iterdir())


def test_prune_on_a_read_only_store_is_a_store_error(done, tmp_path, monkeypatch, capsys):
    store, _ = copy(done, tmp_path)
    run(job(store))

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    assert main(["runs", "prune", "--keep", "1", "--store", str(store)]) == 2
    assert "cannot prune" in capsys.readouterr().err and len(RunReader(store).list_runs()) == 2


# --- failing disks -----------------------------------------------------------------------------------------------
def test_a_full_disk_inside_a_workbook_writer_is_a_store_error(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd, "ExcelWriter", full)
    with pytest.raises(StoreError, match="No space left on device; free space"):
        run(job(tmp_path / "store", workbooks=True))
    (failed,) = RunReader(tmp_path / "store").list_runs().itertuples()
    assert failed.status == "failed" and RunReader(tmp_path / "store").latest() is None
    assert list((tmp_path / "store").rglob("*.tmp")) == []
