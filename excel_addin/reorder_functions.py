"""`=REORDER_POINT(A2:A100, 7)` and friends: safety stock, reorder point, EOQ and a reorder plan."""

from __future__ import annotations

import xlwings as xw

from engine.errors import InputError
from engine.inventory import economic_order_quantity, plan_reorders
from engine.inventory.plan import plan_values
from excel_addin.cells import column_of_numbers, never_raises, spill, table_with_header


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{name} must be a number, got {value!r}")
    return float(value)


def _plan_values(sales, lead_time, service_level, lead_time_sd):
    return plan_values(column_of_numbers(sales, "sales"), _number(lead_time, "lead_time"),
                       service_level=_number(service_level, "service_level"),
                       lead_time_sd=_number(lead_time_sd, "lead_time_sd"))


@xw.func(category="Shelfwise")
@xw.arg("sales", ndim=1, err_to_str=True, doc="Units sold per period, oldest first; blanks are 0.")
@xw.arg("lead_time", doc="Periods from ordering to receiving.")
@xw.arg("service_level", doc="Target fill rate: share of units served from stock (0.95).")
@xw.arg("lead_time_sd", doc="Standard deviation of the lead time, in periods (0).")
@never_raises
def SAFETY_STOCK(sales, lead_time, service_level=0.95, lead_time_sd=0):
    """Stock kept beyond the expected lead-time demand to reach the target fill rate."""
    return round(float(_plan_values(sales, lead_time, service_level, lead_time_sd)
                       ["safety_stock"]), 2)


@xw.func(category="Shelfwise")
@xw.arg("sales", ndim=1, err_to_str=True, doc="Units sold per period, oldest first; blanks are 0.")
@xw.arg("lead_time", doc="Periods from ordering to receiving.")
@xw.arg("service_level", doc="Target fill rate: share of units served from stock (0.95).")
@xw.arg("lead_time_sd", doc="Standard deviation of the lead time, in periods (0).")
@never_raises
def REORDER_POINT(sales, lead_time, service_level=0.95, lead_time_sd=0):
    """Order when stock on hand plus on order is at or below this."""
    return float(_plan_values(sales, lead_time, service_level, lead_time_sd)["reorder_point"])


@xw.func(category="Shelfwise")
@xw.arg("annual_demand", doc="Units sold per year.")
@xw.arg("order_cost", doc="Cost of placing one order.")
@xw.arg("holding_cost_per_unit_year", doc="Cost of keeping one unit in stock for a year.")
@never_raises
def EOQ(annual_demand, order_cost, holding_cost_per_unit_year):
    """Economic order quantity: sqrt(2 x annual demand x order cost / holding cost)."""
    return round(economic_order_quantity(_number(annual_demand, "annual_demand"),
                                         _number(order_cost, "order_cost"),
                                         _number(holding_cost_per_unit_year, "holding_cost")), 2)


@xw.func(category="Shelfwise")
@xw.arg("sales_table", ndim=2, err_to_str=True, doc="Table with header unique_id, ds, y.")
@xw.arg("items_table", ndim=2, err_to_str=True,
        doc="Table with header unique_id, on_hand, lead_time, ...")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def REORDER_PLAN(sales_table, items_table):
    """Safety stock, reorder point, order quantity and what to order now, per item."""
    plan = plan_reorders(table_with_header(sales_table, "sales_table"),
                         table_with_header(items_table, "items_table"))
    plan["stockout_date"] = plan["stockout_date"].dt.strftime("%Y-%m-%d")
    return spill(plan.round(2))
