"""The ``staffing-forecast`` command line.

Commands available now:

- ``demo --out DIR``: the batch job on the bundled synthetic cluster: write its tables to ``DIR/data`` (and the
  example files the README reads: ``staff.csv``, filled survey forms in ``forms/``), then run the pipeline on them
  into the run store ``DIR`` (forecast employment by occupation 7 years ahead, the monitoring and quota
  workbooks; Russian by default);
- ``run CONFIG``: the batch job of a ``run.toml`` (``init-config PATH`` writes a commented one) into its run
  store, ``--resume`` to continue a killed run; ``runs list|show|diff|prune --store DIR`` reads the store;
- ``validate FOLDER``: read and validate a bundle folder (Russian headers read; ``--columns`` renames others), report every problem, print a summary;
- ``template PATH --year YEAR``: write the employer survey form;
- ``forecast PANEL --h H``: forecast a panel file (CSV, Excel or Parquet; ``--columns``, ``--keys``, ``--freq``
  as the loaders' options) with ``models="auto"`` (or ``--models``) into a workbook for officials (``--out
  x.xlsx``) or a CSV (``;`` and decimal commas for Russian Excel with ``--lang ru``, the default);
- ``quota FOLDER``: the batch job on a bundle folder: forecast its employment by occupation (the demo's candidate
  models, or ``--models``) and compute the state training quotas (``quota.xlsx`` and CSV tables) into a run store.

Exit codes: 0 done, 2 bad input or configuration (one line on stderr), 1 an unexpected error.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .cli_pipeline import add_commands, add_verbosity
from .cli_pipeline import column_pairs as _pairs
from .datasets import load_demo, write_examples
from .errors import ConfigError, DataWarning, StaffingForecastError
from .loaders import load_bundle, write_bundle, write_survey_template
from .pipeline.config import ForecastConfig
from .report import forecast_workbook, write_csv
from .units import unit_label, unit_of

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .cli_pipeline import bundle_words, demo_config, job, print_totals

    out = Path(args.out)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    say(f"staffing-forecast {__version__}: demo on the bundled synthetic cluster")
    bundle = load_demo()
    if not args.quiet:
        print(bundle.summary().drop(columns="description").to_string())
    say(
        f"writing the tables to {out / 'data'} and the example files ({out / 'staff.csv'}, {out / 'forms'}) ..."
    )
    write_bundle(bundle, out / "data", format=args.format)
    if load_bundle(out / "data") != bundle:
        print("error: the tables written differ from the tables read back", file=sys.stderr)
        return 1
    write_survey_template(
        out / "survey_template.xlsx", year=int(bundle.employment["ds"].dt.year.max()) + 1, lang=args.lang
    )
    write_examples(out, bundle)  # the files the README's tour reads, as they arrive from outside
    try:
        result = job(demo_config(out / "data", out, h=args.h, lang=args.lang, n_jobs=args.n_jobs), args)
    except StaffingForecastError as error:  # this command has no run.toml: say what to do here
        raise bundle_words(error) from None
    assert result.quota is not None  # the demo's configuration computes it
    if args.quiet:
        return 0
    print_totals(result.quota)
    first = result.quota.totals().iloc[0]
    print(
        f"quotas for intake {int(first['intake_year'])}: {int(first['quota'])} places "
        f"({int(first['quota_region'])} in colleges, {int(first['quota_proposal'])} proposed for universities)"
    )
    total = bundle.employment.groupby("ds")["y"].sum()
    occupations = result.forecasts[result.forecasts["region"] == "*"]
    future = occupations.groupby("ds")["mean"].sum()
    unit = unit_of(bundle.employment)
    print(
        f"done: {bundle.employment['unique_id'].nunique()} employer × occupation series summed to "
        f"{occupations['unique_id'].nunique()} occupations and forecast; employment ({unit_label(unit, 'ru')}, "
        f"{unit_label(unit, 'en')}) {total.iloc[0]:.0f} ({total.index[0].year}) → {total.iloc[-1]:.0f} "
        f"({total.index[-1].year}) → forecast {future.iloc[-1]:.0f} ({future.index[-1].year}); workbooks in "
        f"{result.path}"
    )
    return 0


def _names(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


# Python spellings of loader options in messages → the command line's (the library's messages speak Python).
_CLI_WORDS = [
    (re.compile(r"level=\(\)"), lambda m: "--level with no value"),
    (re.compile(r"columns=\{([^}]*)\}"), lambda m: _cli_columns(m[1])),
    (
        re.compile(r"keys=\[([^\]]*)\]"),
        lambda m: "--keys " + ",".join(re.findall(r"'([^']*)'", m[1]) or ["..."]),
    ),
    # Quoted: ';' ends a shell command; a tab is hard to type.
    (re.compile(r"\bunit='([^']*)'"), lambda m: f'--unit "{m[1]}"'),
    (re.compile(r"\bsep='([^']*)'"), lambda m: "--sep tab" if m[1] == "\\t" else f'--sep "{m[1]}"'),
    (
        re.compile(r"\b(columns|keys|freq|gaps|decimal|header_row|sheet|totals)=(?:'([^']*)')?"),
        lambda m: _cli_option(m),
    ),
]


def _cli_columns(body: str) -> str:
    pairs = re.findall(r"'([^']*)':\s*'([^']*)'", body)
    return '--columns "' + ",".join(f"{a}={b}" for a, b in pairs) + '"' if pairs else "--columns"


def _cli_option(match: re.Match[str]) -> str:
    option = "--" + match[1].replace("_", "-")
    return f"{option} {match[2]}" if match[2] is not None else option


def cli_words(message: str) -> str:
    """Say the options a message advises the way the command line spells them.

    Examples
    --------
    >>> cli_words("map it with columns={'Год': 'ds'}, or pass keys=['employer', 'occupation'] and freq='YS'.")
    'map it with --columns "Год=ds", or pass --keys employer,occupation and --freq YS.'
    >>> cli_words("drop them, or ask for no intervals (level=()).")
    'drop them, or ask for no intervals (--level with no value).'
    """
    for pattern, replace in _CLI_WORDS:
        message = pattern.sub(replace, message)
    return message


def _forecast(args: argparse.Namespace) -> int:
    from .engine import forecast
    from .loaders import load_csv, load_excel, load_parquet
    from .schema import infer_freq

    path, out = Path(args.panel), Path(args.out)
    options = {
        "columns": _pairs(args.columns) if args.columns else None,
        "keys": _names(args.keys),
        "freq": args.freq,
        "decimal": args.decimal,
        "gaps": args.gaps,
        "min_length": 1,
        "unit": args.unit,
        "totals": args.totals,
    }
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sep = "\t" if args.sep in {"tab", "\\t"} else args.sep
        panel = load_csv(path, header_row=args.header_row, sep=sep, **options)
    elif suffix == ".xlsx":
        panel = load_excel(path, sheet=args.sheet, header_row=args.header_row, **options)
    elif suffix == ".parquet":
        panel = load_parquet(path, **options)
    else:
        print(f"error: {path.name}: use a .csv, .xlsx or .parquet panel", file=sys.stderr)
        return 2
    models = args.models[0] if len(args.models) == 1 else list(args.models)
    fc = forecast(panel, h=args.h, freq=args.freq, models=models, level=args.level, n_jobs=args.n_jobs)
    if out.suffix.lower() == ".xlsx":
        forecast_workbook(fc, out, lang=args.lang, freq=args.freq or infer_freq(panel), history=panel)
    else:
        write_csv(fc, out, lang=args.lang)
    unit = unit_of(fc)
    print(
        f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {out} "
        f"(values in {unit_label(unit, 'ru')}, {unit_label(unit, 'en')})"
    )
    return 0


#: The ``quota`` command computes the quota; forecasting without it is another command's job.
_QUOTA_COMMAND_OFF = (
    "or, to forecast without the quota, run staffing-forecast forecast on the employment file, or "
    "staffing-forecast run with [quota] enabled = false in a run.toml (staffing-forecast init-config writes one)"
)


def _quota(args: argparse.Namespace) -> int:
    from .cli_pipeline import bundle_words, job, print_totals, quota_config
    from .pipeline.stages import QUOTA_OFF
    from .quota import Policy

    policy = Policy(
        interval_level=args.interval_level,
        cost_short=args.cost_short,
        max_change=args.max_change,
        min_group=args.min_group,
    )
    try:
        result = job(quota_config(Path(args.folder), Path(args.out), policy, args), args)
    except ConfigError as error:  # this command has no run.toml: say how to forecast without the quota here
        raise bundle_words(ConfigError(str(error).replace(QUOTA_OFF, _QUOTA_COMMAND_OFF))) from None
    except StaffingForecastError as error:  # nor a [series] gaps to set: say how to fill a gap here
        raise bundle_words(error) from None
    if result.quota is not None and not args.quiet:
        print_totals(result.quota)
    return 0


_SERVICE_MODULES = {"fastapi", "uvicorn", "starlette", "prometheus_client", "pydantic", "anyio"}


def _serve(args: argparse.Namespace) -> int:
    try:
        from .service.serve import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in _SERVICE_MODULES:
            raise
        print(
            f'error: serve needs the service extra ({error.name} is missing): pip install "staffing_forecast[service]"',
            file=sys.stderr,
        )
        return 2
    return serve(args)


def _validate(args: argparse.Namespace) -> int:
    bundle = load_bundle(args.folder, columns=_pairs(args.columns) if args.columns else None)
    print(bundle.summary().drop(columns="description").to_string())
    print(f"ok: {args.folder} is a valid bundle")
    return 0


def _template(args: argparse.Namespace) -> int:
    path = write_survey_template(
        args.path, year=args.year, lang=args.lang, employer=args.employer or "", region=args.region
    )
    print(f"wrote {path}")
    return 0


_COLUMNS_HELP = (
    'rename headers of every table file: "Числ. занятых=y,Наим. вуза=name" (Russian headers are read)'
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``staffing-forecast``."""
    parser = argparse.ArgumentParser(
        prog="staffing-forecast", description=__doc__.split("\n\n")[0].replace("``", "")
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job on the bundled synthetic cluster")
    demo.add_argument(
        "--out", default="demo-output", help="output folder and run store (default: %(default)s)"
    )
    demo.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv", help="table file format")
    demo.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the workbooks")
    demo.add_argument("--h", type=int, default=7, help="forecast horizon in years (default: %(default)s)")
    demo.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1: every core)")
    demo.add_argument("--resume", action="store_true", help="continue a killed demo run")
    add_verbosity(demo)
    demo.set_defaults(run=_demo)
    fcst = sub.add_parser("forecast", help="forecast a panel file (unique_id or keys, ds, y)")
    fcst.add_argument("panel", help="a .csv, .xlsx or .parquet panel")
    fcst.add_argument("--h", type=int, required=True, help="horizon in periods")
    fcst.add_argument("--models", nargs="+", default=["auto"], help="model names (default: auto)")
    fcst.add_argument(
        "--level",
        type=int,
        nargs="*",
        default=[80, 95],
        help="interval levels in percent (default: 80 95; none for no intervals)",
    )
    fcst.add_argument(
        "--columns",
        help='rename other headers to ds, y and key names: "Отчётный год=ds,Числ. занятых=y" (the usual Russian '
        "ones such as Год, Численность, Код ОКЗ are read without it)",
    )
    fcst.add_argument("--keys", help="key columns building the series id, comma-separated: Профессия,Регион")
    fcst.add_argument(
        "--freq", help="frequency: YS (years), QS (quarters) or MS (months); inferred by default"
    )
    fcst.add_argument(
        "--decimal", choices=[",", "."], default=",", help="decimal mark (default: %(default)s)"
    )
    fcst.add_argument(
        "--gaps",
        choices=["error", "zero", "interpolate", "ffill", "keep"],
        default="error",
        help="missing periods",
    )
    fcst.add_argument(
        "--sep", help="separator of a CSV panel: ';', ',' or tab (default: detected from the first lines)"
    )
    fcst.add_argument(
        "--unit",
        help="unit of the values: 'чел.', 'тыс. чел.' or 'млн чел.' (default: read from the value header or the "
        "title, persons when neither names one)",
    )
    fcst.add_argument(
        "--totals",
        choices=["aside", "keep", "error"],
        default="aside",
        help="rows labelled Итого, Всего or Total: set aside and checked (default), kept as series, or an error",
    )
    fcst.add_argument("--sheet", help="sheet of an .xlsx panel (default: the first)")
    fcst.add_argument("--header-row", type=int, help="row of the header (default: found below any title)")
    fcst.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1: every core)")
    fcst.add_argument(
        "--out",
        default="forecast.csv",
        help="a .xlsx workbook for officials, or a CSV (with --lang ru: ';' and decimal commas for Excel)",
    )
    fcst.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the output")
    fcst.set_defaults(run=_forecast)
    quota = sub.add_parser(
        "quota", help="forecast a bundle's employment and compute the state training quotas"
    )
    quota.add_argument("folder", help="a bundle folder (employment, institutions, graduates, ...)")
    quota.add_argument("--out", default="quota-output", help="the run store folder (default: %(default)s)")
    quota.add_argument("--h", type=int, default=7, help="forecast horizon in years (default: %(default)s)")
    quota.add_argument(
        "--models",
        nargs="+",
        help="candidate forecast models, the best of each series chosen by cross-validation; one model skips it "
        f"(default: {' '.join(ForecastConfig().models)}, as the demo and run.toml's [forecast] models)",
    )
    quota.add_argument("--interval-level", type=int, default=80, help="scenario interval level, percent")
    quota.add_argument(
        "--cost-short", type=float, default=1.0, help="cost of a missing vs a surplus graduate"
    )
    quota.add_argument(
        "--max-change", type=float, default=0.25, help="largest year-on-year change of a quota"
    )
    quota.add_argument("--min-group", type=int, default=15, help="smallest group worth opening")
    quota.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the workbook")
    quota.add_argument("--columns", help=_COLUMNS_HELP)
    quota.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1: every core)")
    quota.add_argument("--resume", action="store_true", help="continue a killed run of the same options")
    add_verbosity(quota)
    quota.set_defaults(run=_quota)
    add_commands(sub)
    serve = sub.add_parser("serve", help="the HTTP service over a run store (docs/service.md)")
    serve.add_argument("--store", required=True, help="the run store folder the batch job writes")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument(
        "--api-keys-file",
        help="one KEY[:scope+scope] a line; or set STAFFING_FORECAST_API_KEYS (comma-separated)",
    )
    serve.add_argument(
        "--min-cell-size", type=float, default=10.0, help="rows below it are withheld from the read scope"
    )
    serve.add_argument(
        "--min-employers",
        type=int,
        default=3,
        help="rows from fewer employers are withheld from the read scope",
    )
    serve.add_argument(
        "--dominance",
        type=float,
        default=0.85,
        help="rows whose largest employer holds more than this share are withheld from the read scope",
    )
    serve.add_argument("--forecast-workers", type=int, default=1, help="processes for POST /v1/forecast")
    serve.add_argument(
        "--cors-origin", action="append", help="allow this browser origin (repeat; none by default)"
    )
    serve.add_argument(
        "--graceful-timeout", type=float, default=10.0, help="seconds to finish requests on stop"
    )
    serve.add_argument(
        "--no-docs", action="store_true", help="do not serve the interactive page /docs (the schema stays)"
    )
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info")
    serve.set_defaults(run=_serve)
    validate = sub.add_parser("validate", help="validate a bundle folder and summarise it")
    validate.add_argument("folder")
    validate.add_argument("--columns", help=_COLUMNS_HELP)
    validate.set_defaults(run=_validate)
    template = sub.add_parser("template", help="write the employer survey form")
    template.add_argument("path")
    template.add_argument("--year", type=int, required=True, help="survey year")
    template.add_argument("--lang", choices=["ru", "en"], default="ru")
    template.add_argument("--employer", default="")
    template.add_argument("--region", default="67")
    template.set_defaults(run=_template)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    0 done, 2 bad input or configuration (the message on stderr, no traceback), 1 an unexpected error (a
    traceback with ``--verbose``).
    """
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "always", DataWarning
        )  # a doubtful value is told, whatever the interpreter's filters
        # The batch job's messages already say run.toml's keys; the other commands' say their options.
        words = (lambda text: text) if getattr(args, "job_words", False) else cli_words
        warnings.showwarning = _show_warning
        try:
            return int(args.run(args))
        except StaffingForecastError as exc:
            print(f"error: {type(exc).__name__}: {words(str(exc))}", file=sys.stderr)
            return 2
        except Exception as exc:  # a bug or the machine: one line, and the traceback when asked for
            if getattr(args, "verbose", False):
                traceback.print_exc()
            print(
                f"error: unexpected {type(exc).__name__}: {exc} (run with --verbose for the traceback; a run's "
                "log is in its folder, run.log)",
                file=sys.stderr,
            )
            return 1


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """Print a warning as a line of the command's output, without the source line a traceback would show."""
    print(f"warning: {category.__name__}: {cli_words(str(message))}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
