"""The state training quota calculator: from an employment forecast by occupation to state-funded admissions.

Pure functions, no I/O (``docs/quota.md`` gives the method, a worked example and the sources):

- :class:`Inputs` (the data and assumptions, :meth:`Inputs.from_bundle`) and :class:`Policy` (the decisions);
- :func:`compute` → :class:`QuotaResult` (``.table``, ``.allocation``, ``.openings``, ``.graduates_wanted``,
  ``.coverage``, ``.explain(...)``, ``.to_excel(...)``);
- :func:`sensitivity` (a tornado table) and :func:`scenarios` (a grid of policies);
- :func:`allocate` and :func:`apportion` (step 11 on its own).
"""

from .allocation import APPORTIONMENT, allocate, apportion, round_half_up
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
    "round_half_up",
    "scenarios",
    "sensitivity",
]
