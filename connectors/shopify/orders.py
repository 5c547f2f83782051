"""The one reader of Shopify order payloads: webhook JSON and bulk-exported JSONL.

`parse_order` checks one ``orders/create`` / ``orders/updated`` body (or a stored copy of
one) and keeps, typed, what Shelfwise's models use; `bulk_payload` first turns an order of a
bulk export (GraphQL shape, its line items as ``__parentId`` children) into that body. The
frame functions turn records into the plain tables the engine takes: `order_lines` (sales,
upsell), `orders_table` (segments, revenue) and `fraud_frame` (the fraud engine's order
frame). The app, the fraud CLI and the advice all read orders through here.

>>> record = parse_order({"id": 1, "created_at": "2024-01-02T10:00:00-05:00",
...                       "total_price": "12.50", "currency": "EUR",
...                       "line_items": [{"product_id": 7, "variant_id": 70, "quantity": 2,
...                                       "price": "6.25", "sku": "A-1"}]})
>>> record.id, record.total, record.created_at.isoformat(), record.line_items[0].variant_id
('1', 12.5, '2024-01-02T15:00:00+00:00', 'gid://shopify/ProductVariant/70')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from connectors.shopify.catalog import gid, legacy_id
from engine.fraud.orders import (
    ORDER_COLUMNS,
    card_key,
    fraud_label,
    is_express,
    order_frame,
    plain_key,
)

ORDER_LINE_COLUMNS = ("order_id", "created_at", "customer_id", "product_id", "variant_id",
                      "sku", "title", "quantity", "price")
"""Columns of `order_lines`: one row per line item of a kept order (ids as Shopify gids)."""

ORDERS_TABLE_COLUMNS = ("order_id", "name", "created_at", "customer_id", "email", "amount",
                        "currency", "items")
"""Columns of `orders_table`: one row per kept order; ``amount`` is the order's total."""


class InvalidOrder(ValueError):  # noqa: N818 (the name the app and CLI know)
    """An order payload Shelfwise cannot use; `field` names the bad field (dotted path)."""

    def __init__(self, message: str, field: str | None = None, *, row: int | None = None):
        super().__init__(message)
        self.message, self.field, self.row = message, field, row

    def __str__(self) -> str:
        where = [f"order {self.row}"] if self.row is not None else []
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class LineItem:
    """One line of an order; product and variant ids are Shopify gids ("" when deleted)."""

    product_id: str
    variant_id: str
    sku: str
    title: str
    quantity: float
    price: float
    gift_card: bool = False


@dataclass(frozen=True)
class OrderRecord:
    """The checked fields of one Shopify order that the models use.

    Times are timezone-aware UTC. ``cancelled`` is true for an order cancelled (for any
    reason); ``test`` for a test order: neither counts as a sale. The fraud fields are
    keys for linking orders: addresses and names as lower-case letters and digits, the
    card as ``BIN-last4``.
    """

    id: str
    name: str
    created_at: datetime
    updated_at: datetime | None
    customer_id: str
    customer_email: str
    email: str
    customer_created_at: datetime | None
    customer_orders_count: float
    total: float
    currency: str
    cancel_reason: str
    cancelled: bool
    financial_status: str
    test: bool
    tags: str
    line_items: tuple[LineItem, ...]
    billing_country: str = ""
    shipping_country: str = ""
    billing_address: str = ""
    shipping_address: str = ""
    billing_name: str = ""
    shipping_name: str = ""
    ip: str = ""
    device: str = ""
    card: str = ""
    avs: str = ""
    cvv: str = ""
    failed_payments: int = 0
    express: bool = False
    fraud_label: float = 0.0

    @property
    def is_sale(self) -> bool:
        """True when the order counts as demand (neither cancelled nor a test)."""
        return not (self.cancelled or self.test)

    @property
    def items(self) -> float:
        """Units in the order."""
        return float(sum(li.quantity for li in self.line_items))


