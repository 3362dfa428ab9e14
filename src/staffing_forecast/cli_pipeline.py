"""The command line's batch-job commands.

``run``, ``init-config``, ``runs``, and the ``demo`` and ``quota`` jobs, each a thin call of
:func:`staffing_forecast.pipeline.run`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import ConfigError, StaffingForecastError
from .pipeline import Config, diff_runs, load_config, open_run, write_example
from .pipeline import run as run_pipeline
from .pipeline.config import (
    GAP_KEY_ADVICE,
    GAPS_ADVICE,
    ForecastConfig,
    OutputConfig,
    ParallelConfig,
    SeriesConfig,
    SourcesConfig,
)
from .store import RunStore, StoreError

if TYPE_CHECKING:
    from .pipeline import RunResult
    from .quota import Policy, QuotaResult

__all__ = ["add_commands", "bundle_words", "column_pairs", "job"]

#: The ``quota`` and ``demo`` commands read a bundle folder and have no run.toml: how they fill missing periods.
_BUNDLE_WORDS = {
    GAPS_ADVICE: "Add the missing years' rows to the file; or fill them with staffing-forecast run and a run.toml "
    'whose [series] gaps = "zero", "interpolate" or "ffill" (staffing-forecast init-config writes one).',
    GAP_KEY_ADVICE: "or fill it with staffing-forecast run and a run.toml whose [series] gaps fills it",
}


def _say(args: argparse.Namespace) -> object:
    return None if getattr(args, "quiet", False) else (lambda text: print(text, flush=True))


def job(config: Config, args: argparse.Namespace) -> RunResult:
    """Run the pipeline with the command line's --resume, --quiet and --verbose."""
    if getattr(args, "verbose", False):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logging.getLogger("staffing_forecast.pipeline").addHandler(handler)
    result = run_pipeline(config, resume=getattr(args, "resume", False), progress=_say(args))  # type: ignore[arg-type]
    if not getattr(args, "quiet", False):
        print(result.summary())
    return result


def bundle_words(error: StaffingForecastError) -> StaffingForecastError:
    """Say the run.toml lines an error of a bundle command (``quota``, ``demo``) advises as what to do there.

    Returns the error itself when it advises no line of run.toml about missing periods.

    Examples
    --------
    >>> from staffing_forecast.errors import SchemaError
    >>> from staffing_forecast.pipeline.config import job_words
    >>> loaded = "'A' between 2013 and 2015. Fill them explicitly with gaps='zero' (or 'keep' to leave them)."
    >>> print(bundle_words(SchemaError(job_words(loaded))))
    'A' between 2013 and 2015. Add the missing years' rows to the file; or fill them with staffing-forecast run and a run.toml whose [series] gaps = "zero", "interpolate" or "ffill" (staffing-forecast init-config writes one).
    """
    text = str(error)
    for advice, words in _BUNDLE_WORDS.items():
        text = text.replace(advice, words)
    return error if text == str(error) else type(error)(text)


def print_totals(result: QuotaResult) -> None:
    """Places per intake year; years holding only the short programs say so."""
    for row in result.totals().itertuples(index=False):
        missing = len(row.missing_programs.split(", ")) if row.missing_programs else 0
        note = (
            ""
            if row.complete
            else f"  (incomplete: {row.programs} programs counted, {missing} more would graduate after the forecast "
            "horizon)"
        )
        print(f"intake {row.intake_year}: {row.quota} places{note}")


def demo_config(data: Path, out: Path, *, h: int, lang: str, n_jobs: int) -> Config:
    """Configure the demo's job: the bundle in ``data``, employment by occupation, the quota, into ``out``."""
    from .quota import Policy

    return Config(
        sources=SourcesConfig(bundle=data),
        series=SeriesConfig(hierarchy=(("occupation",),)),
        forecast=ForecastConfig(horizon=h),
        quota=Policy(),
        output=OutputConfig(store=out, lang=lang),
        parallel=ParallelConfig(n_jobs=n_jobs),
    )


def column_pairs(text: str) -> dict[str, str]:
    """Read ``--columns``: ``"Год=ds,Численность, чел.=y"`` → ``{"Год": "ds", "Численность, чел.": "y"}`` (headers may hold commas)."""
    pairs: dict[str, str] = {}
    buffer = ""
    for piece in text.split(","):
        buffer = f"{buffer},{piece}" if buffer else piece
        if "=" in buffer:
            header, _, name = buffer.rpartition("=")
            if not header.strip() or not name.strip():
                break
            pairs[header.strip()] = name.strip()
            buffer = ""
    if buffer or not pairs:
        raise ConfigError(
            f"--columns {text!r}: write HEADER=NAME pairs separated by commas, e.g. "
            '--columns "Год=ds,Численность=y,Код ОКЗ=occupation".'
        )
    return pairs


