"""Background jobs (huey): process one recorded webhook delivery by id.

A consumer loads ``webhooks.jobs.huey``. Tasks take ids, open an app context, and retry
network work. Every order is assessed exactly once: the assessment row is claimed in the
database before Shopify is called, and a claim left behind by a killed worker is taken
over only after checking Shopify for this app's own assessment.
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import crontab
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from connectors.shopify import ShopifyError, Unauthorized
from connectors.shopify.client import shop_domain
from engine.errors import InputError
from webhooks import fraud, shops
from webhooks.queue import huey
from webhooks.storage import Assessment, DataExport, Delivery, Order, Shop, db, utcnow

log = logging.getLogger("shelfwise.jobs")

RISK_TAGS = {"MEDIUM": "shelfwise-risk-medium", "HIGH": "shelfwise-risk-high"}
MAX_DELIVERY_ATTEMPTS = 8
_EPOCH = datetime(1970, 1, 1)
_app: Flask | None = None


class BusyError(RuntimeError):
    """Another worker holds a fresh claim on this order: try again later."""


def bind_app(app: Flask) -> None:
    """Run tasks in this app (the embedded consumer of `shelfwise serve`, workers)."""
    global _app
    _app = app


def in_app_context(fn):
    """Open the bound app's context (a worker builds its own app on first use)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        global _app
        if _app is None:
            from webhooks import create_app

            _app = create_app()
        with _app.app_context():
            return fn(*args, **kwargs)
    return wrapper


@huey.task(retries=6, retry_delay=1, retry_backoff=2)
@in_app_context
def process_delivery(delivery_id: int) -> str:
    """Process a recorded delivery; transient failures are retried by huey."""
    return handle_delivery(delivery_id)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def requeue_stale() -> int:
    """Re-enqueue deliveries left queued (a worker died holding them)."""
    age = float(current_app.config.get("REQUEUE_AFTER_SECONDS", 120))
    return requeue(older_than=age)


def requeue(older_than: float = 0.0) -> int:
    """Enqueue again every queued delivery received more than `older_than` seconds ago."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    with db().reading() as session:
        ids = session.scalars(select(Delivery.id).where(
            Delivery.status == "queued", Delivery.received_at <= cutoff)).all()
    for delivery_id in ids:
        process_delivery(delivery_id)
    if ids:
        log.info("re-enqueued %d queued deliveries", len(ids))
    return len(ids)


def handle_delivery(delivery_id: int) -> str:
    with db().session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "queued":
            return "skipped"
        if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
            delivery.status, delivery.body = "failed", None
            delivery.error = f"gave up after {delivery.attempts} attempts"
            delivery.processed_at = utcnow()
            log.error("delivery %s: %s", delivery_id, delivery.error)
            return "failed"
        delivery.attempts += 1
        topic, shop, body = delivery.topic, delivery.shop_domain, delivery.body
    try:
        payload = json.loads(body or "")
        if not isinstance(payload, dict):
            raise ValueError("the body is not a JSON object")
        outcome = HANDLERS.get(topic, _ignore)(shop, payload)
    except (BusyError, ShopifyError) as err:
        if isinstance(err, Unauthorized):
            return _finish(delivery_id, "failed", f"{err.code}: {err.detail}")
        log.info("delivery %s (%s, %s): will retry: %s", delivery_id, topic, shop, err)
        raise
    except (ValueError, InputError, KeyError, TypeError) as err:
        log.warning("delivery %s (%s, %s) is bad: %s", delivery_id, topic, shop, err)
        return _finish(delivery_id, "bad", str(err)[:500])
    return _finish(delivery_id, "done", None, outcome)


def _finish(delivery_id: int, status: str, error: str | None, outcome: str = "") -> str:
    with db().session() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status=status, error=error, body=None, processed_at=utcnow()))
    return outcome or status


def _ignore(shop: str, payload: dict) -> str:
    return "ignored"


# --- orders ---------------------------------------------------------------------------------

def _order_fields(payload: dict) -> dict[str, Any]:
    customer = payload.get("customer") or {}
    created = payload.get("created_at")
    try:
        created_at = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        if created_at.tzinfo is not None:
            created_at = (created_at - created_at.utcoffset()).replace(tzinfo=None)
    except ValueError:
        created_at = None
    return {
        "customer_id": str(customer["id"]) if customer.get("id") is not None else None,
        "email": (payload.get("email") or payload.get("contact_email") or customer.get("email")
                  or None),
        "created_at": created_at,
        "cancel_reason": payload.get("cancel_reason"),
    }


def _stamp(value: Any) -> float:
    """Seconds of an ISO time (``updated_at``), 0 when absent or unreadable."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _save_order(session, shop_row: Shop, payload: dict) -> Order:
    """Insert or update the order in the shop's history (keeping fetched payment details)."""
    order_id = str(payload["id"])
    row = session.scalar(select(Order).where(Order.shop_id == shop_row.id,
                                             Order.order_id == order_id))
    if row is not None:
        old = json.loads(row.payload)
        if _stamp(payload.get("updated_at")) < _stamp(old.get("updated_at")):
            payload = old  # deliveries arrive out of order: keep the newer version
        elif "payment_details" in old and "payment_details" not in payload:
            payload = {**payload, "payment_details": old["payment_details"]}
    fields = _order_fields(payload)
    if row is None:
        row = Order(shop_id=shop_row.id, order_id=order_id, payload=json.dumps(payload), **fields)
        session.add(row)
    else:
        row.payload = json.dumps(payload)
        for key, value in fields.items():
            setattr(row, key, value)
    row.updated_at = utcnow()
    return row