def parse_order(payload: Mapping[str, Any]) -> OrderRecord:
    """Check one order payload (webhook shape) and keep what the models use.

    Raises
    ------
    InvalidOrder
        When the payload is not an object, or ``id``, ``created_at`` or the total is
        missing or unreadable, or a field has the wrong type; `field` names it.
    """
    if not isinstance(payload, Mapping):
        raise InvalidOrder(f"expected an order object, got {type(payload).__name__}")
    if payload.get("id") in (None, "") or isinstance(payload.get("id"), bool | dict | list):
        raise InvalidOrder("is missing", "id")
    customer = _mapping(payload, "customer")
    billing = _mapping(payload, "billing_address")
    shipping = _mapping(payload, "shipping_address")
    client = _mapping(payload, "client_details")
    payment = payment_details(payload)
    lines = payload.get("line_items") or []
    if not isinstance(lines, list):
        raise InvalidOrder("must be a list", "line_items")
    items = tuple(_line_item(line, n) for n, line in enumerate(lines))
    transactions = payload.get("transactions") or []
    if not isinstance(transactions, list):
        raise InvalidOrder("must be a list", "transactions")
    shipping_text = " ".join(f"{s.get('title') or ''} {s.get('code') or ''}"
                             for s in payload.get("shipping_lines") or []
                             if isinstance(s, Mapping))
    customer_email = _text(customer.get("email")).lower()
    cancel_reason = _text(payload.get("cancel_reason")).lower()
    return OrderRecord(
        id=_id(payload["id"]),
        name=_text(payload.get("name")) or f"#{_id(payload['id'])}",
        created_at=parse_time(payload.get("created_at"), "created_at", required=True),
        updated_at=parse_time(payload.get("updated_at"), "updated_at"),
        customer_id=_id(customer.get("id")),
        customer_email=customer_email,
        email=(_text(payload.get("email")) or _text(payload.get("contact_email"))).lower()
        or customer_email,
        customer_created_at=parse_time(customer.get("created_at"), "customer.created_at"),
        customer_orders_count=_amount(customer.get("orders_count"), "customer.orders_count"),
        total=_total(payload),
        currency=_text(payload.get("currency")).upper(),
        cancel_reason=cancel_reason,
        cancelled=bool(cancel_reason or payload.get("cancelled_at")),
        financial_status=_text(payload.get("financial_status")).lower(),
        test=bool(payload.get("test")),
        tags=_text(payload.get("tags")),
        line_items=items,
        billing_country=_country(billing),
        shipping_country=_country(shipping),
        billing_address=_address(billing),
        shipping_address=_address(shipping),
        billing_name=_name(billing),
        shipping_name=_name(shipping),
        ip=_text(payload.get("browser_ip")) or _text(client.get("browser_ip")),
        device=_text(payload.get("device_id")),
        card=card_key(payment.get("credit_card_bin"), payment.get("credit_card_number")),
        avs=_text(payment.get("avs_result_code")).upper()[:1],
        cvv=_text(payment.get("cvv_result_code")).upper()[:1],
        failed_payments=sum(1 for t in transactions if isinstance(t, Mapping)
                            and _text(t.get("status")).lower() in ("failure", "error")),
        express=is_express(shipping_text),
        fraud_label=fraud_label(cancel_reason, payload.get("tags"), payload.get("chargeback")),
    )


def parse_orders(payloads: Iterable[Mapping[str, Any]]) -> list[OrderRecord]:
    """`parse_order` of each payload; an `InvalidOrder` carries the 0-based `row`."""
    records = []
    for row, payload in enumerate(payloads):
        try:
            records.append(parse_order(payload))
        except InvalidOrder as err:
            raise InvalidOrder(err.message, err.field, row=row) from None
    return records


def readable_orders(payloads: Iterable[Any]) -> list[OrderRecord]:
    """The records of the payloads that parse, skipping the others (a stored history:
    one bad old copy must not stop the models; a new order goes through `parse_order`)."""
    records = []
    for payload in payloads:
        try:
            records.append(parse_order(payload))
        except InvalidOrder:
            continue
    return records


def bulk_payload(node: Mapping[str, Any], line_items: list[Mapping[str, Any]]) -> dict:
    """An order of a bulk export (GraphQL shape) as an ``orders/create`` webhook body.

    `line_items` are the export's ``LineItem`` rows whose ``__parentId`` is the order.
    Fields of the wrong shape are dropped here; `parse_order` judges what remains.
    """
    if not isinstance(node, Mapping) or not isinstance(node.get("id"), str | int):
        raise InvalidOrder("is missing", "id")
    customer = _obj(node.get("customer"))
    money = _obj(_obj(node.get("totalPriceSet")).get("shopMoney"))
    reason = _text(node.get("cancelReason"))
    number = str(legacy_id(str(node["id"])))
    tags = node.get("tags")
    return {
        "id": int(number) if number.isdigit() else number,
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "cancel_reason": reason.lower() or None,
        "email": node.get("email"),
        "browser_ip": node.get("clientIp"),
        "test": bool(node.get("test")),
        "tags": ", ".join(map(str, tags)) if isinstance(tags, list) else _text(tags),
        "currency": money.get("currencyCode") or node.get("currencyCode"),
        "total_price": money.get("amount") or "0.00",
        "customer": None if not customer else {
            "id": _int(legacy_id(_text(customer.get("id")))),
            "orders_count": _int(customer.get("numberOfOrders")),
            "created_at": customer.get("createdAt")},
        "billing_address": _country_only(node.get("billingAddress")),
        "shipping_address": _country_only(node.get("shippingAddress")),
        "line_items": [{
            "id": _int(legacy_id(_text(li.get("id")))),
            "admin_graphql_api_id": li.get("id"),
            "title": li.get("title"),
            "sku": li.get("sku"),
            "quantity": li.get("currentQuantity", li.get("quantity")),
            "price": _obj(_obj(li.get("originalUnitPriceSet")).get("shopMoney")).get("amount"),
            "product_id": _int(legacy_id(_text(_obj(li.get("product")).get("id")))),
            "variant_id": _int(legacy_id(_text(_obj(li.get("variant")).get("id")))),
        } for li in line_items if isinstance(li, Mapping)],
        "source_of_record": "bulk_sync",
    }


