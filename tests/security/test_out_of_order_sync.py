"""A full sync and catalogue webhooks keep the newest version, in either order.

The bulk rows carry Shopify's ``updatedAt`` (products and inventory levels), kept as the
stored version's stamp, so a body captured before the sync and delivered (or replayed)
after it does not bring old titles, prices or stock back. The other way round, the export
is as old as its bulk operation: a webhook delivered while the operation runs is not
overwritten by it, and a product it creates is not deleted as missing from the export.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.app_support import API_KEY, API_SECRET, SHOP, post, rows
from tests.shopify_bulk import BulkStandIn, make_store
from webhooks import catalog
from webhooks.storage import CatalogProduct, CatalogSync, CatalogVariant, InventoryLevel

SYNCED_AT = datetime(2026, 11, 21, 12, 0)


@pytest.fixture
def standin():
    store = make_store(n_orders=20, n_products=3, now=SYNCED_AT)
    with BulkStandIn(API_KEY, API_SECRET, store=store) as server:
        yield server


def test_a_body_older_than_the_synced_version_changes_nothing(app, token, standin):
    client = app.test_client()
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
    assert {p.source_updated_at for p in rows(app, CatalogProduct)} == {SYNCED_AT}
    assert {lv.source_updated_at for lv in rows(app, InventoryLevel)} == {SYNCED_AT}
    synced = {v.variant_gid: (v.sku, v.price) for v in rows(app, CatalogVariant)}
    level = {(lv.inventory_item_gid, lv.location_gid): lv.available
             for lv in rows(app, InventoryLevel)}
    before = "2026-11-21T11:59:59Z"
    assert post(client, "products/update", {
        "id": 1, "title": "Old name", "updated_at": before,
        "variants": [{"id": 101, "sku": "OLD", "price": "0.50"}]}).status_code == 200
    assert post(client, "inventory_levels/update", {
        "inventory_item_id": 101, "location_id": 1, "available": 999,
        "updated_at": before}).status_code == 200
    assert {p.title for p in rows(app, CatalogProduct)} == {"Product 1", "Product 2",
                                                            "Product 3"}
    assert {v.variant_gid: (v.sku, v.price) for v in rows(app, CatalogVariant)} == synced
    assert {(lv.inventory_item_gid, lv.location_gid): lv.available
            for lv in rows(app, InventoryLevel)} == level
    # a change made after the sync is taken
    assert post(client, "inventory_levels/update", {
        "inventory_item_id": 101, "location_id": 1, "available": 3,
        "updated_at": "2026-11-21T12:00:01Z"}).status_code == 200
    assert [lv.available for lv in rows(app, InventoryLevel) if lv.inventory_item_gid ==
            "gid://shopify/InventoryItem/101" and lv.location_gid ==
            "gid://shopify/Location/1"] == [3]


# --- a webhook delivered while the bulk operation runs ------------------------------------------

def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _stamp_store(standin, when: datetime) -> None:
    """Shopify's updatedAt of every product and inventory level of the stand-in's store."""
    for product in standin.store.products:
        product["updatedAt"] = _iso(when)
    for levels in standin.store.levels.values():
        for level in levels:
            level["updatedAt"] = _iso(when)


def _sync_with(app, client, standin, during: dict[str, Callable[[], None]]) -> None:
    """A full sync ended by `bulk_operations/finish` webhooks; `during[stage]()` runs once the
    stage's export is taken and before it is ingested (while Shopify's operation runs)."""
    with app.app_context():
        sync_id = catalog.start_sync(SHOP)
    for stage in catalog.STAGES:
        [op_gid] = [s.operation_gid for s in rows(app, CatalogSync) if s.id == sync_id]
        standin.wait_built(op_gid)
        during.get(stage, lambda: None)()
        assert post(client, "bulk_operations/finish", standin.finish_payload(op_gid)
                    ).status_code == 200
    assert [s.status for s in rows(app, CatalogSync) if s.id == sync_id] == ["done"]


def _products(app) -> dict[str, str]:
    return {p.product_gid.rsplit("/", 1)[1]: p.title for p in rows(app, CatalogProduct)}


def _variants(app, product: int) -> dict[str, tuple[str | None, float | None]]:
    return {v.variant_gid.rsplit("/", 1)[1]: (v.sku, v.price) for v in rows(app, CatalogVariant)
            if v.product_gid == f"gid://shopify/Product/{product}"}


def _levels(app) -> dict[tuple[str, str], int]:
    return {(lv.inventory_item_gid.rsplit("/", 1)[1], lv.location_gid.rsplit("/", 1)[1]):
            lv.available for lv in rows(app, InventoryLevel)}


def _post_product(client, product: int, title: str, stamp: datetime,
                  variants: list[tuple[int, str, str]]) -> None:
    """A products/update body: variants as (id, sku, price), each its own inventory item."""
    assert post(client, "products/update", {
        "id": product, "title": title, "handle": f"product-{product}", "status": "active",
        "updated_at": _iso(stamp),
        "variants": [{"id": vid, "title": sku, "sku": sku, "price": price,
                      "inventory_item_id": vid} for vid, sku, price in variants]}
    ).status_code == 200


def _post_level(client, item: int, location: int, available: int, stamp: datetime) -> None:
    assert post(client, "inventory_levels/update", {
        "inventory_item_id": item, "location_id": location, "available": available,
        "updated_at": _iso(stamp)}).status_code == 200


def test_a_webhook_delivered_during_the_sync_outlives_the_older_export(app, token, standin):
    client = app.test_client()
    _stamp_store(standin, _now() - timedelta(hours=1))  # the export: taken before the edit
    # while the products export runs, the merchant renames product 1, reprices variant 101,
    # adds variant 104 and removes 102; while the inventory export runs, stock of 101 changes
    _sync_with(app, client, standin, {
        "products": lambda: _post_product(client, 1, "Rye loaf", _now(),
                                          [(101, "RYE-S", "5.50"), (104, "RYE-XL", "12.00")]),
        "inventory": lambda: _post_level(client, 101, 1, 555, _now())})
    assert _products(app) == {"1": "Rye loaf", "2": "Product 2", "3": "Product 3"}
    assert _variants(app, 1) == {"101": ("RYE-S", 5.5), "104": ("RYE-XL", 12.0)}
    assert _variants(app, 2) == {"201": ("SKU-2-1", 8.0), "202": ("SKU-2-2", 9.0)}
    levels = _levels(app)
    assert levels[("101", "1")] == 555
    exported = {(item.rsplit("/", 1)[1], lv["location"]["id"].rsplit("/", 1)[1]):
                lv["quantities"][0]["quantity"]
                for item, lvs in standin.store.levels.items() for lv in lvs}
    assert levels == {**exported, ("101", "1"): 555}


def test_a_product_created_by_webhook_during_the_sync_is_not_deleted(app, token, standin):
    client = app.test_client()
    standin.owned[SHOP].update({"gid://shopify/Product/9", "gid://shopify/InventoryItem/901"})
    _stamp_store(standin, _now() - timedelta(hours=1))
    _sync_with(app, client, standin, {
        "products": lambda: _post_product(client, 9, "Sourdough", _now(),
                                          [(901, "SOUR-1", "7.00")]),
        "inventory": lambda: _post_level(client, 901, 1, 4, _now())})
    assert _products(app) == {"1": "Product 1", "2": "Product 2", "3": "Product 3",
                              "9": "Sourdough"}
    assert _variants(app, 9) == {"901": ("SOUR-1", 7.0)}
    assert _levels(app)[("901", "1")] == 4
    assert len(_levels(app)) == 3 * 2 * 2 + 1


def test_a_sync_still_replaces_older_rows_and_drops_what_shopify_no_longer_has(
        app, token, standin):
    client = app.test_client()
    _stamp_store(standin, _now() - timedelta(hours=3))
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
    # before the next sync: webhooks older than what it will export, and product 7 whose
    # products/delete never arrived
    standin.owned[SHOP].add("gid://shopify/Product/7")
    two_hours_ago = _now() - timedelta(hours=2)
    _post_product(client, 2, "Webhook title", two_hours_ago, [(201, "WEB", "1.00")])
    _post_product(client, 7, "Deleted since", two_hours_ago, [(701, "GONE", "1.00")])
    _post_level(client, 101, 1, 555, two_hours_ago)
    assert _products(app)["2"] == "Webhook title" and _levels(app)[("101", "1")] == 555
    # Shopify now: product 1 renamed, 2 edited again, 3 deleted, stock of 101 counted
    _stamp_store(standin, _now() - timedelta(hours=1))
    standin.store.products[0]["title"] = "Product 1, renamed"
    gone = standin.store.products.pop(2)
    for variant in gone["variants"]:
        del standin.store.levels[variant["inventoryItem"]["id"]]
    standin.store.levels["gid://shopify/InventoryItem/101"][0]["quantities"][0]["quantity"] = 8
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
    assert _products(app) == {"1": "Product 1, renamed", "2": "Product 2"}
    assert _variants(app, 2) == {"201": ("SKU-2-1", 8.0), "202": ("SKU-2-2", 9.0)}
    assert _variants(app, 3) == {} and _variants(app, 7) == {}
    levels = _levels(app)
    assert levels[("101", "1")] == 8
    assert sorted({item for item, _ in levels}) == ["101", "102", "201", "202"]


def test_a_level_gone_before_the_inventory_export_is_dropped_though_stored_during_the_sync(
        app, token, standin):
    # "during the operation" is measured from Shopify's start of the inventory operation, not
    # from the start of the sync: a level a webhook stored while the products stage ran, and
    # that Shopify no longer has when the inventory export is taken, is gone
    client = app.test_client()
    _stamp_store(standin, _now() - timedelta(hours=1))

    def stored_then_removed() -> None:
        _post_level(client, 101, 1, 5, _now())
        item = standin.store.levels["gid://shopify/InventoryItem/101"]
        item[:] = [lv for lv in item if not lv["location"]["id"].endswith("/1")]
        time.sleep(1.1)  # Shopify stamps whole seconds: the inventory operation starts later

    _sync_with(app, client, standin, {"products": stored_then_removed})
    levels = _levels(app)
    assert ("101", "1") not in levels
    assert ("101", "2") in levels and len(levels) == 3 * 2 * 2 - 1