def order_updated(shop: str, payload: dict) -> str:
    """`orders/updated`, `orders/cancelled`: keep the history current (fraud labels)."""
    if payload.get("id") in (None, ""):
        raise ValueError("the order has no id")
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None:  # never installed: keep no customer data
            return "ignored (unknown shop)"
        _save_order(session, shop_row, payload)
    return "saved"


def _claim(shop_id: int, order_id: str) -> str | None:
    """Claim the order's assessment: the previous state when taken over, None when done.

    Raises `BusyError` while another worker holds a fresh claim.
    """
    lease = timedelta(seconds=float(current_app.config.get("ASSESSMENT_LEASE_SECONDS", 120)))
    for _ in range(2):
        try:
            with db().session() as session:
                row = session.scalar(select(Assessment).where(
                    Assessment.shop_id == shop_id, Assessment.order_id == order_id)
                    .with_for_update())
                now = utcnow()
                if row is None:
                    session.add(Assessment(shop_id=shop_id, order_id=order_id, state="claimed",
                                           claimed_at=now, attempts=1))
                    return "new"
                if row.state == "written":
                    return None
                if now - row.claimed_at < lease:
                    raise BusyError(f"order {order_id} is being assessed by another worker")
                row.claimed_at, row.attempts = now, row.attempts + 1
                return row.state
        except IntegrityError:  # a concurrent first claim won: read it again
            continue
    raise BusyError(f"order {order_id}: claim contention")


def _set_state(shop_id: int, order_id: str, **values: Any) -> None:
    with db().session() as session:
        session.execute(update(Assessment).where(
            Assessment.shop_id == shop_id, Assessment.order_id == order_id).values(**values))


def order_created(shop: str, payload: dict) -> str:
    """`orders/create`: score the order, write the risk assessment and tag risky orders once."""
    if payload.get("id") in (None, ""):
        raise ValueError("the order has no id")
    order_id = str(payload["id"])
    gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Order/{order_id}"
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None or shop_row.access_token is None:
            raise Unauthorized("no_token", f"{shop_domain(shop)} is not installed", 401)
        shop_id = shop_row.id
        _save_order(session, shop_row, payload)
    previous = _claim(shop_id, order_id)
    if previous is None:
        return "already assessed"
    api = shops.client()
    try:
        token = shops.access_token(shop)
        if previous == "risk_written":  # the assessment is on Shopify; tags may be missing
            level = _stored_level(shop_id, order_id)
        else:
            level = _write_risk(api, shop, token, shop_id, payload, previous)
        tag = RISK_TAGS.get(level)
        if tag:
            api.add_tags(shop, token, gid, [tag])
    except BaseException:
        # Release the lease so a retry takes over at once. The state says how far this
        # attempt got: "writing" makes the retry look on Shopify before writing again.
        _set_state(shop_id, order_id, claimed_at=_EPOCH)
        raise
    _set_state(shop_id, order_id, state="written", tags=tag, written_at=utcnow())
    return level


def _write_risk(api, shop: str, token: str, shop_id: int, payload: dict, previous: str) -> str:
    """Score the order and write its risk assessment unless Shopify already has ours."""
    order_id = str(payload["id"])
    gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Order/{order_id}"
    if not _has_card_facts(payload) and _paid_something(payload):
        details = api.payment_details(shop, token, gid)
        if details:
            payload = {**payload, "payment_details": details}
            with db().session() as session:
                _save_order(session, session.get(Shop, shop_id), payload)
    risk = fraud.score(shop_id, payload)
    level = risk.level
    found = api.own_risk_level(shop, token, gid) if previous == "writing" else None
    if found is not None:
        log.info("order %s of %s: assessment found on Shopify, not written again",
                 order_id, shop)
        level = found
    else:
        _set_state(shop_id, order_id, state="writing")
        facts = [{"description": d, "sentiment": s} for d, s in risk.facts]
        api.create_risk_assessment(shop, token, gid, risk.level, facts)
    _set_state(shop_id, order_id, state="risk_written", score=risk.score, risk_level=level,
               reasons=risk.reasons)
    return level


