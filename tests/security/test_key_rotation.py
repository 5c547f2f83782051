"""Review item 5: changing `SHELFWISE_SECRET_KEY` breaks no shop, and a dead token is dropped.

The previous key is read through `SHELFWISE_SECRET_KEY_OLD` (MultiFernet); a token sealed
under a key that is gone reads as no token, and deliveries wait for the merchant to open
the app again instead of burning their retries.
"""

from __future__ import annotations

from tests.app_support import SHOP, app_config, order, post, rows, sample, session_token
from webhooks import create_app, deliveries, history
from webhooks.storage import Assessment, Delivery, Order, Shop

NEW_KEY = "a-brand-new-secret-key-for-shelfwise"


def _rotated(tmp_path, standin, **extra):
    return create_app(app_config(tmp_path, standin.origin, SECRET_KEY=NEW_KEY, **extra))


def test_the_previous_key_is_still_read(app, client, token, standin, tmp_path):
    from tests.app_support import SECRET_KEY

    email = "rotated.customer@example.org"
    assert post(client, "orders/create", order(1, email=email, customer_id=55)).status_code == 200
    rotated = _rotated(tmp_path, standin, SECRET_KEY_OLD=SECRET_KEY)
    new_client = rotated.test_client()
    assert post(new_client, "orders/create", order(2)).status_code == 200
    assert {a.order_id: a.state for a in rows(rotated, Assessment)} == {"1": "written",
                                                                        "2": "written"}
    with rotated.app_context():  # the old order's personal fields still read
        [old] = [o for o in rows(rotated, Order) if o.order_id == "1"]
        assert history.read_row(old)["email"] == email
    # a redaction by email finds the order sealed (and digested) under the old key
    redact = {**sample("customers_redact"), "shop_domain": SHOP,
              "customer": {"id": 999, "email": email}, "orders_to_redact": []}
    assert post(new_client, "customers/redact", redact).status_code == 200
    assert [o.order_id for o in rows(rotated, Order)] == ["2"]


def test_a_lost_key_holds_deliveries_until_the_merchant_opens_the_app(app, token, standin,
                                                                      tmp_path):
    rotated = _rotated(tmp_path, standin)  # the old key is gone
    client = rotated.test_client()
    assert post(client, "orders/create", order(3)).status_code == 200
    [held] = rows(rotated, Delivery)
    assert held.status == "held" and held.attempts == 0  # no retry burnt
    assert standin.mutation_count("orderRiskAssessmentCreate") == 0
    # the merchant opens the app: the session token is exchanged for a new token
    res = client.get(f"/?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert res.status_code == 200
    assert rows(rotated, Delivery)[0].status == "queued"
    with rotated.app_context():
        assert deliveries.requeue_expired() == 1
    assert rows(rotated, Delivery)[0].status == "done"
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1


def test_a_token_shopify_refuses_is_dropped_and_the_delivery_held(app, client, token,
                                                                   standin):
    standin.revoke(token)
    assert post(client, "orders/create", order(4)).status_code == 200
    [held] = rows(app, Delivery)
    assert held.status == "held" and held.attempts == 0
    [shop] = rows(app, Shop)
    assert shop.access_token is None
    assert rows(app, Assessment)[0].state != "written"


def test_after_one_daily_run_the_previous_key_can_go(app, client, token, standin, tmp_path):
    from tests.app_support import SECRET_KEY
    from webhooks.tasks import privacy

    email = "kept.customer@example.org"
    assert post(client, "orders/create", order(5, email=email, customer_id=56)).status_code \
        == 200
    rotated = _rotated(tmp_path, standin, SECRET_KEY_OLD=SECRET_KEY)
    with rotated.app_context():
        assert privacy.daily_retention.call_local()["resealed"] >= 2
    only_new = _rotated(tmp_path, standin)  # SHELFWISE_SECRET_KEY_OLD removed
    assert post(only_new.test_client(), "orders/create", order(6)).status_code == 200
    assert {a.order_id: a.state for a in rows(only_new, Assessment)} == {"5": "written",
                                                                         "6": "written"}
    with only_new.app_context():
        [old] = [o for o in rows(only_new, Order) if o.order_id == "5"]
        assert history.read_row(old)["email"] == email
