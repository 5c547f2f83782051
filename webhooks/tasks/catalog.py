"""The catalogue: ``products/*``, ``inventory_levels/update`` and ``bulk_operations/finish``
webhooks, full syncs, the advice, and their schedules.

Shopify does not deliver webhooks in order, and a captured body of the shop's own product
can be replayed under a new webhook id: a body older (by Shopify's ``updated_at``) than the
version stored is ignored, as order bodies are (`webhooks.history.save`).

A catalogue webhook of a shop that is not installed (never was, or was redacted) keeps
nothing: it must not bring the shop back. Its body does not name the shop (the header that
does is not signed), so a product or inventory item the app has not seen for this shop is
stored only once the Admin API confirms the shop has it: a body replayed under another
shop's domain adds nothing there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete, select

from connectors.shopify import Unauthorized
from connectors.shopify import catalog as bulk
from connectors.shopify.catalog import gid, tag_text
from webhooks import advice, catalog, shops
from webhooks.catalog import is_older, source_time, to_float, upsert
from webhooks.deliveries import handles
from webhooks.queue import huey, in_app_context
from webhooks.storage import (
    CatalogProduct,
    CatalogSync,
    CatalogVariant,
    InventoryLevel,
    Shop,
    db,
    utcnow,
)

log = logging.getLogger("shelfwise.catalog_tasks")

FULL_SYNC_EVERY = timedelta(days=7)
UNKNOWN = "ignored (unknown shop)"
FOREIGN = "ignored (not this shop's)"
OLDER_PRODUCT = "ignored (older product)"
OLDER_LEVEL = "ignored (older inventory level)"


# --- tasks and schedules ---------------------------------------------------------------------

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


# --- webhooks ----------------------------------------------------------------------------------

def _id(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip() \
        not in ("",)


def check_product(shop: str, payload: dict) -> None:
    """A product body: an id, a title and a list of variants that each have an id."""
    if not _id(payload.get("id")) or "title" not in payload:
        raise ValueError("the body is not a product (id and title)")
    variants = payload.get("variants") or []
    if not isinstance(variants, list) or not all(
            isinstance(v, dict) and _id(v.get("id")) for v in variants):
        raise ValueError("the product's variants are not a list of variants with ids")


def check_product_deleted(shop: str, payload: dict) -> None:
    if not _id(payload.get("id")):
        raise ValueError("the body names no product id")


def check_inventory_level(shop: str, payload: dict) -> None:
    if not _id(payload.get("inventory_item_id")) or not _id(payload.get("location_id")):
        raise ValueError("the inventory level has no inventory_item_id or location_id")
    if payload.get("available") is not None and not isinstance(payload["available"], int):
        raise ValueError("the inventory level's available is not a whole number")


def check_bulk_operation(shop: str, payload: dict) -> None:
    if not str(payload.get("admin_graphql_api_id") or "").startswith(
            "gid://shopify/BulkOperation/"):
        raise ValueError("the body names no bulk operation (admin_graphql_api_id)")


def _installed(session, shop: str) -> int | None:
    row = shops.get_shop(session, shop)
    return None if row is None else row.id


def _shop_has(shop: str, object_gid: str, kind: str) -> bool:
    """Ask the Admin API whether the shop has the object, a `kind`; False without a token."""
    try:
        token = shops.access_token(shop)
    except Unauthorized:
        return False
    return bulk.owns(shops.client(), shop, token, object_gid, kind)


def _known(shop: str, model, column: str, value: str) -> bool | None:
    """Whether this shop's rows of `model` hold `value` in `column`; None if the shop is
    not installed."""
    with db().reading() as session:
        shop_id = _installed(session, shop)
        if shop_id is None:
            return None
        field = getattr(model, column)
        return session.scalar(select(field).where(
            model.shop_id == shop_id, field == value).limit(1)) is not None


def _refused(shop: str, model, column: str, object_gid: str, kind: str) -> str | None:
    """Why a catalogue body is not stored: the shop is not installed (UNKNOWN), or the object
    is new to it and Shopify does not confirm it is the shop's `kind` (FOREIGN); else None."""
    known = _known(shop, model, column, object_gid)
    if known is None:
        return UNKNOWN
    if not known and not _shop_has(shop, object_gid, kind):
        return FOREIGN
    return None


