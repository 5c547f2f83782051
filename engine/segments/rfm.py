"""RFM scores: recency, frequency and spend scored 1-5 from ranks, and the customer summary.

Frequency copes with one-order customers: F = 1 means exactly one order; repeat customers
get F 2-5 from the ranks of their order counts among repeat customers only, so a shop where
most customers bought once still spreads its repeat buyers over the upper scores. Recency
and monetary scores come from ranks over all customers. Ranks make the scores work on any
sample size: the lowest value scores 1, the highest 5, and a value shared by many customers
gets the score of its middle rank. A more recent purchase gives a higher recency score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from engine.errors import InputError
from engine.segments.orders import clean_orders
from engine.segments.vocabulary import SHOPIFY_RFM_GROUP, name_segments


class RFMSegmenter(BaseEstimator):
    """Score customers on recency, frequency and spend, and name their segment.

    Parameters
    ----------
    n_bins : int, default=5
        Score levels per dimension (3 to 10). Names are read off the 5-level grid of
        `engine.segments.vocabulary` after rescaling.
    as_of : date-like, optional
        The day recency is measured from; the last order date when absent. Later orders
        are left out.

    Attributes
    ----------
    as_of_ : Timestamp
        The day used.
    edges_ : dict of str to ndarray
        Score edges (the score of v is 1 + the number of edges <= v): `recency` (on minus
        the days since the last order), `frequency` (order counts among repeat customers,
        scored 2 and up) and `monetary` (total spend).
    summary_ : DataFrame
        Per customer of the fitted orders: `recency_days`, `frequency`, `monetary`, and the
        repeat-purchase summary `x` (repeat purchase days), `t_x` (days from first to last
        purchase), `T` (days from first purchase to `as_of`).
    left_out_ : int
        Orders left out because they have no customer id.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 2],
    ...     "created_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-02"]),
    ...     "amount": [5.0, 5.0, 1.0]})
    >>> RFMSegmenter().fit(orders).transform(orders)["r_score"].tolist()
    [5, 1]
    """

    def __init__(self, n_bins: int = 5, *, as_of: Any = None):
        self.n_bins = n_bins
        self.as_of = as_of

    def fit(self, orders: pd.DataFrame, y: None = None) -> RFMSegmenter:
        """Learn the score edges from an order history.

        Parameters
        ----------
        orders : DataFrame
            `customer_id`, `created_at`, `amount`, one row per order.
        y : None
            Ignored.

        Returns
        -------
        self : RFMSegmenter
        """
        if isinstance(self.n_bins, bool) or not isinstance(self.n_bins, int | np.integer) \
                or not 3 <= self.n_bins <= 10:
            raise InputError(f"n_bins must be a whole number from 3 to 10, got {self.n_bins!r}")
        clean, self.as_of_, self.left_out_ = clean_orders(orders, self.as_of)
        table = customer_summary(clean, self.as_of_)
        n = int(self.n_bins)
        repeat = table.loc[table["frequency"] > 1, "frequency"].to_numpy(float)
        self.edges_ = {
            "recency": _rank_edges(-table["recency_days"].to_numpy(float), n),
            "frequency": _rank_edges(repeat, n - 1),
            "monetary": _rank_edges(table["monetary"].to_numpy(float), n),
        }
        self.summary_ = table
        return self

    def transform(self, orders: pd.DataFrame, *, p_alive: Any = None) -> pd.DataFrame:
        """Score and name the customers of an order history with the learned edges.

        Parameters
        ----------
        orders : DataFrame
            `customer_id`, `created_at`, `amount`; orders after `as_of_` are left out.
        p_alive : array-like, optional
            Each customer's P(alive) in customer-id order; names then agree with it.

        Returns
        -------
        DataFrame
            Indexed by `customer_id`: `recency_days, frequency, monetary, r_score, f_score,
            m_score, segment, shopify_rfm_group`.
        """
        if not hasattr(self, "edges_"):
            raise RuntimeError("RFMSegmenter is not fitted yet; call fit(orders) first")
        clean, _, _ = clean_orders(orders, self.as_of_)
        table = customer_summary(clean, self.as_of_)[["recency_days", "frequency", "monetary"]]
        table["r_score"] = _scores(-table["recency_days"].to_numpy(float), self.edges_["recency"])
        freq = table["frequency"].to_numpy(float)
        table["f_score"] = np.where(freq > 1, 1 + _scores(freq, self.edges_["frequency"]), 1)
        table["m_score"] = _scores(table["monetary"].to_numpy(float), self.edges_["monetary"])
        table["segment"] = name_segments(table["r_score"], table["f_score"], table["m_score"],
                                         n_bins=int(self.n_bins), p_alive=p_alive)
        table["shopify_rfm_group"] = table["segment"].map(SHOPIFY_RFM_GROUP)
        return table


def customer_summary(clean: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer: recency_days, frequency (orders), monetary, and x, t_x, T in days."""
    by = clean.groupby("customer_id", sort=True)
    first, last = by["day"].min(), by["day"].max()
    table = pd.DataFrame({
        "recency_days": (as_of - last).dt.days.astype(int),
        "frequency": by.size().astype(int),
        "monetary": by["amount"].sum().round(2),
        "x": (by["day"].nunique() - 1).astype(int),
        "t_x": (last - first).dt.days.astype(float),
        "T": (as_of - first).dt.days.astype(float),
    })
    table.index.name = "customer_id"
    return table


def _rank_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Score edges from ranks: a tie group scores by its mean position, spread over 1..n_bins.

    The lowest value scores 1 and the highest `n_bins` whatever the sample size; a value
    shared by many customers (one order, one amount) gets the score of its middle rank.
    Returns `n_bins - 1` edges: the score of `v` is 1 + the number of edges <= v.
    """
    if len(values) == 0:
        return np.full(n_bins - 1, np.inf)
    uniq, first, counts = np.unique(np.sort(values), return_index=True, return_counts=True)
    mean_pos = first + (counts - 1) / 2
    n = len(values)
    pct = mean_pos / (n - 1) if n > 1 else np.full(len(uniq), 0.5)
    score = np.minimum(1 + np.floor(n_bins * pct + 1e-9), n_bins)
    return np.array([uniq[score > k][0] if (score > k).any() else np.inf
                     for k in range(1, n_bins)])


def _scores(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return 1 + np.searchsorted(edges, values, side="right")