def is_bulk_row(row: Any) -> bool:
    """True for a row of a bulk export (a GraphQL ``Order`` or a child with ``__parentId``)."""
    return isinstance(row, Mapping) and (
        "__parentId" in row or str(row.get("id")).startswith("gid://shopify/Order/"))


def bulk_orders(rows: list[Mapping[str, Any]]) -> tuple[list[dict], list[int]]:
    """The orders of a bulk export's rows as webhook bodies, with each one's row position
    (0-based); line items are gathered under their ``__parentId`` wherever they stand."""
    children: dict[str, list] = {}
    for row in rows:
        if isinstance(row, Mapping) and row.get("__parentId"):
            children.setdefault(str(row["__parentId"]), []).append(row)
    payloads, positions = [], []
    for i, row in enumerate(rows):
        if isinstance(row, Mapping) and row.get("__parentId"):
            continue
        try:
            payloads.append(bulk_payload(row, children.get(str(_obj(row).get("id")), [])))
        except InvalidOrder as err:
            raise InvalidOrder(err.message, err.field, row=i) from None
        positions.append(i)
    return payloads, positions


def stored_fields(record: OrderRecord) -> dict[str, Any]:
    """The columns the app's order table keeps beside the payload (naive UTC time)."""
    return {"customer_id": record.customer_id or None, "email": record.email or None,
            "created_at": _naive(record.created_at),
            "cancel_reason": record.cancel_reason or None}


# --- the engine's tables ----------------------------------------------------------------

