"""Webhook deliveries: the topic registry, processing one delivery, retries and the sweep.

Topic modules (`webhooks.tasks.*`) register a handler and a body check per topic with
`handles`. The receiving endpoint runs the check before anything is stored; the worker
runs the handler. A transient failure is retried on Shopify's own patience (backing off
over more than four hours, `RETRY_DELAYS`), a delivery waiting for the shop's token is
held rather than failed, and a delivery given up stays replayable
(`shelfwise deliveries retry`). Each queued delivery carries a lease: the sweep enqueues
again only deliveries whose lease ran out (a worker died holding them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from connectors.shopify import ShopifyError, Unauthorized
from engine.errors import InputError
from webhooks.crypto import InvalidToken, vault
from webhooks.queue import huey, in_app_context
from webhooks.storage import Delivery, db, utcnow

log = logging.getLogger("shelfwise.deliveries")

Handler = Callable[[str, dict], str]
Check = Callable[[str, dict], None]

RETRY_DELAYS = (10, 30, 120, 300, 900, 1800, 3600, 3600, 7200)
"""Seconds before each retry of a transiently failing delivery: 4 h 53 min in all, longer
than Shopify's own 8 retries over 4 hours (the shop's side may be down as long)."""
BUSY_DELAY = 5  # another worker holds the order's claim: look again soon


@dataclass(frozen=True)
class Topic:
    """A registered topic: what the worker runs, and what a body must look like."""

    name: str
    handler: Handler
    check: Check


TOPICS: dict[str, Topic] = {}


class BusyError(RuntimeError):
    """Another worker holds a fresh claim on this order: try again later."""


class NotInstalled(LookupError):  # noqa: N818 (reads as a state)
    """The delivery's shop never installed the app (or was redacted): nothing to do."""


def handles(*topics: str, check: Check | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `topics` (``fn(shop, payload)``).

    `check(shop, payload)` raises `ValueError` for a body that does not fit the topic; it
    runs when the delivery arrives, before it is stored.
    """
    def register(fn: Handler) -> Handler:
        for name in topics:
            if name in TOPICS:
                raise ValueError(f"topic {name} is registered twice")
            TOPICS[name] = Topic(name, fn, check or _any_object)
        return fn
    return register


def _any_object(shop: str, payload: dict) -> None:
    return None


def check(topic: str, shop: str, payload: object) -> None:
    """Raise `ValueError` when `payload` is not a body of `topic` for `shop`."""
    if not isinstance(payload, dict):
        raise ValueError("the body is not a JSON object")
    entry = TOPICS.get(topic)
    if entry is None:
        raise ValueError(f"topic {topic!r} is not one this app subscribes to")
    entry.check(shop, payload)


def lease(seconds: float | None = None):
    """When a queued delivery's lease runs out (now + `REQUEUE_AFTER_SECONDS`)."""
    if seconds is None:
        seconds = float(current_app.config.get("REQUEUE_AFTER_SECONDS", 120))
    return utcnow() + timedelta(seconds=seconds)


def retry_delays() -> tuple[float, ...]:
    """The app's retry schedule (`RETRY_DELAYS` unless configured, e.g. in tests)."""
    return tuple(current_app.config.get("DELIVERY_RETRY_DELAYS") or RETRY_DELAYS)


@huey.task()
@in_app_context
def process_delivery(delivery_id: int) -> str:
    """Process a recorded delivery (retries are scheduled by `handle_delivery`)."""
    return handle_delivery(delivery_id)


def handle_delivery(delivery_id: int) -> str:
    """Run the topic's handler on a queued delivery and record the outcome."""
    with db().session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "queued":
            return "skipped"
        delivery.attempts += 1
        delivery.lease_until = lease()
        topic, shop, sealed = delivery.topic, delivery.shop_domain, delivery.body
        attempts = delivery.attempts
    if sealed is None:  # a redaction deleted it while it waited
        return _finish(delivery_id, "redacted", "the body was deleted by a redaction")
    try:
        body = vault().open(sealed)
        payload = json.loads(body or "")
        check(topic, shop, payload)
        outcome = TOPICS[topic].handler(shop, payload)
    except NotInstalled as err:
        return _finish(delivery_id, "failed", f"not installed: {err}", keep_body=False)
    except Unauthorized as err:
        # no usable token: wait for the merchant to open the app (no retry is burnt)
        log.warning("delivery %s (%s, %s) held: %s", delivery_id, topic, shop, err)
        with db().session() as session:
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                status="held", attempts=Delivery.attempts - 1, error=f"{err.code}: "
                f"{err.detail}"[:500], lease_until=None))
        return "held"
    except ShopifyError as err:
        if err.permanent:
            log.error("delivery %s (%s, %s) failed for good: %s", delivery_id, topic, shop, err)
            return _finish(delivery_id, "failed", f"{err.code}: {err.detail}"[:500])
        return _retry_later(delivery_id, attempts, f"{err.code}: {err.detail}")
    except BusyError as err:
        return _retry_later(delivery_id, attempts, str(err), delay=BUSY_DELAY)
    except (ValueError, InputError, KeyError, TypeError, InvalidToken) as err:
        # a body that does not fit its topic, or sealed under a key no longer configured
        log.warning("delivery %s (%s, %s) is bad: %s", delivery_id, topic, shop, err)
        return _finish(delivery_id, "bad", str(err)[:500] or type(err).__name__)
    except Exception as err:  # a database hiccup or a bug: retried, never lost
        log.exception("delivery %s (%s, %s) raised", delivery_id, topic, shop)
        return _retry_later(delivery_id, attempts, f"{type(err).__name__}: {err}")
    return _finish(delivery_id, "done", None, outcome)


