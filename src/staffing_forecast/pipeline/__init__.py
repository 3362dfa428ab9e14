"""The batch retraining job: one configuration, one pipeline, a versioned run store.

- :func:`load_config` / :func:`parse_config` read ``run.toml`` into a :class:`Config` (``docs/pipeline.md`` lists
  every key); :func:`write_example` writes a commented one;
- :func:`run` wires every stage (load → validate → cross-validate → select → forecast → reconcile → adjust →
  monitoring → quota → publish) into a new folder of the run store and returns a :class:`RunResult`;
- :func:`open_run` reads one run's tables after checking its format, library version and checksums;
  :func:`diff_runs` compares two runs. :class:`RunStore`, :class:`StoreError`, :func:`save_inputs` and
  :func:`load_inputs` live in :mod:`staffing_forecast.store` (the run store) and are importable here too.
"""

from __future__ import annotations

from ..store import FORMAT, RunStore, StoreError, load_inputs, save_inputs
from .config import EXAMPLE, Config, load_config, parse_config, write_example
from .read import Run, diff_runs, open_run
from .run import STAGES, RunResult, run

__all__ = [
    "EXAMPLE",
    "FORMAT",
    "STAGES",
    "Config",
    "Run",
    "RunResult",
    "RunStore",
    "StoreError",
    "diff_runs",
    "load_config",
    "load_inputs",
    "open_run",
    "parse_config",
    "run",
    "save_inputs",
    "write_example",
]
