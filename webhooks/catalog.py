"""The catalogue path: full sync by bulk operations, then incremental webhooks.

A full sync runs three bulk queries one after another (Shopify runs one bulk query per
shop at a time): products with variants, inventory levels, orders with line items. Each
stage ends by the `bulk_operations/finish` webhook or by polling `bulkOperation(id:)`,
whichever comes first: the stage is claimed in the database, so it is ingested once.
Orders go through the one order parser into the shop's history (`webhooks.history`), which
the fraud model shares; products, variants and inventory levels into the catalogue tables.
The catalogue's webhooks are handled in `webhooks.tasks.catalog`. An export is as old as its
bulk operation (minutes to hours): a product or inventory level a webhook stored while it ran
is kept over the export's older row, and not deleted for missing from it (`stored_wins`).

A full sync also stores the country of the shop's address (`Shop.country`), whose public
holidays the advice's unusual days of revenue leave out.

Without the `read_all_orders` scope Shopify exposes only the last 60 days of orders: the
sync asks for those alone and records the window (`CatalogSync.orders_since`), which the
dashboard states.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from connectors.shopify import catalog as bulk
from connectors.shopify import documents
from connectors.shopify.catalog import BulkOperation
from connectors.shopify.client import ShopifyClient, shop_domain
from connectors.shopify.orders import InvalidOrder, bulk_payload, parse_time
from webhooks import history, shops
from webhooks.storage import (
    CatalogProduct,
    CatalogSync,
    CatalogVariant,
    InventoryLevel,
    Order,
    Shop,
    db,
    utcnow,
)

log = logging.getLogger("shelfwise.catalog")

STAGES = ("products", "inventory", "orders")
ORDER_WINDOW_DAYS = 60
DELETE_BATCH = 500  # ids per DELETE statement (bound parameters are limited)
QUERIES = {"products": lambda since: documents.BULK_PRODUCTS,
           "inventory": lambda since: documents.BULK_INVENTORY,
           "orders": bulk.orders_query}


class SyncError(RuntimeError):
    """A sync stage failed (the bulk operation failed, or its file could not be read)."""


# --- the sync state machine ------------------------------------------------------------------

def start_sync(shop: str) -> int:
    """Start a full sync of `shop`: record it and submit the first bulk query; its id."""
    api, token = shops.client(), shops.access_token(shop)
    scopes = bulk.access_scopes(api, shop, token)
    since = None
    if "read_all_orders" not in scopes:
        since = (utcnow() - timedelta(days=ORDER_WINDOW_DAYS)).replace(
            hour=0, minute=0, second=0, microsecond=0)
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            raise SyncError(f"{shop_domain(shop)} is not registered")
        sync = CatalogSync(shop_id=row.id, stage=STAGES[0], status="submitting",
                           orders_since=since, counts="{}")
        session.add(sync)
        session.flush()
        sync_id = sync.id
    refresh_country(api, shop, token)
    _submit(sync_id, shop, STAGES[0], since)
    return sync_id


def refresh_country(api: ShopifyClient, shop: str, token: str) -> None:
    """Store the country of the shop's address (whose public holidays explain its unusual
    days). It is a nicety: a failure is logged and the stored country kept, the sync goes on."""
    try:
        country = bulk.shop_country(api, shop, token)
    except Exception as err:  # whatever went wrong, the sync does not fail for it
        log.warning("%s: could not read the shop's country, keeping the stored one: %s",
                    shop_domain(shop), err)
        return
    with db().session() as session:
        session.execute(update(Shop).where(Shop.domain == shop_domain(shop)).values(
            country=country))


def _submit(sync_id: int, shop: str, stage: str, since: datetime | None) -> None:
    api, token = shops.client(), shops.access_token(shop)
    try:
        op = bulk.run_bulk_query(api, shop, token, QUERIES[stage](since))
    except Exception as err:
        _fail(sync_id, f"{stage}: could not start the bulk query: {err}")
        raise
    with db().session() as session:
        session.execute(update(CatalogSync).where(CatalogSync.id == sync_id).values(
            stage=stage, status="running", operation_gid=op.id))
    log.info("sync %s of %s: %s bulk query %s started", sync_id, shop, stage, op.id)


def _fail(sync_id: int, error: str) -> None:
    with db().session() as session:
        session.execute(update(CatalogSync).where(CatalogSync.id == sync_id).values(
            status="failed", error=error[:2000], finished_at=utcnow()))
    log.warning("sync %s failed: %s", sync_id, error)


def operation_finished(sync_id: int, op: BulkOperation) -> str:
    """Ingest a finished stage (once) and start the next; the sync's status afterwards."""
    with db().session() as session:
        claimed = session.execute(update(CatalogSync).where(
            CatalogSync.id == sync_id, CatalogSync.status == "running",
            CatalogSync.operation_gid == op.id).values(status="ingesting")).rowcount
        sync = session.get(CatalogSync, sync_id)
        shop = session.get(Shop, sync.shop_id).domain
        stage, since, counts = sync.stage, sync.orders_since, json.loads(sync.counts or "{}")
        sync_started = sync.started_at
    if not claimed:
        return sync.status
    if op.status != "COMPLETED":
        _fail(sync_id, f"{stage}: the bulk operation ended {op.status} ({op.error_code})")
        return "failed"
    try:
        started = time.monotonic()
        # the export is as old as this operation: Shopify's own start, else the sync's
        began = source_time(op.created_at) or sync_started
        counts.update(INGEST[stage](shop, bulk.read_jsonl(op.url), since, started=began))
        log.info("sync %s of %s: %s ingested in %.1fs", sync_id, shop, stage,
                 time.monotonic() - started)
    except Exception as err:
        _fail(sync_id, f"{stage}: {type(err).__name__}: {err}")
        raise
    following = STAGES.index(stage) + 1
    with db().session() as session:
        values: dict[str, Any] = {"counts": json.dumps(counts)}
        if following == len(STAGES):
            values.update(stage="done", status="done", operation_gid=None, finished_at=utcnow())
        else:
            values.update(status="submitting")
        session.execute(update(CatalogSync).where(CatalogSync.id == sync_id).values(**values))
    if following == len(STAGES):
        return "done"
    _submit(sync_id, shop, STAGES[following], since)
    return "running"


