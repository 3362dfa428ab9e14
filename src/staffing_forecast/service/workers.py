"""Worker processes for ``POST /v1/forecast`` and ``POST /v1/quota``, each request under a hard time limit.

Each request computes in a process of its own, at a lower CPU priority than the server, and is killed at its limit
or when its request is given up.

Requests and answers cross the pipe as JSON text (nothing else is deserialised). A worker that passes the time
limit is terminated and replaced, so a runaway model never holds the service.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = [
    "ForecastCancelled",
    "ForecastPool",
    "ForecastTimeout",
    "WorkerFailure",
    "WorkerUnavailable",
    "run_forecast",
    "run_whatif",
]

#: How often a waiting call looks whether its request was cancelled, seconds.
_POLL = 0.05


class ForecastTimeout(Exception):
    """The forecast passed the time limit; its worker was killed."""


class ForecastCancelled(Exception):
    """The request was given up (its time limit, the client gone) while it waited or computed; its worker was killed."""


class WorkerFailure(RuntimeError):
    """A worker failed on a request; the service answers 500 and logs the worker's traceback."""

    def __init__(self, error: str, worker_traceback: str) -> None:
        super().__init__(f"worker: {error}")
        self.worker_traceback = worker_traceback


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
    import numpy as np
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
    infinite = np.isinf(result.select_dtypes("number").to_numpy(float)).any(axis=1)
    if infinite.any():
        from ..errors import ConfigError

        series = result.loc[infinite, "unique_id"].iloc[0]
        raise ConfigError(
            f"series {series!r}: the forecast's values are not finite numbers (the data are too large for the model); "
            "scale y down (e.g. to thousands) and send it again."
        )
    return {"rows": records(result)}


#: Quota inputs a what-if worker has read, by their folder (a complete run never changes); the last few only.
_INPUTS: dict[str, Any] = {}


def run_whatif(request: dict[str, Any]) -> dict[str, Any]:
    """Compute a what-if (``inputs``: a run's inputs folder, ``interval_level``, ``policy``); return the quota rows.

    The inputs are read once per worker and run. ``interval_level`` fills in the level of inputs stored before
    they recorded it.
    """
    from ..quota import Policy, compute
    from ..store import load_inputs
    from .store_reader import records

    folder = str(request["inputs"])
    if folder not in _INPUTS:
        if len(_INPUTS) >= 4:
            _INPUTS.pop(next(iter(_INPUTS)))
        _INPUTS[folder] = load_inputs(folder)
    inputs = _INPUTS[folder]
    if inputs.interval_level is None:
        inputs = inputs.replace(interval_level=int(request["interval_level"]))
    values = dict(request["policy"])
    if values.get("intake_years") is not None:
        values["intake_years"] = tuple(values["intake_years"])
    return {"rows": records(compute(inputs, Policy(**values)).table)}


class _JsonStderr(io.TextIOBase):
    """A worker's stderr: each line a library or Python writes becomes one JSON log line."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                _log_line(self.stream, "warning", line)
        return len(text)


#: The id of the request a worker computes (``None`` between requests), for its log lines.
_request_id: str | None = None


def _log_line(stream: Any, level: str, message: str, **extra: Any) -> None:
    record = {
        "level": level,
        "logger": "staffing_forecast.service.worker",
        "message": message,
        "request_id": _request_id,
        **extra,
    }
    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    stream.flush()


def _serve(conn: Connection) -> None:
    """Run a worker's loop: read a JSON request, answer JSON, until told to stop (an empty message)."""
    import warnings

    from ..errors import StaffingForecastError

    # The library's warnings are counted in its columns; a worker has no reader. Anything else written to stderr
    # (a library's print, a crash) goes to the service's log as JSON lines.
    warnings.simplefilter("ignore")
    # Below the server's priority: on a machine of few cores, reads are answered first while a worker computes.
    with contextlib.suppress(OSError):
        os.nice(10)
    stderr = sys.__stderr__
    sys.stderr = _JsonStderr(stderr)
    try:
        conn.send_bytes(b'{"ready": true}')
        while True:
            try:
                raw = conn.recv_bytes()
            except (EOFError, OSError):
                return
            if not raw:
                return
            conn.send_bytes(_answer(raw, StaffingForecastError))
    except (
        BaseException
    ) as error:  # a crash of the loop itself: logged as one JSON line, then the worker ends
        _log_line(stderr, "error", f"forecast worker stopped: {type(error).__name__}: {error}",
                  traceback=traceback.format_exc())  # fmt: skip
        raise SystemExit(1) from None


