"""The quota's ``Inputs`` on disk, losslessly: a service can recompute a what-if from a run without its sources.

A folder holds ``inputs.json`` (every field: numbers, text, mappings, tuples, which fields are tables) and one
Parquet file per table field. :func:`load_inputs` gives back an :class:`~staffing_forecast.quota.Inputs` equal
field by field to the one saved: frames with their columns, types and values; mappings as dicts; tuples as tuples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from ..quota import Inputs
from .layout import FORMAT, StoreError, write_atomic, write_parquet

__all__ = ["load_inputs", "save_inputs"]


def _encode(value: Any, name: str, folder: Path) -> dict[str, Any]:
    if value is None:
        return {"kind": "none"}
    if isinstance(value, pd.DataFrame):
        write_parquet(value.reset_index(drop=True), folder / f"{name}.parquet")
        return {"kind": "frame", "file": f"{name}.parquet"}
    if isinstance(value, tuple):
        return {"kind": "tuple", "value": list(value)}
    if isinstance(value, Mapping):
        return {"kind": "mapping", "value": {str(k): v for k, v in value.items()}}
    if isinstance(value, bool | int | float | str):
        return {"kind": type(value).__name__, "value": value}
    raise StoreError(f"save_inputs: field {name!r} holds a {type(value).__name__}, which has no file form.")


def _decode(entry: dict[str, Any], folder: Path) -> Any:
    kind = entry["kind"]
    if kind == "none":
        return None
    if kind == "frame":
        return pd.read_parquet(folder / entry["file"])
    if kind == "tuple":
        return tuple(entry["value"])
    if kind == "mapping":
        return dict(entry["value"])
    return {"bool": bool, "int": int, "float": float, "str": str}[kind](entry["value"])


def save_inputs(inputs: Inputs, folder: str | os.PathLike[str]) -> Path:
    """Write the quota's inputs to ``folder`` (created); return ``folder / "inputs.json"``.

    Examples
    --------
    >>> import tempfile
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026],
    ...                            "low": [100.0, 102], "base": [100.0, 110], "high": [100.0, 118]})
    >>> capacity = pd.DataFrame({"institution": "U01", "specialty": "09.03.04", "level": "bachelor",
    ...                          "capacity": [50]})
    >>> inputs = Inputs(employment=employment, base_year=2025, capacity=capacity, transfer={"2512": 0.03})
    >>> folder = tempfile.mkdtemp()
    >>> back = load_inputs(save_inputs(inputs, folder).parent)
    >>> back.transfer, back.backlog_shares, back.employment.equals(employment)
    ({'2512': 0.03}, (0.5, 0.5), True)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries = {f.name: _encode(getattr(inputs, f.name), f.name, folder) for f in fields(inputs)}
    path = folder / "inputs.json"
    write_atomic(path, json.dumps({"format": FORMAT, "fields": entries}, ensure_ascii=False, indent=1))
    return path


def load_inputs(folder: str | os.PathLike[str]) -> Inputs:
    """Read inputs written by :func:`save_inputs` (a run's ``inputs/`` folder).

    Examples
    --------
    >>> import tempfile
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026],
    ...                            "low": [100.0, 102], "base": [100.0, 110], "high": [100.0, 118]})
    >>> capacity = pd.DataFrame({"institution": "U01", "specialty": "09.03.04", "level": "bachelor",
    ...                          "capacity": [50]})
    >>> inputs = Inputs(employment=employment, base_year=2025, capacity=capacity)
    >>> back = load_inputs(save_inputs(inputs, tempfile.mkdtemp()).parent)
    >>> back.base_year, back.employment.equals(employment), back.capacity.equals(capacity)
    (2025, True, True)
    """
    folder = Path(folder)
    try:
        saved = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{folder}: no inputs.json; pass a run's inputs/ folder.") from None
    if saved.get("format") != FORMAT:
        raise StoreError(
            f"{folder / 'inputs.json'}: format {saved.get('format')!r}, this library reads {FORMAT}."
        )
    known = {f.name for f in fields(Inputs)}
    values = {name: _decode(entry, folder) for name, entry in saved["fields"].items() if name in known}
    return Inputs(**values)
