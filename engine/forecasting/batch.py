"""Forecast tables of sales: the one entry point that the command line, Excel and the app call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar
from engine.forecasting.auto import DEFAULT_LEVELS, AutoForecaster, _fmt
from engine.forecasting.panel import SalesPanel, sales_panel


def forecast(
    sales: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    season_length: int | None = None,
    level: Sequence[float] = DEFAULT_LEVELS,
    on_progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Forecast every series of a long sales table.

    Parameters
    ----------
    sales : DataFrame
        Columns `unique_id`, `ds` (dates), `y` (units sold); other columns are ignored.
        Several rows for one period are summed; periods absent after a series' first sale
        are zero sales, up to the last date of the whole table (one export, one end date).
    horizon : int
        Periods to forecast per series.
    freq : str, optional
        pandas offset alias (`D`, `W-SUN`, `MS`, ...); inferred from the dates when absent.
    season_length : int, optional
        Periods per season; by default the usual one for the frequency (7 for daily, ...).
    level : sequence of float, default=(80, 95)
        Prediction-interval coverages in percent.
    on_progress : callable, optional
        Called as work is done with a number of series; the calls add up to all series.

    Returns
    -------
    DataFrame
        `unique_id, ds, forecast, lo_<L>, hi_<L>` for each level, `model`: `horizon` rows
        per series, dates continuing each series' own calendar.
    """
    levels = _levels(level)
    horizon = _whole(horizon, "horizon")
    sales = sales_panel(sales, freq=freq)
    m = season_length if season_length else calendar.season_length_for(sales.freq)
    fitted = AutoForecaster(horizon, season_length=_whole(m, "season_length"))
    out = fitted.fit(sales.panel, on_progress=on_progress).predict(horizon, level=levels)
    return _to_frame(sales, out, horizon, levels)


def forecast_values(values: Sequence[float], horizon: int, *, season_length: int = 0,
                    level: Sequence[float] = (95,)) -> pd.DataFrame:
    """Forecast one undated series of consecutive periods (an Excel column).

    Missing values count as zero sales; `season_length=0` detects the season from the data.
    Returns `period` (1..horizon), `forecast`, `lo_<L>`, `hi_<L>` and `model`.
    """
    levels = _levels(level)
    horizon = _whole(horizon, "horizon")
    y = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if not np.isfinite(y).all():
        raise InputError("values must be finite numbers")
    y = _drop_leading_zeros(y)
    if len(y) < 3:
        raise InputError(f"need at least 3 periods of sales after the first sale, got {len(y)}")
    m = int(season_length) if season_length else calendar.detect_season_length(y)
    result = AutoForecaster(horizon, season_length=_whole(m, "season_length")).fit(y)
    out = result.predict(horizon, level=levels)
    frame = pd.DataFrame({"period": np.arange(1, horizon + 1), "forecast": out["mean"][0]})
    for lv in levels:
        frame[f"lo_{_fmt(lv)}"] = out[f"lo-{_fmt(lv)}"][0]
        frame[f"hi_{_fmt(lv)}"] = out[f"hi-{_fmt(lv)}"][0]
    frame["model"] = out["model"][0]
    return frame


def _to_frame(sales: SalesPanel, out: dict, horizon: int, levels) -> pd.DataFrame:
    dates = calendar.future_periods(sales.last, horizon, sales.freq)
    frame = pd.DataFrame({"unique_id": np.repeat(sales.ids, horizon),
                          "ds": np.tile(dates.to_numpy(), len(sales.ids))})
    frame["forecast"] = out["mean"].ravel()
    for lv in levels:
        frame[f"lo_{_fmt(lv)}"] = out[f"lo-{_fmt(lv)}"].ravel()
        frame[f"hi_{_fmt(lv)}"] = out[f"hi-{_fmt(lv)}"].ravel()
    frame["model"] = np.repeat(out["model"], horizon)
    return frame


def _drop_leading_zeros(y: np.ndarray) -> np.ndarray:
    sold = np.flatnonzero(y != 0)
    return y[sold[0]:] if sold.size else y


def _levels(level: Sequence[float]) -> list[float]:
    levels = sorted({float(lv) for lv in np.atleast_1d(level)})
    for lv in levels:
        if not 0 < lv < 100:
            raise InputError(f"interval level must be between 0 and 100 (percent), got {_fmt(lv)}")
    return levels


def _whole(value, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if not number.is_integer() or number < 1:
        raise InputError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(number)