def poll(sync_id: int) -> str:
    """Check the running stage's bulk operation; ingest it when it has finished."""
    with db().session() as session:
        sync = session.get(CatalogSync, sync_id)
        if sync is None or sync.status != "running" or not sync.operation_gid:
            return sync.status if sync is not None else "missing"
        shop, op_gid = session.get(Shop, sync.shop_id).domain, sync.operation_gid
    op = bulk.bulk_operation(shops.client(), shop, shops.access_token(shop), op_gid)
    return operation_finished(sync_id, op) if op.done else "running"


def sync_now(shop: str, *, interval: float = 1.0, timeout: float = 6 * 3600.0,
             on_stage=None) -> dict:
    """A full sync, polling until it ends (the command line); the sync's summary."""
    sync_id = start_sync(shop)
    deadline = time.monotonic() + timeout
    wait, stage = min(interval, 0.2), None
    while True:
        status = poll(sync_id)
        summary = sync_summary(sync_id)
        if on_stage and summary["stage"] != stage:
            stage = summary["stage"]
            on_stage(summary)
        if status in ("done", "failed"):
            if status == "failed":
                raise SyncError(summary["error"] or "the sync failed")
            return summary
        if time.monotonic() > deadline:
            raise SyncError(f"the sync of {shop} did not finish in {timeout:.0f}s")
        time.sleep(wait)
        wait = min(wait * 1.5, interval)


def sync_summary(sync_id: int) -> dict:
    with db().session() as session:
        sync = session.get(CatalogSync, sync_id)
        return {"id": sync.id, "shop": session.get(Shop, sync.shop_id).domain,
                "stage": sync.stage, "status": sync.status,
                "counts": json.loads(sync.counts or "{}"), "error": sync.error,
                "orders_since": sync.orders_since, "started_at": sync.started_at,
                "finished_at": sync.finished_at}


def last_sync(session, shop_id: int, *, done: bool = True) -> CatalogSync | None:
    query = select(CatalogSync).where(CatalogSync.shop_id == shop_id)
    if done:
        query = query.where(CatalogSync.status == "done")
    return session.scalar(query.order_by(CatalogSync.id.desc()).limit(1))


def running_syncs() -> list[int]:
    """Ids of syncs waiting on a bulk operation (for the polling fallback)."""
    with db().session() as session:
        return list(session.scalars(select(CatalogSync.id).where(
            CatalogSync.status == "running")).all())


