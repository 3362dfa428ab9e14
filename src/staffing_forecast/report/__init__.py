"""Reports an official reads without Python: Excel workbooks with Russian headers by default.

- :func:`monitoring_workbook`: graduate outcomes, trends, employer satisfaction, institution scores, quota shares;
- :func:`forecast_workbook`: a forecast, one row per series with the years as columns, intervals and fallbacks;
- :func:`quota_workbook`: the quota calculator's result for officials;
- :func:`write_csv`: CSV for people (translated, rounded; ``;``, a decimal comma and a byte-order mark in Russian) or
  programs;
- :func:`write_workbook` and :class:`Sheet`: the shared writer (translated headers, number formats, frozen header
  rows, written whole or not at all).
"""

from .csv import write_csv
from .excel import Sheet, write_workbook
from .forecast import forecast_workbook
from .monitoring import monitoring_workbook
from .quota import quota_workbook

__all__ = [
    "Sheet",
    "forecast_workbook",
    "monitoring_workbook",
    "quota_workbook",
    "write_csv",
    "write_workbook",
]
