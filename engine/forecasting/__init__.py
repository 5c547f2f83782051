"""Demand forecasting: automatic model choice per group of similar series, with intervals."""

from engine.forecasting.auto import AutoForecaster
from engine.forecasting.batch import forecast, forecast_values
from engine.forecasting.estimator import Forecaster
from engine.forecasting.panel import SalesPanel, sales_panel

__all__ = ["AutoForecaster", "Forecaster", "SalesPanel", "forecast", "forecast_values",
           "sales_panel"]
