"""Monitoring indicators: where graduates find work, how satisfied employers are, and what feeds the quota.

- :func:`graduate_outcomes` and :func:`outcome_trends`: employment, in-field and regional-retention rates of
  graduates with small-count intervals, pooled over years where cells are small, and their trends;
- :func:`satisfaction`: the employer satisfaction index with bootstrap intervals and non-response;
- :func:`institution_scores`: the performance score used to allocate quota places;
- :func:`quota_shares`: the quota's completion and graduate-outcome shares, falling back to reference values.

The workbook of all of the above is :func:`staffing_forecast.report.monitoring_workbook`.

Examples
--------
>>> import staffing_forecast as sf
>>> demo = sf.datasets.load_demo()
>>> outcomes = sf.monitoring.graduate_outcomes(demo, by="level", years=[2025])
>>> bool(outcomes["p_emp"].between(0, 1).all())
True
"""

from __future__ import annotations

from .outcomes import RATES, graduate_outcomes, outcome_trends, proportion_interval
from .satisfaction import satisfaction
from .scores import COMPONENTS, institution_scores, quota_shares

__all__ = [
    "COMPONENTS",
    "RATES",
    "graduate_outcomes",
    "institution_scores",
    "outcome_trends",
    "proportion_interval",
    "quota_shares",
    "satisfaction",
]
