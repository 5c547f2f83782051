"""``orders/*``: keep the shop's order history and assess every new order exactly once.

The assessment row is claimed in the database before Shopify is called, and a claim left
behind by a killed worker is taken over only after checking Shopify for this app's own
assessment. A body is checked by the one order parser before it is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from connectors.shopify import Unauthorized
from connectors.shopify.client import shop_domain
from connectors.shopify.orders import OrderRecord, parse_order
from webhooks import fraud, history, shops
from webhooks.deliveries import BusyError, NotInstalled, handles
from webhooks.storage import Assessment, db, utcnow

log = logging.getLogger("shelfwise.orders")

RISK_TAGS = {"MEDIUM": "shelfwise-risk-medium", "HIGH": "shelfwise-risk-high"}
_EPOCH = datetime(1970, 1, 1)


def check_order(shop: str, payload: dict) -> None:
    """An order body: it parses (id, created_at, total...), its GraphQL id is its own (the
    assessment is written there), and it is not another shop's."""
    record = parse_order(payload)
    gid = payload.get("admin_graphql_api_id")
    if gid is not None and gid != f"gid://shopify/Order/{record.id}":
        raise ValueError(f"field 'admin_graphql_api_id': {str(gid)[:80]!r} is not the order "
                         f"{record.id}")
    status_url = payload.get("order_status_url")
    if isinstance(status_url, str):
        host = (urlsplit(status_url).hostname or "").lower()
        if host.endswith(".myshopify.com") and host != shop_domain(shop):
            raise ValueError(f"the order belongs to {host}, not {shop_domain(shop)}")


def check_order_edit(shop: str, payload: dict) -> None:
    if not isinstance(payload.get("order_edit"), dict):
        raise ValueError("the body is not an order edit")


@handles("orders/edited", check=check_order_edit)
def order_edited(shop: str, payload: dict) -> str:
    """``orders/edited``: the ``orders/updated`` that follows carries the new order."""
    return "ignored"


@handles("orders/updated", "orders/cancelled", check=check_order)
def order_updated(shop: str, payload: dict) -> str:
    """Keep the history current (a cancellation for fraud becomes a label)."""
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None:  # never installed, or redacted: keep no customer data
            return "ignored (unknown shop)"
        history.save(session, shop_row.id, payload)
    return "saved"


@handles("orders/create", check=check_order)
def order_created(shop: str, payload: dict) -> str:
    """Score the order, write the risk assessment and tag a risky order, once."""
    record = parse_order(payload)
    gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Order/{record.id}"
    with db().session() as session:
        shop_row = shops.get_shop(session, shop)
        if shop_row is None:
            raise NotInstalled(f"{shop_domain(shop)} never installed the app")
        if shop_row.access_token is None:
            raise Unauthorized("no_token", f"{shop_domain(shop)} has no access token", 401)
        shop_id = shop_row.id
        history.save(session, shop_id, payload)
    claim = _claim(shop_id, record.id)
    if claim is None:
        return "already assessed"
    api = shops.client()
    try:
        token = shops.access_token(shop)
        if claim.previous == "risk_written":  # on Shopify already; tags may be missing
            level = _stored_level(shop_id, record.id)
        else:
            level = _write_risk(api, shop, token, claim, gid, payload, record)
        tag = RISK_TAGS.get(level)
        if tag:
            api.add_tags(shop, token, gid, [tag])
    except BaseException:
        # Release the lease so a retry takes over at once. The state says how far this
        # attempt got: "writing" makes the retry look on Shopify before writing again.
        claim.set(claimed_at=_EPOCH)
        raise
    claim.set(state="written", tags=tag, written_at=utcnow())
    return level


@dataclass(frozen=True)
class Claim:
    """This worker's claim on an order's assessment; `fence` is the claim's number.

    A worker whose lease ran out may still be running: every write it makes names its
    fence, so once another worker has taken over, the first one changes nothing.
    """

    shop_id: int
    order_id: str
    previous: str  # new | claimed | writing | risk_written
    fence: int

    def set(self, **values: Any) -> bool:
        """Update the assessment while this claim holds; False when it was taken over."""
        with db().session() as session:
            return bool(session.execute(update(Assessment).where(
                Assessment.shop_id == self.shop_id, Assessment.order_id == self.order_id,
                Assessment.attempts == self.fence).values(**values)).rowcount)


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("ASSESSMENT_LEASE_SECONDS", 120)))


def _claim(shop_id: int, order_id: str) -> Claim | None:
    """Claim the order's assessment (None when it is done).

    Raises `BusyError` while another worker holds a live claim.
    """
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
                    return Claim(shop_id, order_id, "new", 1)
                if row.state == "written":
                    return None
                if now - row.claimed_at < _lease():
                    raise BusyError(f"order {order_id} is being assessed by another worker")
                row.claimed_at, row.attempts = now, row.attempts + 1
                return Claim(shop_id, order_id, row.state, row.attempts)
        except IntegrityError:  # a concurrent first claim won: read it again
            continue
    raise BusyError(f"order {order_id}: claim contention")


def _write_risk(api, shop: str, token: str, claim: Claim, gid: str, payload: dict,
                record: OrderRecord) -> str:
    """Score the order and write its risk assessment unless Shopify already has ours."""
    if not (record.avs or record.cvv) and record.total > 0:
        details = api.payment_details(shop, token, gid)
        if details:
            payload = {**payload, "payment_details": details}
            record = parse_order(payload)
            with db().session() as session:
                history.save(session, claim.shop_id, payload, keep_newer=False)
    risk = fraud.score(claim.shop_id, record)
    level = risk.level
    found = api.own_risk_level(shop, token, gid) if claim.previous == "writing" else None
    if found is not None:
        log.info("order %s of %s: assessment found on Shopify, not written again",
                 record.id, shop)
        level = found
    else:
        # Fenced: only while this claim holds; the lease is stretched over the call, so
        # no other worker takes over while this mutation may still land on Shopify.
        window = float(current_app.config.get("ASSESSMENT_WRITE_SECONDS") or
                       4 * _lease().total_seconds())
        if not claim.set(state="writing", claimed_at=utcnow() + timedelta(seconds=window)):
            raise BusyError(f"order {record.id}: another worker took the assessment over")
        facts = [{"description": d, "sentiment": s} for d, s in risk.facts]
        api.create_risk_assessment(shop, token, gid, risk.level, facts)
    claim.set(state="risk_written", score=risk.score, risk_level=level, reasons=risk.reasons)
    return level


def _stored_level(shop_id: int, order_id: str) -> str:
    with db().reading() as session:
        return str(session.scalar(select(Assessment.risk_level).where(
            Assessment.shop_id == shop_id, Assessment.order_id == order_id)))

