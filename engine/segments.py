"""Customer segments: RFM scores and names, and expected purchases from a BG/NBD model.

One entry point, `segment_customers`, serves the command line and Excel. Under it sit two
estimators in scikit-learn style: `RFMSegmenter` (scores and names) and `BetaGeoModel`
(the beta-geometric/negative-binomial repeat-purchase model of Fader, Hardie and Lee, 2005).

Segment names
-------------
Customers are scored 1-5 on recency (R), frequency (F) and monetary value (M, total spend).
The name comes from R and FM = floor((F + M) / 2) on this grid (columns FM 1..5):

====  ===========  ===================  ===================  ===============  ===============
R     FM 1         FM 2                 FM 3                 FM 4             FM 5
====  ===========  ===================  ===================  ===============  ===============
5     New          Potential loyalists  Potential loyalists  Champions        Champions
4     Promising    Potential loyalists  Potential loyalists  Loyal            Champions
3     Almost lost  Almost lost          Needs attention      Loyal            Loyal
2     Hibernating  Hibernating          At risk              At risk          At risk
1     Lost         Hibernating          At risk              Can't lose them  Can't lose them
====  ===========  ===================  ===================  ===============  ===============

Names follow Shopify's `Customer.statistics.rfmGroup` where the groups overlap; the
`shopify_rfm_group` column gives the nearest Shopify group for every segment. Differences:
"Potential loyalists" is Shopify's ACTIVE; "Almost lost" (often called "About to sleep")
is ALMOST_LOST; "Can't lose them" is Shopify's PREVIOUSLY_LOYAL; Shopify has one DORMANT
group where the conventional scheme, and Shopify here, keeps "Hibernating" and "Lost"
apart; Shopify's PROSPECTS (no orders yet) cannot occur in an order history.

Frequency copes with one-order customers: F = 1 means exactly one order; repeat customers
get F 2-5 from the ranks of their order counts among repeat customers only, so a shop where
most customers bought once still spreads its repeat buyers over the upper scores. Recency
and monetary scores come from ranks over all customers. Ranks make the scores work on any
sample size: the lowest value scores 1, the highest 5, and a value shared by many customers
gets the score of its middle rank. A more recent purchase gives a higher recency score.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator

from engine.errors import InputError

SEGMENT_GRID = (  # rows R = 1..5, columns FM = 1..5
    ("Lost", "Hibernating", "At risk", "Can't lose them", "Can't lose them"),
    ("Hibernating", "Hibernating", "At risk", "At risk", "At risk"),
    ("Almost lost", "Almost lost", "Needs attention", "Loyal", "Loyal"),
    ("Promising", "Potential loyalists", "Potential loyalists", "Loyal", "Champions"),
    ("New", "Potential loyalists", "Potential loyalists", "Champions", "Champions"),
)

SHOPIFY_RFM_GROUP = {
    "Champions": "CHAMPIONS",
    "Loyal": "LOYAL",
    "Potential loyalists": "ACTIVE",
    "New": "NEW",
    "Promising": "PROMISING",
    "Needs attention": "NEEDS_ATTENTION",
    "Almost lost": "ALMOST_LOST",
    "At risk": "AT_RISK",
    "Can't lose them": "PREVIOUSLY_LOYAL",
    "Hibernating": "DORMANT",
    "Lost": "DORMANT",
}

SEGMENT_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
                   "m_score", "segment", "shopify_rfm_group", "p_alive", "expected_purchases"]


def segment_customers(orders: pd.DataFrame, *, as_of: Any = None, horizon_days: float = 90,
                      n_bins: int = 5) -> pd.DataFrame:
    """Score, name and forecast every customer of an order history.

    Parameters
    ----------
    orders : DataFrame
        One row per order: `customer_id`, `created_at` (dates), `amount` (order value, >= 0).
        Orders after `as_of` are left out.
    as_of : date-like, optional
        The day the segments describe; the last order date when absent.
    horizon_days : float, default=90
        Length of the period that `expected_purchases` covers, in days after `as_of`.
    n_bins : int, default=5
        Score levels for R, F and M.

    Returns
    -------
    DataFrame
        `customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment,
        shopify_rfm_group, p_alive, expected_purchases`, one row per customer, sorted by
        customer id. `expected_purchases` counts purchase days in the next `horizon_days`.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "created_at": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-05"]),
    ...     "amount": [10.0, 20.0, 5.0]})
    >>> segment_customers(orders)["segment"].tolist()
    ['Champions', 'Lost']
    """
    horizon = _positive_number(horizon_days, "horizon_days")
    segmenter = RFMSegmenter(n_bins, as_of=as_of).fit(orders)
    table = segmenter.transform(orders)
    summary = segmenter.summary_
    model = BetaGeoModel().fit(summary["x"], summary["t_x"], summary["T"])
    table["p_alive"] = model.probability_alive(summary["x"], summary["t_x"], summary["T"])
    table["expected_purchases"] = model.expected_purchases(
        horizon, summary["x"], summary["t_x"], summary["T"])
    return table.reset_index()[SEGMENT_COLUMNS]


class RFMSegmenter(BaseEstimator):
    """Score customers on recency, frequency and spend, and name their segment.

    Parameters
    ----------
    n_bins : int, default=5
        Score levels per dimension (3 to 10). Names are read off the 5-level grid in the
        module docstring after rescaling.
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
        clean, self.as_of_ = _clean_orders(orders, self.as_of)
        table = _rfm_table(clean, self.as_of_)
        n = int(self.n_bins)
        repeat = table.loc[table["frequency"] > 1, "frequency"].to_numpy(float)
        self.edges_ = {
            "recency": _rank_edges(-table["recency_days"].to_numpy(float), n),
            "frequency": _rank_edges(repeat, n - 1),
            "monetary": _rank_edges(table["monetary"].to_numpy(float), n),
        }
        self.summary_ = table
        return self

    def transform(self, orders: pd.DataFrame) -> pd.DataFrame:
        """Score and name the customers of an order history with the learned edges.

        Parameters
        ----------
        orders : DataFrame
            `customer_id`, `created_at`, `amount`; orders after `as_of_` are left out.

        Returns
        -------
        DataFrame
            Indexed by `customer_id`: `recency_days, frequency, monetary, r_score, f_score,
            m_score, segment, shopify_rfm_group`.
        """
        if not hasattr(self, "edges_"):
            raise RuntimeError("RFMSegmenter is not fitted yet; call fit(orders) first")
        clean, _ = _clean_orders(orders, self.as_of_)
        table = _rfm_table(clean, self.as_of_)[["recency_days", "frequency", "monetary"]]
        table["r_score"] = _scores(-table["recency_days"].to_numpy(float), self.edges_["recency"])
        freq = table["frequency"].to_numpy(float)
        table["f_score"] = np.where(freq > 1, 1 + _scores(freq, self.edges_["frequency"]), 1)
        table["m_score"] = _scores(table["monetary"].to_numpy(float), self.edges_["monetary"])
        table["segment"] = name_segments(table["r_score"], table["f_score"], table["m_score"],
                                         n_bins=int(self.n_bins))
        table["shopify_rfm_group"] = table["segment"].map(SHOPIFY_RFM_GROUP)
        return table


