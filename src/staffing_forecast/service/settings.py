"""The service's limits and rules, one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

from ..disclosure import Rules

__all__ = ["Settings"]


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Limits and rules of the HTTP service; every field has a default suited to one region's store.

    Parameters
    ----------
    max_body_bytes
        Largest request body, bytes; a larger ``Content-Length`` is refused with 413 before the body is read.
        Default 1 MiB.
    max_series
        Most series one ``POST /v1/forecast`` may hold. Default 50.
    max_observations
        Most rows (observations over all series) one ``POST /v1/forecast`` may hold. Default 20,000.
    max_horizon
        Largest ``h`` of ``POST /v1/forecast``. Default 24.
    max_cost
        Largest cost of one ``POST /v1/forecast``, checked before it runs (413 beyond): its observations times
        the model fits each series needs (``auto`` 12: four members, each fitted on the history and at two
        calibration cutoffs; any other model 1). Default 60,000 (e.g. 50 series of 100 observations with ``auto``).
    max_page_size
        Largest ``limit`` of a page of forecasts. Default 1,000.
    request_timeout
        Seconds a request may take before the service answers 503. Default 30.
    forecast_timeout
        Seconds one ``POST /v1/forecast`` may compute before its worker process is killed (504). Default 20.
    forecast_workers
        Worker processes of ``POST /v1/forecast``. Default 1.
    warm_workers
        Start one forecast worker when the app starts rather than on the first request (``serve`` does). Default
        ``False``.
    min_cell_size, min_employers, dominance
        The disclosure rules of keys without the ``employer`` scope (:mod:`staffing_forecast.disclosure`): a
        forecast row whose ``mean`` is below ``min_cell_size`` persons (default 10), that rests on fewer than
        ``min_employers`` employers (default 3) or whose largest employer holds more than ``dominance`` of it
        (default 0.85) has its values withheld (``suppressed: true``), and so has every row that would let a
        reader recompute one of them from the visible rows.
    docs
        Serve the interactive page ``/docs`` (Swagger UI, its files served by the service itself, never from a
        CDN). Default ``True``; ``False`` turns it off (``/openapi.json`` stays).
    cors_origins
        Origins allowed to call the service from a browser; empty (the default) sends no CORS headers.

    Examples
    --------
    >>> Settings(max_series=10).max_series
    10
    """

    max_body_bytes: int = 1 << 20
    max_series: int = 50
    max_observations: int = 20_000
    max_horizon: int = 24
    max_cost: int = 60_000
    max_page_size: int = 1000
    request_timeout: float = 30.0
    forecast_timeout: float = 20.0
    forecast_workers: int = 1
    warm_workers: bool = False
    min_cell_size: float = 10.0
    docs: bool = True
    min_employers: int = 3
    dominance: float = 0.85
    cors_origins: tuple[str, ...] = ()

    @property
    def disclosure(self) -> Rules:
        """The disclosure rules these settings give (checked when read).

        Examples
        --------
        >>> Settings(min_employers=2).disclosure
        Rules(min_employers=2, dominance=0.85, min_size=10.0)
        """
        return Rules(self.min_employers, self.dominance, self.min_cell_size)
