"""The recommendation job of one shop: forecasts, reorder plan, upsell pairs, order risk,
customer segments and unusual days of revenue.

Reads the synced catalogue and orders, runs the engines and keeps the results as
`ShopInsight` rows (what the dashboard shows), then writes the advice back to Shopify as
metafields (CONTRACTS.md): products get ``complementary_products`` (best first), variants
``reorder_point``, ``order_quantity`` and ``forecast_30_days``. Customers with a Shopify
customer id get the tag ``shelfwise-segment-<segment>`` of their current segment (when the
app has ``write_customers``); `CustomerSegmentTag` rows keep what was written, so a re-run
sends only the customers whose segment changed (``tagsRemove`` of the old tag, ``tagsAdd``
of the new one).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import delete, select

from connectors.shopify import ShopifyError
from connectors.shopify import catalog as shopify_catalog
from connectors.shopify import customers as shopify_customers
from connectors.shopify.catalog import gid
from connectors.shopify.client import Unauthorized
from engine.anomalies import detect_anomalies
from engine.errors import InputError
from engine.forecasting import forecast
from engine.fraud import FraudScorer
from engine.inventory import plan_reorders
from engine.segments import segment_customers
from engine.upsell import UpsellRecommender
from webhooks import shops
from webhooks.storage import (
    Assessment,
    CatalogProduct,
    CatalogVariant,
    CustomerSegmentTag,
    InventoryLevel,
    Order,
    ShopInsight,
    db,
    utcnow,
)

log = logging.getLogger("shelfwise.advice")

HORIZON_DAYS = 30
HISTORY_SHOWN_DAYS = 56
CHARTED_PRODUCTS = 8
COMPANIONS = 5
RECENT_ORDERS = 20
FRAUD_HISTORY = 1000  # orders the risk model of the dashboard learns from
DEFAULT_LEAD_TIME_DAYS = 7


@dataclass
class Advice:
    """What one run computed (plain data; the insights hold the same as JSON)."""

    shop: str
    as_of: str
    products: int = 0
    variants: int = 0
    orders: int = 0
    metafields_written: int = 0
    segment_tags_written: int = 0
    definitions_created: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # customer gid -> segment name (customers with a Shopify customer id); not stored
    customer_segments: dict[str, str] = field(default_factory=dict, repr=False)


# --- reading the store -------------------------------------------------------------------------

def load_store(shop_id: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict]]:
    """(products, variants with on_hand, order lines, order payloads newest last)."""
    with db().session() as session:
        products = pd.DataFrame([(p.product_gid, p.title) for p in session.scalars(
            select(CatalogProduct).where(CatalogProduct.shop_id == shop_id))],
            columns=["product_gid", "title"])
        variants = pd.DataFrame([(v.variant_gid, v.product_gid, v.title, v.sku, v.price,
                                  v.inventory_item_gid, v.inventory_quantity)
                                 for v in session.scalars(select(CatalogVariant).where(
                                     CatalogVariant.shop_id == shop_id))],
                                columns=["variant_gid", "product_gid", "variant_title", "sku",
                                         "price", "inventory_item_gid", "inventory_quantity"])
        levels = pd.DataFrame(session.execute(select(
            InventoryLevel.inventory_item_gid, InventoryLevel.available).where(
            InventoryLevel.shop_id == shop_id)).all(), columns=["inventory_item_gid", "available"])
        payloads = [json.loads(p) for p in session.scalars(
            select(Order.payload).where(Order.shop_id == shop_id).order_by(Order.created_at,
                                                                            Order.id))]
    stock = levels.groupby("inventory_item_gid")["available"].sum()
    on_hand = variants["inventory_item_gid"].map(stock)
    variants["on_hand"] = on_hand.fillna(variants["inventory_quantity"]).fillna(0).clip(lower=0)
    rows = []
    for order in payloads:
        if order.get("cancel_reason") or order.get("test"):
            continue
        for li in order.get("line_items") or []:
            if li.get("variant_id") is None and li.get("product_id") is None:
                continue
            rows.append((str(order.get("id")), order.get("created_at"),
                         gid("Product", li["product_id"]) if li.get("product_id") else None,
                         gid("ProductVariant", li["variant_id"]) if li.get("variant_id")
                         else None, float(li.get("quantity") or 0)))
    lines = pd.DataFrame(rows, columns=["order_id", "created_at", "product_gid", "variant_gid",
                                        "quantity"])
    lines["created_at"] = pd.to_datetime(lines["created_at"], utc=True, errors="coerce",
                                         format="mixed").dt.tz_localize(None)
    lines = lines.dropna(subset=["created_at"])
    return products, variants, lines, payloads


# --- the models ----------------------------------------------------------------------------------

def daily_sales(lines: pd.DataFrame, key: str, end: pd.Timestamp) -> pd.DataFrame:
    """`unique_id, ds, y` per `key` (variant or product), running to `end` (zeros after)."""
    part = lines.dropna(subset=[key])
    part = part[part["quantity"] > 0]
    sales = (part.assign(ds=part["created_at"].dt.normalize())
             .groupby([key, "ds"], sort=True)["quantity"].sum().reset_index()
             .rename(columns={key: "unique_id", "quantity": "y"}))
    if len(sales) and sales["ds"].max() < end:  # the table's end is the forecast origin
        sales = pd.concat([sales, pd.DataFrame({"unique_id": [sales["unique_id"].iloc[0]],
                                                "ds": [end], "y": [0.0]})], ignore_index=True)
    return sales


def compute(shop: str, shop_id: int, *, as_of: datetime | None = None,
            lead_time_days: float = DEFAULT_LEAD_TIME_DAYS) -> tuple[dict[str, object], Advice]:
    """Run every model on the stored store; (insights by kind, summary)."""
    clock = time.monotonic()
    today = pd.Timestamp(as_of or utcnow()).normalize()
    end = today - pd.Timedelta(days=1)
    products, variants, lines, payloads = load_store(shop_id)
    advice = Advice(shop=shop, as_of=str(today.date()), products=len(products),
                    variants=len(variants), orders=len(payloads))
    titles = dict(zip(products["product_gid"], products["title"], strict=True))
    insights: dict[str, object] = {}
    lines = lines[lines["created_at"] < today]

    # demand forecasts: per variant (write-back, plan), per product (charts)
    variant_sales = daily_sales(lines, "variant_gid", end)
    variant_sales = variant_sales[variant_sales["unique_id"].isin(variants["variant_gid"])]
    fc_variant = _forecast(variant_sales)
    f30 = fc_variant.groupby("unique_id")["forecast"].sum() if len(fc_variant) else pd.Series()
    advice.seconds["forecast_variants"] = round(time.monotonic() - clock, 2)

    product_sales = daily_sales(lines, "product_gid", end)
    recent = product_sales[product_sales["ds"] > end - pd.Timedelta(days=HISTORY_SHOWN_DAYS)]
    top = recent.groupby("unique_id")["y"].sum().sort_values(ascending=False)
    charted = [p for p in top.index if p in titles][:CHARTED_PRODUCTS]
    # a product of one variant is charted with its variant's forecast (the same numbers as
    # the reorder plan); a product of several with a forecast of their sum
    sold = variants[variants["variant_gid"].isin(variant_sales["unique_id"])]
    single = sold.groupby("product_gid")["variant_gid"].agg(list)
    single = {p: v[0] for p, v in single.items() if len(v) == 1}
    fc_product = _forecast(product_sales[product_sales["unique_id"].isin(
        [p for p in charted if p not in single])])
    fc_single = fc_variant[fc_variant["unique_id"].isin([single[p] for p in charted
                                                         if p in single])].copy()
    fc_single["unique_id"] = fc_single["unique_id"].map({v: p for p, v in single.items()})
    fc_charts = pd.concat([fc_product, fc_single], ignore_index=True)
    insights["forecast"] = [_chart(p, titles[p], recent, fc_charts) for p in charted]

    # the reorder plan, per variant with sales
    t = time.monotonic()
    plan = _plan(variant_sales, variants, lead_time_days, today)
    plan["forecast_30_days"] = plan["unique_id"].map(f30).fillna(0.0)
    advice.seconds["reorder_plan"] = round(time.monotonic() - t, 2)
    insights["reorder"] = _plan_rows(plan, variants, titles)

    # upsell pairs, per product
    t = time.monotonic()
    companions, pairs = _upsell(lines, titles)
    advice.seconds["upsell"] = round(time.monotonic() - t, 2)
    insights["upsell"] = pairs

    # recent orders and their risk
    t = time.monotonic()
    insights["orders"] = _recent_risk(shop_id, payloads)
    advice.seconds["fraud"] = round(time.monotonic() - t, 2)

    # customer segments, unusual days of revenue
    t = time.monotonic()
    extras = _extras(payloads, today)
    insights["segments"], insights["anomalies"], insights["revenue"] = extras[:3]
    advice.customer_segments = extras[3]
    advice.seconds["segments_anomalies"] = round(time.monotonic() - t, 2)

    insights["writeback"] = {
        "products": {p: recs for p, recs in companions.items() if p in titles},
        "variants": {r["unique_id"]: {"reorder_point": r["reorder_point"],
                                      "order_quantity": r["order_quantity"],
                                      "forecast_30_days": r["forecast_30_days"]}
                     for r in plan.to_dict("records")},
    }
    insights["summary"] = {"as_of": str(today.date()), "products": len(products),
                           "variants": len(variants), "orders": len(payloads),
                           "order_lines": len(lines), "lead_time_days": lead_time_days,
                           "currency": _currency(payloads),
                           "first_order": str(lines["created_at"].min().date()) if len(lines)
                           else None,
                           "last_order": str(lines["created_at"].max().date()) if len(lines)
                           else None}
    advice.seconds["compute"] = round(time.monotonic() - clock, 2)
    return insights, advice


def _forecast(sales: pd.DataFrame) -> pd.DataFrame:
    if sales.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "forecast", "lo_80", "hi_80", "lo_95",
                                     "hi_95", "model"])
    return forecast(sales, HORIZON_DAYS, freq="D", level=(80, 95))


def _chart(product: str, title: str, history: pd.DataFrame, fc: pd.DataFrame) -> dict:
    h = history[history["unique_id"] == product].set_index("ds")["y"]
    if len(h):
        grid = pd.date_range(history["ds"].max() - pd.Timedelta(days=HISTORY_SHOWN_DAYS - 1),
                             history["ds"].max(), freq="D")
        h = h.reindex(grid, fill_value=0.0)
    f = fc[fc["unique_id"] == product]
    return {"product_gid": product, "title": title,
            "history": [[str(d.date()), float(v)] for d, v in h.items()],
            "forecast": [[str(pd.Timestamp(r.ds).date()), round(float(r.forecast), 3),
                          float(r.lo_80), float(r.hi_80), float(r.lo_95), float(r.hi_95)]
                         for r in f.itertuples()],
            "model": str(f["model"].iloc[0]) if len(f) else "",
            "total_30_days": round(float(f["forecast"].sum()), 1)}


def _plan(sales: pd.DataFrame, variants: pd.DataFrame, lead_time: float,
          today: pd.Timestamp) -> pd.DataFrame:
    sold = variants[variants["variant_gid"].isin(sales["unique_id"])]
    if sold.empty:
        return pd.DataFrame(columns=["unique_id", "mean_demand", "safety_stock", "reorder_point",
                                     "order_quantity", "order_now", "stockout_date",
                                     "days_of_cover", "demand_per_period"])
    items = pd.DataFrame({"unique_id": sold["variant_gid"].to_numpy(),
                          "on_hand": sold["on_hand"].to_numpy(float),
                          "lead_time": float(lead_time)})
    return plan_reorders(sales, items, freq="D", as_of=today)


def _plan_rows(plan: pd.DataFrame, variants: pd.DataFrame, titles: dict) -> list[dict]:
    info = variants.set_index("variant_gid")
    rows = []
    for r in plan.to_dict("records"):
        v = info.loc[r["unique_id"]]
        stockout = r.get("stockout_date")
        rows.append({
            "variant_gid": r["unique_id"], "product_gid": v["product_gid"],
            "product": titles.get(v["product_gid"], v["product_gid"]),
            "variant": v["variant_title"], "sku": v["sku"] or "",
            "on_hand": int(v["on_hand"]),
            "demand_per_day": round(float(r["demand_per_period"]), 2),
            "forecast_30_days": round(float(r["forecast_30_days"]), 1),
            "safety_stock": round(float(r["safety_stock"]), 1),
            "reorder_point": int(np.ceil(r["reorder_point"])),
            "order_quantity": int(np.ceil(r["order_quantity"])),
            "order_now": int(np.ceil(r["order_now"])),
            "days_of_cover": None if pd.isna(r["days_of_cover"])
            else round(float(r["days_of_cover"]), 1),
            "stockout_date": None if pd.isna(stockout) else str(pd.Timestamp(stockout).date()),
        })
    rows.sort(key=lambda r: (-r["order_now"], r["days_of_cover"] if r["days_of_cover"]
                             is not None else 1e9))
    return rows


def _upsell(lines: pd.DataFrame, titles: dict) -> tuple[dict[str, list[str]], list[dict]]:
    basket = lines.dropna(subset=["product_gid"])
    basket = basket[basket["quantity"] > 0]
    if basket["order_id"].nunique() < 2 or basket["product_gid"].nunique() < 2:
        return {}, []
    frame = pd.DataFrame({"order_id": basket["order_id"], "product_id": basket["product_gid"],
                          "created_at": basket["created_at"],
                          "product_title": basket["product_gid"].map(titles).fillna("")})
    try:
        model = UpsellRecommender(COMPANIONS).fit(frame)
    except InputError as err:
        log.info("no upsell pairs: %s", err)
        return {}, []
    known = [p for p in model.products_ if p in titles]
    recs = model.similar(known, exclude=[p for p in model.products_ if p not in titles])
    companions = {p: list(g.sort_values("rank")["recommended_id"])
                  for p, g in recs.groupby("product_id", sort=False)}
    together = recs[recs["orders_together"] > 0].copy()
    together["pair"] = [tuple(sorted(x)) for x in zip(together["product_id"],
                                                      together["recommended_id"], strict=True)]
    together = together.sort_values(["orders_together", "score"], ascending=False)
    together = together.drop_duplicates("pair").head(12)
    pairs = []
    for r in together.itertuples():
        pairs.append({"product_gid": r.product_id, "product": titles[r.product_id],
                      "recommended_gid": r.recommended_id,
                      "recommended": titles.get(r.recommended_id, r.recommended_id),
                      "orders_together": int(r.orders_together),
                      "confidence": round(float(r.confidence), 3),
                      "lift": round(float(r.lift), 2), "score": round(float(r.score), 4),
                      "why": model.why(r.product_id, [r.recommended_id])[0]})
    return companions, pairs


def _recent_risk(shop_id: int, payloads: list[dict]) -> list[dict]:
    """The latest orders with their risk: the written assessment, else scored here."""
    recent = payloads[-RECENT_ORDERS:]
    if not recent:
        return []
    with db().session() as session:
        written = {a.order_id: a for a in session.scalars(select(Assessment).where(
            Assessment.shop_id == shop_id, Assessment.state == "written",
            Assessment.order_id.in_([str(o.get("id")) for o in recent])))}
    scored = {}
    missing = [o for o in recent if str(o.get("id")) not in written]
    if missing:
        history = payloads[-(FRAUD_HISTORY + RECENT_ORDERS):-RECENT_ORDERS] or recent
        try:
            table = FraudScorer().fit(history).assess(recent)
            scored = {str(r.order_id): r for r in table.itertuples()}
        except InputError as err:
            log.info("recent orders not scored: %s", err)
    rows = []
    for order in reversed(recent):
        oid = str(order.get("id"))
        a, s = written.get(oid), scored.get(oid)
        level = a.risk_level if a else (s.risk_level if s is not None else None)
        rows.append({"order_id": oid, "name": order.get("name") or f"#{oid}",
                     "created_at": order.get("created_at"),
                     "total": order.get("total_price"), "currency": order.get("currency"),
                     "items": int(sum(float(li.get("quantity") or 0)
                                      for li in order.get("line_items") or [])),
                     "risk_level": level,
                     "score": a.score if a else (float(s.score) if s is not None else None),
                     "reasons": (a.reasons if a else (s.reasons if s is not None else "")) or "",
                     "assessed_by": "order webhook" if a else "dashboard refresh"})
    return rows


def _currency(payloads: list[dict]) -> str:
    seen = pd.Series([o.get("currency") for o in payloads[-500:] if o.get("currency")])
    return str(seen.mode().iloc[0]) if len(seen) else ""


def _extras(payloads: list[dict], today: pd.Timestamp
            ) -> tuple[list[dict], list[dict], dict, dict[str, str]]:
    """Customer segments (RFM), the days of the last 16 weeks whose revenue was out of line,
    that daily revenue, and each Shopify customer's segment (customer gid -> name)."""
    rows = [(str((o.get("customer") or {}).get("id") or ""), o.get("created_at"),
             o.get("total_price")) for o in payloads
            if not o.get("cancel_reason") and not o.get("test")]
    orders = pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])
    orders["created_at"] = pd.to_datetime(orders["created_at"], utc=True, errors="coerce",
                                          format="mixed").dt.tz_localize(None)
    orders["amount"] = pd.to_numeric(orders["amount"], errors="coerce")
    orders = orders.dropna()
    orders = orders[orders["created_at"] < today]
    segments: list[dict] = []
    by_customer: dict[str, str] = {}
    known = orders[orders["customer_id"] != ""]
    if known["customer_id"].nunique() >= 10:
        try:
            table = segment_customers(known, as_of=today - pd.Timedelta(days=1))
        except InputError as err:
            log.info("no segments: %s", err)
        else:
            by_customer = {gid("Customer", c): str(name) for c, name in
                           zip(table["customer_id"].astype(str), table["segment"], strict=True)}
            spend = known.groupby("customer_id")["amount"].sum()
            table["revenue"] = table["customer_id"].astype(str).map(spend).fillna(0.0)
            grouped = table.groupby("segment").agg(
                customers=("customer_id", "size"), revenue=("revenue", "sum"),
                expected=("expected_purchases", "sum")).sort_values("customers",
                                                                     ascending=False)
            total = float(grouped["customers"].sum())
            segments = [{"segment": str(name), "customers": int(r.customers),
                         "share": round(r.customers / total, 4),
                         "revenue": round(float(r.revenue), 2),
                         "expected_purchases_90_days": round(float(r.expected), 1),
                         "tag": shopify_customers.segment_tag(str(name))}
                        for name, r in grouped.iterrows()]
    anomalies: list[dict] = []
    revenue: dict = {}
    if len(orders):
        daily = orders.assign(ds=orders["created_at"].dt.normalize()).groupby("ds")["amount"]\
            .sum()
        grid = pd.date_range(today - pd.Timedelta(days=HISTORY_SHOWN_DAYS * 2), today -
                             pd.Timedelta(days=1), freq="D")
        daily = daily.reindex(grid, fill_value=0.0)
        revenue = {"days": [[str(d.date()), round(float(v), 2)] for d, v in daily.items()]}
        if (daily > 0).sum() >= 28:
            try:
                flags = detect_anomalies(pd.DataFrame({"ds": daily.index,
                                                       "amount": daily.to_numpy(),
                                                       "series": "revenue"}))
            except InputError as err:
                log.info("no unusual days: %s", err)
            else:
                hits = flags[flags["anomaly"]].sort_values("ds", ascending=False).head(8)
                anomalies = [{"ds": str(pd.Timestamp(r.ds).date()),
                              "amount": round(float(r.amount), 2),
                              "score": round(float(r.score), 1),
                              **_plain_reason(str(r.reason))}
                             for r in hits.itertuples()]
    return segments, anomalies, revenue, by_customer