def name_segments(r: Any, f: Any, m: Any, *, n_bins: int = 5) -> np.ndarray:
    """Segment names for R, F and M scores (1..n_bins) from the grid in the module docstring.

    Examples
    --------
    >>> name_segments([5, 1], [5, 1], [5, 1]).tolist()
    ['Champions', 'Lost']
    """
    def to5(score):
        s = np.asarray(score, dtype=float)
        return np.clip(np.rint(1 + (s - 1) * 4 / (n_bins - 1)), 1, 5).astype(int)

    r5, f5, m5 = to5(r), to5(f), to5(m)
    fm = (f5 + m5) // 2
    grid = np.array(SEGMENT_GRID, dtype=object)
    return grid[r5 - 1, fm - 1].astype(str)


class BetaGeoModel(BaseEstimator):
    """BG/NBD repeat-purchase model: how many purchases each customer will make next.

    While alive a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each
    purchase they drop out with probability p ~ Beta(a, b). Fitted by maximum likelihood
    (L-BFGS-B on log parameters, log-likelihood summed in log space).

    Parameters
    ----------
    prior_weight : float, default=1.0
        Weight of a Gaussian prior on the log parameters, centred on r = 1, alpha = the
        pooled days per repeat purchase, a = 1, b = 3 (a 25 % dropout chance per purchase).
        Worth about as much as a few customers: it keeps tiny or degenerate histories
        (a handful of customers, nobody repeating) sane and fades on real order books.

    Attributes
    ----------
    params_ : dict of str to float
        `r`, `alpha`, `a`, `b` (time in days).
    log_likelihood_ : float
        Mean log-likelihood per customer at the optimum (without the penalty).

    Examples
    --------
    >>> m = BetaGeoModel().fit([0, 2, 5], [0, 30, 60], [90, 90, 90])
    >>> bool(m.expected_purchases(30, 5, 60, 90) > m.expected_purchases(30, 0, 0, 90))
    True
    """

    def __init__(self, *, prior_weight: float = 1.0):
        self.prior_weight = prior_weight

    def fit(self, frequency: Any, recency: Any, T: Any) -> BetaGeoModel:  # noqa: N803
        """Fit to per-customer summaries.

        Parameters
        ----------
        frequency : array-like of int
            Repeat purchases (purchase days after the first).
        recency : array-like of float
            Days from first to last purchase (0 for one-time buyers).
        T : array-like of float
            Days from first purchase to the end of the period observed.

        Returns
        -------
        self : BetaGeoModel
        """
        x, t_x, big_t = _summary_arrays(frequency, recency, T)
        weight = self.prior_weight
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight >= 0:
            raise InputError(f"prior_weight must be a number >= 0, got {weight!r}")
        self.params_, self.log_likelihood_ = _fit_bgnbd(x, t_x, big_t, float(weight))
        return self

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:  # noqa: N803
        """Probability that each customer has not dropped out by the end of the period."""
        self._check_fitted()
        return _p_alive(self.params_, *_summary_arrays(frequency, recency, T))

    def expected_purchases(self, t: float, frequency: Any, recency: Any,
                           T: Any) -> np.ndarray:  # noqa: N803
        """Expected purchases in the next `t` days given each customer's history."""
        self._check_fitted()
        summary = _summary_arrays(frequency, recency, T)
        return _conditional_expected(self.params_, float(t), *summary)

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError("BetaGeoModel is not fitted yet; call fit(...) first")


