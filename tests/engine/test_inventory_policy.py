"""Inventory engine: EOQ, loss functions, fill rates against simulation, order semantics."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from engine.errors import InputError
from engine.inventory import (
    LeadTimeDemand,
    ReorderPolicy,
    economic_order_quantity,
    fill_rate_sq,
    lead_time_demand,
    plan_reorders,
    round_order_quantity,
)
from engine.inventory.demand import DemandForecast
from engine.inventory.plan import check_items, plan_from_forecast


def test_eoq_textbook_example():
    # Nahmias: D = 3,600/yr, K = $100, h = $4 -> Q* = sqrt(2*3600*100/4) = 424.26
    assert economic_order_quantity(3600, 100, 4) == pytest.approx(424.264, abs=1e-3)
    assert economic_order_quantity(1200, 50, 3) == pytest.approx(200.0)


def test_round_to_packs_and_moq():
    assert round_order_quantity([3, 17, 24], moq=10, pack_size=6).tolist() == [12, 18, 24]


def test_discrete_loss_matches_sampling():
    d = LeadTimeDemand(4.0, 12.0, True)
    draws = d.frozen().rvs(400_000, random_state=np.random.default_rng(1))
    for x in (0, 3, 8):
        assert d.loss(x) == pytest.approx(np.maximum(draws - x, 0).mean(), rel=0.02)


def test_normal_loss_closed_form():
    d = LeadTimeDemand(10.0, 4.0, False)
    # sigma * L(z) with z = 1: 2 * (phi(1) - 1 * (1 - Phi(1)))
    assert d.loss(12.0) == pytest.approx(2 * (stats.norm.pdf(1) - stats.norm.sf(1)))


def test_intermittent_item_gets_discrete_distribution():
    rate = np.full(7, 0.2)
    d = lead_time_demand(rate, var_per_period=0.8, lead_time=7, discrete=True)
    assert d.kind == "negative binomial"
    assert d.mean == pytest.approx(1.4) and d.var == pytest.approx(5.6)
    assert lead_time_demand(rate, 0.1, 7, discrete=True).kind == "poisson"
    assert lead_time_demand(rate, 0.8, 7, discrete=False).kind == "normal"


def _simulate_sq(lam, lead, s, q, units=150_000, seed=0):
    """Continuous review, Poisson unit demands, backorders: share served from stock."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1 / lam, units))
    on_hand, position, arrivals, served = s + q, s + q, [], 0
    for t in times:
        while arrivals and arrivals[0] <= t:
            arrivals.pop(0)
            on_hand += q
        served += on_hand > 0
        on_hand -= 1
        position -= 1
        while position <= s:
            position += q
            arrivals.append(t + lead)
    return served / units


@pytest.mark.parametrize(("s", "q"), [(8, 5), (12, 10)])
def test_fill_rate_loss_function_matches_simulation(s, q):
    lam, lead = 2.0, 5.0
    formula = fill_rate_sq(LeadTimeDemand(lam * lead, lam * lead, True), s, q)
    assert formula == pytest.approx(_simulate_sq(lam, lead, s, q), abs=0.01)


def test_policy_reaches_target_with_least_stock():
    demand = LeadTimeDemand(20.0, 40.0, True)
    policy = ReorderPolicy(0.95).fit([demand], [30.0])
    s = policy.reorder_point_[0]
    assert policy.fill_rate_[0] >= 0.95
    assert fill_rate_sq(demand, s - 1, 30.0) < 0.95
    assert policy.safety_stock_[0] == pytest.approx(s - 20.0)


def test_cycle_service_level_is_a_quantile():
    demand = LeadTimeDemand(20.0, 20.0, True)
    policy = ReorderPolicy(0.9, measure="cycle").fit([demand], [30.0])
    assert policy.reorder_point_[0] == stats.poisson(20).ppf(0.9)


