"""``sf.pipeline.run``: the one place that wires the stages, into a new folder of the run store."""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..disclosure import Rules, employers, withhold
from ..engine import SEASON_LENGTH
from ..errors import ConfigError, StaffingForecastError
from ..hierarchy import Hierarchy
from ..schema import DS, HIERARCHY_LEVEL, MEAN, MODEL, UNIQUE_ID
from ..store import (
    Checkpoint,
    RunFiles,
    RunFolder,
    RunStore,
    save_inputs,
    write_atomic,
    write_parquet,
    writing,
)
from ..store.layout import now
from ..units import unit_of
from . import stages
from .config import Config, job_words, load_config
from .plots import draw_plots

if TYPE_CHECKING:
    from ..quota import QuotaResult

__all__ = ["STAGES", "RunResult", "run"]

#: The stages in order, as the progress lines and the manifest's timings name them.
STAGES = (
    "load",
    "validate",
    "cross_validate",
    "select",
    "forecast",
    "reconcile",
    "adjust",
    "monitoring",
    "quota",
    "plots",
    "publish",
)
_WORDS = {
    "load": "loading the sources",
    "validate": "validating and summing the series",
    "cross_validate": "cross-validating the candidate models",
    "select": "choosing a model per series",
    "forecast": "forecasting",
    "reconcile": "reconciling the levels",
    "adjust": "applying the manual adjustments",
    "monitoring": "monitoring: graduate outcomes, satisfaction, scores",
    "quota": "computing the state training quotas",
    "plots": "drawing the plots",
    "publish": "writing the workbooks and publishing the forecast",
}
#: The progress line of a stage the configuration turns off.
_SKIPPED = {"reconcile": "no reconciliation", "quota": "no quota", "plots": "no plots"}
log = logging.getLogger("staffing_forecast.pipeline")


@dataclass
class RunResult(RunFiles):
    """What one run produced; every table is also in the run folder (``path``).

    Attributes
    ----------
    run, path, store
        The run's id, its folder and the store folder.
    forecasts
        The forecast of every series by its chosen model, adjusted, with ``fallback``, ``note``,
        ``original_mean``, ``adjustment`` and ``reason``.
    selection, cv_scores, adjustments
        The choice per series with its reason; the cross-validated score of every series and candidate; the rows
        changed by hand.
    quota
        The :class:`~staffing_forecast.quota.QuotaResult`, or ``None`` when ``[quota] enabled = false``.
    manifest
        The run's ``manifest.json`` (status, timings, counts, fingerprint, skipped sources).
    """

    run: str
    path: Path
    store: Path
    forecasts: pd.DataFrame
    selection: pd.DataFrame
    cv_scores: pd.DataFrame
    adjustments: pd.DataFrame
    quota: QuotaResult | None
    manifest: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """Show the run in a notebook: its counts with units, the quota per intake year, where the files are."""
        from ..display import html_table

        counts, timings = self.manifest.get("counts", {}), self.manifest.get("timings", {})
        row = pd.DataFrame(
            {
                "series": [counts.get("series", 0)],
                "horizon": [counts.get("horizon", "")],
                "fallbacks": [counts.get("fallbacks", 0)],
                "adjusted_rows": [counts.get("adjusted_rows", 0)],
                "seconds": [round(float(timings.get("total", 0.0)), 1)],
            }
        )
        units = {"horizon": "periods", "fallbacks": "series", "adjusted_rows": "rows", "seconds": "s"}
        notes = [f"Folder: {self.path}"]
        if self.workbooks:
            notes.append("Workbooks: " + ", ".join(p.name for p in self.workbooks))
        if self.plots:
            notes.append("Plots: " + ", ".join(p.name for p in self.plots))
        text = html_table(
            row, caption=f"Run {self.run} ({self.manifest.get('status', 'complete')})", units=units
        )
        if self.quota is not None:
            totals = self.quota.totals()[["intake_year", "quota", "programs", "complete"]]
            text += html_table(totals, caption="Quota per intake year")
        return text + "".join(f"<p>{html.escape(n)}</p>" for n in notes)

    def summary(self) -> str:
        """Describe the run in a few lines for a terminal: what ran, how long, what came out, where."""
        counts, timings = self.manifest.get("counts", {}), self.manifest.get("timings", {})
        lines = [
            f"run {self.run}: {counts.get('series', 0)} series forecast {counts.get('horizon', '?')} periods ahead "
            f"in {timings.get('total', 0):.1f} s; {counts.get('fallbacks', 0)} fell back, "
            f"{counts.get('adjusted_rows', 0)} rows adjusted by hand",
        ]
        if counts.get("chunks_reused"):
            lines.append(f"resumed: {counts['chunks_reused']} finished task(s) reused")
        if self.manifest.get("warnings"):
            told = self.manifest["warnings"]
            lines.append(f"{len(told)} warning(s), listed in manifest.json and run.log; the first: {told[0]}")
        if self.manifest.get("skipped"):
            lines.append(f"skipped sources: {', '.join(s['source'] for s in self.manifest['skipped'])}")
        books = ", ".join(p.name for p in self.workbooks)
        lines.append(f"workbooks: {books} in {self.path}" if books else f"tables in {self.path}")
        plots = self.manifest.get("plots", {})
        if plots.get("files"):
            lines.append(f"plots: {', '.join(p.name for p in self.plots)} in {self.path / 'plots'}")
        for left in plots.get("skipped", []):
            lines.append(f"plot {left['plot']} not drawn: {left['reason']}")
        return "\n".join(lines)