_AMOUNTS = re.compile(r"\s*\(amount (-?[\d,]+(?:\.\d+)?), typical about (-?[\d,]+(?:\.\d+)?)\)")


def _plain_reason(reason: str) -> dict:
    """The engine's reason without its bracketed figures (the dashboard shows them with the
    currency), and the typical revenue of such a day when the engine gave it."""
    match = _AMOUNTS.search(reason)
    typical = float(match.group(2).replace(",", "")) if match else None
    return {"reason": _AMOUNTS.sub("", reason), "typical": typical}


# --- storing and writing back ------------------------------------------------------------------

def save_insights(shop_id: int, insights: dict[str, object]) -> None:
    now = utcnow()
    with db().session() as session:
        old = {i.kind: i for i in session.scalars(select(ShopInsight).where(
            ShopInsight.shop_id == shop_id))}
        for kind, content in insights.items():
            text = json.dumps(content, default=str)
            if kind in old:
                old[kind].content, old[kind].computed_at = text, now
            else:
                session.add(ShopInsight(shop_id=shop_id, kind=kind, content=text,
                                        computed_at=now))


def load_insights(shop_id: int) -> dict[str, tuple[object, datetime]]:
    with db().session() as session:
        return {i.kind: (json.loads(i.content), i.computed_at) for i in session.scalars(
            select(ShopInsight).where(ShopInsight.shop_id == shop_id))}


