"""Perishable items in the Shopify app (issue 15): products tagged ``perishable`` get
tomorrow's quantity (`engine.perishables.plan_perishables`), not an (s, Q) order.

Against the Shopify stand-in (real HTTP on loopback, every document checked against the
Admin schema) and the real app on a temporary SQLite file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

from tests.app_support import API_KEY, API_SECRET, SHOP, post, rows, session_token
from tests.shopify_bulk import BulkStandIn, make_store
from webhooks import advice, catalog, perishables, shops
from webhooks.storage import CatalogProduct, CatalogVariant, ShopInsight, db

FRESH = (1, 3)  # product 1: no unit cost in Shopify; product 3: cost 40% of its price
BREAD = "gid://shopify/ProductVariant/101"
CAKE = "gid://shopify/ProductVariant/301"
SHELF = "gid://shopify/ProductVariant/201"  # product 2 is not perishable


@pytest.fixture
def standin():
    store = make_store(n_orders=800, n_products=4, perishable=FRESH)
    with BulkStandIn(API_KEY, API_SECRET, store=store) as s:
        yield s


@pytest.fixture
def synced(app, token, standin):
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
        advice.recommend(SHOP)
    return app


def _stored(app, kind: str):
    return json.loads(next(i.content for i in rows(app, ShopInsight) if i.kind == kind))


def test_the_sync_keeps_tags_and_unit_costs(synced, standin):
    products = {p.product_gid: p for p in rows(synced, CatalogProduct)}
    assert products["gid://shopify/Product/1"].tags == "Perishable, bakery"
    assert products["gid://shopify/Product/2"].tags == ""
    variants = {v.variant_gid: v for v in rows(synced, CatalogVariant)}
    assert variants[BREAD].unit_cost is None
    assert variants[CAKE].unit_cost == pytest.approx(0.4 * variants[CAKE].price, abs=0.01)
    assert standin.rejected == []
    assert "tags" in standin.bulk_queries[0] and "unitCost" in standin.bulk_queries[0]


def test_perishable_items_get_tomorrows_quantity_not_an_order(synced, standin):
    card = _stored(synced, "summary")["perishables"]
    planned = {r["variant_gid"]: r for r in card["rows"]}
    assert set(planned) == {f"gid://shopify/ProductVariant/{p}0{v}" for p in FRESH
                            for v in (1, 2)}
    assert all(isinstance(r["quantity"], int) and r["quantity"] >= 0 for r in card["rows"])
    assert max(r["quantity"] for r in card["rows"]) > 0
    bread = planned[BREAD]
    assert bread["cost_assumed"] and not planned[CAKE]["cost_assumed"]
    assert bread["critical_ratio"] == pytest.approx(1 - perishables.ASSUMED_COST_SHARE)
    assert bread["expected_waste"] >= 0 and bread["expected_lost_sales"] >= 0
    assert bread["reason"]
    assert card["assumed_cost_items"] == 2  # both variants of product 1
    reorder = {r["variant_gid"]: r for r in _stored(synced, "reorder")}
    assert reorder[BREAD]["perishable"] and reorder[BREAD]["order_now"] == 0
    assert reorder[BREAD]["reorder_point"] == reorder[BREAD]["order_quantity"] == \
        bread["quantity"]
    assert reorder[BREAD]["plan"] == perishables.NOT_AN_ORDER
    assert reorder[SHELF]["reorder_point"] is not None and "perishable" not in reorder[SHELF]
    # metafields: tomorrow's quantity as reorder point and order quantity; others unchanged
    for key in ("reorder_point", "order_quantity"):
        assert int(standin.metafield(BREAD, key)["value"]) == bread["quantity"]
    assert standin.metafield(BREAD, "forecast_30_days") is not None
    assert int(standin.metafield(SHELF, "reorder_point")["value"]) == \
        reorder[SHELF]["reorder_point"]
    assert int(standin.metafield(SHELF, "order_quantity")["value"]) == \
        reorder[SHELF]["order_quantity"]
    assert standin.rejected == []


def test_the_dashboard_shows_the_card_and_says_what_was_assumed(synced):
    client = synced.test_client()
    page = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}"
                      ).get_data(as_text=True)
    card = page[page.index("id='perishables'"):]
    card = card[:card.index("</section>")]
    assert "Tomorrow&#39;s perishables" in page or "Tomorrow's perishables" in page
    assert "assumed 40% of price" in card
    quantity = _stored(synced, "summary")["perishables"]["rows"][0]["quantity"]
    assert re.search(rf"<td class='num'>{quantity:,} units</td>", card)
    assert "Product 2" not in card  # not perishable
    reorder = page[page.index("id='reorder'"):]
    assert "perishable: see tomorrow" in reorder[:reorder.index("</section>")]
    # the CSV carries what the metafields say: tomorrow's quantity
    link = re.search(r"href='(/dashboard/reorder\.csv\?[^']+)'", page).group(1)
    table = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    bread = next(r for r in csv.DictReader(io.StringIO(table)) if r["variant_gid"] == BREAD)
    planned = {r["variant_gid"]: r for r in _stored(synced, "summary")["perishables"]["rows"]}
    assert int(bread["order_quantity"]) == planned[BREAD]["quantity"]


def test_a_products_update_webhook_can_tag_an_item_perishable(synced, standin):
    client = synced.test_client()
    res = post(client, "products/update", {
        "id": 2, "title": "Product 2", "handle": "product-2", "status": "active",
        "tags": "summer, PERISHABLE", "updated_at": datetime.now(UTC).isoformat(),
        "variants": [{"id": 201, "title": "Size 1", "sku": "SKU-2-1", "price": "9.00",
                      "inventory_item_id": 201, "inventory_quantity": 5}]})
    assert res.status_code == 200
    with synced.app_context():
        advice.recommend(SHOP)
    card = _stored(synced, "summary")["perishables"]
    assert SHELF in {r["variant_gid"] for r in card["rows"]}
    reorder = {r["variant_gid"]: r for r in _stored(synced, "reorder")}
    assert reorder[SHELF]["perishable"]


def test_non_perishable_numbers_do_not_change(app, token, standin):
    """The same store planned with and without tags: only the tagged items differ."""
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
        with db().session() as session:
            shop_id = shops.get_shop(session, SHOP).id
        tagged, _ = advice.compute(SHOP, shop_id)
        with db().session() as session:
            for p in session.query(CatalogProduct):
                p.tags = ""
        plain, _ = advice.compute(SHOP, shop_id)
    assert "perishables" in tagged["summary"] and "perishables" not in plain["summary"]
    fresh = {r["variant_gid"] for r in tagged["summary"]["perishables"]["rows"]}
    same = [r for r in tagged["reorder"] if r["variant_gid"] not in fresh]
    assert same and same == [r for r in plain["reorder"] if r["variant_gid"] not in fresh]
    assert {k: v for k, v in tagged["writeback"]["variants"].items() if k not in fresh} == \
        {k: v for k, v in plain["writeback"]["variants"].items() if k not in fresh}


@pytest.mark.parametrize("tags, expected", [
    ("Perishable", True), ("bakery,  perishable ", True), ("perishables", False),
    ("non-perishable", False), ("", False), (None, False)])
def test_the_tag_matches_whole_tags_in_any_case(tags, expected):
    import pandas as pd

    assert bool(perishables.is_perishable(pd.Series([tags], dtype=object)).iloc[0]) is expected


@pytest.mark.parametrize("tags", [17, {"perishable": 1}, ["perishable", 5, None],
                                  ",".join(["x" * 300] * 400) + ",perishable"])
def test_malformed_or_oversized_tags_are_stored_safely(synced, tags):
    client = synced.test_client()
    res = post(client, "products/update", {
        "id": 2, "title": "Product 2", "handle": "product-2", "tags": tags,
        "updated_at": datetime.now(UTC).isoformat(),
        "variants": [{"id": 201, "title": "Size 1", "price": "9.00"}]})
    assert res.status_code == 200
    stored = {p.product_gid: p.tags for p in rows(synced, CatalogProduct)}
    text = stored["gid://shopify/Product/2"]
    assert isinstance(text, str) and len(text) < 250 * 257
    assert all(len(t) <= 255 for t in text.split(", "))
    if isinstance(tags, list):
        assert text == "perishable"


def test_items_without_price_cost_or_history_are_listed_with_the_reason():
    import pandas as pd

    today = pd.Timestamp("2026-03-02")
    days = pd.date_range(end=today - pd.Timedelta(days=3), periods=60)
    sales = pd.concat([pd.DataFrame({"unique_id": v, "ds": days, "y": 4.0})
                       for v in ("v1", "v2", "v3")]
                      + [pd.DataFrame({"unique_id": "v4", "ds": days[-3:], "y": 2.0})])
    variants = pd.DataFrame({
        "variant_gid": ["v1", "v2", "v3", "v4", "v5"], "product_gid": "p",
        "label": ["Bread", "Cake", "Pie", "New bun", "Unsold"], "sku": None,
        "price": [4.0, 0.0, 3.0, 2.0, 2.0], "unit_cost": [1.0, None, 5.0, None, None],
        "perishable": True})
    card = perishables.plan(sales, variants, today)
    rows_ = {r["item"]: r for r in card["rows"]}
    assert card["day"] == "2026-03-03"
    assert rows_["Bread"]["quantity"] == 4 and not rows_["Bread"]["cost_assumed"]
    assert rows_["Bread"]["critical_ratio"] == pytest.approx(0.75)
    assert rows_["Cake"]["quantity"] is None and rows_["Cake"]["reason"] == "no price in Shopify"
    assert rows_["Pie"]["cost_assumed"] and rows_["Pie"]["critical_ratio"] == pytest.approx(0.6)
    assert rows_["Unsold"]["quantity"] is None and rows_["Unsold"]["reason"] == "no sales yet"
    assert rows_["New bun"]["quantity"] is None and "days since its first sale" in \
        rows_["New bun"]["reason"]
    assert card["assumed_cost_items"] == 4  # Cake, Pie (cost above price), New bun, Unsold
    # nothing perishable: no card
    assert perishables.plan(sales, variants.assign(perishable=False), today) == {}


def test_migration_0005_adds_the_columns_to_a_0004_database(tmp_path):
    """A store synced before tags were kept upgrades in place, its catalogue intact."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from webhooks.storage import MIGRATIONS, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(text("INSERT INTO shops (id, domain, installed_at) VALUES "
                          "(1, 'old.myshopify.com', '2026-01-01')"))
        conn.execute(text("INSERT INTO catalog_products (shop_id, product_gid, title, updated_at)"
                          " VALUES (1, 'gid://shopify/Product/1', 'Bread', '2026-01-01')"))
    migrate(engine)
    columns = {t: {c["name"] for c in inspect(engine).get_columns(t)}
               for t in ("catalog_products", "catalog_variants")}
    assert "tags" in columns["catalog_products"] and "unit_cost" in columns["catalog_variants"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title, tags FROM catalog_products")).one() == \
            ("Bread", None)


def test_an_unplanned_perishable_gets_no_stale_order_metafields():
    card = {"rows": [{"variant_gid": "v1", "quantity": None}, {"variant_gid": "v2",
                                                               "quantity": 3}]}
    reorder = [{"variant_gid": v, "reorder_point": 9, "order_quantity": 5, "order_now": 4}
               for v in ("v1", "v2", "v3")]
    writeback = {v: {"reorder_point": 9.0, "order_quantity": 5.0, "forecast_30_days": 30.0}
                 for v in ("v1", "v2", "v3")}
    perishables.apply(card, reorder, writeback)
    written = {(m["ownerId"], m["key"]): m["value"] for m in advice.metafields(
        {"variants": writeback})}
    assert ("v1", "reorder_point") not in written and ("v1", "order_quantity") not in written
    assert written[("v2", "reorder_point")] == written[("v2", "order_quantity")] == "3"
    assert written[("v3", "reorder_point")] == "9" and written[("v1", "forecast_30_days")]
    assert [r["order_now"] for r in reorder] == [0, 0, 4]


def test_the_shops_country_tells_the_card_that_tomorrow_is_a_holiday():
    import holidays
    import numpy as np
    import pandas as pd

    today = pd.Timestamp("2025-12-25")  # tomorrow: 2nd Christmas Day, a holiday in Germany
    days = pd.date_range("2023-01-02", today - pd.Timedelta(days=1))
    closed = holidays.country_holidays("DE", years=[2023, 2024, 2025])
    sold = np.random.default_rng(0).poisson(20, len(days)).astype(float)
    sold[[d.date() in closed for d in days]] = 0.0  # the bakery sells nothing on holidays
    sales = pd.DataFrame({"unique_id": "v1", "ds": days, "y": sold})
    variants = pd.DataFrame({"variant_gid": ["v1"], "product_gid": "p", "label": ["Bread"],
                             "sku": None, "price": [4.0], "unit_cost": [1.0],
                             "perishable": True})
    quantity = {country: perishables.plan(sales, variants, today, country)["rows"][0]
                for country in (None, "DE", "XX")}
    assert quantity["DE"]["quantity"] == 0
    assert quantity[None]["quantity"] >= 15
    assert quantity["XX"] == quantity[None]  # a code the holidays package lacks: no holidays
