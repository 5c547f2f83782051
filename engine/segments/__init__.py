"""Customer segments: RFM names that agree with P(alive), and expected purchases per customer.

One entry point, `segment_customers`, serves the command line, Excel and the app. Under it:
`orders` (input sanity), `rfm` (`RFMSegmenter`: scores), `vocabulary` (the eight names, the
grid, Shopify's rfmGroup), `repeat` (`BetaGeoModel`, `ModifiedBetaGeoModel`), `pareto`
(`ParetoNBDModel`), `choice` (MBG/NBD or Pareto/NBD, chosen on a holdout) and `totals`
(totals that follow the recent level, season and growth).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from engine.errors import InputError
from engine.segments.choice import choose_model
from engine.segments.orders import clean_orders
from engine.segments.pareto import ParetoNBDModel
from engine.segments.repeat import BetaGeoModel, ModifiedBetaGeoModel
from engine.segments.rfm import RFMSegmenter, customer_summary
from engine.segments.totals import total_scale
from engine.segments.vocabulary import SEGMENT_GRID, SEGMENTS, SHOPIFY_RFM_GROUP, name_segments

SEGMENT_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
                   "m_score", "segment", "shopify_rfm_group", "p_alive", "expected_purchases"]

__all__ = ["SEGMENTS", "SEGMENT_COLUMNS", "SEGMENT_GRID", "SHOPIFY_RFM_GROUP", "BetaGeoModel",
           "ModifiedBetaGeoModel", "ParetoNBDModel", "RFMSegmenter", "customer_summary",
           "name_segments", "segment_customers"]


def segment_customers(orders: pd.DataFrame, *, as_of: Any = None, horizon_days: float = 90,
                      n_bins: int = 5, seasonal: bool = True) -> pd.DataFrame:
    """Score, name and forecast every customer of an order history.

    Parameters
    ----------
    orders : DataFrame
        `customer_id`, `created_at` (dates), `amount` (order value, >= 0), one row per order;
        with an `order_id` column, several rows of one order (order lines) are one order
        (amounts summed). Rows without a customer id are left out and counted; orders after
        `as_of` are left out.
    as_of : date-like, optional
        The day the segments describe; the last order date when absent.
    horizon_days : float, default=90
        Length of the period that `expected_purchases` covers, in days after `as_of`.
    n_bins : int, default=5
        Score levels for R, F and M.
    seasonal : bool, default=True
        Scale the expected purchases so that their total follows what customers bought
        lately and the forecast of the shop's repeat purchases (season and growth); each
        customer keeps their share. Needs 26 weeks of history.

    Returns
    -------
    DataFrame
        `customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment,
        shopify_rfm_group, p_alive, expected_purchases`, one row per customer, sorted by
        customer id. `expected_purchases` counts purchase days in the next `horizon_days`.
        `attrs` holds `repeat_model` (the model's name, MBG/NBD or Pareto/NBD, chosen on a
        holdout), `total_scale` (the factor on the model's total), `total_parts` (its two
        estimates, `recent level` and `season and growth`, as factors) and
        `left_out_no_customer` (rows without a customer id).

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "created_at": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-05"]),
    ...     "amount": [10.0, 20.0, 5.0]})
    >>> segment_customers(orders)["segment"].tolist()
    ['Champions', 'Hibernating']
    """
    horizon = _positive_number(horizon_days, "horizon_days")
    segmenter = RFMSegmenter(n_bins, as_of=as_of).fit(orders)
    clean, as_of_day, _ = clean_orders(orders, segmenter.as_of_)
    summary = segmenter.summary_
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    model = choose_model(clean, as_of_day, horizon)().fit(x, t_x, big_t)
    p_alive = model.probability_alive(x, t_x, big_t)
    expected = model.expected_purchases(horizon, x, t_x, big_t)
    scale, parts = total_scale(clean, as_of_day, horizon, model, float(expected.sum())) \
        if seasonal else (1.0, {})
    table = segmenter.transform(orders, p_alive=p_alive)
    table["p_alive"] = p_alive
    table["expected_purchases"] = expected * scale
    out = table.reset_index()[SEGMENT_COLUMNS]
    out.attrs.update(repeat_model=model.name, total_scale=scale, total_parts=parts,
                     left_out_no_customer=segmenter.left_out_)
    return out


def _positive_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value <= 0:
        raise InputError(f"{name} must be a number above 0, got {value!r}")
    return float(value)
