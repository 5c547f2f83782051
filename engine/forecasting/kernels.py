"""Vectorised forecasting kernels on a panel of series.

A panel is a float array of shape (n_series, n_periods), right-aligned: every series
ends in the last column and is NaN before its first period. Each kernel walks the
periods once, updating all series together, and returns the flat forecast level per
series (or a (n_series, h) path). Missing values keep the state unchanged.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np

SES_ALPHAS = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8])
AGGREGATE_ALPHAS = np.array([0.1, 0.15, 0.2, 0.25, 0.3])  # ADIDA's bounds, as statsforecast
HOLT_ALPHAS = np.array([0.05, 0.1, 0.2, 0.4])
HOLT_BETAS = np.array([0.02, 0.1])
HOLT_PHI = 0.9
HW_ALPHAS = np.array([0.05, 0.15, 0.3, 0.5])
HW_BETAS = np.array([0.02, 0.15])
HW_GAMMAS = np.array([0.02, 0.15])
HW_PHIS = np.array([0.95])
#: A panel (a sales file) shorter than this many seasons gets its seasonal index's trend
#: line fitted within phases (see `seasonal_index`); a longer one, one straight line (on
#: M4 weekly's long files the plain line forecast better).
FEW_SEASONS = 4
#: Seasons at least this long (52 weeks a year) count as many short periods: a week's
#: seasonal index in a series with under `SMOOTHED_SEASONS` seasons of history is the mean
#: of its own and its two neighbours' (a holiday moves by a week between years, and one or
#: two values per phase are mostly noise).
SMOOTHED_SEASON_LENGTH = 52
SMOOTHED_SEASONS = 3


def naive(Y: np.ndarray) -> np.ndarray:
    """Last observed value of each series."""
    return Y[:, -1].copy()


def historic_average(Y: np.ndarray) -> np.ndarray:
    """Mean of each series' whole history."""
    with _quiet():
        return np.nanmean(Y, axis=1)


def seasonal_naive(Y: np.ndarray, h: int, m: int) -> np.ndarray:
    """Repeat the last full season: step j takes the value m periods before it."""
    last = Y[:, -m:]
    return last[:, np.arange(h) % m]


def ses(Y: np.ndarray, alphas: np.ndarray = SES_ALPHAS) -> tuple[np.ndarray, np.ndarray]:
    """Simple exponential smoothing with alpha picked per series by one-step squared error.

    Returns the final level and the chosen alpha of each series.
    """
    S, T = Y.shape
    level = np.full((S, alphas.size), np.nan)
    sse = np.zeros((S, alphas.size))
    dense = _all_observed_from(Y)
    for t in range(T):
        y = Y[:, t, None]
        err = y - level
        if t > dense + 1:  # fast path: every series has started and no value is missing
            sse += err * err
            level += alphas * err
            continue
        sse += np.where(np.isnan(err), 0.0, err * err)
        updated = level + alphas * err
        level = np.where(np.isnan(level), y, np.where(np.isnan(y), level, updated))
    best = np.argmin(sse, axis=1)
    rows = np.arange(S)
    return level[rows, best], alphas[best]


def damped_holt(Y: np.ndarray, h: int) -> np.ndarray:
    """Additive damped-trend smoothing (phi 0.9), alpha and beta picked per series.

    Returns the (n_series, h) forecast path.
    """
    S, T = Y.shape
    grid_a, grid_b = np.meshgrid(HOLT_ALPHAS, HOLT_BETAS)
    a, b = grid_a.ravel(), grid_b.ravel()
    level = np.full((S, a.size), np.nan)
    trend = np.zeros((S, a.size))
    sse = np.zeros((S, a.size))
    dense = _all_observed_from(Y)
    for t in range(T):
        y = Y[:, t, None]
        pred = level + HOLT_PHI * trend
        err = y - pred
        if t > dense + 1:
            sse += err * err
            level = pred + a * err
            trend = HOLT_PHI * trend + a * b * err
            continue
        sse += np.where(np.isnan(err), 0.0, err * err)
        new_level = pred + a * err
        new_trend = HOLT_PHI * trend + a * b * err
        fresh, missing = np.isnan(level), np.isnan(y)
        level = np.where(fresh, y, np.where(missing, level, new_level))
        trend = np.where(fresh | missing, trend, new_trend)
    best = np.argmin(sse, axis=1)
    rows = np.arange(S)
    damp = np.cumsum(HOLT_PHI ** np.arange(1, h + 1))
    return level[rows, best, None] + trend[rows, best, None] * damp


