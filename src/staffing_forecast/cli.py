"""The ``staffing-forecast`` command line.

Commands available now:

- ``demo --out DIR``: load the bundled synthetic cluster, validate it and write its tables and a summary workbook
  to ``DIR``;
- ``validate FOLDER``: read and validate a bundle folder, report every problem, print a summary;
- ``template PATH --year YEAR``: write the employer survey form.

Forecasting, quota and service commands join as their parts of the library land.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .datasets import load_demo
from .errors import StaffingForecastError
from .loaders import Bundle, load_bundle, write_bundle, write_survey_template

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
        "sheets": ("Сводка", "Занятость по ОКЗ", "Занятость по ОКВЭД2"),
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
        "sheets": ("Summary", "Employment by occupation", "Employment by sector"),
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
    table.columns = [str(c) for c in table.columns]
    return table


def write_summary(bundle: Bundle, path: Path, lang: str = "ru") -> Path:
    """Write a workbook summarising a bundle: tables, employment by occupation and by sector, by year."""
    labels = _SUMMARY_LABELS[lang]
    summary = (
        bundle.summary().reset_index().rename(columns={k: v for k, v in labels.items() if k != "sheets"})
    )
    tmp = path.with_name(f".{path.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        summary.to_excel(writer, sheet_name=labels["sheets"][0], index=False)
        _employment_by(bundle, "occupation", lang).to_excel(writer, sheet_name=labels["sheets"][1])
        _employment_by(bundle, "sector", lang).to_excel(writer, sheet_name=labels["sheets"][2])
        for sheet in writer.sheets.values():
            sheet.freeze_panes = "B2"
    os.replace(tmp, path)
    return path


def _demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    print(f"staffing-forecast {__version__}: demo on the bundled synthetic cluster")
    print("1/4 generating and validating the demo cluster ...", flush=True)
    bundle = load_demo()
    print(bundle.summary().drop(columns="description").to_string())
    print(f"2/4 writing the tables to {out / 'data'} ...", flush=True)
    write_bundle(bundle, out / "data", format=args.format)
    print("3/4 re-reading them to check the round trip ...", flush=True)
    if load_bundle(out / "data") != bundle:
        print("error: the tables written differ from the tables read back", file=sys.stderr)
        return 1
    print(f"4/4 writing {out / 'summary.xlsx'} and the survey form ...", flush=True)
    write_summary(bundle, out / "summary.xlsx", lang=args.lang)
    write_survey_template(
        out / "survey_template.xlsx", year=int(bundle.employment["ds"].dt.year.max()) + 1, lang=args.lang
    )
    total = bundle.employment.groupby("ds")["y"].sum()
    print(
        f"done: {bundle.employment['unique_id'].nunique()} series, employment {total.iloc[0]:.0f} "
        f"({total.index[0].year}) → {total.iloc[-1]:.0f} ({total.index[-1].year}); outputs in {out}"
    )
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
    demo.set_defaults(run=_demo)
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
