"""Every order or sale export as one table of lines, flagged the same way for every command.

A line carries `order_id, product_id, product_title, quantity, created_at, customer_id,
location`, the money it stands for (`order_total` given per order, or `line_amount` per line),
and four flags: `cancelled`, `refunded` (the whole order), `is_return` (a return line:
reported, never subtracted) and `not_product` (an invoice's postage, fee or adjustment line:
not demand, but part of what the customer paid). The table's index is the file record (file
row = index + 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.files import FileError
from connectors.readers.formats import Layout
from connectors.readers.raw import RawFile
from connectors.readers.values import decimal_comma, parse_dates, parse_numbers

#: Customer cells that mean "no customer" (a blank export cell, R's and pandas' missing marks).
NO_CUSTOMER = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "#n/a", "guest"})
LINE_COLUMNS = ["order_id", "product_id", "product_title", "quantity", "created_at",
                "customer_id", "location", "order_total", "line_amount", "cancelled",
                "refunded", "is_return", "not_product"]

#: Invoice-lines StockCodes that are postage, fees or adjustments, not products (UCI "Online
#: Retail" I and II): matched whole, case-insensitively, runs of spaces read as one. Gift
#: vouchers (`gift_0001_40`) and `PADS` are sold items and stay products.
NOT_PRODUCT_CODES = frozenset({
    "POST", "DOT", "C2", "D", "M", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "ADJUST",
    "ADJUST2", "TEST001", "TEST002"})


def export_lines(raw: RawFile, layout: Layout, *, dayfirst: bool | None,
                 overrides: dict[str, str], notes: list[str],
                 skip: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Read the line rows of an order export of `layout` (`overrides`: KEY -> header).

    Keys in `skip` (e.g. money for a sales table) are not read: a big file reads faster.
    The command's own keys (`unique_id`, `ds`, `y`, `amount`) name the same fields.
    """
    overrides = _layout_keys(overrides, layout)
    headers = {key: None if key in skip and key not in overrides else
               overrides.get(key) or layout.header_for(raw, key) for key in layout.fields}
    for key, header in overrides.items():
        if not raw.has(header):
            raise FileError(raw.name, f"--columns {key}={header!r}: no such column", row=1)
    spaced = [headers[k] for k in ("created_at", "date", "time", "cancelled_at", "quantity",
                                   "order_total", "line_amount", "price") if headers.get(k)]
    cells = raw.columns((h for h in headers.values() if h), keep_spaces=spaced)
    if cells.empty:
        raise FileError(raw.name, "has a header but no rows")

    def col(key: str) -> pd.Series:
        header = headers.get(key)
        return cells[header] if header else pd.Series("", index=cells.index, dtype=object)

    numbers = {headers[k]: col(k) for k in ("quantity", "order_total", "line_amount", "price")
               if headers.get(k)}
    comma = decimal_comma(numbers, file=raw.name)
    if comma:
        notes.append("numbers read with a decimal comma")

    def number(key: str, default: float = np.nan) -> pd.Series:
        if not headers.get(key):
            return pd.Series(default, index=cells.index, dtype=float)
        return parse_numbers(col(key), file=raw.name, column=headers[key], comma=comma)

    order_id = col("order_id")
    _require_cells(order_id, raw.name, headers["order_id"])
    if layout.name == "square-items":
        when = (col("date") + " " + col("time")).str.strip()
        created_at = parse_dates(when, file=raw.name, column=headers.get("date") or "Date",
                                 dayfirst=dayfirst, notes=notes)
    else:
        when = col("created_at")
        if (when == "").any():  # an order's time written on its first row only
            codes = pd.factorize(order_id.to_numpy(dtype=object))[0]
            when = pd.Series(first_in_group(when.to_numpy(dtype=object), codes),
                             index=when.index)
        _require_cells(when, raw.name, headers["created_at"])
        created_at = parse_dates(when, file=raw.name, column=headers["created_at"],
                                 dayfirst=dayfirst, default_dayfirst=layout.dayfirst,
                                 notes=notes)
    quantity = number("quantity", 1.0).fillna(0.0) if headers.get("quantity") else \
        pd.Series(1.0, index=cells.index)
    title = col("product_title")
    sku = col("product_id")
    product_id = sku.where(sku != "", title)
    _require_cells(product_id, raw.name, headers.get("product_id") or headers["product_title"])
    lines = pd.DataFrame({
        "order_id": order_id, "product_id": product_id, "product_title": title,
        "quantity": quantity, "created_at": created_at,
        "customer_id": _customers(col("customer_id")), "location": col("location"),
        "order_total": np.nan, "line_amount": np.nan, "cancelled": False, "refunded": False,
        "is_return": quantity < 0, "not_product": False})
    if layout.name == "shopify-orders":
        _shopify(lines, col, number)
    elif layout.name == "woocommerce-orders":
        _woocommerce(lines, col, number)
    elif layout.name == "square-items":
        lines["line_amount"] = number("line_amount")
        lines["is_return"] |= col("event").str.lower().isin(["refund", "return"]).to_numpy()
    elif layout.name == "etsy-items":
        lines["line_amount"] = number("line_amount")
    elif layout.name == "invoice-lines":
        lines["line_amount"] = quantity * number("price", 0.0).fillna(0.0)
        lines["is_return"] |= order_id.str.upper().str.startswith("C").to_numpy()
        lines["not_product"] = per_value(sku.to_numpy(dtype=object), is_not_product)
        lines["customer_id"] = lines["customer_id"].str.replace(r"\.0$", "", regex=True)
    lines.attrs["headers"] = {k: h for k, h in headers.items() if h}  # to name in errors
    return lines


