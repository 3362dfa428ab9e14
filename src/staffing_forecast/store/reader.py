"""Reading a run store: its runs, ``runs/latest``, and a complete run's files checked against its manifest."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .layout import (
    FORMAT,
    DamagedRunError,
    RunFolder,
    StoreError,
    alive,
    checksum,
    library_version,
    read_json,
)

if TYPE_CHECKING:
    from ..quota import Inputs

__all__ = ["RUN_ID", "RunReader"]

#: A run id as the store names runs (``20261130T024537.890Z-58eb70fd``).
RUN_ID = r"^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{8}$"
_RUN_ID = re.compile(RUN_ID)

_COLUMNS = ["run", "status", "started", "finished", "seconds", "series", "version", "latest", "damaged"]


class RunReader:
    """Read a run store: list its runs, resolve ``latest``, open a complete run and check its files.

    A file's check (size and SHA-256 against the manifest) is remembered while the file's size, time and inode
    stay the same, so checking a run again, as the service does on every ``/ready``, reads nothing new.

    Examples
    --------
    >>> import tempfile
    >>> store = RunReader(tempfile.mkdtemp())
    >>> store.latest() is None, store.list_runs().empty
    (True, True)
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"
        self._checked: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        self._checked_lock = threading.Lock()

    # --- runs -----------------------------------------------------------------------------------------------
    def latest(self) -> str | None:
        """Return the id of the last complete run, or ``None`` when there is none yet.

        A ``runs/latest`` that cannot be read or does not hold a run id is a :class:`StoreError`.
        """
        path = self.runs / "latest"
        try:
            text = path.read_bytes().decode("utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise StoreError(f"{path} cannot be read ({error}); {self._repoint()}") from None
        if not text:
            return None
        if not _RUN_ID.match(text):
            raise StoreError(f"{path} holds {text[:40]!r}, not a run id; {self._repoint()}")
        return text

    def _repoint(self) -> str:
        return f"point it at a complete run: staffing-forecast runs set-latest RUN --store {self.root}"

    def ids(self) -> list[str]:
        """Return the ids of the store's runs (folders with a manifest), oldest first."""
        if not self.runs.is_dir():
            return []
        try:
            return sorted(
                p.name for p in self.runs.iterdir() if p.is_dir() and (p / "manifest.json").exists()
            )
        except OSError as error:
            raise StoreError(f"cannot read {self.runs}: {error.strerror or error}.") from None

    def manifest(self, run: str) -> dict[str, Any] | None:
        """Return a run's manifest, or ``None`` when it is missing or unreadable."""
        return read_json(self.runs / run / "manifest.json")

    def status(self, run: str, manifest: dict[str, Any] | None = None) -> str:
        """Return a run's status: ``complete``, ``failed``, ``running``, ``interrupted`` (process gone), ``unreadable``."""
        m = self.manifest(run) if manifest is None else manifest
        if m is None:
            return "unreadable"
        status = str(m.get("status", "unreadable"))
        if status == "running" and not alive(int(m.get("pid", -1)), str(m.get("host", ""))):
            return "interrupted"
        return status

    def list_runs(self) -> pd.DataFrame:
        """List every run, oldest first.

        The columns are ``run``, ``status``, ``started``, ``finished``, ``seconds``, ``series``, ``version``,
        ``latest`` and ``damaged``: for a complete run, the files (comma-separated) that are missing or not of
        the size its manifest records, ``""`` when none is; ``None`` for a run that is not complete. Only sizes
        are compared, so listing reads no file; :meth:`verify` also compares each file's SHA-256.
        """
        latest = self._latest_or_none()
        rows = []
        for run in self.ids():
            m = self.manifest(run) or {}
            status = self.status(run, m or None)
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
                    "damaged": ", ".join(self.resized(run, m)) if status == "complete" else None,
                }
            )
        return pd.DataFrame(rows, columns=_COLUMNS)

    def resized(self, run: str, manifest: dict[str, Any]) -> list[str]:
        """Return the files of a run that are missing or not of the size its manifest records (a quick check).

        Truncated or overwritten files almost always change size; a file altered in place to the same size is
        found only by :meth:`verify`, which compares SHA-256 too.
        """
        out = []
        for name, recorded in sorted((manifest.get("files") or {}).items()):
            try:
                size = (self.runs / run / name).stat().st_size
            except OSError:
                size = None
            if size != recorded.get("size"):
                out.append(name)
        return out

    def _latest_or_none(self) -> str | None:
        try:
            return self.latest()
        except StoreError:
            return None

    def unpointed(self) -> list[str]:
        """Complete runs newer than ``runs/latest``: a job stopped after completing its run, before moving it."""
        latest = self._latest_or_none() or ""
        return [r for r in self.ids() if r > latest and self.status(r) == "complete"]

    def resolve(self, run: str = "latest") -> str:
        """Resolve ``latest``, a full id, or the unique start of one to a run id."""
        if run == "latest":
            latest = self.latest()
            if latest is None:
                raise StoreError(f"{self.root}: no complete run yet (runs/latest is missing).")
            return latest
        ids = self.ids()
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
        manifest = self.manifest(run)
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

    # --- checking files -------------------------------------------------------------------------------------
    def verify(self, run: str = "latest") -> list[DamagedRunError]:
        """Check every file of a complete run against its manifest; return one error per damaged file (none: intact).

        Examples
        --------
        >>> import tempfile
        >>> from staffing_forecast.pipeline import parse_config, run
        >>> store = tempfile.mkdtemp()
        >>> done = run(parse_config({"sources": {"demo": True}, "forecast": {"models": ["naive"], "horizon": 2},
        ...                          "output": {"store": store, "workbooks": False, "plots": False},
        ...                          "quota": {"enabled": False}, "parallel": {"n_jobs": 1}}))
        >>> RunReader(store).verify()
        []
        >>> with open(done.path / "forecasts.parquet", "r+b") as file:
        ...     _ = file.truncate(100)
        >>> [error.file for error in RunReader(store).verify()]
        ['forecasts.parquet']
        """
        return self.damaged(self.open(run))

    def damaged(self, folder: RunFolder) -> list[DamagedRunError]:
        """Check every file of an opened run against its manifest; return one error per damaged file."""
        out = []
        for name in sorted(folder.manifest.get("files") or {}):
            try:
                self.check(folder, name)
            except DamagedRunError as error:
                out.append(error)
        return out

    def check(self, folder: RunFolder, name: str) -> Path:
        """Return the path of the file ``name`` of an opened run, after checking it against the manifest."""
        recorded = (folder.manifest.get("files") or {}).get(name)
        path = folder.file(name)
        if recorded is None:
            raise DamagedRunError(folder.id, name, "the manifest does not list it", folder.path)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise DamagedRunError(folder.id, name, "missing", folder.path) from None
        except OSError as error:
            raise DamagedRunError(folder.id, name, f"unreadable: {error.strerror}", folder.path) from None
        if stat.st_size != recorded.get("size"):
            reason = f"{stat.st_size} bytes, the run wrote {recorded.get('size')}"
            raise DamagedRunError(folder.id, name, reason, folder.path)
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        with self._checked_lock:
            seen = self._checked.get(path)
        if seen is None or seen[0] != key:
            try:
                found = checksum(path)
            except OSError as error:
                raise DamagedRunError(folder.id, name, f"unreadable: {error.strerror}", folder.path) from None
            with self._checked_lock:
                self._checked[path] = (key, found)
        else:
            found = seen[1]
        if found["sha256"] != recorded.get("sha256"):
            raise DamagedRunError(
                folder.id, name, "its content differs from what the run wrote (SHA-256)", folder.path
            )
        return path

    def table(self, run: str | RunFolder, name: str) -> pd.DataFrame:
        """Read the table ``name`` (``forecasts``, ``quota`` ...) of a complete run, checked against the manifest."""
        folder = run if isinstance(run, RunFolder) else self.open(run)
        file = f"{name}.parquet"
        if file not in (folder.manifest.get("files") or {}):
            known = sorted(n.removesuffix(".parquet") for n in folder.manifest.get("files") or {}
                           if n.endswith(".parquet") and "/" not in n)  # fmt: skip
            raise StoreError(f"{folder.path}: no table {name!r}; it has {', '.join(known)}.")
        path = self.check(folder, file)
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as error:  # pyarrow's errors are both
            raise DamagedRunError(folder.id, file, f"unreadable: {error}", folder.path) from None

    def text(self, run: str | RunFolder, name: str) -> str:
        """Read the text file ``name`` (``explain.jsonl`` ...) of a complete run, checked against the manifest."""
        folder = run if isinstance(run, RunFolder) else self.open(run)
        path = self.check(folder, name)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DamagedRunError(folder.id, name, f"unreadable: {error}", folder.path) from None

    def explanations(self, run: str | RunFolder) -> list[dict[str, Any]]:
        """Return the stored lines of ``explain.jsonl``: each quota cell and its explanation tree, not yet worded."""
        return [json.loads(line) for line in self.text(run, "explain.jsonl").splitlines() if line.strip()]

    def inputs(self, run: str | RunFolder) -> Inputs:
        """Load the quota's inputs of a complete run (``inputs/``), each file checked against the manifest."""
        from .inputs import load_inputs

        folder = run if isinstance(run, RunFolder) else self.open(run)
        for name in folder.manifest.get("files") or {}:
            if name.startswith("inputs/"):
                self.check(folder, name)
        return load_inputs(folder.file("inputs"))
