"""staffing_forecast: forecast a regional IT cluster's staffing demand and turn it into state training quotas.

>>> import staffing_forecast as sf
>>> demo = sf.datasets.load_demo()
>>> sorted(demo.employment.columns)
['ds', 'employer', 'occupation', 'region', 'sector', 'unique_id', 'y']
"""

from . import (
    datasets,
    disclosure,
    display,
    features,
    models,
    monitoring,
    pipeline,
    plot,
    quota,
    reconciliation,
    reference,
    report,
    tracking,
    units,
)
from ._version import __version__
from .adjust import adjust
from .backtest import cross_validate
from .engine import Forecast, forecast
from .errors import (
    ConfigError,
    DataWarning,
    InfeasibleQuotaError,
    NotFittedError,
    SchemaError,
    StaffingForecastError,
    StaffingForecastWarning,
)
from .hierarchy import Hierarchy
from .loaders import (
    Bundle,
    load_bundle,
    load_csv,
    load_excel,
    load_graduates,
    load_parquet,
    load_sql,
    load_survey,
    load_table,
    totals,
    write_bundle,
    write_survey_template,
)
from .metrics import evaluate, leaderboard
from .panel import aggregate, to_annual
from .reconciliation import reconcile
from .schema import check_forecast, check_panel, infer_freq, make_unique_id
from .selection import pick, select
from .summary import ForecastSummary, summarize

__all__ = [
    "Bundle",
    "ConfigError",
    "DataWarning",
    "Forecast",
    "ForecastSummary",
    "Hierarchy",
    "InfeasibleQuotaError",
    "NotFittedError",
    "SchemaError",
    "StaffingForecastError",
    "StaffingForecastWarning",
    "__version__",
    "adjust",
    "aggregate",
    "check_forecast",
    "check_panel",
    "cross_validate",
    "datasets",
    "disclosure",
    "display",
    "evaluate",
    "features",
    "forecast",
    "infer_freq",
    "leaderboard",
    "load_bundle",
    "load_csv",
    "load_excel",
    "load_graduates",
    "load_parquet",
    "load_sql",
    "load_survey",
    "load_table",
    "make_unique_id",
    "models",
    "monitoring",
    "pick",
    "pipeline",
    "plot",
    "quota",
    "reconcile",
    "reconciliation",
    "reference",
    "report",
    "select",
    "summarize",
    "to_annual",
    "totals",
    "tracking",
    "units",
    "write_bundle",
    "write_survey_template",
]
