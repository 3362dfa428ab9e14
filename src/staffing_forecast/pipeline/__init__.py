"""The batch retraining job: one configuration, one pipeline, a versioned run store.

- :func:`load_config` / :func:`parse_config` read ``run.toml`` into a :class:`Config` (``docs/pipeline.md`` lists
  every key); :func:`write_example` writes a commented one;
- :func:`run` wires every stage (load → validate → cross-validate → select → forecast → reconcile → adjust →
  monitoring → quota → publish) into a new folder of the run store and returns a :class:`RunResult`;
- :class:`RunStore` lists, opens, compares and prunes runs; :func:`open_run` reads one run's tables after checking
  its format and library version; :func:`save_inputs` / :func:`load_inputs` keep the quota's inputs losslessly.
"""

from __future__ import annotations

from .config import EXAMPLE, Config, load_config, parse_config, write_example
from .inputs import load_inputs, save_inputs
from .read import Run, diff_runs, open_run
from .run import STAGES, RunResult, run
from .store import FORMAT, RunStore, StoreError

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
