"""Excel function for customer segments."""

from __future__ import annotations

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.segments import segment_customers
from excel_addin.cells import (
    cells_of,
    column_of_dates,
    column_of_numbers,
    never_raises,
    spill,
    text_cell,
)


@xw.func(category="Shelfwise")
@xw.arg("customer_ids", ndim=1, err_to_str=True, doc="Customer of each order.")
@xw.arg("dates", ndim=1, err_to_str=True, doc="Order dates.")
@xw.arg("amounts", ndim=1, err_to_str=True, doc="Order values (0 or more).")
@xw.ret(index=False)
@never_raises
def CUSTOMER_SEGMENTS(customer_ids, dates, amounts):
    """Spill each customer's recency, frequency, spend, RFM scores, segment and expected buys."""
    ids = [text_cell(cell, f"customer_ids (position {i + 1})")
           for i, cell in enumerate(cells_of(customer_ids))]
    days = column_of_dates(dates, "dates")
    values = column_of_numbers(amounts, "amounts", blank=None)
    if not len(ids) == len(days) == len(values):
        raise InputError("customer_ids, dates and amounts must have the same number of cells")
    orders = pd.DataFrame({"customer_id": ids, "created_at": days, "amount": values})
    table = segment_customers(orders)
    return spill(table.round({"p_alive": 4, "expected_purchases": 4}))
