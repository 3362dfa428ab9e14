"""Plots for notebooks and reports, labelled in Russian by default (``lang="en"`` for English).

Each function takes what a library function returned and returns the matplotlib ``Axes`` it drew on (or the
``Figure`` of small multiples), so a notebook can adjust it further. Codes on the axes come with their names from
the reference tables (ОКЗ occupations, ОКВЭД2 sectors, ФГОС specialties); every text comes from
:data:`staffing_forecast.report.labels.PLOT_TEXT`. matplotlib is imported when a plot is drawn, not when the
library is imported.

- forecasts: :func:`forecast` (fan chart, small multiples), :func:`track_record` (past vintages against actuals);
- hierarchies: :func:`reconciliation` (base and reconciled forecasts of a total, the sum of its children);
- model evaluation: :func:`cv_errors` (by model and horizon step), :func:`model_choice`;
- quota: :func:`quota_waterfall` (the steps behind one number), :func:`quota_ranges`, :func:`tornado`,
  :func:`coverage_map`, :func:`allocation`;
- monitoring: :func:`outcome_rates`, :func:`satisfaction_index`.
"""

from .evaluation import cv_errors, model_choice
from .forecasts import forecast, series_title, track_record
from .hierarchies import reconciliation
from .monitoring import outcome_rates, satisfaction_index
from .quota import allocation, coverage_map, quota_ranges, quota_waterfall, tornado

__all__ = [
    "allocation",
    "coverage_map",
    "cv_errors",
    "forecast",
    "model_choice",
    "outcome_rates",
    "quota_ranges",
    "quota_waterfall",
    "reconciliation",
    "satisfaction_index",
    "series_title",
    "tornado",
    "track_record",
]
