"""The ``staffing-forecast`` command line.

Commands available now:

- ``demo --out DIR``: the main job on the bundled synthetic cluster: validate it, write its tables, forecast
  employment by occupation 7 years ahead, write a summary workbook and the monitoring workbook (graduate
  outcomes, employer satisfaction, institution scores; Russian by default) and the quota workbook to ``DIR``,
  with the example files the README reads (``staff.csv``, filled survey forms in ``forms/``);
- ``validate FOLDER``: read and validate a bundle folder (Russian headers read; ``--columns`` renames others), report every problem, print a summary;
- ``template PATH --year YEAR``: write the employer survey form;
- ``forecast PANEL --h H``: forecast a panel file (CSV, Excel or Parquet; ``--columns``, ``--keys``, ``--freq``
  as the loaders' options) with ``models="auto"`` (or ``--models``) into a workbook for officials (``--out
  x.xlsx``) or a CSV (``;`` and decimal commas for Russian Excel with ``--lang ru``, the default);
- ``quota FOLDER``: forecast a bundle's employment by occupation and compute the state training quotas
  (``quota.xlsx`` and CSV tables).

Run-store and service commands join as their parts of the library land.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import __version__
from .datasets import load_demo, write_examples
from .errors import ConfigError, DataWarning, StaffingForecastError
from .loaders import Bundle, load_bundle, write_bundle, write_survey_template
from .report import Sheet, forecast_workbook, write_csv, write_workbook

if TYPE_CHECKING:
    from .quota import QuotaResult

__all__ = ["main"]

_SUMMARY_LABELS = {
    "ru": {
        "table": "Таблица",
        "rows": "Строк",
        "series": "Рядов",
        "first": "С",
        "last": "По",
        "description": "Описание",
        "occupation": "Код ОКЗ",
        "sector": "ОКВЭД2",
        "name": "Наименование",
        "sheets": ("Сводка", "Занятость по ОКЗ", "Занятость по ОКВЭД2", "Прогноз по ОКЗ"),
    },
    "en": {
        "table": "Table",
        "rows": "Rows",
        "series": "Series",
        "first": "From",
        "last": "To",
        "description": "Description",
        "occupation": "ОКЗ code",
        "sector": "ОКВЭД2",
        "name": "Name",
        "sheets": ("Summary", "Employment by occupation", "Employment by sector", "Forecast by occupation"),
    },
}

_FORECAST_LABELS = {
    "ru": {
        "occupation": "Код ОКЗ",
        "name": "Наименование",
        "ds": "Год",
        "mean": "Прогноз, чел.",
        "lo_80": "Нижняя граница 80 %",
        "hi_80": "Верхняя граница 80 %",
        "lo_95": "Нижняя граница 95 %",
        "hi_95": "Верхняя граница 95 %",
        "fallback": "Замена модели",
    },
    "en": {
        "occupation": "ОКЗ code",
        "name": "Occupation",
        "ds": "Year",
        "mean": "Forecast, persons",
        "lo_80": "Lower 80 %",
        "hi_80": "Upper 80 %",
        "lo_95": "Lower 95 %",
        "hi_95": "Upper 95 %",
        "fallback": "Model fallback",
    },
}


def _employment_by(bundle: Bundle, key: str, lang: str) -> pd.DataFrame:
    from . import reference

    table = bundle.employment.pivot_table(
        index=key, columns=bundle.employment["ds"].dt.year, values="y", aggfunc="sum", fill_value=0
    )
    names = (reference.occupations() if key == "occupation" else reference.sectors()).set_index(key)
    labels = _SUMMARY_LABELS[lang]
    table.insert(0, labels["name"], names.reindex(table.index)[f"name_{lang}"].fillna(""))
    table.index.name = labels[key]
    table.columns = [int(c) if str(c).isdigit() else c for c in table.columns]  # years stay numbers
    return table


def _forecast_sheet(fc: pd.DataFrame, lang: str) -> pd.DataFrame:
    from . import reference

    labels = _FORECAST_LABELS[lang]
    names = reference.occupations().set_index("occupation")[f"name_{lang}"]
    table = fc[["occupation", "ds", "mean", "lo_80", "hi_80", "lo_95", "hi_95", "fallback"]].copy()
    table.insert(1, "name", table["occupation"].map(names).fillna(""))
    table["ds"] = table["ds"].dt.year
    table[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] = table[
        ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    ].round(0)
    return table.rename(columns=labels)


def _table_list(bundle: Bundle, lang: str) -> pd.DataFrame:
    """The bundle's tables with years as numbers (quarters stay text) and, in Russian, Russian names."""
    from .report.labels import TABLE_NAMES_RU

    out = bundle.summary().reset_index()
    for column in ("first", "last"):
        years = pd.to_numeric(out[column], errors="coerce")
        out[column] = [
            int(y) if pd.notna(y) else (v or None) for y, v in zip(years, out[column], strict=True)
        ]
    if lang == "ru":
        out["description"] = out["table"].map(lambda t: TABLE_NAMES_RU.get(t, (t, ""))[1])
        out["table"] = out["table"].map(lambda t: TABLE_NAMES_RU.get(t, (t, ""))[0])
    return out


