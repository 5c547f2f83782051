"""Installed shops and their tokens: store sealed, hand out fresh (refresh or re-exchange)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.shopify import ShopifyClient, Unauthorized
from connectors.shopify.client import shop_domain
from webhooks.crypto import TokenBox
from webhooks.storage import Shop, db, utcnow

ADMIN = "admin"  # a plain Admin API token (`shelfwise shop add --access-token`)
EXPIRING = "expiring"  # token exchange: expiring offline token with refresh token
CLIENT_CREDENTIALS = "client_credentials"  # a single store's custom app


def box() -> TokenBox:
    return TokenBox(str(current_app.config.get("SECRET_KEY") or ""))


def client() -> ShopifyClient:
    """The app's one `ShopifyClient` (built on first use)."""
    ext = current_app.extensions
    if "shelfwise.shopify" not in ext:
        ext["shelfwise.shopify"] = ShopifyClient.from_config(
            current_app.config, backoff=float(current_app.config.get("SHOPIFY_BACKOFF", 0.5)))
    return ext["shelfwise.shopify"]


def get_shop(session: Session, shop: str) -> Shop | None:
    return session.scalar(select(Shop).where(Shop.domain == shop_domain(shop)))


def get_or_create_shop(session: Session, shop: str) -> Shop:
    row = get_shop(session, shop)
    if row is None:
        row = Shop(domain=shop_domain(shop))
        session.add(row)
        session.flush()
    return row


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def save_token(session: Session, shop: str, token: Any, kind: str) -> Shop:
    """Store a shopifyapp access token object (or a plain string) sealed."""
    row = get_or_create_shop(session, shop)
    sealer = box()
    if isinstance(token, str):
        row.access_token, row.token_expires = sealer.seal(token), None
        row.refresh_token = row.refresh_token_expires = None
    else:
        row.access_token = sealer.seal(token.token)
        row.token_expires = _parse_time(getattr(token, "expires", None))
        row.refresh_token = sealer.seal(getattr(token, "refresh_token", None))
        row.refresh_token_expires = _parse_time(getattr(token, "refresh_token_expires", None))
        row.scope = getattr(token, "scope", None) or row.scope
    row.token_kind = kind
    row.uninstalled_at = None
    return row


def access_token(shop: str) -> str:
    """A usable Admin API token for the shop, refreshed when within a minute of expiry.

    Runs in its own transaction, so a rotated refresh token is stored even when the
    caller's work fails later. Raises `Unauthorized` when the shop has no token.
    """
    with db().session() as session:
        row = get_shop(session, shop)
        if row is None or row.access_token is None:
            raise Unauthorized("no_token", f"{shop_domain(shop)} has no access token", 401)
        soon = utcnow() + timedelta(seconds=60)
        if row.token_expires is None or row.token_expires > soon:
            return box().open(row.access_token)
        # Expired or about to: lock the row so one worker refreshes (refresh tokens rotate).
        row = session.scalar(select(Shop).where(Shop.id == row.id).with_for_update()
                             .execution_options(populate_existing=True))
        if row.token_expires is not None and row.token_expires > soon:
            return box().open(row.access_token)
        api = client()
        if row.token_kind == CLIENT_CREDENTIALS:
            token = api.client_credentials(row.domain)
        else:
            token = api.refresh(row.domain, box().open(row.refresh_token) or "",
                                _iso(row.token_expires), _iso(row.refresh_token_expires))
        if token is None:  # shopifyapp: still valid
            return box().open(row.access_token)
        save_token(session, row.domain, token, row.token_kind or EXPIRING)
        return token.token


def forget_tokens(session: Session, shop: str) -> None:
    """`app/uninstalled`: the tokens are dead; drop them, keep data until `shop/redact`."""
    row = get_shop(session, shop)
    if row is not None:
        row.access_token = row.refresh_token = None
        row.token_expires = row.refresh_token_expires = None
        row.uninstalled_at = utcnow()