def forget_orders(shop: str) -> int:
    """Drop orders no longer stored (redacted) from the dashboard's recent orders."""
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            return 0
        insight = session.scalar(select(ShopInsight).where(ShopInsight.shop_id == row.id,
                                                           ShopInsight.kind == "orders"))
        if insight is None:
            return 0
        recent = json.loads(insight.content)
        ids = [r["order_id"] for r in recent]
        kept = set(session.scalars(select(Order.order_id).where(
            Order.shop_id == row.id, Order.order_id.in_(ids))).all()) if ids else set()
        insight.content = json.dumps([r for r in recent if r["order_id"] in kept])
        return len(ids) - len(kept)


def forget_customer(shop: str, customer_id: object) -> int:
    """Drop what was kept about a redacted customer's segment tag."""
    if not customer_id:
        return 0
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            return 0
        return session.execute(delete(CustomerSegmentTag).where(
            CustomerSegmentTag.shop_id == row.id,
            CustomerSegmentTag.customer_gid == gid("Customer", customer_id))).rowcount


def metafields(writeback: dict) -> list[dict]:
    """The `MetafieldsSetInput`s of a run: products first, then variants."""
    out = [shopify_catalog.metafield(p, "complementary_products", "list.product_reference",
                                     recs[:COMPANIONS])
           for p, recs in writeback.get("products", {}).items() if recs]
    for v, values in writeback.get("variants", {}).items():
        out.append(shopify_catalog.metafield(v, "reorder_point", "number_integer",
                                             np.ceil(values["reorder_point"])))
        out.append(shopify_catalog.metafield(v, "order_quantity", "number_integer",
                                             np.ceil(values["order_quantity"])))
        out.append(shopify_catalog.metafield(v, "forecast_30_days", "number_decimal",
                                             values["forecast_30_days"]))
    return out


