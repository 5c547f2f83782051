"""Excel function for customer segments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.segments import segment_customers
from excel_addin.cells import column_of_numbers, never_raises, spill

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial day 0 of Excel's 1900 date system


@xw.func
@xw.arg("customer_ids", ndim=1, doc="Customer of each order.")
@xw.arg("dates", ndim=1, doc="Order dates.")
@xw.arg("amounts", ndim=1, doc="Order values (0 or more).")
@xw.ret(index=False)
@never_raises
def CUSTOMER_SEGMENTS(customer_ids, dates, amounts):
    """Spill each customer's recency, frequency, spend, RFM scores, segment and expected buys."""
    ids = [_customer(cell, i) for i, cell in enumerate(cells_of(customer_ids))]
    days = column_of_dates(dates, "dates")
    values = column_of_numbers(amounts, "amounts", blank=None)
    if not len(ids) == len(days) == len(values):
        raise InputError("customer_ids, dates and amounts must have the same number of cells")
    orders = pd.DataFrame({"customer_id": ids, "created_at": days, "amount": values})
    table = segment_customers(orders)
    return spill(table.round({"p_alive": 4, "expected_purchases": 4}))


def cells_of(values: Any) -> list[Any]:
    """A one-column (or one-row) range as a flat list of cells."""
    if values is None:
        return []
    if isinstance(values, list | tuple):
        flat = []
        for item in values:
            flat.extend(item if isinstance(item, list | tuple) else [item])
        return flat
    return [values]


def column_of_dates(values: Any, name: str) -> pd.Series:
    """Dates from cells: Excel dates, serial numbers or text like 2024-03-01."""
    out = []
    for i, cell in enumerate(cells_of(values)):
        if isinstance(cell, dt.datetime | dt.date):
            out.append(pd.Timestamp(cell))
            continue
        if isinstance(cell, int | float) and not isinstance(cell, bool) and 0 < cell < 2958466:
            out.append(EXCEL_EPOCH + pd.to_timedelta(float(cell), unit="D"))
            continue
        day = pd.to_datetime(str(cell).strip(), errors="coerce") if cell is not None else pd.NaT
        if pd.isna(day):
            raise InputError(f"{name} has {str(cell)[:30]!r} at position {i + 1}; expected a date")
        out.append(pd.Timestamp(day))
    return pd.Series(out, dtype="datetime64[ns]")


def _customer(cell: Any, i: int) -> str:
    if cell is None or str(cell).strip() == "":
        raise InputError(f"customer_ids has an empty cell at position {i + 1}")
    if isinstance(cell, float) and cell.is_integer():  # Excel sends 1001 as 1001.0
        return str(int(cell))
    return str(cell).strip()
