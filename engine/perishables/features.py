"""Leak-free features for a day's demand: the calendar, recent sales up to the plan date, and
external factors (weather, promotions, holidays).

A row describes one *target* day and one *origin*: the last day whose sales are known when
the decision is made. Every sales statistic reads days up to the origin only, never the
target day (the published newsvendor benchmark's rolling windows included it: a leak).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: Windows (days) of the recent-sales statistics.
WINDOWS = (7, 14, 28)
#: How many past same weekdays the weekday statistics read.
SAME_WEEKDAYS = (4, 8)
#: Prefix of every column computed from past sales (scaled by `lag_level` in pooled models).
LAG_PREFIX = "lag_"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def calendar_features(dates: pd.DatetimeIndex, *, country: str | None = None) -> pd.DataFrame:
    """Weekday (one column per day), month, day of year and, with `country`, public holidays.

    Parameters
    ----------
    dates : DatetimeIndex
        The target days.
    country : str, optional
        ISO country code for the `holidays` package (e.g. ``"DE"``); no holiday columns
        when absent.

    Returns
    -------
    DataFrame
        One row per date: `dow_0` (Monday) ... `dow_6`, `month`, `day_of_year`, and with a
        country `holiday`, `holiday_tomorrow`, `holiday_yesterday` (0/1).

    Examples
    --------
    >>> days = pd.date_range("2024-12-24", periods=3)
    >>> calendar_features(days, country="DE")[["dow_1", "holiday"]].to_numpy().tolist()
    [[1, 0], [0, 1], [0, 1]]
    """
    dates = pd.DatetimeIndex(dates).normalize()
    dow = dates.day_of_week.to_numpy()
    out = {f"dow_{d}": (dow == d).astype(int) for d in range(7)}
    out["month"] = dates.month.to_numpy()
    out["day_of_year"] = dates.day_of_year.to_numpy()
    if country:
        days = holiday_names(dates.union(dates + pd.Timedelta(days=1))
                             .union(dates - pd.Timedelta(days=1)), country)
        out["holiday"] = dates.isin(days.index).astype(int)
        out["holiday_tomorrow"] = (dates + pd.Timedelta(days=1)).isin(days.index).astype(int)
        out["holiday_yesterday"] = (dates - pd.Timedelta(days=1)).isin(days.index).astype(int)
    return pd.DataFrame(out, index=dates)


def holiday_names(dates: pd.DatetimeIndex, country: str) -> pd.Series:
    """Public holidays of `country` among `dates`: the holiday's name by date."""
    import holidays

    if dates.empty:
        return pd.Series(dtype=object)
    years = range(int(dates.year.min()), int(dates.year.max()) + 1)
    try:
        table = holidays.country_holidays(country.upper(), years=years)
    except NotImplementedError as err:
        from engine.errors import InputError

        raise InputError(f"no public holidays known for country {country!r}") from err
    names = pd.Series({pd.Timestamp(d): n for d, n in table.items()}, dtype=object)
    return names[names.index.isin(dates)].sort_index()


