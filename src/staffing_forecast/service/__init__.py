"""The HTTP service: the run store and the quota calculator for other systems (``staffing-forecast serve``).

Needs the ``service`` extra (``pip install "staffing_forecast[service]"``); ``import staffing_forecast`` never
imports it. One job per module:

- :mod:`.app`: :func:`create_app`, the FastAPI application: it wires the routers, middleware and handlers;
- :mod:`.routes`: one router per group of endpoints, reaching the store reader, the settings and the worker
  pool through small FastAPI dependencies (:mod:`.routes.deps`);
- :mod:`.settings`: :class:`Settings`, the limits (body size, series, horizon, time) and the suppression rule;
- :mod:`.auth`: API keys (``KEY[:scope+scope]``), kept hashed, compared in constant time; the scopes;
- :mod:`.store_reader`: the run store read-only: run ids checked, complete runs only, tables cached per run;
- :mod:`.schemas`: the request and response models, with the examples the OpenAPI schema shows;
- :mod:`.problems`: errors as ``application/problem+json``;
- :mod:`.middleware`: request ids, JSON access logs, the body size limit, the per-request time limit;
- :mod:`.logs`: every log line as JSON with its request id (and a 500's traceback);
- :mod:`.docs_page`: ``/docs`` with Swagger UI served from local files;
- :mod:`.metrics`: Prometheus counters and latency histograms;
- :mod:`.workers`: the worker processes of ``POST /v1/forecast`` and ``POST /v1/quota``, each request under a hard
  time limit;
- :mod:`.serve`: the ``serve`` command (uvicorn).
"""

from __future__ import annotations

from .app import create_app
from .auth import SCOPES, ApiKeys, load_keys
from .settings import Settings

__all__ = ["SCOPES", "ApiKeys", "Settings", "create_app", "load_keys"]
