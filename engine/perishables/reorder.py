"""Perishable items in a reorder plan: the newsvendor quantity replaces the (s, Q) order.

An (s, Q) policy assumes unsold stock keeps. For an item marked perishable (a `perishable`
column of the items table: yes/true/1) what is left at closing is thrown away, so the plan
row says how much to have on the shelf tomorrow instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.perishables.plan import plan_perishables

#: Cell values that mark an item perishable (case-insensitive).
TRUE_WORDS = {"1", "1.0", "true", "yes", "y", "x", "perishable"}


def perishable_flags(items: pd.DataFrame) -> np.ndarray:
    """Which rows of an items table are perishable (no `perishable` column: none).

    Examples
    --------
    >>> perishable_flags(pd.DataFrame({"perishable": ["yes", "", "TRUE", 0, None]})).tolist()
    [True, False, True, False, False]
    """
    if "perishable" not in items.columns:
        return np.zeros(len(items), dtype=bool)
    cells = items["perishable"].reset_index(drop=True)
    return np.array([str(c).strip().lower() in TRUE_WORDS or c is True for c in cells])


def newsvendor_rows(plan: pd.DataFrame, sales: pd.DataFrame, items: pd.DataFrame,
                    flags: np.ndarray, *, freq: str) -> pd.DataFrame:
    """Replace the rows of perishable items in a reorder plan by tomorrow's newsvendor plan.

    The critical ratio is ``(price - unit_cost) / (price - salvage)`` when the items table
    gives `price` and `unit_cost`, else the item's `service_level`. `order_quantity`,
    `order_now` and `reorder_point` become the quantity to have on the shelf tomorrow
    (leftovers are thrown away, so stock on hand does not count), `mean_demand` the
    expected demand, `safety_stock` the quantity above it, `cycle_service_level` the
    critical ratio and `distribution` "newsvendor". Only daily sales are planned so.
    """
    flags = np.asarray(flags, dtype=bool)
    if not flags.any() or not str(freq).upper().startswith("D"):
        return plan
    raw = items.reset_index(drop=True)[flags]
    ids = raw["unique_id"].astype(str).str.strip().to_numpy()
    sold = sales[sales["unique_id"].astype(str).isin(ids)]
    if sold.empty:
        return plan
    price = _column(raw, "price")
    cost = _column(raw, "unit_cost")
    salvage = np.nan_to_num(_column(raw, "salvage"), nan=0.0)
    ratio = _column(raw, "service_level")
    ratio = np.where(np.isnan(ratio), 0.95, ratio)
    priced = ~np.isnan(price) & ~np.isnan(cost) & (price > cost) & (cost > salvage)
    # without prices the service level is the critical ratio: price 1, cost 1 - ratio
    own = pd.DataFrame({"unique_id": ids, "price": np.where(priced, price, 1.0),
                        "cost": np.where(priced, cost, 1.0 - ratio),
                        "salvage": np.where(priced, salvage, 0.0)})
    fresh = plan_perishables(sold, items=own, days=1).set_index("unique_id")
    out = plan.copy()
    rows = out["unique_id"].isin(fresh.index).to_numpy()
    got = fresh.loc[out.loc[rows, "unique_id"]]
    expected = (got["expected_sales"] + got["expected_lost_sales"]).to_numpy()
    quantity = got["quantity"].to_numpy()
    out.loc[rows, "order_quantity"] = quantity
    out.loc[rows, "order_now"] = quantity
    out.loc[rows, "reorder_point"] = quantity
    out.loc[rows, "mean_demand"] = expected
    out.loc[rows, "demand_per_period"] = expected
    out.loc[rows, "safety_stock"] = quantity - expected
    out.loc[rows, "fill_rate"] = np.where(expected > 0, got["expected_sales"].to_numpy()
                                          / np.maximum(expected, 1e-12), 1.0)
    out.loc[rows, "cycle_service_level"] = got["critical_ratio"].to_numpy()
    out.loc[rows, "distribution"] = "newsvendor"
    out.loc[rows, "model"] = ("perishable: " + got["model"]).to_numpy()
    return out


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table.columns:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
