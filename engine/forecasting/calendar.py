"""Calendars of sales series: frequency, season length and the regular grid of periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import MonthBegin, QuarterBegin, Tick, YearBegin

from engine.errors import InputError
from engine.forecasting import kernels

#: Season length implied by a frequency's base (pandas offset names).
_SEASONS = {"D": 7, "B": 5, "W": 52, "M": 12, "ME": 12, "MS": 12, "Q": 4, "QE": 4, "QS": 4,
            "h": 24, "H": 24}
_CANDIDATE_LAGS = (7, 12, 52, 4, 24, 5)


def infer_frequency(dates: pd.Series) -> str:
    """A pandas offset alias for dated sales, from the shortest gap between dates.

    Sales logs skip periods without sales, so gaps of several periods are normal: the
    shortest gap, not the most common one, is the period.
    """
    days = pd.DatetimeIndex(dates.drop_duplicates().sort_values()).as_unit("ns")
    if len(days) < 2:
        raise InputError("cannot infer the frequency from a single date; "
                         "pass it (e.g. D, W-SUN, MS)", column="ds")
    step = np.diff(days.asi8).min() / 3.6e12  # hours
    if step < 24:
        return "h"
    if step <= 24:
        return "D"
    if step <= 7 * 24:
        return "W-" + days[-1].day_name()[:3].upper()
    if step <= 31 * 24:
        return "MS" if (days.day == 1).mean() > 0.5 else "ME"
    if step <= 92 * 24:
        return "QS" if (days.day == 1).mean() > 0.5 else "QE"
    return "YS" if (days.day == 1).mean() > 0.5 else "YE"


def season_length_for(freq: str) -> int:
    """The usual season of a frequency: 7 for daily, 52 for weekly, 12 for monthly, ..."""
    base = to_offset(freq).rule_code.split("-")[0]
    return _SEASONS.get(base, 1)


def detect_season_length(y: np.ndarray, candidates: tuple[int, ...] = _CANDIDATE_LAGS) -> int:
    """The lag among `candidates` with the most significant season, else 1.

    Used where no dates are known (an Excel column of numbers). A lag is a season when the
    series has two full seasons and passes `kernels.seasonal_strength` (a 90% test on the
    correlation one season apart, above the half-season one): it finds 52 in two years of
    weekly sales with a yearly peak and 12 in three years of monthly sales. Several lags
    are tried, so each is held to 95% here (one-sided).
    """
    y = np.asarray(y, dtype=float)
    y = y[~np.isnan(y)][None, :]
    best, best_z = 1, 0.0
    for lag in candidates:
        if y.shape[1] < 2 * lag:
            continue
        r, passes = kernels.seasonal_strength(y, lag, z=1.645)
        z = float(r[0]) * np.sqrt(y.shape[1] - lag)
        if passes[0] and z > best_z:
            best, best_z = lag, z
    return best


def is_finer(native: str, freq: str) -> bool:
    """Whether periods of `native` are shorter than those of `freq` (days within months)."""
    span = ("2000-01-01", "2003-12-31 23:00")
    return len(pd.date_range(*span, freq=native)) > len(pd.date_range(*span, freq=freq))


def snap_to_periods(dates: pd.Series, freq: str) -> pd.Series:
    """Label each date with its period on the `freq` grid (week-ending day, month start, ...)."""
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        return dates.dt.floor(freq)
    unique = pd.Series(pd.unique(dates.dt.normalize()))
    if isinstance(offset, MonthBegin | QuarterBegin | YearBegin):
        snapped = unique.map(offset.rollback)
    else:
        snapped = unique.map(offset.rollforward)
    return dates.dt.normalize().map(dict(zip(unique, snapped, strict=True)))


def period_grid(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every period label from `start` to `end` inclusive."""
    return pd.date_range(start, end, freq=freq)


def future_periods(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The `horizon` period labels that follow `last`."""
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
