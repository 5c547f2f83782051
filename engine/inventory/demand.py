"""Sales history to per-item forecasts: the forecast engine's point forecasts and errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.forecasting import AutoForecaster


@dataclass(frozen=True)
class DemandForecast:
    """Per item: forecast path (n_items, horizon), error variance per period, whole units, model.

    `yearly_rate` is the mean sales per period over the last year of history: what the
    EOQ trades ordering cost against holding cost on (None: use the forecast's rate).
    """

    mean: np.ndarray
    var: np.ndarray
    counts: np.ndarray
    model: np.ndarray
    yearly_rate: np.ndarray | None = None


def forecast_demand(panel: np.ndarray, horizon: int, *, season_length: int = 1,
                    year: int | None = None) -> DemandForecast:
    """Fit the forecast engine to a right-aligned panel and keep what sizes stock.

    Parameters
    ----------
    panel : ndarray of shape (n_items, n_periods)
        Sales, NaN before each item's first sale.
    horizon : int
        Periods ahead (lead time, plus the review period when periodic).
    season_length : int, default=1
        Periods per season.
    year : int, optional
        Periods in a year, for `yearly_rate` (absent: no yearly rate).
    """
    Y = np.asarray(panel, dtype=float)
    seen = ~np.isnan(Y).all(axis=0)
    Y = Y[:, int(np.argmax(seen)):] if seen.any() else Y[:, -1:]
    fitted = AutoForecaster(int(horizon), season_length=int(season_length)).fit(Y)
    yearly = None
    if year:
        with np.errstate(all="ignore"):
            yearly = np.nan_to_num(np.nanmean(Y[:, -int(year):], axis=1))
    return DemandForecast(fitted.mean_, np.asarray(fitted.residual_var_, dtype=float),
                          np.asarray(fitted.counts_, dtype=bool), np.asarray(fitted.models_),
                          yearly)


def periods_per_year(freq: str) -> float:
    """Periods of `freq` in a year (365.25 daily, about 52.2 weekly, 12 monthly)."""
    span = pd.date_range("2000-01-01", "2007-12-31 23:59", freq=freq)
    return len(span) / 8.0
