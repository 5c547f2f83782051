"""Score one new order against the shop's stored history with the fraud engine.

A fitted `engine.fraud.FraudScorer` is kept per shop in this process and refitted when
enough new orders arrived, when it grew old, or when the shop's privacy generation moved
(a redaction in any process: the model must not keep a redacted customer's orders). The
orders seen since the fit are passed in front of the new one so velocity signals stay
exact. When the model cannot score, the rules alone do, so one bad row never leaves an
order unassessed.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from connectors.shopify.orders import OrderRecord, fraud_frame
from engine.fraud import FraudScorer
from webhooks import history
from webhooks.storage import Order, Shop, db

log = logging.getLogger("shelfwise.fraud")

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
    generation: int
    at: float


_cache: dict[int, _Fitted] = {}
_lock = threading.Lock()
_fit_locks: dict[int, threading.Lock] = {}


def score(shop_id: int, record: OrderRecord) -> Risk:
    """Assess one checked order with the shop's model, fitting it when needed."""
    try:
        fitted = _model(shop_id, record)
        recent = history.read(shop_id, after_pk=fitted.last_pk, exclude=record.id,
                              limit=RECENT_LIMIT)
        table = fitted.scorer.assess(fraud_frame([*recent.records, record]))
    except Exception:  # the model failed on this shop's data: the rules still answer
        log.exception("shop %s: the fraud model failed on order %s; scoring by the rules",
                      shop_id, record.id)
        frame = fraud_frame([record])
        table = FraudScorer(supervised="off").fit(frame).assess(frame)
    row = table.iloc[-1]
    facts = tuple((f.description[:256], f.sentiment) for f in row["facts"])[:20]
    if not facts:
        facts = (("No risk signal found in this order.", "POSITIVE"),)
    return Risk(float(row["score"]), str(row["risk_level"]), str(row["reasons"]), facts)


def _model(shop_id: int, record: OrderRecord) -> _Fitted:
    fitted = _fresh(shop_id, record.id)
    if fitted is not None:
        return fitted
    with _lock:
        fit_lock = _fit_locks.setdefault(shop_id, threading.Lock())
    with fit_lock:  # one thread of the process fits; the others use its model
        fitted = _fresh(shop_id, record.id)
        if fitted is None:
            generation = _generation(shop_id)
            past = history.read(shop_id, exclude=record.id, limit=HISTORY_LIMIT)
            scorer = FraudScorer().fit(fraud_frame(past.records or [record]))
            fitted = _Fitted(scorer, past.last_pk, generation, time.monotonic())
            with _lock:
                _cache[shop_id] = fitted
    return fitted


def _generation(shop_id: int) -> int:
    with db().reading() as session:
        return int(session.scalar(select(Shop.privacy_generation).where(Shop.id == shop_id))
                   or 0)


def _fresh(shop_id: int, order_id: str) -> _Fitted | None:
    """The cached model when it is recent and no redaction happened since, else None."""
    with _lock:
        fitted = _cache.get(shop_id)
    if fitted is None or time.monotonic() - fitted.at > REFIT_AFTER_SECONDS:
        return None
    with db().reading() as session:
        generation = session.scalar(select(Shop.privacy_generation).where(Shop.id == shop_id))
        newer = session.scalar(select(func.count()).select_from(Order).where(
            Order.shop_id == shop_id, Order.id > fitted.last_pk, Order.order_id != order_id))
    if generation is None or int(generation) != fitted.generation:
        forget(shop_id)  # a redaction (here or in another process) or the shop is gone
        return None
    return fitted if newer <= REFIT_AFTER_ORDERS else None


def forget(shop_id: int) -> None:
    """Drop this process's model of a shop (other processes notice the generation)."""
    with _lock:
        _cache.pop(shop_id, None)
