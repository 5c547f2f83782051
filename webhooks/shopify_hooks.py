"""`POST /webhooks/shopify`: verify the HMAC, record the delivery once, enqueue, answer 200."""

from __future__ import annotations

import logging

from flask import Blueprint, Request, current_app, request
from shopify_app import ShopifyApp
from sqlalchemy.exc import IntegrityError

from connectors.shopify.client import shop_domain
from webhooks import jobs
from webhooks.storage import Delivery, get_session

bp = Blueprint("shopify_hooks", __name__)
log = logging.getLogger("shelfwise.webhooks")


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


@bp.post("/webhooks/shopify")
def receive():
    shopify_req = as_shopify_req(request)
    try:
        verifier = shopify_app()
    except RuntimeError as err:  # SHOPIFY_API_SECRET missing: Shopify will retry later
        log.error("%s", err)
        return "webhooks are not configured", 503
    result = verifier.verify_webhook_req(shopify_req)
    if not result.ok:
        log.warning("webhook refused: %s", result.log.code)
        return result.response.body or "", result.response.status
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if not webhook_id or not topic or not result.shop:
        return "missing X-Shopify-Webhook-Id, X-Shopify-Topic or X-Shopify-Shop-Domain", 400
    session = get_session()
    delivery = Delivery(webhook_id=webhook_id[:255], shop_domain=shop_domain(result.shop),
                        topic=topic[:64], status="queued", body=shopify_req["body"], attempts=0)
    session.add(delivery)
    try:
        session.commit()
    except IntegrityError:  # seen before: acknowledged, not processed again
        session.rollback()
        return "", 200
    try:
        jobs.process_delivery(delivery.id)
    except Exception:
        # The queue is down: forget the delivery so Shopify's retry is processed.
        log.exception("could not enqueue webhook %s; answering 503", webhook_id)
        session.delete(delivery)
        session.commit()
        return "queue unavailable", 503
    return "", 200
