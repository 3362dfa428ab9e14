"""Reading runs back: one run's tables, and what changed between two runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..quota import Inputs
from ..quota.result import Explanation
from ..schema import DS, MEAN, MODEL, UNIQUE_ID
from ..store import RunFiles, RunFolder, RunReader

__all__ = ["Run", "diff_runs", "open_run"]


@dataclass(frozen=True)
class Run(RunFiles):
    """A complete run of a store, checked on opening (format and library version); tables are read on demand.

    Every file is checked against the size and SHA-256 the run recorded before it is read: a damaged one is a
    :class:`~staffing_forecast.store.DamagedRunError` naming it.

    Examples
    --------
    >>> import tempfile
    >>> from staffing_forecast.pipeline import parse_config, run
    >>> store = tempfile.mkdtemp()
    >>> config = parse_config({"sources": {"demo": True}, "forecast": {"models": ["naive"], "horizon": 2},
    ...                        "output": {"store": store, "workbooks": False}, "quota": {"enabled": False},
    ...                        "parallel": {"n_jobs": 1}})
    >>> first = run(config)
    >>> opened = open_run(store)
    >>> opened.id == first.run, len(opened.table("forecasts")) == len(first.forecasts)
    (True, True)
    """

    id: str
    path: Path
    manifest: dict[str, Any]

    def _folder(self) -> tuple[RunReader, RunFolder]:
        return RunReader(self.path.parent.parent), RunFolder(self.path, self.manifest)

    def table(self, name: str) -> pd.DataFrame:
        """Read one of the run's tables.

        The tables are ``forecasts``, ``cv_scores``, ``selection``, ``adjustments``, ``quota``,
        ``allocation``, ``track_record``, ``monitoring_outcomes`` ...
        """
        reader, folder = self._folder()
        return reader.table(folder, name)

    def inputs(self) -> Inputs:
        """Load the quota's inputs, exactly as the run computed the quota from them."""
        reader, folder = self._folder()
        return reader.inputs(folder)

    def explanations(self, lang: str = "ru") -> list[dict[str, Any]]:
        """Every quota cell's explanation (``explain.jsonl``) worded in ``lang`` (``"ru"`` or ``"en"``).

        The run stores each tree before it has a language; each line here is the cell's ``specialty``, ``level``,
        ``intake_year``, ``quota`` and its ``explanation`` tree as plain data.
        """
        reader, folder = self._folder()
        return [
            cell | {"explanation": Explanation.from_dict(cell["explanation"]).render(lang).to_dict()}
            for cell in reader.explanations(folder)
        ]


def open_run(store: str | os.PathLike[str], run: str = "latest") -> Run:
    """Open a complete run (``latest`` by default, or an id or the start of one) of a store.

    Examples
    --------
    >>> import tempfile
    >>> from staffing_forecast.pipeline import parse_config, run
    >>> store = tempfile.mkdtemp()
    >>> config = parse_config({"sources": {"demo": True}, "forecast": {"models": ["drift"], "horizon": 2},
    ...                        "output": {"store": store, "workbooks": False, "plots": False},
    ...                        "quota": {"enabled": False}, "parallel": {"n_jobs": 1}})
    >>> done = run(config)
    >>> opened = open_run(store)
    >>> opened.id == done.run, opened.manifest["status"]
    (True, 'complete')
    """
    folder = RunReader(store).open(run)
    return Run(id=folder.id, path=folder.path, manifest=folder.manifest)


def diff_runs(store: str | os.PathLike[str], old: str, new: str = "latest") -> dict[str, pd.DataFrame]:
    """Compare run ``old`` with run ``new``: what changed in the forecasts and the quotas.

    Returns
    -------
    dict
        ``forecasts``: ``unique_id``, ``ds``, ``model_old``, ``model_new``, ``mean_old``, ``mean_new``, ``change``,
        ``change_pct`` for every row whose value or model changed (or that only one run has); ``quota``:
        ``specialty``, ``level``, ``intake_year``, ``quota_old``, ``quota_new``, ``change`` likewise.

    Examples
    --------
    >>> import tempfile
    >>> from staffing_forecast.pipeline import parse_config, run
    >>> store = tempfile.mkdtemp()
    >>> def job(model):
    ...     return parse_config({"sources": {"demo": True}, "forecast": {"models": [model], "horizon": 2},
    ...                          "output": {"store": store, "workbooks": False, "plots": False},
    ...                          "quota": {"enabled": False}, "parallel": {"n_jobs": 1}})
    >>> first, second = run(job("naive")), run(job("drift"))
    >>> changed = diff_runs(store, first.run, second.run)["forecasts"]
    >>> set(changed["model_old"]), set(changed["model_new"])
    ({'naive'}, {'drift'})
    """
    a, b = open_run(store, old), open_run(store, new)
    out = {}
    fa, fb = a.table("forecasts"), b.table("forecasts")
    keys = [UNIQUE_ID, DS]
    merged = fa[[*keys, MODEL, MEAN]].merge(
        fb[[*keys, MODEL, MEAN]], on=keys, how="outer", suffixes=("_old", "_new")
    )
    merged["change"] = merged[f"{MEAN}_new"] - merged[f"{MEAN}_old"]
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["change_pct"] = 100 * merged["change"] / merged[f"{MEAN}_old"].abs()
    moved = (
        merged["change"].abs().gt(1e-9)
        | merged["change"].isna()
        | (merged[f"{MODEL}_old"].astype(str) != merged[f"{MODEL}_new"].astype(str))
    )
    out["forecasts"] = merged[moved].sort_values(keys).reset_index(drop=True)
    qa, qb = _optional(a, "quota"), _optional(b, "quota")
    cell = ["specialty", "level", "intake_year"]
    if qa is not None and qb is not None:
        q = qa[[*cell, "quota"]].merge(qb[[*cell, "quota"]], on=cell, how="outer", suffixes=("_old", "_new"))
        q["change"] = q["quota_new"] - q["quota_old"]
        out["quota"] = q[q["change"].ne(0) | q["change"].isna()].sort_values(cell).reset_index(drop=True)
    else:
        out["quota"] = pd.DataFrame(columns=[*cell, "quota_old", "quota_new", "change"])
    return out


def _optional(run: Run, name: str) -> pd.DataFrame | None:
    return run.table(name) if f"{name}.parquet" in run.manifest.get("files", {}) else None
