"""Turn Shopify orders (``orders/create`` webhook dicts) or a flat table into one typed frame.

Every later step (features, rules, models) reads only the columns of `ORDER_COLUMNS`, so the
same engine serves the webhook, a JSON Lines file and an Excel table. Bad input raises
`engine.errors.InputError` naming the record (0-based) and the field at fault.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

ORDER_COLUMNS = (
    "order_id", "created_at", "email", "customer_id", "customer_created_at",
    "customer_orders_count", "total", "billing_country", "shipping_country", "billing_address",
    "shipping_address", "billing_name", "shipping_name", "ip", "device", "card", "avs", "cvv",
    "failed_payments", "express", "top_price", "top_qty", "n_items", "gift_card", "label",
)
"""Columns of a normalized order frame; times are seconds since 1970 (UTC)."""

_EXPRESS = re.compile(r"express|overnight|next[\s-]?day|priority|expedited|same[\s-]?day|"
                      r"1[\s-]?day|rush", re.IGNORECASE)
_NO_TIME_STEP = 2 * 86400.0  # a table without created_at: rows two days apart, no velocity
_FRAUD_TAG = re.compile(r"chargeback|fraud", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def is_order_frame(data: object) -> bool:
    """True when `data` is already a normalized order frame."""
    return isinstance(data, pd.DataFrame) and data.attrs.get("shelfwise") == "orders"


def normalize_orders(orders: Sequence[Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    """Read Shopify ``orders/create`` dicts into a normalized order frame.

    Parameters
    ----------
    orders : sequence of dict, normalized frame or None
        Orders as parsed from webhook JSON. A frame from `normalize_orders` or
        `normalize_table` is returned unchanged; None gives an empty frame.

    Returns
    -------
    pandas.DataFrame
        One row per order, columns `ORDER_COLUMNS`, in input order.

    Raises
    ------
    InputError
        When a record is not an object or a required field (``id``, ``created_at``,
        ``total_price``) is missing or unreadable; ``row`` is the record's position.

    Examples
    --------
    >>> frame = normalize_orders([{"id": 1, "created_at": "2024-01-02T10:00:00Z",
    ...                            "total_price": "12.50", "email": "A@x.com"}])
    >>> frame.loc[0, "order_id"], float(frame.loc[0, "total"]), frame.loc[0, "email"]
    ('1', 12.5, 'a@x.com')
    """
    if orders is None:
        return _frame([])
    if is_order_frame(orders):
        return orders
    if isinstance(orders, Mapping):
        orders = [orders]
    return _frame([_from_webhook(order, row) for row, order in enumerate(orders)])


def normalize_table(table: pd.DataFrame) -> pd.DataFrame:
    """Read a flat table of orders (one row per order, e.g. an Excel range) into an order frame.

    Parameters
    ----------
    table : pandas.DataFrame
        Required columns ``order_id``, ``email``, ``total``, ``billing_country`` and
        ``shipping_country``. Used when present: ``created_at``, ``customer_id``,
        ``customer_created_at``, ``orders_count``, ``billing_address``, ``shipping_address``,
        ``billing_name``, ``shipping_name``, ``ip``, ``device``, ``card``, ``avs``, ``cvv``,
        ``shipping_method``, ``quantity``, ``max_price``, ``cancel_reason``. Names are matched
        without regard to case, spaces or underscores. Without ``created_at`` rows are taken
        as two days apart, in table order: customer history counts, velocity does not.

    Returns
    -------
    pandas.DataFrame
        A normalized order frame, rows in table order.

    Raises
    ------
    InputError
        Naming the row (0-based) and column of the first unreadable cell.
    """
    cols = {_NON_ALNUM.sub("", str(c).lower()): c for c in table.columns}
    for need in ("order_id", "email", "total", "billing_country", "shipping_country"):
        if need.replace("_", "") not in cols:
            raise InputError(f"the table needs a {need!r} column (header row: "
                             f"{', '.join(map(str, table.columns))})", column=need)

    def cell(i: int, name: str) -> Any:
        col = cols.get(name.replace("_", ""))
        return None if col is None else _blank_to_none(table[col].iloc[i])

    records = []
    for i in range(len(table)):
        try:
            records.append(_table_record(i, cell))
        except InputError as err:  # say where, in the words of a spreadsheet
            raise InputError(f"row {i + 2} of the table, column {err.column!r}: {err.message}",
                             row=i, column=err.column) from None
    return _frame(records)


def _table_record(i: int, cell: Any) -> dict:
    order_id = cell(i, "order_id")
    if order_id is None:
        raise InputError("order id is empty", row=i, column="order_id")
    created = cell(i, "created_at")
    record = dict.fromkeys(ORDER_COLUMNS, "")
    record.update(
        order_id=_text_id(order_id),
        created_at=(_seconds(created, i, "created_at") if created is not None
                    else i * _NO_TIME_STEP),
        email=str(cell(i, "email") or "").strip().lower(),
        customer_id=_text_id(cell(i, "customer_id")),
        customer_created_at=_optional_seconds(cell(i, "customer_created_at"), i,
                                              "customer_created_at"),
        customer_orders_count=_number(cell(i, "orders_count"), i, "orders_count",
                                      default=math.nan),
        total=_number(cell(i, "total"), i, "total", required=True),
        billing_country=_country(cell(i, "billing_country")),
        shipping_country=_country(cell(i, "shipping_country")),
        billing_address=_key(cell(i, "billing_address")),
        shipping_address=_key(cell(i, "shipping_address")),
        billing_name=_key(cell(i, "billing_name")),
        shipping_name=_key(cell(i, "shipping_name")),
        ip=str(cell(i, "ip") or "").strip(),
        device=str(cell(i, "device") or "").strip(),
        card=str(cell(i, "card") or "").strip(),
        avs=str(cell(i, "avs") or "").strip().upper()[:1],
        cvv=str(cell(i, "cvv") or "").strip().upper()[:1],
        failed_payments=0.0,
        express=bool(_EXPRESS.search(str(cell(i, "shipping_method") or ""))),
        top_price=_number(cell(i, "max_price"), i, "max_price", default=math.nan),
        top_qty=_number(cell(i, "quantity"), i, "quantity", default=1.0),
        n_items=_number(cell(i, "quantity"), i, "quantity", default=1.0),
        gift_card=False,
        label=1.0 if str(cell(i, "cancel_reason") or "").lower() == "fraud" else 0.0,
    )
    if math.isnan(record["top_price"]):
        record["top_price"] = record["total"] / max(record["n_items"], 1.0)
    return record


def _frame(records: list[dict]) -> pd.DataFrame:
    floats = ("created_at", "customer_created_at", "customer_orders_count", "total",
              "failed_payments", "top_price", "top_qty", "n_items", "label")
    columns = {}
    for col in ORDER_COLUMNS:
        values = [r[col] for r in records]
        if col in floats:
            columns[col] = np.array(values, dtype=float)
        elif col in ("express", "gift_card"):
            columns[col] = np.array(values, dtype=bool)
        else:
            columns[col] = np.array(values, dtype=object)
    frame = pd.DataFrame(columns, copy=False)
    frame.attrs["shelfwise"] = "orders"
    return frame


def _from_webhook(order: Any, row: int) -> dict:
    if not isinstance(order, Mapping):
        raise InputError(f"expected an order object, got {type(order).__name__}", row=row)
    if order.get("id") in (None, ""):
        raise InputError("order id is missing", row=row, column="id")
    customer = _mapping(order.get("customer"), row, "customer")
    billing = _mapping(order.get("billing_address"), row, "billing_address")
    shipping = _mapping(order.get("shipping_address"), row, "shipping_address")
    client = _mapping(order.get("client_details"), row, "client_details")
    payment = _payment(order, row)
    lines = order.get("line_items") or []
    if not isinstance(lines, list):
        raise InputError("line_items must be a list", row=row, column="line_items")
    prices, quantities, gift = [], [], False
    for line in lines:
        line = _mapping(line, row, "line_items")
        prices.append(_number(line.get("price"), row, "line_items.price", default=0.0))
        quantities.append(_number(line.get("quantity"), row, "line_items.quantity", default=1.0))
        gift = gift or bool(line.get("gift_card"))
    top_price = max(prices, default=0.0)
    top_qty = sum(q for p, q in zip(prices, quantities, strict=True) if p >= 0.8 * top_price)
    shipping_text = " ".join(
        f"{s.get('title') or ''} {s.get('code') or ''}"
        for s in (order.get("shipping_lines") or []) if isinstance(s, Mapping))
    transactions = order.get("transactions") or []
    failed = sum(1 for t in transactions if isinstance(t, Mapping)
                 and str(t.get("status", "")).lower() in ("failure", "error"))
    return {
        "order_id": _text_id(order["id"]),
        "created_at": _seconds(order.get("created_at"), row, "created_at"),
        "email": str(order.get("email") or order.get("contact_email") or customer.get("email")
                     or "").strip().lower(),
        "customer_id": _text_id(customer.get("id")),
        "customer_created_at": _optional_seconds(customer.get("created_at"), row,
                                                 "customer.created_at"),
        "customer_orders_count": _number(customer.get("orders_count"), row,
                                         "customer.orders_count", default=math.nan),
        "total": _total(order, row),
        "billing_country": _country(billing.get("country_code") or billing.get("country")),
        "shipping_country": _country(shipping.get("country_code") or shipping.get("country")),
        "billing_address": _address(billing),
        "shipping_address": _address(shipping),
        "billing_name": _name(billing),
        "shipping_name": _name(shipping),
        "ip": str(order.get("browser_ip") or client.get("browser_ip") or "").strip(),
        "device": str(order.get("device_id") or "").strip(),
        "card": _card(payment),
        "avs": str(payment.get("avs_result_code") or "").strip().upper()[:1],
        "cvv": str(payment.get("cvv_result_code") or "").strip().upper()[:1],
        "failed_payments": float(failed),
        "express": bool(_EXPRESS.search(shipping_text)),
        "top_price": top_price,
        "top_qty": float(top_qty),
        "n_items": float(sum(quantities)),
        "gift_card": gift,
        "label": _label(order),
    }


def _payment(order: Mapping, row: int) -> Mapping:
    """Card facts from ``payment_details`` or the first transaction that carries them."""
    details = _mapping(order.get("payment_details"), row, "payment_details")
    if details:
        return details
    for transaction in order.get("transactions") or []:
        if isinstance(transaction, Mapping) and isinstance(transaction.get("payment_details"),
                                                           Mapping):
            return transaction["payment_details"]
    return {}


def _label(order: Mapping) -> float:
    if str(order.get("cancel_reason") or "").lower() == "fraud":
        return 1.0
    if order.get("chargeback") or _FRAUD_TAG.search(str(order.get("tags") or "")):
        return 1.0
    return 0.0


def _total(order: Mapping, row: int) -> float:
    value = order.get("total_price")
    if value in (None, ""):
        value = order.get("current_total_price")
    if value in (None, ""):
        value = ((order.get("total_price_set") or {}).get("shop_money") or {}).get("amount")
    return _number(value, row, "total_price", required=True)


def _mapping(value: Any, row: int, field: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"expected an object, got {type(value).__name__}", row=row, column=field)
    return value


def _number(value: Any, row: int, field: str, *, required: bool = False,
            default: float = math.nan) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError("is missing", row=row, column=field)
        return default
    if isinstance(value, bool):
        raise InputError(f"{value!r} is not a number", row=row, column=field)
    try:
        text = str(value).strip().lstrip("$€£").replace(",", "") if isinstance(value, str) else None
        number = float(text) if text is not None else float(value)
    except (TypeError, ValueError):
        raise InputError(f"{str(value)[:30]!r} is not a number", row=row, column=field) from None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"{value!r} is not a non-negative number", row=row, column=field)
    return number


def _seconds(value: Any, row: int, field: str) -> float:
    seconds = _optional_seconds(value, row, field)
    if math.isnan(seconds):
        raise InputError("is missing", row=row, column=field)
    return seconds


def _optional_seconds(value: Any, row: int, field: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime()
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{value[:40]!r} is not an ISO 8601 date-time", row=row,
                             column=field) from None
    else:
        raise InputError(f"{str(value)[:40]!r} is not a date-time", row=row, column=field)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text_id(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _country(value: Any) -> str:
    return str(value or "").strip().upper()


def _key(value: Any) -> str:
    return _NON_ALNUM.sub("", str(value or "").lower())


def _address(address: Mapping) -> str:
    parts = (address.get("address1"), address.get("address2"), address.get("zip"),
             address.get("country_code") or address.get("country"))
    return _key(" ".join(str(p) for p in parts if p))


def _name(address: Mapping) -> str:
    name = address.get("name") or " ".join(
        str(address.get(part) or "") for part in ("first_name", "last_name"))
    return _key(name)


def _card(payment: Mapping) -> str:
    bin_ = str(payment.get("credit_card_bin") or "").strip()
    number = str(payment.get("credit_card_number") or "").strip()
    last4 = re.sub(r"\D", "", number)[-4:]
    return f"{bin_}-{last4}" if bin_ or last4 else ""