def quota_config(folder: Path, out: Path, policy: Policy, args: argparse.Namespace) -> Config:
    """Configure the quota job: the job's candidate models (as the demo), the policy's interval level only.

    ``--models`` left out, the candidates are ``[forecast] models``' default, so ``quota`` on the demo's bundle
    gives the demo's quotas; one model named skips the cross-validation.
    """
    models = tuple(args.models) if args.models else ForecastConfig().models
    return Config(
        sources=SourcesConfig(bundle=folder, columns=column_pairs(args.columns) if args.columns else None),
        series=SeriesConfig(hierarchy=(("occupation",),)),
        forecast=ForecastConfig(horizon=args.h, models=models, levels=(policy.interval_level,)),
        quota=policy,
        quota_required=True,
        output=OutputConfig(store=out, lang=args.lang),
        parallel=ParallelConfig(n_jobs=args.n_jobs),
    )


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.out:
        config = config.replace("output", store=Path(args.out).resolve())
    if args.scheduler:
        if "://" not in args.scheduler:
            raise ConfigError(
                f"--scheduler {args.scheduler!r}: give a Dask scheduler address, e.g. tcp://host:8786."
            )
        config = config.replace("parallel", scheduler=args.scheduler)
    if args.n_jobs is not None:
        config = config.replace("parallel", n_jobs=args.n_jobs)
    result = job(config, args)
    if result.quota is not None and not args.quiet:
        print_totals(result.quota)
    return 0


def _init_config(args: argparse.Namespace) -> int:
    path = write_example(args.path, overwrite=args.force)
    print(f"wrote {path}; run it with: staffing-forecast run {path}")
    return 0


def _runs(args: argparse.Namespace) -> int:
    store = RunStore(args.store)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_colwidth", 40):
        if args.action == "list":
            table = store.list_runs()
            damaged = table[table["damaged"].fillna("") != ""]
            shown = table.drop(columns="damaged")
            shown.loc[damaged.index, "status"] = "damaged"
            print(shown.to_string(index=False) if len(table) else f"{args.store}: no runs yet")
            for row in damaged.itertuples():
                print(
                    f"run {row.run} is damaged: {row.damaged} missing or not of the size its manifest records; "
                    f"staffing-forecast runs verify {row.run} --store {args.store} names each damaged file"
                )
            for run in store.unpointed():
                print(
                    f"run {run} is complete but runs/latest does not name it (the job stopped before moving it); "
                    f"to point latest at it: staffing-forecast runs set-latest {run} --store {args.store}"
                )
        elif args.action == "verify":
            run = store.resolve(args.run_id or "latest")
            damaged = store.verify(run)
            if damaged:
                raise StoreError(
                    f"run {run}: {len(damaged)} damaged file(s) in {store.runs / run}:\n  "
                    + "\n  ".join(f"{error.file}: {error.reason}" for error in damaged)
                    + "\nRun the job again, or restore these files from a backup."
                )
            print(f"run {run}: all {len(store.open(run).manifest['files'])} files intact")
        elif args.action == "set-latest":
            if not args.run_id:
                raise ConfigError(
                    "runs set-latest: name the run: staffing-forecast runs set-latest RUN --store DIR."
                )
            with store.lock():
                run = store.resolve(args.run_id)
                store.set_latest(store.open(run).id)
            print(f"runs/latest now names {run}")
        elif args.action == "show":
            if _show_unfinished(store, args.run_id):
                return 1
            opened = open_run(args.store, args.run_id or "latest")
            damaged = store.verify(opened.id)
            if damaged:
                raise damaged[0]
            m = opened.manifest
            print(f"run {opened.id}: {m['status']}, started {m['started']}, finished {m['finished']}")
            print(f"folder: {opened.path}")
            tables = ", ".join(f"{k} {v['rows']}" for k, v in m["data"].get("tables", {}).items())
            print(f"data: {m['data'].get('sha256')} ({tables})")
            print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in m["timings"].items()))
            print("counts: " + ", ".join(f"{k} {v}" for k, v in m["counts"].items()))
            if m.get("skipped"):
                print("skipped: " + "; ".join(f"{s['source']}: {s['reason']}" for s in m["skipped"]))
            if opened.workbooks:
                print("workbooks: " + ", ".join(p.name for p in opened.workbooks))
            if opened.plots:
                print(f"plots in {opened.path / 'plots'}: " + ", ".join(p.name for p in opened.plots))
            for left in m.get("plots", {}).get("skipped", []):
                print(f"plot {left['plot']} not drawn: {left['reason']}")
            if m.get("warnings"):
                print(f"{len(m['warnings'])} warning(s), listed in manifest.json and run.log")
        elif args.action == "diff":
            if not args.run_id:
                raise ConfigError(
                    "runs diff: name the older run: staffing-forecast runs diff OLD [NEW] --store DIR."
                )
            changes = diff_runs(args.store, args.run_id, args.other or "latest")
            forecasts, quota = changes["forecasts"], changes["quota"]
            print(f"forecast rows changed: {len(forecasts)}; quota cells changed: {len(quota)}")
            if len(forecasts):
                print(forecasts.head(args.top).to_string(index=False))
            if len(quota):
                print(quota.head(args.top).to_string(index=False))
        else:
            removed = store.prune(args.keep)
            print(f"removed {len(removed)} run(s)" + (": " + ", ".join(removed) if removed else ""))
    return 0