def write_summary(bundle: Bundle, path: Path, lang: str = "ru", forecast: pd.DataFrame | None = None) -> Path:
    """Write a workbook summarising a bundle (tables, employment by occupation and by sector, by year) and, if
    given, the employment forecast by occupation."""
    labels = _SUMMARY_LABELS[lang]
    summary = _table_list(bundle, lang).rename(columns={k: v for k, v in labels.items() if k != "sheets"})
    sheets = [
        Sheet(labels["sheets"][0], summary),
        Sheet(labels["sheets"][1], _employment_by(bundle, "occupation", lang).reset_index()),
        Sheet(labels["sheets"][2], _employment_by(bundle, "sector", lang).reset_index()),
    ]
    if forecast is not None:
        sheets.append(Sheet(labels["sheets"][3], _forecast_sheet(forecast, lang)))
    write_workbook(path, sheets, lang)  # written whole or not at all
    return path


def _demo(args: argparse.Namespace) -> int:
    from .engine import forecast
    from .panel import aggregate
    from .quota import compute, inputs_from_bundle
    from .report import monitoring_workbook

    out = Path(args.out)
    print(f"staffing-forecast {__version__}: demo on the bundled synthetic cluster")
    print("1/6 generating and validating the demo cluster ...", flush=True)
    bundle = load_demo()
    print(bundle.summary().drop(columns="description").to_string())
    print(f"2/6 writing the tables to {out / 'data'} ...", flush=True)
    write_bundle(bundle, out / "data", format=args.format)
    print("3/6 re-reading them to check the round trip ...", flush=True)
    if load_bundle(out / "data") != bundle:
        print("error: the tables written differ from the tables read back", file=sys.stderr)
        return 1
    print(f"4/6 forecasting employment by occupation, {args.h} years ahead (models='auto') ...", flush=True)
    by_occupation = aggregate(bundle.employment, by=["occupation"])
    fc = forecast(by_occupation, h=args.h, models="auto", level=[80, 95], n_jobs=args.n_jobs)
    write_csv(fc, out / "forecast_occupation.csv", args.lang)
    print(
        f"5/6 writing {out / 'summary.xlsx'}, {out / 'monitoring.xlsx'}, the survey form and example files "
        f"({out / 'staff.csv'}, {out / 'forms'}) ...",
        flush=True,
    )
    write_summary(bundle, out / "summary.xlsx", lang=args.lang, forecast=fc)
    monitoring_workbook(bundle, out / "monitoring.xlsx", lang=args.lang)
    write_survey_template(
        out / "survey_template.xlsx", year=int(bundle.employment["ds"].dt.year.max()) + 1, lang=args.lang
    )
    write_examples(out, bundle)  # the files the README's tour reads, as they arrive from outside
    print(f"6/6 computing the state training quotas, writing {out / 'quota.xlsx'} ...", flush=True)
    result = compute(inputs_from_bundle(bundle, fc))
    _write_quota(result, out, args.lang)
    _print_totals(result)
    first = result.totals().iloc[0]
    print(
        f"quotas for intake {int(first['intake_year'])}: {int(first['quota'])} places "
        f"({int(first['quota_region'])} in colleges, {int(first['quota_proposal'])} proposed for universities)"
    )
    total = bundle.employment.groupby("ds")["y"].sum()
    future = fc.groupby("ds")["mean"].sum()
    print(
        f"done: {bundle.employment['unique_id'].nunique()} series, employment {total.iloc[0]:.0f} "
        f"({total.index[0].year}) → {total.iloc[-1]:.0f} ({total.index[-1].year}) → forecast "
        f"{future.iloc[-1]:.0f} ({future.index[-1].year}); outputs in {out}"
    )
    return 0


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_csv(frame, path, lang="en")  # the job's tables are read by programs: plain CSV


