"""Excel function for order fraud scores."""

from __future__ import annotations

import xlwings as xw

from engine.fraud import normalize_table, score_orders
from excel_addin.cells import about, never_raises, spill, table_with_header


@xw.func(category="Shelfwise")
@xw.arg("orders", ndim=2, err_to_str=True, doc="Orders with a header row: order_id, email, total, "
        "billing_country, shipping_country; more columns used when present (created_at, "
        "customer_id, ip, shipping_method, avs, cvv, ...).")
@xw.ret(index=False)
@never_raises
def FRAUD_SCORE(orders):
    """Spill each order's fraud score (0 to 1), risk level (LOW/MEDIUM/HIGH) and reasons."""
    table = table_with_header(orders, "orders")
    with about("orders"):
        scores = score_orders(normalize_table(table))
    return spill(scores[["score", "risk_level", "reasons"]])