def _show_unfinished(store: RunStore, run_id: str | None) -> bool:
    """Print a run that did not complete (failed, killed, running) with why; ``True`` when it did so.

    Without an id: the newest run, when it did not complete and is newer than ``runs/latest``, is printed with a
    line on the latest complete run; with no complete run at all, the newest run is printed instead.
    """
    import json

    if run_id is None:
        runs = store.list_runs()
        if not len(runs) or runs["status"].iloc[-1] == "complete":
            return False
        run_id = str(runs["run"].iloc[-1])
        latest = store.latest()
        if latest is not None:
            print(
                f"newest run {run_id} is {runs['status'].iloc[-1]}: staffing-forecast runs show {run_id} says why"
            )
            return False
    run_id = store.resolve(run_id)
    path = store.runs / run_id
    try:
        m = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # open_run says what is wrong with it
    if m.get("status") == "complete":
        return False
    print(f"run {run_id}: {m.get('status')}, started {m.get('started')}, finished {m.get('finished')}")
    if m.get("error"):
        print(f"error: {m['error']}")
    done = [k for k in m.get("timings", {}) if k != "total"]
    print("stages finished: " + (", ".join(done) if done else "none"))
    for note in m.get("notes", []):
        print(f"note: {note}")
    if m.get("kept"):
        print("kept: " + ", ".join(m["kept"]))
    print(f"folder: {path}; the log: {path / 'run.log'}")
    return True


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``run``, ``init-config`` and ``runs`` to the command line."""
    run = sub.add_parser("run", help="run the batch job of a run.toml into its run store")
    run.add_argument("config", help="the run.toml (staffing-forecast init-config run.toml writes an example)")
    run.add_argument("--out", help="the run store folder (default: [output] store of the file)")
    run.add_argument(
        "--resume", action="store_true", help="continue this configuration's killed or failed run"
    )
    run.add_argument("--scheduler", help="a Dask scheduler address, tcp://host:8786 (default: [parallel])")
    run.add_argument("--n-jobs", type=int, help="worker processes (default: [parallel] n_jobs)")
    add_verbosity(run)
    run.set_defaults(run=_run, job_words=True)  # its errors speak run.toml
    init = sub.add_parser("init-config", help="write a commented run.toml that runs on the demo as it is")
    init.add_argument("path")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.set_defaults(run=_init_config)
    runs = sub.add_parser("runs", help="list, show, verify, compare or prune the runs of a run store")
    runs.add_argument(
        "action",
        choices=["list", "show", "verify", "diff", "prune", "set-latest"],
        help="list: every run with its status (damaged: a complete run's file missing or resized); show: one run in short, with its workbooks and plots (checked); "
        "verify: check every file of a run against its manifest (exit 2 naming each damaged file); "
        "diff: forecast and quota changes between two runs; prune: delete old runs (--keep); "
        "set-latest: point runs/latest at a complete run",
    )
    runs.add_argument(
        "run_id",
        nargs="?",
        metavar="run",
        help="a run id or its start (show, verify: default latest; diff: the older run; set-latest: the run)",
    )
    runs.add_argument("other", nargs="?", help="diff: the newer run (default: latest)")
    runs.add_argument("--store", default="runs-store", help="the run store folder (default: %(default)s)")
    runs.add_argument(
        "--keep", type=int, default=10, help="prune: complete runs to keep (default: %(default)s)"
    )
    runs.add_argument("--top", type=int, default=20, help="diff: changes to print (default: %(default)s)")
    runs.set_defaults(run=_runs)


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", action="store_true", help="print only errors")
    group.add_argument("--verbose", action="store_true", help="also print the run's log")
