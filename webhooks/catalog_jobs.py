"""Background jobs of the catalogue path (huey): sync, recommendations, schedules, webhooks.

Imported by `webhooks.jobs` (so a consumer of ``webhooks.jobs.huey`` knows these tasks)
and registers its webhook topics in `webhooks.jobs.HANDLERS`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import select

from webhooks import advice, catalog, shops
from webhooks.jobs import HANDLERS, huey, in_app_context
from webhooks.storage import CatalogSync, Shop, db, utcnow

log = logging.getLogger("shelfwise.catalog_jobs")

FULL_SYNC_EVERY = timedelta(days=7)


@huey.task(retries=3, retry_delay=60, retry_backoff=2)
@in_app_context
def sync_shop(shop: str) -> int:
    """Start a full sync by bulk operations; the stages advance on webhook or poll."""
    return catalog.start_sync(shop)


@huey.task(retries=3, retry_delay=30, retry_backoff=2)
@in_app_context
def recommend_shop(shop: str, write: bool = True) -> int:
    """Recompute the shop's advice and write it back; the number of metafields written."""
    return advice.recommend(shop, write=write).metafields_written


def refresh(shop: str) -> str:
    """On demand (the dashboard's button): sync when due, else recommend; never twice."""
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            return "unknown shop"
        if session.scalar(select(CatalogSync.id).where(CatalogSync.shop_id == row.id,
                                                       CatalogSync.status == "running")):
            return "sync running"
        due = _sync_due(session, row.id)
    if due:
        sync_shop(shop)
        return "sync started"
    recommend_shop(shop)
    return "recommending"


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def poll_syncs() -> int:
    """The fallback for a missed `bulk_operations/finish` webhook: poll running syncs."""
    finished = 0
    for sync_id in catalog.running_syncs():
        try:
            status = catalog.poll(sync_id)
        except Exception:  # one shop's failure must not stop the others
            log.exception("polling sync %s failed", sync_id)
            continue
        if status == "done":
            finished += 1
            recommend_shop(catalog.sync_summary(sync_id)["shop"])
    return finished


@huey.periodic_task(crontab(hour="4", minute="15"))
@in_app_context
def daily_advice() -> int:
    """Every day: recommend for every installed shop (a full sync first when it is due)."""
    with db().session() as session:
        installed = session.scalars(select(Shop).where(Shop.access_token.is_not(None))).all()
        due = {s.domain: _sync_due(session, s.id) for s in installed}
    for domain, needs_sync in due.items():
        if needs_sync:
            sync_shop(domain)
        else:
            recommend_shop(domain)
    return len(due)


def _sync_due(session, shop_id: int) -> bool:
    last = catalog.last_sync(session, shop_id)
    return last is None or last.finished_at is None or \
        utcnow() - last.finished_at > FULL_SYNC_EVERY


def bulk_finished(shop: str, payload: dict) -> str:
    """`bulk_operations/finish`: advance the sync; recommend when it is complete."""
    outcome = catalog.bulk_operation_finished(shop, payload)
    if outcome == "done":
        recommend_shop(shop)
    return outcome


_redact_customer = HANDLERS["customers/redact"]


def customers_redact(shop: str, payload: dict) -> str:
    """`customers/redact`: the issue-6 redaction, then the dashboard forgets those orders
    and the segment tag written on the customer."""
    outcome = _redact_customer(shop, payload)
    advice.forget_orders(shop)
    advice.forget_customer(shop, (payload.get("customer") or {}).get("id"))
    return outcome


HANDLERS.update({
    "customers/redact": customers_redact,
    "bulk_operations/finish": bulk_finished,
    "products/create": catalog.product_updated,
    "products/update": catalog.product_updated,
    "products/delete": catalog.product_deleted,
    "inventory_levels/update": catalog.inventory_level_updated,
})