def lag_features(y: np.ndarray, targets: np.ndarray, origins: np.ndarray) -> pd.DataFrame:
    """Statistics of past sales known at each origin, for each target day.

    Parameters
    ----------
    y : ndarray of shape (n_days,)
        Daily sales, oldest first; NaN where unknown (before the first sale).
    targets, origins : ndarray of int
        Positions in `y` of the target days and of their plan dates; ``origins < targets``.
        `y` is read at positions up to each origin only.

    Returns
    -------
    DataFrame
        `lag_mean_<w>` for each window, `lag_std_28`, `lag_max_7`, `lag_min_7`,
        `lag_median_28`, `lag_last` (sales on the plan date), `lag_weekday_<n>` (mean of
        the last n same weekdays as the target known at the origin), `lag_weekday_last`,
        `lag_level` (the 28-day mean, at least 0.5: the scale pooled models divide by)
        and `horizon` (days from origin to target).

    Examples
    --------
    >>> y = np.arange(1.0, 31.0)
    >>> f = lag_features(y, np.array([29]), np.array([28]))
    >>> f[["lag_last", "lag_mean_7", "lag_weekday_4"]].to_numpy().tolist()
    [[29.0, 26.0, 12.5]]
    """
    y = np.asarray(y, dtype=float)
    targets, origins = np.asarray(targets, dtype=int), np.asarray(origins, dtype=int)
    if np.any(origins >= targets):
        raise ValueError("every origin must come before its target day")
    pad = max(WINDOWS)
    padded = np.concatenate([np.full(pad, np.nan), y])
    windows = np.lib.stride_tricks.sliding_window_view(padded, pad)  # window k ends at y[k]
    win = windows[np.clip(origins, 0, len(y) - 1) + 1]  # ends at y[origin]
    win = np.where(origins[:, None] >= 0, win, np.nan)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for w in WINDOWS:
            out[f"{LAG_PREFIX}mean_{w}"] = np.nanmean(win[:, -w:], axis=1)
        out[f"{LAG_PREFIX}std_28"] = np.nanstd(win, axis=1)
        out[f"{LAG_PREFIX}max_7"] = np.nanmax(win[:, -7:], axis=1)
        out[f"{LAG_PREFIX}min_7"] = np.nanmin(win[:, -7:], axis=1)
        out[f"{LAG_PREFIX}median_28"] = np.nanmedian(win, axis=1)
        out[f"{LAG_PREFIX}last"] = win[:, -1]
        # same weekday as the target, at or before the origin: t - 7j for j >= ceil((t-o)/7)
        first = -(-(targets - origins) // 7)
        steps = first[:, None] + np.arange(max(SAME_WEEKDAYS))[None, :]
        pos = targets[:, None] - 7 * steps
        same = np.where(pos >= 0, y[np.clip(pos, 0, len(y) - 1)], np.nan)
        for n in SAME_WEEKDAYS:
            out[f"{LAG_PREFIX}weekday_{n}"] = np.nanmean(same[:, :n], axis=1)
        out[f"{LAG_PREFIX}weekday_last"] = same[:, 0]
    table = pd.DataFrame(out)
    level = table[f"{LAG_PREFIX}mean_28"].fillna(0.0).clip(lower=0.5)
    for col in table.columns:  # too little history: fall back to the recent level
        table[col] = table[col].fillna(level)
    table[f"{LAG_PREFIX}level"] = level.to_numpy()
    table["horizon"] = targets - origins
    return table


def design(y: np.ndarray, dates: pd.DatetimeIndex, targets: np.ndarray, origins: np.ndarray,
           *, external: pd.DataFrame | None = None, country: str | None = None) -> pd.DataFrame:
    """The full feature table of one item: calendar, leak-free lags and external factors.

    Parameters
    ----------
    y : ndarray of shape (n_days,)
        Daily sales of the item, oldest first (NaN before the first sale).
    dates : DatetimeIndex
        The date of every position that `targets` may point to (history then days ahead).
    targets, origins : ndarray of int
        Target days and their plan dates (positions in `dates`).
    external : DataFrame, optional
        Numeric external factors indexed by date, covering every target day; a factor
        known only for some days is filled with its median.
    country : str, optional
        Country code for public holidays.

    Returns
    -------
    DataFrame
        One row per target, indexed by the target date.
    """
    days = pd.DatetimeIndex(dates)[np.asarray(targets, dtype=int)]
    parts = [calendar_features(days, country=country).reset_index(drop=True),
             lag_features(y, targets, origins)]
    if external is not None and external.shape[1]:
        ext = external.reindex(days)
        parts.append(ext.fillna(external.median()).fillna(0.0).reset_index(drop=True))
    table = pd.concat(parts, axis=1)
    table.index = days
    return table