def _retry_later(delivery_id: int, attempts: int, error: str, *,
                 delay: float | None = None) -> str:
    """Schedule the next try on the back-off schedule, or give up when it is spent."""
    delays = retry_delays()
    if delay is None:
        if attempts > len(delays):
            log.error("delivery %s: giving up after %d attempts: %s", delivery_id, attempts,
                      error)
            return _finish(delivery_id, "failed", f"gave up after {attempts} attempts: "
                           f"{error}"[:500])
        delay = delays[attempts - 1]
    with db().session() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            error=error[:500], lease_until=lease(delay + _requeue_after())))
        session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                               Delivery.first_failed_at.is_(None))
                        .values(first_failed_at=utcnow()))
    log.info("delivery %s: retry in %.0fs (attempt %d): %s", delivery_id, delay, attempts,
             error)
    process_delivery.schedule((delivery_id,), delay=delay)
    return "retrying"


def _requeue_after() -> float:
    return float(current_app.config.get("REQUEUE_AFTER_SECONDS", 120))


def _finish(delivery_id: int, status: str, error: str | None, outcome: str = "", *,
            keep_body: bool | None = None) -> str:
    """Record the outcome; the sealed body stays only while the delivery can be replayed
    (failed or bad, until the retention period ends)."""
    values = {"status": status, "error": error, "processed_at": utcnow(), "lease_until": None}
    if not (status in ("failed", "bad") if keep_body is None else keep_body):
        values["body"] = None
    with db().session() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
    return outcome or status


# --- the sweep and replays ---------------------------------------------------------------

def requeue_expired() -> int:
    """Enqueue again each queued delivery whose lease ran out; how many.

    The lease is taken over in the same statement, so two sweeps (or two workers) never
    enqueue one delivery twice, and a delivery still waiting in the queue is left alone.
    """
    now = utcnow()
    expired = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
    with db().reading() as session:
        ids = session.scalars(select(Delivery.id).where(Delivery.status == "queued", expired)
                              .order_by(Delivery.id)).all()
    count = 0
    for delivery_id in ids:
        with db().session() as session:
            taken = session.execute(update(Delivery).where(
                Delivery.id == delivery_id, Delivery.status == "queued", expired)
                .values(lease_until=lease())).rowcount
        if taken:
            process_delivery(delivery_id)
            count += 1
    if count:
        log.info("re-enqueued %d deliveries whose lease ran out", count)
    return count


def retry(ids: list[int] | None = None, *, statuses: tuple[str, ...] = ("failed",),
          shop: str | None = None) -> list[int]:
    """Queue failed deliveries again (those with a body); the ids enqueued."""
    query = select(Delivery.id).where(Delivery.status.in_(statuses),
                                      Delivery.body.is_not(None))
    if ids:
        query = query.where(Delivery.id.in_(ids))
    if shop:
        query = query.where(Delivery.shop_domain == shop)
    with db().session() as session:
        found = list(session.scalars(query.order_by(Delivery.id)))
        if found:
            session.execute(update(Delivery).where(Delivery.id.in_(found)).values(
                status="queued", attempts=0, first_failed_at=None, error=None,
                processed_at=None, lease_until=lease()))
    for delivery_id in found:
        process_delivery(delivery_id)
    return found
