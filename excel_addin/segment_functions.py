"""Excel function for customer segments."""

from __future__ import annotations

import pandas as pd
import xlwings as xw

from engine.segments import segment_customers
from excel_addin.cells import (
    about,
    dates_from,
    never_raises,
    numbers_from,
    rows_of,
    spill,
    text_cell,
)

ARGUMENTS = {"customer_id": "customer_ids", "created_at": "dates", "amount": "amounts"}


@xw.func(category="Shelfwise")
@xw.arg("customer_ids", ndim=2, err_to_str=True, doc="Customer of each order.")
@xw.arg("dates", ndim=2, err_to_str=True, doc="Order dates (Excel dates or date numbers).")
@xw.arg("amounts", ndim=2, err_to_str=True, doc="Order values (0 or more).")
@xw.ret(index=False)
@never_raises
def CUSTOMER_SEGMENTS(customer_ids, dates, amounts):
    """Spill each customer's recency, frequency, spend, RFM scores, segment and expected buys."""
    at, cells = rows_of({"customer_ids": customer_ids, "dates": dates, "amounts": amounts},
                        typed=("dates", "amounts"))
    orders = pd.DataFrame({
        "customer_id": [text_cell(c, f"customer_ids (position {i})")
                        for c, i in zip(cells["customer_ids"], at, strict=True)],
        "created_at": dates_from(cells["dates"], "dates", at),
        "amount": numbers_from(cells["amounts"], "amounts", at, blank=None)})
    with about("customer_ids, dates and amounts", columns=ARGUMENTS, positions=at):
        table = segment_customers(orders)
    return spill(table.round({"p_alive": 4, "expected_purchases": 4}))
