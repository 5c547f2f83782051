"""Excel function for order fraud scores."""

from __future__ import annotations

from typing import Any

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.fraud import normalize_table, score_orders
from excel_addin.cells import never_raises, spill


@xw.func
@xw.arg("orders", ndim=2, doc="Orders with a header row: order_id, email, total, "
        "billing_country, shipping_country; more columns used when present (created_at, "
        "customer_id, ip, shipping_method, avs, cvv, ...).")
@xw.ret(index=False)
@never_raises
def FRAUD_SCORE(orders):
    """Spill each order's fraud score (0 to 1), risk level (LOW/MEDIUM/HIGH) and reasons."""
    table = orders_table(orders)
    scores = score_orders(normalize_table(table))
    return spill(scores[["score", "risk_level", "reasons"]])


def orders_table(cells: Any) -> pd.DataFrame:
    """A range with a header row as a frame; fully blank rows at the end are dropped."""
    rows = [list(r) if isinstance(r, list | tuple) else [r] for r in (cells or [])]
    if len(rows) < 2:
        raise InputError("orders needs a header row and at least one order row")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = rows[1:]
    while body and all(c is None or str(c).strip() == "" for c in body[-1]):
        body.pop()
    if not body:
        raise InputError("orders has a header row but no order rows")
    return pd.DataFrame(body, columns=header)
