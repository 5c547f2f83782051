"""Installed shops and their tokens: store sealed, hand out fresh (refresh or re-exchange).

A token sealed under a key that is no longer configured reads as no token (the merchant's
next visit installs again); a token Shopify refuses (401) is dropped. A refresh is claimed
in the database and done over HTTP with no transaction open, so SQLite's write lock is
never held while Shopify answers.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from connectors.shopify import ShopifyClient, ShopifyError, Unauthorized
from connectors.shopify.client import shop_domain
from webhooks.crypto import Vault, vault
from webhooks.storage import Delivery, Shop, db, utcnow

log = logging.getLogger("shelfwise.shops")

ADMIN = "admin"  # a plain Admin API token (`shelfwise shop add --access-token`)
EXPIRING = "expiring"  # token exchange: expiring offline token with refresh token
CLIENT_CREDENTIALS = "client_credentials"  # a single store's custom app


REFRESH_LEASE = timedelta(seconds=30)  # one process refreshes; others wait at most this


def box() -> Vault:
    """The vault that seals tokens (the app's secret key, the previous one still read)."""
    return vault()


def client() -> ShopifyClient:
    """The app's one `ShopifyClient` (built on first use); a 401 drops the refused token."""
    ext = current_app.extensions
    if "shelfwise.shopify" not in ext:
        ext["shelfwise.shopify"] = ShopifyClient.from_config(
            current_app.config, backoff=float(current_app.config.get("SHOPIFY_BACKOFF", 0.5)),
            on_unauthorized=token_refused)
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
    row.token_refresh_until = None
    # deliveries held for want of a token go again (the sweep enqueues them)
    session.execute(update(Delivery).where(Delivery.shop_domain == row.domain,
                                           Delivery.status == "held")
                    .values(status="queued", lease_until=None))
    return row


def _no_token(shop: str, why: str) -> Unauthorized:
    return Unauthorized("no_token", f"{shop_domain(shop)} {why}", 401)


def access_token(shop: str, *, wait: float = 35.0) -> str:
    """A usable Admin API token for the shop, refreshed when within a minute of expiry.

    Raises `Unauthorized` when the shop has no usable token (none, revoked, or sealed
    under a key no longer configured: the merchant's next visit installs again).
    """
    deadline = time.monotonic() + wait
    while True:
        with db().reading() as session:
            row = get_shop(session, shop)
            if row is None or row.access_token is None:
                raise _no_token(shop, "has no access token")
            shop_id, domain, kind = row.id, row.domain, row.token_kind
            sealed, expires = row.access_token, row.token_expires
            sealed_refresh, refresh_expires = row.refresh_token, row.refresh_token_expires
        token = box().open_or_none(sealed)
        if token is None:
            log.warning("shop %s: stored token unreadable (secret key changed?)", domain)
            raise _no_token(shop, "has a token sealed under another secret key")
        now = utcnow()
        if expires is None or expires > now + timedelta(seconds=60):
            return token
        # Expired or about to: claim the refresh (refresh tokens rotate: one refresher).
        with db().session() as session:
            claimed = session.execute(update(Shop).where(
                Shop.id == shop_id, Shop.token_expires == expires,
                or_(Shop.token_refresh_until.is_(None), Shop.token_refresh_until < now))
                .values(token_refresh_until=now + REFRESH_LEASE)).rowcount
        if not claimed:
            if time.monotonic() > deadline:
                raise ShopifyError("refresh_busy", f"{domain}: another worker is refreshing "
                                   "the token", 0)
            time.sleep(0.2)  # another process is refreshing: read its result
            continue
        try:
            api = client()
            if kind == CLIENT_CREDENTIALS:
                fresh = api.client_credentials(domain)
            else:
                fresh = api.refresh(domain, box().open_or_none(sealed_refresh) or "",
                                    _iso(expires), _iso(refresh_expires))
        except BaseException:
            with db().session() as session:
                session.execute(update(Shop).where(Shop.id == shop_id)
                                .values(token_refresh_until=None))
            raise
        with db().session() as session:
            if fresh is None:  # shopifyapp: still valid
                session.execute(update(Shop).where(Shop.id == shop_id)
                                .values(token_refresh_until=None))
                return token
            save_token(session, domain, fresh, kind or EXPIRING)
        return fresh.token


def token_refused(shop: str, token: str) -> None:
    """Shopify answered 401 to `token`: drop it if it is still the stored one.

    An expiring token is marked expired (the next use refreshes it); a plain one is
    deleted, so deliveries wait for the merchant to open the app again.
    """
    with db().session() as session:
        row = get_shop(session, shop)
        if row is None or row.access_token is None or box().open_or_none(row.access_token) \
                != token:
            return
        if row.refresh_token is not None or row.token_kind == CLIENT_CREDENTIALS:
            row.token_expires = datetime(1970, 1, 1)
        else:
            row.access_token, row.token_expires = None, None
        log.warning("shop %s: Shopify refused the stored token; dropped", row.domain)


def forget_tokens(session: Session, shop: str) -> None:
    """`app/uninstalled`: the tokens are dead; drop them, keep data until `shop/redact`."""
    row = get_shop(session, shop)
    if row is not None:
        row.access_token = row.refresh_token = None
        row.token_expires = row.refresh_token_expires = None
        row.uninstalled_at = utcnow()
