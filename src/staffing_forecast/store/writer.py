"""Writing a run store: the lock, a run's folder from start to complete, its vintage, ``runs/latest``, pruning."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import owner
from ..errors import ConfigError
from .layout import (
    CHUNKS,
    FORMAT,
    PRUNING,
    RunFolder,
    alive,
    library_version,
    now,
    os_failure,
    write_atomic,
    writing,
)
from .lock import StoreLock
from .reader import RunReader

__all__ = ["Checkpoint", "RunStore", "config_hash"]


class Checkpoint:
    """Finished tasks of a run on disk (``chunks/<key>.pkl``), for the engine's ``checkpoint`` argument.

    Each result is pickled under a temporary name and renamed, so a killed run leaves only whole files; a run
    resumed with the same configuration and data finds them by key and does not compute them again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.reused = 0
        self.written = 0

    def get(self, key: str) -> Any:
        """Return the result checkpointed under ``key``, or ``None`` when there is none yet."""
        path = self.folder / f"{key}.pkl"
        if not path.exists():
            return None
        with path.open("rb") as file:
            self.reused += 1
            return pickle.load(file)  # written by this library into this run's own folder

    def put(self, key: str, result: Any) -> None:
        """Checkpoint ``result`` under ``key`` (written atomically, so a killed run leaves no half file)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise os_failure("write", self.folder, error) from None
        write_atomic(self.folder / f"{key}.pkl", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        self.written += 1


def config_hash(config: dict[str, Any]) -> str:
    """Eight hex digits of the configuration (as the manifest records it): runs of one configuration share it.

    Examples
    --------
    >>> config_hash({"a": 1}) == config_hash({"a": 1}), len(config_hash({"a": 1}))
    (True, 8)
    """
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class RunStore(RunReader):
    """A run store that a job writes: the lock, runs from start to complete, ``runs/latest``, pruning.

    It reads like a :class:`RunReader`. Only the process holding :meth:`lock` writes into the store.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(tempfile.mkdtemp())
    >>> with store.lock() as name:
    ...     folder = store.create({"job": "example"})
    ...     name(folder.id)
    ...     _ = (folder.path / "table.txt").write_text("1")
    ...     store.complete(folder)
    ...     store.set_latest(folder.id)
    >>> store.latest() == folder.id, store.verify(), sorted(folder.manifest["files"])
    (True, [], ['table.txt'])
    """

    # --- the lock -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[Callable[[str], None]]:
        """Hold the store for one job; a second job gets a :class:`StoreError` naming the holder.

        Yields a function that records the holder's run id in ``lock.json``. The lock goes with the process, so a
        killed job never blocks the next one. Taking it also removes staging files whose writer is gone and runs
        that a killed ``prune`` left half deleted.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise os_failure("create the run store", self.root, error) from None
        held = StoreLock(self.root / "lock.json")
        held.acquire()
        try:
            self.clean()
            yield held.name
        finally:
            held.release()

    def clean(self) -> list[Path]:
        """Remove what killed writers left: staging files whose process is gone, runs a killed prune was deleting.

        Call it holding :meth:`lock` (which does). Returns the paths removed.
        """
        removed = []
        pruning = self.root / PRUNING
        if pruning.is_dir():
            for path in sorted(pruning.iterdir()):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        here = socket.gethostname()
        for folder in (self.runs, self.root / "vintages"):
            if not folder.is_dir():
                continue
            for path in folder.rglob(".*.tmp"):
                pid = owner(path)
                # Fixed old-style names (pid 0) in the store are a killed writer's: nobody else writes here.
                if pid is not None and (pid == 0 or not alive(pid, here)):
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(path)
        return removed

    # --- runs -----------------------------------------------------------------------------------------------
    def create(self, config: dict[str, Any]) -> RunFolder:
        """Create a run folder, ``runs/<UTC time>-<config hash>``, with its manifest saying ``running``."""
        digest = config_hash(config)
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
            while True:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
                path = self.runs / f"{stamp}-{digest}"
                try:
                    path.mkdir()
                    break
                except FileExistsError:  # two runs within a millisecond
                    time.sleep(0.002)
        except OSError as error:
            raise os_failure("write to the run store", self.root, error) from None
        folder = RunFolder(path, _new_manifest(path.name, config, digest))
        folder.save()
        return folder

    def interrupted(self, config: dict[str, Any]) -> RunFolder | None:
        """Find the newest run of this configuration that did not complete (killed or failed), to resume."""
        digest = config_hash(config)
        for run in sorted(self.ids(), reverse=True):
            if not run.endswith(f"-{digest}"):
                continue
            manifest = self.manifest(run)
            if manifest is None:
                continue
            if manifest.get("status") == "complete":
                return None  # the newest of this configuration finished: nothing to resume
            if manifest.get("format") != FORMAT or manifest.get("version") != library_version():
                return None
            return RunFolder(self.runs / run, manifest)
        return None

    def publish(self, folder: RunFolder, forecasts: pd.DataFrame) -> str:
        """Publish a run's forecast as a vintage (``vintages/<date>/forecast@<run>``); return the vintage date.

        The date is the day of the first attempt, kept in the manifest: a resumed run publishes the same vintage
        again (its own file, named by the run), so a run killed between publishing and completing resumes.
        """
        from .. import tracking

        vintage = str(folder.manifest.get("vintage") or datetime.now(UTC).date().isoformat())
        folder.save(vintage=vintage)
        with writing(self.root / "vintages"):
            tracking.publish(
                forecasts, self.root, vintage=vintage, name="forecast", run=folder.id,
                note=f"run {folder.id}", overwrite=True,
            )  # fmt: skip
        return vintage

    def complete(self, folder: RunFolder, **changes: Any) -> None:
        """Mark a run complete: record the size and SHA-256 of every file, then say ``complete`` in its manifest."""
        with writing(folder.path):
            files = folder.seal()
        folder.save(**changes, files=files, status="complete", finished=now())
        shutil.rmtree(folder.file(CHUNKS), ignore_errors=True)  # only a killed run needs them

    def set_latest(self, run: str) -> None:
        """Point ``runs/latest`` at ``run``, which must be complete and intact (``runs/latest`` written atomically)."""
        problems = self.verify(run)
        if problems:
            raise problems[0]
        write_atomic(self.runs / "latest", run + "\n")

    def prune(self, keep: int) -> list[str]:
        """Delete old runs: all but the ``keep`` newest complete ones.

        Runs that failed or were killed before the newest complete one go too; the latest run and running ones
        are kept. Published vintages stay (they are history). Each run is first moved out of ``runs/`` in one
        rename, then deleted, so a killed prune never leaves a run listed with files missing; the next prune (or
        job) deletes what it left. It holds the store's lock, so it waits for no job: while one runs it is a
        :class:`StoreError` naming the job.

        Returns the ids deleted.
        """
        if keep < 1:
            raise ConfigError(f"prune: keep={keep}; keep at least 1 complete run.")
        with self.lock():
            table = self.list_runs()
            complete = table[table["status"] == "complete"]["run"].tolist()
            kept = set(complete[-keep:]) | {self._latest_or_none()}
            newest = complete[-1] if complete else ""
            doomed = [
                r.run
                for r in table.itertuples()
                if r.run not in kept
                and (
                    r.status == "complete"
                    or (r.status in ("failed", "interrupted", "unreadable") and r.run < newest)
                )
            ]
            pruning = self.root / PRUNING
            try:
                pruning.mkdir(exist_ok=True)
                for run in doomed:
                    os.replace(self.runs / run, pruning / run)
            except OSError as error:
                raise os_failure("prune", self.runs, error) from None
            self.clean()
        return doomed


def _new_manifest(run: str, config: dict[str, Any], digest: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "library": "staffing_forecast",
        "version": library_version(),
        "run": run,
        "status": "running",
        "started": now(),
        "finished": None,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "config_hash": digest,
        "config": config,
        "packages": package_versions(),
        "data": {},
        "skipped": [],
        "warnings": [],
        "timings": {},
        "counts": {},
        "attempts": 1,
        "error": None,
        "vintage": None,
        "files": {},
    }


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages whose changes could change a number."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in ("staffing_forecast", "numpy", "pandas", "scipy", "statsforecast", "statsmodels", "scikit-learn",
                 "pyarrow", "joblib", "dask", "distributed"):  # fmt: skip
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out