def _answer(raw: bytes, input_error: type[Exception]) -> bytes:
    """Compute one request and encode its answer; every failure, the encoding's too, becomes an error answer."""
    global _request_id
    try:
        request = json.loads(raw)
        _request_id = request.get("request_id")
        work = run_whatif if request.get("task") == "whatif" else run_forecast
        answer: dict[str, Any] = {"ok": work(request)}
        return json.dumps(answer, allow_nan=False, default=str).encode()
    except input_error as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}", "kind": "input"}).encode()
    except (
        Exception
    ) as error:  # a 500 from the service, which logs the traceback sent here with the request id
        internal = {
            "error": f"{type(error).__name__}: {error}",
            "kind": "internal",
            "traceback": traceback.format_exc(),
        }
        return json.dumps(internal, default=str).encode()


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

    def call(self, payload: bytes, timeout: float, cancel: threading.Event) -> dict[str, Any]:
        self.conn.send_bytes(payload)
        deadline = time.monotonic() + timeout
        while not self.conn.poll(min(_POLL, max(0.0, deadline - time.monotonic()))):
            if cancel.is_set():
                self.kill()
                raise ForecastCancelled
            if time.monotonic() >= deadline:
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
        self._closed = False

    def warm(self) -> None:
        """Start one worker ahead of the first request (a spawned worker imports the library: seconds)."""
        with self._slots:
            worker = _Worker(self._context)
            with self._lock:
                closed = self._closed
                if not closed:
                    self._all.add(worker)
                    self._free.append(worker)
            if closed:  # the service stopped while this worker started
                worker.stop()

    def call(self, request: dict[str, Any], cancel: threading.Event | None = None) -> dict[str, Any]:
        """Compute one request in a worker: ``{"ok": {...}}`` or ``{"error": message, "kind": ...}``.

        ``cancel``, when set (the request's time limit passed, the client went away), stops the call: while it
        waits for a free worker it gives up; while it computes, its worker is killed (a new one starts on the
        next call), so an abandoned request never holds a worker.

        Raises
        ------
        ForecastTimeout
            The computation passed ``timeout`` seconds; its worker was killed (a new one starts on the next call).
        ForecastCancelled
            ``cancel`` was set first.
        """
        cancel = cancel if cancel is not None else threading.Event()
        payload = json.dumps(request).encode()
        while not self._slots.acquire(timeout=_POLL):
            if cancel.is_set():
                raise ForecastCancelled
        try:
            return self._call_in_slot(payload, cancel)
        finally:
            self._slots.release()

    def _call_in_slot(self, payload: bytes, cancel: threading.Event) -> dict[str, Any]:
        if cancel.is_set():
            raise ForecastCancelled
        with self._lock:
            worker = self._free.pop() if self._free else None
        if worker is None:
            worker = _Worker(self._context)
            with self._lock:
                self._all.add(worker)
        start = time.monotonic()
        try:
            answer = worker.call(payload, self.timeout, cancel)
        except BaseException:
            with self._lock:
                self._all.discard(worker)
            if worker.process.is_alive():
                worker.kill()
            if not self._closed:  # a replacement starts now, so the next request does not wait for it
                threading.Thread(target=self._replace, name="forecast-respawn", daemon=True).start()
            raise
        answer["seconds"] = time.monotonic() - start
        with self._lock:
            self._free.append(worker)
        return answer

    def _replace(self) -> None:
        with contextlib.suppress(
            WorkerUnavailable
        ):  # the next call tries again, and answers 503 if it cannot
            self.warm()

    def close(self) -> None:
        """Stop every worker (each finishes the call it is computing, up to 5 s)."""
        self._closed = True
        with self._lock:
            workers, self._all, self._free = list(self._all), set(), []
        for worker in workers:
            worker.stop()
