"""Exports built by a second, independent generator (other shops, other products) give the
same answers as the same data in canonical columns, for every command (issue 12's checks).

The data comes from `test_exports_hidden_makers.py`; the canonical files apply the documented
rules to the generated orders, never through the readers.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from tests.connectors import test_exports_hidden_makers as hx
from tests.connectors.test_exports_cli import FORECAST, PLAN, SEGMENTS, UPSELL

TEXT = {"customer_id": str, "unique_id": str, "product_id": str, "recommended_id": str}

ORDERS = hx.make_orders(seed=101, days=40)
PAID = hx.demand(ORDERS)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def run(*args: str) -> pd.DataFrame:
    result = invoke(*args, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return pd.read_csv(io.StringIO(result.stdout), dtype=TEXT)


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


EXPORTS = {
    "shopify-orders": lambda: (hx.shopify_orders(ORDERS), ORDERS),
    "woocommerce-orders": lambda: (hx.woocommerce_orders(ORDERS, comma=True), ORDERS),
    "square-items": lambda: (hx.square_items(PAID, columns=33, shuffle=True), PAID),
    "etsy-items": lambda: (hx.etsy_items(PAID), PAID),
    "invoice-lines": lambda: (hx.invoice_lines(ORDERS, style="dash"), PAID),
}


@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_anomalies_count_every_order_of_the_day(tmp_path, fmt):
    """Revenue per day counts guest orders too (they were dropped as for segments)."""
    text, orders = EXPORTS[fmt]()
    export = write(tmp_path, "export.csv", text)
    revenue = write(tmp_path, "revenue.csv", hx.canonical_revenue(orders))
    got, want = run("anomalies", export), run("anomalies", revenue)
    pd.testing.assert_frame_equal(got[["ds", "amount", "anomaly", "score"]],
                                  want[["ds", "amount", "anomaly", "score"]])


SOLD = hx.make_orders(seed=202, days=40, statuses=True)
STOCK = {sku: [("Shop", 3 + n, n), ("Depot", -2, 1), ("Pop-up", "not stocked", 0)]
         for n, (sku, _t, _p) in enumerate(hx.PRODUCTS[:4])}


@pytest.mark.parametrize("maker", ["inventory-old", "products", "products-new",
                                   "woocommerce-products"])
def test_every_stock_export_plans_the_canonical_items(tmp_path, maker):
    """Same plan from each stock export as from the items it means (a WooCommerce variable
    parent whose variation takes its stock is not an item of its own)."""
    totals = hx.stock_totals(STOCK)
    text = {"inventory-old": lambda: hx.shopify_inventory(STOCK, new=False),
            "products": lambda: hx.shopify_products(totals),
            "products-new": lambda: hx.shopify_products(totals, new=True),
            "woocommerce-products": lambda: hx.woocommerce_products(totals)}[maker]()
    export = write(tmp_path, "orders_export_1.csv", hx.shopify_orders(SOLD))
    sales = write(tmp_path, "sales.csv", hx.canonical_sales(SOLD))
    stock = write(tmp_path, "stock.csv", text)
    items = write(tmp_path, "items.csv", hx.canonical_items(
        totals, 7, on_order=maker == "inventory-old"))
    got = run("reorder", "--history", export, "--inventory", stock, "--lead-time", "7")
    want = run("reorder", "--history", sales, "--items", items)
    pd.testing.assert_frame_equal(got[PLAN], want[PLAN])
    assert got["unique_id"].tolist()[0] == "00123"
    if maker == "woocommerce-products":
        said = invoke("reorder", "--history", export, "--inventory", stock, "--lead-time", "7")
        assert "; 1 product without managed stock left out" in said.stderr


def test_format_and_columns_of_the_orders_do_not_apply_to_the_stock_file(tmp_path):
    """advise --format shopify-orders --inventory STOCK read STOCK as a Shopify orders file."""
    export = write(tmp_path, "orders_export_1.csv", hx.shopify_orders(SOLD))
    stock = write(tmp_path, "inventory_export_1.csv", hx.shopify_inventory(STOCK))
    result = invoke("advise", export, "--format", "shopify-orders", "--inventory", stock,
                    "-o", str(tmp_path / "report"), "--quiet")
    assert result.exit_code == 0, result.output
    reorder = pd.read_csv(tmp_path / "report" / "reorder.csv", dtype=TEXT)
    assert set(STOCK) <= set(reorder["unique_id"])


def test_an_error_after_reading_is_the_only_line_on_stderr(tmp_path):
    """reorder printed what it read, then the error: two lines where the contract says one."""
    one = "\n".join(hx.shopify_orders(SOLD[:1]).splitlines()[:2]) + "\n"
    export = write(tmp_path, "orders_export_1.csv", one)
    stock = write(tmp_path, "inventory.csv", hx.shopify_inventory({"00123": [("A", 1, 0)]}))
    result = invoke("reorder", "--history", export, "--inventory", stock, "--lead-time", "3")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: orders_export_1.csv")
    assert "Traceback" not in result.output


def test_summary_is_one_line_in_words_for_one_of_each(tmp_path):
    """advise said five lines; one order read said "1 lines of 1 orders", "1 customers"."""
    one = "\n".join(hx.shopify_orders(SOLD[:1]).splitlines()[:2]) + "\n"
    export = write(tmp_path, "orders_export_1.csv", one)
    result = invoke("segments", export)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("read 1 line of 1 order (")
    assert result.stderr.strip().endswith("; 1 customer")
    report = invoke("advise", write(tmp_path, "o.csv", hx.shopify_orders(SOLD)), "-o",
                    str(tmp_path / "report"))
    assert report.exit_code == 0, report.output
    line = report.stderr.strip()
    assert len(line.splitlines()) == 1 and line.count("read ") == 1
    assert "5 SKUs" in line and "advice as of" in line


@pytest.mark.parametrize("columns", ["unique_id=Item,ds=Date", "product_id=Item,created_at=Date"])
def test_a_till_roll_maps_onto_sales_without_a_quantity(tmp_path, columns):
    """One row per item sold (a bakery's till roll): --columns needed y or an order id."""
    rows = ["Date,Time,Transaction,Item"]
    for day in range(1, 29):
        for n in range(day % 4 + 1):
            rows.append(f"{day:02d}-02-2024,09:{n:02d}:00,{day * 10 + n},Brötchen")
        rows.append(f"{day:02d}-02-2024,10:00:00,{day * 10 + 9},Croissant, groß"
                    .replace("Croissant, groß", '"Croissant, groß"'))
    till = write(tmp_path, "till.csv", "\n".join(rows) + "\n")
    sales = ["unique_id,ds,y"] + [f'"Croissant, groß",2024-02-{d:02d},1\nBrötchen,'
                                  f"2024-02-{d:02d},{d % 4 + 1}" for d in range(1, 29)]
    canonical = write(tmp_path, "sales.csv", "\n".join(sales) + "\n")
    got = run("forecast", till, "--horizon", "7", "--columns", columns)
    want = run("forecast", canonical, "--horizon", "7")
    pd.testing.assert_frame_equal(got[FORECAST], want[FORECAST])


def test_segments_on_an_export_without_a_customer_column_names_the_fix(tmp_path):
    """The error named 'Email (Billing)' as an empty column of a file that has none."""
    table = pd.read_csv(io.StringIO(hx.woocommerce_orders(SOLD)), dtype=str)
    export = write(tmp_path, "orders.csv", table.drop(columns="Email (Billing)").to_csv(
        index=False))
    result = invoke("segments", export)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: orders.csv, row 1: has no customer column (none of 'Email (Billing)', "
        "'Billing Email', 'Customer User ID', 'Customer Email'); name one with --columns "
        "customer_id=HEADER"]


def test_columns_with_the_commands_keys_apply_to_a_forced_format(tmp_path):
    """--format shopify-orders --columns unique_id=... was ignored without a word."""
    export = write(tmp_path, "orders_export_1.csv", hx.shopify_orders(SOLD))
    got = run("forecast", export, "--horizon", "2", "--format", "shopify-orders",
              "--columns", "unique_id=Lineitem name")
    assert set(got["unique_id"]) == {t for _s, t, _p in hx.PRODUCTS}
    bad = invoke("forecast", export, "--horizon", "2", "--format", "shopify-orders",
                 "--columns", "bogus=Lineitem name")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "'bogus' is not a key of shopify-orders files" in bad.stderr


def test_a_workbook_and_an_infinite_quantity_are_refused_in_one_line(tmp_path):
    """An .xlsx was read as a CSV header of binary junk; `inf` passed the fast number path."""
    import zipfile

    book = tmp_path / "Online Retail.xlsx"
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    result = invoke("upsell", str(book))
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: Online Retail.xlsx: is a spreadsheet workbook, "
                                     "not a CSV file: open it and save it as 'CSV UTF-8'")
    rows = hx.shopify_orders(SOLD[:3]).splitlines()
    cells = next(csv.reader([rows[2]]))
    cells[hx.SHOPIFY_ORDERS.index("Lineitem quantity")] = "inf"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    export = write(tmp_path, "orders.csv", "\n".join(rows[:2] + [out.getvalue().strip()]
                                                     + rows[3:]) + "\n")
    result = invoke("upsell", export)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: orders.csv, row 3, column 'Lineitem quantity': "
                                     "'inf' is not a number")


