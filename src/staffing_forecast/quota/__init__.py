"""The state training quota calculator: from an employment forecast by occupation to state-funded admissions.

Pure functions, no I/O (``docs/quota.md`` gives the method, a worked example and the sources):

- :class:`Inputs` (the data and assumptions; :func:`inputs_from_bundle` fills them from a bundle and a forecast)
  and :class:`Policy` (the decisions);
- :func:`compute` → :class:`QuotaResult` (``.table``, ``.allocation``, ``.openings``, ``.graduates_wanted``,
  ``.coverage``, ``.totals()``, ``.explain(...)``); the workbook is :func:`staffing_forecast.report.quota_workbook`;
- :func:`sensitivity` (a tornado table) and :func:`scenarios` (a grid of policies);
- :func:`allocate` and :func:`apportion` (step 11 on its own).
"""

from .allocation import APPORTIONMENT, allocate, apportion, round_half_up
from .bundle import inputs_from_bundle
from .compute import SCENARIOS, compute
from .inputs import DEFAULT_AGE_SHARES, Inputs, field_defaults
from .policy import Policy
from .result import Explanation, QuotaResult
from .sensitivity import VARIABLE, scenarios, sensitivity

__all__ = [
    "APPORTIONMENT",
    "DEFAULT_AGE_SHARES",
    "SCENARIOS",
    "VARIABLE",
    "Explanation",
    "Inputs",
    "Policy",
    "QuotaResult",
    "allocate",
    "apportion",
    "compute",
    "field_defaults",
    "inputs_from_bundle",
    "round_half_up",
    "scenarios",
    "sensitivity",
]

# ``Inputs.from_bundle`` stays a public name. It is attached here, above both modules, so that ``inputs`` never
# imports ``bundle`` (which knows about monitoring and sits above it).
# mypy cannot see an attribute set after the class body, hence the ignore.
Inputs.from_bundle = staticmethod(inputs_from_bundle)  # type: ignore[attr-defined]
