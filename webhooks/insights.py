"""What the dashboard shows of a shop's advice: plain rows made from `engine.advice.Advice`,
kept as JSON per kind (`ShopInsight`), and forgotten when Shopify asks for redaction.

Kinds and row fields (the dashboard's templates read them): ``forecast`` (charts: product_gid,
title, history, forecast, model, total_30_days), ``reorder`` (variant rows), ``upsell``
(pairs), ``orders`` (recent orders and their risk), ``segments`` (per segment), ``anomalies``
(ds, amount, score, reason, expected), ``revenue`` (days), ``writeback``, ``summary``
(with ``perishables``, the card of `webhooks.perishables`, when any product is tagged so).
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import delete, select

from connectors.shopify import customers as shopify_customers
from connectors.shopify.catalog import gid
from engine.advice import Advice
from webhooks import shops
from webhooks.storage import CustomerSegmentTag, Order, ShopInsight, db, utcnow

HISTORY_SHOWN_DAYS = 56
CHARTED = 8
PAIRS_SHOWN = 12


def forecast_charts(advice: Advice, sales: pd.DataFrame, variants: pd.DataFrame) -> list[dict]:
    """The best-selling variants of the last 8 weeks: their sales and their forecast."""
    start = advice.as_of - pd.Timedelta(days=HISTORY_SHOWN_DAYS)
    grid = pd.date_range(start, advice.as_of - pd.Timedelta(days=1), freq="D")
    recent = sales[sales["ds"] >= start]
    daily = recent.groupby(["unique_id", recent["ds"].dt.normalize()])["y"].sum()
    top = daily.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    info = variants.set_index("variant_gid")
    charts = []
    for variant in [v for v in top.index if v in info.index][:CHARTED]:
        f = advice.forecast[advice.forecast["unique_id"] == variant]
        h = daily.loc[variant].reindex(grid, fill_value=0.0)
        charts.append({
            "product_gid": info.loc[variant, "product_gid"], "variant_gid": variant,
            "title": info.loc[variant, "label"],
            "history": [[str(d.date()), float(v)] for d, v in h.items()],
            "forecast": [[str(pd.Timestamp(r.ds).date()), round(float(r.forecast), 3),
                          float(r.lo_80), float(r.hi_80), float(r.lo_95), float(r.hi_95)]
                         for r in f.itertuples()],
            "model": str(f["model"].iloc[0]) if len(f) else "",
            "total_30_days": round(float(f["forecast"].sum()), 1)})
    return charts


def reorder_rows(advice: Advice, variants: pd.DataFrame) -> list[dict]:
    """One row per variant with sales, most urgent first."""
    info = variants.set_index("variant_gid")
    rows = []
    for r in advice.reorder.to_dict("records"):
        v = info.loc[r["unique_id"]]
        rows.append({
            "variant_gid": r["unique_id"], "product_gid": v["product_gid"],
            "product": v["product"], "variant": v["variant_title"], "sku": v["sku"] or "",
            "on_hand": int(r["on_hand"]),
            "demand_per_day": round(float(r["demand_per_period"]), 2),
            "forecast_30_days": round(float(r["forecast_30_days"]), 1),
            "safety_stock": round(float(r["safety_stock"]), 1),
            "reorder_point": int(np.ceil(r["reorder_point"])),
            "order_quantity": int(np.ceil(r["order_quantity"])),
            "order_now": int(np.ceil(r["order_now"])), "model": str(r["model"]),
            "days_of_cover": None if pd.isna(r["days_of_cover"])
            else round(float(r["days_of_cover"]), 1),
            "stockout_date": None if pd.isna(r["stockout_date"])
            else str(pd.Timestamp(r["stockout_date"]).date())})
    rows.sort(key=lambda r: (-r["order_now"], 1e9 if r["days_of_cover"] is None
                             else r["days_of_cover"]))
    return rows


def upsell_rows(advice: Advice, titles: dict[str, str]) -> tuple[dict[str, list], list[dict]]:
    """(companions per product, best first; the pairs bought together most often)."""
    recs = advice.upsell
    companions = {p: list(g.sort_values("rank")["recommended_id"])
                  for p, g in recs.groupby("product_id", sort=False)}
    together = recs[recs["orders_together"] > 0].copy()
    together["pair"] = [tuple(sorted(x)) for x in zip(together["product_id"],
                                                      together["recommended_id"], strict=True)]
    together = together.sort_values(["orders_together", "score"], ascending=False)
    pairs = [{"product_gid": r.product_id, "product": titles.get(r.product_id, r.product_id),
              "recommended_gid": r.recommended_id,
              "recommended": titles.get(r.recommended_id, r.recommended_id),
              "orders_together": int(r.orders_together),
              "confidence": round(float(r.confidence), 3), "lift": round(float(r.lift), 2),
              "score": round(float(r.score), 4), "why": r.why}
             for r in together.drop_duplicates("pair").head(PAIRS_SHOWN).itertuples()]
    return companions, pairs


def segment_rows(advice: Advice, orders: pd.DataFrame) -> tuple[list[dict], dict[str, str]]:
    """(one row per segment, largest first; each Shopify customer's segment by gid)."""
    table = advice.segments
    if table.empty:
        return [], {}
    ids = table["customer_id"].astype(str)
    spend = orders.groupby(orders["customer_id"].astype(str))["amount"].sum()
    grouped = table.assign(revenue=ids.map(spend).fillna(0.0)).groupby("segment").agg(
        customers=("customer_id", "size"), revenue=("revenue", "sum"),
        expected=("expected_purchases", "sum")).sort_values("customers", ascending=False)
    total = float(grouped["customers"].sum())
    rows = [{"segment": str(name), "customers": int(r.customers),
             "share": round(r.customers / total, 4), "revenue": round(float(r.revenue), 2),
             "expected_purchases_90_days": round(float(r.expected), 1),
             "tag": shopify_customers.segment_tag(str(name))} for name, r in grouped.iterrows()]
    return rows, {gid("Customer", c): str(s) for c, s in zip(ids, table["segment"], strict=True)}


def anomaly_rows(advice: Advice) -> tuple[list[dict], dict]:
    """(the latest unusual days with the revenue expected on them; the daily revenue)."""
    rows = [{"ds": str(pd.Timestamp(r.ds).date()), "amount": round(float(r.amount), 2),
             "score": round(float(r.score), 1), "reason": str(r.reason),
             "expected": None if pd.isna(r.expected) else round(float(r.expected), 2)}
            for r in advice.anomalies.head(8).itertuples()]
    for row in rows:
        row["typical"] = row["expected"]
    days = [[str(pd.Timestamp(d).date()), round(float(v), 2)]
            for d, v in zip(advice.revenue["ds"], advice.revenue["amount"], strict=True)]
    return rows, ({"days": days} if days else {})


# --- storage -------------------------------------------------------------------------------

def save_insights(shop_id: int, insights: dict[str, object]) -> None:
    """Keep each kind's rows as JSON, replacing the previous run's."""
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
    """Each kind's rows and when they were computed."""
    with db().session() as session:
        return {i.kind: (json.loads(i.content), i.computed_at) for i in session.scalars(
            select(ShopInsight).where(ShopInsight.shop_id == shop_id))}


def forget_orders(shop: str) -> int:
    """Drop orders no longer stored (redacted) from the dashboard's recent orders."""
    with db().session() as session:
        row = shops.get_shop(session, shop)
        insight = None if row is None else session.scalar(select(ShopInsight).where(
            ShopInsight.shop_id == row.id, ShopInsight.kind == "orders"))
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
