"""The quota's ``Inputs`` on disk: moved to :mod:`staffing_forecast.store.inputs`, importable here as before."""

from __future__ import annotations

from ..store.inputs import load_inputs, save_inputs

__all__ = ["load_inputs", "save_inputs"]
