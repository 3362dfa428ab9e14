"""The service's routers, one per group of endpoints; :func:`~staffing_forecast.service.create_app` wires them.

- :mod:`.operations`: ``/health``, ``/ready``, ``/metrics``;
- :mod:`.runs`: the store's runs and a run's manifest;
- :mod:`.forecasts`: a run's forecasts, a page at a time;
- :mod:`.quotas`: a run's quotas and their explanations;
- :mod:`.whatif`: ``POST /v1/quota``;
- :mod:`.adhoc`: ``POST /v1/forecast``;
- :mod:`.deps`: the dependencies they share (store reader, settings, worker pool, key checks).
"""

from __future__ import annotations

from . import adhoc, forecasts, operations, quotas, runs, whatif

#: Every router, in the order the schema lists them.
ROUTERS = (
    operations.router,
    runs.router,
    forecasts.router,
    quotas.router,
    whatif.router,
    adhoc.router,
)

__all__ = ["ROUTERS"]