#: A command's canonical keys as the keys of an export layout.
KEY_ALIASES = {"unique_id": "product_id", "ds": "created_at", "y": "quantity",
               "title": "product_title"}


def _layout_keys(overrides: dict[str, str], layout: Layout) -> dict[str, str]:
    """--columns keys as `layout` names them; a key it does not know is refused."""
    out = {}
    for key, header in overrides.items():
        name = KEY_ALIASES.get(key, key)
        if name == "created_at" and name not in layout.fields:
            name = "date"  # Square: the date column (its Time is still added)
        if name == "amount":
            name = "order_total" if "order_total" in layout.fields else "line_amount"
        if name not in layout.fields:
            known = sorted({*layout.fields, *KEY_ALIASES, "amount"} - {"date", "time"})
            raise FileError("--columns", f"{key!r} is not a key of {layout.name} files "
                            f"(keys: {', '.join(known)})")
        out[name] = header
    return out


def _shopify(lines: pd.DataFrame, col, number) -> None:
    """Order fields (customer, total, status, POS location) live on an order's first row
    only: carry them to its other rows."""
    codes = pd.factorize(lines["order_id"].to_numpy(dtype=object))[0]
    lines["customer_id"] = first_in_group(lines["customer_id"].to_numpy(dtype=object), codes)
    lines["location"] = first_in_group(lines["location"].to_numpy(dtype=object), codes)
    lines["order_total"] = number("order_total").groupby(codes, sort=False) \
        .transform("first").to_numpy()
    cancelled = first_in_group(col("cancelled_at").to_numpy(dtype=object), codes)
    status = first_in_group(col("status").to_numpy(dtype=object), codes)
    lines["cancelled"] = per_value(cancelled, lambda v: v.str.strip() != "")
    lines["refunded"] = per_value(status, lambda v: v.str.lower() == "refunded")


def not_product_code(codes: pd.Series) -> pd.Series:
    """Each StockCode as `NOT_PRODUCT_CODES` spells it: upper case, runs of spaces as one."""
    return codes.str.upper().str.split().str.join(" ")


def is_not_product(codes: pd.Series) -> pd.Series:
    """Whether each StockCode is postage, a fee or an adjustment (`NOT_PRODUCT_CODES`)."""
    return not_product_code(codes).isin(NOT_PRODUCT_CODES)


def per_value(values: np.ndarray, test) -> np.ndarray:
    """`test` (a vectorised check of a text Series) on each distinct value once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(test(pd.Series(uniques, dtype=object).astype(str)), dtype=bool)[codes]


def first_in_group(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row's group's first non-empty value ("" when the group has none)."""
    filled = np.flatnonzero(values != "")
    first = np.full(codes.max() + 1 if len(codes) else 0, -1)
    first[codes[filled[::-1]]] = filled[::-1]  # the last write per group is its first row
    where = first[codes]
    return np.where(where >= 0, values[np.maximum(where, 0)], "")


_WOO_CANCELLED = {"cancelled", "wc-cancelled", "failed", "wc-failed", "trash"}
_WOO_REFUNDED = {"refunded", "wc-refunded"}


def _woocommerce(lines: pd.DataFrame, col, number) -> None:
    order = lines["order_id"].to_numpy()
    status = col("status").replace("", np.nan).groupby(order, sort=False).transform("first")
    status = status.fillna("").str.lower()
    lines["cancelled"] = status.isin(_WOO_CANCELLED).to_numpy()
    lines["refunded"] = status.isin(_WOO_REFUNDED).to_numpy()
    total = number("order_total")
    if total.notna().any() and not (total.groupby(order, sort=False).transform("nunique")
                                    > 1).any():
        lines["order_total"] = total.groupby(order, sort=False).transform("first").to_numpy()
    elif total.notna().any():  # differs between an order's lines: a line amount (--columns)
        lines["line_amount"] = total.to_numpy()
    else:
        lines["line_amount"] = number("line_amount")
    customer = lines["customer_id"].replace("", np.nan)
    lines["customer_id"] = customer.groupby(order, sort=False).transform("first").fillna("")


def _customers(cells: pd.Series) -> pd.Series:
    missing = per_value(cells.to_numpy(dtype=object), lambda v: v.str.lower().isin(NO_CUSTOMER))
    return cells.where(~missing, "")


def _require_cells(cells: pd.Series, file: str, column: str) -> None:
    empty = (cells == "").to_numpy()
    if empty.any():
        raise FileError(file, "is empty", row=int(cells.index[np.argmax(empty)]) + 2,
                        column=column)
