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
