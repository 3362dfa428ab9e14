"""The service's log: one JSON object a line, each with the id of the request it belongs to.

:class:`RequestLog <staffing_forecast.service.middleware.RequestLog>` sets the request id for the duration of a
request (:data:`request_id`); :class:`JsonLines` adds it, and the traceback of a record that has one, to every line.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar

__all__ = ["JsonLines", "configure", "request_id"]

#: The id of the request being answered (``None`` outside a request: start-up, shutdown).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

#: The loggers the service writes to (its own and uvicorn's), all through :class:`JsonLines`.
LOGGERS = ("staffing_forecast.service", "uvicorn", "uvicorn.error", "uvicorn.access")


class JsonLines(logging.Formatter):
    """Format a record as one JSON line: ``level``, ``logger``, ``message``, ``request_id``, ``traceback``.

    Access-log records (JSON objects already) get the same keys merged in. A traceback is kept in the line,
    never in a response.

    Examples
    --------
    >>> record = logging.LogRecord("staffing_forecast.service", logging.ERROR, "", 0, "failed", None, None)
    >>> json.loads(JsonLines().format(record))
    {'level': 'error', 'logger': 'staffing_forecast.service', 'message': 'failed', 'request_id': None}
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        message = record.getMessage()
        line: dict[str, object] = {"level": record.levelname.lower(), "logger": record.name}
        if record.name == "staffing_forecast.service.access":
            line |= json.loads(message)
        else:
            line["message"] = message
        line.setdefault("request_id", getattr(record, "request_id", None) or request_id.get())
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        extra = getattr(record, "worker_traceback", None)
        if extra:
            line["worker_traceback"] = extra
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str = "info") -> None:
    """Send the service's and uvicorn's records to stderr as JSON lines at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
