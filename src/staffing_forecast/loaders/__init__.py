"""Loaders: read files and databases into validated frames with the library's fixed column names."""

from .bundle import (
    Bundle,
    load_admissions,
    load_bundle,
    load_enrolment,
    load_graduates,
    load_table,
    write_bundle,
)
from .panels import load_csv, load_excel, load_parquet, load_sql, to_panel
from .survey import Survey, load_survey, write_survey_template
from .totals import totals

__all__ = [
    "Bundle",
    "Survey",
    "load_admissions",
    "load_bundle",
    "load_csv",
    "load_enrolment",
    "load_excel",
    "load_graduates",
    "load_parquet",
    "load_sql",
    "load_survey",
    "load_table",
    "to_panel",
    "totals",
    "write_bundle",
    "write_survey_template",
]
