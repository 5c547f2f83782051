"""UPSELL through xlwings' conversion, as Excel calls it."""

from __future__ import annotations

from tests.excel_harness import call

ORDERS = [1001, 1001, 1002, 1002, 1002, 1003, 1003, 1004, 1005, 1005]
PRODUCTS = ["bike", "helmet", "bike", "helmet", "bottle", "bike", "bottle", "lock", "helmet",
            "lights"]


def as_column(values):
    return tuple((v,) for v in values)


def test_spills_companions_with_a_reason(udfs):
    out = call(udfs.UPSELL, as_column([float(o) for o in ORDERS]), as_column(PRODUCTS), "bike",
               2.0)
    assert out[0] == ["rank", "product", "score", "why"]
    assert [row[:2] for row in out[1:]] == [[1, "bottle"], [2, "helmet"]]  # bottle: rarer
    assert out[1][3] == "bought in 67% of orders with bike (2 orders, lift 1.7)"


def test_numeric_product_ids_and_trailing_blank_rows(udfs):
    orders = as_column([float(o) for o in ORDERS] + [None, None])
    code = {"bike": 101.0, "helmet": 102.0, "bottle": 103.0, "lock": 104.0, "lights": 105.0}
    products = as_column([code[p] for p in PRODUCTS] + [None, None])  # Excel sends 101.0
    out = call(udfs.UPSELL, orders, products, 101.0)
    assert out[0][0] == "rank" and len(out) == 5  # the 4 other products under the header
    assert out[1][1] == "103"


def test_bad_input_gives_a_shelfwise_message(udfs):
    orders, products = as_column(ORDERS), as_column(PRODUCTS)
    cases = [
        (orders, as_column(PRODUCTS[:-1]), "bike", 5.0),  # ranges of different lengths
        (orders, products, "scooter", 5.0),  # not sold
        (orders, products, "bike", 0.0),  # top below 1
        (orders, as_column(PRODUCTS[:4] + [None] + PRODUCTS[5:]), "bike", 5.0),  # blank id
        (orders, as_column(PRODUCTS[:4] + ["#N/A"] + PRODUCTS[5:]), "bike", 5.0),
    ]
    for case in cases:
        out = call(udfs.UPSELL, *case)
        text = out if isinstance(out, str) else out[0][0]
        assert isinstance(text, str) and text.startswith("Shelfwise: "), (case[2:], out)
