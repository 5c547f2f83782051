"""Reorder policies that hit a fill-rate (or cycle service) target with the least stock.

Continuous review (s, Q): when the inventory position (on hand + on order) is at or
below the reorder point s, order Q. With lead-time demand D and first-order loss
``G(x) = E[(D - x)+]``, the inventory position is spread evenly over (s, s + Q], so the
share of units served from stock is ``1 - (G(s) - G(s + Q)) / Q`` (Hadley and Whitin;
Zipkin, *Foundations of Inventory Management*, 2000, ch. 6), which is about
``1 - G(s) / Q`` when Q is large: expected units short per cycle over units per cycle.

Periodic review (R, S): every R periods order up to S. Units short per review are
``G_{L+R}(S) - G_L(S)`` against ``R`` periods of demand.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from engine.errors import InputError
from engine.inventory.leadtime import LeadTimeDemand
from engine.validation import number

MEASURES = ("fill_rate", "cycle")


def fill_rate_sq(demand: LeadTimeDemand, reorder_point, order_quantity, *,
                 checked: LeadTimeDemand | None = None, check_demand: float = 0.0):
    """Expected fill rate of an (s, Q) policy.

    Parameters
    ----------
    demand : LeadTimeDemand
        Demand over the lead time L.
    reorder_point : float or array-like
        s: order (multiples of Q) when the inventory position is at or below it.
    order_quantity : float
        Q, more than 0.
    checked : LeadTimeDemand, optional
        Demand over L + r when stock is checked every r periods (r = 1: once a period of
        the sales data, as a shop working from daily sales does). Absent: continuous review.
    check_demand : float, default=0
        Expected demand over r periods (with `checked`).

    Returns
    -------
    float or ndarray
        Continuous review: ``1 - (G(s) - G(s + Q)) / Q``, the share of units served from
        stock. Checked every r periods, the (r, s, nQ) form with second-order loss G2:
        ``1 - [G2_{L+r}(s) - G2_{L+r}(s+Q) - G2_L(s) + G2_L(s+Q)] / (Q * mu_r)``.
    """
    s = np.asarray(reorder_point, dtype=float)
    q = order_quantity
    if checked is None or check_demand <= 0:
        short = demand.loss(s) - demand.loss(s + q)
        return np.clip(1 - short / q, 0.0, 1.0)
    short = (checked.loss2(s) - checked.loss2(s + q)) - (demand.loss2(s) - demand.loss2(s + q))
    return np.clip(1 - short / (q * check_demand), 0.0, 1.0)


def fill_rate_rs(over_lead: LeadTimeDemand, over_cycle: LeadTimeDemand, order_up_to,
                 review_demand: float):
    """Expected fill rate of a periodic-review order-up-to (R, S) policy.

    Parameters
    ----------
    over_lead, over_cycle : LeadTimeDemand
        Demand over the lead time L and over L + R.
    order_up_to : float or array-like
        S.
    review_demand : float
        Expected demand over one review period R.
    """
    if review_demand <= 0:
        return np.ones_like(np.asarray(order_up_to, dtype=float))
    S = np.asarray(order_up_to, dtype=float)
    short = over_cycle.loss(S) - over_lead.loss(S)
    return np.clip(1 - short / review_demand, 0.0, 1.0)


def _lowest(fill, target: float, discrete: bool, high: float) -> float:
    """Smallest level >= 0 whose `fill(level)` reaches `target` (fill rises with the level)."""
    if discrete:
        levels = np.arange(int(np.ceil(high)) + 1, dtype=float)
        ok = np.flatnonzero(fill(levels) >= target - 1e-12)
        return float(levels[ok[0]]) if ok.size else float(levels[-1])
    if fill(0.0) >= target:
        return 0.0
    while fill(high) < target:
        high *= 2
    return float(optimize.brentq(lambda x: float(fill(x)) - target, 0.0, high, xtol=1e-6))


class ReorderPolicy:
    """Reorder point (or order-up-to level) per item for a service target.

    Parameters
    ----------
    service_level : float, default=0.95
        Target between 0 and 1, used for items without their own in `fit`.
    measure : {"fill_rate", "cycle"}, default="fill_rate"
        "fill_rate": the share of units demanded that is served from stock (what shop
        owners mean by service level). "cycle": the probability of no stock-out while
        waiting for an order.
    review_period : float, default=0
        Periods between stock checks: 0 is continuous review; 1 is a check once a period
        of the sales data (an order placed at the end of a day), which the fill rate
        then accounts for.
    order_up_to : bool, default=False
        False: (s, Q), order multiples of Q at or below s (the contract). True: every
        `review_period` periods order up to S (`reorder_point_` then holds S).

    Attributes
    ----------
    mean_demand_ : ndarray
        Expected demand over the lead time (over lead time + review period when periodic).
    reorder_point_ : ndarray
        s (continuous) or S (periodic), never below 0.
    safety_stock_ : ndarray
        ``reorder_point_ - mean_demand_`` (negative when large orders alone give the service).
    fill_rate_ : ndarray
        Expected fill rate of the policy.
    cycle_service_level_ : ndarray
        Probability of no stock-out before an order arrives.

    Examples
    --------
    >>> from engine.inventory.leadtime import LeadTimeDemand
    >>> policy = ReorderPolicy(0.95).fit([LeadTimeDemand(20.0, 20.0, True)], [40.0])
    >>> policy.reorder_point_.tolist(), bool(policy.fill_rate_[0] >= 0.95)
    ([20.0], True)
    """

    def __init__(self, service_level: float = 0.95, *, measure: str = "fill_rate",
                 review_period: float = 0, order_up_to: bool = False):
        self.service_level = service_level
        self.measure = measure
        self.review_period = review_period
        self.order_up_to = order_up_to

    def fit(self, lead_demand, order_quantity, *, cycle_demand=None, review_demand=None,
            service_level=None) -> ReorderPolicy:
        """Size the policy of each item.

        Parameters
        ----------
        lead_demand : sequence of LeadTimeDemand
            Demand over each item's lead time.
        order_quantity : array-like
            Each item's order quantity Q (continuous review; sizes the fill rate).
        cycle_demand : sequence of LeadTimeDemand, optional
            Demand over lead time + review period (needed when `review_period` > 0).
        review_demand : array-like, optional
            Expected demand over one review period (needed when `review_period` > 0).
        service_level : array-like, optional
            Per-item targets; NaN or absent takes `self.service_level`.
        """
        if self.measure not in MEASURES:
            raise InputError(f"measure must be one of {', '.join(MEASURES)}, got {self.measure!r}")
        number(self.review_period, "review_period", low=0)
        n = len(lead_demand)
        q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,))
        target = _targets(self.service_level, service_level, n)
        periodic = self.review_period > 0
        if (periodic or self.order_up_to) and (cycle_demand is None or review_demand is None):
            raise InputError("periodic review needs the demand over lead time + review period")
        rows = []
        for i in range(n):
            lead = lead_demand[i]
            cycle = cycle_demand[i] if periodic else None
            review = float(review_demand[i]) if periodic else 0.0
            if self.order_up_to:
                rows.append(_size_rs(lead, cycle, review, target[i], self.measure))
            else:
                rows.append(_size_sq(lead, float(q[i]), target[i], self.measure, cycle, review))
        out = np.array(rows, dtype=float).reshape(n, 4)
        self.mean_demand_, self.reorder_point_ = out[:, 0], out[:, 1]
        self.fill_rate_, self.cycle_service_level_ = out[:, 2], out[:, 3]
        self.safety_stock_ = self.reorder_point_ - self.mean_demand_
        self.order_quantity_ = q.copy()
        return self

    def order(self, inventory_position, *, moq=1, pack_size=1):
        """What to order now for each item, given its inventory position.

        Continuous review: at or below the reorder point, the fewest multiples of the
        order quantity that lift the position above it. Periodic review: up to the
        order-up-to level, rounded up to whole packs and at least `moq`.
        """
        if not hasattr(self, "reorder_point_"):
            raise RuntimeError("ReorderPolicy is not fitted yet: call fit() first")
        ip = np.asarray(inventory_position, dtype=float)
        s, q = self.reorder_point_, self.order_quantity_
        if self.order_up_to:
            gap = s - ip
            packs = np.ceil(np.round(np.maximum(gap, moq) / pack_size, 9)) * pack_size
            return np.where(gap > 0, packs, 0.0)
        n = np.floor(np.round((s - ip) / q, 9)) + 1
        return np.where(ip <= s, n * q, 0.0)


def _size_sq(lead: LeadTimeDemand, q: float, target: float, measure: str,
             cycle: LeadTimeDemand | None, review: float):
    top = cycle or lead
    high = top.grid_end(q) if top.discrete else top.mean + 10 * np.sqrt(top.var) + q + 1

    def fill(x):
        return fill_rate_sq(lead, x, q, checked=cycle, check_demand=review)

    if measure == "cycle":
        s = max(top.ppf(target), 0.0)
    else:
        s = _lowest(fill, target, top.discrete, high)
    return lead.mean, s, float(fill(s)), float(top.cdf(s))


def _size_rs(lead: LeadTimeDemand, cycle: LeadTimeDemand, review: float, target: float,
             measure: str):
    high = cycle.grid_end() if cycle.discrete else cycle.mean + 10 * np.sqrt(cycle.var) + 1
    if measure == "cycle":
        S = max(cycle.ppf(target), 0.0)
    else:
        S = _lowest(lambda x: fill_rate_rs(lead, cycle, x, review), target, cycle.discrete, high)
    return cycle.mean, S, float(fill_rate_rs(lead, cycle, S, review)), float(cycle.cdf(S))


def _targets(default, given, n: int) -> np.ndarray:
    target = np.full(n, float(default))
    if given is not None:
        given = np.broadcast_to(np.asarray(given, dtype=float), (n,))
        target = np.where(np.isnan(given), target, given)
    bad = np.flatnonzero(~((target > 0) & (target < 1)))
    if bad.size:
        raise InputError(f"must be between 0 and 1 (e.g. 0.95), got {target[bad[0]]}",
                         row=int(bad[0]), column="service_level")
    return target
