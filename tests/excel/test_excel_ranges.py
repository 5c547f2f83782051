"""Every Excel function, fed ranges the way people select them, through xlwings' conversion.

A column selected with its header and room below for new weeks must give the same answer
as the bare numbers; 2-D ranges, date columns, 95 for 95 %, error cells, text, empty and
huge values give an answer or one `Shelfwise:` sentence naming the argument, never a raise.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.excel_harness import NA, call

EPOCH = dt.date(1899, 12, 30)


def weekly_sales(weeks=80, seed=3):
    rng = np.random.default_rng(seed)
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    return [float(v) for v in rng.poisson(25 * season)]


def weeks(n, start=dt.datetime(2024, 1, 1)):
    return [start + dt.timedelta(weeks=i) for i in range(n)]


def serial(day):
    """The number Excel stores for a date (what xlwings Lite and number-formatted cells give)."""
    return float((day.date() if isinstance(day, dt.datetime) else day).toordinal()
                 - EPOCH.toordinal())


def col(values):
    return tuple((v,) for v in values)


def message(out):
    """The message text when a function answered with one, else None."""
    text = out if isinstance(out, str) else out[0][0] if isinstance(out, list) and len(out) == 1 \
        and len(out[0]) == 1 else None
    return text if isinstance(text, str) and text.startswith("Shelfwise: ") else None


def assert_message(out, *fragments):
    text = message(out)
    assert text is not None, out
    for fragment in fragments:
        assert fragment in text, text
    assert len(text) <= 255


# --------------------------------------------------------------- one column of sales

SALES = weekly_sales()
AS_SELECTED = col(["Units sold"] + SALES + [None] * 20)  # header + 20 trailing blanks


def test_header_and_trailing_blanks_read_as_the_bare_numbers(udfs):
    bare = col(SALES)
    assert call(udfs.FORECAST_DEMAND, AS_SELECTED, 6.0) == call(udfs.FORECAST_DEMAND, bare, 6.0)
    for function in (udfs.REORDER_POINT, udfs.SAFETY_STOCK):
        selected = call(function, AS_SELECTED, 3.0)
        assert selected == call(function, bare, 3.0)
        assert selected[0][0] > 0


def test_trailing_blanks_are_not_zero_sales_but_inner_blanks_are(udfs):
    trailing_zeros = call(udfs.FORECAST_DEMAND, col(SALES + [0.0] * 20), 4.0)
    assert call(udfs.FORECAST_DEMAND, AS_SELECTED, 4.0) != trailing_zeros
    inner = SALES[:30] + [None] * 3 + SALES[33:]
    assert call(udfs.FORECAST_DEMAND, col(inner + [None] * 5), 4.0) == \
        call(udfs.FORECAST_DEMAND, col(SALES[:30] + [0.0] * 3 + SALES[33:]), 4.0)


def test_a_row_of_sales_reads_like_a_column(udfs):
    assert call(udfs.REORDER_POINT, (tuple(SALES),), 2.0) == call(udfs.REORDER_POINT,
                                                                 col(SALES), 2.0)


def test_dates_beside_sales_are_understood(udfs):
    rows = [("Week", "Units")] + list(zip(weeks(len(SALES)), SALES, strict=True))
    rows += [(None, None)] * 10
    bare = call(udfs.FORECAST_DEMAND, col(SALES))
    assert call(udfs.FORECAST_DEMAND, tuple(rows)) == bare
    as_numbers = tuple((serial(d), v) if isinstance(d, dt.datetime) else (d, v) for d, v in rows)
    assert call(udfs.FORECAST_DEMAND, as_numbers) == bare
    assert call(udfs.REORDER_POINT, tuple(rows), 2.0) == call(udfs.REORDER_POINT, col(SALES), 2.0)
    newest_first = [rows[0]] + rows[1:len(SALES) + 1][::-1]  # as many exports list them
    assert call(udfs.FORECAST_DEMAND, tuple(newest_first)) == bare


def test_other_2d_ranges_name_the_argument(udfs):
    block = tuple((a, b, c) for a, b, c in zip(SALES, SALES, SALES, strict=True))
    assert_message(call(udfs.FORECAST_DEMAND, block), "values is a range of 80 rows by 3 columns")
    assert_message(call(udfs.SAFETY_STOCK, tuple((a, b) for a, b in zip(SALES, SALES,
                                                                         strict=True)), 2.0),
                   "sales is a range of 80 rows by 2 columns", "single column")
    # blank columns at the right of a selection are no columns
    assert call(udfs.REORDER_POINT, tuple((v, None) for v in SALES), 2.0) == \
        call(udfs.REORDER_POINT, col(SALES), 2.0)


def test_a_date_column_passed_as_sales_is_refused(udfs):
    days = weeks(30)
    assert_message(call(udfs.FORECAST_DEMAND, col([serial(d) for d in days])),
                   "values looks like dates", "2024-01-01 to 2024-07-22", "sales column")
    assert_message(call(udfs.REORDER_POINT, col(["Week"] + [serial(d) for d in days]), 2.0),
                   "sales looks like dates")
    assert_message(call(udfs.SAFETY_STOCK, col(days), 2.0),
                   "sales has the date 2024-01-01 at position 1")
    newest_first = [serial(d) + 0.5 for d in reversed(days)]  # with a time of day
    assert_message(call(udfs.REORDER_POINT, col(newest_first), 2.0),
                   "sales looks like dates (2024-01-01 to 2024-07-22")
    # big sales that are not dates: not steadily a day to a month apart
    big = [45410.0, 45300.0, 45650.0, 45500.0, 45480.0, 45720.0]
    assert message(call(udfs.FORECAST_DEMAND, col(big), 2.0)) is None


def test_service_level_typed_as_95_is_95_percent(udfs):
    fraction = call(udfs.REORDER_POINT, AS_SELECTED, 4.0, 0.95)
    assert call(udfs.REORDER_POINT, AS_SELECTED, 4.0, 95.0) == fraction
    assert call(udfs.SAFETY_STOCK, AS_SELECTED, 4.0, 90.0) == \
        call(udfs.SAFETY_STOCK, AS_SELECTED, 4.0, 0.9)
    assert call(udfs.FORECAST_DEMAND, AS_SELECTED, 3.0, 0.0, 95.0) == \
        call(udfs.FORECAST_DEMAND, AS_SELECTED, 3.0, 0.0, 0.95)
    for bad in (0.0, 1.0, 1.5, 20.0, 100.0, 250.0, -5.0, "high", True):
        assert_message(call(udfs.REORDER_POINT, AS_SELECTED, 4.0, bad), "service_level")
        assert_message(call(udfs.FORECAST_DEMAND, AS_SELECTED, 3.0, 0.0, bad), "level")


@pytest.mark.parametrize("cells, fragments", [
    (SALES[:10] + [NA] + SALES[10:], ("#N/A", "position 11")),
    (["Units"] + SALES[:10] + ["ten"] + SALES[10:], ("'ten'", "position 12")),
    (SALES[:5] + [True] + SALES[5:], ("TRUE/FALSE", "position 6")),
    ([None] * 25, ("has no numbers",)),
    (["Units"] + [None] * 10, ("has no numbers",)),
    (SALES[:10] + [1e300] + SALES[10:], ("too large", "position 11")),
    ([4.0, 5.0], ("at least 3 periods",)),
])
def test_bad_sales_cells_name_the_argument(udfs, cells, fragments):
    for function, name, extra in ((udfs.FORECAST_DEMAND, "values", ()),
                                  (udfs.REORDER_POINT, "sales", (2.0,)),
                                  (udfs.SAFETY_STOCK, "sales", (2.0,))):
        assert_message(call(function, col(cells), *extra), name, *fragments)


def test_numbers_typed_as_text_and_large_real_values_are_read(udfs):
    as_text = col(["Units"] + [f"{v:,.0f}" for v in SALES])
    assert call(udfs.FORECAST_DEMAND, as_text) == call(udfs.FORECAST_DEMAND, col(SALES))
    big = col([v * 1e6 for v in SALES])
    out = call(udfs.FORECAST_DEMAND, big, 3.0)
    assert message(out) is None and all(np.isfinite(row[1]) for row in out[1:])
    assert np.isfinite(call(udfs.REORDER_POINT, big, 3.0)[0][0])


def test_scalar_arguments_name_themselves(udfs):
    assert_message(call(udfs.FORECAST_DEMAND, AS_SELECTED, 2.5), "horizon")
    assert_message(call(udfs.FORECAST_DEMAND, AS_SELECTED, 4.0, -1.0), "season_length")
    assert_message(call(udfs.REORDER_POINT, AS_SELECTED, "a week"), "lead_time")
    assert_message(call(udfs.REORDER_POINT, AS_SELECTED, 2.0, 0.95, -1.0), "lead_time_sd")
    assert_message(call(udfs.REORDER_POINT, AS_SELECTED, NA), "lead_time")


# --------------------------------------------------------------------------- EOQ

def test_eoq_reads_numbers_and_names_bad_ones(udfs):
    assert call(udfs.EOQ, 1200.0, 50.0, 3.0) == [[200.0]]
    assert_message(call(udfs.EOQ, "lots", 50.0, 3.0), "annual_demand")
    assert_message(call(udfs.EOQ, 1200.0, -1.0, 3.0), "order_cost")
    assert_message(call(udfs.EOQ, 1200.0, 50.0, 0.0), "holding_cost_per_unit_year")
    assert_message(call(udfs.EOQ, 1200.0, NA, 3.0), "order_cost")
    assert_message(call(udfs.EOQ, 1e308 * 10, 50.0, 3.0), "annual_demand")


# --------------------------------------------------------------------- REORDER_PLAN

def sales_table(dates_as=lambda d: d):
    rows = [("unique_id", "ds", "y")]
    for sku, scale in (("MUG", 1.0), ("TEE", 0.4)):
        rows += [(sku, dates_as(d), round(v * scale)) for d, v in zip(weeks(len(SALES)), SALES,
                                                                      strict=True)]
    return rows


ITEMS = [("unique_id", "on_hand", "lead_time", "service_level"), ("MUG", 30.0, 2.0, 0.95),
         ("TEE", 5.0, 1.0, 0.9)]


def test_reorder_plan_tables_as_selected(udfs):
    bare = call(udfs.REORDER_PLAN, tuple(sales_table()), tuple(ITEMS))
    assert bare[0][:6] == ["unique_id", "mean_demand", "safety_stock", "reorder_point",
                           "order_quantity", "order_now"]
    roomy_sales = tuple(r + (None,) for r in sales_table(serial)) + ((None,) * 4,) * 15
    roomy_items = tuple(ITEMS[:1] + [(u, h, t, s * 100) for u, h, t, s in ITEMS[1:]]) + \
        ((None,) * 4,) * 5
    assert call(udfs.REORDER_PLAN, roomy_sales, roomy_items) == bare


def test_reorder_plan_messages_name_the_table_and_row(udfs):
    items = ITEMS[:2] + [("TEE", 5.0, -1.0, 0.9)]
    assert_message(call(udfs.REORDER_PLAN, tuple(sales_table()), tuple(items)),
                   "items_table", "row 3", "lead_time")
    no_y = tuple(r[:2] for r in sales_table())
    assert_message(call(udfs.REORDER_PLAN, no_y, tuple(ITEMS)), "sales_table", "'y'")
    assert_message(call(udfs.REORDER_PLAN, tuple(sales_table()), (ITEMS[0],)),
                   "items_table needs a header row")
    assert_message(call(udfs.REORDER_PLAN, 7.0, tuple(ITEMS)), "sales_table")


# --------------------------------------------------------------------------- UPSELL

ORDERS = [1001, 1001, 1002, 1002, 1002, 1003, 1003, 1004, 1005, 1005]
PRODUCTS = ["bike", "helmet", "bike", "helmet", "bottle", "bike", "bottle", "lock", "helmet",
            "lights"]


def test_upsell_ranges_with_headers_and_room_below(udfs):
    bare = call(udfs.UPSELL, col([float(o) for o in ORDERS]), col(PRODUCTS), "bike")
    selected = call(udfs.UPSELL, col(["Order"] + [float(o) for o in ORDERS] + [None] * 9),
                    col(["Product"] + PRODUCTS + [None] * 9), "bike")
    assert selected == bare and bare[0] == ["rank", "product", "score", "why"]
    assert not any("Product" in str(row) or "Order" in str(row) for row in selected[1:])
    assert_message(call(udfs.UPSELL, col(ORDERS), col(PRODUCTS[:-1]), "bike"),
                   "order_ids has 10 cells", "product_ids has 9 cells")
    assert_message(call(udfs.UPSELL, col(ORDERS), col(PRODUCTS[:3] + [NA] + PRODUCTS[4:]),
                        "bike"), "product_ids (position 4)", "#N/A")
    assert_message(call(udfs.UPSELL, tuple(zip(ORDERS, PRODUCTS, strict=True)), col(PRODUCTS),
                        "bike"), "order_ids is a range of 10 rows by 2 columns")
    assert_message(call(udfs.UPSELL, col(ORDERS), col(PRODUCTS), "bike", 95.5), "top")
    assert_message(call(udfs.UPSELL, col([None] * 5), col([None] * 5), "bike"), "empty")


# ---------------------------------------------------------------------- FRAUD_SCORE

FRAUD_HEADER = ("Order ID", "Email", "Total", "Billing Country", "Shipping Country",
                "Created At")


def fraud_rows(when=lambda t: t):
    t0 = dt.datetime(2024, 5, 1, 9, 0)
    rows = [FRAUD_HEADER]
    for i in range(30):
        rows.append((1000.0 + i, f"c{i % 8}@mail.com", 40.0 + i % 5, "US", "US",
                     when(t0 + dt.timedelta(hours=9 * i))))
    return rows


def test_fraud_score_reads_date_numbers_and_roomy_selections(udfs):
    bare = call(udfs.FRAUD_SCORE, tuple(fraud_rows()))
    assert bare[0] == ["score", "risk_level", "reasons"] and len(bare) == 31

    def excel_number(t):
        return serial(t) + (t - dt.datetime.combine(t.date(), dt.time())).total_seconds() / 86400

    roomy = tuple(r + (None, None) for r in fraud_rows(excel_number)) + ((None,) * 8,) * 6
    assert call(udfs.FRAUD_SCORE, roomy) == bare
    assert_message(call(udfs.FRAUD_SCORE, tuple(r[:2] + r[3:] for r in fraud_rows())),
                   "'total'", "orders")
    assert_message(call(udfs.FRAUD_SCORE, None), "orders needs a header row")


# ----------------------------------------------------------------- CUSTOMER_SEGMENTS

def order_columns(n_customers=25, seed=5):
    rng = np.random.default_rng(seed)
    ids, days, amounts = [], [], []
    for c in range(n_customers):
        for _ in range(1 + c % 6):
            ids.append(f"C{c:03d}")
            days.append(dt.datetime(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 360))))
            amounts.append(float(round(rng.gamma(2.0, 20.0), 2)))
    return ids, days, amounts


def test_customer_segments_header_date_numbers_and_room_below(udfs):
    ids, days, amounts = order_columns()
    bare = call(udfs.CUSTOMER_SEGMENTS, col(ids), col(days), col(amounts))
    assert bare[0][:8] == ["customer_id", "recency_days", "frequency", "monetary", "r_score",
                           "f_score", "m_score", "segment"]
    blank = [None] * 12
    selected = call(udfs.CUSTOMER_SEGMENTS, col(["Customer"] + ids + blank),
                    col(["Date"] + [serial(d) for d in days] + blank),
                    col(["Amount"] + amounts + blank))
    assert selected == bare
    assert_message(call(udfs.CUSTOMER_SEGMENTS, col(ids), col(days), col(amounts[:-1])),
                   "customer_ids has", "amounts has")
    bad = amounts[:4] + ["free"] + amounts[5:]
    assert_message(call(udfs.CUSTOMER_SEGMENTS, col(ids), col(days), col(bad)),
                   "amounts has 'free' at position 5")
    assert_message(call(udfs.CUSTOMER_SEGMENTS, col(ids), col(days[:2] + ["soon"] + days[3:]),
                        col(amounts)), "dates has 'soon' at position 3")
    assert_message(call(udfs.CUSTOMER_SEGMENTS, col(ids), col(days[:2] + ["03/04/2024"]
                                                            + days[3:]), col(amounts)),
                   "dates", "day-first or month-first")
    negative = amounts[:3] + [-10.0] + amounts[4:]
    assert_message(call(udfs.CUSTOMER_SEGMENTS, col(["Customer"] + ids), col(["Date"] + days),
                        col(["Amount"] + negative)), "(amounts, position 5)")


# ------------------------------------------------------------------------ ANOMALIES

def revenue(days=120, seed=2):
    rng = np.random.default_rng(seed)
    dates = [dt.datetime(2024, 2, 1) + dt.timedelta(days=i) for i in range(days)]
    amounts = [float(round(v, 2)) for v in rng.normal(500, 40, days)]
    amounts[70] = 2500.0
    return dates, amounts


def test_anomalies_header_date_numbers_and_room_below(udfs):
    dates, amounts = revenue()
    bare = call(udfs.ANOMALIES, col(dates), col(amounts))
    assert bare[0][:2] == ["anomaly", "reason"] and bare[71][0] is True
    selected = call(udfs.ANOMALIES, col(["Day"] + [serial(d) for d in dates] + [None] * 30),
                    col(["Revenue"] + amounts + [None] * 30))
    assert selected == bare
    assert_message(call(udfs.ANOMALIES, col(dates), col(amounts[:50] + [NA] + amounts[51:])),
                   "amounts has the error #N/A at position 51")
    assert_message(call(udfs.ANOMALIES, col(dates), col(amounts[:50] + [None] + amounts[51:])),
                   "amounts has an empty cell at position 51")
    assert_message(call(udfs.ANOMALIES, tuple(zip(dates, amounts, strict=True)), col(amounts)),
                   "dates is a range of 120 rows by 2 columns")


# ------------------------------------------------------------------------ never raises

ODD = [None, 0.0, -1.0, 1e308, float("nan"), "", "text", True, NA, (("a", 1.0), (None, NA)),
       ((None,),), (("Units",), (None,)), tuple((float(i),) for i in range(3))]


def test_no_function_ever_raises_whatever_the_cells(udfs):
    calls = [
        (udfs.FORECAST_DEMAND, [col(SALES[:20]), 3.0]),
        (udfs.SAFETY_STOCK, [col(SALES[:20]), 2.0]),
        (udfs.REORDER_POINT, [col(SALES[:20]), 2.0]),
        (udfs.EOQ, [1200.0, 50.0, 3.0]),
        (udfs.REORDER_PLAN, [tuple(sales_table()[:30]), tuple(ITEMS)]),
        (udfs.UPSELL, [col(ORDERS), col(PRODUCTS), "bike"]),
        (udfs.FRAUD_SCORE, [tuple(fraud_rows()[:8])]),
        (udfs.CUSTOMER_SEGMENTS, [col(order_columns()[0][:10]), col(order_columns()[1][:10]),
                                  col(order_columns()[2][:10])]),
        (udfs.ANOMALIES, [col(revenue()[0][:20]), col(revenue()[1][:20])]),
    ]
    for function, good in calls:
        for position in range(len(good)):
            for odd in ODD:
                args = list(good)
                args[position] = odd
                out = call(function, *args)  # must not raise
                text = message(out)
                if text is not None:
                    assert "unexpected error" not in text, (function.__name__, position, odd,
                                                            text)


# ------------------------------------------------------------------ the sample workbook

def test_sample_workbook_formulas_give_answers(udfs):
    """Each formula typed in the demo workbook, its ranges read from the sheet as Excel sends."""
    openpyxl = pytest.importorskip("openpyxl")
    from tests.conftest import REPO

    book = openpyxl.load_workbook(REPO / "excel_addin" / "workbook" / "shelfwise_demo.xlsm",
                                  keep_vba=True)
    sheet = book["Weekly sales"]

    def excel_value(value):
        return float(value) if isinstance(value, int) else value

    def argument(text):
        if ":" in text:
            return tuple(tuple(excel_value(c.value) for c in row) for row in sheet[text])
        return float(text)

    answers = {}
    for row in sheet.iter_rows():
        for cell in row:
            formula = re.fullmatch(r"=([A-Z_]+)\((.*)\)", str(cell.value or ""))
            if formula:
                name, args = formula.groups()
                answers[cell.coordinate] = call(getattr(udfs, name),
                                                *map(argument, args.split(",")))
    assert answers and not any(message(out) for out in answers.values()), answers
    bare = call(udfs.FORECAST_DEMAND, argument(f"B2:B{sheet.max_row}"))
    assert answers["J2"] == bare  # header and a year of empty rows selected: same forecast
    assert answers["P2"][0][0] > answers["P5"][0][0] > 0


def test_total_rows_text_numbers_and_blanks_above_the_header(udfs):
    with_total = col(["Units"] + SALES + [sum(SALES)] + [None] * 5)
    assert_message(call(udfs.FORECAST_DEMAND, with_total), "values ends with the total",
                   f"position {len(SALES) + 2}")
    above = col([None, None, "Units"] + SALES + [None] * 5)
    assert call(udfs.REORDER_POINT, above, 2.0) == call(udfs.REORDER_POINT, col(SALES), 2.0)
    for text, fragment in (("1,234", "'1,234'"), ("$4.25", "'$4.25'"),
                           ("2024-03-04", "the date 2024-03-04")):
        assert_message(call(udfs.SAFETY_STOCK, col([text] + SALES), 2.0), "sales", fragment,
                       "position 1")


def test_amounts_passed_as_dates_are_refused(udfs):
    dates, amounts = revenue()
    assert_message(call(udfs.ANOMALIES, col(amounts), col(amounts)),
                   "dates has the number", "position 1", "no date")
    assert_message(call(udfs.ANOMALIES, col(dates), col([serial(d) for d in dates])),
                   "amounts looks like dates")


# ------------------------------------------------------------- the cell readers, by property

CELL = st.one_of(st.none(), st.floats(allow_nan=False, width=32), st.integers(-10**6, 10**6),
                 st.text(max_size=6), st.booleans(), st.sampled_from(["#N/A", "#VALUE!", " "]),
                 st.datetimes(min_value=dt.datetime(1995, 1, 1),
                              max_value=dt.datetime(2090, 1, 1)))


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, max_size=30), st.integers(0, 5))
def test_reading_a_column_is_an_answer_or_a_named_refusal(cells, blanks):
    from engine.errors import InputError
    from excel_addin.cells import column_of_numbers, is_header

    def read(values):
        try:
            return column_of_numbers(values, "values")
        except InputError as err:
            assert err.message.startswith("values"), err.message
            return None

    bare = read([[c] for c in cells])
    if bare is not None:
        assert np.isfinite(bare).all()
        selected = read([["Units"]] + [[c] for c in cells] + [[None]] * blanks)
        if not any(is_header(c) for c in cells):  # no header of its own: the same numbers
            assert selected is not None and selected.tolist() == bare.tolist()


def test_called_from_python_with_pandas_and_plain_lists(udfs):
    import pandas as pd

    by_excel = call(udfs.REORDER_POINT, AS_SELECTED, 3.0)[0][0]
    assert udfs.REORDER_POINT(pd.Series(SALES), 3) == by_excel
    assert udfs.REORDER_POINT(SALES + [None] * 4, 3) == by_excel
    sales = pd.DataFrame(sales_table()[1:], columns=sales_table()[0])
    items = pd.DataFrame(ITEMS[1:], columns=ITEMS[0])
    assert udfs.REORDER_PLAN(sales, items) == call(udfs.REORDER_PLAN, tuple(sales_table()),
                                                   tuple(ITEMS))


def test_text_dates_read_when_unambiguous_without_warnings(udfs, recwarn):
    dates, amounts = revenue()
    as_text = [f"{d:%d/%m/%Y}" if d.day > 12 else f"{d:%Y-%m-%d}" for d in dates]
    assert call(udfs.ANOMALIES, col(as_text), col(amounts)) == \
        call(udfs.ANOMALIES, col(dates), col(amounts))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_blank_optional_arguments_take_their_defaults(udfs):
    assert call(udfs.FORECAST_DEMAND, AS_SELECTED, None, None, None) == \
        call(udfs.FORECAST_DEMAND, AS_SELECTED)
    assert call(udfs.REORDER_POINT, AS_SELECTED, 2.0, None, None) == \
        call(udfs.REORDER_POINT, AS_SELECTED, 2.0)
    assert_message(call(udfs.REORDER_POINT, AS_SELECTED, None), "lead_time is empty")
    assert_message(call(udfs.FORECAST_DEMAND, AS_SELECTED, NA), "horizon", "#N/A")


def test_reorder_plan_refuses_huge_cells_and_lead_times(udfs):
    huge_sale = [r if i != 5 else (r[0], r[1], 1e300) for i, r in enumerate(sales_table())]
    assert_message(call(udfs.REORDER_PLAN, tuple(huge_sale), tuple(ITEMS)), "sales_table",
                   "row 6", "'y'", "too large")
    for lead_time in (1e300, 1e6):
        items = ITEMS[:2] + [("TEE", 5.0, lead_time, 0.9)]
        assert_message(call(udfs.REORDER_PLAN, tuple(sales_table()), tuple(items)),
                       "items_table", "row 3", "'lead_time'")


def test_reorder_plan_headers_as_people_write_them(udfs):
    bare = call(udfs.REORDER_PLAN, tuple(sales_table()), tuple(ITEMS))
    sales = [("SKU", "Week", "Units")] + sales_table()[1:]
    items = [("SKU", "On hand", "Lead time", "Service level")] + \
        [(u, h, t, s * 100) for u, h, t, s in ITEMS[1:]]
    assert call(udfs.REORDER_PLAN, tuple(sales), tuple(items)) == bare