# ---------------------------------------------------------------------------- orders and RFM


def _clean_orders(orders: pd.DataFrame, as_of: Any) -> tuple[pd.DataFrame, pd.Timestamp]:
    if not isinstance(orders, pd.DataFrame):
        raise InputError("orders must be a table with customer_id, created_at and amount")
    for col in ("customer_id", "created_at", "amount"):
        if col not in orders.columns:
            raise InputError("required column is missing", column=col)
    frame = orders[["customer_id", "created_at", "amount"]].reset_index(drop=True)
    if frame.empty:
        raise InputError("there are no orders")
    missing = frame["customer_id"].isna().to_numpy()
    if missing.any():
        raise InputError("customer id is empty", row=int(np.argmax(missing)), column="customer_id")
    dates = _as_dates(frame["created_at"])
    bad = dates.isna().to_numpy()
    if bad.any():
        raise InputError("is not a date", row=int(np.argmax(bad)), column="created_at")
    amount = pd.to_numeric(frame["amount"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(amount)
    if bad.any():
        raise InputError("is not a number", row=int(np.argmax(bad)), column="amount")
    if (amount < 0).any():
        raise InputError("amount is negative; subtract refunds from their order instead",
                         row=int(np.argmax(amount < 0)), column="amount")
    day = dates.dt.normalize()
    if as_of is None:
        cutoff = day.max()
    else:
        cutoff = _as_dates(pd.Series([as_of])).iloc[0]
        if pd.isna(cutoff):
            raise InputError(f"as_of {as_of!r} is not a date")
        cutoff = cutoff.normalize()
    keep = (day <= cutoff).to_numpy()
    if not keep.any():
        raise InputError(f"every order is after as_of {cutoff.date()}")
    clean = pd.DataFrame({"customer_id": frame["customer_id"], "day": day, "amount": amount})
    return clean[keep], cutoff


def _as_dates(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    else:
        dates = pd.to_datetime(values, errors="coerce", format="mixed", utc=False)
        if not pd.api.types.is_datetime64_any_dtype(dates):  # mixed time zone offsets
            dates = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # the shop's own wall-clock date
    return dates.astype("datetime64[ns]")


def _rfm_table(clean: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
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


def _positive_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value <= 0:
        raise InputError(f"{name} must be a number above 0, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- BG/NBD kernels


def _summary_arrays(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:  # noqa: N803
    x, t_x, big_t = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
    x, t_x, big_t = np.broadcast_arrays(x, t_x, big_t)
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(big_t).all()):
        raise InputError("frequency, recency and T must be finite numbers")
    if (x < 0).any() or (t_x < 0).any() or (t_x > big_t).any():
        raise InputError("need 0 <= recency <= T and frequency >= 0")
    return x, t_x, big_t


def _bgnbd_loglik(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
                  weights: np.ndarray) -> float:
    """Weighted BG/NBD log-likelihood (Fader, Hardie and Lee 2005, eq. 6), in log space."""
    r, alpha, a, b = np.exp(log_params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (special.gammaln(a + b) + special.gammaln(b + x)
          - special.gammaln(b) - special.gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (np.log(a) - np.log(b + x[repeat] - 1)
                  - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
    return float(np.sum(weights * (a1 + a2 + np.logaddexp(a3, a4))))


def _fit_bgnbd(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
               prior_weight: float) -> tuple[dict[str, float], float]:
    # customers with the same (x, t_x, T) share one likelihood term
    keys, weights = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
    ux, ut, u_big_t = keys[:, 0], keys[:, 1], keys[:, 2]
    n = float(weights.sum())
    w = weights.astype(float)

    days_per_repeat = (float(np.sum(big_t)) + 1.0) / (float(np.sum(x)) + 1.0)
    start = np.log([1.0, days_per_repeat, 1.0, 3.0])

    def objective(theta):
        shrink = theta - start
        log_post = _bgnbd_loglik(theta, ux, ut, u_big_t, w) - prior_weight * float(shrink @ shrink)
        return -log_post / n if np.isfinite(log_post) else 1e300

    bounds = [(-12.0, 12.0)] * 4
    best = optimize.minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    if not best.success:  # retry from the optimizer's best point with a derivative-free method
        retry = optimize.minimize(objective, best.x, method="Nelder-Mead",
                                  options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10})
        best = retry if retry.fun < best.fun else best
    r, alpha, a, b = np.exp(best.x)
    loglik = _bgnbd_loglik(best.x, ux, ut, u_big_t, w) / n
    return {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}, loglik


def _log_odds_dead(params: dict[str, float], x: np.ndarray, t_x: np.ndarray,
                   big_t: np.ndarray) -> np.ndarray:
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    out = np.full_like(x, -np.inf)
    rep = x > 0
    out[rep] = (np.log(a) - np.log(b + x[rep] - 1)
                + (r + x[rep]) * (np.log(alpha + big_t[rep]) - np.log(alpha + t_x[rep])))
    return out


def _p_alive(params: dict[str, float], x: np.ndarray, t_x: np.ndarray,
             big_t: np.ndarray) -> np.ndarray:
    return special.expit(-_log_odds_dead(params, x, t_x, big_t))


def _conditional_expected(params: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray,
                          big_t: np.ndarray) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (Fader, Hardie and Lee 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    if abs(a - 1.0) < 1e-6:  # the closed form is 0/0 at a = 1: step just off it
        a = 1.0 + 1e-6
    z = t / (alpha + big_t + t)
    log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1.0 - np.exp(log_ratio) * hyp
    value = (a + b + x - 1) / (a - 1) * bracket * _p_alive(params, x, t_x, big_t)
    # where the hypergeometric series loses precision, fall back to alive * posterior rate * t
    approx = _p_alive(params, x, t_x, big_t) * (r + x) / (alpha + big_t) * t
    ok = np.isfinite(value) & (value >= 0) & (value <= 2 * approx + 1e-9)
    return np.where(ok, value, approx)
