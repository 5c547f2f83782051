"""The candidate models the automatic forecaster chooses between, computed for a whole panel."""

from __future__ import annotations

import numpy as np

from engine.forecasting import kernels

#: Models whose flat forecasts are averaged into "Combination".
COMBINED = ("SES", "CrostonSBA", "TSB", "ADIDA", "IMAPA", "HistoricAverage")
#: Every candidate, in order of preference when validation errors tie.
CANDIDATES = (
    "Combination", "SES", "CrostonSBA", "TSB", "ADIDA", "IMAPA", "HistoricAverage", "Naive",
    "DampedHolt", "SeasonalCombination", "SeasonalSES", "SeasonalNaive",
)
MAX_AGGREGATION = 12


def candidate_forecasts(Y: np.ndarray, h: int, m: int) -> dict[str, np.ndarray]:
    """Forecast paths (n_series, h) of every candidate that the panel's length allows.

    Seasonal candidates need two full seasons (`m` periods each) of history.
    """
    flat = _flat_levels(Y)
    with kernels._quiet():
        flat["Combination"] = np.nanmean(np.stack([flat[name] for name in COMBINED]), axis=0)
    paths = {name: np.repeat(level[:, None], h, axis=1) for name, level in flat.items()}
    paths["DampedHolt"] = kernels.damped_holt(Y, h)
    if m > 1 and Y.shape[1] >= 2 * m:
        index = kernels.seasonal_index(Y, m)
        season = kernels.future_season(index, h)
        paths["SeasonalSES"] = kernels.ses(kernels.deseasonalise(Y, index))[0][:, None] * season
        paths["SeasonalCombination"] = flat["Combination"][:, None] * season
        last_season = kernels.seasonal_naive(Y, h, m)  # NaN where a series is under a season
        paths["SeasonalNaive"] = np.where(np.isnan(last_season), paths["Naive"], last_season)
    return {name: paths[name] for name in CANDIDATES if name in paths}


def _flat_levels(Y: np.ndarray) -> dict[str, np.ndarray]:
    interval = kernels.mean_interval(Y)
    max_k = int(min(MAX_AGGREGATION, max(1, Y.shape[1] // 2), np.ceil(interval.max())))
    aggregated = kernels.aggregated_ses(Y, max_k)
    own_k = np.clip(np.rint(interval).astype(int), 1, max_k)
    rows = np.arange(Y.shape[0])
    up_to_own = np.arange(1, max_k + 1)[None, :] <= own_k[:, None]
    with kernels._quiet():
        imapa = np.nanmean(np.where(up_to_own, aggregated, np.nan), axis=1)
    return {
        "SES": kernels.ses(Y)[0],
        "CrostonSBA": kernels.croston_sba(Y),
        "TSB": kernels.tsb(Y),
        "ADIDA": aggregated[rows, own_k - 1],
        "IMAPA": imapa,
        "HistoricAverage": kernels.historic_average(Y),
        "Naive": kernels.naive(Y),
    }
