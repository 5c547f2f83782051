"""Review item 1: a leaked signed body replayed with another topic, shop or event.

Only the body is signed. These attacks resend real signed bodies with changed
`X-Shopify-Topic`, `X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id` and `X-Shopify-Event-Id`.
"""

from __future__ import annotations

import json
import uuid

from tests.app_support import SHOP, delivery, order, post, register_token, rows, sample
from webhooks.storage import (
    CatalogProduct,
    CatalogVariant,
    DataExport,
    Delivery,
    InventoryLevel,
    Order,
    Shop,
)

OTHER = "victim-shop.myshopify.com"


def _resend(client, body: bytes, headers: dict, **changes) -> int:
    """Send a captured signed delivery again with some headers changed."""
    changed = dict(headers)
    for name, value in changes.items():
        changed["X-Shopify-" + name.replace("_", "-").title()] = value
    changed["X-Shopify-Webhook-Id"] = changes.get("Webhook_Id", str(uuid.uuid4()))
    return client.post("/webhooks/shopify", data=body, headers=changed).status_code


def _victim(app, client, standin) -> None:
    register_token(app, standin, OTHER)
    victim_order = order(77, email="victim@example.org", customer_id=4242,
                         order_status_url=f"https://{OTHER}/1/orders/x/authenticate")
    assert post(client, "orders/create", victim_order, shop=OTHER).status_code == 200


def _victim_intact(app) -> None:
    assert OTHER in {s.domain for s in rows(app, Shop)}
    assert "77" in {o.order_id for o in rows(app, Order)}


def test_a_products_body_resent_as_shop_redact_of_another_shop_deletes_nothing(
        app, client, token, standin):
    _victim(app, client, standin)
    body, headers = delivery("products/update", {"id": 1, "title": "Mug", "variants": []})
    assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 200
    for topic in ("shop/redact", "customers/redact", "app/uninstalled"):
        assert _resend(client, body, headers, Topic=topic, Shop_Domain=OTHER) == 200
    _victim_intact(app)
    assert [s for s in rows(app, Shop) if s.domain == OTHER][0].access_token is not None
    refused = [d for d in rows(app, Delivery) if d.shop_domain == OTHER and d.status == "bad"]
    assert len(refused) == 3


def test_a_shop_redact_body_acts_only_on_the_shop_it_names(app, client, token, standin):
    _victim(app, client, standin)
    own = {**sample("shop_redact"), "shop_domain": SHOP}
    body, headers = delivery("shop/redact", own)
    # replayed under the victim's domain: the body names another shop, so nothing happens
    assert _resend(client, body, headers, Shop_Domain=OTHER) == 200
    _victim_intact(app)
    assert SHOP in {s.domain for s in rows(app, Shop)}
    # a body that names the victim but arrives under another shop's domain: refused too
    victim_body, victim_headers = delivery("shop/redact", {**own, "shop_domain": OTHER})
    assert _resend(client, victim_body, victim_headers, Shop_Domain=SHOP) == 200
    _victim_intact(app)


def test_a_customer_redaction_of_one_shop_cannot_delete_another_shops_orders(
        app, client, token, standin):
    _victim(app, client, standin)
    redact = {**sample("customers_redact"), "shop_domain": SHOP,
              "customer": {"id": 4242, "email": "victim@example.org"}, "orders_to_redact": [77]}
    body, headers = delivery("customers/redact", redact)
    assert _resend(client, body, headers, Shop_Domain=OTHER) == 200
    _victim_intact(app)


def test_an_order_body_of_one_shop_is_not_stored_under_another(app, client, token, standin):
    register_token(app, standin, OTHER)
    mine = order(500, order_status_url=f"https://{SHOP}/1/orders/x/authenticate")
    body, headers = delivery("orders/create", mine)
    assert _resend(client, body, headers, Shop_Domain=OTHER) == 200
    assert rows(app, Order) == []
    assert standin.mutations == []


def test_a_catalogue_body_of_one_shop_adds_nothing_to_another(app, client, token, standin):
    """Product and inventory bodies name no shop: one shop's, replayed under another
    installed shop's domain, is stored only where Shopify confirms the object."""
    register_token(app, standin, OTHER)
    standin.owned[SHOP].update({"gid://shopify/Product/31", "gid://shopify/InventoryItem/3101"})
    product = {"id": 31, "title": "Sourdough", "tags": "perishable",
               "variants": [{"id": 3101, "price": "4.50", "inventory_item_id": 3101}]}
    level = {"inventory_item_id": 3101, "location_id": 1, "available": 12}
    for topic, body in (("products/create", product), ("inventory_levels/update", level)):
        raw, headers = delivery(topic, body)
        assert client.post("/webhooks/shopify", data=raw, headers=headers).status_code == 200
        assert _resend(client, raw, headers, Shop_Domain=OTHER) == 200
    shops = {s.id: s.domain for s in rows(app, Shop)}
    assert {shops[p.shop_id] for p in rows(app, CatalogProduct)} == {SHOP}
    assert {shops[v.shop_id] for v in rows(app, CatalogVariant)} == {SHOP}
    assert [(shops[lv.shop_id], lv.available) for lv in rows(app, InventoryLevel)] == [(SHOP, 12)]
    foreign = [d for d in rows(app, Delivery) if d.shop_domain == OTHER
               and d.topic in ("products/create", "inventory_levels/update")]
    assert len(foreign) == 2 and {d.status for d in foreign} == {"done"}
    # the owner's next update of a product it already has needs no question to Shopify
    asked = len([c for c in standin.calls if "NodeOwned" in c["query"]])
    assert post(client, "products/update", {**product, "title": "Sourdough loaf"}).status_code \
        == 200
    assert [p.title for p in rows(app, CatalogProduct)] == ["Sourdough loaf"]
    assert len([c for c in standin.calls if "NodeOwned" in c["query"]]) == asked
    # a global id of another kind of the shop's objects is not taken for a product
    odd = {"id": "gid://shopify/InventoryItem/3101", "title": "Not a product", "variants": []}
    assert post(client, "products/create", odd).status_code == 200
    assert [p.product_gid for p in rows(app, CatalogProduct)] == ["gid://shopify/Product/31"]


def test_the_same_event_or_the_same_body_is_processed_once(app, client, token, standin):
    post(client, "orders/create", order(9, email="a@example.org", customer_id=191167))
    request = {**sample("customers_data_request"), "shop_domain": SHOP}
    body, headers = delivery("customers/data_request", request)
    assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 200
    # a second subscription of the same event (new webhook id, same event id, same body)
    assert _resend(client, body, headers) == 200
    # the body again under a new webhook id and a new event id
    assert _resend(client, body, headers, Event_Id=str(uuid.uuid4())) == 200
    # the same event id with another body (another request): still the same event
    other = json.dumps({**request, "data_request": {"id": 999}}).encode()
    other_headers = delivery("customers/data_request", None, raw=other)[1]
    other_headers["X-Shopify-Event-Id"] = headers["X-Shopify-Event-Id"]
    assert client.post("/webhooks/shopify", data=other, headers=other_headers).status_code == 200
    assert len(rows(app, DataExport)) == 1
    assert len([d for d in rows(app, Delivery) if d.topic == "customers/data_request"]) == 1
