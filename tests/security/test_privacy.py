"""Review item 7: redacted customers leave every process's fraud model, a late catalogue
webhook brings no shop back, only the fields the models use are kept (personal ones
sealed), and raw bodies and exports go after the retention period."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from datetime import timedelta

from sqlalchemy import insert, select

from tests.app_support import SHOP, app_config, order, post, rows, sample
from webhooks import history
from webhooks.storage import DataExport, Delivery, Order, Shop, db, utcnow
from webhooks.tasks import privacy

REDACTED = "redact.me@example.org"


def _score_in_another_process(config: dict, conn) -> None:
    """A second worker process: fit the shop's model, wait for the redaction, score again
    and say whether its model still holds the redacted customer's email."""
    from connectors.shopify.orders import parse_order
    from tests.app_support import order as make_order
    from webhooks import create_app, fraud
    from webhooks.storage import Shop as ShopRow
    from webhooks.storage import db as database

    app = create_app(config)
    with app.app_context():
        with database().reading() as session:
            shop_id = session.scalar(select(ShopRow.id))
        fraud.score(shop_id, parse_order(make_order(900, created_at="2026-11-21T12:00:00Z")))
        conn.send(REDACTED.encode() in pickle.dumps(fraud._cache[shop_id].scorer))
        conn.recv()  # the other process redacted the customer
        fraud.score(shop_id, parse_order(make_order(901, created_at="2026-11-21T12:05:00Z")))
        conn.send(REDACTED.encode() in pickle.dumps(fraud._cache[shop_id].scorer))


def test_a_redaction_reaches_the_cached_model_of_another_worker_process(app, client, token,
                                                                        standin, tmp_path):
    for i in range(6):
        post(client, "orders/create", order(100 + i, email=REDACTED if i < 3 else
                                            f"other{i}@example.org", customer_id=7 if i < 3
                                            else 50 + i, created_at=f"2026-11-21T10:0{i}:00Z"))
    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    worker = ctx.Process(target=_score_in_another_process,
                         args=(app_config(tmp_path, standin.origin), there))
    worker.start()
    try:
        assert here.poll(120), "the second worker did not fit its model"
        assert here.recv() is True  # its model learnt from the customer's orders
        redact = {**sample("customers_redact"), "shop_domain": SHOP,
                  "customer": {"id": 7, "email": REDACTED}, "orders_to_redact": []}
        assert post(client, "customers/redact", redact).status_code == 200
        here.send("redacted")
        assert here.poll(120)
        assert here.recv() is False  # it noticed the redaction and refitted without them
    finally:
        worker.join(30)
        if worker.is_alive():
            worker.kill()


def test_a_late_catalogue_webhook_brings_no_shop_back(app, client, token):
    product = {"id": 1, "title": "Mug", "variants": [{"id": 11, "sku": "M"}]}
    assert post(client, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP}).status_code \
        == 200
    assert rows(app, Shop) == []
    assert post(client, "products/update", product).status_code == 200
    assert post(client, "inventory_levels/update", {"inventory_item_id": 11, "location_id": 1,
                                                    "available": 3}).status_code == 200
    never = "never-installed.myshopify.com"
    assert post(client, "products/create", product, shop=never).status_code == 200
    assert rows(app, Shop) == []
    assert {d.status for d in rows(app, Delivery) if d.topic != "shop/redact"} == {"done"}


def test_only_the_fields_the_models_use_are_kept_and_personal_ones_sealed(app, client, token,
                                                                          tmp_path):
    payload = order(4001, email="sealed.person@example.org", ip="203.0.113.77",
                    note="Leave it with the neighbour at flat 9", phone="+15550001234")
    payload["billing_address"]["address1"] = "42 Secret Street"
    assert post(client, "orders/create", payload).status_code == 200
    [row] = rows(app, Order)
    with app.app_context():
        back = history.read_row(row)
    assert back["email"] == "sealed.person@example.org"
    assert back["browser_ip"] == "203.0.113.77"
    assert back["billing_address"]["address1"] == "42 Secret Street"
    assert "note" not in back and "phone" not in back  # the models do not use them
    assert row.email_digest and "sealed.person" not in row.email_digest
    with app.app_context():
        db().engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("shelfwise.sqlite3*"))
    for secret in (b"sealed.person", b"203.0.113.77", b"42 Secret Street", b"flat 9",
                   b"5550001234"):
        assert secret not in raw, secret


def test_the_daily_job_deletes_bodies_and_exports_after_the_retention_period(app, client,
                                                                             token):
    old = utcnow() - timedelta(days=61)
    with app.app_context(), db().session() as session:
        shop_id = session.scalar(select(Shop.id))
        for i, status in enumerate(("done", "failed", "bad")):
            session.add(Delivery(webhook_id=f"old-{i}", shop_domain=SHOP, topic="orders/create",
                                 status=status, body="sealed" if status != "done" else None,
                                 received_at=old))
        session.add(Delivery(webhook_id="recent", shop_domain=SHOP, topic="orders/create",
                             status="failed", body="sealed"))
        session.add(DataExport(shop_id=shop_id, content="{}", created_at=old))
        session.add(DataExport(shop_id=shop_id, content="{}"))
        # an order stored whole by an earlier version
        session.execute(insert(Order).values(
            shop_id=shop_id, order_id="77", format=1, updated_at=old,
            payload=json.dumps(order(77, email="legacy.person@example.org"))))
    with app.app_context():
        counts = privacy.daily_retention.call_local()
    assert counts["deliveries"] == 3 and counts["data_exports"] == 1
    assert [d.webhook_id for d in rows(app, Delivery)] == ["recent"]
    assert len(rows(app, DataExport)) == 1
    [legacy] = rows(app, Order)
    assert legacy.format == 2 and b"legacy.person" not in legacy.payload.encode()
    with app.app_context():
        assert history.read_row(legacy)["email"] == "legacy.person@example.org"
