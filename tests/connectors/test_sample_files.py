"""The sample exports of docs/formats/ are read as they are, by the command each page shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.cli import main
from connectors.readers import read_sales, read_stock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORDER_FILES = {
    "shopify_orders_export.csv": "shopify-orders",
    "woocommerce_orders.csv": "woocommerce-orders",
    "woocommerce_orders_decimal_comma.csv": "woocommerce-orders",
    "square_items.csv": "square-items",
    "etsy_sold_order_items.csv": "etsy-items",
    "online_retail_invoices.csv": "invoice-lines",
    "canonical_sales.csv": "canonical",
    "canonical_order_lines.csv": "canonical",
}
STOCK_FILES = {
    "shopify_inventory_export.csv": "shopify-inventory",
    "shopify_inventory_export_old.csv": "shopify-inventory",
    "shopify_products_export.csv": "shopify-products",
    "shopify_products_export_new.csv": "shopify-products",
    "woocommerce_products.csv": "woocommerce-products",
    "canonical_items.csv": "canonical",
}


@pytest.mark.parametrize(("name", "layout"), ORDER_FILES.items())
def test_order_samples_are_recognised(name, layout):
    read = read_sales(str(FIXTURES / name))
    assert read.format == layout
    assert read.table["y"].gt(0).all()


@pytest.mark.parametrize(("name", "layout"), STOCK_FILES.items())
def test_stock_samples_are_recognised(name, layout):
    read = read_stock(str(FIXTURES / name))
    assert read.format == layout
    assert set(read.table["unique_id"]) == {"MUG-BLU", "MUG-RED", "TEA-100", "BOWL-L"}


def test_the_docs_reorder_example_runs():
    result = CliRunner().invoke(main, [
        "reorder", "--history", str(FIXTURES / "shopify_orders_export.csv"),
        "--inventory", str(FIXTURES / "shopify_inventory_export.csv"), "--lead-time", "7"])
    assert result.exit_code == 0, result.output
    assert "order" in result.stdout and "lead time" in result.stdout
