"""Catalogue webhooks arriving out of order, or a captured body of the shop's own replayed.

Shopify does not deliver webhooks in order, and a body resent with a new webhook id is not
caught by de-duplication: the stored product or inventory level keeps the newest version by
Shopify's ``updated_at``, whatever order the bodies arrive in.
"""

from __future__ import annotations

import threading
from datetime import datetime

from tests.app_support import SHOP, post, rows
from webhooks.storage import CatalogProduct, CatalogVariant, Delivery, InventoryLevel
from webhooks.tasks import catalog as catalog_tasks

PRODUCT = "gid://shopify/Product/41"
ITEM = "gid://shopify/InventoryItem/4101"
# 10:05 at UTC-5 is 15:05 UTC: newer than 14:00 UTC though its text sorts first
NEWER, OLDER = "2026-11-21T10:05:00-05:00", "2026-11-21T14:00:00Z"


def _product(stamp: str | None, title: str, variants: list[tuple[int, str, str]]) -> dict:
    """A products/update body of product 41: variants as (id, sku, price)."""
    body = {"id": 41, "title": title, "handle": "rye", "status": "active",
            "variants": [{"id": vid, "title": sku, "sku": sku, "price": price,
                          "inventory_item_id": vid} for vid, sku, price in variants]}
    return body if stamp is None else {**body, "updated_at": stamp}


NEW_BODY = _product(NEWER, "Rye loaf", [(4101, "RYE-S", "5.00"), (4102, "RYE-L", "9.00")])
OLD_BODY = _product(OLDER, "Rye", [(4101, "OLD-S", "4.00")])


def _level(stamp: str | None, available: int) -> dict:
    body = {"inventory_item_id": 4101, "location_id": 1, "available": available}
    return body if stamp is None else {**body, "updated_at": stamp}


def _stored(app) -> tuple[str, list[tuple[str, str | None, float | None]]]:
    """The stored product's title and its variants as (gid, sku, price)."""
    [product] = [p for p in rows(app, CatalogProduct) if p.product_gid == PRODUCT]
    variants = sorted((v.variant_gid, v.sku, v.price) for v in rows(app, CatalogVariant)
                      if v.product_gid == PRODUCT)
    return product.title, variants


NEW_STORED = ("Rye loaf", [("gid://shopify/ProductVariant/4101", "RYE-S", 5.0),
                           ("gid://shopify/ProductVariant/4102", "RYE-L", 9.0)])


def _available(app) -> int:
    [level] = [lv for lv in rows(app, InventoryLevel) if lv.inventory_item_gid == ITEM]
    return level.available


def _all_done(app) -> bool:
    return {d.status for d in rows(app, Delivery)} == {"done"}


def test_an_older_product_body_arriving_late_changes_nothing(app, client, token, standin):
    standin.owned[SHOP].add(PRODUCT)
    assert post(client, "products/update", NEW_BODY).status_code == 200
    assert _stored(app) == NEW_STORED
    # the older version (or the same captured body replayed) under a new webhook id
    assert post(client, "products/update", OLD_BODY).status_code == 200
    assert post(client, "products/create", OLD_BODY).status_code == 200
    # a body without a readable updated_at is no newer than a stamped version
    for stamp in (None, "yesterday", "0001-01-01T00:00:00+01:00"):
        res = post(client, "products/update", _product(stamp, "Stale", [(4101, "X", "1.00")]))
        assert res.status_code == 200
    assert _stored(app) == NEW_STORED
    assert _all_done(app)
    [product] = rows(app, CatalogProduct)
    assert product.source_updated_at == datetime(2026, 11, 21, 15, 5)
    with app.app_context():
        assert catalog_tasks.product_updated(SHOP, OLD_BODY) == catalog_tasks.OLDER_PRODUCT


def test_a_newer_product_body_replaces_an_older_one(app, client, token, standin):
    standin.owned[SHOP].add(PRODUCT)
    assert post(client, "products/update", OLD_BODY).status_code == 200
    assert _stored(app) == ("Rye", [("gid://shopify/ProductVariant/4101", "OLD-S", 4.0)])
    assert post(client, "products/update", NEW_BODY).status_code == 200
    assert _stored(app) == NEW_STORED
    # the same stamp again is written (an edit Shopify stamped within the same second)
    same = _product(NEWER, "Rye loaf, sliced", [(4101, "RYE-S", "5.50")])
    assert post(client, "products/update", same).status_code == 200
    assert _stored(app) == ("Rye loaf, sliced",
                            [("gid://shopify/ProductVariant/4101", "RYE-S", 5.5)])
    assert _all_done(app)


def test_an_older_inventory_level_arriving_late_changes_nothing(app, client, token, standin):
    standin.owned[SHOP].add(ITEM)
    assert post(client, "inventory_levels/update", _level(NEWER, 7)).status_code == 200
    for body in (_level(OLDER, 30), _level(None, 31), _level("not a time", 32)):
        assert post(client, "inventory_levels/update", body).status_code == 200
    assert _available(app) == 7
    assert _all_done(app)
    with app.app_context():
        assert catalog_tasks.inventory_level_updated(SHOP, _level(OLDER, 30)) == \
            catalog_tasks.OLDER_LEVEL


def test_a_newer_inventory_level_replaces_an_older_one(app, client, token, standin):
    standin.owned[SHOP].add(ITEM)
    assert post(client, "inventory_levels/update", _level(OLDER, 30)).status_code == 200
    assert _available(app) == 30
    assert post(client, "inventory_levels/update", _level(NEWER, 7)).status_code == 200
    assert _available(app) == 7
    [level] = rows(app, InventoryLevel)
    assert level.source_updated_at == datetime(2026, 11, 21, 15, 5)


def test_two_versions_delivered_at_once_the_newer_wins(app, client, token, standin):
    standin.owned[SHOP].update({PRODUCT, ITEM})
    assert post(client, "products/update", _product("2026-11-21T09:00:00Z", "Rye", [])) \
        .status_code == 200
    for n in range(4):
        older = f"2026-11-21T10:{2 * n:02d}:00Z"
        newer = f"2026-11-21T10:{2 * n + 1:02d}:00Z"
        bodies = [("products/update", _product(older, f"old {n}", [(4101, "S", "1.00")])),
                  ("products/update", _product(newer, f"new {n}", [(4101, "S", "2.00")])),
                  ("inventory_levels/update", _level(older, 100 + n)),
                  ("inventory_levels/update", _level(newer, n))]
        if n % 2:
            bodies.reverse()
        _deliver_at_once(app, bodies)
        assert _stored(app) == (f"new {n}", [("gid://shopify/ProductVariant/4101", "S", 2.0)])
        assert _available(app) == n
    assert _all_done(app)


def _deliver_at_once(app, bodies: list[tuple[str, dict]]) -> None:
    """Post each (topic, body) from its own thread, all released together."""
    start = threading.Barrier(len(bodies))
    codes: list[int] = []

    def send(topic: str, body: dict) -> None:
        own_client = app.test_client()
        start.wait()
        codes.append(post(own_client, topic, body).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [200] * len(bodies)
