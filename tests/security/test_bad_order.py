"""One bad order never stops the good ones (measured under load by the review).

A signed ``orders/create`` without ``created_at`` is refused before it is stored; a
malformed row already in storage is skipped and counted by the history readers; when the
model fails the rules still assess the order; and no order's data fails another's.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import insert, select

from tests.app_support import order, post, rows
from webhooks import fraud, history
from webhooks.storage import Assessment, Delivery, Order, Shop, db


def _orders(n: int, first: int = 100) -> list[dict]:
    return [order(first + i, email=f"buyer{i}@example.org", customer_id=500 + i,
                  created_at=f"2026-11-21T10:{i:02d}:00Z") for i in range(n)]


def test_an_order_without_created_at_is_refused_and_the_next_one_assessed(app, client, token):
    for payload in _orders(3):
        assert post(client, "orders/create", payload).status_code == 200
    bad = order(999)
    del bad["created_at"]
    assert post(client, "orders/create", bad).status_code == 200
    assert post(client, "orders/create", _orders(1, first=200)[0]).status_code == 200
    [refused] = [d for d in rows(app, Delivery) if d.status == "bad"]
    assert "created_at" in refused.error
    assert "999" not in {o.order_id for o in rows(app, Order)}
    assert {a.order_id: a.state for a in rows(app, Assessment)} == {
        "100": "written", "101": "written", "102": "written", "200": "written"}


def test_a_malformed_stored_row_is_skipped_and_counted(app, client, token, caplog):
    for payload in _orders(3):
        post(client, "orders/create", payload)
    with app.app_context(), db().session() as session:
        shop_id = session.scalar(select(Shop.id))
        broken = order(998)
        del broken["created_at"]  # stored by an older version, before validation
        session.execute(insert(Order).values(shop_id=shop_id, order_id="998", format=2,
                                             payload=json.dumps(broken)))
        session.execute(insert(Order).values(shop_id=shop_id, order_id="997", format=2,
                                             payload="{not json"))
    fraud.forget(shop_id)
    caplog.set_level(logging.WARNING, "shelfwise.history")
    assert post(client, "orders/create", _orders(1, first=300)[0]).status_code == 200
    assert {a.order_id: a.state for a in rows(app, Assessment)}["300"] == "written"
    with app.app_context():
        read = history.read(shop_id)
    assert read.skipped == 2 and len(read.records) == 4
    assert "2 stored orders skipped" in caplog.text


def test_when_the_model_fails_the_rules_still_assess(app, client, token, monkeypatch):
    def broken_model(shop_id, record):
        raise RuntimeError("the model cannot read this shop's history")

    monkeypatch.setattr(fraud, "_model", broken_model)
    assert post(client, "orders/create", _orders(1)[0]).status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "written" and assessment.risk_level in ("LOW", "MEDIUM", "HIGH")