def _pairs(text: str) -> dict[str, str]:
    """``"Год=ds,Численность, чел.=y"`` → ``{"Год": "ds", "Численность, чел.": "y"}`` (headers may hold commas)."""
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
    (
        re.compile(r"\b(columns|keys|freq|gaps|decimal|header_row|sheet)=(?:'([^']*)')?"),
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
    }
    suffix = path.suffix.lower()
    if suffix == ".csv":
        panel = load_csv(path, header_row=args.header_row, **options)
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
        forecast_workbook(fc, out, lang=args.lang, freq=args.freq or infer_freq(panel))
    else:
        write_csv(fc, out, lang=args.lang)
    print(f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {out}")
    return 0


def _write_quota(result: QuotaResult, out: Path, lang: str) -> None:
    """The quota workbook and its two main tables as CSV, for people reading ``lang``."""
    from .report import quota_workbook

    quota_workbook(result, out / "quota.xlsx", lang=lang)
    write_csv(result.table, out / "quota_table.csv", lang)
    write_csv(result.allocation, out / "quota_allocation.csv", lang)


def _print_totals(result: QuotaResult) -> None:
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


def _quota(args: argparse.Namespace) -> int:
    from .engine import forecast
    from .panel import aggregate
    from .quota import Policy, compute, inputs_from_bundle

    bundle = load_bundle(args.folder, columns=_pairs(args.columns) if args.columns else None)
    policy = Policy(
        interval_level=args.interval_level,
        cost_short=args.cost_short,
        max_change=args.max_change,
        min_group=args.min_group,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"1/3 forecasting employment by occupation {args.h} years ahead (models={args.models!r}) ...",
        flush=True,
    )
    by_occupation = aggregate(bundle.employment, by=["occupation"])
    fc = forecast(
        by_occupation, h=args.h, models=args.models, level=[policy.interval_level], n_jobs=args.n_jobs
    )
    write_csv(fc, out / "forecast_occupation.csv", args.lang)
    print("2/3 computing the quotas ...", flush=True)
    result = compute(inputs_from_bundle(bundle, fc, interval_level=policy.interval_level), policy)
    print(f"3/3 writing {out / 'quota.xlsx'} and the tables ...", flush=True)
    _write_quota(result, out, args.lang)
    _print_totals(result)
    return 0


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
    """The argument parser of ``staffing-forecast``."""
    parser = argparse.ArgumentParser(
        prog="staffing-forecast", description=__doc__.split("\n\n")[0].replace("``", "")
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job on the bundled synthetic cluster")
    demo.add_argument("--out", default="staffing-forecast-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv", help="table file format")
    demo.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the workbooks")
    demo.add_argument("--h", type=int, default=7, help="forecast horizon in years (default: %(default)s)")
    demo.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1: every core)")
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
        help='rename headers to ds, y and key names: "Год=ds,Численность=y,Код ОКЗ=occupation"',
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
    quota.add_argument("--out", default="quota-output", help="output folder (default: %(default)s)")
    quota.add_argument("--h", type=int, default=7, help="forecast horizon in years (default: %(default)s)")
    quota.add_argument("--models", default="auto", help="forecast model (default: %(default)s)")
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
    quota.set_defaults(run=_quota)
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
    """Run the command line; returns the exit code (2 for bad input, with the message on stderr)."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "always", DataWarning
        )  # a doubtful value is told, whatever the interpreter's filters
        warnings.showwarning = _show_warning
        try:
            return int(args.run(args))
        except StaffingForecastError as exc:
            print(f"error: {type(exc).__name__}: {cli_words(str(exc))}", file=sys.stderr)
            return 2


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """A warning as a line of the command's output, without the library's source line a traceback would show."""
    print(f"warning: {category.__name__}: {cli_words(str(message))}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
