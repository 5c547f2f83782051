"""ORDER_PERISHABLE through xlwings' conversion, as Excel calls it."""

from __future__ import annotations

import datetime as dt

from tests.engine.test_perishables import bakery
from tests.excel_harness import NA, call

HEAD = ["ds", "quantity", "critical_ratio", "expected_sales", "expected_waste",
        "expected_lost_sales"]


def sales_and_features(days=84):
    sales, features = bakery(days=days, items=(("bread", 30.0),))
    column = (("Sold",),) + tuple((v,) for v in sales["y"])
    table = (("ds", "temperature", "promotion"),) + tuple(
        (d.to_pydatetime(), t, p) for d, t, p in features.itertuples(index=False))
    return column, table


def test_a_sales_column_and_features_spill_the_plan(udfs):
    column, features = sales_and_features()
    out = call(udfs.ORDER_PERISHABLE, column, 3.0, 1.0, 0.0, features)
    assert out[0][:6] == HEAD and "reason" in out[0]
    assert len(out) == 1 + 14  # features run 14 days past the sales
    first = out[1]
    assert first[0] == "2024-03-25"  # the day after the 84th day, from the features' dates
    assert first[2] == round(2 / 3, 2) and first[1] >= 0
    assert all(isinstance(row[1], float) and row[1] >= 0 for row in out[1:])


def test_days_limits_the_rows(udfs):
    column, features = sales_and_features()
    out = call(udfs.ORDER_PERISHABLE, column, 3.0, 1.0, 0.0, features, 2.0)
    assert len(out) == 3


def test_a_table_with_dates_and_items(udfs):
    sales, _ = bakery(days=70)
    rows = (("unique_id", "ds", "y"),) + tuple(
        (u, d.to_pydatetime(), y) for u, d, y in sales.itertuples(index=False))
    out = call(udfs.ORDER_PERISHABLE, rows, 3.0, 1.0, None, None, 3.0)
    assert out[0][:3] == ["unique_id", "ds", "quantity"]
    assert sorted({r[0] for r in out[1:]}) == ["bread", "bun"] and len(out) == 7


def test_without_dates_the_last_row_is_yesterday(udfs):
    column, _ = sales_and_features(days=60)
    out = call(udfs.ORDER_PERISHABLE, column, 3.0, 1.0, 0.0, None, 1.0)
    assert out[1][0] == dt.date.today().isoformat()


def test_bad_input_is_one_message_cell_naming_the_argument(udfs):
    column, features = sales_and_features(days=60)
    short = features[:50]
    cases = [
        ((column, "three", 1.0), "price"),
        ((column, 3.0, -1.0), "cost"),
        ((column, 1.0, 3.0), "price must be above cost"),
        ((column, 3.0, 1.0, 2.0), "salvage must be below cost"),
        ((column, 3.0, 1.0, 0.0, short), "features"),
        ((column, 3.0, 1.0, 0.0, None, 0.0), "days"),
        ((((1.0,), ("x",), (NA,)), 3.0, 1.0), "sales"),
    ]
    for args, fragment in cases:
        out = call(udfs.ORDER_PERISHABLE, *args)
        assert len(out) == 1 and len(out[0]) == 1, (args[1:], out[:2])
        assert out[0][0].startswith("Shelfwise: ") and fragment in out[0][0], out[0][0]


def test_reorder_plan_gives_a_perishable_item_the_newsvendor_quantity(udfs):
    from engine.perishables.plan import plan_perishables

    sales, _ = bakery(days=70)
    rows = (("SKU", "Date", "Units"),) + tuple(
        (u, d.to_pydatetime(), y) for u, d, y in sales.itertuples(index=False))
    items = (("SKU", "On hand", "Lead time", "Unit cost", "Price", "Salvage", "Perishable"),
             ("bread", 50.0, 1.0, 1.0, 3.0, None, "Yes"),
             ("bun", 0.0, 2.0, 0.5, 2.5, None, None))
    out = call(udfs.REORDER_PLAN, rows, items)
    head = out[0]
    plan = {r[0]: dict(zip(head, r, strict=True)) for r in out[1:]}
    fresh = plan_perishables(sales[sales["unique_id"] == "bread"], price=3.0, cost=1.0, days=1)
    assert plan["bread"]["distribution"] == "newsvendor"
    assert plan["bread"]["order_now"] == plan["bread"]["order_quantity"] == \
        fresh["quantity"].iloc[0]  # 50 on hand do not count: leftovers are thrown away
    assert plan["bread"]["cycle_service_level"] == round(2 / 3, 2)
    assert plan["bun"]["distribution"] != "newsvendor"
    assert not str(plan["bun"]["model"]).startswith("perishable")
