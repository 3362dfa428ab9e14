"""The run store as the service reads it: run ids checked, complete and intact runs only, tables cached.

Everything about the store's layout is :class:`staffing_forecast.store.RunReader`'s; this module turns its
answers and errors into the service's (:class:`~.problems.Problem`). A complete run never changes (the batch job
writes a new folder for every run), so its tables are read once and kept in memory for the next requests;
``runs/latest`` is read on every request, so the service answers from the last complete run while the job writes
the next one and switches as soon as ``latest`` moves. Each request checks the run's files against the sizes and
SHA-256 its manifest records (a stat per file; a file is hashed again only when it changed), so a damaged run is
a 500 naming the run and the file, and ``/ready`` a 503.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..disclosure import Rules, employers_of, suppress
from ..quota import Inputs
from ..quota.result import Explanation
from ..store import DamagedRunError, RunFolder, RunReader, StoreError
from .problems import Problem, damaged

__all__ = [
    "KEYS",
    "RUN_ID",
    "Columns",
    "ForecastQuery",
    "StoreReader",
    "decode_cursor",
    "encode_cursor",
    "records",
]

#: A run id as the store names runs (``20261130T024537.890Z-58eb70fd``), or ``latest``.
RUN_ID = r"^(latest|[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{8})$"
_RUN_ID = re.compile(RUN_ID)

#: The key columns of a forecast row; ``*`` marks a key summed over.
KEYS = ("region", "sector", "employer", "occupation")

#: The columns withheld from a suppressed row: the values, and the adjustment and its reason that would give
#: them away.
_VALUE = re.compile(r"^(mean|original_mean|(lo|hi)_\d+)$")
_WITHHELD_TEXT = ("adjustment", "reason")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ``YYYY-MM-DD``, missing numbers as ``None``.

    Examples
    --------
    >>> records(pd.DataFrame({"ds": pd.to_datetime(["2026-01-01"]), "mean": [float("nan")]}))
    [{'ds': '2026-01-01', 'mean': None}]
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in out.to_dict("records")
    ]


@dataclass(frozen=True)
class Columns:
    """A table as one numpy array per column, for cutting pages out of it quickly."""

    names: tuple[str, ...]
    arrays: dict[str, np.ndarray]
    withheld: tuple[str, ...]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Columns:
        """Split ``frame`` into columns; dates become ``YYYY-MM-DD`` text once, here."""
        arrays = {}
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                arrays[column] = values.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
            else:
                arrays[column] = values.to_numpy()
        withheld = tuple(c for c in frame.columns if _VALUE.match(c) or c in _WITHHELD_TEXT)
        return cls(tuple(frame.columns), arrays, withheld)

    def rows(self, positions: np.ndarray, suppressed: np.ndarray) -> list[dict[str, Any]]:
        """Return the rows at ``positions`` as JSON-ready dicts, the values of ``suppressed`` rows withheld.

        Examples
        --------
        >>> table = Columns.of(pd.DataFrame({"ds": pd.to_datetime(["2026-01-01", "2027-01-01"]), "mean": [3.0, 40.0]}))
        >>> table.rows(np.array([0, 1]), np.array([True, False]))
        [{'ds': '2026-01-01', 'mean': None, 'suppressed': True}, {'ds': '2027-01-01', 'mean': 40.0, 'suppressed': False}]
        """
        hidden = suppressed.tolist()
        columns = {}
        for name in self.names:
            values = self.arrays[name][positions].tolist()
            if self.arrays[name].dtype.kind == "f":
                values = [None if v != v else v for v in values]  # NaN is null in JSON
            if name in self.withheld and any(hidden):
                values = [None if h else v for v, h in zip(values, hidden, strict=True)]
            columns[name] = values
        columns["suppressed"] = hidden
        names = [*self.names, "suppressed"]
        return [dict(zip(names, row, strict=True)) for row in zip(*(columns[n] for n in names), strict=True)]


@dataclass(frozen=True)
class ForecastQuery:
    """Filters and a page of ``GET /v1/runs/{run}/forecasts``: each filter holds the values accepted (empty: all)."""

    occupation: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    employer: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    hierarchy_level: tuple[str, ...] | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    limit: int = 100
    after: int = -1


@dataclass
class _Tables:
    """One complete run's tables, read on first use."""

    forecasts: pd.DataFrame | None = None
    columns: Columns | None = None
    level: np.ndarray | None = None
    quota: pd.DataFrame | None = None
    explanations: dict[tuple[str, str, int], dict[str, Any]] | None = None
    inputs: Inputs | None = None
    suppressed: dict[Rules, np.ndarray] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


