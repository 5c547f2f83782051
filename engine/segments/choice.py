"""The holdout that picks the repeat-purchase model's fit: how much its prior weighs.

MBG/NBD gives every customer's P(alive) and expected purchases. Its weak prior keeps tiny
histories sane; on a shop where past buying says little about the future (every customer
buys about as often) the data alone fits flatter shares, and the prior's pull towards
heterogeneity costs accuracy. The last stretch of the history is held out; each candidate
fit, made on the rest, shares the customers' actual total in it, and the one with the
smallest Poisson deviance wins. The deviance, not the mean absolute error:
`expected_purchases` must stay an expectation (sums over a segment, value per customer),
and absolute error rewards shares piled on fewer customers even where a model's shares are
the exact expectations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.segments.repeat import ModifiedBetaGeoModel
from engine.segments.rfm import customer_summary

MIN_HOLDOUT_CUSTOMERS = 30
PRIOR_WEIGHTS = (1.0, 0.0)  # the default first: it wins ties


def choose_model(clean: pd.DataFrame, as_of: pd.Timestamp,
                 horizon_days: float) -> ModifiedBetaGeoModel:
    """The unfitted model whose shares fit best a holdout at the end of the history.

    The last stretch of history (the horizon, at most a third of the history) is held out.
    The default model when the history is too short to tell (under 21 days, under 30
    customers before the holdout, or no purchase in it).
    """
    default = ModifiedBetaGeoModel(prior_weight=PRIOR_WEIGHTS[0])
    span = (as_of - clean["day"].min()).days
    held = int(min(horizon_days, span / 3))
    if held < 7:
        return default
    cut = as_of - pd.Timedelta(days=held)
    summary = customer_summary(clean[clean["day"] <= cut], cut)
    if len(summary) < MIN_HOLDOUT_CUSTOMERS:
        return default
    after = clean[(clean["day"] > cut) & clean["customer_id"].isin(summary.index)]
    actual = after.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    actual = actual.reindex(summary.index, fill_value=0).to_numpy(float)
    if actual.sum() == 0:
        return default
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    best, best_error = default, np.inf
    for weight in PRIOR_WEIGHTS:
        model = ModifiedBetaGeoModel(prior_weight=weight)
        expected = model.fit(x, t_x, big_t).expected_purchases(held, x, t_x, big_t)
        if not expected.sum() > 0:
            continue
        error = poisson_deviance(expected * actual.sum() / expected.sum(), actual)
        if error < best_error - 1e-12:
            best, best_error = ModifiedBetaGeoModel(prior_weight=weight), error
    return best


def poisson_deviance(expected: np.ndarray, actual: np.ndarray) -> float:
    """Mean Poisson deviance of expected counts against actual ones (inf if one is 0 wrongly).

    A proper score for expectations: it is smallest, on average, for the true means.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(actual > 0, actual * np.log(actual / expected), 0.0)
    value = float(np.mean(2.0 * (log_term - (actual - expected))))
    return value if np.isfinite(value) else np.inf