@handles("products/create", "products/update", check=check_product)
def product_updated(shop: str, payload: dict) -> str:
    """The product and its variants as delivered (a product new to the shop once Shopify
    confirms it is the shop's), unless the stored version is newer."""
    pid = gid("Product", payload["id"])
    stamp = source_time(payload.get("updated_at"))
    refused = _refused(shop, CatalogProduct, "product_gid", pid, "Product")
    if refused:
        return refused
    now = utcnow()
    with db().session() as session:
        shop_id = _installed(session, shop)
        if shop_id is None:
            return UNKNOWN
        # compare and write under one lock (SQLite: BEGIN IMMEDIATE; elsewhere the row's)
        row = session.scalar(select(CatalogProduct).where(
            CatalogProduct.shop_id == shop_id, CatalogProduct.product_gid == pid)
            .with_for_update())
        if row is not None and is_older(stamp, row.source_updated_at):
            return OLDER_PRODUCT
        upsert(session, row, CatalogProduct, shop_id=shop_id, product_gid=pid,
                title=str(payload.get("title") or "")[:255], handle=payload.get("handle"),
                status=str(payload.get("status") or "").upper()[:16] or None, updated_at=now,
                tags=tag_text(payload.get("tags")), source_updated_at=stamp)
        old = {v.variant_gid: v for v in session.scalars(select(CatalogVariant).where(
            CatalogVariant.shop_id == shop_id, CatalogVariant.product_gid == pid))}
        seen = set()
        for variant in payload.get("variants") or []:
            vid = gid("ProductVariant", variant["id"])
            seen.add(vid)
            item = variant.get("inventory_item_id")
            quantity = variant.get("inventory_quantity")
            upsert(session, old.get(vid), CatalogVariant, shop_id=shop_id, variant_gid=vid,
                    product_gid=pid, title=str(variant.get("title") or "")[:255],
                    sku=str(variant["sku"])[:255] if variant.get("sku") else None,
                    price=to_float(variant.get("price")),
                    inventory_item_gid=gid("InventoryItem", item) if _id(item) else None,
                    inventory_quantity=quantity if isinstance(quantity, int) else None,
                    updated_at=now)
        for vid in set(old) - seen:
            session.delete(old[vid])
    return "product saved"


@handles("products/delete", check=check_product_deleted)
def product_deleted(shop: str, payload: dict) -> str:
    """Drop the product and its variants."""
    pid = gid("Product", payload.get("id"))
    with db().session() as session:
        shop_id = _installed(session, shop)
        if shop_id is None:
            return UNKNOWN
        session.execute(delete(CatalogVariant).where(CatalogVariant.shop_id == shop_id,
                                                     CatalogVariant.product_gid == pid))
        session.execute(delete(CatalogProduct).where(CatalogProduct.shop_id == shop_id,
                                                     CatalogProduct.product_gid == pid))
    return "product deleted"


@handles("inventory_levels/update", check=check_inventory_level)
def inventory_level_updated(shop: str, payload: dict) -> str:
    """Units available of an item at a location (an item new to the shop once Shopify
    confirms it is the shop's), unless the stored level is newer."""
    item = gid("InventoryItem", payload["inventory_item_id"])
    location = gid("Location", payload["location_id"])
    stamp = source_time(payload.get("updated_at"))
    refused = _refused(shop, CatalogVariant, "inventory_item_gid", item, "InventoryItem")
    if refused:
        return refused
    with db().session() as session:
        shop_id = _installed(session, shop)
        if shop_id is None:
            return UNKNOWN
        row = session.scalar(select(InventoryLevel).where(
            InventoryLevel.shop_id == shop_id, InventoryLevel.inventory_item_gid == item,
            InventoryLevel.location_gid == location).with_for_update())
        if row is not None and is_older(stamp, row.source_updated_at):
            return OLDER_LEVEL
        upsert(session, row, InventoryLevel, shop_id=shop_id, inventory_item_gid=item,
                location_gid=location, available=int(payload.get("available") or 0),
                updated_at=utcnow(), source_updated_at=stamp)
    return "inventory saved"


@handles("bulk_operations/finish", check=check_bulk_operation)
def bulk_finished(shop: str, payload: dict) -> str:
    """Ingest the stage the operation ends (unless polling did), for this shop's own sync
    only; recommend when the sync is complete."""
    op_gid = payload["admin_graphql_api_id"]
    with db().session() as session:
        shop_id = _installed(session, shop)
        sync_id = None if shop_id is None else session.scalar(select(CatalogSync.id).where(
            CatalogSync.shop_id == shop_id, CatalogSync.operation_gid == op_gid,
            CatalogSync.status == "running"))
    if sync_id is None:
        return "no sync waits for it"
    op = bulk.bulk_operation(shops.client(), shop, shops.access_token(shop), op_gid)
    if not op.done:  # the webhook says finished: trust Shopify's query, not the body
        return "not finished yet"
    outcome = catalog.operation_finished(sync_id, op)
    if outcome == "done":
        recommend_shop(shop)
    return outcome