def _as_config(config: Config | str | os.PathLike[str]) -> Config:
    if isinstance(config, Config):
        return config
    if isinstance(config, str | os.PathLike):
        return load_config(config)
    raise ConfigError(f"run: config must be a Config or the path of a run.toml, not {type(config).__name__}.")


def run(
    config: Config | str | os.PathLike[str],
    *,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
    before_publish: Callable[[RunFolder], None] | None = None,
) -> RunResult:
    """Run the batch job into a new folder of the run store.

    The stages: load → validate → cross-validate → select → forecast → reconcile → adjust → monitoring →
    quota → publish.

    Parameters
    ----------
    config
        A :class:`Config` or the path of a ``run.toml`` (``staffing-forecast init-config`` writes one).
    resume
        Continue the newest run of the same configuration that did not complete (killed or failed), reusing the
        tasks it finished; when there is none, start a new run.
    progress
        Called with one line per stage (``"3/10 cross-validating the candidate models ..."``); the command line
        prints it. Without it the run is quiet: no lines and no progress bar.
    before_publish
        Called with the run folder once every table is written, before the forecast is published and
        ``runs/latest`` moves (tests use it to fail at the last moment).

    Returns
    -------
    RunResult

    Notes
    -----
    The run folder is created first, with a manifest saying ``running``; it says ``complete`` (or ``failed``,
    with the error) at the end, and ``runs/latest`` names the run only once it is complete. Each forecasting task
    is written to ``chunks/`` as it finishes, which is what ``resume`` reuses. The same configuration on the same
    data gives the same forecasts: tasks are cut by a fixed rule and intervals calibrated after them.

    Examples
    --------
    >>> import tempfile
    >>> from staffing_forecast.pipeline import parse_config
    >>> config = parse_config({"sources": {"demo": True}, "forecast": {"models": ["naive", "drift"], "horizon": 3},
    ...                        "output": {"store": tempfile.mkdtemp(), "workbooks": False},
    ...                        "quota": {"enabled": False}, "parallel": {"n_jobs": 1}})
    >>> result = run(config)
    >>> result.manifest["status"], sorted(result.selection["model"].unique())
    ('complete', ['drift', 'naive'])
    """
    config = _as_config(config)
    say = progress or (lambda text: None)
    store = RunStore(config.output.store)
    plain = config.to_dict()
    plain.pop("path", None)
    plain["output"].pop("store", None)  # the same job into another store is the same job
    with store.lock() as name_holder:
        folder = store.interrupted(plain) if resume else None
        if folder is not None:
            attempts = int(folder.manifest.get("attempts", 1)) + 1
            folder.save(
                status="running", pid=os.getpid(), error=None, attempts=attempts, finished=None, warnings=[]
            )
            say(f"resuming run {folder.id} (attempt {attempts})")
        else:
            if resume:
                say("no interrupted run of this configuration: starting a new run")
            folder = store.create(plain)
        name_holder(folder.id)
        with writing(folder.path):
            handler = _log_to(folder.file("run.log"))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                return _run(config, store, folder, say, before_publish, caught, progress is not None)
        except BaseException as error:  # killed by Ctrl-C too: the manifest must not say running
            with contextlib.suppress(Exception):
                folder.save(status="failed", finished=now(), error=f"{type(error).__name__}: {error}")
            log.error("run failed: %s: %s", type(error).__name__, error)
            raise
        finally:
            log.removeHandler(handler)
            handler.close()


