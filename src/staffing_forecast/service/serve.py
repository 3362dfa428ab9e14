"""The ``serve`` command: check the store and the keys, then run the app under uvicorn with JSON logs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..errors import ConfigError
from .app import create_app
from .auth import load_keys
from .logs import configure
from .settings import Settings

__all__ = ["serve"]


def serve(args: argparse.Namespace) -> int:
    """Run the service for ``staffing-forecast serve`` until SIGINT/SIGTERM (in-flight requests finish first).

    Raises
    ------
    ConfigError
        The store is not a folder, or there are no keys (exit 2 with one line).
    """
    import uvicorn

    store = Path(args.store)
    if not store.is_dir():
        raise ConfigError(
            f"--store {store}: no such folder; pass the run store the batch job writes ([output] store)."
        )
    keys = load_keys(args.api_keys_file)
    settings = Settings(
        min_cell_size=args.min_cell_size,
        min_employers=args.min_employers,
        dominance=args.dominance,
        forecast_workers=args.forecast_workers,
        cors_origins=tuple(args.cors_origin or ()),
        warm_workers=True,
        docs=not getattr(args, "no_docs", False),
    )
    settings.disclosure  # noqa: B018  (bad rules are a ConfigError now, not on the first read)
    configure(args.log_level)
    logging.getLogger("staffing_forecast.service").info(
        "serving %s on http://%s:%d with %d API keys", store, args.host, args.port, len(keys)
    )
    uvicorn.run(
        create_app(store, keys, settings),
        host=args.host,
        port=args.port,
        access_log=False,  # the service writes its own access log, as JSON with request ids
        log_config=None,
        timeout_graceful_shutdown=args.graceful_timeout,
        server_header=False,
    )
    return 0