def test_order_now_semantics():
    policy = ReorderPolicy(0.95).fit([LeadTimeDemand(20.0, 20.0, True)] * 3, [24.0])
    s = policy.reorder_point_[0]
    orders = policy.order([s + 1, s, s - 30])
    assert orders[0] == 0
    assert orders[1] == 24
    assert orders[2] == 48  # two packs of Q lift the position above s


def _sales(days=120, seed=0):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=days, freq="D")
    fast = rng.poisson(6, days)
    slow = rng.poisson(0.15, days) * rng.integers(1, 4, days)
    return pd.concat([pd.DataFrame({"unique_id": "fast", "ds": ds, "y": fast}),
                      pd.DataFrame({"unique_id": "slow", "ds": ds, "y": slow})])


def test_plan_reorders_contract():
    items = pd.DataFrame({"unique_id": ["fast", "slow"], "on_hand": [10, 50], "lead_time": [7, 7],
                          "order_cost": [20, 20], "unit_cost": [5, 5], "holding_rate": [0.25, 0.25],
                          "moq": [25, 1], "pack_size": [12, 1]})
    plan = plan_reorders(_sales(), items, as_of="2024-05-01")
    assert list(plan.columns[:6]) == ["unique_id", "mean_demand", "safety_stock", "reorder_point",
                                      "order_quantity", "order_now"]
    fast, slow = plan.iloc[0], plan.iloc[1]
    assert fast["order_quantity"] % 12 == 0 and fast["order_quantity"] >= 25
    assert fast["order_now"] > 0 and fast["order_now"] % fast["order_quantity"] == 0
    assert slow["order_now"] == 0 and slow["distribution"] != "normal"
    assert (plan["fill_rate"] >= 0.95).all()
    assert fast["reorder_point"] == pytest.approx(fast["mean_demand"] + fast["safety_stock"])
    assert fast["stockout_date"] == pd.Timestamp("2024-05-02")


def test_periodic_review_orders_up_to_level():
    items = pd.DataFrame({"unique_id": ["fast"], "on_hand": [10], "lead_time": [3]})
    plan = plan_reorders(_sales(), items, review_period=7)
    row = plan.iloc[0]
    assert row["order_now"] == pytest.approx(row["reorder_point"] - 10)
    assert row["fill_rate"] >= 0.95


def test_bad_items_name_row_and_column():
    items = pd.DataFrame({"unique_id": ["fast", "slow"], "on_hand": [1, 2], "lead_time": [7, -1]})
    with pytest.raises(InputError) as err:
        plan_reorders(_sales(), items)
    assert err.value.row == 1 and err.value.column == "lead_time"


def test_order_quantity_is_the_eoq_of_a_years_demand_not_last_weeks():
    days = pd.date_range("2023-01-01", periods=400, freq="D")
    y = np.full(400, 10.0)
    y[-7:] = 40.0  # a promotion week: the forecast jumps, a year's demand barely moves
    sales = pd.DataFrame({"unique_id": "a", "ds": days, "y": y})
    items = pd.DataFrame({"unique_id": ["a"], "on_hand": [0], "lead_time": [7],
                          "order_cost": [20.0], "unit_cost": [5.0], "holding_rate": [0.25]})
    plan = plan_reorders(sales, items)
    yearly = y[-365:].mean() * 365.25
    assert plan["order_quantity"].iloc[0] == pytest.approx(
        np.ceil(np.sqrt(2 * yearly * 20.0 / (0.25 * 5.0))), abs=1)


def test_a_stock_out_centuries_away_has_no_date():
    # near-zero demand and stock on hand: cover of ~1e12 days, beyond pandas' calendar
    items = check_items(pd.DataFrame({"unique_id": ["slow"], "on_hand": [50], "lead_time": [7]}))
    demand = DemandForecast(np.full((1, 7), 1e-10), np.array([1e-10]), np.array([True]),
                            np.array(["SES"], dtype=object))
    plan = plan_from_forecast(items, demand, periods_year=365.25, as_of="2025-01-01")
    assert plan["days_of_cover"].iloc[0] > 3 * 365
    assert pd.isna(plan["stockout_date"].iloc[0])
