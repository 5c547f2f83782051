"""Score one new order against the shop's stored history with the fraud engine.

A fitted `engine.fraud.FraudScorer` is kept per shop in this process and refitted when
enough new orders arrived or it grew old; the orders seen since the fit are passed in
front of the new one so velocity signals (card testing within an hour) stay exact.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from connectors.shopify.orders import fraud_frame, parse_order, readable_orders
from engine.fraud import FraudScorer
from webhooks.storage import Order, db

HISTORY_LIMIT = 2000  # most recent orders a model learns from
REFIT_AFTER_ORDERS = 100
RECENT_LIMIT = 50  # newest orders since the fit passed in front (velocity within hours)
REFIT_AFTER_SECONDS = 600.0


@dataclass(frozen=True)
class Risk:
    """The engine's verdict on one order, in Shopify's terms."""

    score: float
    level: str  # LOW | MEDIUM | HIGH
    reasons: str
    facts: tuple[tuple[str, str], ...]  # (description, POSITIVE|NEGATIVE)


@dataclass
class _Fitted:
    scorer: FraudScorer
    last_pk: int
    at: float


_cache: dict[int, _Fitted] = {}
_lock = threading.Lock()
_fit_locks: dict[int, threading.Lock] = {}


def _payloads(shop_id: int, *, after_pk: int = 0, exclude: str | None = None,
              limit: int = HISTORY_LIMIT) -> tuple[list[dict], int]:
    query = select(Order.id, Order.payload).where(Order.shop_id == shop_id, Order.id > after_pk)
    if exclude is not None:
        query = query.where(Order.order_id != exclude)
    with db().reading() as session:
        rows = session.execute(query.order_by(Order.id.desc()).limit(limit)).all()
    rows.reverse()
    return [json.loads(p) for _, p in rows], max((pk for pk, _ in rows), default=after_pk)


def score(shop_id: int, order: dict) -> Risk:
    """Assess `order` (webhook shape) with the shop's model, fitting it when needed."""
    order_id = str(order.get("id"))
    fitted = _fresh(shop_id, order_id)
    if fitted is None:
        with _lock:
            fit_lock = _fit_locks.setdefault(shop_id, threading.Lock())
        with fit_lock:  # one thread of the process fits; the others use its model
            fitted = _fresh(shop_id, order_id)
            if fitted is None:
                history, last_pk = _payloads(shop_id, exclude=order_id)
                scorer = FraudScorer().fit(fraud_frame(readable_orders(history)
                                                       or [parse_order(order)]))
                fitted = _Fitted(scorer, last_pk, time.monotonic())
                with _lock:
                    _cache[shop_id] = fitted
    recent, _ = _payloads(shop_id, after_pk=fitted.last_pk, exclude=order_id,
                          limit=RECENT_LIMIT)
    table = fitted.scorer.assess(fraud_frame([*readable_orders(recent), parse_order(order)]))
    row = table.iloc[-1]
    facts = tuple((f.description[:256], f.sentiment) for f in row["facts"])[:20]
    if not facts:
        facts = (("No risk signal found in this order.", "POSITIVE"),)
    return Risk(float(row["score"]), str(row["risk_level"]), str(row["reasons"]), facts)


def _fresh(shop_id: int, order_id: str) -> _Fitted | None:
    """The cached model when it is recent enough, else None."""
    with _lock:
        fitted = _cache.get(shop_id)
    if fitted is None or time.monotonic() - fitted.at > REFIT_AFTER_SECONDS:
        return None
    with db().reading() as session:
        newer = session.scalar(select(func.count()).select_from(Order).where(
            Order.shop_id == shop_id, Order.id > fitted.last_pk, Order.order_id != order_id))
    return fitted if newer <= REFIT_AFTER_ORDERS else None


def forget(shop_id: int) -> None:
    """Drop the cached model of a shop (its history was redacted or deleted)."""
    with _lock:
        _cache.pop(shop_id, None)
