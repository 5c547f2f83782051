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
HOLT_ALPHAS = np.array([0.05, 0.1, 0.2, 0.4])
HOLT_BETAS = np.array([0.02, 0.1])
HOLT_PHI = 0.9


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
        out[:, k - 1] = ses(buckets)[0] / k
    return out


def mean_interval(Y: np.ndarray) -> np.ndarray:
    """Average number of periods between demands (ADI), at least 1."""
    observed = (~np.isnan(Y)).sum(axis=1)
    demands = (Y > 0).sum(axis=1)
    return np.maximum(observed / np.maximum(demands, 1), 1.0)


def seasonal_index(Y: np.ndarray, m: int, seasons: int = 8, prior_units: float = 5.0) -> np.ndarray:
    """Multiplicative seasonal index per phase, from the last `seasons` seasons.

    Phase p is the position of a period within its season, counted so that the last
    column of the panel has phase m-1. Indices are shrunk toward 1 by `prior_units` of
    demand, so that slow sellers do not get a season from noise.
    """
    S, T = Y.shape
    span = min(T, seasons * m) // m * m
    recent = Y[:, T - span:].reshape(S, span // m, m)
    total = np.nansum(recent, axis=1)
    count = (~np.isnan(recent)).sum(axis=1)
    mean = np.nansum(total, axis=1, keepdims=True) / np.maximum(count.sum(axis=1, keepdims=True), 1)
    index = (total + prior_units) / (count * mean + prior_units)
    with _quiet():
        index = index / np.nanmean(np.where(count > 0, index, np.nan), axis=1, keepdims=True)
    return np.where(np.isfinite(index) & (count > 0), index, 1.0)


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
