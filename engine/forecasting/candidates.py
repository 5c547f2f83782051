"""The candidate models the automatic forecaster chooses between, computed for a whole panel.

Every candidate is computed for every series, so that any chunk of series has the same set:
a candidate that cannot forecast a series (too short for a season, not positive for a
proportional season) gives that series a row of NaN, and the chooser passes it over.
"""

from __future__ import annotations

import numpy as np

from engine.forecasting import kernels

#: Models whose flat forecasts are averaged into "Combination", the steady average that
#: histories too short to validate get. Not TSB: its decay after a quiet spell dragged the
#: average down (car parts with 15 months or less: MASE 1.01 with it, 0.89 without).
COMBINED = ("SES", "ADIDA", "IMAPA")
#: Every candidate, in order of preference when validation errors tie.
CANDIDATES = (
    "Combination", "SES", "CrostonSBA", "TSB", "ADIDA", "IMAPA", "HistoricAverage",
    "DampedHolt", "Theta", "SeasonalCombination", "SeasonalSES",
    "HoltWintersAdditive", "HoltWintersMultiplicative", "SeasonalTheta", "SharpSeasonalSES",
)
SEASONAL = frozenset({"SeasonalCombination", "SeasonalSES", "HoltWintersAdditive",
                      "HoltWintersMultiplicative", "SeasonalTheta", "SharpSeasonalSES"})
MAX_AGGREGATION = 12
#: Demand units of prior shrinking the "sharp" seasonal index toward 1 (the other seasonal
#: candidates use the kernel's default, 5): slow sellers with a real season (car parts)
#: lose most of it under 5 units, noisy ones gain nothing from it; validation decides.
#: Its weeks also keep their own index where the others average it with the neighbouring
#: weeks' (`kernels.seasonal_index`), so that a one-week peak can still be chosen.
SHARP_PRIOR_UNITS = 0.5
#: Its level's smoothing weights: neither nearly frozen (0.02, 0.05) nor chasing the last
#: period (0.8), so that it differs from SeasonalSES in memory as well as in season.
SHARP_ALPHAS = np.array([0.1, 0.15, 0.2, 0.3, 0.5])


def label(name: str, season_length: int) -> str:
    """The plain-words name users read for a candidate or an average of candidates."""
    pattern = {7: "weekly pattern", 5: "weekly pattern", 24: "daily pattern"}.get(
        season_length, "yearly pattern")
    words = {
        "Combination": "steady average", "SES": "recent level", "CrostonSBA": "occasional sales",
        "TSB": "occasional sales", "ADIDA": "occasional sales", "IMAPA": "occasional sales",
        "HistoricAverage": "long-run average", "Naive": "last value", "DampedHolt": "trend",
        "Theta": "trend", "SeasonalCombination": pattern, "SeasonalSES": pattern,
        "SharpSeasonalSES": pattern, "HoltWintersAdditive": "trend and season",
        "HoltWintersMultiplicative": "trend and season", "SeasonalTheta": "trend and season",
    }
    parts = name.split("+")
    found = {words.get(part, "combination") for part in parts}
    if len(found) == 1:
        return found.pop()
    if any(part in SEASONAL for part in parts):  # an average with a season keeps the season
        return "trend and season" if found & {"trend", "trend and season"} else pattern
    return "trend" if "trend" in found else "steady average"


def candidate_forecasts(Y: np.ndarray, h: int, m: int) -> dict[str, np.ndarray]:
    """Forecast paths (n_series, h) of every candidate, NaN rows where one does not apply.

    Seasonal candidates need a season of history plus one period (`m + 1` values) and a
    season length above 1; the proportional (multiplicative) ones need positive values.
    """
    S, _ = Y.shape
    flat = _flat_levels(Y)
    with kernels._quiet():
        flat["Combination"] = np.nanmean(np.stack([flat[name] for name in COMBINED]), axis=0)
    paths = {name: np.repeat(level[:, None], h, axis=1) for name, level in flat.items()}
    paths["DampedHolt"] = kernels.damped_holt(Y, h)
    paths["Theta"] = kernels.theta(Y, h)
    nan = np.full((S, h), np.nan)
    for name in SEASONAL:
        paths[name] = nan
    n = (~np.isnan(Y)).sum(axis=1)
    if m > 1 and Y.shape[1] > m:
        seasonal_ok = (n > m)[:, None]
        positive = (np.nanmin(np.where(np.isnan(Y), np.inf, Y), axis=1) > 0)[:, None]
        index = kernels.seasonal_index(Y, m)
        season = kernels.future_season(index, h)
        sa = kernels.deseasonalise(Y, index)
        nonneg = (np.nanmin(np.where(np.isnan(Y), np.inf, Y), axis=1) >= 0)[:, None]
        sharp = kernels.seasonal_index(Y, m, prior_units=SHARP_PRIOR_UNITS, neighbours=False)
        sharp_level = kernels.ses(kernels.deseasonalise(Y, sharp), SHARP_ALPHAS)[0]
        found = {
            "SeasonalSES": kernels.ses(sa)[0][:, None] * season,
            "SharpSeasonalSES": sharp_level[:, None] * kernels.future_season(sharp, h),
            "SeasonalCombination": flat["Combination"][:, None] * season,
            "HoltWintersAdditive": kernels.holt_winters(Y, h, index, multiplicative=False),
            "HoltWintersMultiplicative": kernels.holt_winters(Y, h, index, multiplicative=True),
            "SeasonalTheta": kernels.theta(Y, h, index),
        }
        for name, path in found.items():
            ok = seasonal_ok & (positive if name == "HoltWintersMultiplicative" else True)
            if name in ("SeasonalSES", "SharpSeasonalSES", "SeasonalCombination",
                        "SeasonalTheta"):
                ok = ok & nonneg  # a ratio season is meaningless across a sign change
            paths[name] = np.where(ok & np.isfinite(path).all(axis=1, keepdims=True), path,
                                   np.nan)
    return {name: paths[name] for name in CANDIDATES}


def _flat_levels(Y: np.ndarray) -> dict[str, np.ndarray]:
    interval = kernels.mean_interval(Y)
    max_k = int(min(MAX_AGGREGATION, max(1, Y.shape[1] // 2)))
    aggregated = kernels.aggregated_ses(Y, max_k)
    own_k = np.clip(np.rint(interval).astype(int), 1, max_k)
    rows = np.arange(Y.shape[0])
    up_to_own = np.arange(1, max_k + 1)[None, :] <= own_k[:, None]
    with kernels._quiet():
        imapa = np.nanmean(np.where(up_to_own, aggregated, np.nan), axis=1)
    adida = aggregated[rows, own_k - 1]
    ses = kernels.ses(Y)[0]
    return {
        "SES": ses,
        "CrostonSBA": kernels.croston_sba(Y),
        "TSB": kernels.tsb(Y),
        "ADIDA": np.where(np.isnan(adida), ses, adida),
        "IMAPA": np.where(np.isnan(imapa), ses, imapa),
        "HistoricAverage": kernels.historic_average(Y),
        "Naive": kernels.naive(Y),
    }
