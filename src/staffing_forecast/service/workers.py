"""Worker processes for ``POST /v1/forecast``: each request computes in a process of its own, killed at the limit.

Requests and answers cross the pipe as JSON text (nothing else is deserialised). A worker that passes the time
limit is terminated and replaced, so a runaway model never holds the service.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["ForecastPool", "ForecastTimeout", "WorkerUnavailable", "run_forecast"]


class ForecastTimeout(Exception):
    """The forecast passed the time limit; its worker was killed."""


class WorkerUnavailable(Exception):
    """A worker process could not start (memory, process limits)."""


def run_forecast(request: dict[str, Any]) -> dict[str, Any]:
    """Forecast the series of a request (``model``, ``h``, ``freq``, ``level``, ``data`` rows); return the rows.

    Examples
    --------
    >>> rows = [{"unique_id": "a", "ds": f"{year}-01-01", "y": year - 2000.0} for year in range(2018, 2025)]
    >>> out = run_forecast({"model": "naive", "h": 2, "freq": "YS", "level": [], "data": rows})
    >>> [(r["ds"], r["mean"]) for r in out["rows"]]
    [('2025-01-01', 24.0), ('2026-01-01', 24.0)]
    """
    import pandas as pd

    from ..engine import forecast
    from .store_reader import records

    panel = pd.DataFrame(request["data"], columns=["unique_id", "ds", "y"])
    panel["ds"] = pd.to_datetime(panel["ds"])
    panel["y"] = panel["y"].astype(float)
    result = forecast(
        panel,
        h=int(request["h"]),
        freq=request.get("freq"),
        models=request["model"],
        level=list(request.get("level") or []),
        n_jobs=1,
        progress=False,
    )
    return {"rows": records(result)}


def _serve(conn: Connection) -> None:
    """Run a worker's loop: read a JSON request, answer JSON, until told to stop (an empty message)."""
    import warnings

    from ..errors import StaffingForecastError

    warnings.simplefilter(
        "ignore"
    )  # the library's warnings are counted in its columns; a worker has no reader
    conn.send_bytes(b'{"ready": true}')
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not raw:
            return
        try:
            answer: dict[str, Any] = {"ok": run_forecast(json.loads(raw))}
        except StaffingForecastError as error:
            answer = {"error": f"{type(error).__name__}: {error}", "kind": "input"}
        except Exception as error:  # reported as a 500 by the service, which logs the type
            answer = {"error": type(error).__name__, "kind": "internal"}
        conn.send_bytes(json.dumps(answer, allow_nan=False, default=str).encode())


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        try:
            started = self.conn.poll(120) and json.loads(self.conn.recv_bytes()) == {"ready": True}
        except (EOFError, OSError, ValueError):
            started = False
        if not started:
            self.kill()
            raise WorkerUnavailable("a forecast worker did not start")

    def call(self, payload: bytes, timeout: float) -> dict[str, Any]:
        self.conn.send_bytes(payload)
        if not self.conn.poll(timeout):
            self.kill()
            raise ForecastTimeout
        return dict(json.loads(self.conn.recv_bytes()))

    def kill(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send_bytes(b"")
        self.process.join(5)
        if self.process.is_alive():
            self.kill()


class ForecastPool:
    """A fixed number of worker processes (``spawn``ed, started on first use) with a hard time limit per call.

    Parameters
    ----------
    workers
        Worker processes; calls beyond them wait for one to be free.
    timeout
        Seconds one call may compute before its worker is killed and :class:`ForecastTimeout` raised.

    Examples
    --------
    >>> pool = ForecastPool(workers=1, timeout=60)
    >>> rows = [{"unique_id": "a", "ds": f"{year}-01-01", "y": 1.0} for year in range(2018, 2025)]
    >>> pool.call({"model": "naive", "h": 1, "freq": "YS", "level": [], "data": rows})["ok"]["rows"][0]["mean"]
    1.0
    >>> pool.close()
    """

    def __init__(self, workers: int = 1, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._free: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()

    def warm(self) -> None:
        """Start one worker ahead of the first request (a spawned worker imports the library: seconds)."""
        with self._slots:
            worker = _Worker(self._context)
            with self._lock:
                self._all.add(worker)
                self._free.append(worker)

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        """Compute one request in a worker: ``{"ok": {...}}`` or ``{"error": message, "kind": ...}``.

        Raises
        ------
        ForecastTimeout
            The computation passed ``timeout`` seconds; its worker was killed (a new one starts on the next call).
        """
        payload = json.dumps(request).encode()
        with self._slots:
            with self._lock:
                worker = self._free.pop() if self._free else None
            if worker is None:
                worker = _Worker(self._context)
                with self._lock:
                    self._all.add(worker)
            start = time.monotonic()
            try:
                answer = worker.call(payload, self.timeout)
            except BaseException:
                with self._lock:
                    self._all.discard(worker)
                if worker.process.is_alive():
                    worker.kill()
                raise
            answer["seconds"] = time.monotonic() - start
            with self._lock:
                self._free.append(worker)
            return answer

    def close(self) -> None:
        """Stop every worker (each finishes the call it is computing, up to 5 s)."""
        with self._lock:
            workers, self._all, self._free = list(self._all), set(), []
        for worker in workers:
            worker.stop()
