"""After a full sync, a catalogue webhook older than the synced version changes nothing.

The bulk rows carry Shopify's ``updatedAt`` (products and inventory levels), kept as the
stored version's stamp, so a body captured before the sync and delivered (or replayed)
after it does not bring old titles, prices or stock back.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.app_support import API_KEY, API_SECRET, SHOP, post, rows
from tests.shopify_bulk import BulkStandIn, make_store
from webhooks import catalog
from webhooks.storage import CatalogProduct, CatalogVariant, InventoryLevel

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
