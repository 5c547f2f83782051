"""The shop's order history at rest: only the fields the models use, personal ones sealed.

An order is checked by `connectors.shopify.orders.parse_order` before it is stored. What
is kept is the webhook shape cut down to the fields the parser reads; of those, what
identifies a person (email, address lines, names, IP, device, card digits) is sealed with
the secret key in `Order.personal`, and the email is findable only by its keyed digest.
Readers join the two halves, skip rows that no longer parse and count them, so one bad
row never stops the scoring of the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from connectors.shopify.orders import InvalidOrder, OrderRecord, parse_order, payment_details
from webhooks.crypto import vault
from webhooks.storage import Order, db, utcnow

log = logging.getLogger("shelfwise.history")

_TOP = ("id", "admin_graphql_api_id", "name", "created_at", "updated_at", "cancelled_at",
        "cancel_reason", "currency", "total_price", "current_total_price", "financial_status",
        "test", "tags", "chargeback", "source_of_record")
_TOP_PERSONAL = ("email", "contact_email", "browser_ip", "device_id")
_LINE = ("id", "product_id", "variant_id", "sku", "title", "quantity", "current_quantity",
         "price", "gift_card")
_CUSTOMER = ("id", "created_at", "orders_count")
_CUSTOMER_PERSONAL = ("email",)
_ADDRESS = ("country_code", "country")
_ADDRESS_PERSONAL = ("address1", "address2", "zip", "name", "first_name", "last_name")
_PAYMENT = ("avs_result_code", "cvv_result_code", "credit_card_company")
_PAYMENT_PERSONAL = ("credit_card_bin", "credit_card_number")
BATCH = 500  # rows read per round trip when streaming a history


def _pick(source: Any, keys: Iterable[str]) -> dict:
    if not isinstance(source, dict):
        return {}
    return {k: source[k] for k in keys if source.get(k) not in (None, "")}


def split(payload: dict) -> tuple[dict, dict]:
    """(public, personal): the fields the models use, identifying ones apart; the rest dropped."""
    public, personal = _pick(payload, _TOP), _pick(payload, _TOP_PERSONAL)
    client_ip = (payload.get("client_details") or {}).get("browser_ip") \
        if isinstance(payload.get("client_details"), dict) else None
    if client_ip and "browser_ip" not in personal:
        personal["browser_ip"] = client_ip
    public["line_items"] = [_pick(li, _LINE) for li in payload.get("line_items") or []
                            if isinstance(li, dict)]
    shipping = [_pick(s, ("title", "code")) for s in payload.get("shipping_lines") or []
                if isinstance(s, dict)]
    if shipping:
        public["shipping_lines"] = shipping
    failed = [{"status": t.get("status")} for t in payload.get("transactions") or []
              if isinstance(t, dict) and t.get("status")]
    if failed:
        public["transactions"] = failed
    if isinstance(payload.get("customer"), dict):
        public["customer"] = _pick(payload["customer"], _CUSTOMER)
        mine = _pick(payload["customer"], _CUSTOMER_PERSONAL)
        if mine:
            personal["customer"] = mine
    for key in ("billing_address", "shipping_address"):
        if isinstance(payload.get(key), dict):
            public[key] = _pick(payload[key], _ADDRESS)
            mine = _pick(payload[key], _ADDRESS_PERSONAL)
            if mine:
                personal[key] = mine
    payment = payment_details(payload)
    if payment:
        public["payment_details"] = _pick(payment, _PAYMENT)
        mine = _pick(payment, _PAYMENT_PERSONAL)
        if mine:
            personal["payment_details"] = mine
    return public, personal


def join(public: dict, personal: dict) -> dict:
    """The stored order again in the webhook shape (personal fields back in place)."""
    payload = dict(public)
    for key, value in personal.items():
        if isinstance(value, dict):
            payload[key] = {**(payload.get(key) or {}), **value}
        else:
            payload[key] = value
    return payload


def _email(record: OrderRecord) -> str:
    return record.email or record.customer_email


def _stamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


def save(session: Session, shop_id: int, payload: dict, *,
         keep_newer: bool = True) -> Order:
    """Check, minimize, seal and store an order (insert or update); `InvalidOrder` if bad.

    With `keep_newer`, an older version (by ``updated_at``) arriving late does not replace
    the stored one; card facts fetched earlier are kept when the new version lacks them.
    """
    record = parse_order(payload)
    box = vault()
    row = session.scalar(select(Order).where(Order.shop_id == shop_id,
                                             Order.order_id == record.id))
    if row is not None:
        old = read_row(row)
        if old is not None:
            old_record = _parse(old)
            if keep_newer and old_record is not None and \
                    _stamp(record.updated_at) < _stamp(old_record.updated_at):
                return row  # deliveries arrive out of order: keep the newer version
            if "payment_details" in old and not payment_details(payload):
                payload = {**payload, "payment_details": old["payment_details"]}
                record = parse_order(payload)
    public, personal = split(payload)
    email = _email(record)
    values = {"customer_id": record.customer_id or None,
              "email_digest": box.digest(email) if email else None,
              "created_at": record.created_at.replace(tzinfo=None),
              "cancel_reason": record.cancel_reason or None,
              "payload": json.dumps(public, separators=(",", ":")),
              "personal": box.seal_json(personal), "format": 2, "updated_at": utcnow()}
    if row is None:
        row = Order(shop_id=shop_id, order_id=record.id, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    return row


def read_row(row: Order) -> dict | None:
    """The stored order in the webhook shape, or None when the row cannot be read."""
    try:
        public = json.loads(row.payload)
    except (TypeError, ValueError):
        return None
    if not isinstance(public, dict):
        return None
    return join(public, vault().open_json(row.personal)) if row.personal else public


def _parse(payload: dict) -> OrderRecord | None:
    try:
        return parse_order(payload)
    except InvalidOrder:
        return None


@dataclass
class History:
    """Orders read from storage, oldest first; `skipped` rows did not parse."""

    payloads: list[dict] = field(default_factory=list)
    records: list[OrderRecord] = field(default_factory=list)
    last_pk: int = 0
    skipped: int = 0


def read(shop_id: int, *, after_pk: int = 0, exclude: str | None = None,
         limit: int | None = None) -> History:
    """The newest `limit` orders of a shop (all when None) after row `after_pk`, oldest first.

    Malformed rows (a payload stored before validation, or sealed under a lost key) are
    skipped, counted in `History.skipped` and logged once.
    """
    query = select(Order).where(Order.shop_id == shop_id, Order.id > after_pk)
    if exclude is not None:
        query = query.where(Order.order_id != exclude)
    query = query.order_by(Order.id.desc())
    if limit is not None:
        query = query.limit(limit)
    out = History(last_pk=after_pk)
    with db().reading() as session:
        rows = list(session.scalars(query.execution_options(yield_per=BATCH)))
    for row in reversed(rows):
        out.last_pk = max(out.last_pk, row.id)
        payload = read_row(row)
        record = _parse(payload) if payload is not None else None
        if record is None:
            out.skipped += 1
            continue
        out.payloads.append(payload)
        out.records.append(record)
    if out.skipped:
        log.warning("shop %s: %d stored orders skipped (malformed)", shop_id, out.skipped)
    return out


def stream(shop_id: int, *, batch: int = BATCH) -> Iterator[OrderRecord]:
    """Every parsable order of a shop by creation time, read `batch` rows at a time;
    malformed rows are skipped and their number logged at the end."""
    last: tuple[datetime, int] | None = None
    skipped = 0
    while True:
        query = select(Order).where(Order.shop_id == shop_id, Order.created_at.is_not(None))
        if last is not None:
            query = query.where(or_(Order.created_at > last[0],
                                    (Order.created_at == last[0]) & (Order.id > last[1])))
        with db().reading() as session:
            rows = session.scalars(query.order_by(Order.created_at, Order.id)
                                   .limit(batch)).all()
        if not rows:
            break
        for row in rows:
            payload = read_row(row)
            record = _parse(payload) if payload is not None else None
            if record is None:
                skipped += 1
                continue
            yield record
        last = (rows[-1].created_at, rows[-1].id)
    if skipped:
        log.warning("shop %s: %d stored orders skipped (malformed)", shop_id, skipped)


def customer_orders(session: Session, shop_id: int, *, customer_id: str | None,
                    email: str | None, order_ids: Iterable[str]) -> list[Order]:
    """The shop's orders of one customer (by id, email digest or order id), by query."""
    conditions = []
    ids = [str(i) for i in order_ids]
    if ids:
        conditions.append(Order.order_id.in_(ids))
    if customer_id:
        conditions.append(Order.customer_id == customer_id)
    if email:
        conditions.append(Order.email_digest.in_(vault().digests(email)))
    if not conditions:
        return []
    return list(session.scalars(select(Order).where(Order.shop_id == shop_id,
                                                    or_(*conditions))))