CASES = {
    "shopify-bom-london": lambda: (hx.shopify_orders(ORDERS, tz="Europe/London", bom=True),
                                   ORDERS, "utf-8", None),
    "woocommerce-comma": lambda: (hx.woocommerce_orders(ORDERS, comma=True), ORDERS,
                                  "utf-8", None),
    "square-33-reordered": lambda: (hx.square_items(PAID, columns=33, shuffle=True), PAID,
                                    "utf-8", None),
    "square-35": lambda: (hx.square_items(PAID), PAID, "utf-8", None),
    "etsy": lambda: (hx.etsy_items(PAID), PAID, "utf-8", None),
    "uci-us-latin1": lambda: (hx.invoice_lines(ORDERS), PAID, "latin-1", hx.uci_customer),
    "uci-dash": lambda: (hx.invoice_lines(ORDERS, style="dash"), PAID, "utf-8",
                         hx.uci_customer),
    "uci-ii-iso": lambda: (hx.invoice_lines(ORDERS, style="iso", second=True), PAID, "utf-8",
                           hx.uci_customer),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_command_answers_as_on_canonical_columns(tmp_path, case):
    text, orders, encoding, who = CASES[case]()
    who = who or (lambda c: c)
    export = tmp_path / "export.csv"
    export.write_bytes(text.encode(encoding, errors="replace"))
    export = str(export)
    sales = write(tmp_path, "sales.csv", hx.canonical_sales(orders))
    lines = write(tmp_path, "lines.csv", hx.canonical_lines(orders, who))
    orders_file = write(tmp_path, "orders.csv", hx.canonical_orders(orders, who))
    inventory = write(tmp_path, "inventory.csv", hx.shopify_inventory(STOCK))
    items = write(tmp_path, "items.csv", hx.canonical_items(hx.stock_totals(STOCK), 7))

    def same(args_a, args_b, columns):
        pd.testing.assert_frame_equal(run(*args_a)[columns], run(*args_b)[columns])

    same(["forecast", export, "--horizon", "7"], ["forecast", sales, "--horizon", "7"],
         FORECAST)
    same(["reorder", "--history", export, "--inventory", inventory, "--lead-time", "7"],
         ["reorder", "--history", sales, "--items", items], PLAN)
    same(["upsell", export], ["upsell", lines], UPSELL)
    same(["segments", export], ["segments", orders_file], SEGMENTS)


@pytest.mark.parametrize("command", ["forecast", "reorder"])
def test_an_engine_error_names_the_exports_own_column(tmp_path, command):
    """A one-order export: the error named column 'ds', which the file does not have."""
    one = "\n".join(hx.shopify_orders(SOLD[:1]).splitlines()[:2]) + "\n"
    export = write(tmp_path, "orders_export_1.csv", one)
    stock = write(tmp_path, "inventory.csv", hx.shopify_inventory({"00123": [("A", 1, 0)]}))
    args = ["forecast", export, "--horizon", "3"] if command == "forecast" else \
        ["reorder", "--history", export, "--inventory", stock, "--lead-time", "3"]
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: orders_export_1.csv, column 'Created at': ")


def test_by_location_counts_every_line_of_a_pos_order(tmp_path):
    """Shopify writes an order's POS Location on its first row only: the other lines' sales
    were keyed to no location and lost from the per-location plan."""
    table = pd.read_csv(io.StringIO(hx.shopify_orders(SOLD)), dtype=str, keep_default_na=False)
    first = table["Financial Status"] != ""
    table.loc[first, "Location"] = "Shop"
    export = write(tmp_path, "orders.csv", table.to_csv(index=False))
    stock = write(tmp_path, "inventory.csv", hx.shopify_inventory(
        {s: [("Shop", 4, 0)] for s, _t, _p in hx.PRODUCTS}))
    got = run("reorder", "--history", export, "--inventory", stock, "--lead-time", "7",
              "--by-location")
    want = run("reorder", "--history", export, "--inventory", stock, "--lead-time", "7")
    assert (got["location"] == "Shop").all()
    pd.testing.assert_frame_equal(got[PLAN[1:]], want[PLAN[1:]])


def test_anomalies_recognise_an_export_as_every_command_does(tmp_path):
    """A WooCommerce export with `Order ID` (not `Order Number`) was read as ds/amount."""
    table = pd.read_csv(io.StringIO(hx.woocommerce_orders(ORDERS)), dtype=str,
                        keep_default_na=False).rename(columns={"Order Number": "Order ID"})
    export = write(tmp_path, "orders.csv", table.to_csv(index=False))
    revenue = write(tmp_path, "revenue.csv", hx.canonical_revenue(ORDERS))
    got, want = run("anomalies", export), run("anomalies", revenue)
    pd.testing.assert_frame_equal(got[["ds", "amount", "anomaly", "score"]],
                                  want[["ds", "amount", "anomaly", "score"]])


def _superstore_like(tmp_path) -> str:
    """An order-line file recognised as WooCommerce (Order ID, Order Date, Quantity, Product
    Name) whose money is a per-line `Sales` the layout does not know."""
    rows = [{"Order ID": o.order_id, "Order Date": o.created.strftime("%m/%d/%Y"),
             "Customer ID": o.customer or "NA", "Product ID": sku, "Product Name": title,
             "Sales": f"{q * p:.2f}", "Quantity": q}
            for o in PAID for sku, title, q, p in o.lines]
    return write(tmp_path, "superstore.csv", pd.DataFrame(rows).to_csv(index=False))


def test_an_export_without_money_is_refused_not_read_as_zero(tmp_path):
    """anomalies and segments read every order's amount as 0 without a word."""
    path = _superstore_like(tmp_path)
    for command in ("anomalies", "segments"):
        result = invoke(command, path, *(["--columns", "customer_id=Customer ID",
                                          "--format", "woocommerce-orders"]
                                         if command == "segments" else []))
        assert result.exit_code == 2, result.output
        assert "has no amount column" in result.stderr
        assert "--columns amount=HEADER" in result.stderr


def test_a_mapped_line_amount_is_summed_per_order(tmp_path):
    """--format woocommerce-orders --columns amount=Sales took each order's first line."""
    path = _superstore_like(tmp_path)
    got = run("segments", path, "--format", "woocommerce-orders", "--columns",
              "amount=Sales,customer_id=Customer ID")
    want = run("segments", write(tmp_path, "orders.csv", hx.canonical_orders(PAID)))
    pd.testing.assert_frame_equal(got[SEGMENTS], want[SEGMENTS])
