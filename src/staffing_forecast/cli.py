"""The ``staffing-forecast`` command line.

Commands available now:

- ``demo --out DIR``: the main job on the bundled synthetic cluster: validate it, write its tables, forecast
  employment by occupation 7 years ahead, write a summary workbook and the monitoring workbook (graduate
  outcomes, employer satisfaction, institution scores; Russian by default) and the quota workbook to ``DIR``;
- ``validate FOLDER``: read and validate a bundle folder, report every problem, print a summary;
- ``template PATH --year YEAR``: write the employer survey form;
- ``forecast PANEL --h H``: forecast a panel file with ``models="auto"`` (or ``--models``) into a CSV;
- ``quota FOLDER``: forecast a bundle's employment by occupation and compute the state training quotas
  (``quota.xlsx`` and CSV tables).

Run-store and service commands join as their parts of the library land.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import __version__
from .datasets import load_demo
from .errors import StaffingForecastError
from .loaders import Bundle, load_bundle, write_bundle, write_survey_template
from .report import Sheet, write_csv, write_workbook

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
        f"5/6 writing {out / 'summary.xlsx'}, {out / 'monitoring.xlsx'} and the survey form ...", flush=True
    )
    write_summary(bundle, out / "summary.xlsx", lang=args.lang, forecast=fc)
    monitoring_workbook(bundle, out / "monitoring.xlsx", lang=args.lang)
    write_survey_template(
        out / "survey_template.xlsx", year=int(bundle.employment["ds"].dt.year.max()) + 1, lang=args.lang
    )
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
    os.replace(tmp, path)


def _forecast(args: argparse.Namespace) -> int:
    from .engine import forecast
    from .loaders import load_csv, load_excel, load_parquet

    path = Path(args.panel)
    loader = {".csv": load_csv, ".xlsx": load_excel, ".parquet": load_parquet}.get(path.suffix.lower())
    if loader is None:
        print(f"error: {path.name}: use a .csv, .xlsx or .parquet panel", file=sys.stderr)
        return 2
    panel = loader(path, min_length=1)
    models = args.models[0] if len(args.models) == 1 else list(args.models)
    fc = forecast(panel, h=args.h, models=models, level=args.level, n_jobs=args.n_jobs)
    _write_csv(fc, Path(args.out))
    print(f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {args.out}")
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
            else f"  (incomplete: {row.programs} programs; {missing} graduate after the forecast horizon)"
        )
        print(f"intake {row.intake_year}: {row.quota} places{note}")


def _quota(args: argparse.Namespace) -> int:
    from .engine import forecast
    from .panel import aggregate
    from .quota import Policy, compute, inputs_from_bundle

    bundle = load_bundle(args.folder)
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
    bundle = load_bundle(args.folder)
    print(bundle.summary().drop(columns="description").to_string())
    print(f"ok: {args.folder} is a valid bundle")
    return 0


def _template(args: argparse.Namespace) -> int:
    path = write_survey_template(
        args.path, year=args.year, lang=args.lang, employer=args.employer or "", region=args.region
    )
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``staffing-forecast``."""
    parser = argparse.ArgumentParser(prog="staffing-forecast", description=__doc__.split("\n\n")[0])
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
    fcst.add_argument("--level", type=int, nargs="*", default=[80, 95], help="interval levels in percent")
    fcst.add_argument("--n-jobs", type=int, default=-1)
    fcst.add_argument("--out", default="forecast.csv")
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
    quota.add_argument("--n-jobs", type=int, default=-1)
    quota.set_defaults(run=_quota)
    validate = sub.add_parser("validate", help="validate a bundle folder and summarise it")
    validate.add_argument("folder")
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
    try:
        return int(args.run(args))
    except StaffingForecastError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