def recommend(shop: str, *, write: bool = True, as_of: datetime | None = None,
              lead_time_days: float | None = None,
              on_batch: Callable[[int], None] | None = None) -> Advice:
    """Compute the shop's advice, keep it for the dashboard and (when `write`) write it back."""
    with db().session() as session:
        row = shops.get_or_create_shop(session, shop)
        shop_id, domain = row.id, row.domain
    insights, advice = compute(domain, shop_id, as_of=as_of,
                               lead_time_days=lead_time_days or DEFAULT_LEAD_TIME_DAYS)
    if write:
        t = time.monotonic()
        api, token = shops.client(), shops.access_token(domain)
        existing = load_insights(shop_id).get("definitions")
        if existing is None:
            advice.definitions_created = shopify_catalog.ensure_definitions(api, domain, token)
            insights["definitions"] = {"created": advice.definitions_created,
                                       "at": str(utcnow())}
        advice.metafields_written = shopify_catalog.set_metafields(
            api, domain, token, metafields(insights["writeback"]), on_batch=on_batch)
        advice.seconds["write_back"] = round(time.monotonic() - t, 2)
        insights["summary"]["metafields_written"] = advice.metafields_written
        t = time.monotonic()
        insights["summary"]["segment_tags"] = write_segment_tags(
            api, domain, token, shop_id, advice.customer_segments)
        advice.segment_tags_written = insights["summary"]["segment_tags"]["written"]
        advice.seconds["segment_tags"] = round(time.monotonic() - t, 2)
        insights["summary"]["written_at"] = str(utcnow())
    save_insights(shop_id, insights)
    log.info("advice for %s: %d products, %d variants, %d metafields, %d segment tags (%s)",
             domain, advice.products, advice.variants, advice.metafields_written,
             advice.segment_tags_written, advice.seconds)
    return advice


