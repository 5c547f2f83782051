"""Sales history to per-item forecasts: the forecast engine's point forecasts and errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import AutoForecaster, calendar


@dataclass(frozen=True)
class History:
    """Sales as a right-aligned panel: one row per item, NaN before its first sale."""

    ids: np.ndarray
    panel: np.ndarray
    last: pd.Timestamp
    freq: str


@dataclass(frozen=True)
class DemandForecast:
    """Per item: forecast path (n_items, horizon), error variance per period, whole units, model."""

    mean: np.ndarray
    var: np.ndarray
    counts: np.ndarray
    model: np.ndarray


def sales_history(sales: pd.DataFrame, *, freq: str | None = None) -> History:
    """Check a long sales table (`unique_id, ds, y`) and lay it out as a panel.

    Several rows for one period are summed; periods absent inside a series are zero
    sales; the panel ends at the last period of the whole table (an item without recent
    sales has sold nothing lately).
    """
    for col in ("unique_id", "ds", "y"):
        if col not in sales.columns:
            raise InputError("required column is missing", column=col)
    if sales.empty:
        raise InputError("no sales rows")
    table = sales[["unique_id", "ds", "y"]].reset_index(drop=True)
    ds = pd.to_datetime(table["ds"], errors="coerce", format="mixed")
    y = pd.to_numeric(table["y"], errors="coerce").to_numpy(dtype=float)
    for bad, col, what in ((ds.isna().to_numpy(), "ds", "is not a date"),
                           (~np.isfinite(y), "y", "is not a number")):
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(f"{table[col][row]!r} {what}", row=row, column=col)
    freq = freq or calendar.infer_frequency(ds)
    ds = calendar.snap_to_periods(ds, freq)
    grid = calendar.period_grid(ds.min(), ds.max(), freq)
    pos = grid.get_indexer(ds)
    codes, ids = pd.factorize(table["unique_id"].astype(str), sort=True)
    panel = np.zeros((len(ids), len(grid)))
    np.add.at(panel, (codes, pos), y)
    sold = panel != 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), len(grid) - 1)
    panel[np.arange(len(grid))[None, :] < first[:, None]] = np.nan
    return History(np.asarray(ids, dtype=str), panel, grid[-1], freq)


def forecast_demand(panel: np.ndarray, horizon: int, *, season_length: int = 1) -> DemandForecast:
    """Fit the forecast engine to a right-aligned panel and keep what sizes stock.

    Parameters
    ----------
    panel : ndarray of shape (n_items, n_periods)
        Sales, NaN before each item's first sale.
    horizon : int
        Periods ahead (lead time, plus the review period when periodic).
    season_length : int, default=1
        Periods per season.
    """
    Y = np.asarray(panel, dtype=float)
    seen = ~np.isnan(Y).all(axis=0)
    Y = Y[:, int(np.argmax(seen)):] if seen.any() else Y[:, -1:]
    fitted = AutoForecaster(int(horizon), season_length=int(season_length)).fit(Y)
    return DemandForecast(fitted.mean_, np.asarray(fitted.residual_var_, dtype=float),
                          np.asarray(fitted.counts_, dtype=bool), np.asarray(fitted.models_))


def periods_per_year(freq: str) -> float:
    """Periods of `freq` in a year (365.25 daily, about 52.2 weekly, 12 monthly)."""
    span = pd.date_range("2000-01-01", "2007-12-31 23:59", freq=freq)
    return len(span) / 8.0
