"""`=ADVICE("reorder", Sales!A1:C5000, Stock!A1:B40)`: one decision of a shop's advice.

The same `engine.advise` call as ``shelfwise advise`` and the Shopify app, so a sheet shows
the numbers the command line and the app show for the same tables.
"""

from __future__ import annotations

import pandas as pd
import xlwings as xw

from engine.advice import advise
from engine.errors import InputError
from engine.validation import number, whole_number
from excel_addin.cells import about, date_from, is_blank, never_raises, spill, table_with_header

DECISIONS = ("reorder", "forecast", "upsell", "segments", "anomalies", "revenue", "fraud")
#: The engine column at fault -> the argument that holds it (for the message).
_ARGUMENT_OF = {"unique_id": "sales_table", "ds": "sales_table", "y": "sales_table",
                "on_hand": "stock_table", "lead_time": "stock_table", "on_order": "stock_table",
                "service_level": "stock_table", "moq": "stock_table", "pack_size": "stock_table",
                "customer_id": "orders_table", "created_at": "orders_table",
                "amount": "orders_table", "order_id": "lines_table",
                "product_id": "lines_table"}


@xw.func(category="Shelfwise")
@xw.arg("decision", doc="reorder, forecast, upsell, segments, anomalies or revenue.")
@xw.arg("sales_table", ndim=2, err_to_str=True,
        doc="Daily units sold: a table with header unique_id, ds, y.")
@xw.arg("stock_table", ndim=2, err_to_str=True,
        doc="Optional: header unique_id, on_hand (and lead_time, on_order, ...).")
@xw.arg("orders_table", ndim=2, err_to_str=True,
        doc="Optional, for segments and revenue: header customer_id, created_at, amount.")
@xw.arg("lines_table", ndim=2, err_to_str=True,
        doc="Optional, for upsell: header order_id, product_id (created_at, quantity).")
@xw.arg("lead_time", doc="Days from ordering to receiving (default 7).")
@xw.arg("as_of", doc="Day of the advice (default: the day after the last sale).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def ADVICE(decision, sales_table, stock_table=None, orders_table=None, lines_table=None,
           lead_time=7, as_of=None):
    """One table of the shop's advice: what to reorder, the forecast, upsell pairs, customer
    segments, unusual days or daily revenue."""
    name = str(decision or "").strip().lower()
    if name not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    tables = {arg: None if _blank(value) else table_with_header(value, arg) for arg, value in
              (("stock_table", stock_table), ("orders_table", orders_table),
               ("lines_table", lines_table))}
    sales = table_with_header(sales_table, "sales_table")
    day = None if is_blank(as_of) else date_from(as_of, "as_of", 1)
    with about("sales_table", columns=_ARGUMENT_OF):
        result = advise(sales, tables["stock_table"], tables["orders_table"],
                        lines=tables["lines_table"], as_of=day,
                        lead_time=number(lead_time, "lead_time", low=0),
                        horizon=whole_number(30, "horizon"))
    table = result.tables()[name]
    for col in table.columns:
        if pd.api.types.is_datetime64_any_dtype(table[col]):
            table[col] = table[col].dt.strftime("%Y-%m-%d")
    return spill(table) if len(table) else f"Shelfwise: no {name} ({' '.join(result.notes)})"


def _blank(value) -> bool:
    """An optional range left out, or a range of blank cells."""
    if value is None:
        return True
    rows = value if isinstance(value, list | tuple) else [[value]]
    return all(is_blank(cell) for row in rows for cell in (row if isinstance(row, list | tuple)
                                                           else [row]))
