"""The Shopify app in process: signed webhooks, exactly-once fraud tagging, privacy topics.

The app talks to a local Shopify stand-in (real HTTP on loopback) that validates every
GraphQL document against the Admin schema; huey runs tasks inline (`immediate`).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connectors.cli import main as cli
from connectors.shopify import ShopifyClient, ShopifyError
from tests.app_support import (
    API_KEY,
    API_SECRET,
    SHOP,
    bearer,
    delivery,
    order,
    post,
    rows,
    sample,
    session_token,
)
from webhooks import create_app, deliveries, history, shops
from webhooks.storage import Assessment, DataExport, Delivery, Order, Shop, db, utcnow


def test_healthz(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.json == {"database": "ok", "queue": "ok"}


def test_forged_and_unsigned_deliveries_are_refused(client, token, standin):
    body, headers = delivery("orders/create", order(1001))
    forged = dict(headers, **{"X-Shopify-Hmac-Sha256": delivery("x", {}, raw=b"other")[1][
        "X-Shopify-Hmac-Sha256"]})
    assert client.post("/webhooks/shopify", data=body, headers=forged).status_code == 401
    wrong_secret = delivery("orders/create", order(1001), secret="not-the-secret")
    assert client.post("/webhooks/shopify", data=wrong_secret[0],
                       headers=wrong_secret[1]).status_code == 401
    unsigned = {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}
    assert client.post("/webhooks/shopify", data=body, headers=unsigned).status_code == 401
    assert client.get("/webhooks/shopify").status_code == 405
    assert standin.mutations == []


def test_new_order_is_scored_written_and_tagged_once(app, client, token, standin):
    payload = sample("orders_create")
    res = post(client, "orders/create", payload, webhook_id="wh-1")
    assert res.status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "written"
    assert assessment.order_id == "820982911946154508"
    gid = payload["admin_graphql_api_id"]
    [written] = standin.assessments[gid]
    assert written["riskLevel"] == assessment.risk_level
    assert {f["sentiment"] for f in written["facts"]} <= {"POSITIVE", "NEGATIVE"}
    assert [f["description"] for f in written["facts"]] == assessment.reasons.split("; ")
    if assessment.risk_level in ("MEDIUM", "HIGH"):
        assert standin.tags[gid] == {f"shelfwise-risk-{assessment.risk_level.lower()}"}
    else:
        assert gid not in standin.tags
    # AVS/CVV came from Order.transactions.paymentDetails and are kept in the history
    [stored] = rows(app, Order)
    assert json.loads(stored.payload)["payment_details"]["cvv_result_code"] == "M"
    # the same webhook again, the same body under a new webhook id, and the same order
    # in a new body: nothing new on Shopify
    assert post(client, "orders/create", payload, webhook_id="wh-1").status_code == 200
    assert post(client, "orders/create", payload, webhook_id="wh-2").status_code == 200
    assert post(client, "orders/create", {**payload, "note": "again"},
                webhook_id="wh-3").status_code == 200
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    assert len(rows(app, Delivery)) == 2
    assert standin.rejected == []


def test_risky_order_is_tagged_high(app, client, token, standin):
    # card testing: many low-value orders from one IP within minutes
    for i in range(6):
        post(client, "orders/create", order(5000 + i, email=f"x{i}@mailinator.com",
                                            customer_id=900 + i, total="1.00", ip="203.0.113.9",
                                            created_at=f"2026-11-21T10:0{i}:00Z"))
    levels = {a.order_id: a.risk_level for a in rows(app, Assessment)}
    assert levels["5005"] in ("MEDIUM", "HIGH")
    assert standin.tags["gid://shopify/Order/5005"] & {"shelfwise-risk-medium",
                                                       "shelfwise-risk-high"}
    assert standin.mutation_count("orderRiskAssessmentCreate") == 6


def test_throttling_and_server_errors_are_retried(app, client, token, standin):
    standin.throttle_next(2)
    standin.fail_next(2, status=503)
    assert post(client, "orders/create", order(2001)).status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "written"
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1


def test_ambiguous_failure_does_not_write_twice(app, client, token, standin):
    standin.fail_after_apply(1)  # Shopify applies the assessment, then answers 502
    assert post(client, "orders/create", order(3001)).status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "written"
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1


def test_failed_tagging_is_retried_without_a_second_assessment(app, client, token, standin):
    standin.fail_field["tagsAdd"] = 6  # every try of the first attempt fails
    payload = order(3100, email="x@mailinator.com")
    standin.payment_details[payload["admin_graphql_api_id"]] = {
        "avsResultCode": "N", "cvvResultCode": "N", "bin": "400000", "number": "•••• 0002",
        "company": "Visa", "wallet": None}
    assert post(client, "orders/create", payload).status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "risk_written" and assessment.risk_level in ("MEDIUM", "HIGH")
    [pending] = rows(app, Delivery)
    assert pending.status == "queued"  # the retry is scheduled
    with app.app_context():
        assert deliveries.handle_delivery(pending.id) == assessment.risk_level
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    tag = f"shelfwise-risk-{assessment.risk_level.lower()}"
    assert standin.tags[payload["admin_graphql_api_id"]] == {tag}
    assert rows(app, Assessment)[0].state == "written"


def test_claim_left_by_a_killed_worker_is_taken_over_once(app, client, token, standin):
    gid = "gid://shopify/Order/3002"
    with app.app_context(), db().session() as session:
        shop_id = session.scalar(select(Shop.id))
        # a worker died right after Shopify accepted its assessment
        session.add(Assessment(shop_id=shop_id, order_id="3002", state="writing",
                               claimed_at=utcnow() - timedelta(hours=1), attempts=1))
    standin.assessments[gid].append({"riskLevel": "LOW", "facts": [], "apiKey": API_KEY})
    assert post(client, "orders/create", order(3002)).status_code == 200
    [assessment] = rows(app, Assessment)
    assert assessment.state == "written" and assessment.attempts == 2
    assert standin.mutation_count("orderRiskAssessmentCreate") == 0
    # a fresh claim held by a live worker is left alone (retried later)
    with app.app_context(), db().session() as session:
        session.add(Assessment(shop_id=shop_id, order_id="3003", state="claimed",
                               claimed_at=utcnow(), attempts=1))
    assert post(client, "orders/create", order(3003)).status_code == 200
    assert {d.status for d in rows(app, Delivery)} == {"done", "queued"}
    assert standin.mutation_count("orderRiskAssessmentCreate") == 0


def test_malformed_signed_body_is_recorded_as_bad_not_500(app, client, token):
    res = post(client, "orders/create", None, raw=b'{"id": 12, "created_at": ')
    assert res.status_code == 200
    res = post(client, "orders/create", None, raw=b"[1, 2]")
    assert res.status_code == 200
    res = post(client, "orders/create", {"id": "x", "total_price": "abc"})
    assert res.status_code == 200
    assert {d.status for d in rows(app, Delivery)} == {"bad"}
    assert rows(app, Order) == []
    body, headers = delivery("orders/create", order(1))
    del headers["X-Shopify-Webhook-Id"]
    assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 400


def test_unknown_shop_fails_without_retry(app, client):
    nobody = order(7, order_status_url="https://nobody.myshopify.com/1/orders/abc/authenticate")
    assert post(client, "orders/create", nobody, shop="nobody.myshopify.com").status_code == 200
    [d] = rows(app, Delivery)
    assert d.status == "failed" and "not installed" in d.error and d.body is None
    assert rows(app, Order) == [] and rows(app, Shop) == []


def test_token_is_not_stored_readable(app, client, token, tmp_path):
    post(client, "orders/create", order(4001))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("shelfwise.sqlite3*"))
    assert token.encode() not in raw
    [shop] = rows(app, Shop)
    assert shop.access_token and token not in shop.access_token


def test_cancelled_as_fraud_becomes_a_label(app, client, token):
    post(client, "orders/create", order(6001))
    post(client, "orders/cancelled", order(6001, cancel_reason="fraud",
                                            updated_at="2026-11-21T12:00:00-05:00"))
    [row] = rows(app, Order)
    assert row.cancel_reason == "fraud"
    with app.app_context():
        assert history.read_row(row)["cancel_reason"] == "fraud"
    # an older version arriving late does not undo the label
    post(client, "orders/updated", order(6001, updated_at="2026-11-21T11:00:00-05:00"))
    assert rows(app, Order)[0].cancel_reason == "fraud"


def test_app_uninstalled_drops_tokens(app, client, token):
    payload = {**sample("app_uninstalled"), "myshopify_domain": SHOP, "domain": SHOP}
    assert post(client, "app/uninstalled", payload).status_code == 200
    [shop] = rows(app, Shop)
    assert shop.access_token is None and shop.uninstalled_at is not None


def _privacy(name, shop=SHOP):
    payload = sample(name)
    payload["shop_domain"] = shop
    return payload


def test_customer_data_request_and_redact(app, client, token, tmp_path):
    email = "privacy.person@example.org"
    post(client, "orders/create", order(299938, email=email, customer_id=191167))
    post(client, "orders/create", order(280263, email=email, customer_id=191167))
    post(client, "orders/create", order(111, email="someone.else@example.org", customer_id=5))
    assert post(client, "customers/data_request", _privacy("customers_data_request")
                ).status_code == 200
    [export] = rows(app, DataExport)
    content = json.loads(export.content)
    assert sorted(o["id"] for o in content["orders"]) == [280263, 299938]
    assert len(content["fraud_assessments"]) == 2
    # the merchant reads it with an App Bridge session token
    res = client.get("/api/data-requests",
                     headers=bearer(session_token()))
    assert res.status_code == 200 and res.json["data_requests"][0]["customer_id"] == "191167"

    assert post(client, "customers/redact", _privacy("customers_redact")).status_code == 200
    assert [o.order_id for o in rows(app, Order)] == ["111"]
    assert rows(app, DataExport) == []
    kept = {a.order_id: a.reasons for a in rows(app, Assessment)}
    assert kept["299938"] is None and kept["111"]  # assessed once, reasons scrubbed
    with app.app_context():
        db().engine.dispose()  # the last connection checkpoints the WAL into the file
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("shelfwise.sqlite3*"))
    assert b"privacy.person" not in raw


def test_shop_redact_deletes_the_shop(app, client, token):
    post(client, "orders/create", order(8001))
    assert post(client, "shop/redact", _privacy("shop_redact")).status_code == 200
    assert rows(app, Shop) == [] and rows(app, Order) == [] and rows(app, Assessment) == []
    assert all(d.body is None for d in rows(app, Delivery) if d.status == "done")


def test_app_home_installs_by_token_exchange_and_refreshes(app, client, standin):
    res = client.get(f"/?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert res.status_code == 200, res.data
    assert b"Shelfwise" in res.data
    [shop] = rows(app, Shop)
    assert shop.token_kind == "expiring" and shop.refresh_token and shop.token_expires
    assert [r["grant_type"] for r in standin.token_requests] == [
        "urn:ietf:params:oauth:grant-type:token-exchange"]
    # the token is about to expire: the next job refreshes it first
    with app.app_context():
        with db().session() as session:
            session.get(Shop, shop.id).token_expires = utcnow() + timedelta(seconds=10)
        fresh = shops.access_token(SHOP)
    assert standin.token_requests[-1]["grant_type"] == "refresh_token"
    assert standin.tokens[fresh] == SHOP
    assert post(client, "orders/create", order(9001)).status_code == 200
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    # without a session token the admin is not served
    assert client.get("/api/assessments").status_code in (401, 302)
    res = client.get("/api/assessments", headers=bearer(session_token()))
    assert res.status_code == 200 and len(res.json["assessments"]) == 1
    bad = session_token(secret="wrong-secret-wrong-secret-wrong-secret")
    assert client.get("/api/assessments",
                      headers=bearer(bad)).status_code == 401
    # months later both tokens expired: the next visit installs again by token exchange
    with app.app_context(), db().session() as session:
        row = session.get(Shop, shop.id)
        row.token_expires = row.refresh_token_expires = utcnow() - timedelta(days=1)
    res = client.get(f"/?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert res.status_code == 200
    assert standin.token_requests[-1]["grant_type"].endswith("token-exchange")
    assert rows(app, Shop)[0].token_expires > utcnow()


def test_shop_add_with_access_token_and_client_credentials(tmp_path, standin, monkeypatch):
    for key, value in {"SHELFWISE_INSTANCE_PATH": str(tmp_path), "SHELFWISE_SECRET_KEY": "k",
                       "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                       "SHELFWISE_SHOPIFY_ORIGIN": standin.origin}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SHELFWISE_DATABASE_URL", raising=False)
    token = standin.add_token("corner-shop.myshopify.com")
    runner = CliRunner()
    res = runner.invoke(cli, ["shop", "add", "corner-shop.myshopify.com", "--access-token",
                              token])
    assert res.exit_code == 0, res.output
    assert "Registered corner-shop.myshopify.com (Corner-Shop)" in res.output
    res = runner.invoke(cli, ["shop", "add", "corner-shop", "--access-token", "shpat_wrong"])
    assert res.exit_code == 1 and "refused" in res.output
    res = runner.invoke(cli, ["shop", "add", "custom-one.myshopify.com", "--client-credentials"])
    assert res.exit_code == 0, res.output
    assert standin.token_requests[-1]["grant_type"] == "client_credentials"
    res = runner.invoke(cli, ["shop", "add", "x.myshopify.com"])
    assert res.exit_code == 2
    app = create_app({"TESTING": True})
    with app.app_context(), db().session() as session:
        kinds = {s.domain: s.token_kind for s in session.scalars(select(Shop))}
    assert kinds == {"corner-shop.myshopify.com": "admin",
                     "custom-one.myshopify.com": "client_credentials"}
    assert token.encode() not in (tmp_path / "shelfwise.sqlite3").read_bytes()


def test_client_paces_on_throttle_status_and_never_logs_tokens(standin, caplog):
    token = standin.add_token(SHOP)
    sleeps: list[float] = []
    def sleep(seconds):
        sleeps.append(seconds)
        time.sleep(seconds)

    api = ShopifyClient(API_KEY, API_SECRET, origin=standin.origin, backoff=0.01, sleep=sleep)
    standin.throttle_next(1)
    caplog.set_level(logging.DEBUG)
    assert api.shop(SHOP, token)["myshopifyDomain"] == SHOP
    assert sleeps and sleeps[0] > 0  # waited for the bucket per extensions.cost
    standin.fail_next(10, status=503)
    with pytest.raises(ShopifyError) as err:
        api.shop(SHOP, token)
    assert err.value.status == 503
    assert token not in caplog.text
    with pytest.raises(ShopifyError):
        api.shop(SHOP, "shpat_wrong")
    assert standin.rejected == []


def test_sweep_requeues_expired_leases_and_retry_gives_up_after_hours(app, client, token,
                                                                      standin):
    standin.fail_next(100, status=503)  # Shopify is down: the delivery waits for a retry
    assert post(client, "orders/create", order(7001)).status_code == 200
    [pending] = rows(app, Delivery)
    assert pending.status == "queued" and pending.first_failed_at is not None
    standin._fail_next.clear()
    with app.app_context():
        assert deliveries.requeue_expired() == 0  # its lease runs until the retry is due
        with db().session() as session:
            session.get(Delivery, pending.id).lease_until = utcnow() - timedelta(seconds=1)
        assert deliveries.requeue_expired() == 1  # what a restarted worker does first
    assert rows(app, Delivery)[0].status == "done"
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    with app.app_context():
        spent = len(deliveries.retry_delays()) + 1
    with app.app_context(), db().session() as session:
        session.add(Delivery(webhook_id="stuck", shop_domain=SHOP, topic="orders/create",
                             status="queued", body=None, attempts=spent - 1))
    standin.fail_next(100, status=503)
    stuck = [d for d in rows(app, Delivery) if d.webhook_id == "stuck"][0]
    with app.app_context(), db().session() as session:
        from webhooks.crypto import vault

        session.get(Delivery, stuck.id).body = vault().seal(json.dumps(order(7002)))
    with app.app_context():
        assert deliveries.handle_delivery(stuck.id) == "failed"
    stuck = [d for d in rows(app, Delivery) if d.webhook_id == "stuck"][0]
    assert stuck.status == "failed" and "gave up" in stuck.error
    assert stuck.body is not None  # kept (sealed) for `shelfwise deliveries retry`


def test_a_worker_whose_claim_was_taken_over_writes_nothing(app, client, token, standin):
    from connectors.shopify.orders import parse_order
    from webhooks.deliveries import BusyError
    from webhooks.tasks import orders

    payload = order(3200)
    with app.app_context():
        with db().session() as session:
            shop_id = session.scalar(select(Shop.id))
            history.save(session, shop_id, payload)
        slow = orders._claim(shop_id, "3200")  # a worker, then stalled past its lease
        with db().session() as session:
            row = session.scalar(select(Assessment))
            row.claimed_at = utcnow() - timedelta(hours=1)
    assert post(client, "orders/create", payload).status_code == 200  # another takes over
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    with app.app_context(), pytest.raises(BusyError):
        orders._write_risk(shops.client(), SHOP, token, slow, payload["admin_graphql_api_id"],
                           payload, parse_order(payload))
    assert standin.mutation_count("orderRiskAssessmentCreate") == 1
    assert rows(app, Assessment)[0].state == "written"


def test_every_subscribed_topic_has_a_handler_and_a_body_check():
    import tomllib
    from pathlib import Path

    import webhooks.tasks  # noqa: F401  (registers the topics)

    toml = tomllib.loads((Path(__file__).resolve().parents[2] / "shopify.app.toml")
                         .read_text(encoding="utf-8"))
    subscribed = {t for s in toml["webhooks"]["subscriptions"]
                  for t in s.get("topics", []) + s.get("compliance_topics", [])}
    assert subscribed <= set(deliveries.TOPICS)
    for topic in subscribed:
        with pytest.raises(ValueError):
            deliveries.check(topic, SHOP, {"unrelated": "body"})