# --- ingestion ---------------------------------------------------------------------------------

def _shop_id(session, shop: str) -> int:
    row = shops.get_shop(session, shop)
    if row is None:  # redacted while the sync ran: keep nothing
        raise SyncError(f"{shop_domain(shop)} is not registered")
    return row.id


def ingest_products(shop: str, rows, since=None, started: datetime | None = None
                    ) -> dict[str, int]:
    """Products and variants from the bulk file: the catalogue is replaced by the export,
    except what a webhook stored while the bulk operation ran (`stored_wins`).

    The export is as old as the operation, which can run for hours: a product whose stored
    version is newer keeps its title and variants, whatever the export says; one the export
    lacks is deleted (gone from Shopify) unless stored since `started` (when the operation
    began).
    """
    products: dict[str, dict] = {}
    variants: dict[str, dict] = {}
    for row in rows:
        kind = bulk.kind_of(row.get("id"))
        if kind == "Product":
            products[row["id"]] = row
        elif kind == "ProductVariant":
            variants[row["id"]] = row
    stamps = {pid: source_time(node.get("updatedAt")) for pid, node in products.items()}
    now = utcnow()
    with db().session() as session:
        shop_id = _shop_id(session, shop)
        old_p = {p.product_gid: p for p in session.scalars(select(CatalogProduct).where(
            CatalogProduct.shop_id == shop_id).with_for_update())}
        old_v = {v.variant_gid: v for v in session.scalars(select(CatalogVariant).where(
            CatalogVariant.shop_id == shop_id).with_for_update())}
        kept = {pid for pid, p in old_p.items() if stored_wins(
            p.source_updated_at, stamps.get(pid), in_export=pid in products, started=started)}
        for pid, node in products.items():
            if pid in kept:
                continue
            values = {"title": (node.get("title") or "")[:255], "handle": node.get("handle"),
                      "status": node.get("status"), "updated_at": now,
                      "tags": bulk.tag_text(node.get("tags")), "source_updated_at": stamps[pid]}
            upsert(session, old_p.get(pid), CatalogProduct, shop_id=shop_id, product_gid=pid,
                    **values)
        written_v = set()
        for vid, node in variants.items():
            if (node.get("__parentId") or "") in kept:
                continue
            written_v.add(vid)
            values = {"product_gid": node.get("__parentId") or "", "updated_at": now,
                      "title": (node.get("title") or "")[:255], "sku": node.get("sku"),
                      "price": to_float(node.get("price")), "unit_cost": bulk.unit_cost(node),
                      "inventory_item_gid": (node.get("inventoryItem") or {}).get("id"),
                      "inventory_quantity": node.get("inventoryQuantity")}
            upsert(session, old_v.get(vid), CatalogVariant, shop_id=shop_id, variant_gid=vid,
                    **values)
        for pid in set(old_p) - set(products) - kept:
            session.delete(old_p[pid])
        for vid, v in old_v.items():
            if vid not in written_v and v.product_gid not in kept:
                session.delete(v)
    return {"products": len(products), "variants": len(variants)}


def ingest_inventory(shop: str, rows, since=None, started: datetime | None = None
                     ) -> dict[str, int]:
    """Inventory levels (units available per item and location), replaced by the export
    except a level a webhook stored while the bulk operation ran (`stored_wins`)."""
    levels: dict[tuple[str, str], dict] = {}
    read = 0
    for row in rows:
        if bulk.kind_of(row.get("id")) != "InventoryLevel":
            continue
        read += 1
        available = sum(int(q.get("quantity") or 0) for q in row.get("quantities") or []
                        if q.get("name") == "available")
        level = {"inventory_item_gid": row.get("__parentId"),
                 "location_gid": (row.get("location") or {}).get("id") or "",
                 "available": available,
                 "source_updated_at": source_time(row.get("updatedAt"))}
        if level["inventory_item_gid"]:
            levels[level["inventory_item_gid"], level["location_gid"]] = level
    now = utcnow()
    with db().session() as session:
        shop_id = _shop_id(session, shop)
        stored = session.execute(select(
            InventoryLevel.id, InventoryLevel.inventory_item_gid, InventoryLevel.location_gid,
            InventoryLevel.source_updated_at).where(InventoryLevel.shop_id == shop_id)
            .with_for_update()).all()
        kept, dropped = set(), []
        for level_id, item, location, stamp in stored:
            exported = levels.get((item, location))
            if stored_wins(stamp, exported and exported["source_updated_at"],
                           in_export=exported is not None, started=started):
                kept.add((item, location))
            else:
                dropped.append(level_id)
        for start in range(0, len(dropped), DELETE_BATCH):
            session.execute(delete(InventoryLevel).where(
                InventoryLevel.id.in_(dropped[start:start + DELETE_BATCH])))
        session.add_all([InventoryLevel(shop_id=shop_id, updated_at=now, **lv)
                         for key, lv in levels.items() if key not in kept])
    return {"inventory_levels": read}


