"""Helpers for the Shopify app tests: signed deliveries, sample payloads, session tokens."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import jwt

DATA = Path(__file__).resolve().parent / "data" / "shopify"
API_KEY = "test-client-id"
API_SECRET = "test-client-secret-0123456789abcdef"
SECRET_KEY = "test-secret-key-for-shelfwise"
SHOP = "bakery-test.myshopify.com"


def sample(name: str) -> dict:
    """A copy of one of Shopify's sample webhook payloads (tests/data/shopify/NAME.json);
    an order's status page is on the test shop (Shopify's sample names another shop)."""
    payload = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    if isinstance(payload.get("order_status_url"), str):
        payload["order_status_url"] = payload["order_status_url"].replace(
            "jsmith.myshopify.com", SHOP)
    return payload


def order(order_id: int, *, email: str | None = None, customer_id: int | None = None,
          total: str = "42.00", ip: str | None = None, **extra) -> dict:
    """The sample `orders/create` payload with a new id (and the given fields)."""
    payload = copy.deepcopy(sample("orders_create"))
    payload["id"] = order_id
    payload["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    payload["name"] = f"#{order_id}"
    payload["total_price"] = total
    payload["current_total_price"] = total
    payload["cancel_reason"] = None
    payload["cancelled_at"] = None
    if email is not None:
        payload["email"] = payload["contact_email"] = email
        payload["customer"]["email"] = email
    if customer_id is not None:
        payload["customer"]["id"] = customer_id
    if ip is not None:
        payload["browser_ip"] = ip
    payload.update(extra)
    return payload


def sign(body: bytes, secret: str = API_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery(topic: str, payload, *, shop: str = SHOP, webhook_id: str | None = None,
             secret: str = API_SECRET, raw: bytes | None = None) -> tuple[bytes, dict]:
    """(body, headers) of a webhook delivery as Shopify sends it."""
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-21T10:00:00Z",
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Hmac-Sha256": sign(body, secret),
    }
    return body, headers


def session_token(shop: str = SHOP, *, secret: str = API_SECRET, api_key: str = API_KEY,
                  **changes) -> str:
    """An App Bridge session token (id token) for `shop`, signed like Shopify signs it;
    `changes` replace claims (a claim set to None is left out), for forged tokens."""
    now = int(time.time())
    claims = {"iss": f"https://{shop}/admin", "dest": f"https://{shop}", "aud": api_key,
              "sub": "42", "exp": now + 60, "nbf": now - 5, "iat": now - 5,
              "jti": str(uuid.uuid4()), "sid": str(uuid.uuid4()), **changes}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret,
                      algorithm="HS256")


def bearer(token: str) -> dict:
    """The Authorization header an embedded page's fetch sends with its session token."""
    return {"Authorization": f"Bearer {token}"}


def app_config(instance, origin: str, **extra) -> dict:
    """`create_app` test configuration on a temporary instance folder and the stand-in."""
    return {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY,
            "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
            "SHOPIFY_ORIGIN": origin, "SHOPIFY_BACKOFF": 0.01,
            "DATABASE_URL": f"sqlite:///{instance}/shelfwise.sqlite3", **extra}


def post(client, topic: str, payload, **kw):
    """Send a signed delivery to the app's webhook endpoint (a Flask test client)."""
    body, headers = delivery(topic, payload, **kw)
    return client.post("/webhooks/shopify", data=body, headers=headers)


def rows(app, model) -> list:
    """Every stored row of a storage model."""
    from sqlalchemy import select

    from webhooks.storage import db

    with app.app_context(), db().session() as session:
        return session.scalars(select(model)).all()


def register_token(app, standin, shop: str = SHOP) -> str:
    """A shop registered with a plain Admin API token that the stand-in accepts."""
    from webhooks import shops
    from webhooks.storage import db

    value = standin.add_token(shop)
    with app.app_context(), db().session() as session:
        shops.save_token(session, shop, value, shops.ADMIN)
    return value