def holt_winters(Y: np.ndarray, h: int, index: np.ndarray, *, multiplicative: bool
                 ) -> np.ndarray:
    """Damped-trend Holt-Winters (additive or multiplicative season), parameters per series.

    Alpha, beta, gamma and phi are picked per series from a small grid by one-step squared
    error. The seasonal states start from `index` (as `seasonal_index`; converted to units
    for the additive form), level and trend from the straight line through the seasonally
    adjusted history, so that a series needs only one season to start. Missing values
    leave the state unchanged. Returns the (n_series, h) forecast path.
    """
    S, T = Y.shape
    m = index.shape[1]
    grid = np.array(np.meshgrid(HW_ALPHAS, HW_BETAS, HW_GAMMAS, HW_PHIS)).reshape(4, -1)
    a, b, g, phi = grid
    first = _first_observed(Y)
    rows = np.arange(S)
    adjusted = deseasonalise(Y, index)
    slope = _ols_slope(adjusted)  # the starting trend: the history's straight line
    with _quiet():
        t = np.arange(T, dtype=float)[None, :]
        seen = ~np.isnan(adjusted)
        centre = np.where(seen, t, 0).sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
        start = np.nanmean(adjusted, axis=1) - slope * (centre - first)
    start = np.nan_to_num(start)
    level = np.repeat(start[:, None], a.size, axis=1)
    if multiplicative:
        season = np.repeat(index.T[:, :, None], a.size, axis=2)  # (m, S, grid): phase first
    else:
        with _quiet():
            units = np.abs(np.nan_to_num(np.nanmean(Y, axis=1)))
        season = np.repeat(((index - 1.0) * units[:, None]).T[:, :, None], a.size, axis=2)
    trend = np.repeat(slope[:, None], a.size, axis=1)
    sse = np.zeros((S, a.size))
    with _quiet():
        for t in range(T):
            p = (t - T) % m
            y = Y[:, t, None]
            active = (t > first)[:, None] & ~np.isnan(y)
            damped = level + phi * trend
            s = season[p]
            pred = damped * s if multiplicative else damped + s
            err = np.where(active, y - pred, 0.0)
            sse += err * err
            if multiplicative:
                safe_s = np.maximum(s, 1e-3)
                level = damped + a * err / safe_s
                trend = phi * trend + a * b * err / safe_s
                season[p] = np.clip(s + g * err / np.maximum(np.abs(damped), 1e-9), 1e-3, 1e3)
            else:
                level = damped + a * err
                trend = phi * trend + a * b * err
                season[p] = s + g * (1 - a) * err
    best = np.argmin(np.where(np.isfinite(sse), sse, np.inf), axis=1)
    damp = np.cumsum(phi[best, None] ** np.arange(1, h + 1), axis=1)
    base = level[rows, best, None] + trend[rows, best, None] * damp
    future = season[:, rows, best].T[:, np.arange(h) % m]
    path = base * future if multiplicative else base + future
    return np.where(np.isfinite(path).all(axis=1, keepdims=True), path, np.nan)


def theta(Y: np.ndarray, h: int, index: np.ndarray | None = None) -> np.ndarray:
    """Standard Theta method (theta=2) on seasonally adjusted data (Hyndman-Billah form).

    The SES level plus half the linear-regression slope, extrapolated along the SES drift
    of the Theta line; `index` (as `seasonal_index`, or None for no season) is divided out
    before and multiplied back after. Returns the (n_series, h) forecast path.
    """
    S, T = Y.shape
    X = Y if index is None else deseasonalise(Y, index)
    level, alpha = ses(X)
    slope = _ols_slope(X)
    n = (~np.isnan(X)).sum(axis=1)
    steps = np.arange(h)[None, :]
    with _quiet():
        drift = steps + 1 / alpha[:, None] - ((1 - alpha) ** n / alpha)[:, None]
    path = level[:, None] + 0.5 * slope[:, None] * drift
    if index is not None:
        path = path * future_season(index, h)
    return path


