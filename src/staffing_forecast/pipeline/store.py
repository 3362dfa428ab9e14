"""The run store now lives in :mod:`staffing_forecast.store`; these names stay importable from here."""

from __future__ import annotations

from ..store import (
    FORMAT,
    Checkpoint,
    RunFiles,
    RunFolder,
    RunStore,
    StoreError,
    write_atomic,
    write_figure,
    write_parquet,
)
from ..store.layout import now

__all__ = [
    "FORMAT",
    "Checkpoint",
    "RunFiles",
    "RunFolder",
    "RunStore",
    "StoreError",
    "now",
    "write_atomic",
    "write_figure",
    "write_parquet",
]
