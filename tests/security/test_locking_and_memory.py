"""Review item 8: no SQLite write lock held through an HTTP token refresh, and a customer's
redaction reads that customer's orders, not the shop's whole history."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

from sqlalchemy import event

from tests.app_support import SHOP, order, post, rows, sample, session_token
from webhooks import shops
from webhooks.storage import Order, Shop, db, utcnow


def test_a_token_refresh_does_not_hold_the_write_lock(app, client, standin, tmp_path):
    res = client.get(f"/?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert res.status_code == 200  # installed with an expiring token
    with app.app_context(), db().session() as session:
        session.get(Shop, rows(app, Shop)[0].id).token_expires = utcnow() + timedelta(seconds=5)
    standin.token_gate = threading.Event()  # Shopify is slow to answer the refresh
    fresh: list[str] = []

    def refresh():
        with app.app_context():
            fresh.append(shops.access_token(SHOP))

    refresher = threading.Thread(target=refresh)
    refresher.start()
    try:
        deadline = utcnow() + timedelta(seconds=20)
        while not standin.token_requests[1:] and utcnow() < deadline:  # the refresh is out
            threading.Event().wait(0.05)
        assert standin.token_requests[-1]["grant_type"] == "refresh_token"
        # meanwhile another process writes (a webhook arriving): no "database is locked"
        with sqlite3.connect(tmp_path / "shelfwise.sqlite3", timeout=0.5) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE shops SET scope = scope")
            conn.commit()
        # a second caller waits for the first refresh instead of refreshing again
        second: list[str] = []
        waiter = threading.Thread(target=lambda: second.append(_token(app)))
        waiter.start()
    finally:
        standin.token_gate.set()
        refresher.join(30)
    waiter.join(30)
    assert fresh and second == fresh
    assert [r["grant_type"] for r in standin.token_requests].count("refresh_token") == 1


def _token(app) -> str:
    with app.app_context():
        return shops.access_token(SHOP)


def test_a_customer_redaction_reads_only_that_customers_orders(app, client, token):
    for i in range(60):
        post(client, "orders/create", order(7000 + i, customer_id=300 + i % 30,
                                            email=f"c{i % 30}@example.org"))
    loaded: list[str] = []
    listener = lambda target, _context: loaded.append(target.order_id)  # noqa: E731
    event.listen(Order, "load", listener)
    try:
        redact = {**sample("customers_redact"), "shop_domain": SHOP,
                  "customer": {"id": 301, "email": "c1@example.org"}, "orders_to_redact": []}
        assert post(client, "customers/redact", redact).status_code == 200
    finally:
        event.remove(Order, "load", listener)
    assert sorted(loaded) == ["7001", "7031"]
    assert len(rows(app, Order)) == 58
