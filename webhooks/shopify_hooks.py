"""`POST /webhooks/shopify`: verify the HMAC, check the body, record the delivery once,
enqueue, answer 200.

Only the body is signed: the topic, shop, webhook id and event id headers can be changed
by whoever holds a signed body. So the body must fit the topic (`deliveries.check`), the
privacy topics act only on the shop their body names, and a delivery is recorded once per
webhook id, per (shop, topic, event id) and per (shop, topic, body). A body larger than
`MAX_CONTENT_LENGTH` (1 MiB) is refused with 413 before it is read; nothing a sender
puts in a header or body makes the endpoint answer 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re

from flask import Blueprint, Request, current_app, request
from shopify_app import ShopifyApp
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from connectors.shopify.client import shop_domain
from webhooks import deliveries
from webhooks.crypto import vault
from webhooks.storage import Delivery, db, utcnow

bp = Blueprint("shopify_hooks", __name__)
log = logging.getLogger("shelfwise.webhooks")

_RECORD = insert(Delivery).returning(Delivery.id)  # built once: the hot path
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$")
TOPIC = re.compile(r"^[a-z_]{1,40}/[a-z_]{1,40}$")


def shopify_app() -> ShopifyApp:
    """The app's `shopifyapp.ShopifyApp` (client id and secrets from the configuration)."""
    ext = current_app.extensions
    if "shelfwise.shopifyapp" not in ext:
        cfg = current_app.config
        if not cfg.get("SHOPIFY_API_SECRET"):
            raise RuntimeError("SHOPIFY_API_SECRET is not set: webhooks cannot be verified")
        ext["shelfwise.shopifyapp"] = ShopifyApp(
            client_id=cfg.get("SHOPIFY_API_KEY") or "unset",
            client_secret=cfg["SHOPIFY_API_SECRET"],
            old_client_secret=cfg.get("SHOPIFY_API_SECRET_OLD") or None)
    return ext["shelfwise.shopifyapp"]


def as_shopify_req(req: Request) -> dict:
    """The request as shopifyapp reads it: method, headers, url and the raw body as text."""
    return {"method": req.method, "headers": dict(req.headers), "url": req.url,
            "body": req.get_data(as_text=True)}


def signed(body: bytes, header: str, secrets: list[str]) -> bool:
    """True when `header` is the base64 HMAC-SHA256 of `body` under one of `secrets`.

    A header that is not ASCII base64 of 32 bytes is simply not a signature.
    """
    try:
        given = base64.b64decode(header.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return False
    if len(given) != 32:
        return False
    return any(hmac.compare_digest(hmac.new(s.encode("utf-8"), body, hashlib.sha256).digest(),
                                   given) for s in secrets if s)


def _header(name: str, limit: int = 255) -> str:
    value = request.headers.get(name, "")
    return value.strip()[:limit] if value.isascii() else ""


@bp.post("/webhooks/shopify")
def receive():
    cfg = current_app.config
    if not cfg.get("SHOPIFY_API_SECRET"):  # Shopify will retry once it is configured
        log.error("SHOPIFY_API_SECRET is not set: webhooks cannot be verified")
        return "webhooks are not configured", 503
    body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH: 413 before reading
    if not signed(body, request.headers.get("X-Shopify-Hmac-Sha256", ""),
                  [cfg["SHOPIFY_API_SECRET"], cfg.get("SHOPIFY_API_SECRET_OLD") or ""]):
        log.warning("webhook refused: HMAC does not match")
        return "unauthorized", 401
    webhook_id = _header("X-Shopify-Webhook-Id")
    topic = _header("X-Shopify-Topic", 64).lower()
    raw_shop = _header("X-Shopify-Shop-Domain").lower()
    shop = shop_domain(raw_shop) if raw_shop else ""
    if not webhook_id or not TOPIC.match(topic) or not SHOP_DOMAIN.match(shop):
        return "missing or malformed X-Shopify-Webhook-Id, X-Shopify-Topic or " \
               "X-Shopify-Shop-Domain", 400
    event_id = _header("X-Shopify-Event-Id") or None
    digest = hashlib.sha256(b"\0".join([shop.encode(), topic.encode(), body])).hexdigest()
    status, error = "queued", None
    try:
        payload = json.loads(body)
        deliveries.check(topic, shop, payload)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError too
        status, error = "bad", f"refused on arrival: {str(err)[:400] or type(err).__name__}"
        log.warning("webhook %s (%s, %s) refused: %s", webhook_id, topic, shop, error)
    sealed = vault().seal(body.decode("utf-8", "replace"))
    try:  # one short write transaction (Core, no ORM unit of work: this is the hot path)
        with db().engine.begin() as conn:
            delivery_id = conn.execute(_RECORD, {
                "webhook_id": webhook_id, "event_id": event_id, "digest": digest,
                "shop_domain": shop, "topic": topic, "status": status, "error": error,
                "body": sealed, "attempts": 0, "received_at": utcnow(),
                "lease_until": deliveries.lease()}).scalar_one()
    except IntegrityError:  # seen before (webhook id, event or same body): not again
        return "", 200
    except SQLAlchemyError:  # read-only, full or unreachable: Shopify retries a 503
        log.exception("could not record webhook %s; answering 503", webhook_id)
        return "storage unavailable", 503
    if status != "queued":
        return "", 200  # acknowledged (Shopify must not resend it) and kept for a replay
    try:
        deliveries.process_delivery(delivery_id)
    except Exception:
        # The queue is down: forget the delivery so Shopify's retry is processed.
        log.exception("could not enqueue webhook %s; answering 503", webhook_id)
        with db().engine.begin() as conn:
            conn.execute(delete(Delivery).where(Delivery.id == delivery_id))
        return "queue unavailable", 503
    return "", 200