def segment_tag_changes(shop_id: int, segments: dict[str, str]
                        ) -> list[shopify_customers.TagChange]:
    """The customers whose segment tag differs from the one last written (new ones too)."""
    with db().session() as session:
        written = dict(session.execute(select(
            CustomerSegmentTag.customer_gid, CustomerSegmentTag.tag).where(
            CustomerSegmentTag.shop_id == shop_id)).all())
    changes = []
    for customer, name in sorted(segments.items()):
        tag = shopify_customers.segment_tag(name)
        if written.get(customer) != tag:
            changes.append(shopify_customers.TagChange(customer, tag, written.get(customer)))
    return changes


def _record_tags(shop_id: int, done: list[shopify_customers.TagChange]) -> None:
    now = utcnow()
    with db().session() as session:
        rows = {r.customer_gid: r for r in session.scalars(select(CustomerSegmentTag).where(
            CustomerSegmentTag.shop_id == shop_id,
            CustomerSegmentTag.customer_gid.in_([c.customer_gid for c in done])))}
        for change in done:
            row = rows.get(change.customer_gid)
            if row is None:
                session.add(CustomerSegmentTag(shop_id=shop_id, customer_gid=change.customer_gid,
                                               tag=change.tag, written_at=now))
            else:
                row.tag, row.written_at = change.tag, now