def order_lines(records: Iterable[OrderRecord]) -> pd.DataFrame:
    """One row per line item of the orders that count as sales (`ORDER_LINE_COLUMNS`).

    Lines without a product and a variant (custom items) and lines of no units are left
    out. ``created_at`` is naive UTC.
    """
    rows = [(r.id, _naive(r.created_at), r.customer_id, li.product_id, li.variant_id, li.sku,
             li.title, li.quantity, li.price)
            for r in records if r.is_sale for li in r.line_items
            if (li.product_id or li.variant_id) and li.quantity > 0]
    frame = pd.DataFrame(rows, columns=list(ORDER_LINE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[ns]")
    frame["quantity"] = frame["quantity"].astype(float)
    frame["price"] = frame["price"].astype(float)
    return frame


def daily_sales(lines: pd.DataFrame, key: str = "variant_id") -> pd.DataFrame:
    """Units sold per item and day (``unique_id, ds, y``) from `order_lines`; `key` is the
    column naming the item (``variant_id``, ``product_id``, ``sku``); lines without one are
    left out."""
    part = lines[lines[key].astype(str) != ""]
    return (part.assign(ds=part["created_at"].dt.normalize())
            .groupby([key, "ds"], sort=True)["quantity"].sum().reset_index()
            .rename(columns={key: "unique_id", "quantity": "y"}))


def orders_table(records: Iterable[OrderRecord]) -> pd.DataFrame:
    """One row per order that counts as a sale (`ORDERS_TABLE_COLUMNS`), naive UTC times."""
    rows = [(r.id, r.name, _naive(r.created_at), r.customer_id, r.email, r.total, r.currency,
             r.items) for r in records if r.is_sale]
    frame = pd.DataFrame(rows, columns=list(ORDERS_TABLE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype(float)
    return frame


def fraud_frame(records: Iterable[OrderRecord]) -> pd.DataFrame:
    """The fraud engine's order frame (`engine.fraud.ORDER_COLUMNS`), one row per record."""
    rows = []
    for r in records:
        prices = [li.price for li in r.line_items]
        top = max(prices, default=0.0)
        rows.append({
            "order_id": r.id, "created_at": r.created_at.timestamp(), "email": r.email,
            "customer_id": r.customer_id,
            "customer_created_at": (r.customer_created_at.timestamp()
                                    if r.customer_created_at else math.nan),
            "customer_orders_count": r.customer_orders_count, "total": r.total,
            "billing_country": r.billing_country, "shipping_country": r.shipping_country,
            "billing_address": r.billing_address, "shipping_address": r.shipping_address,
            "billing_name": r.billing_name, "shipping_name": r.shipping_name, "ip": r.ip,
            "device": r.device, "card": r.card, "avs": r.avs, "cvv": r.cvv,
            "failed_payments": float(r.failed_payments), "express": r.express,
            "top_price": top,
            "top_qty": float(sum(li.quantity for li in r.line_items if li.price >= 0.8 * top)),
            "n_items": r.items, "gift_card": any(li.gift_card for li in r.line_items),
            "label": r.fraud_label,
        })
    return order_frame(pd.DataFrame(rows, columns=list(ORDER_COLUMNS)))


# --- fields ------------------------------------------------------------------------------

def _line_item(line: Any, n: int) -> LineItem:
    where = f"line_items.{n}"
    if not isinstance(line, Mapping):
        raise InvalidOrder(f"expected an object, got {type(line).__name__}", where)
    product, variant = line.get("product_id"), line.get("variant_id")
    quantity = line.get("current_quantity", line.get("quantity"))
    quantity = _amount(quantity, f"{where}.quantity")
    return LineItem(
        product_id=gid("Product", _id(product)) if _id(product) else "",
        variant_id=gid("ProductVariant", _id(variant)) if _id(variant) else "",
        sku=_text(line.get("sku")), title=_text(line.get("title")),
        quantity=1.0 if math.isnan(quantity) else quantity,
        price=_zero_if_nan(_amount(line.get("price"), f"{where}.price")),
        gift_card=bool(line.get("gift_card")))


def _mapping(payload: Mapping, field: str) -> Mapping:
    value = payload.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidOrder(f"expected an object, got {type(value).__name__}", field)
    return value


def payment_details(payload: Mapping) -> Mapping:
    """Card facts from ``payment_details`` or the first transaction that carries them."""
    details = _mapping(payload, "payment_details")
    if details:
        return details
    for transaction in payload.get("transactions") or []:
        if isinstance(transaction, Mapping) and isinstance(transaction.get("payment_details"),
                                                           Mapping):
            return transaction["payment_details"]
    return {}


def _total(payload: Mapping) -> float:
    value = payload.get("total_price")
    if value in (None, ""):
        value = payload.get("current_total_price")
    if value in (None, ""):
        value = ((payload.get("total_price_set") or {}).get("shop_money") or {}).get("amount")
    total = _amount(value, "total_price")
    if math.isnan(total):
        raise InvalidOrder("is missing", "total_price")
    return total


def _amount(value: Any, field: str) -> float:
    """A non-negative number (Shopify sends money as decimal text); NaN when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidOrder(f"{str(value)[:30]!r} is not a number", field)
    try:
        number = float(value.strip().replace(",", "") if isinstance(value, str) else value)
    except ValueError:
        raise InvalidOrder(f"{value[:30]!r} is not a number", field) from None
    if not math.isfinite(number) or number < 0:
        raise InvalidOrder(f"{value!r} is not a non-negative number", field)
    return number


def parse_time(value: Any, field: str, *, required: bool = False) -> datetime | None:
    """A Shopify ISO 8601 time as aware UTC; None when absent (an error when `required`).

    The one parser of Shopify's times: order bodies and the catalogue's `updated_at`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidOrder("is missing", field)
        return None
    if not isinstance(value, str):
        raise InvalidOrder(f"{str(value)[:40]!r} is not an ISO 8601 date-time", field)
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidOrder(f"{value[:40]!r} is not an ISO 8601 date-time", field) from None
    try:
        stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 falls before year 1 in UTC
        raise InvalidOrder(f"{value[:40]!r} is out of range", field) from None
    if not 1970 <= stamp.year <= 2200:
        raise InvalidOrder(f"{value[:40]!r} is out of range", field)
    return stamp


def _naive(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=None)


def _id(value: Any) -> str:
    if value is None or isinstance(value, bool | Mapping | list):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Mapping | list) else str(value).strip()


def _obj(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _country_only(address: Any) -> dict | None:
    return {"country_code": _obj(address).get("countryCodeV2")} if address else None


def _zero_if_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _country(address: Mapping) -> str:
    return _text(address.get("country_code") or address.get("country")).upper()


def _address(address: Mapping) -> str:
    parts = (address.get("address1"), address.get("address2"), address.get("zip"),
             address.get("country_code") or address.get("country"))
    return plain_key(" ".join(str(p) for p in parts if p))


def _name(address: Mapping) -> str:
    name = address.get("name") or " ".join(
        str(address.get(part) or "") for part in ("first_name", "last_name"))
    return plain_key(name)
