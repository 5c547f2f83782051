"""The fraud engine's order frame: one row per order, the columns of `ORDER_COLUMNS`.

Every later step (features, rules, models) reads only these columns, so the same engine
serves the app, a JSON Lines file and an Excel table. The engine never reads Shopify JSON:
`connectors.shopify.orders.fraud_frame` turns webhook payloads into this frame, and
`normalize_table` reads a flat table (one row per order, e.g. an Excel range). Bad input
raises `engine.errors.InputError` naming the row (0-based) and the column at fault.
"""

from __future__ import annotations

import math
import re
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
"""Columns of an order frame; times are seconds since 1970 (UTC)."""

REQUIRED_COLUMNS = ("order_id", "created_at", "total")
"""Columns an order frame cannot do without; the others have neutral defaults."""

_FLOATS = ("created_at", "customer_created_at", "customer_orders_count", "total",
           "failed_payments", "top_price", "top_qty", "n_items", "label")
_BOOLS = ("express", "gift_card")
_DEFAULTS = {"customer_created_at": math.nan, "customer_orders_count": math.nan,
             "failed_payments": 0.0, "top_price": math.nan, "top_qty": 1.0, "n_items": 1.0,
             "label": 0.0, "express": False, "gift_card": False}
_EXPRESS = re.compile(r"express|overnight|next[\s-]?day|priority|expedited|same[\s-]?day|"
                      r"1[\s-]?day|rush", re.IGNORECASE)
_NO_TIME_STEP = 2 * 86400.0  # a table without created_at: rows two days apart, no velocity
_FRAUD_TAG = re.compile(r"chargeback|fraud", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def is_order_frame(data: object) -> bool:
    """True when `data` is already a checked order frame (from `order_frame`)."""
    return (isinstance(data, pd.DataFrame) and data.attrs.get("shelfwise") == "orders"
            and tuple(data.columns) == ORDER_COLUMNS)


def order_frame(table: pd.DataFrame | None) -> pd.DataFrame:
    """Check a canonical table of orders and give it the engine's column types.

    Parameters
    ----------
    table : pandas.DataFrame or None
        One row per order with the columns of `ORDER_COLUMNS`; ``order_id``,
        ``created_at`` (seconds since 1970 UTC, or datetimes) and ``total`` are required,
        missing others take neutral values (no address, no card, one item). None gives an
        empty frame. A frame already checked is returned unchanged.

    Returns
    -------
    pandas.DataFrame
        Columns `ORDER_COLUMNS`, rows in input order.

    Raises
    ------
    InputError
        When `table` is not a DataFrame (Shopify payloads go through
        ``connectors.shopify.orders.fraud_frame`` first), a required column is missing, or
        a value is unreadable; ``row`` and ``column`` name the first bad cell.

    Examples
    --------
    >>> frame = order_frame(pd.DataFrame({"order_id": ["1"], "created_at": [1.7e9],
    ...                                   "total": [12.5], "email": ["a@x.com"]}))
    >>> frame.loc[0, "order_id"], float(frame.loc[0, "total"]), int(frame.loc[0, "n_items"])
    ('1', 12.5, 1)
    """
    if table is None:
        table = pd.DataFrame(columns=list(REQUIRED_COLUMNS))
    if is_order_frame(table):
        return table
    if not isinstance(table, pd.DataFrame):
        need = ", ".join(REQUIRED_COLUMNS)
        raise InputError(f"orders must be a DataFrame with the columns {need}"
                         f" (got {type(table).__name__}; read Shopify orders with "
                         "connectors.shopify.orders.fraud_frame)")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"orders need the columns {', '.join(missing)}", column=missing[0])
    columns = {col: _column(table[col] if col in table.columns else None, col, len(table))
               for col in ORDER_COLUMNS}
    bad = np.flatnonzero(np.isnan(columns["created_at"]))
    if len(bad):
        raise InputError("is missing", row=int(bad[0]), column="created_at")
    empty = np.flatnonzero(columns["order_id"] == "")
    if len(empty):
        raise InputError("order id is empty", row=int(empty[0]), column="order_id")
    top = columns["top_price"]
    columns["top_price"] = np.where(np.isnan(top), columns["total"] / np.maximum(
        columns["n_items"], 1.0), top)
    frame = pd.DataFrame(columns, copy=False)
    frame.attrs["shelfwise"] = "orders"
    return frame


def _column(raw: pd.Series | None, col: str, n: int) -> np.ndarray:
    """One column of an order frame in its engine type; missing columns take defaults."""
    if raw is None:
        if col in _BOOLS or col in _FLOATS:
            return np.full(n, _DEFAULTS.get(col, math.nan), dtype=bool if col in _BOOLS
                           else float)
        return np.full(n, "", dtype=object)
    if col in _BOOLS:
        return raw.fillna(False).astype(bool).to_numpy()
    if col.endswith("created_at"):
        if pd.api.types.is_float_dtype(raw) or pd.api.types.is_integer_dtype(raw):
            return raw.to_numpy(float)
        return np.array([_optional_seconds(_blank_to_none(v), i, col)
                         for i, v in enumerate(raw)], dtype=float)
    if col in _FLOATS:
        default = _DEFAULTS.get(col, math.nan)
        return np.array([_number(_blank_to_none(v), i, col, default=default,
                                 required=col == "total") for i, v in enumerate(raw)],
                        dtype=float)
    return np.array([_text_id(_blank_to_none(v)) for v in raw], dtype=object)


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
    return order_frame(pd.DataFrame(records, columns=list(ORDER_COLUMNS)))


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
        express=is_express(cell(i, "shipping_method")),
        top_price=_number(cell(i, "max_price"), i, "max_price", default=math.nan),
        top_qty=_number(cell(i, "quantity"), i, "quantity", default=1.0),
        n_items=_number(cell(i, "quantity"), i, "quantity", default=1.0),
        gift_card=False,
        label=fraud_label(cell(i, "cancel_reason")),
    )
    return record


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
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
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


def card_key(card_bin: Any, number: Any) -> str:
    """A card's key for linking orders: its BIN and last four digits (``"424242-4242"``)."""
    bin_ = str(card_bin or "").strip()
    last4 = re.sub(r"\D", "", str(number or ""))[-4:]
    return f"{bin_}-{last4}" if bin_ or last4 else ""


def plain_key(value: Any) -> str:
    """Lower-case letters and digits only: addresses and names compare by this key."""
    return _key(value)


def is_express(shipping_method: Any) -> bool:
    """True for a shipping method named like express, overnight or next-day delivery."""
    return bool(_EXPRESS.search(str(shipping_method or "")))


def fraud_label(cancel_reason: Any, tags: Any = "", chargeback: Any = False) -> float:
    """1.0 for an order known to be fraud (cancelled for fraud, a chargeback, tagged so)."""
    if str(cancel_reason or "").lower() == "fraud":
        return 1.0
    return 1.0 if chargeback or _FRAUD_TAG.search(str(tags or "")) else 0.0
