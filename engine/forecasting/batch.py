"""Forecast tables of sales: the one entry point that the command line, Excel and the app call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar
from engine.forecasting.auto import DEFAULT_LEVELS, AutoForecaster, _fmt
from engine.forecasting.estimator import Forecaster, _levels, _whole


def forecast(
    df: pd.DataFrame,
    h: int,
    *,
    freq: str | None = None,
    season_length: int | None = None,
    level: Sequence[float] = DEFAULT_LEVELS,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    signed: bool = False,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Forecast every series of a long sales table.

    Parameters
    ----------
    df : DataFrame
        Columns `id_col` (series), `time_col` (dates) and `target_col` (units sold); other
        columns are ignored. Several rows for one period are summed; periods absent after a
        series' first sale are zero sales, up to the last date of the whole table (one
        export, one end date).
    h : int
        Periods to forecast per series.
    freq : str, optional
        pandas offset alias (`D`, `W-SUN`, `MS`, ...); inferred from the dates when absent.
        When it groups finer dates, an incomplete first or last period is left out (named
        in ``result.attrs["partial_periods"]``): the forecast covers whole periods.
    season_length : int, optional
        Periods per season; by default the usual one for the frequency (7 for daily, ...).
    level : sequence of float, default=(80, 95)
        Prediction-interval coverages in percent.
    id_col, time_col, target_col : str
        Column names of the series id, the date and the value.
    signed : bool, default=False
        False: values are units sold and negative rows are returns, left out of demand
        (never subtracted) and totalled per series in ``result.attrs["returns"]``;
        forecasts and bounds are never negative. True: keep the sign (e.g. cash flow).
    chunk_size : int, optional
        Series fitted together (memory bound); the result does not depend on it.
    on_progress : callable, optional
        Called as work is done with a number of series; the calls add up to all series.

    Returns
    -------
    DataFrame
        `<id_col>, <time_col>, forecast, lo_<L>, hi_<L>` for each level, `model` (words),
        `model_id` (the candidates averaged): `h` rows per series, dates continuing the
        table's calendar.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"unique_id": "tea", "y": [3, 5, 4, 6, 5, 4, 7, 5, 6, 4] * 3,
    ...                       "ds": pd.date_range("2024-01-01", periods=30)})
    >>> out = forecast(sales, 7, level=[95])
    >>> list(out.columns)
    ['unique_id', 'ds', 'forecast', 'lo_95', 'hi_95', 'model', 'model_id']
    >>> len(out), bool((out["lo_95"] <= out["forecast"]).all())
    (7, True)
    """
    model = Forecaster(freq=freq, season_length=season_length, id_col=id_col,
                       time_col=time_col, target_col=target_col, signed=signed,
                       chunk_size=chunk_size)
    return model.fit(df, h=h, on_progress=on_progress).predict(h, level=level)


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
        frame[f"lo_{_fmt(lv)}"] = out[f"lo_{_fmt(lv)}"][0]
        frame[f"hi_{_fmt(lv)}"] = out[f"hi_{_fmt(lv)}"][0]
    frame["model"] = out["model"][0]
    return frame


def _drop_leading_zeros(y: np.ndarray) -> np.ndarray:
    sold = np.flatnonzero(y != 0)
    return y[sold[0]:] if sold.size else y