def write_segment_tags(api, domain: str, token: str, shop_id: int,
                       segments: dict[str, str]) -> dict:
    """Tag the customers whose segment changed; what happened, for the summary.

    Skipped (with a note) without the ``write_customers`` scope. A failed call stops the
    tagging for this run without failing the advice: what was written is recorded, the
    rest goes on the next run.
    """
    outcome: dict = {"written": 0, "unchanged": 0, "failed": 0, "note": ""}
    changes = segment_tag_changes(shop_id, segments)
    outcome["unchanged"] = len(segments) - len(changes)
    if not changes:
        return outcome
    try:
        scopes = shopify_catalog.access_scopes(api, domain, token)
    except Unauthorized:
        raise
    except ShopifyError as err:
        log.warning("segment tags for %s skipped: scopes unknown (%s)", domain, err.code)
        outcome["note"] = "the app's permissions could not be read"
        return outcome
    if shopify_customers.SCOPE not in scopes:
        log.info("segment tags for %s skipped: no %s scope", domain, shopify_customers.SCOPE)
        outcome["note"] = f"needs the {shopify_customers.SCOPE} permission"
        return outcome
    def recorded(done: list[shopify_customers.TagChange]) -> None:
        _record_tags(shop_id, done)
        outcome["written"] += len(done)

    try:
        _, failed = shopify_customers.write_segment_tags(api, domain, token, changes,
                                                         on_batch=recorded)
        outcome["failed"] = len(failed)
    except Unauthorized:
        raise
    except ShopifyError as err:
        log.warning("segment tags for %s stopped: %s", domain, err)
        outcome["note"] = f"stopped: {err.code}"
    return outcome
