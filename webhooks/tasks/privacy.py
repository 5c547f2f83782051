"""Shopify's mandatory privacy topics, and the daily retention job.

The topic and shop headers are not covered by the HMAC, so a privacy body must name the
delivery's shop itself (``shop_domain``, and ``shop_id`` when the shop's id is known): a
leaked body replayed under another topic or another shop's domain is refused, never
acted on. Every redaction bumps the shop's privacy generation, which makes every
process drop its cached fraud model of the shop.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import delete, select, update

from connectors.shopify.client import shop_domain
from webhooks import fraud, history, insights, shops
from webhooks.crypto import vault
from webhooks.deliveries import handles
from webhooks.queue import huey, in_app_context
from webhooks.storage import Assessment, DataExport, Delivery, Order, Shop, db, utcnow

log = logging.getLogger("shelfwise.privacy")


def _check_shop(shop: str, payload: dict) -> None:
    domain = payload.get("shop_domain")
    if not isinstance(domain, str) or payload.get("shop_id") in (None, ""):
        raise ValueError("the body names no shop (shop_domain and shop_id)")
    if shop_domain(domain) != shop_domain(shop):
        raise ValueError(f"the body is for {shop_domain(domain)}, not {shop_domain(shop)}")


def check_shop_redact(shop: str, payload: dict) -> None:
    """A ``shop/redact`` body: exactly ``shop_id`` and ``shop_domain``, this shop's."""
    _check_shop(shop, payload)
    if set(payload) - {"shop_id", "shop_domain"}:
        raise ValueError("a shop/redact body has only shop_id and shop_domain")


def check_customer_request(shop: str, payload: dict) -> None:
    """A ``customers/*`` body: this shop's, with a customer and a list of orders."""
    _check_shop(shop, payload)
    if not isinstance(payload.get("customer"), dict):
        raise ValueError("the body has no customer")
    orders = payload.get("orders_to_redact", payload.get("orders_requested", []))
    if not isinstance(orders, list):
        raise ValueError("the body's orders are not a list")


def _shop_row(session, shop: str, payload: dict) -> Shop | None:
    row = shops.get_shop(session, shop)
    if row is not None and row.shopify_id and \
            row.shopify_id.rsplit("/", 1)[-1] != str(payload["shop_id"]):
        raise ValueError("the body's shop_id is not this shop's")
    return row


def _customer(payload: dict) -> tuple[str | None, str | None]:
    customer = payload.get("customer") or {}
    cid = str(customer["id"]) if customer.get("id") not in (None, "") else None
    email = str(customer.get("email") or "").strip().lower() or None
    return cid, email


def _customer_orders(session, shop: str, payload: dict, listed: str):
    """(the shop's row or None, the customer id, their stored orders): what a privacy request
    of `payload` is about; `listed` names the payload's own list of order ids."""
    cid, email = _customer(payload)
    shop_row = _shop_row(session, shop, payload)
    if shop_row is None:
        return None, cid, []
    orders = history.customer_orders(session, shop_row.id, customer_id=cid, email=email,
                                     order_ids=payload.get(listed) or [])
    return shop_row, cid, orders


@handles("customers/data_request", check=check_customer_request)
def customers_data_request(shop: str, payload: dict) -> str:
    """Gather what Shelfwise holds on the customer for the shop (read in the app)."""
    with db().session() as session:
        shop_row, cid, orders = _customer_orders(session, shop, payload, "orders_requested")
        if shop_row is None:
            return "nothing held"
        ids = [o.order_id for o in orders]
        assessments = session.scalars(select(Assessment).where(
            Assessment.shop_id == shop_row.id, Assessment.order_id.in_(ids))).all() if ids else []
        content = {
            "customer": payload.get("customer") or {},
            "orders": [history.read_row(o) for o in orders],
            "fraud_assessments": [{"order_id": a.order_id, "score": a.score,
                                   "risk_level": a.risk_level, "reasons": a.reasons}
                                  for a in assessments],
        }
        session.add(DataExport(
            shop_id=shop_row.id, customer_id=cid,
            request_id=str((payload.get("data_request") or {}).get("id") or ""),
            content=json.dumps(content)))
    return f"exported {len(orders)} orders"


@handles("customers/redact", check=check_customer_request)
def customers_redact(shop: str, payload: dict) -> str:
    """Delete the customer's personal data from every table (and every process's model)."""
    with db().session() as session:
        shop_row, cid, orders = _customer_orders(session, shop, payload, "orders_to_redact")
        if shop_row is None:
            return "nothing held"
        ids = {o.order_id for o in orders} | {str(i) for i in payload.get("orders_to_redact")
                                              or []}
        for order in orders:
            session.delete(order)
        if ids:
            session.execute(update(Assessment).where(
                Assessment.shop_id == shop_row.id, Assessment.order_id.in_(ids))
                .values(reasons=None))
        if cid:
            session.execute(delete(DataExport).where(DataExport.shop_id == shop_row.id,
                                                     DataExport.customer_id == cid))
        _redact_bodies(session, shop_row.domain, ids, cid)
        shop_row.privacy_generation = (shop_row.privacy_generation or 0) + 1
        shop_id = shop_row.id
    fraud.forget(shop_id)
    _forget_in_advice(shop, cid)
    return f"redacted {len(orders)} orders"


