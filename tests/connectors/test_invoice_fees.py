"""Invoice-lines exports (UCI "Online Retail" I and II): postage, fee and adjustment lines
(`POST`, `D`, `BANK CHARGES`, ...) are not products: out of demand, in order amounts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from connectors.files import FileError
from connectors.readers import read_order_lines, read_orders, read_sales
from connectors.readers.lines import NOT_PRODUCT_CODES

#: The two header generations: "Online Retail" (2011) and "Online Retail II".
HEADERS = {
    "I": ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
          "CustomerID", "Country"),
    "II": ("Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country"),
}
PRODUCTS = {"85123A": 2, "22423": 1, "15056BL": 1}  # units on every invoice
DAYS = 21


def invoice_rows() -> list[tuple]:
    """Three weeks of invoices: products with postage on each, a discount on a credit note,
    manual and sample lines, and invoices of fees only (bank charges, bad debt, Amazon)."""
    rows = []
    for day in range(DAYS):
        when = f"{day + 1:02d}/03/2011 10:{day:02d}"
        invoice, customer = str(536000 + day), str(12000 + day % 4)
        for code, units in PRODUCTS.items():
            rows.append((invoice, code, f"ITEM {code}", units, when, 2.5, customer))
        if day % 7 == 0:  # a gift voucher and a real product whose code is letters only
            rows.append((invoice, "gift_0001_40", "Dotcomgiftshop Gift Voucher £40.00", 1, when,
                         34.04, customer))
            rows.append((invoice, "PADS", "PADS TO MATCH ALL CUSHIONS", 1, when, 0.001,
                         customer))
        rows.append((invoice, "POST", "POSTAGE", 1, when, 18.0, customer))
        if day % 5 == 0:
            rows.append((invoice, "m", "Manual", 1, when, 0.85, customer))
            rows.append((invoice, "S", "SAMPLES", 1, when, 3.0, customer))
        if day % 6 == 0:
            rows.append(("C" + invoice, "D", "Discount", -1, when, 5.0, customer))
    rows.append(("537900", "BANK CHARGES", "Bank Charges", 1, "05/03/2011 12:00", 15.0, "12001"))
    rows.append(("A537901", "B", "Adjust bad debt", 1, "06/03/2011 12:00", -110.0, ""))
    rows.append(("537902", "AMAZONFEE", "AMAZON FEE", 1, "07/03/2011 12:00", 13.5, "12002"))
    rows.append(("537902", "DOT", "DOTCOM POSTAGE", 1, "07/03/2011 12:00", 9.0, "12002"))
    return rows


def invoice_csv(generation: str = "I", rows: list[tuple] | None = None) -> bytes:
    table = pd.DataFrame(rows or invoice_rows(), columns=HEADERS[generation][:-1])
    table[HEADERS[generation][-1]] = "United Kingdom"
    return table.to_csv(index=False).encode()


@pytest.fixture(params=sorted(HEADERS))
def export(request) -> bytes:
    return invoice_csv(request.param)


def test_fee_lines_are_not_sales_and_products_keep_their_units(export):
    read = read_sales(export)
    assert set(read.table["unique_id"]) == {*PRODUCTS, "gift_0001_40", "PADS"}
    units = read.table.groupby("unique_id")["y"].sum()
    for code, per_invoice in PRODUCTS.items():
        assert units[code] == per_invoice * DAYS
    assert units["gift_0001_40"] == units["PADS"] == 3


def test_fee_lines_are_not_order_lines(export):
    lines = read_order_lines(export).table
    assert set(lines["product_id"]) == {*PRODUCTS, "gift_0001_40", "PADS"}
    assert not lines["product_id"].str.upper().isin(NOT_PRODUCT_CODES).any()


def test_orders_keep_postage_in_the_amount_and_leave_fee_only_invoices_out(export):
    read = read_orders(export)
    orders = read.table.set_index("order_id")
    products = sum(PRODUCTS.values()) * 2.5
    assert orders.loc["536001", "amount"] == pytest.approx(products + 18.0)  # with postage
    assert orders.loc["536000", "amount"] == pytest.approx(
        products + 34.04 + 0.001 + 18.0 + 0.85 + 3.0)  # voucher, pads, postage, manual, samples
    assert not {"537900", "537902", "A537901"} & set(orders.index)  # fees only: no purchase
    assert len(orders) == DAYS and read.counts["fee_only"] == 3
    assert "3 orders of fees only left out" in read.summary
    assert len(read_orders(export, guests=True).table) == DAYS  # not revenue orders either


def test_the_summary_names_the_codes_commonest_first(export):
    summary = read_sales(export).summary
    fees = DAYS + 2 * 5 + 4 + 4  # POST; m and S on 5 invoices; D on 4 credit notes; 4 fee-only
    assert f"{fees} fee and adjustment lines (POST, M, S, ...) left out of demand" in summary
    assert "C-invoice lines" not in summary  # the credit notes' only lines are discounts


def test_codes_match_whole_in_any_case_with_spaces_read_as_one():
    rows = [("1", code, "x", 1, "2011-03-01 10:00", 1.0, "12000")
            for code in ("post", "Bank  Charges", "adjust2", "POSTAGE", "DCGS0003", "84029G",
                         "C2", "C22")]
    read = read_sales(invoice_csv("II", rows))
    assert set(read.table["unique_id"]) == {"POSTAGE", "DCGS0003", "84029G", "C22"}
    assert "4 fee and adjustment lines (POST, BANK CHARGES, ADJUST2, ...)" in read.summary


def test_a_file_of_fees_only_has_no_orders():
    rows = [("537900", "BANK CHARGES", "Bank Charges", 1, "2011-03-05 12:00", 15.0, "12001")]
    with pytest.raises(FileError, match="only invoices of postage, fee and adjustment"):
        read_orders(invoice_csv("I", rows))


def test_other_layouts_keep_these_codes_as_products():
    read = read_sales(b"unique_id,ds,y\nPOST,2024-01-01,2\nD,2024-01-01,1\n")
    assert set(read.table["unique_id"]) == {"POST", "D"}
    assert "fee" not in read.summary


def test_forecast_and_upsell_never_name_postage(tmp_path):
    path = tmp_path / "online_retail.csv"
    path.write_bytes(invoice_csv("II"))
    runner = CliRunner()
    forecast = runner.invoke(main, ["forecast", str(path), "--horizon", "3"])
    assert forecast.exit_code == 0, forecast.output
    ids = set(pd.read_csv(io.StringIO(forecast.stdout), dtype=str)["unique_id"])
    assert ids == {*PRODUCTS, "gift_0001_40", "PADS"}
    assert "left out of demand" in forecast.stderr and "POST" in forecast.stderr
    upsell = runner.invoke(main, ["upsell", str(path)])
    assert upsell.exit_code == 0, upsell.output
    recs = pd.read_csv(io.StringIO(upsell.stdout), dtype=str)
    named = set(recs["product_id"]) | set(recs["recommended_id"])
    assert named and not {code.upper() for code in named} & NOT_PRODUCT_CODES
