"""The run store: one folder per run, a manifest that says how far it got, a lock, and ``runs/latest``.

Layout of a store (``[output] store``, or ``--out``)::

    <store>/
        lock.json                      the job holding the store (pid, host, run); taken over when that job is dead
        runs/latest                    the id of the last complete run (a one-line file, replaced atomically)
        runs/<UTC time>-<config hash>/ one run: manifest.json, tables (.parquet), inputs/, explain.jsonl,
                                       workbooks (.xlsx), plots/ (.png), run.log, chunks/ (finished tasks,
                                       for --resume; removed once the run completes)
        vintages/                      every complete run's forecast, for the track record (sf.tracking)

Every file is written under a temporary name and renamed into place, so a run killed at any moment leaves
whole files or none; ``runs/latest`` moves only after the run's manifest says ``complete``.
"""

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

from ..errors import ConfigError

__all__ = [
    "FORMAT",
    "Checkpoint",
    "RunFiles",
    "RunFolder",
    "RunStore",
    "StoreError",
    "write_atomic",
    "write_figure",
]

#: Version of the run folder's layout; a reader refuses other versions.
FORMAT = 1


class StoreError(ConfigError):
    """The run store cannot be used: not writable, full, locked by another job, or a run of another format."""


def library_version() -> str:
    from .. import __version__

    return __version__


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file whole or not at all: a temporary name in the same folder, then a rename."""
    if isinstance(data, str):
        _staged_write(path, lambda staged: staged.write_text(data, encoding="utf-8"))
    else:
        _staged_write(path, lambda staged: staged.write_bytes(data))


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    _staged_write(path, lambda staged: frame.to_parquet(staged, index=False))
    return path


def write_figure(figure: Any, path: Path, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG, whole or not at all (a temporary name, then a rename)."""
    _staged_write(path, lambda staged: figure.savefig(staged, format="png", dpi=dpi))
    return path


def _staged_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary name beside ``path``, then rename it into place; a failure leaves nothing."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(staged)
        os.replace(staged, path)
    except OSError as error:
        raise StoreError(
            f"cannot write {path}: {error.strerror or error}; free space or choose another --out."
        ) from None
    finally:
        staged.unlink(missing_ok=True)


def _alive(pid: int, host: str) -> bool:
    """Whether the process holding a lock still runs; a holder on another machine is assumed to."""
    if host != socket.gethostname():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there; a stale lock is removed by hand
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


class RunFiles:
    """The files of a run folder an official opens, for classes with ``path`` (the folder) and ``manifest``."""

    path: Path
    manifest: dict[str, Any]

    @property
    def workbooks(self) -> list[Path]:
        """The workbooks written for officials."""
        return sorted(self.path.glob("*.xlsx"))

    @property
    def plots(self) -> list[Path]:
        """The pictures in ``plots/`` (PNG), as the manifest's ``plots.files`` lists them."""
        return [self.path / name for name in self.manifest.get("plots", {}).get("files", [])]


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
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{key}.pkl", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        self.written += 1


class RunFolder:
    """One run's folder and its manifest; every change of the manifest is written at once, atomically."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest

    @property
    def id(self) -> str:
        """The run's id: the name of its folder."""
        return self.path.name

    def save(self, **changes: Any) -> None:
        """Update the manifest with ``changes`` and write it atomically."""
        self.manifest.update(changes)
        write_atomic(
            self.path / "manifest.json", json.dumps(self.manifest, ensure_ascii=False, indent=1, default=str)
        )

    def file(self, name: str) -> Path:
        """Return the path of the file ``name`` in the run folder."""
        return self.path / name


