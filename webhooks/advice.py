"""The recommendation job of one shop: load its tables, `engine.advise`, store, write back.

The advice is the engine's (`engine.advice.advise`, the same call as ``shelfwise advise``
and Excel's ``ADVICE``); this module only reads the synced catalogue and orders, keeps the
dashboard's rows (`webhooks.insights`) and writes the advice to Shopify as metafields
(CONTRACTS.md): products get ``complementary_products`` (best first), variants
``reorder_point``, ``order_quantity`` and ``forecast_30_days``, both from one forecast.
Customers get the tag of their segment (`webhooks.segment_tags`). Variants of products
tagged ``perishable`` get tomorrow's quantity instead of an (s, Q) order
(`webhooks.perishables`): their ``reorder_point`` and ``order_quantity`` are that quantity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select

from connectors.shopify import catalog as shopify_catalog
from connectors.shopify.orders import OrderRecord, daily_sales, order_lines, orders_table
from engine.advice import advise
from webhooks import fraud, history, insights, perishables, shops
from webhooks.insights import forget_customer, forget_orders, load_insights, save_insights
from webhooks.segment_tags import write_segment_tags
from webhooks.storage import Assessment, CatalogProduct, CatalogVariant, InventoryLevel, db, utcnow

log = logging.getLogger("shelfwise.advice")
__all__ = ["forget_customer", "forget_orders", "load_insights", "metafields", "recommend"]

COMPANIONS = 5
RECENT_ORDERS = 20
DEFAULT_LEAD_TIME_DAYS = 7


@dataclass
class Run:
    """What one run did (the insights hold the advice itself)."""

    shop: str
    as_of: str
    products: int = 0
    variants: int = 0
    orders: int = 0
    metafields_written: int = 0
    segment_tags_written: int = 0
    definitions_created: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    customer_segments: dict[str, str] = field(default_factory=dict, repr=False)


def load_store(shop_id: int) -> tuple[pd.DataFrame, list[OrderRecord]]:
    """(variants with product, label and on_hand; the readable orders, oldest first)."""
    with db().session() as session:
        products = session.execute(select(
            CatalogProduct.product_gid, CatalogProduct.title, CatalogProduct.tags).where(
            CatalogProduct.shop_id == shop_id)).all()
        variants = pd.DataFrame(session.execute(select(
            CatalogVariant.variant_gid, CatalogVariant.product_gid, CatalogVariant.title,
            CatalogVariant.sku, CatalogVariant.inventory_item_gid,
            CatalogVariant.inventory_quantity, CatalogVariant.price, CatalogVariant.unit_cost,
        ).where(CatalogVariant.shop_id == shop_id)).all(),
            columns=["variant_gid", "product_gid", "variant_title", "sku", "item", "quantity",
                     "price", "unit_cost"])
        levels = pd.DataFrame(session.execute(select(
            InventoryLevel.inventory_item_gid, InventoryLevel.available).where(
            InventoryLevel.shop_id == shop_id)).all(), columns=["item", "available"])
    titles = {p: t for p, t, _ in products}
    tags = pd.Series({p: g for p, _, g in products}, dtype=object)
    on_hand = variants["item"].map(levels.groupby("item")["available"].sum())
    variants["on_hand"] = on_hand.fillna(variants["quantity"]).fillna(0).clip(lower=0)
    variants["product"] = variants["product_gid"].map(titles).fillna(variants["product_gid"])
    variants["perishable"] = perishables.is_perishable(variants["product_gid"].map(tags))
    variants["label"] = [p if v in ("Default Title", None, "") else f"{p} ({v})"
                         for p, v in zip(variants["product"], variants["variant_title"],
                                         strict=True)]
    return variants, list(history.stream(shop_id))


def compute(shop: str, shop_id: int, *, as_of: datetime | None = None,
            lead_time_days: float = DEFAULT_LEAD_TIME_DAYS,
            country: str | None = None) -> tuple[dict[str, object], Run]:
    """Run the engine on the stored shop; (insights by kind, what the run did). `country`
    (the shop's, `Shop.country`) names the public holidays that explain unusual days."""
    clock = time.monotonic()
    today = pd.Timestamp(as_of or utcnow()).normalize()
    variants, records = load_store(shop_id)
    run = Run(shop=shop, as_of=str(today.date()), variants=len(variants),
              products=variants["product_gid"].nunique(), orders=len(records))
    lines = order_lines(records)
    lines = lines[lines["created_at"] < today]
    titles = dict(zip(variants["product_gid"], variants["product"], strict=False))
    sales = daily_sales(lines[lines["variant_id"].isin(variants["variant_gid"])])
    orders = orders_table(records)
    out: dict[str, object] = {"forecast": [], "reorder": [], "upsell": [], "segments": [],
                              "anomalies": [], "revenue": {},
                              "writeback": {"products": {}, "variants": {}}}
    card: dict = {}
    if not sales.empty:  # else a shop without sales yet: empty sections, nothing written
        result = advise(
            sales,
            variants.rename(columns={"variant_gid": "unique_id"})[["unique_id", "on_hand"]],
            orders, lines=lines[lines["product_id"].isin(titles)].assign(
                product_title=lambda t: t["product_id"].map(titles)),
            as_of=today, lead_time=lead_time_days, companions=COMPANIONS, country=country)
        out["forecast"] = insights.forecast_charts(result, sales, variants)
        out["reorder"] = insights.reorder_rows(result, variants)
        companions, out["upsell"] = insights.upsell_rows(result, titles)
        out["segments"], run.customer_segments = insights.segment_rows(result, orders)
        out["anomalies"], out["revenue"] = insights.anomaly_rows(result)
        out["writeback"] = {"products": companions, "variants": {
            r["unique_id"]: {k: float(r[k]) for k in ("reorder_point", "order_quantity",
                                                      "forecast_30_days")}
            for r in result.reorder.to_dict("records")}}
        card = perishables.plan(sales, variants, today, country)
        perishables.apply(card, out["reorder"], out["writeback"]["variants"])
    out["orders"] = recent_risk(shop_id, records[-RECENT_ORDERS:])
    out["summary"] = {
        "as_of": run.as_of, "products": run.products, "variants": run.variants,
        "orders": run.orders, "order_lines": len(lines), "lead_time_days": lead_time_days,
        "currency": orders["currency"].tail(500).mode().iloc[0] if len(orders) else "",
        "first_order": str(lines["created_at"].min().date()) if len(lines) else None,
        "last_order": str(lines["created_at"].max().date()) if len(lines) else None}
    if card:  # tomorrow's perishables: the dashboard's card reads them from the summary
        out["summary"]["perishables"] = card
    run.seconds["compute"] = round(time.monotonic() - clock, 2)
    return out, run


def recent_risk(shop_id: int, recent: list[OrderRecord]) -> list[dict]:
    """The latest orders, newest first, with the risk the order webhook wrote, else the
    risk the same model gives now (`webhooks.fraud.score`, one app fraud path)."""
    with db().session() as session:
        written = {a.order_id: a for a in session.scalars(select(Assessment).where(
            Assessment.shop_id == shop_id, Assessment.state == "written",
            Assessment.order_id.in_([r.id for r in recent])))}
    rows = []
    for r in reversed(recent):
        a = written.get(r.id)
        risk = None if a else fraud.score(shop_id, r)
        rows.append({"order_id": r.id, "name": r.name, "created_at": r.created_at.isoformat(),
                     "total": f"{r.total:.2f}", "currency": r.currency, "items": int(r.items),
                     "risk_level": a.risk_level if a else (risk.level if risk else None),
                     "score": a.score if a else (risk.score if risk else None),
                     "reasons": (a.reasons if a else (risk.reasons if risk else "")) or "",
                     "assessed_by": "order webhook" if a else "dashboard refresh"})
    return rows


def metafields(writeback: dict) -> list[dict]:
    """The `MetafieldsSetInput`s of a run: products first, then variants."""
    out = [shopify_catalog.metafield(p, "complementary_products", "list.product_reference",
                                     recs[:COMPANIONS])
           for p, recs in writeback.get("products", {}).items() if recs]
    for v, values in writeback.get("variants", {}).items():
        for key in ("reorder_point", "order_quantity"):
            if key not in values:  # a perishable variant (`webhooks.perishables.apply`)
                continue
            out.append(shopify_catalog.metafield(v, key, "number_integer",
                                                 np.ceil(values[key])))
        out.append(shopify_catalog.metafield(v, "forecast_30_days", "number_decimal",
                                             values["forecast_30_days"]))
    return out


def recommend(shop: str, *, write: bool = True, as_of: datetime | None = None,
              lead_time_days: float | None = None,
              on_batch: Callable[[int], None] | None = None) -> Run:
    """Compute the shop's advice, keep it for the dashboard and (when `write`) write it back."""
    with db().session() as session:
        row = shops.get_or_create_shop(session, shop)
        shop_id, domain, country = row.id, row.domain, row.country
    out, run = compute(domain, shop_id, as_of=as_of,
                       lead_time_days=lead_time_days or DEFAULT_LEAD_TIME_DAYS, country=country)
    if write:
        t = time.monotonic()
        api, token = shops.client(), shops.access_token(domain)
        if load_insights(shop_id).get("definitions") is None:
            run.definitions_created = shopify_catalog.ensure_definitions(api, domain, token)
            out["definitions"] = {"created": run.definitions_created, "at": str(utcnow())}
        run.metafields_written = shopify_catalog.set_metafields(
            api, domain, token, metafields(out["writeback"]), on_batch=on_batch)
        tags = write_segment_tags(api, domain, token, shop_id, run.customer_segments)
        run.segment_tags_written = tags["written"]
        out["summary"].update(metafields_written=run.metafields_written, segment_tags=tags,
                              written_at=str(utcnow()))
        run.seconds["write_back"] = round(time.monotonic() - t, 2)
    save_insights(shop_id, out)
    log.info("advice for %s: %d variants, %d metafields, %d segment tags (%s)", domain,
             run.variants, run.metafields_written, run.segment_tags_written, run.seconds)
    return run
