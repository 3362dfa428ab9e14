"""Reports an official reads without Python: Excel workbooks with Russian headers by default.

- :func:`monitoring_workbook`: graduate outcomes, trends, employer satisfaction, institution scores, quota shares;
- :func:`quota_workbook`: the quota calculator's result for officials;
- :func:`write_csv`: CSV for people (translated, rounded; ``;`` and a decimal comma in Russian) or programs;
- :func:`write_workbook` and :class:`Sheet`: the shared writer (translated headers, number formats, frozen header
  rows, written whole or not at all).
"""

from .csv import write_csv
from .excel import Sheet, write_workbook
from .monitoring import monitoring_workbook
from .quota import quota_workbook

__all__ = ["Sheet", "monitoring_workbook", "quota_workbook", "write_csv", "write_workbook"]