def config_hash(config: dict[str, Any]) -> str:
    """Eight hex digits of the configuration (as the manifest records it): runs of one configuration share it."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class RunStore:
    """A run store folder: its runs, its lock and ``runs/latest``.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(tempfile.mkdtemp())
    >>> store.latest() is None, store.list_runs().empty
    (True, True)
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"

    # --- the lock -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[Callable[[str], None]]:
        """Hold the store for one job; a second job gets a :class:`StoreError` naming the holder.

        Yields a function that records the holder's run id in the lock. A lock whose holder process is dead
        (killed, the machine restarted) is taken over, so a killed run never blocks the next one.
        """
        path = self.root / "lock.json"
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "run": None, "since": now()}
        for _ in range(3):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder(path)
                if holder is None:  # vanished or half-written: look again
                    time.sleep(0.05)
                    if path.exists() and self._holder(path) is None:
                        path.unlink(missing_ok=True)
                    continue
                if _alive(int(holder.get("pid", -1)), str(holder.get("host", ""))):
                    raise StoreError(
                        f"{self.root} is in use by run {holder.get('run')} (process {holder.get('pid')} on "
                        f"{holder.get('host')}, since {holder.get('since')}); wait for it to finish, or use another "
                        f"--out. If that process is gone, delete {path}."
                    ) from None
                path.unlink(missing_ok=True)  # its holder is dead: take it over
                continue
            except OSError as error:
                raise StoreError(
                    f"cannot write to the run store {self.root}: {error.strerror or error}; choose a writable --out."
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(mine, file)
            break
        else:
            raise StoreError(f"{path}: could not take the lock; try again.")

        def name(run: str) -> None:
            mine["run"] = run
            write_atomic(path, json.dumps(mine))

        try:
            yield name
        finally:
            with contextlib.suppress(OSError):
                holder = self._holder(path) or {}
                if (holder.get("pid"), holder.get("host"), holder.get("since")) == (
                    mine["pid"],
                    mine["host"],
                    mine["since"],
                ):
                    path.unlink()

    @staticmethod
    def _holder(path: Path) -> dict[str, Any] | None:
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    # --- runs -----------------------------------------------------------------------------------------------
    def create(self, config: dict[str, Any]) -> RunFolder:
        """Create a run folder, ``runs/<UTC time>-<config hash>``, with its manifest saying ``running``."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
        digest = config_hash(config)
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
            path = self.runs / f"{stamp}-{digest}"
            while path.exists():  # two runs within a millisecond
                time.sleep(0.002)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
                path = self.runs / f"{stamp}-{digest}"
            path.mkdir()
        except OSError as error:
            raise StoreError(
                f"cannot write to the run store {self.root}: {error.strerror or error}; choose a writable --out."
            ) from None
        folder = RunFolder(path, _new_manifest(path.name, config, digest))
        folder.save()
        return folder

    def interrupted(self, config: dict[str, Any]) -> RunFolder | None:
        """Find the newest run of this configuration that did not complete (killed or failed), to resume."""
        digest = config_hash(config)
        for run in sorted(self._ids(), reverse=True):
            if not run.endswith(f"-{digest}"):
                continue
            manifest = self._manifest(run)
            if manifest is None:
                continue
            if manifest.get("status") == "complete":
                return None  # the newest of this configuration finished: nothing to resume
            if manifest.get("format") != FORMAT or manifest.get("version") != library_version():
                return None
            return RunFolder(self.runs / run, manifest)
        return None

    def latest(self) -> str | None:
        """Return the id of the last complete run, or ``None``."""
        path = self.runs / "latest"
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8").strip() or None

    def set_latest(self, run: str) -> None:
        """Mark ``run`` as the last complete run (``runs/latest``, written atomically)."""
        write_atomic(self.runs / "latest", run + "\n")

    def _ids(self) -> list[str]:
        if not self.runs.is_dir():
            return []
        return sorted(p.name for p in self.runs.iterdir() if p.is_dir() and (p / "manifest.json").exists())

    def _manifest(self, run: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads((self.runs / run / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def list_runs(self) -> pd.DataFrame:
        """List every run, oldest first.

        The columns are ``run``, ``status``, ``started``, ``finished``, ``seconds``, ``series``, ``version``
        and ``latest``.
        """
        latest = self.latest()
        rows = []
        for run in self._ids():
            m = self._manifest(run) or {}
            status = m.get("status", "unreadable")
            if status == "running" and not _alive(int(m.get("pid", -1)), str(m.get("host", ""))):
                status = "interrupted"
            rows.append(
                {
                    "run": run,
                    "status": status,
                    "started": m.get("started"),
                    "finished": m.get("finished"),
                    "seconds": m.get("timings", {}).get("total"),
                    "series": m.get("counts", {}).get("series"),
                    "version": m.get("version"),
                    "latest": run == latest,
                }
            )
        columns = ["run", "status", "started", "finished", "seconds", "series", "version", "latest"]
        return pd.DataFrame(rows, columns=columns)

    def resolve(self, run: str = "latest") -> str:
        """Resolve ``latest``, a full id, or the unique start of one to a run id."""
        if run == "latest":
            latest = self.latest()
            if latest is None:
                raise StoreError(f"{self.root}: no complete run yet (runs/latest is missing).")
            return latest
        ids = self._ids()
        if run in ids:
            return run
        matches = [r for r in ids if r.startswith(run)]
        if len(matches) == 1:
            return matches[0]
        shown = ", ".join(ids[-5:]) or "none"
        what = "matches several runs" if matches else "is not a run"
        raise StoreError(f"{self.root}: {run!r} {what}; the newest runs are: {shown}.")

    def open(self, run: str = "latest") -> RunFolder:
        """Open a complete run, after checking that this library can read it (format and version)."""
        run = self.resolve(run)
        manifest = self._manifest(run)
        if manifest is None:
            raise StoreError(f"{self.runs / run}: its manifest.json is missing or unreadable.")
        if manifest.get("format") != FORMAT:
            raise StoreError(
                f"{self.runs / run}: run folder format {manifest.get('format')!r}, this library reads format "
                f"{FORMAT}; read it with staffing_forecast {manifest.get('version')}."
            )
        if manifest.get("version") != library_version():
            raise StoreError(
                f"{self.runs / run}: written by staffing_forecast {manifest.get('version')}, this is "
                f"{library_version()}; read it with that version (pip install staffing_forecast=="
                f"{manifest.get('version')}), or run the job again."
            )
        if manifest.get("status") != "complete":
            raise StoreError(
                f"{self.runs / run}: the run is {manifest.get('status')!r}, not complete; its tables may be missing "
                "(staffing-forecast run CONFIG --resume finishes a killed run)."
            )
        return RunFolder(self.runs / run, manifest)

    def prune(self, keep: int) -> list[str]:
        """Delete old runs: all but the ``keep`` newest complete ones.

        Runs that failed or were killed before the newest complete one go too; the latest run and running ones
        are kept. Published vintages stay (they are history).

        Returns the ids deleted.
        """
        if keep < 1:
            raise ConfigError(f"prune: keep={keep}; keep at least 1 complete run.")
        table = self.list_runs()
        complete = table[table["status"] == "complete"]["run"].tolist()
        kept = set(complete[-keep:]) | {self.latest()}
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
        for run in doomed:
            shutil.rmtree(self.runs / run)
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