def _warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Return the warnings of the run so far, each once, as ``Category: message``."""
    return list(dict.fromkeys(f"{w.category.__name__}: {job_words(str(w.message))}" for w in caught))


@contextlib.contextmanager
def _in_job_words() -> Iterator[None]:
    """Re-raise a library error with the loader options it advises said as lines of run.toml."""
    try:
        yield
    except StaffingForecastError as error:
        worded = job_words(str(error))
        if worded == str(error):
            raise
        raise type(error)(worded) from None


def _log_to(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return handler


def _run(
    config: Config,
    store: RunStore,
    folder: RunFolder,
    say: Callable[[str], None],
    before_publish: Callable[[RunFolder], None] | None,
    caught: list[warnings.WarningMessage],
    progress: bool,
) -> RunResult:
    timings: dict[str, float] = {}
    counts: dict[str, Any] = {}
    start = time.perf_counter()
    number = iter(range(1, len(STAGES) + 1))

    @contextlib.contextmanager
    def stage(name: str, skipped: str = "") -> Iterator[None]:
        # A stage the configuration turns off still has its number, and the line says why it does nothing.
        say(
            f"{next(number)}/{len(STAGES)} "
            + (f"{_SKIPPED[name]}: {skipped}" if skipped else f"{_WORDS[name]} ...")
        )
        log.info("stage %s", name)
        began = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - began, 3)
        told = _warnings(caught)
        for text in told[len(folder.manifest.get("warnings", [])) :]:
            log.warning("%s", text)
        folder.save(timings=timings, counts=counts, warnings=told)

    fc_config, freq = config.forecast, config.series.frequency
    checkpoint = Checkpoint(folder.file("chunks"))
    with _executor(config) as executor:
        n_jobs = config.parallel.n_jobs
        with stage("load"), _in_job_words():
            series = config.series
            sources = stages.load_sources(
                config.sources, series.keys, unit=series.unit, gaps=series.gaps, totals=series.totals
            )
            bundle = sources.bundle
            for skipped in sources.skipped:
                log.warning("skipped %s: %s", skipped["source"], skipped["reason"])
            folder.save(data=stages.fingerprint(bundle) | {"unread": sources.unread}, skipped=sources.skipped)
            # Every stage's inputs, checked before any forecasting: one error lists all that is missing.
            notes, quota_runs = stages.check_inputs(config, bundle)
            for note in notes:
                log.info("%s", note)
                say(note)
            folder.save(notes=notes)
            if not quota_runs:
                config = replace(config, quota=None)
        with stage("validate"), _in_job_words():
            panel, hierarchy = stages.build_panel(bundle, config.series, fc_config.reconcile)
            counts |= {
                "series": int(panel[UNIQUE_ID].nunique()),
                "rows": len(panel),
                "horizon": fc_config.horizon,
            }
            counts["survey_forms"] = sources.survey_forms
        # The engine's bar shows on long cross-validation and forecasting stages, unless the run is quiet.
        work = stages.Work(freq, n_jobs, executor, checkpoint, progress=None if progress else False)
        with stage("cross_validate"):
            cv = stages.run_cross_validation(panel, fc_config, work)
            counts["cv_rows"] = len(cv)
        with stage("select"):
            scores, selection = stages.choose_models(cv, panel, fc_config, SEASON_LENGTH[freq])
            counts["chosen"] = {
                str(k): int(v) for k, v in selection[MODEL].value_counts().sort_index().items()
            }
            write_parquet(scores, folder.file("cv_scores.parquet"))
            write_parquet(selection, folder.file("selection.parquet"))
        with stage("forecast"):
            forecasts, fitted = stages.forecast_chosen(
                panel, selection, fc_config, work, fitted=hierarchy is not None
            )
            counts["fallbacks"] = int(forecasts.loc[forecasts["fallback"] != "", UNIQUE_ID].nunique())
        with stage("reconcile", '[forecast] reconcile = "none"' if fc_config.reconcile == "none" else ""):
            base = forecasts
            forecasts = stages.reconcile(forecasts, fc_config.reconcile, hierarchy, fitted)
            reconciled = forecasts
            if hierarchy is not None:
                counts["reconciled"] = _reconciled_counts(base, forecasts, hierarchy, fc_config.reconcile)
        with stage("adjust"):
            table = stages.read_adjustments(config.adjustments.file) if config.adjustments.file else None
            forecasts, adjustments = stages.adjust_forecasts(forecasts, table)
            forecasts.attrs["unit"] = unit_of(bundle.employment)  # every later stage labels employment's unit
            counts["adjusted_rows"] = len(adjustments)
            write_parquet(forecasts, folder.file("forecasts.parquet"))
            if "employer" in bundle.employment.columns:  # who is behind each cell, for disclosure control
                write_parquet(employers(bundle.employment), folder.file("employers.parquet"))
            write_parquet(adjustments, folder.file("adjustments.parquet"))
        counts["chunks_reused"], counts["chunks_written"] = checkpoint.reused, checkpoint.written
        with stage("monitoring"):
            monitoring = _monitoring(bundle)
            for name, frame in monitoring.items():
                write_parquet(frame, folder.file(f"monitoring_{name}.parquet"))
        result = None
        with stage("quota", "" if config.quota is not None else "the run forecasts only"):
            if config.quota is not None:
                try:
                    result = _quota(bundle, forecasts, config, folder)
                except Exception:
                    _keep_forecast(forecasts, config, folder)
                    raise
                totals = result.totals()
                counts["quota_places"] = {str(r.intake_year): int(r.quota) for r in totals.itertuples()}
        with stage("plots", "" if config.output.plots else "[output] plots = false"):
            if config.output.plots:
                drawn = draw_plots(
                    folder.path,
                    forecasts=forecasts,
                    panel=panel,
                    lang=config.output.lang,
                    base=base,
                    reconciled=reconciled,
                    hierarchy=hierarchy,
                    quota=result,
                    store=store.root,
                )
                folder.save(plots=drawn.to_dict())
                counts["plots"] = len(drawn.files)
        with stage("publish"):
            record = _track_record(panel, store, folder)
            counts["vintages_scored"] = int(record["vintage"].nunique()) if record is not None else 0
            if config.output.workbooks:
                with writing(folder.path):  # a full disk inside a workbook writer
                    _workbooks(bundle, forecasts, result, config, folder, record, panel)
            if before_publish is not None:
                before_publish(folder)
            store.publish(folder, forecasts)
    timings["total"] = round(time.perf_counter() - start, 3)
    store.complete(folder, timings=timings, counts=counts)
    store.set_latest(folder.id)
    log.info("complete")
    return RunResult(
        run=folder.id,
        path=folder.path,
        store=store.root,
        forecasts=forecasts,
        selection=selection,
        cv_scores=scores,
        adjustments=adjustments,
        quota=result,
        manifest=folder.manifest,
    )


@contextlib.contextmanager
def _executor(config: Config) -> Iterator[Any]:
    """Yield a Dask client for ``[parallel] scheduler``, closed afterwards; ``None`` (joblib) otherwise."""
    address = config.parallel.scheduler
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            f"[parallel] scheduler = {address!r} needs Dask: pip install 'staffing_forecast[distributed]'."
        ) from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except OSError as error:
        raise ConfigError(
            f"[parallel] scheduler = {address!r}: cannot connect ({error}); is the scheduler up?"
        ) from None
    try:
        yield client
    finally:
        client.close()


def _monitoring(bundle: Any) -> dict[str, pd.DataFrame]:
    from .. import monitoring

    out: dict[str, pd.DataFrame] = {}
    if bundle.graduates is not None and len(bundle.graduates):
        out["outcomes"] = monitoring.graduate_outcomes(bundle)
        out["scores"] = monitoring.institution_scores(bundle)
    if bundle.satisfaction is not None and len(bundle.satisfaction):
        out["satisfaction"] = monitoring.satisfaction(bundle)
    return out


def _reconciled_counts(
    base: pd.DataFrame, reconciled: pd.DataFrame, hierarchy: Hierarchy, method: str
) -> dict[str, Any]:
    """For the manifest: the method, the series per level, and how far the base forecasts were from adding up.

    ``largest_gap`` is the largest ``|series − sum of its bottom series|`` of the base forecasts (persons), the
    incoherence reconciliation removed; ``largest_change`` the largest change of a mean by reconciliation.
    """
    ids = pd.Index(hierarchy.ids)
    wide = base.pivot_table(index=UNIQUE_ID, columns=DS, values=MEAN).reindex(ids).to_numpy()
    bottom = wide[-len(hierarchy.bottom_ids) :]
    gap = np.abs(wide - hierarchy.summing_matrix() @ bottom)
    change = (
        reconciled[MEAN].to_numpy()
        - base.set_index([UNIQUE_ID, DS])[MEAN]
        .reindex(pd.MultiIndex.from_frame(reconciled[[UNIQUE_ID, DS]]))
        .to_numpy()
    )
    return {
        "method": method,
        "series": len(ids),
        "levels": {name: len(level_ids) for name, level_ids in hierarchy.tags.items()},
        "largest_gap": round(float(np.nanmax(gap)), 3),
        "largest_change": round(float(np.nanmax(np.abs(change))), 3),
    }


def occupation_forecast(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of the level ``["occupation"]`` (other keys summed over) as the quota's forecast."""
    others = [c for c in ("region", "sector", "employer") if c in forecasts.columns]
    rows = forecasts[(forecasts[others] == "*").all(axis=1) & (forecasts["occupation"] != "*")]
    rows = rows.drop(columns=[HIERARCHY_LEVEL], errors="ignore")
    return rows.assign(**{MODEL: "selected"}).reset_index(drop=True)


