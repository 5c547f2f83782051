"""The one Shopify order parser: Shopify's sample webhook body, bulk rows, bad payloads."""

from __future__ import annotations

import contextlib
import copy
import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.shopify.orders import (
    ORDER_LINE_COLUMNS,
    ORDERS_TABLE_COLUMNS,
    InvalidOrder,
    bulk_orders,
    bulk_payload,
    fraud_frame,
    is_bulk_row,
    order_lines,
    orders_table,
    parse_order,
    parse_orders,
    readable_orders,
    stored_fields,
)
from engine.fraud import ORDER_COLUMNS
from tests.conftest import DATA

SAMPLE = json.loads((DATA / "orders_create.json").read_text())


def test_shopify_sample_is_read_field_by_field():
    r = parse_order(SAMPLE)
    assert (r.id, r.name, r.currency) == ("820982911946154508", "#9999", "USD")
    assert r.created_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)  # -05:00 in the body
    assert r.email == "jon@example.com" and r.customer_id == "115310627314723954"
    assert r.total == 388.0 and r.cancelled and r.cancel_reason == "customer"
    assert not r.is_sale and r.fraud_label == 0.0  # cancelled by the customer, not fraud
    assert r.billing_country == r.shipping_country == "US"
    first = r.line_items[0]
    assert first.variant_id.startswith("gid://shopify/ProductVariant/")
    assert first.price == 199.0 and r.items == sum(li.quantity for li in r.line_items)


def test_frames_have_their_documented_columns_and_keep_only_sales():
    sale = {**copy.deepcopy(SAMPLE), "cancel_reason": None, "cancelled_at": None, "id": 2,
            "test": False}
    test_order = {**sale, "id": 3, "test": True}
    records = parse_orders([SAMPLE, sale, test_order])
    lines, orders = order_lines(records), orders_table(records)
    assert tuple(lines.columns) == ORDER_LINE_COLUMNS
    assert tuple(orders.columns) == ORDERS_TABLE_COLUMNS
    assert set(lines["order_id"]) == set(orders["order_id"]) == {"2"}
    assert str(lines["created_at"].dtype) == "datetime64[ns]"
    frame = fraud_frame(records)  # fraud reads every order, cancelled ones too
    assert tuple(frame.columns) == ORDER_COLUMNS and len(frame) == 3
    assert frame.loc[0, "top_price"] == 199.0 and frame.loc[0, "top_qty"] == 2
    assert stored_fields(records[1])["created_at"] == datetime(2022, 1, 1)


def test_a_body_without_created_at_is_invalid():
    body = {k: v for k, v in SAMPLE.items() if k != "created_at"}
    with pytest.raises(InvalidOrder) as info:
        parse_order(body)
    assert info.value.field == "created_at" and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("change", "field"), [
    ({"id": None}, "id"), ({"id": {"x": 1}}, "id"), ({"created_at": "yesterday"}, "created_at"),
    ({"created_at": 12}, "created_at"), ({"total_price": "12,5x"}, "total_price"),
    ({"total_price": "-3"}, "total_price"), ({"total_price": "nan"}, "total_price"),
    ({"total_price": None, "current_total_price": None, "total_price_set": None},
     "total_price"),
    ({"customer": "bob"}, "customer"), ({"line_items": {"a": 1}}, "line_items"),
    ({"line_items": [{"price": "x", "quantity": 1}]}, "line_items.0.price"),
    ({"line_items": [{"price": "1", "quantity": "-1"}]}, "line_items.0.quantity"),
    ({"line_items": ["x"]}, "line_items.0"), ({"updated_at": "later"}, "updated_at"),
    ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),  # before year 1 in UTC
    ({"updated_at": "9999-12-31T23:59:59-01:00"}, "updated_at"),  # after year 9999 in UTC
])
def test_bad_fields_are_named(change, field):
    with pytest.raises(InvalidOrder) as info:
        parse_orders([SAMPLE, {**SAMPLE, **change}])
    assert (info.value.row, info.value.field) == (1, field)
    assert field in str(info.value)


def test_a_stored_history_skips_unreadable_copies():
    kept = readable_orders([SAMPLE, {"id": 5}, "junk", {**SAMPLE, "id": 6}])
    assert [r.id for r in kept] == ["820982911946154508", "6"]


def test_bulk_rows_read_like_the_webhook():
    node = {"id": "gid://shopify/Order/42", "name": "#1042", "createdAt": "2024-05-01T10:00:00Z",
            "cancelReason": None, "email": "A@B.com", "test": False, "tags": ["vip"],
            "totalPriceSet": {"shopMoney": {"amount": "30.00", "currencyCode": "EUR"}},
            "customer": {"id": "gid://shopify/Customer/9", "numberOfOrders": "3"}}
    line = {"id": "gid://shopify/LineItem/1", "title": "Tea", "currentQuantity": 3,
            "originalUnitPriceSet": {"shopMoney": {"amount": "10.00"}},
            "product": {"id": "gid://shopify/Product/7"},
            "variant": {"id": "gid://shopify/ProductVariant/70"}, "__parentId": node["id"]}
    r = parse_order(bulk_payload(node, [line]))
    assert (r.id, r.email, r.customer_id, r.total, r.currency) == ("42", "a@b.com", "9", 30.0,
                                                                   "EUR")
    assert r.line_items[0].variant_id == "gid://shopify/ProductVariant/70"
    assert r.line_items[0].quantity == 3 and r.customer_orders_count == 3


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(SAMPLE)), json_values, max_size=6))
def test_forged_payloads_raise_only_invalid_order(changes):
    try:
        r = parse_order({**SAMPLE, **changes})
    except InvalidOrder as err:
        assert err.field or err.message
        return
    assert math.isfinite(r.total) and r.total >= 0
    assert all(li.quantity >= 0 and math.isfinite(li.price) for li in r.line_items)
    fraud_frame([r])  # whatever parsed, the engine takes


def test_bulk_rows_are_grouped_under_their_order_wherever_they_stand():
    order = {"id": "gid://shopify/Order/7", "createdAt": "2024-05-01T10:00:00Z",
             "totalPriceSet": {"shopMoney": {"amount": "5.00"}}}
    child = {"id": "gid://shopify/LineItem/1", "__parentId": order["id"], "quantity": 2,
             "variant": {"id": "gid://shopify/ProductVariant/3"}}
    assert is_bulk_row(order) and is_bulk_row(child) and not is_bulk_row(SAMPLE)
    payloads, rows = bulk_orders([child, order])
    assert rows == [1] and parse_order(payloads[0]).items == 2
    with pytest.raises(InvalidOrder) as info:
        bulk_orders([order, {"name": "no id"}])
    assert (info.value.row, info.value.field) == (1, "id")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "createdAt", "totalPriceSet", "customer", "tags",
                                        "cancelReason", "billingAddress", "name"]),
                       json_values, max_size=6),
       st.lists(st.dictionaries(st.sampled_from(["id", "quantity", "product", "variant",
                                                 "originalUnitPriceSet", "sku"]),
                                json_values, max_size=4), max_size=3))
def test_forged_bulk_rows_raise_only_invalid_order(node, lines):
    with contextlib.suppress(InvalidOrder):  # anything else is a crash
        parse_order(bulk_payload(node, lines))
