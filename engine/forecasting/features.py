"""How a series sells, in a few classes: the groups whose validation errors are pooled.

Similar series share a model choice and an interval width: pooling over a group steadies
both, and grouping (rather than pooling the whole panel) keeps a trending or seasonal
series from being forced to a flat panel default.
"""

from __future__ import annotations

import numpy as np

from engine.forecasting import kernels

#: Syntetos-Boylan cut-offs: average demand interval and squared coefficient of variation.
ADI_CUT, CV2_CUT = 1.32, 0.49
TREND_CUT = 0.5
#: A run of periods without a sale is a dormant spell (out of stock, delisted) when a run
#: that long had under this chance at the series' own rate of selling periods.
DORMANT_CHANCE = 0.01


def series_groups(Y: np.ndarray, m: int) -> np.ndarray:
    """Group number per series: intermittency class (4) x trend (2) x season (2).

    Classes: smooth, erratic (sizes vary), intermittent (many empty periods), lumpy (both).
    Season: the autocorrelation test at lag `m` (90%, as Theta uses). Trend: a straight
    line explains at least half the variance of the last three seasons (36 periods at
    least), seasonally adjusted. Depends on each series alone.
    """
    adi = kernels.mean_interval(Y)
    with kernels._quiet():
        sizes = np.where(Y > 0, Y, np.nan)
        cv2 = np.nan_to_num(np.nanvar(sizes, axis=1) / np.nanmean(sizes, axis=1) ** 2)
    klass = (adi > ADI_CUT) * 2 + (cv2 > CV2_CUT)
    _, seasonal = kernels.seasonal_strength(Y, m)
    trend = trend_strength(Y, m) >= TREND_CUT
    return klass * 4 + seasonal * 2 + trend


def trend_strength(Y: np.ndarray, m: int) -> np.ndarray:
    """Share of the variance of the recent (seasonally adjusted) history a line explains."""
    span = max(36, 3 * m)
    recent = Y[:, -span:]
    if m > 1 and recent.shape[1] > m:
        recent = kernels.deseasonalise(recent, kernels.seasonal_index(recent, m))
    slope = kernels._ols_slope(recent)
    t = np.arange(recent.shape[1], dtype=float)[None, :]
    seen = ~np.isnan(recent)
    with kernels._quiet():
        t_mean = np.where(seen, t, 0).sum(axis=1, keepdims=True) / seen.sum(axis=1, keepdims=True)
        total = np.nanvar(recent, axis=1)
        fitted_var = slope ** 2 * np.nanmean(np.where(seen, (t - t_mean) ** 2, np.nan), axis=1)
        share = fitted_var / total
    return np.where(np.isfinite(share) & (seen.sum(axis=1) >= 8), share, 0.0)


def is_seasonal(group: int) -> bool:
    """Whether the series of a group (as `series_groups` numbers them) passed the season test."""
    return bool(int(group) & 2)


def restarted_after_dormancy(Y: np.ndarray, span: int, m: int) -> np.ndarray:
    """Whether each series sold again, within its last `span` periods, after a dormant spell.

    A dormant spell is a run of periods without a sale at least half a season long (two
    periods at least) that had under `DORMANT_CHANCE` chance at the series' own share of
    selling periods p: run >= log(chance) / log(1 - p). A series still in its spell at the
    end is not counted (it has not restarted). Depends on each series alone.
    """
    S, T = Y.shape
    seen = (~np.isnan(Y)).sum(axis=1)
    p = np.clip((Y > 0).sum(axis=1) / np.maximum(seen, 1), 1e-9, 1 - 1e-9)
    longest = np.maximum(np.log(DORMANT_CHANCE) / np.log1p(-p), max(2.0, m / 2))
    run = np.zeros(S)
    restarted = np.zeros(S, dtype=bool)
    for t in range(T):
        sold = Y[:, t] > 0
        if t >= T - span:
            restarted |= sold & (run >= longest)
        run = np.where(Y[:, t] == 0, run + 1, np.where(sold, 0.0, run))
    return restarted & (run < longest)
