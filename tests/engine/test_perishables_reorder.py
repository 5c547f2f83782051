"""A perishable item in the reorder plan gets tomorrow's newsvendor quantity, not (s, Q)."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.inventory import plan_reorders
from tests.engine.test_perishables import bakery


@pytest.fixture(scope="module")
def plans():
    sales, _ = bakery(days=100)
    items = pd.DataFrame({"unique_id": ["bread", "bun"], "on_hand": [40.0, 0.0],
                          "lead_time": [3.0, 3.0], "unit_cost": [1.0, 1.0],
                          "price": [3.0, 3.0]})
    marked = items.assign(perishable=["yes", ""])
    return plan_reorders(sales, items), plan_reorders(sales, marked)


def test_only_the_marked_item_changes(plans):
    plain, marked = plans
    pd.testing.assert_series_equal(plain.iloc[1], marked.iloc[1])
    bread = marked.iloc[0]
    assert bread["distribution"] == "newsvendor" and bread["model"].startswith("perishable")
    assert plain.iloc[0]["distribution"] != "newsvendor"


def test_perishable_row_is_one_days_quantity_at_the_critical_ratio(plans):
    _, marked = plans
    bread = marked.iloc[0]
    assert bread["cycle_service_level"] == pytest.approx(2 / 3)  # (3 - 1) / (3 - 0)
    assert bread["order_quantity"] == bread["order_now"] == bread["reorder_point"]
    assert bread["order_now"] > 0  # leftovers are thrown away: stock on hand does not count
    assert bread["mean_demand"] < 2 * 30 * 1.6  # one day's demand, not the lead time's


def test_without_prices_the_service_level_is_the_ratio():
    sales, _ = bakery(days=100, items=(("bread", 30.0),))
    items = pd.DataFrame({"unique_id": ["bread"], "on_hand": [0.0], "lead_time": [1.0],
                          "service_level": [0.9], "perishable": ["TRUE"]})
    assert plan_reorders(sales, items).iloc[0]["cycle_service_level"] == pytest.approx(0.9)
