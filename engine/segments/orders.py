"""Order histories made safe for segments: one row per order, every row with a customer.

The command line and the app feed canonical orders; this still guards the engine against
raw exports: order lines are grouped into orders by `order_id` (amounts summed), line-level
rows without an order id are refused, and rows without a customer are left out and counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

# columns that only an order-line table has: their presence without `order_id` means lines
LINE_COLUMNS = ("product_id", "sku", "quantity", "unique_id", "variant_id", "product_title")
LINE_SHARE = 0.1  # rows sharing customer and time (with a time of day) beyond this: lines


def clean_orders(orders: pd.DataFrame, as_of: Any) -> tuple[pd.DataFrame, pd.Timestamp, int]:
    """Orders `customer_id, day, amount` up to `as_of`, the day used, and rows left out.

    Rows without a customer id are left out (guest checkouts) and counted; with an
    `order_id` column several rows of one order become one order.
    """
    if not isinstance(orders, pd.DataFrame):
        raise InputError("orders must be a table with customer_id, created_at and amount")
    missing = [c for c in ("customer_id", "created_at", "amount") if c not in orders.columns]
    if missing:
        raise InputError(f"required column{'s are' if len(missing) > 1 else ' is'} missing: "
                         f"{', '.join(missing)}", column=missing[0])
    keep = ["customer_id", "created_at", "amount"]
    has_order_id = "order_id" in orders.columns
    frame = orders[keep + (["order_id"] if has_order_id else [])].reset_index(drop=True)
    if frame.empty:
        raise InputError("there are no orders")
    dates = as_dates(frame["created_at"])
    bad = dates.isna().to_numpy()
    if bad.any():
        raise InputError("is not a date", row=int(np.argmax(bad)), column="created_at")
    amount = pd.to_numeric(frame["amount"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(amount)
    if bad.any():
        raise InputError("is not a number", row=int(np.argmax(bad)), column="amount")
    if (amount < 0).any():
        raise InputError("amount is negative; subtract refunds from their order instead",
                         row=int(np.argmax(amount < 0)), column="amount")
    customer = frame["customer_id"]
    no_customer = (customer.isna() | (customer.astype(str).str.strip() == "")).to_numpy()
    table = pd.DataFrame({"customer_id": customer, "created_at": dates, "amount": amount})
    if has_order_id:
        table["order_id"] = frame["order_id"].to_numpy()
        table = _group_lines(table, no_customer)
        no_customer = table.pop("no_customer").to_numpy(bool)
    else:
        _refuse_lines(orders, table, no_customer)
    left_out = int(no_customer.sum())
    table = table[~no_customer]
    if table.empty:
        raise InputError(f"no order has a customer id ({left_out} left out)",
                         column="customer_id")
    day = table["created_at"].dt.normalize()
    if as_of is None:
        cutoff = day.max()
    else:
        cutoff = as_dates(pd.Series([as_of])).iloc[0]
        if pd.isna(cutoff):
            raise InputError(f"as_of {as_of!r} is not a date")
        cutoff = cutoff.normalize()
    in_range = (day <= cutoff).to_numpy()
    if not in_range.any():
        raise InputError(f"every order is after as_of {cutoff.date()}")
    clean = pd.DataFrame({"customer_id": table["customer_id"].to_numpy(),
                          "day": day.to_numpy(), "amount": table["amount"].to_numpy()})
    return clean[in_range].reset_index(drop=True), cutoff, left_out


def _group_lines(table: pd.DataFrame, no_customer: np.ndarray) -> pd.DataFrame:
    """One row per order id: its first customer id and time, the sum of its amounts."""
    table = table.assign(no_customer=no_customer)
    ids = table["order_id"]
    if ids.isna().any():
        raise InputError("order id is empty", row=int(np.argmax(ids.isna().to_numpy())),
                         column="order_id")
    if not ids.duplicated().any():
        return table.drop(columns="order_id")
    with_customer = table.sort_values("no_customer", kind="stable")  # a known customer first
    by = with_customer.groupby(with_customer["order_id"].astype(str), sort=False)
    grouped = pd.DataFrame({
        "customer_id": by["customer_id"].first(),
        "created_at": by["created_at"].min(),
        "amount": by["amount"].sum(),
        "no_customer": by["no_customer"].all(),
    })
    return grouped.reset_index(drop=True)


def _refuse_lines(orders: pd.DataFrame, table: pd.DataFrame, no_customer: np.ndarray) -> None:
    """Order lines without an order id cannot be told apart from orders: refuse them."""
    line_columns = [c for c in LINE_COLUMNS if c in orders.columns]
    stamps = table.loc[~no_customer, ["customer_id", "created_at"]]
    timed = stamps[stamps["created_at"] != stamps["created_at"].dt.normalize()]
    # two orders of one customer in the same second happen; a tenth of all rows does not
    repeated = timed.duplicated(keep=False).sum() > LINE_SHARE * max(len(timed), 1)
    if line_columns or repeated:
        why = (f"it has order-line columns ({', '.join(line_columns)})" if line_columns else
               "several rows share one customer and one date and time")
        raise InputError(f"these look like order lines ({why}) but there is no order_id column "
                         "to group them into orders; add order_id", column="order_id")


def as_dates(values: pd.Series) -> pd.Series:
    """Dates as naive timestamps in the shop's own wall-clock time."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    else:
        dates = pd.to_datetime(values, errors="coerce", format="mixed", utc=False)
        if not pd.api.types.is_datetime64_any_dtype(dates):  # mixed time zone offsets
            dates = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates.astype("datetime64[ns]")
