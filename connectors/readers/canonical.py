"""The canonical columns of the command-line contract, read with the same value rules as exports.

`--columns KEY=HEADER` renames any file's headers onto these keys first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.files import FileError
from connectors.readers.lines import LINE_COLUMNS, _customers
from connectors.readers.raw import RawFile, norm
from connectors.readers.values import decimal_comma, parse_dates, parse_numbers

#: Canonical keys of a sales file, as keys of a lines table.
SALES_KEYS = {"unique_id": "product_id", "ds": "created_at", "y": "quantity",
              "title": "product_title"}


def headers_of(raw: RawFile, keys: list[str], mapping: dict[str, str],
               defaults: dict[str, tuple[str, ...]] | None = None,
               shown: dict[str, str] | None = None) -> dict[str, str | None]:
    """The file header of each key: as mapped by --columns, else the first default present.

    `shown` names a key as the user wrote it (`unique_id` for the lines key `product_id`).
    """
    out = {}
    for key in keys:
        if key in mapping:
            pos = raw.position(mapping[key])
            if pos is None and raw.parts(mapping[key]):
                out[key] = mapping[key]  # several columns joined: "Date+Time"
                continue
            if pos is None:
                name = (shown or {}).get(key, key)
                raise FileError(raw.name, f"--columns {name}={mapping[key]!r}: no such column "
                                f"(the header has: {', '.join(raw.header)})", row=1)
            out[key] = raw.header[pos]
            continue
        out[key] = None
        for header in (defaults or {}).get(key, (key,)):
            pos = raw.position(header)
            if pos is not None:
                out[key] = raw.header[pos]
                break
    return out


def require(raw: RawFile, headers: dict[str, str | None], required: list[str]) -> None:
    """Raise one error naming every required column that is missing."""
    gone = [k for k in required if headers.get(k) is None]
    if gone:
        have = ", ".join(raw.header) or "none"
        what = "required column is missing" if len(gone) == 1 else \
            f"required columns {', '.join(repr(g) for g in gone)} are missing"
        raise FileError(raw.name, f"{what} (the header has: {have})", row=1, column=gone[0])


def canonical_lines(raw: RawFile, kind: str, *, mapping: dict[str, str],
                    dayfirst: bool | None, notes: list[str]) -> pd.DataFrame:
    """A canonical sales, order-lines or orders file as a lines table (see `lines`).

    `kind` "sold" reads order lines as sales: no order id needed, one unit a row unless a
    quantity is given.
    """
    if kind == "sales":
        mapping = {SALES_KEYS.get(k, k): v for k, v in mapping.items()}
        defaults = {"product_id": ("unique_id",), "created_at": ("ds",), "quantity": ("y",),
                    "product_title": ("title", "product_title")}
        keys = ["product_id", "created_at", "quantity", "product_title", "location"]
        required = ["product_id", "created_at", "quantity"]
        shown = {v: k for k, v in SALES_KEYS.items()}
    elif kind in ("lines", "sold"):
        keys = ["order_id", "product_id", "quantity", "customer_id", "created_at",
                "product_title", "amount", "location"]
        required, shown = ["order_id", "product_id"], {}
        defaults = {"product_title": ("product_title", "title")}
        if kind == "sold":  # lines read as sales: a product and a date, one unit a row
            if set(mapping) & set(SALES_KEYS):  # name keys as the user wrote them
                shown = {v: k for k, v in SALES_KEYS.items()}
            mapping = {SALES_KEYS.get(k, k): v for k, v in mapping.items()}
            required = ["product_id", "created_at"]
    else:
        keys = ["customer_id", "created_at", "amount", "order_id"]
        required, shown = ["customer_id", "created_at", "amount"], {}
        defaults = {}
    headers = headers_of(raw, keys, mapping, defaults, shown)
    gone = [k for k in required if headers[k] is None]
    if gone:
        require(raw, {shown.get(k, k): headers[k] for k in keys},
                [shown.get(k, k) for k in required])
    cells = raw.columns(h for h in headers.values() if h)
    if cells.empty:
        raise FileError(raw.name, "has a header but no rows")

    def col(key):
        h = headers.get(key)
        return cells[h] if h else pd.Series("", index=cells.index, dtype=object)

    numbers = {headers[k]: col(k) for k in ("quantity", "amount") if headers.get(k)}
    comma = decimal_comma(numbers, file=raw.name)
    if comma:
        notes.append("numbers read with a decimal comma")
    for key in required:
        if key == "customer_id" and kind == "orders":
            continue  # rows without a customer are counted and left out, not refused
        empty = (col(key) == "").to_numpy()
        if empty.any():
            raise FileError(raw.name, "is empty", row=int(cells.index[np.argmax(empty)]) + 2,
                            column=headers[key])
    n = len(cells)
    quantity = parse_numbers(col("quantity"), file=raw.name, column=headers["quantity"],
                             comma=comma).fillna(0.0 if kind == "sales" else 1.0) \
        if headers.get("quantity") else pd.Series(1.0, index=cells.index)
    amount = parse_numbers(col("amount"), file=raw.name, column=headers["amount"], comma=comma) \
        if headers.get("amount") else pd.Series(np.nan, index=cells.index)
    created = parse_dates(col("created_at"), file=raw.name, column=headers["created_at"],
                          dayfirst=dayfirst, notes=notes) if headers.get("created_at") else \
        pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    if kind == "orders":
        negative = (amount < 0).to_numpy()
        if negative.any():
            raise FileError(raw.name, "amount is negative; subtract refunds from their order "
                            "instead", row=int(cells.index[np.argmax(negative)]) + 2,
                            column=headers["amount"])
    order_id = col("order_id") if headers.get("order_id") else \
        pd.Series((cells.index + 2).astype(str), index=cells.index)
    lines = pd.DataFrame({
        "order_id": order_id, "product_id": col("product_id"),
        "product_title": col("product_title"), "quantity": quantity,
        "created_at": created, "customer_id": _customers(col("customer_id")),
        "location": col("location"), "order_total": np.nan, "line_amount": amount,
        "cancelled": False, "refunded": False,
        "is_return": (quantity < 0).to_numpy() if kind != "orders" else False,
        "not_product": False},
        index=cells.index)
    assert list(lines.columns) == LINE_COLUMNS and len(lines) == n
    lines.attrs["rows_only"] = not headers.get("order_id")  # no orders to count
    lines.attrs["headers"] = {k: h for k, h in headers.items() if h}  # to name in errors
    return lines


def has_columns(raw: RawFile, columns: tuple[str, ...]) -> bool:
    have = {norm(h) for h in raw.header}
    return all(norm(c) in have for c in columns)
