"""The holdout that picks the repeat-purchase model: MBG/NBD or Pareto/NBD.

Both let a one-time buyer's P(alive) fall with the time since their purchase (BG/NBD does
not: its one-time buyers are alive for ever). MBG/NBD lets customers leave right after a
purchase, Pareto/NBD at any time. The last stretch of the history is held out; each model,
fitted on the rest, shares the customers' actual total in it (the total is `totals`' job),
and the one with the smallest Poisson deviance wins. The deviance, not the mean absolute
error: `expected_purchases` must stay an expectation (sums over a segment, value per
customer), and absolute error rewards shares piled on fewer customers even where a model's
shares are the exact expectations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.segments.pareto import ParetoNBDModel
from engine.segments.repeat import BetaGeoModel, ModifiedBetaGeoModel
from engine.segments.rfm import customer_summary

MIN_HOLDOUT_CUSTOMERS = 30
MODELS = (ModifiedBetaGeoModel, ParetoNBDModel)  # the first is the default and wins ties


def choose_model(clean: pd.DataFrame, as_of: pd.Timestamp,
                 horizon_days: float) -> type[BetaGeoModel]:
    """The model class whose shares fit best a holdout at the end of the history.

    The last stretch of history (the horizon, at most a third of the history) is held out.
    MBG/NBD when the history is too short to tell (under 21 days, under 30 customers
    before the holdout, or no purchase in it).
    """
    span = (as_of - clean["day"].min()).days
    held = int(min(horizon_days, span / 3))
    if held < 7:
        return MODELS[0]
    cut = as_of - pd.Timedelta(days=held)
    summary = customer_summary(clean[clean["day"] <= cut], cut)
    if len(summary) < MIN_HOLDOUT_CUSTOMERS:
        return MODELS[0]
    after = clean[(clean["day"] > cut) & clean["customer_id"].isin(summary.index)]
    actual = after.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    actual = actual.reindex(summary.index, fill_value=0).to_numpy(float)
    if actual.sum() == 0:
        return MODELS[0]
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    best, best_error = MODELS[0], np.inf
    for kind in MODELS:
        expected = kind().fit(x, t_x, big_t).expected_purchases(held, x, t_x, big_t)
        if not expected.sum() > 0:
            continue
        error = poisson_deviance(expected * actual.sum() / expected.sum(), actual)
        if error < best_error - 1e-12:
            best, best_error = kind, error
    return best


def poisson_deviance(expected: np.ndarray, actual: np.ndarray) -> float:
    """Mean Poisson deviance of expected counts against actual ones (inf if one is 0 wrongly).

    A proper score for expectations: it is smallest, on average, for the true means.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(actual > 0, actual * np.log(actual / expected), 0.0)
    value = float(np.mean(2.0 * (log_term - (actual - expected))))
    return value if np.isfinite(value) else np.inf