def _forget_in_advice(shop: str, customer_id: str | None) -> None:
    """The dashboard forgets the redacted orders and the customer's segment tag."""
    insights.forget_orders(shop)
    insights.forget_customer(shop, customer_id)


def _redact_bodies(session, domain: str, order_ids: set[str], customer_id: str | None) -> None:
    """Drop kept delivery bodies (queued, held, failed) that carry the customer's orders."""
    box = vault()
    rows = session.execute(select(Delivery.id, Delivery.body, Delivery.topic).where(
        Delivery.shop_domain == domain, Delivery.body.is_not(None),
        Delivery.topic.not_in(("customers/redact", "customers/data_request")))
        .execution_options(yield_per=200))
    doomed = []
    for delivery_id, sealed, _topic in rows:
        try:
            body = json.loads(box.open_or_none(sealed) or "null")
        except ValueError:
            continue
        if not isinstance(body, dict):
            continue
        cust = body.get("customer") if isinstance(body.get("customer"), dict) else {}
        if str(body.get("id")) in order_ids or (customer_id and str(cust.get("id")) ==
                                                customer_id):
            doomed.append(delivery_id)
    if doomed:
        session.execute(update(Delivery).where(Delivery.id.in_(doomed))
                        .values(body=None, status="redacted"))


@handles("shop/redact", check=check_shop_redact)
def shop_redact(shop: str, payload: dict) -> str:
    """Delete everything held for the shop named by the body (which must be this one)."""
    domain = shop_domain(payload["shop_domain"])
    with db().session() as session:
        shop_row = _shop_row(session, domain, payload)
        if shop_row is not None:
            for model in (Assessment, Order, DataExport):
                session.execute(delete(model).where(model.shop_id == shop_row.id))
            shop_id = shop_row.id
            session.delete(shop_row)  # the catalogue and advice go by ON DELETE CASCADE
        else:
            shop_id = None
        session.execute(update(Delivery).where(Delivery.shop_domain == domain)
                        .values(body=None))
    if shop_id is not None:
        fraud.forget(shop_id)
    return "shop deleted"


# --- retention ------------------------------------------------------------------------------

def purge_expired(days: float | None = None) -> dict[str, int]:
    """Delete delivery rows (and their bodies) and data exports older than the retention
    period (`SHELFWISE_RETENTION_DAYS`, 60), minimize orders stored whole by an older
    version, and during a key rotation seal everything again under the current key;
    what was done."""
    if days is None:
        days = float(current_app.config.get("RETENTION_DAYS") or 60)
    cutoff = utcnow() - timedelta(days=days)
    with db().session() as session:
        deliveries = session.execute(delete(Delivery).where(
            Delivery.received_at < cutoff, Delivery.status != "queued")).rowcount
        stale_bodies = session.execute(update(Delivery).where(
            Delivery.received_at < cutoff, Delivery.body.is_not(None))
            .values(body=None, status="failed", error="body deleted after the retention "
                    "period")).rowcount
        exports = session.execute(delete(DataExport).where(
            DataExport.created_at < cutoff)).rowcount
    minimized = history.minimize_legacy()
    counts = {"deliveries": deliveries + stale_bodies, "data_exports": exports,
              "orders_minimized": minimized}
    if vault().rotating:
        counts["resealed"] = reseal_under_current_key()
    log.info("retention (%s days): %s", days, counts)
    return counts


def reseal_under_current_key() -> int:
    """During a key rotation: seal tokens, orders' personal fields and kept delivery
    bodies again under `SHELFWISE_SECRET_KEY`, so `SHELFWISE_SECRET_KEY_OLD` can go after
    one daily run; how many values were sealed again."""
    box, count = vault(), 0
    with db().session() as session:
        for shop_row in session.scalars(select(Shop)):
            for column in ("access_token", "refresh_token"):
                value = getattr(shop_row, column)
                if value is not None:
                    setattr(shop_row, column, box.reseal(value))
                    count += 1
        for delivery in session.scalars(select(Delivery).where(Delivery.body.is_not(None))):
            delivery.body = box.reseal(delivery.body)
            count += 1
    return count + history.reseal()


@huey.periodic_task(crontab(hour="3", minute="30"))
@in_app_context
def daily_retention() -> dict[str, int]:
    """Every day: the retention period's deletions (`purge_expired`)."""
    return purge_expired()
