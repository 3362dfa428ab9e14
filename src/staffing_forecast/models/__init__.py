"""Forecasting models, one contract (see :mod:`staffing_forecast.models.base`), and the registry.

Adding a model: one class, one line in ``REGISTRY``, one case in ``tests/test_model_contract.py``.
"""

from __future__ import annotations

from .ari import ARI
from .auto import Auto
from .base import GlobalModel, LocalModel, Model, PanelModel, SeriesFailure, normal_bounds
from .baselines import Drift, HistoricAverage, Naive, SeasonalNaive
from .drivers import SARIMAX, UnobservedComponents
from .ensemble import Ensemble
from .lag_regression import LagRegression
from .prophet import Prophet
from .statistical import ARIMA, CES, ETS, TSB, Croston, Theta
from .survey_plan import SurveyPlan

__all__ = [
    "ARI",
    "ARIMA",
    "CES",
    "ETS",
    "REGISTRY",
    "SARIMAX",
    "TSB",
    "Auto",
    "Croston",
    "Drift",
    "Ensemble",
    "GlobalModel",
    "HistoricAverage",
    "LagRegression",
    "LocalModel",
    "Model",
    "Naive",
    "PanelModel",
    "Prophet",
    "SeasonalNaive",
    "SeriesFailure",
    "SurveyPlan",
    "Theta",
    "UnobservedComponents",
    "normal_bounds",
]

#: Registered models by name.
REGISTRY: dict[str, type] = {
    "auto": Auto,
    "naive": Naive,
    "seasonal_naive": SeasonalNaive,
    "drift": Drift,
    "historic_average": HistoricAverage,
    "ets": ETS,
    "arima": ARIMA,
    "ari": ARI,
    "ces": CES,
    "theta": Theta,
    "croston": Croston,
    "tsb": TSB,
    "ensemble": Ensemble,
    "survey_plan": SurveyPlan,
    "sarimax": SARIMAX,
    "unobserved_components": UnobservedComponents,
    "prophet": Prophet,
    "lag_regression": LagRegression,
}