def encode_cursor(run: str, position: int) -> str:
    """Make the opaque cursor of the next page: the run and the position of the last row given.

    Examples
    --------
    >>> decode_cursor(encode_cursor("20261130T024537.890Z-58eb70fd", 99))
    ('20261130T024537.890Z-58eb70fd', 99)
    """
    text = json.dumps({"run": run, "after": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """Read the run and position of a cursor; one not made by :func:`encode_cursor` is a 422 naming it."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        run, after = data["run"], data["after"]
        if not isinstance(run, str) or not _RUN_ID.match(run) or run == "latest":
            raise ValueError
        if not isinstance(after, int) or isinstance(after, bool) or after < -1:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise Problem(
            422, "cursor: not a cursor of this service; pass the next_cursor of the previous page, or none."
        ) from None
    return run, after


class StoreReader:
    """Read a run store for the service: checked run ids, complete runs, tables cached per run.

    Parameters
    ----------
    root
        The run store folder (``[output] store`` of the batch job).
    cached_runs
        How many runs' tables are kept in memory (the most recently used). Default 4.

    Examples
    --------
    >>> import tempfile
    >>> reader = StoreReader(tempfile.mkdtemp())
    >>> reader.latest() is None
    True
    """

    def __init__(self, root: str | os.PathLike[str], cached_runs: int = 4) -> None:
        self.store = RunReader(root)
        self.root = self.store.root
        self.cached_runs = cached_runs
        self._cache: OrderedDict[str, _Tables] = OrderedDict()
        self._complete: dict[str, RunFolder] = {}
        self._lock = threading.Lock()

    # --- runs -----------------------------------------------------------------------------------------------
    def latest(self) -> str | None:
        """Return the id of the last complete run, or ``None`` (no run yet, or ``runs/latest`` is unreadable)."""
        try:
            return self.store.latest()
        except StoreError:
            return None

    def ready(self) -> str:
        """Return the id of the last complete run when it is intact; otherwise a 503 that says what is wrong."""
        try:
            latest = self.store.latest()
        except StoreError as error:
            raise Problem(503, self._public(error)) from None
        if latest is None:
            raise Problem(
                503, f"the store has no complete run (runs/latest is missing) under {self.root.name!r}."
            )
        try:
            self.complete(latest)
        except Problem as problem:
            raise Problem(503, f"the latest run is not readable: {problem.detail}", **problem.extra) from None
        return latest

    def list_runs(self) -> list[dict[str, Any]]:
        """Every run of the store, oldest first, with its status."""
        return records(self.store.list_runs())

    def _public(self, error: StoreError) -> str:
        """Return the error's text without the server's folders."""
        return str(error).replace(str(self.root), "the store")

    def _check(self, run: str) -> str:
        if not _RUN_ID.match(run) or run == "latest":
            raise Problem(
                404,
                f"no run {run!r}: run ids look like 20261130T024537.890Z-58eb70fd; GET /v1/runs lists them.",
            )
        return run

    def manifest(self, run: str) -> dict[str, Any]:
        """Return a run's manifest (any status), ``latest`` resolved."""
        run = self._check(self._latest_or(run))
        manifest = self.store.manifest(run)
        if manifest is not None:
            return manifest
        if run not in self.store.ids():
            raise Problem(404, f"no run {run!r} in the store; GET /v1/runs lists them.")
        raise Problem(409, f"run {run!r}: its manifest is unreadable; the batch job may still be writing it.")

    def _latest_or(self, run: str) -> str:
        if run != "latest":
            return run
        latest = self.latest()
        if latest is None:
            raise Problem(
                404, "the store has no complete run yet; run the batch job (staffing-forecast run CONFIG)."
            )
        return latest

    def complete(self, run: str) -> str:
        """Return the id of a complete, intact run this library can read, ``latest`` resolved.

        A run still being written, failed or of another format is a 409, an unknown one a 404, a damaged one a
        500 naming the file.
        """
        run = self._check(self._latest_or(run))
        folder = self._complete.get(run)
        if folder is None or not folder.path.is_dir():
            status = self.manifest(run).get("status")
            if status != "complete":
                raise Problem(
                    409,
                    f"run {run!r} is {status!r}, not complete: its tables are not served; use latest, the last complete run.",
                )
            try:
                folder = self.store.open(run)
            except StoreError as error:
                raise Problem(409, self._public(error)) from None
            self._complete[run] = folder  # a complete run's manifest never changes: read it once
        problems = self.store.damaged(folder)  # a stat per file; a file is hashed again only when it changed
        if problems:
            raise damaged(problems[0])
        return run

    # --- tables ---------------------------------------------------------------------------------------------
    def _tables(self, run: str) -> _Tables:
        with self._lock:
            tables = self._cache.get(run)
            if tables is None:
                tables = self._cache[run] = _Tables()
                while len(self._cache) > self.cached_runs:
                    self._cache.popitem(last=False)
            self._cache.move_to_end(run)
            return tables

    def _load(self, run: str, name: str, read: Callable[[str], Any]) -> Any:
        tables = self._tables(run)
        with tables.lock:
            if getattr(tables, name) is None:
                try:
                    setattr(tables, name, read(run))
                except DamagedRunError as error:
                    raise damaged(error) from None
                except (OSError, StoreError) as error:
                    raise Problem(404, f"run {run!r} has no {name} table: {type(error).__name__}.") from None
            return getattr(tables, name)

    def forecasts(self, run: str) -> pd.DataFrame:
        """Return a complete run's ``forecasts.parquet``, sorted by ``unique_id`` and ``ds``."""
        return self._load(run, "forecasts", lambda run: _sorted(self.store.table(run, "forecasts")))

    def columns(self, run: str) -> Columns:
        """Return a complete run's forecasts as numpy columns, in the order of :meth:`forecasts`."""
        return self._load(run, "columns", lambda run: Columns.of(self.forecasts(run)))

    def levels(self, run: str) -> np.ndarray:
        """Return each forecast row's hierarchy level: its keys that are not ``*``, joined by ``,`` (``total`` for none)."""
        return self._load(run, "level", lambda run: _levels(self.forecasts(run)))

    def quotas(self, run: str) -> pd.DataFrame:
        """Return a complete run's quota table (one row per specialty, level and intake year)."""
        return self._load(run, "quota", lambda run: self.store.table(run, "quota"))

    def explanation(
        self, run: str, specialty: str, level: str, intake_year: int, lang: str
    ) -> dict[str, Any] | None:
        """Return the explanation of one quota cell worded in ``lang`` (a tree of plain data), or ``None``."""
        found: dict[tuple[str, str, int], dict[str, Any]] = self._load(
            run, "explanations", lambda run: _by_cell(self.store.explanations(run))
        )
        stored = found.get((specialty, level, intake_year))
        return None if stored is None else Explanation.from_dict(stored).render(lang).to_dict()

    def inputs(self, run: str) -> Inputs:
        """Return a complete run's quota inputs, exactly as the run computed its quota from them."""
        return self._load(run, "inputs", self.store.inputs)

    def suppressed(self, run: str, rules: Rules) -> np.ndarray:
        """Return which of a run's forecast rows to withhold from keys without the ``employer`` scope.

        :func:`staffing_forecast.disclosure.suppress` over the whole table, once per run and rules: the employers
        behind each cell come from the run's ``employers.parquet`` (the last observed year of employment), or,
        in runs without it, from the forecast's own employer rows.
        """
        tables = self._tables(run)
        with tables.lock:
            if rules not in tables.suppressed:
                frame = self.forecasts(run)
                folder = self.store.open(run)
                try:  # checked against the manifest like every table the service reads
                    contributors = (
                        self.store.table(folder, "employers")
                        if "employers.parquet" in (folder.manifest.get("files") or {})
                        else employers_of(frame)
                    )
                except DamagedRunError as error:
                    raise damaged(error) from None
                tables.suppressed[rules] = suppress(frame, contributors, rules)
            return tables.suppressed[rules]

    def query(self, run: str, query: ForecastQuery, employer_rows: bool) -> tuple[np.ndarray, int | None]:
        """Return the positions of one page of a run's forecasts, and of its last row when more rows follow.

        Rows come in ``unique_id``, ``ds`` order; the position is the row's place in that order, so a page
        continues exactly where the previous one stopped and every row is given once.
        """
        frame = self.forecasts(run)
        mask = np.ones(len(frame), dtype=bool)
        for key, wanted in (
            ("occupation", query.occupation),
            ("sector", query.sector),
            ("employer", query.employer),
            ("region", query.region),
        ):
            if wanted:
                if key not in frame.columns:
                    raise Problem(422, f"{key}: this run's forecasts have no {key} column; drop the filter.")
                mask &= frame[key].isin(wanted).to_numpy()
        if not employer_rows and "employer" in frame.columns:
            mask &= (frame["employer"] == "*").to_numpy()
        if query.hierarchy_level is not None:
            mask &= np.isin(self.levels(run), query.hierarchy_level)
        if query.start is not None:
            mask &= (frame["ds"] >= query.start).to_numpy()
        if query.end is not None:
            mask &= (frame["ds"] <= query.end).to_numpy()
        rows = np.flatnonzero(mask)
        first = int(np.searchsorted(rows, query.after, side="right"))
        page = rows[first : first + query.limit]
        more = first + query.limit < len(rows)
        return page, (int(page[-1]) if more and len(page) else None)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def _levels(frame: pd.DataFrame) -> np.ndarray:
    keys = [k for k in KEYS if k in frame.columns]
    if not keys:
        return np.full(len(frame), "total", dtype=object)
    named = np.stack([np.where(frame[k].to_numpy() != "*", k, "") for k in keys], axis=1)
    return np.array([",".join(p for p in row if p) or "total" for row in named], dtype=object)


def _by_cell(cells: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {
        (str(cell["specialty"]), str(cell["level"]), int(cell["intake_year"])): cell["explanation"]
        for cell in cells
    }