def _stored_level(shop_id: int, order_id: str) -> str:
    with db().reading() as session:
        return str(session.scalar(select(Assessment.risk_level).where(
            Assessment.shop_id == shop_id, Assessment.order_id == order_id)))


def _has_card_facts(payload: dict) -> bool:
    details = payload.get("payment_details") or {}
    return bool(details.get("avs_result_code") or details.get("cvv_result_code"))


def _paid_something(payload: dict) -> bool:
    try:
        return float(payload.get("total_price") or 0) > 0
    except (TypeError, ValueError):
        return False


# --- app lifecycle and privacy --------------------------------------------------------------

def app_uninstalled(shop: str, payload: dict) -> str:
    """`app/uninstalled`: the tokens are revoked; data stays until `shop/redact`."""
    with db().session() as session:
        shops.forget_tokens(session, shop)
    return "tokens deleted"


def _customer_orders(session, shop_id: int, payload: dict, key: str) -> list[Order]:
    customer = payload.get("customer") or {}
    ids = {str(i) for i in payload.get(key) or []}
    rows = session.scalars(select(Order).where(Order.shop_id == shop_id)).all()
    cid = str(customer["id"]) if customer.get("id") is not None else None
    email = (customer.get("email") or "").lower() or None
    return [r for r in rows if r.order_id in ids or (cid and r.customer_id == cid)
            or (email and (r.email or "").lower() == email)]


def customers_data_request(shop: str, payload: dict) -> str:
    """`customers/data_request`: gather what Shelfwise holds on the customer for the shop."""
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None:
            return "nothing held"
        orders = _customer_orders(session, shop_row.id, payload, "orders_requested")
        ids = [o.order_id for o in orders]
        assessments = session.scalars(select(Assessment).where(
            Assessment.shop_id == shop_row.id, Assessment.order_id.in_(ids))).all() if ids else []
        customer = payload.get("customer") or {}
        content = {
            "customer": customer,
            "orders": [json.loads(o.payload) for o in orders],
            "fraud_assessments": [{"order_id": a.order_id, "score": a.score,
                                   "risk_level": a.risk_level, "reasons": a.reasons}
                                  for a in assessments],
        }
        session.add(DataExport(
            shop_id=shop_row.id,
            customer_id=str(customer["id"]) if customer.get("id") is not None else None,
            request_id=str((payload.get("data_request") or {}).get("id") or ""),
            content=json.dumps(content)))
    return f"exported {len(orders)} orders"


def customers_redact(shop: str, payload: dict) -> str:
    """`customers/redact`: delete the customer's personal data from every table."""
    customer = payload.get("customer") or {}
    cid = str(customer["id"]) if customer.get("id") is not None else None
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None:
            return "nothing held"
        orders = _customer_orders(session, shop_row.id, payload, "orders_to_redact")
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
        fraud.forget(shop_row.id)
    return f"redacted {len(orders)} orders"


def _redact_bodies(session, domain: str, order_ids: set[str], customer_id: str | None) -> None:
    """Blank unprocessed delivery bodies that carry the customer's orders."""
    for delivery in session.scalars(select(Delivery).where(
            Delivery.shop_domain == domain, Delivery.body.is_not(None))).all():
        try:
            body = json.loads(delivery.body)
        except ValueError:
            continue
        if not isinstance(body, dict):
            continue
        cust = body.get("customer") if isinstance(body.get("customer"), dict) else {}
        if str(body.get("id")) in order_ids or (customer_id and str(cust.get("id")) == customer_id):
            if delivery.topic in ("customers/redact", "customers/data_request"):
                continue
            delivery.body, delivery.status = None, "redacted"


def shop_redact(shop: str, payload: dict) -> str:
    """`shop/redact`: delete everything held for the shop."""
    domain = shop_domain(payload.get("shop_domain") or shop)
    with db().session() as session:
        shop_row = shops.get_shop(session, domain)
        if shop_row is not None:
            for model in (Assessment, Order, DataExport):
                session.execute(delete(model).where(model.shop_id == shop_row.id))
            fraud.forget(shop_row.id)
            session.delete(shop_row)
        session.execute(update(Delivery).where(Delivery.shop_domain == domain)
                        .values(body=None))
    return "shop deleted"


HANDLERS = {
    "orders/create": order_created,
    "orders/updated": order_updated,
    "orders/cancelled": order_updated,
    "orders/edited": _ignore,
    "app/uninstalled": app_uninstalled,
    "customers/data_request": customers_data_request,
    "customers/redact": customers_redact,
    "shop/redact": shop_redact,
}

from webhooks import catalog_jobs  # noqa: E402,F401  (issue 7: catalogue tasks and topics)