def ingest_orders(shop: str, rows, since=None, started: datetime | None = None
                  ) -> dict[str, int]:
    """Orders with their line items, checked by the order parser and stored minimized.

    A richer copy delivered by a webhook is kept (its line items and cancellation
    refreshed); an order that does not parse is skipped and counted (``orders_skipped``).
    """
    orders: dict[str, dict] = {}
    lines: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        kind = bulk.kind_of(row.get("id"))
        if kind == "Order":
            orders[row["id"]] = row
        elif kind == "LineItem" and row.get("__parentId"):
            lines[row["__parentId"]].append(row)
    skipped, n_lines = 0, sum(len(v) for v in lines.values())
    gids = list(orders)
    for start in range(0, len(gids), history.BATCH):
        batch = gids[start:start + history.BATCH]
        with db().session() as session:
            shop_id = _shop_id(session, shop)
            payloads = {g: bulk_payload(orders.pop(g), lines.pop(g, [])) for g in batch}
            stored = {o.order_id: o for o in session.scalars(select(Order).where(
                Order.shop_id == shop_id,
                Order.order_id.in_([str(p["id"]) for p in payloads.values()])))}
            for order_gid, payload in payloads.items():
                old = stored.get(str(payload["id"]))
                old = history.read_row(old) if old is not None else None
                if old and old.get("source_of_record") != "bulk_sync":
                    # a webhook delivered the richer payload: keep it, refresh what changes
                    payload = {**old, **{k: payload[k] for k in (
                        "line_items", "cancel_reason", "cancelled_at")}}
                try:
                    history.save(session, shop_id, payload, keep_newer=False)
                except InvalidOrder as err:
                    skipped += 1
                    log.warning("sync of %s: order %s skipped: %s", shop, order_gid, err)
    counts = {"orders": len(gids) - skipped, "line_items": n_lines}
    return {**counts, "orders_skipped": skipped} if skipped else counts


INGEST = {"products": ingest_products, "inventory": ingest_inventory, "orders": ingest_orders}


def upsert(session, row, model, **values) -> None:
    """Insert `model(**values)` when `row` is None, else update `row` with `values`."""
    if row is None:
        session.add(model(**values))
        return
    for key, value in values.items():
        setattr(row, key, value)


def source_time(value: Any) -> datetime | None:
    """Shopify's ``updated_at`` (webhook) or ``updatedAt`` (bulk) as naive UTC, parsed as
    the order history parses it; None when absent or not a date-time."""
    try:
        stamp = parse_time(value, "updated_at")
    except InvalidOrder:
        return None
    return None if stamp is None else stamp.replace(tzinfo=None)


def is_older(stamp: datetime | None, stored: datetime | None) -> bool:
    """Whether a body stamped `stamp` is older than the stored version stamped `stored`:
    without a stamp it is older than any stamped version; an equal stamp is not older."""
    return stored is not None and (stamp is None or stamp < stored)


def stored_wins(stored: datetime | None, exported: datetime | None, *, in_export: bool,
                started: datetime | None) -> bool:
    """Whether a sync keeps the stored product or inventory level (stamped `stored`) rather
    than the export's: if the export has it, when the export's stamp is older (`is_older`);
    if not, when stored at or after `started`, the operation's start (a webhook brought it
    after the export began; an older one is gone from Shopify). Shopify stamps whole
    seconds, hence the rounding down of `started`."""
    if in_export:
        return is_older(exported, stored)
    return stored is not None and started is not None and \
        stored >= started.replace(microsecond=0)


def to_float(value) -> float | None:
    """`value` as a float, None when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
