"""Catalogue sync by bulk operations and write-back, against the Shopify stand-in.

The stand-in validates every GraphQL document (and every bulk query) against the Admin
schema; its JSON Lines files put some children before their parent, as Shopify may.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from connectors.cli import main as cli
from connectors.shopify.catalog import group_children, kind_of
from tests.app_support import API_KEY, API_SECRET, SHOP, app_config, post, rows
from tests.shopify_bulk import FULL_SCOPES, BulkStandIn, make_store
from webhooks import advice, catalog, create_app, shops
from webhooks.queue import huey
from webhooks.storage import (
    CatalogProduct,
    CatalogSync,
    CatalogVariant,
    InventoryLevel,
    Order,
    ShopInsight,
    db,
)
from webhooks.tasks import catalog as catalog_tasks


@pytest.fixture
def standin():
    with BulkStandIn(API_KEY, API_SECRET, store=make_store(n_orders=400, n_products=12)) as s:
        yield s


def test_full_sync_by_polling_ingests_products_inventory_and_orders(app, token, standin):
    with app.app_context():
        summary = catalog.sync_now(SHOP, interval=0.05)
    assert summary["status"] == "done" and summary["orders_since"] is None
    assert summary["counts"] == {"products": 12, "variants": 24, "inventory_levels": 48,
                                 "orders": 400, "line_items": sum(
                                     len(o["lineItems"]) for o in standin.store.orders)}
    variants = rows(app, CatalogVariant)
    assert len(rows(app, CatalogProduct)) == 12 and len(variants) == 24
    assert all(v.product_gid.startswith("gid://shopify/Product/") for v in variants)
    assert len(rows(app, InventoryLevel)) == 48
    orders = rows(app, Order)
    assert len(orders) == 400
    payload = json.loads(orders[0].payload)
    assert payload["line_items"] and payload["line_items"][0]["variant_id"]
    assert {o.cancel_reason for o in orders} <= {None, "fraud"}
    assert standin.rejected == []
    assert [q.strip().split()[1].split("(")[0] for q in standin.bulk_queries] == [
        "products", "inventoryItems", "orders"]


def test_children_may_come_before_their_parent(app, token, standin):
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
    body = standin._files["1"].decode().splitlines()
    rows_ = [json.loads(line) for line in body]
    first_parent = {}
    early = 0
    for i, row in enumerate(rows_):
        if "__parentId" not in row:
            first_parent[row["id"]] = i
        elif row["__parentId"] not in first_parent:
            early += 1
    assert early > 0  # the file really does put children first
    grouped = group_children(rows_)
    assert len(grouped) == 12
    assert all(len(p["children"]["ProductVariant"]) == 2 for p in grouped)
    assert kind_of("gid://shopify/InventoryLevel/1?inventory_item_id=2") == "InventoryLevel"


def test_sync_by_the_bulk_operations_finish_webhook(app, token, standin):
    client = app.test_client()
    with app.app_context():
        sync_id = catalog.start_sync(SHOP)
    for _ in catalog.STAGES:
        with app.app_context():
            op_gid = catalog.sync_summary(sync_id)
            op_gid = rows(app, CatalogSync)[0].operation_gid
        standin.wait_built(op_gid)
        assert post(client, "bulk_operations/finish", standin.finish_payload(op_gid)
                    ).status_code == 200
    sync = rows(app, CatalogSync)[0]
    assert sync.status == "done" and sync.stage == "done"
    assert len(rows(app, Order)) == 400
    # the completed sync enqueued the recommendations (huey runs inline here)
    kinds = {i.kind for i in rows(app, ShopInsight)}
    assert {"forecast", "reorder", "upsell", "orders", "summary"} <= kinds
    assert standin.metafield_batches and max(standin.metafield_batches) <= 25
    # a repeated webhook is harmless
    assert post(client, "bulk_operations/finish", standin.finish_payload(op_gid)
                ).status_code == 200


def test_a_failed_bulk_operation_fails_the_sync(app, token, standin):
    standin.fail_bulk_next = True
    with app.app_context(), pytest.raises(catalog.SyncError, match="FAILED"):
        catalog.sync_now(SHOP, interval=0.05)
    assert rows(app, CatalogSync)[0].status == "failed"


def test_without_read_all_orders_only_60_days_are_read(tmp_path, standin):
    standin.scopes = tuple(s for s in FULL_SCOPES if s != "read_all_orders")
    huey.immediate = True
    try:
        app = create_app(app_config(tmp_path, standin.origin))
        value = standin.add_token(SHOP)
        with app.app_context():
            with db().session() as session:
                shops.save_token(session, SHOP, value, shops.ADMIN)
            summary = catalog.sync_now(SHOP, interval=0.05)
    finally:
        huey.immediate = False
    assert summary["orders_since"] is not None
    assert 'created_at:>=' in standin.bulk_queries[-1]
    assert 0 < summary["counts"]["orders"] < 400


def test_recommend_writes_metafields_in_batches_with_definitions(app, token, standin):
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
        result = advice.recommend(SHOP)
    assert result.metafields_written == len(standin.metafields)
    assert max(standin.metafield_batches) == 25
    keys = {k for _, _, k in standin.metafields}
    assert keys == {"complementary_products", "reorder_point", "order_quantity",
                    "forecast_30_days"}
    product = standin.store.products[0]
    comp = standin.metafield(product["id"], "complementary_products")
    assert comp["type"] == "list.product_reference"
    refs = json.loads(comp["value"])
    assert refs and product["id"] not in refs
    # the partner product (bought with it in most orders) comes first
    assert refs[0] == standin.store.products[1]["id"]
    variant = product["variants"][0]["id"]
    assert standin.metafield(variant, "reorder_point")["type"] == "number_integer"
    assert float(standin.metafield(variant, "forecast_30_days")["value"]) >= 0
    assert len(standin.definitions) == 4
    assert all(d["access"]["storefront"] == "PUBLIC_READ" for d in standin.definitions.values())
    # a second run does not create the definitions again
    with app.app_context():
        advice.recommend(SHOP)
    assert standin.mutation_count("metafieldDefinitionCreate") == 4
    assert standin.rejected == []


def test_incremental_webhooks_update_the_catalogue(app, token, standin):
    client = app.test_client()
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
    res = post(client, "products/update", {
        "id": 1, "title": "Renamed", "handle": "product-1", "status": "active",
        "updated_at": datetime.now(UTC).isoformat(),
        "variants": [{"id": 101, "title": "Size 1", "sku": "SKU-1-1", "price": "9.00",
                      "inventory_item_id": 101, "inventory_quantity": 5}]})
    assert res.status_code == 200
    products = {p.product_gid: p for p in rows(app, CatalogProduct)}
    assert products["gid://shopify/Product/1"].title == "Renamed"
    variants = [v for v in rows(app, CatalogVariant) if v.product_gid == "gid://shopify/Product/1"]
    assert [v.variant_gid for v in variants] == ["gid://shopify/ProductVariant/101"]
    post(client, "inventory_levels/update", {"inventory_item_id": 101, "location_id": 1,
                                             "available": 77,
                                             "updated_at": datetime.now(UTC).isoformat()})
    level = [lv for lv in rows(app, InventoryLevel)
             if lv.inventory_item_gid == "gid://shopify/InventoryItem/101"
             and lv.location_gid == "gid://shopify/Location/1"]
    assert level[0].available == 77
    post(client, "products/delete", {"id": 2})
    assert "gid://shopify/Product/2" not in {p.product_gid for p in rows(app, CatalogProduct)}


def test_shop_sync_and_recommend_commands(app, token, standin, monkeypatch, tmp_path):
    config = app_config(tmp_path, standin.origin)
    monkeypatch.setenv("SHELFWISE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SHELFWISE_DATABASE_URL", config["DATABASE_URL"])
    monkeypatch.setenv("SHELFWISE_SECRET_KEY", config["SECRET_KEY"])
    monkeypatch.setenv("SHOPIFY_API_KEY", API_KEY)
    monkeypatch.setenv("SHOPIFY_API_SECRET", API_SECRET)
    monkeypatch.setenv("SHELFWISE_SHOPIFY_ORIGIN", standin.origin)
    runner = CliRunner()
    res = runner.invoke(cli, ["shop", "sync", SHOP, "--poll-interval", "0.05"])
    assert res.exit_code == 0, res.output
    assert "400 orders" in res.output
    res = runner.invoke(cli, ["shop", "recommend", SHOP])
    assert res.exit_code == 0, res.output
    assert "metafields written" in res.output
    assert standin.metafields
    for cmd in (["shop", "sync", "--help"], ["shop", "recommend", "--help"]):
        assert runner.invoke(cli, cmd).exit_code == 0


def test_daily_job_syncs_a_new_shop_and_polling_finishes_it(app, token, standin):
    with app.app_context():
        assert catalog_tasks.daily_advice.call_local() == 1  # never synced: a sync starts
        for _ in range(200):
            if rows(app, CatalogSync)[0].status != "running":
                break
            catalog_tasks.poll_syncs.call_local()
    sync = rows(app, CatalogSync)[0]
    assert sync.status == "done"
    assert standin.metafields  # the finished sync enqueued the recommendations
    with app.app_context():
        writes = standin.mutation_count("metafieldsSet")
        catalog_tasks.daily_advice.call_local()  # synced recently: recommend only
    assert standin.mutation_count("metafieldsSet") > writes
    assert len(rows(app, CatalogSync)) == 1


def test_sync_and_write_back_pace_through_throttling(app, token, standin):
    standin.throttle_every = 3  # every third call answers THROTTLED (HTTP 200)
    with app.app_context():
        summary = catalog.sync_now(SHOP, interval=0.05)
        written = advice.recommend(SHOP).metafields_written
    assert summary["counts"]["orders"] == 400
    assert written == len(standin.metafields) > 0
    assert standin.rejected == []


def test_the_dashboard_of_a_synced_store(app, token, standin):
    from tests.app_support import session_token

    client = app.test_client()
    url = f"/dashboard?shop={SHOP}&embedded=1&id_token="
    empty = client.get(url + session_token(SHOP)).get_data(as_text=True)
    assert "No advice computed yet" in empty and "id='forecasts'" in empty
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
        advice.recommend(SHOP)
    res = client.get(url + session_token(SHOP))
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert page.count('<svg class="chart"') == 8  # products of two variants: summed forecast
    assert "Product 1" in page and "EUR" in page and "id='order-window'" not in page
