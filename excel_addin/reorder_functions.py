"""`=REORDER_POINT(A1:A120, 7)` and friends: safety stock, reorder point, EOQ and a reorder plan."""

from __future__ import annotations

import re

import pandas as pd
import xlwings as xw

from engine.inventory import economic_order_quantity, plan_reorders
from engine.inventory.plan import check_items, plan_values
from engine.validation import fraction, number, positive_number
from excel_addin.cells import (
    about,
    column_of_numbers,
    is_blank,
    never_raises,
    spill,
    table_with_header,
)
from excel_addin.forecast_functions import MAX_PERIODS

#: Headers people use for the sales table's columns, normalised (lower case, `_` for spaces).
SALES_NAMES = {"sku": "unique_id", "product": "unique_id", "product_id": "unique_id",
               "item": "unique_id", "id": "unique_id", "date": "ds", "day": "ds", "week": "ds",
               "month": "ds", "period": "ds", "units": "y", "units_sold": "y", "quantity": "y",
               "qty": "y", "sales": "y", "sold": "y"}
#: The same for the items table (its other keys are `engine.inventory.plan.ITEM_DEFAULTS`).
ITEM_NAMES = {"sku": "unique_id", "product": "unique_id", "product_id": "unique_id",
              "item": "unique_id", "id": "unique_id", "stock": "on_hand", "in_stock": "on_hand",
              "available": "on_hand", "incoming": "on_order"}
SALES_DOC = "Units sold per period, oldest first; a header on top and blank cells below are fine."
LEVEL_DOC = "Target fill rate: share of units served from stock, 0.95 or 95 (default 0.95)."


def _lead_time_function(fn):
    """The Excel decorators SAFETY_STOCK and REORDER_POINT share (same arguments, one number)."""
    for decorate in (never_raises,
                     xw.arg("lead_time_sd", err_to_str=True,
                            doc="Standard deviation of the lead time, in periods (0)."),
                     xw.arg("service_level", err_to_str=True, doc=LEVEL_DOC),
                     xw.arg("lead_time", err_to_str=True,
                            doc="Periods from ordering to receiving."),
                     xw.arg("sales", ndim=2, err_to_str=True, doc=SALES_DOC),
                     xw.func(category="Shelfwise")):
        fn = decorate(fn)
    return fn


def _plan_values(sales, lead_time, service_level, lead_time_sd) -> pd.Series:
    """The one-column plan behind SAFETY_STOCK and REORDER_POINT."""
    units = column_of_numbers(sales, "sales")
    lead_time = number(lead_time, "lead_time", low=0, high=MAX_PERIODS)
    service_level = fraction(service_level, "service_level")
    lead_time_sd = number(lead_time_sd, "lead_time_sd", low=0, high=MAX_PERIODS)
    with about("sales"):
        return plan_values(units, lead_time, service_level=service_level,
                           lead_time_sd=lead_time_sd)


@_lead_time_function
def SAFETY_STOCK(sales, lead_time, service_level=0.95, lead_time_sd=0):
    """Stock kept beyond the expected lead-time demand to reach the target fill rate."""
    return round(float(_plan_values(sales, lead_time, service_level, lead_time_sd)
                       ["safety_stock"]), 2)


@_lead_time_function
def REORDER_POINT(sales, lead_time, service_level=0.95, lead_time_sd=0):
    """Order when stock on hand plus on order is at or below this."""
    return float(_plan_values(sales, lead_time, service_level, lead_time_sd)["reorder_point"])


@xw.func(category="Shelfwise")
@xw.arg("annual_demand", err_to_str=True, doc="Units sold per year.")
@xw.arg("order_cost", err_to_str=True, doc="Cost of placing one order.")
@xw.arg("holding_cost_per_unit_year", err_to_str=True,
        doc="Cost of keeping one unit in stock for a year.")
@never_raises
def EOQ(annual_demand, order_cost, holding_cost_per_unit_year):
    """Economic order quantity: sqrt(2 x annual demand x order cost / holding cost)."""
    return round(economic_order_quantity(
        number(annual_demand, "annual_demand", low=0), number(order_cost, "order_cost", low=0),
        positive_number(holding_cost_per_unit_year, "holding_cost_per_unit_year")), 2)


@xw.func(category="Shelfwise")
@xw.arg("sales_table", ndim=2, err_to_str=True,
        doc="Table with header unique_id (or SKU), ds (or Date, Week), y (or Units, Quantity).")
@xw.arg("items_table", ndim=2, err_to_str=True,
        doc="Table with header unique_id, on_hand, lead_time, ...")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def REORDER_PLAN(sales_table, items_table):
    """Safety stock, reorder point, order quantity and what to order now, per item."""
    sales = _named(table_with_header(sales_table, "sales_table"), SALES_NAMES)
    items = _service_levels(_named(table_with_header(items_table, "items_table"), ITEM_NAMES))
    with about("items_table"):
        check_items(items)
    with about("sales_table"):
        plan = plan_reorders(sales, items)
    plan["stockout_date"] = plan["stockout_date"].dt.strftime("%Y-%m-%d")
    return spill(plan.round(2))


def _named(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Headers as people write them (`SKU`, `Week`, `Units`, `On hand`) as the engine's keys."""
    taken, renamed = set(table.columns), {}
    for col in table.columns:
        key = re.sub(r"[^a-z0-9]+", "_", str(col).lower()).strip("_")
        new = names.get(key, key)
        if new != col and new not in taken:  # the first column to claim a key gets it
            renamed[col] = new
            taken.add(new)
    return table.rename(columns=renamed)


def _service_levels(items: pd.DataFrame) -> pd.DataFrame:
    """A `service_level` column may hold 95 for 95 %, as the scalar argument may."""
    if "service_level" in items.columns:
        items["service_level"] = [
            None if is_blank(v) else fraction(v, f"items_table (row {i + 2}) service_level")
            for i, v in enumerate(items["service_level"])]
    return items