def _quota(bundle: Any, forecasts: pd.DataFrame, config: Config, folder: RunFolder) -> QuotaResult:
    from ..quota import compute, inputs_from_bundle

    assert config.quota is not None
    policy = config.quota
    inputs = inputs_from_bundle(bundle, occupation_forecast(forecasts), interval_level=policy.interval_level)
    method = config.forecast.reconcile
    if method != "none":  # the occupation rows are the reconciled ones, with their reconciled intervals
        told = f"{inputs.sources['employment']}; the occupation level of the forecast reconciled by {method}"
        inputs = replace(inputs, sources={**inputs.sources, "employment": told})
    result = compute(inputs, policy)
    save_inputs(inputs, folder.file("inputs"))
    write_parquet(result.table, folder.file("quota.parquet"))
    write_parquet(result.allocation, folder.file("allocation.parquet"))
    lines = []
    for row in result.table.itertuples(index=False):
        # Stored before it has a language: read back, it is worded in English or Russian (Run.explanations).
        tree = result.explain(row.specialty, row.level, row.intake_year, lang=None).to_dict()
        cell = {"specialty": row.specialty, "level": row.level, "intake_year": int(row.intake_year)}
        lines.append(json.dumps(cell | {"quota": int(row.quota), "explanation": tree}, ensure_ascii=False))
    write_atomic(folder.file("explain.jsonl"), "\n".join(lines) + "\n")
    return result