def reseal(batch: int = BATCH) -> int:
    """Seal every order's personal fields again under the current key, with the email's
    digest under that key (during a key rotation); how many orders were rewritten."""
    box, done, last = vault(), 0, 0
    while True:
        with db().session() as session:
            rows = session.scalars(select(Order).where(Order.id > last, Order.personal
                                                       .is_not(None))
                                   .order_by(Order.id).limit(batch)).all()
            for row in rows:
                personal = box.open_json(row.personal)
                email = str(personal.get("email") or personal.get("contact_email") or
                            (personal.get("customer") or {}).get("email") or "")
                row.personal = box.seal_json(personal)
                row.email_digest = box.digest(email) if email else None
        done += len(rows)
        if len(rows) < batch:
            return done
        last = rows[-1].id


def minimize_legacy(batch: int = BATCH) -> int:
    """Rewrite orders stored whole before the split (format 1); how many were rewritten."""
    done = 0
    while True:
        with db().session() as session:
            rows = session.scalars(select(Order).where(Order.format == 1).limit(batch)).all()
            for row in rows:
                try:
                    payload = json.loads(row.payload)
                    save(session, row.shop_id, payload, keep_newer=False)
                except (ValueError, TypeError):  # InvalidOrder too: keep only what is safe
                    row.payload, row.personal, row.format = "{}", None, 2
        done += len(rows)
        if len(rows) < batch:
            return done
