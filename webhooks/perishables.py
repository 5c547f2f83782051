"""Perishable items in the app: variants of products tagged ``perishable`` get tomorrow's
quantity from `engine.perishables.plan_perishables` instead of an (s, Q) reorder plan.

What is sold today is made or bought for today: leftovers are lost, so the right stock is
the critical-ratio quantile of the day's demand, planned day by day (issue 15). Prices are
the variants' prices; costs are the inventory items' unit costs when Shopify has them, else
`ASSUMED_COST_SHARE` of the price, and the dashboard says so. The advice run
(`webhooks.advice`) keeps the engine's (s, Q) numbers for every other variant unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from connectors.shopify.catalog import has_tag
from engine.anomalies import checked_country
from engine.errors import InputError
from engine.perishables import plan_perishables
from engine.perishables.plan import MIN_HISTORY

PERISHABLE_TAG = "perishable"
#: A variant without a usable unit cost is planned as if it cost this share of its price.
ASSUMED_COST_SHARE = 0.4
#: Today and tomorrow: the dashboard shows tomorrow's, the metafields too (`apply`).
DAYS = 2
#: Quick learners (a dashboard refresh plans every perishable variant in seconds); the
#: forest is fitted anyway, its weights give the expected waste and lost sales.
CANDIDATES = ("sample_average", "forest", "neighbours")
NOT_AN_ORDER = "perishable: see tomorrow's quantities"


def is_perishable(tags: pd.Series) -> pd.Series:
    """Per product's comma-separated tags: whether one is ``perishable`` (any case)."""
    return tags.map(lambda t: has_tag(t, PERISHABLE_TAG)).astype(bool)


def plan(sales: pd.DataFrame, variants: pd.DataFrame, today: pd.Timestamp,
         country: str | None = None) -> dict:
    """The dashboard's card: tomorrow's quantity per perishable variant, with expected
    waste and lost sales (units), the critical ratio and the reason; {} without any.

    `variants` has ``variant_gid, product_gid, label, sku, price, unit_cost, perishable``;
    `sales` (``unique_id, ds, y``) ends before `today`. The shop's `country` adds its public
    holidays to the days the models learn from (a code the ``holidays`` package does not
    know is left out, not an error).
    """
    chosen = variants[variants["perishable"]]
    if chosen.empty:
        return {}
    tomorrow = today + pd.Timedelta(days=1)
    price = pd.to_numeric(chosen["price"], errors="coerce")
    cost = pd.to_numeric(chosen["unit_cost"], errors="coerce")
    usable = cost.notna() & (cost >= 0) & (cost < price)
    items = pd.DataFrame({"unique_id": chosen["variant_gid"], "price": price,
                          "cost": cost.where(usable, ASSUMED_COST_SHARE * price),
                          "assumed": ~usable}).set_index("unique_id", drop=False)
    priced = items[items["price"] > 0]
    part = sales[sales["unique_id"].isin(priced.index)]
    table, note = pd.DataFrame(), ""
    if not part.empty:  # every series runs to yesterday (days after the last sale sold 0)
        end = pd.DataFrame({"unique_id": [part["unique_id"].iloc[0]],
                            "ds": [today - pd.Timedelta(days=1)], "y": [0.0]})
        history = pd.concat([part, end], ignore_index=True)
        try:
            table = plan_perishables(history, items=priced[["unique_id", "price", "cost"]],
                                     days=DAYS, candidates=CANDIDATES,
                                     country=checked_country(country, history["ds"])[0])
        except InputError as err:
            note = f"Tomorrow's quantities could not be planned: {err}"
    if not table.empty:
        table = table[table["ds"] == tomorrow].set_index("unique_id")
    rows = [_row(v, items.loc[v.variant_gid], table) for v in chosen.itertuples()]
    rows.sort(key=lambda r: (r["quantity"] is None, -(r["quantity"] or 0), r["item"]))
    return {"day": str(tomorrow.date()), "rows": rows, "note": note,
            "assumed_cost_share": ASSUMED_COST_SHARE,
            "assumed_cost_items": int(items["assumed"].sum())}


def _row(variant, costs: pd.Series, table: pd.DataFrame) -> dict:
    row = {"variant_gid": variant.variant_gid, "product_gid": variant.product_gid,
           "item": variant.label, "sku": variant.sku or "",
           "price": _num(costs["price"]), "cost": _num(costs["cost"]),
           "cost_assumed": bool(costs["assumed"]), "quantity": None, "critical_ratio": None,
           "expected_sales": None, "expected_waste": None, "expected_lost_sales": None,
           "model": "", "reason": "no price in Shopify" if not costs["price"] > 0
           else "no sales yet"}
    if variant.variant_gid in table.index:
        r = table.loc[variant.variant_gid]
        if r["model"] == "no history":  # the engine plans 0 until it has days to learn from
            return {**row, "reason": f"fewer than {MIN_HISTORY + 1} days since its first sale"}
        row.update(quantity=int(r["quantity"]) if math.isfinite(r["quantity"]) else None,
                   critical_ratio=_num(r["critical_ratio"], 4),
                   expected_sales=_num(r["expected_sales"], 1),
                   expected_waste=_num(r["expected_waste"], 1),
                   expected_lost_sales=_num(r["expected_lost_sales"], 1),
                   model=str(r["model"]), reason=str(r["reason"]))
    return row


def _num(value, digits: int = 2) -> float | None:
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


def apply(card: dict, reorder: list[dict], writeback: dict[str, dict]) -> None:
    """Perishable variants' reorder rows say so instead of an (s, Q) order. Their
    metafields keep the contract's three keys: ``reorder_point`` and ``order_quantity``
    both tomorrow's quantity (leftovers are waste, so each day starts from nothing and
    orders the day's quantity), ``forecast_30_days`` as for every variant. A perishable
    variant that could not be planned gets neither (never a stale (s, Q) number)."""
    planned = {r["variant_gid"]: r["quantity"] for r in card.get("rows", [])}
    for row in reorder:
        if row["variant_gid"] in planned:
            quantity = planned[row["variant_gid"]]  # as in the metafields (and the CSV)
            row.update(perishable=True, plan=NOT_AN_ORDER, reorder_point=quantity,
                       order_quantity=quantity, order_now=0, tomorrow_quantity=quantity)
    for variant, quantity in planned.items():
        values = writeback.get(variant)
        if values is None:
            continue
        values.pop("reorder_point", None)
        values.pop("order_quantity", None)
        if quantity is not None:
            values["reorder_point"] = values["order_quantity"] = float(quantity)
