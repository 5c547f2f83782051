"""Demand forecasting: automatic model choice per series, with prediction intervals."""

from engine.forecasting.auto import AutoForecaster
from engine.forecasting.batch import forecast, forecast_values
from engine.forecasting.panel import SalesPanel, sales_panel

__all__ = ["AutoForecaster", "SalesPanel", "forecast", "forecast_values", "sales_panel"]
