"""Perishables: how much to bake or prep for each of the next days (the newsvendor decision).

What is left at closing is thrown away, so the right quantity is the demand quantile at the
critical ratio ``(price - cost) / (price - salvage)``, learned from the calendar, sales up to
the plan date (never the day being planned) and external factors such as the weather.
"""

from engine.perishables.estimator import CANDIDATES, NewsvendorRegressor
from engine.perishables.features import calendar_features, design, lag_features
from engine.perishables.plan import PLAN_COLUMNS, critical_ratio, plan_perishables

__all__ = ["CANDIDATES", "PLAN_COLUMNS", "NewsvendorRegressor", "calendar_features",
           "critical_ratio", "design", "lag_features", "plan_perishables"]