def _workbooks(
    bundle: Any,
    forecasts: pd.DataFrame,
    result: QuotaResult | None,
    config: Config,
    folder: RunFolder,
    record: pd.DataFrame | None,
    panel: pd.DataFrame,
) -> None:
    from ..report import forecast_workbook, monitoring_workbook, quota_workbook, write_csv
    from ..report.summary import write_summary

    lang = config.output.lang
    publish = config.output.disclosure
    behind = employers(bundle.employment) if publish else None
    forecast_workbook(
        forecasts,
        folder.file("forecast.xlsx"),
        lang=lang,
        freq=config.series.frequency,
        track_record=record,
        history=panel,
        publish=publish,
        employers=behind,
    )
    if publish:  # the same decision as the workbook's, so the files cannot be differenced against each other
        forecasts = withhold(forecasts, behind)
    occupations = occupation_forecast(forecasts) if ("occupation",) in config.series.hierarchy else None
    wanted = {"lo_80", "hi_80", "lo_95", "hi_95"}
    shown = occupations if occupations is not None and wanted <= set(forecasts.columns) else None
    if {"sector", "occupation"} <= set(bundle.employment.columns):  # the summary is by both
        write_summary(
            bundle,
            folder.file("summary.xlsx"),
            lang=lang,
            forecast=shown,
            rules=Rules() if publish else None,
        )
    if occupations is not None:
        write_csv(occupations.drop(columns=MODEL), folder.file("forecast_occupation.csv"), lang)
    if bundle.graduates is not None and bundle.institutions is not None:
        monitoring_workbook(bundle, folder.file("monitoring.xlsx"), lang=lang)
    if result is not None:
        quota_workbook(result, folder.file("quota.xlsx"), lang=lang)
        write_csv(result.table, folder.file("quota_table.csv"), lang)
        write_csv(result.allocation, folder.file("quota_allocation.csv"), lang)


