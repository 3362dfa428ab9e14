"""The library's version, read from the installed package's metadata (``pyproject.toml`` is the one source)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("staffing_forecast")
except PackageNotFoundError:  # the source tree used without installing it
    __version__ = "0+unknown"

__all__ = ["__version__"]