def seasonal_strength(Y: np.ndarray, m: int, z: float = 1.282) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of each series with itself one season earlier, and whether it is a season.

    A season needs two full seasons of values and, once a straight-line trend is taken
    out, a lag-m correlation significant at 90% by default (one-sided, r * sqrt(pairs) >
    z, the Theta test's level) and by as much above the correlation at half a season, so
    that a slow swing, which correlates at every short lag, is not read as a season.
    Returns (r_m, is_season).
    """
    S = Y.shape[0]
    if m < 2 or Y.shape[1] <= m:
        return np.zeros(S), np.zeros(S, dtype=bool)
    n = (~np.isnan(Y)).sum(axis=1)
    t = np.arange(Y.shape[1], dtype=float)[None, :]
    detrended = Y - _ols_slope(Y)[:, None] * t
    r_m, pairs = lag_correlation(detrended, m)
    r_half, _ = lag_correlation(detrended, max(1, m // 2))
    with _quiet():
        limit = z / np.sqrt(np.maximum(pairs, 1))
    passes = (n >= 2 * m) & (r_m > limit) & (r_m - r_half > limit)
    return np.where(n >= 2 * m, r_m, 0.0), passes


def lag_correlation(Y: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of each series with its values `lag` periods earlier, over the
    pairs both observed; returns (r, number of pairs), r = 0 where undefined."""
    lag = min(lag, Y.shape[1] - 1)
    a, b = Y[:, lag:], Y[:, :-lag]
    both = ~np.isnan(a) & ~np.isnan(b)
    pairs = both.sum(axis=1)
    with _quiet():
        a = np.where(both, a, np.nan)
        b = np.where(both, b, np.nan)
        da = a - np.nanmean(a, axis=1, keepdims=True)
        db = b - np.nanmean(b, axis=1, keepdims=True)
        r = np.nansum(da * db, axis=1) / np.sqrt(np.nansum(da * da, axis=1)
                                                 * np.nansum(db * db, axis=1))
    return np.where(np.isfinite(r) & (pairs > 2), r, 0.0), pairs


def _ols_slope(Y: np.ndarray) -> np.ndarray:
    """Least-squares slope per period of each series on time (0 with under two values)."""
    t = np.arange(Y.shape[1], dtype=float)[None, :]
    seen = ~np.isnan(Y)
    n = seen.sum(axis=1, keepdims=True)
    with _quiet():
        t_mean = np.where(seen, t, 0).sum(axis=1, keepdims=True) / n
        y_mean = np.nansum(Y, axis=1, keepdims=True) / n
        dt = np.where(seen, t - t_mean, 0.0)
        slope = (dt * np.nan_to_num(Y - y_mean)).sum(axis=1) / (dt * dt).sum(axis=1)
    return np.where(np.isfinite(slope), slope, 0.0)


def _first_observed(Y: np.ndarray) -> np.ndarray:
    """Column of each series' first value (the last column if it has none)."""
    seen = ~np.isnan(Y)
    return np.where(seen.any(axis=1), seen.argmax(axis=1), Y.shape[1] - 1)


def croston_sba(Y: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Croston's method with the Syntetos-Boylan bias correction (intermittent demand)."""
    size, interval = _croston_states(Y, alpha)
    with _quiet():
        return (1 - alpha / 2) * size / interval


def tsb(Y: np.ndarray, alpha_d: float = 0.1, alpha_p: float = 0.1) -> np.ndarray:
    """Teunter-Syntetos-Babai: smooths demand probability every period, size on demand."""
    S, T = Y.shape
    prob = np.full(S, np.nan)
    size = np.full(S, np.nan)
    for t in range(T):
        y = Y[:, t]
        seen = ~np.isnan(y)
        hit = y > 0
        prob = np.where(seen, np.where(np.isnan(prob), hit.astype(float),
                                       prob + alpha_p * (hit - prob)), prob)
        size = np.where(hit, np.where(np.isnan(size), y, size + alpha_d * (y - size)), size)
    return np.where(np.isnan(prob), np.nan, prob * np.nan_to_num(size))


def aggregated_ses(Y: np.ndarray, max_k: int) -> np.ndarray:
    """SES on non-overlapping sums of k periods (from the end), for k = 1..max_k.

    Returns per-period levels of shape (n_series, max_k): column k-1 is the SES level of
    the k-aggregated series divided by k. ADIDA takes one column, IMAPA averages them.
    """
    S, T = Y.shape
    out = np.full((S, max_k), np.nan)
    for k in range(1, max_k + 1):
        n = T // k
        if n < 2:
            break
        buckets = Y[:, T - n * k:].reshape(S, n, k).sum(axis=2)  # NaN if any period missing
        out[:, k - 1] = ses(buckets, AGGREGATE_ALPHAS)[0] / k
    return out


def mean_interval(Y: np.ndarray) -> np.ndarray:
    """Average number of periods between demands (ADI), at least 1."""
    observed = (~np.isnan(Y)).sum(axis=1)
    demands = (Y > 0).sum(axis=1)
    return np.maximum(observed / np.maximum(demands, 1), 1.0)


def seasonal_index(Y: np.ndarray, m: int, seasons: int = 8, prior_units: float = 5.0,
                   neighbours: bool = True) -> np.ndarray:
    """Multiplicative seasonal index per phase, from the last `seasons` seasons.

    Phase p is the position of a period within its season, counted so that the last
    column of the panel has phase m-1. Each period is compared with the straight line
    through the span (so that a trend is not read as a season); when the panel is shorter
    than `FEW_SEASONS` seasons its slope is fitted within phases (so that a season is not
    read as a trend: one Christmas at the end of a short span tilts a plain line). Indices
    are shrunk toward 1 by `prior_units` of demand, so that slow sellers do not get a season
    from noise, and phase by phase by the share of its deviation that noise could explain:
    the differences between a period and the same period a season earlier measure the
    noise, so a sharp yearly peak keeps its height while small wiggles from few seasons fade
    (series with intermittent sales keep the raw index). A season of at least
    `SMOOTHED_SEASON_LENGTH` periods (weeks of a year) with under `SMOOTHED_SEASONS` seasons
    of history gets each phase's index averaged with its neighbours' unless `neighbours` is
    False (each week keeps its own index).
    """
    S, T = Y.shape
    span = min(T, seasons * m) // m * m
    part = Y[:, T - span:]
    recent = part.reshape(S, span // m, m)
    seen = ~np.isnan(part)
    with _quiet():
        mean = np.nanmean(part, axis=1, keepdims=True)
        # a short file: a peak near the span's end tilts a straight line (one Christmas at
        # the end of a season reads as a steep trend), so fit it within phases
        short = span < FEW_SEASONS * m
        slope = (_within_phase_slope(Y[:, -seasons * m:], m) if short
                 else _ols_slope(part))[:, None]
        t = np.arange(span, dtype=float)[None, :]
        centre = np.where(seen, t, 0).sum(axis=1, keepdims=True) / np.maximum(
            seen.sum(axis=1, keepdims=True), 1)
        line = mean + slope * (t - centre)
        base = np.where(line > 0.2 * np.abs(mean), line, mean)
        base = np.where(seen, base, np.nan).reshape(S, span // m, m)
        total = np.nansum(recent, axis=1)
        expected = np.nansum(base, axis=1)
        count = seen.reshape(S, span // m, m).sum(axis=1)
        index = (total + prior_units) / (expected + prior_units)
        index = index / np.nanmean(np.where(count > 0, index, np.nan), axis=1, keepdims=True)
        lagged = Y[:, m:] - Y[:, :-m]
        noise = np.nanvar(lagged, axis=1, keepdims=True) / 2 / mean ** 2  # a trend is no noise
        phase_noise = noise / np.maximum(count, 1)
        signal = (index - 1.0) ** 2
        weight = np.where(np.isfinite(noise), signal / (signal + phase_noise), 1.0)
        # intermittent sales: the lagged differences measure the on/off pattern of demand,
        # not noise around a season (prior_units already shrinks slow sellers)
        weight = np.where(mean_interval(Y)[:, None] > 1.32, 1.0, weight)
        index = 1.0 + np.nan_to_num(weight) * (index - 1.0)
        index = index / np.nanmean(np.where(count > 0, index, np.nan), axis=1, keepdims=True)
    index = np.where(np.isfinite(index) & (count > 0) & (index > 0), index, 1.0)
    if neighbours and m >= SMOOTHED_SEASON_LENGTH:
        observed = (~np.isnan(Y[:, -seasons * m:])).sum(axis=1)
        index = np.where((observed < SMOOTHED_SEASONS * m)[:, None], _neighbour_mean(index),
                         index)
    return index


def _neighbour_mean(index: np.ndarray) -> np.ndarray:
    """Each phase's index averaged with the phases either side (the season wraps around),
    rescaled to mean 1: weekly data from one or two years, where the week a holiday falls in
    moves between years and each week's own index rests on one or two values (jewelry weekly,
    two years: MASE 0.660/1.039/1.276 -> 0.627/0.990/1.094 at three origins; M4 weekly's
    80-week series gain too)."""
    smooth = (index + np.roll(index, 1, axis=1) + np.roll(index, -1, axis=1)) / 3
    return smooth / smooth.mean(axis=1, keepdims=True)


def _within_phase_slope(Y: np.ndarray, m: int) -> np.ndarray:
    """Least-squares slope per period with a level of its own for each phase of the season
    (seasonal dummies), so that a season's peak is not read as a trend; 0 where no phase
    has two values."""
    S, T = Y.shape
    pad = (-T) % m
    Z = np.concatenate([np.full((S, pad), np.nan), Y], axis=1).reshape(S, -1, m)
    t = np.arange(-pad, T, dtype=float).reshape(1, -1, m)
    seen = ~np.isnan(Z)
    with _quiet():
        n = seen.sum(axis=1, keepdims=True)
        t_mean = np.where(seen, t, 0).sum(axis=1, keepdims=True) / n
        y_mean = np.nansum(Z, axis=1, keepdims=True) / n
        dt = np.where(seen, t - t_mean, 0.0)
        slope = (dt * np.nan_to_num(Z - y_mean)).sum(axis=(1, 2)) / (dt * dt).sum(axis=(1, 2))
    return np.where(np.isfinite(slope), slope, 0.0)


def deseasonalise(Y: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Divide each period by its seasonal index (index phases as `seasonal_index`)."""
    m = index.shape[1]
    T = Y.shape[1]
    phase = (np.arange(T) - T) % m
    return Y / np.maximum(index[:, phase], 1e-9)


def future_season(index: np.ndarray, h: int) -> np.ndarray:
    """The seasonal index of each of the next h periods, shape (n_series, h)."""
    m = index.shape[1]
    return index[:, np.arange(h) % m]


def _croston_states(Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed demand size and inter-demand interval, seeded with their history means.

    Seeding with the means (not the first demand) keeps short histories from reading a
    single early sale as the typical size and one period as the typical interval.
    """
    S, T = Y.shape
    with _quiet():
        size = np.nansum(Y, axis=1) / (Y > 0).sum(axis=1)
    interval = mean_interval(Y)
    since = np.ones(S)
    started = np.zeros(S, dtype=bool)
    with _quiet():  # series without a sale keep a NaN size: callers handle them
        for t in range(T):
            y = Y[:, t]
            hit = y > 0
            counted = started & hit
            size = np.where(counted, size + alpha * (y - size), size)
            interval = np.where(counted, interval + alpha * (since - interval), interval)
            since = np.where(hit, 1.0, np.where(np.isnan(y), since, since + 1.0))
            started |= hit
    return size, interval


def _all_observed_from(Y: np.ndarray) -> int:
    """The last column with a missing value in any series (-1 if none): after it, no NaN."""
    missing = np.flatnonzero(np.isnan(Y).any(axis=0))
    return int(missing[-1]) if missing.size else -1


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's warnings for all-NaN rows: callers handle those rows."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
