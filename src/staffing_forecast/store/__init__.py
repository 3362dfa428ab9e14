"""The run store: the folder that the batch job writes and the service, the CLI and notebooks read.

Only this package knows the store's layout. The batch job writes through :class:`RunStore` (the writer); the
service and every reader go through :class:`RunReader`.

Layout
------
::

    <store>/
        lock.json                      who holds the store (pid, host, run, since), while a job holds it
        runs/latest                    the id of the last complete run (one line, replaced atomically)
        runs/<UTC time>-<config hash>/ one run:
            manifest.json              status (running, failed, complete), timings, counts, the configuration,
                                       the data's fingerprint, the vintage date, and every file's size and SHA-256
            *.parquet                  the tables: forecasts, selection, cv_scores, adjustments, quota, ...
            inputs/                    the quota's inputs, losslessly (read back by ``RunReader.inputs``)
            explain.jsonl              every quota cell's explanation, stored before it has a language
            *.xlsx, *.csv, plots/      workbooks, CSV and pictures for officials
            run.log                    the run's log (not checksummed: a resumed run appends to it)
            chunks/                    finished tasks, for ``--resume``; removed once the run completes
        vintages/<date>/forecast@<run>.parquet  every run's published forecast, for the track record
        .pruning/                      runs being deleted by ``prune`` (removed by the next prune or job)

Writing
-------
Every file is staged under a name no other writer uses (``.<name>.<pid>-<random>.tmp``) and renamed into place,
so a run killed at any moment leaves whole files or none. A run's folder and manifest (``running``) exist from
the start. At the end the writer records the size and SHA-256 of every file of the run in the manifest, then the
manifest says ``complete``, and only then does ``runs/latest`` move: ``latest`` names only complete runs.

A disk that is full, read-only or not ours is a :class:`StoreError` (the command line exits 2), never a stray
``OSError``.

The lock
--------
One job at a time writes into a store. The lock is the operating system's lock (``flock``) on the open file
``lock.json``: the kernel grants it to one process and drops it when that process ends, however it ends. A
killed job therefore never blocks the next, and two jobs can never both hold the store: the loser stops with a
:class:`StoreError` naming the holder before it writes anything. The file's text is only for people; the holder
deletes it when it lets go. (A store on a network file system must support ``flock``.)

Checksums and verify
--------------------
``RunReader.verify`` (``staffing-forecast runs verify [RUN]``, and ``runs show``) compares every file of a
complete run with the size and SHA-256 in its manifest and names each damaged file (a
:class:`DamagedRunError`, exit 2). Reading a table checks its file first, so a truncated or altered table is
never read as data: the service answers ``/ready`` with 503 and a read of the damaged run with a 500
problem+json, both naming the run and the file. A check is remembered while the file's size, time and inode stay
the same, so checking again costs nothing.

Recovery
--------
- **A killed run** stays ``running`` (listed ``interrupted`` once its process is gone);
  ``staffing-forecast run CONFIG --resume`` continues it, reusing its finished tasks. Its vintage date is kept in
  the manifest, so a run killed after publishing its forecast publishes the same vintage again on resume.
- **A run complete but not latest** (a job killed just before moving ``latest``) is shown by ``runs list``, with
  the command that points ``latest`` at it: ``staffing-forecast runs set-latest RUN``.
- **Damaged files** are named by ``runs verify``; run the job again, or restore the files from a backup.
- **A killed prune** moved each run out of ``runs/`` in one rename before deleting it: no run is ever listed
  with files missing, and the next prune or job deletes what is left in ``.pruning/``.
- **Staging files** of a killed writer (``.<name>.<pid>-<random>.tmp``) are removed by the next job or prune
  once their process is gone.
"""

from __future__ import annotations

from .inputs import load_inputs, save_inputs
from .layout import (
    FORMAT,
    DamagedRunError,
    RunFiles,
    RunFolder,
    StoreError,
    write_atomic,
    write_figure,
    write_parquet,
    writing,
)
from .lock import StoreLock
from .reader import RUN_ID, RunReader
from .writer import Checkpoint, RunStore, config_hash

__all__ = [
    "FORMAT",
    "RUN_ID",
    "Checkpoint",
    "DamagedRunError",
    "RunFiles",
    "RunFolder",
    "RunReader",
    "RunStore",
    "StoreError",
    "StoreLock",
    "config_hash",
    "load_inputs",
    "save_inputs",
    "write_atomic",
    "write_figure",
    "write_parquet",
    "writing",
]
