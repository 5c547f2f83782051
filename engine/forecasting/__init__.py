"""Demand forecasting: automatic model choice per series, with prediction intervals."""

from engine.forecasting.auto import AutoForecaster
from engine.forecasting.batch import forecast, forecast_values

__all__ = ["AutoForecaster", "forecast", "forecast_values"]
