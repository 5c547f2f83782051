"""Read what a shop actually has: one sales, one order-lines, one orders and one stock table.

Every command reads through these four functions, so all of them apply one rule:

- a file is recognised by its header (`fmt="auto"`) or forced (`fmt="shopify-orders"`, ...);
  `columns={"unique_id": "Lineitem sku", ...}` maps any other file onto the canonical keys;
- times with offsets are the shop's local date and time as written (the offset is not applied);
  sales timestamps become days unless `freq` says otherwise;
- cancelled orders are left out; refunded orders (`Financial Status` refunded) are left out;
  partially refunded orders count in full;
- returns (negative quantities, `C` invoices, Square refunds) are reported, never subtracted;
- an invoice's postage, fee and adjustment lines (`POST`, `D`, `BANK CHARGES`, ...:
  `lines.NOT_PRODUCT_CODES`) are not demand: left out of sales and order lines, reported;
  they count in their order's amount, and an invoice of nothing else is not an order;
- order lines are grouped into orders for segments; orders without a customer are left out of
  the orders table and counted.

Each function returns a `Read`: the table, the one-line summary for stderr, the format and the
product titles found. Bad input raises `connectors.files.FileError` naming file, row, column.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pandas as pd

from connectors.files import FileError
from connectors.readers import canonical, formats, stock
from connectors.readers.formats import FORMAT_NAMES, LINE_LAYOUTS, STOCK_LAYOUTS, parse_columns
from connectors.readers.lines import export_lines, not_product_code
from connectors.readers.raw import RawFile, open_csv
from connectors.readers.values import decimal_comma, parse_dates, parse_numbers

__all__ = ["FORMAT_NAMES", "FileError", "Read", "parse_columns", "read_order_lines",
           "read_orders", "read_sales", "read_stock", "read_table"]

Source = str | os.PathLike | IO | bytes


@dataclass(frozen=True)
class Read:
    """What a reader returns: the canonical table and what a person should know about it."""

    table: pd.DataFrame
    summary: str
    format: str
    titles: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[str, object] = field(default_factory=dict)  # lines, orders, left out
    #: The file's header behind each key of `table` (`ds` -> `Created at`), for errors.
    headers: Mapping[str, str] = field(default_factory=dict)


def read_sales(source: Source, *, fmt: str = "auto", columns: Mapping[str, str] | None = None,
               dayfirst: bool | None = None, freq: str | None = None,
               signed: bool = False, by_location: bool = False) -> Read:
    """Units sold per product and day (`unique_id, ds, y`) from any sales or order file.

    Timestamps become days unless `freq` is finer than a day (`h`, `15min`): then they
    are kept for the forecaster to bin. Returns (negative quantities) are reported and left
    out unless `signed`, which keeps signs for cash-flow series. `by_location` adds a
    `location` column when the file has one.
    """
    raw, layout, lines, notes = _lines(source, "sales", fmt, columns, dayfirst, by_location)
    kept, counts = _demand(lines, signed=signed)
    ds = kept["created_at"] if _finer_than_a_day(freq) else kept["created_at"].dt.normalize()
    keys = [kept["product_id"].rename("unique_id"), ds.rename("ds")]
    if by_location:
        keys.append(kept["location"].rename("location"))
    table = kept["quantity"].groupby(keys, sort=True).sum().rename("y").reset_index()
    if table.empty:
        raise FileError(raw.name, "has no sales rows left to read")
    titles = _titles(kept)
    n = table["unique_id"].nunique()
    what = f"{n:,} series" if layout is None else _count(n, "SKU")
    summary = _summary(raw, layout, lines, counts, notes, tail=what)
    return Read(table, summary, _name(layout), titles, counts,
                _headers(lines, {"unique_id": ("product_id", "product_title"),
                                 "ds": ("created_at", "date"), "y": ("quantity",)}))


def read_order_lines(source: Source, *, fmt: str = "auto",
                     columns: Mapping[str, str] | None = None,
                     dayfirst: bool | None = None, freq: str | None = None) -> Read:
    """Order lines (`order_id, product_id, quantity, created_at, customer_id, product_title`).

    Cancelled and refunded orders and return lines are left out (counted in the summary).
    """
    raw, layout, lines, notes = _lines(source, "lines", fmt, columns, dayfirst)
    kept, counts = _demand(lines, signed=False)
    table = kept[["order_id", "product_id", "quantity", "created_at", "customer_id",
                  "product_title"]].copy()
    if not table["created_at"].notna().any():
        table = table.drop(columns="created_at")
    if table.empty:
        raise FileError(raw.name, "has no order lines left to read")
    summary = _summary(raw, layout, lines, counts, notes,
                       tail=_count(table["product_id"].nunique(), "product"))
    return Read(table, summary, _name(layout), _titles(kept), counts,
                _headers(lines, {k: (k,) for k in ("order_id", "product_id", "quantity",
                                                   "created_at", "customer_id")}))


def read_orders(source: Source, *, fmt: str = "auto", columns: Mapping[str, str] | None = None,
                dayfirst: bool | None = None, freq: str | None = None,
                guests: bool = False, need_amount: bool = False) -> Read:
    """One row per order (`order_id, customer_id, created_at, amount`).

    Lines are grouped into orders; the amount is the order's total (Shopify `Total`, else
    the sum of its lines, postage and fee lines included). Invoices of fee lines only are
    not purchases: left out and counted. Orders without a customer are left out and counted
    (segments need a customer), unless `guests`: revenue per day counts every order. A file
    without any money column is refused when `need_amount` (else its amounts are 0).
    """
    raw, layout, lines, notes = _lines(source, "orders", fmt, columns, dayfirst)
    kept, counts = _demand(lines, signed=False, fees=True)
    group = kept.groupby("order_id", sort=False)
    orders = pd.DataFrame({
        "customer_id": group["customer_id"].first(),
        "created_at": group["created_at"].min(),
        "amount": group["order_total"].first().fillna(group["line_amount"].sum(min_count=1)),
    })
    fees_only = group["not_product"].all().to_numpy()
    counts["fee_only"] = int(fees_only.sum())
    orders = orders[~fees_only]
    if orders.empty and counts["fee_only"]:
        raise FileError(raw.name, "has only invoices of postage, fee and adjustment lines "
                        f"({_first_codes(counts['fee_codes'])}), no products")
    if need_amount and len(kept) and orders["amount"].isna().all():
        looked = [h for k in ("order_total", "line_amount", "price")
                  for h in (layout.fields.get(k, ()) if layout is not None else ())]
        raise FileError(raw.name, "has no amount column"
                        + (f" (none of {', '.join(map(repr, looked))})" if looked else "")
                        + "; name one with --columns amount=HEADER", row=1)
    orders["amount"] = orders["amount"].fillna(0.0)
    orders = orders.reset_index()[["order_id", "customer_id", "created_at", "amount"]]
    no_customer = (orders["customer_id"] == "") & (not guests)
    counts["no_customer"] = int(no_customer.sum())
    orders = orders[~no_customer.to_numpy()].reset_index(drop=True)
    if orders.empty and not guests and _customer_header(raw, layout) is None:
        looked = layout.fields.get("customer_id", ()) if layout is not None else ()
        raise FileError(raw.name, "has no customer column"
                        + (f" (none of {', '.join(map(repr, looked))})" if looked else "")
                        + "; name one with --columns customer_id=HEADER", row=1)
    if orders.empty:
        raise FileError(raw.name, "has no orders left to read" if guests else
                        "has no orders with a customer"
                        f" (column {_customer_header(raw, layout)!r} is empty)",
                        column=_customer_header(raw, layout))
    tail = _count(orders["customer_id"].replace("", np.nan).nunique(), "customer") \
        if not guests else "revenue of " + _count(len(orders), "order") + " (guests too)"
    if counts["no_customer"]:
        tail = (_count(counts["no_customer"], "order") + " without a customer left out; "
                + tail)
    summary = _summary(raw, layout, lines, counts, notes, tail=tail)
    return Read(orders, summary, _name(layout), {}, counts)


def read_stock(source: Source, *, fmt: str = "auto", columns: Mapping[str, str] | None = None,
               by_location: bool = False, dayfirst: bool | None = None) -> Read:
    """Stock per item (`unique_id, on_hand, on_order, [location], title, unit_cost`).

    From a Shopify inventory export (either header generation; summed over locations unless
    `by_location`), a Shopify products export (`Variant Inventory Qty`), a WooCommerce
    products export (`Stock`), or the canonical items columns (every items column kept).
    """
    raw = open_csv(source)
    mapping = dict(columns or {})
    notes = list(raw.notes)
    layout = formats.recognise(raw, STOCK_LAYOUTS, (("unique_id", "on_hand"),), fmt) \
        if not (mapping and fmt == "auto") else None
    if layout is None:
        table = _canonical_items(raw, mapping)
        titles = dict(zip(table["unique_id"], table["title"], strict=True)) \
            if "title" in table else {}
        summary = f"read {len(table):,} items from {raw.name} (canonical columns)"
        return Read(table, _join(summary, notes), "canonical", titles, {"rows": len(table)})
    rows, counts = stock.export_stock(raw, layout, overrides=mapping, notes=notes)
    table = stock.combine(rows, by_location)
    locations = rows["location"].replace("", np.nan).nunique()
    parts = [f"read {_count(counts['rows'], 'row')} of "
             f"{_count(table['unique_id'].nunique(), 'item')}"
             + (f" at {_count(locations, 'location')}" if locations else "")
             + (", per location" if by_location and locations else
                ", summed over locations" if locations > 1 else "")]
    if counts.get("untracked"):
        parts.append(f"{_count(counts['untracked'], 'variant')} without a stock count left out")
    if counts.get("unmanaged"):
        parts.append(f"{_count(counts['unmanaged'], 'product')} without managed stock left "
                     "out")
    titles = dict(zip(table["unique_id"], table["title"], strict=True))
    return Read(table, _join("; ".join(parts) + f" ({layout.name})", notes), layout.name,
                titles, counts)


def read_table(source: Source, columns: Mapping[str, str], *, dayfirst: bool | None = None,
               mapping: Mapping[str, str] | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """A plain table read with the export rules (dates, numbers, encodings).

    `columns` maps each key to its kind: `text`, `number` or `date`, with a trailing `?`
    when optional. Returns the typed table, every column of the file as text (same index),
    and notes for the summary. One error names every missing required column.
    """
    raw = open_csv(source)
    notes = list(raw.notes)
    keys = list(columns)
    headers = canonical.headers_of(raw, keys, dict(mapping or {}))
    canonical.require(raw, headers, [k for k in keys if not columns[k].endswith("?")])
    cells = raw.columns(raw.header)
    if cells.empty:
        raise FileError(raw.name, "has a header but no rows")
    comma = decimal_comma({headers[k]: cells[headers[k]] for k in keys
                           if headers[k] and columns[k].startswith("number")}, file=raw.name)
    out = pd.DataFrame(index=cells.index)
    for key in keys:
        kind, header = columns[key].rstrip("?"), headers[key]
        if header is None:
            out[key] = "" if kind == "text" else np.nan
            continue
        cell = cells[header]
        if not columns[key].endswith("?") and (cell == "").any():
            raise FileError(raw.name, "is empty", row=int(cell.index[np.argmax(
                (cell == "").to_numpy())]) + 2, column=header)
        if kind == "number":
            out[key] = parse_numbers(cell, file=raw.name, column=header, comma=comma)
        elif kind == "date":
            out[key] = parse_dates(cell, file=raw.name, column=header, dayfirst=dayfirst,
                                   notes=notes)
        else:
            out[key] = cell
    summary = _join(f"read {len(out):,} rows from {raw.name} (canonical)", notes)
    return out, cells, [summary]


# ---------------------------------------------------------------------------- internals

_CANONICAL = {"sales": (("unique_id", "ds", "y"),),
              "lines": (("order_id", "product_id"),),
              "orders": (("customer_id", "created_at", "amount"),)}


#: Line keys a table does not need (not read from big exports).
_SKIP = {"sales": frozenset({"customer_id", "order_total", "line_amount"}),
         "lines": frozenset({"order_total", "line_amount", "location"}),
         "orders": frozenset({"location"})}


def _lines(source, kind, fmt, columns, dayfirst, by_location=False):
    if fmt not in FORMAT_NAMES:
        raise FileError("--format", f"{fmt!r} is not one of {', '.join(FORMAT_NAMES)}")
    raw = open_csv(source)
    mapping = dict(columns or {})
    notes = list(raw.notes)
    if fmt in ("shopify-inventory", "shopify-products", "woocommerce-products"):
        raise FileError(raw.name, f"--format {fmt} is a stock file; this command reads sales "
                        "or orders")
    if mapping and fmt == "auto":
        layout = None
    else:
        canon = _CANONICAL[kind]
        if kind == "sales":  # canonical order lines are sales too
            canon = canon + (("product_id", "created_at"),)
        layout = formats.recognise(raw, LINE_LAYOUTS, canon, fmt)
    if layout is None:
        sub = kind
        line_keys = {"product_id", "order_id", "created_at", "quantity"}
        if kind == "sales" and (
                line_keys & set(mapping) or "y" not in mapping
                and not canonical.has_columns(raw, ("y",)) if mapping else (
                    not canonical.has_columns(raw, ("unique_id",))
                    and canonical.has_columns(raw, ("product_id", "created_at")))):
            sub = "sold"  # order lines (one unit a row unless a quantity is given) are sales
        lines = canonical.canonical_lines(raw, sub, mapping=mapping, dayfirst=dayfirst,
                                          notes=notes)
        if kind == "sales" and lines["created_at"].isna().any():
            raise FileError(raw.name, "needs a date on every row", column="created_at")
    else:
        skip = _SKIP[kind] - ({"location"} if by_location else set())
        if kind == "sales" and not by_location:
            skip = skip | {"location"}
        lines = export_lines(raw, layout, dayfirst=dayfirst, overrides=mapping, notes=notes,
                             skip=skip)
    return raw, layout, lines, notes


def _demand(lines: pd.DataFrame, *, signed: bool, fees: bool = False
            ) -> tuple[pd.DataFrame, dict]:
    """The lines that are demand, and what was left out (counted per order and per line).

    `fees` keeps postage, fee and adjustment lines (an order's amount includes them); they
    are counted either way, and not as returns.
    """
    cancelled = lines["cancelled"].to_numpy()
    refunded = lines["refunded"].to_numpy() & ~cancelled
    not_product = lines["not_product"].to_numpy()
    fee_lines = not_product & ~cancelled & ~refunded
    returning = lines["is_return"].to_numpy()
    returns = returning & ~cancelled & ~refunded & ~not_product
    codes = pd.factorize(lines["order_id"].to_numpy(dtype=object))[0]
    counts = {
        "lines": len(lines), "orders": int(codes.max() + 1) if len(codes) else 0,
        "cancelled": int(np.unique(codes[cancelled]).size),
        "refunded": int(np.unique(codes[refunded]).size),
        "return_lines": int(returns.sum()),
        "returned_units": float(lines.loc[returns, "quantity"].abs().sum()),
        "fee_lines": int(fee_lines.sum()),
        "fee_codes": _commonest(not_product_code(lines.loc[fee_lines, "product_id"])),
    }
    keep = ~cancelled & ~refunded & (~returning | signed) & (~not_product | fees)
    kept = lines[keep]
    if signed:
        returned = returns[keep] & (kept["quantity"] > 0).to_numpy()
        kept = kept.assign(quantity=np.where(returned, -kept["quantity"], kept["quantity"]))
    if len(kept):
        counts["first"] = kept["created_at"].min()
        counts["last"] = kept["created_at"].max()
    return kept, counts


def _commonest(values: pd.Series) -> list[str]:
    """The distinct values, commonest first (ties in the order they first appear)."""
    return values.value_counts(sort=False).sort_values(ascending=False, kind="stable") \
        .index.tolist()


def _headers(lines: pd.DataFrame, keys: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file header behind each table key (the first of its line keys the file has)."""
    found = lines.attrs.get("headers", {})
    out = {}
    for key, line_keys in keys.items():
        header = next((found[k] for k in line_keys if found.get(k)), None)
        if header:
            out[key] = header
    return out


def _finer_than_a_day(freq: str | None) -> bool:
    """Whether `freq` asks for times of day (hours, minutes): only then are they kept."""
    if not freq:
        return False
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return False  # the forecaster names a bad alias itself
    return isinstance(offset, pd.tseries.offsets.Tick) and offset.nanos < 86_400 * 10**9


def _titles(lines: pd.DataFrame) -> dict[str, str]:
    named = lines[(lines["product_title"] != "") & (lines["product_title"] != lines["product_id"])]
    if named.empty:
        return {}
    return named.groupby("product_id", sort=False)["product_title"].first().to_dict()


def _summary(raw: RawFile, layout, lines, counts, notes, *, tail: str) -> str:
    dates = ""
    if pd.notna(counts.get("first")):
        dates = f" ({counts['first']:%Y-%m-%d} to {counts['last']:%Y-%m-%d})"
    if lines.attrs.get("rows_only"):
        head = f"read {_count(counts['lines'], 'row')}{dates}"
    else:
        head = f"read {_count(counts['lines'], 'line')} of {_count(counts['orders'], 'order')}" \
            + dates
    parts = [head + f" from {raw.name} ({_name(layout)})"]
    left = [_count(counts[k], f"{k} order") for k in ("cancelled", "refunded") if counts[k]]
    if left:
        parts.append(" and ".join(left) + " left out")
    if counts["return_lines"]:
        what = "C-invoice lines" if layout is not None and layout.name == "invoice-lines" \
            else "return lines"
        parts.append(f"{counts['return_lines']:,} {what} ({_units(counts['returned_units'])}) "
                     "reported, not subtracted")
    if counts["fee_lines"]:
        parts.append(_fees(counts))
    parts.append(tail)
    return _join("; ".join(parts), notes)


def _fees(counts: dict) -> str:
    """The postage, fee and adjustment lines as the summary names them: the commonest codes
    first, at most three; for orders, also the fee-only invoices left out."""
    what = (f"{_count(counts['fee_lines'], 'fee and adjustment line')} "
            f"({_first_codes(counts['fee_codes'])})")
    if "fee_only" not in counts:
        return what + " left out of demand"
    what += " counted in order amounts"
    if counts["fee_only"]:
        what += f", {_count(counts['fee_only'], 'order')} of fees only left out"
    return what


def _first_codes(codes: list[str]) -> str:
    """At most three codes, commonest first, then "..." when there are more."""
    return ", ".join(codes[:3]) + (", ..." if len(codes) > 3 else "")


def _count(n: int, noun: str) -> str:
    """`1 refunded order`, `3 refunded orders`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _units(n: float) -> str:
    n = abs(n)
    text = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"
    return f"{text} unit{'s' if n != 1 else ''}"


def _join(summary: str, notes: list[str]) -> str:
    return "; ".join([summary, *dict.fromkeys(notes)])


def _name(layout) -> str:
    return "canonical" if layout is None else layout.name


def _customer_header(raw: RawFile, layout) -> str | None:
    """The file's customer column (None when the layout finds none in this file)."""
    if layout is None:
        return "customer_id"
    return layout.header_for(raw, "customer_id")


def _canonical_items(raw: RawFile, mapping: dict[str, str]) -> pd.DataFrame:
    spec = formats.CANONICAL["items"]
    keys = list(spec["required"]) + list(spec["optional"])
    headers = canonical.headers_of(raw, keys, mapping)
    canonical.require(raw, headers, list(spec["required"]))
    cells = raw.columns(h for h in headers.values() if h)
    if cells.empty:
        raise FileError(raw.name, "has a header but no rows")
    text = ("title", "location", "perishable")  # perishable: yes/true/1 (issue 15)
    numeric = [k for k in keys if k not in ("unique_id", *text) and headers[k]]
    comma = decimal_comma({headers[k]: cells[headers[k]] for k in numeric}, file=raw.name)
    table = pd.DataFrame(index=cells.index)
    table["unique_id"] = cells[headers["unique_id"]]
    empty = (table["unique_id"] == "").to_numpy()
    if empty.any():
        raise FileError(raw.name, "is empty", row=int(cells.index[np.argmax(empty)]) + 2,
                        column=headers["unique_id"])
    for key in numeric:
        table[key] = parse_numbers(cells[headers[key]], file=raw.name, column=headers[key],
                                   comma=comma, words={"not stocked": 0.0})
    for key in text:
        if headers[key]:
            table[key] = cells[headers[key]]
    return table