def _keep_forecast(forecasts: pd.DataFrame, config: Config, folder: RunFolder) -> None:
    """Write the forecast workbook of a run that fails after forecasting, so the finished work is not lost.

    With ``[output] disclosure`` it is the workbook for publication, as a complete run would write it.
    """
    if not config.output.workbooks:
        return
    from ..report import forecast_workbook

    publish = config.output.disclosure
    behind = folder.file("employers.parquet")  # written with the forecast, before the quota
    try:
        forecast_workbook(
            forecasts,
            folder.file("forecast.xlsx"),
            lang=config.output.lang,
            freq=config.series.frequency,
            publish=publish,
            employers=pd.read_parquet(behind) if publish and behind.exists() else None,
        )
    except Exception as error:  # the run's own error is the one to report
        log.warning("the forecast workbook of the failed run could not be written: %s", error)
        return
    folder.save(kept=["forecast.xlsx", "forecasts.parquet"])
    log.info("the run failed after forecasting; kept forecast.xlsx and forecasts.parquet")


def _track_record(panel: pd.DataFrame, store: RunStore, folder: RunFolder) -> pd.DataFrame | None:
    """Score the store's earlier vintages against the actuals known now (``None`` before any has actuals)."""
    import warnings

    from .. import tracking
    from ..schema import DS, Y

    if not (store.root / "vintages").is_dir():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tracking.IncompleteVintageWarning)  # listed in the log instead
        try:
            record = tracking.track(store.root, panel[[UNIQUE_ID, DS, Y]])
        except ConfigError as error:  # no vintage has actuals yet
            log.info("no track record yet: %s", error)
            return None
    write_parquet(record, folder.file("track_record.parquet"))
    return record
