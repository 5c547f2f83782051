"""Forecast tables of sales: the one entry point that the command line, Excel and the app call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar
from engine.forecasting.auto import DEFAULT_LEVELS, AutoForecaster, _fmt


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
    table = _clean(sales)
    freq = freq or calendar.infer_frequency(table["ds"])
    table["ds"] = calendar.snap_to_periods(table["ds"], freq)
    table = table.groupby(["unique_id", "ds"], sort=True, observed=True)["y"].sum().reset_index()
    m = season_length if season_length else calendar.season_length_for(freq)
    ids, last, panel = _panel(table, freq)
    fitted = AutoForecaster(horizon, season_length=_whole(m, "season_length"))
    out = fitted.fit(panel, on_progress=on_progress).predict(horizon, level=levels)
    return _to_frame(ids, last, out, horizon, freq, levels)


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


def _clean(sales: pd.DataFrame) -> pd.DataFrame:
    """Check the contract columns, naming the first bad row; keep only those three."""
    for col in ("unique_id", "ds", "y"):
        if col not in sales.columns:
            raise InputError("required column is missing", column=col)
    table = sales[["unique_id", "ds", "y"]].copy()
    if table.empty:
        raise InputError("no sales rows to forecast")
    table["unique_id"] = table["unique_id"].astype(str)
    if not pd.api.types.is_datetime64_any_dtype(table["ds"]):
        parsed = pd.to_datetime(table["ds"], errors="coerce", format="mixed")
        _first_bad(parsed.isna(), table["ds"], "ds", "is not a date")
        table["ds"] = parsed
    _first_bad(table["ds"].isna(), table["ds"], "ds", "is empty")
    y = pd.to_numeric(table["y"], errors="coerce")
    _first_bad(~np.isfinite(y.astype(float)), table["y"], "y", "is not a number")
    table["y"] = y.astype(float)
    return table


def _first_bad(bad: pd.Series, cells: pd.Series, column: str, message: str) -> None:
    if bad.any():
        row = bad.index[bad.to_numpy()][0]
        raise InputError(f"{cells[row]!r} {message}", row=row, column=column)


def _panel(table: pd.DataFrame, freq: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-aligned panel (zeros inside each series, NaN before its first sale)."""
    grid = calendar.period_grid(table["ds"].min(), table["ds"].max(), freq)
    pos = grid.get_indexer(table["ds"])
    if (pos < 0).any():
        raise InputError(f"dates do not fall on a regular {freq} calendar", column="ds")
    codes, ids = pd.factorize(table["unique_id"], sort=True)
    # The file is one export: a series without sales in its last periods sold zero there.
    last = np.full(len(ids), len(grid) - 1)
    first_sale = np.full(len(ids), np.iinfo(np.int64).max)
    sold = table["y"].to_numpy() != 0
    np.minimum.at(first_sale, codes[sold], pos[sold])
    first_sale = np.where(first_sale == np.iinfo(np.int64).max, last, first_sale)
    width = int((last - first_sale).max()) + 1
    col = width - 1 - (last[codes] - pos)
    cols = np.arange(width)[None, :]
    panel = np.where(cols >= (width - 1 - (last - first_sale))[:, None], 0.0, np.nan)
    keep = pos >= first_sale[codes]  # zeros before a series' first sale: not yet listed
    panel[codes[keep], col[keep]] = table["y"].to_numpy()[keep]
    return np.asarray(ids, dtype=str), grid[last], panel


def _to_frame(ids, last, out, horizon, freq, levels) -> pd.DataFrame:
    n = len(ids)
    ds = np.empty(n * horizon, dtype="datetime64[ns]")
    for end in pd.unique(last):
        rows = np.repeat(last == end, horizon)
        dates = calendar.future_periods(end, horizon, freq).to_numpy()
        ds[rows] = np.tile(dates, int(rows.sum()) // horizon)
    frame = pd.DataFrame({"unique_id": np.repeat(ids, horizon), "ds": ds})
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
