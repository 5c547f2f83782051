"""The advice job's pieces that stand alone: metafield inputs and the dashboard's rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from connectors.shopify.catalog import metafield
from engine.advice import advise
from webhooks import advice, insights, shops
from webhooks.storage import db


def test_metafield_values_follow_their_types():
    assert metafield("gid://shopify/ProductVariant/1", "reorder_point", "number_integer",
                     11.2)["value"] == "11"
    assert metafield("gid://shopify/ProductVariant/1", "forecast_30_days", "number_decimal",
                     3.14159)["value"] == "3.14"
    refs = metafield("gid://shopify/Product/1", "complementary_products",
                     "list.product_reference", ["gid://shopify/Product/2"])
    assert json.loads(refs["value"]) == ["gid://shopify/Product/2"]
    assert refs["namespace"] == "$app:shelfwise"


@pytest.mark.parametrize("n", [0, 1, 25, 26, 51])
def test_metafields_of_a_run(n):
    writeback = {"products": {f"gid://shopify/Product/{i}": [f"gid://shopify/Product/{i + 1}"]
                              for i in range(n)},
                 "variants": {"gid://shopify/ProductVariant/1": {
                     "reorder_point": 3.2, "order_quantity": 7.0, "forecast_30_days": 12.0}}}
    out = advice.metafields(writeback)
    assert len(out) == n + 3
    assert [m["key"] for m in out[-3:]] == ["reorder_point", "order_quantity", "forecast_30_days"]
    assert out[-3]["value"] == "4"  # a reorder point is rounded up


def small_advice():
    """engine.advise on a two-variant shop with one unusual day of revenue."""
    rng = np.random.default_rng(8)
    days = pd.date_range("2025-01-01", "2025-04-30")
    sales = pd.DataFrame({"unique_id": np.repeat(VARIANTS, len(days)),
                          "ds": np.tile(days, 2), "y": rng.poisson(3, 2 * len(days))})
    amount = rng.gamma(9.0, 10.0, len(days))
    amount[-10] = 5000.0
    orders = pd.DataFrame({"customer_id": [f"{i % 30}" for i in range(len(days))],
                           "created_at": days + pd.Timedelta(hours=12), "amount": amount})
    lines = pd.DataFrame({"order_id": np.repeat(np.arange(60), 2),
                          "product_id": ["gid://shopify/Product/1",
                                         "gid://shopify/Product/2"] * 60})
    stock = pd.DataFrame({"unique_id": VARIANTS, "on_hand": [4, 90]})
    return advise(sales, stock, orders, lines=lines, as_of="2025-05-01"), orders


VARIANTS = ["gid://shopify/ProductVariant/11", "gid://shopify/ProductVariant/12"]


def test_dashboard_rows_keep_the_engine_numbers():
    result, orders = small_advice()
    variants = pd.DataFrame({"variant_gid": VARIANTS,
                             "product_gid": ["gid://shopify/Product/1", "gid://shopify/Product/2"],
                             "product": ["Tea", "Mug"], "variant_title": ["Default Title"] * 2,
                             "sku": ["T", ""], "label": ["Tea", "Mug"]})
    rows = {r["variant_gid"]: r for r in insights.reorder_rows(result, variants)}
    plan = result.reorder.set_index("unique_id")
    for v in VARIANTS:
        assert rows[v]["reorder_point"] == int(np.ceil(plan.loc[v, "reorder_point"]))
        assert rows[v]["forecast_30_days"] == round(plan.loc[v, "forecast_30_days"], 1)
        assert rows[v]["model"] == plan.loc[v, "model"]
    companions, pairs = insights.upsell_rows(result, {"gid://shopify/Product/1": "Tea"})
    assert companions["gid://shopify/Product/1"][0] == "gid://shopify/Product/2"
    assert pairs[0]["product"] in ("Tea", "gid://shopify/Product/2") and pairs[0]["why"]
    days, revenue = insights.anomaly_rows(result)
    big = next(d for d in days if d["amount"] == 5000.0)
    expected = result.anomalies.set_index("ds")["expected"]
    assert big["typical"] == big["expected"] == round(float(
        expected[pd.Timestamp(big["ds"])]), 2)  # the engine's expected, no text parsing
    assert len(revenue["days"]) == 112
    segments, by_customer = insights.segment_rows(result, orders)
    assert sum(s["customers"] for s in segments) == len(by_customer) == 30
    assert all(c.startswith("gid://shopify/Customer/") for c in by_customer)


def test_a_shop_without_sales_gets_empty_sections(app):
    with app.app_context():
        run = advice.recommend("empty-shop.myshopify.com", write=False)
        with db().session() as session:
            shop_id = shops.get_shop(session, "empty-shop.myshopify.com").id
        stored = {k: v for k, (v, _) in advice.load_insights(shop_id).items()}
    assert run.orders == 0 and run.metafields_written == 0
    assert stored["reorder"] == stored["forecast"] == stored["orders"] == []
    assert stored["writeback"] == {"products": {}, "variants": {}}
    assert stored["summary"]["orders"] == 0
