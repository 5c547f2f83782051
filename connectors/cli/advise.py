"""`shelfwise advise`: every decision for one shop from its orders, as one report.

The report is `engine.advise` (the call the Shopify app and Excel's ADVICE make too): a
folder of CSV files, or one .xlsx workbook with a sheet per decision.
"""

from __future__ import annotations

import os
from datetime import datetime

import click
import pandas as pd

from connectors.cli.common import (
    READING_RULE,
    BadInput,
    country_option,
    input_errors,
    reader_options,
)
from connectors.files import file_name
from connectors.orders import read_order_records
from connectors.readers import read_order_lines, read_orders, read_sales, read_stock
from connectors.shopify.orders import daily_sales, fraud_frame, order_lines, orders_table
from engine.advice import Advice, advise

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


@click.command(epilog=READING_RULE)
@click.argument("orders", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(writable=True),
              help="A folder to write one CSV per decision into, or a .xlsx workbook "
                   "(a sheet per decision).")
@click.option("--inventory", "stock", type=click.Path(exists=True, dir_okay=False),
              help="Stock on hand: a Shopify inventory or products export, a WooCommerce "
                   "products export, or unique_id, on_hand[, lead_time, ...] columns; "
                   "items are matched by SKU. Without it every item counts as out of stock.")
@click.option("--lead-time", type=click.FloatRange(min=0), default=7.0, show_default=True,
              help="Days from ordering to receiving, for items without their own.")
@click.option("--horizon", type=click.IntRange(min=1), default=30, show_default=True,
              help="Days ahead to forecast.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day of the advice (YYYY-MM-DD); default: the day after the last order. "
                   "Later orders are left out.")
@country_option
@reader_options
def advise_command(orders: str, output: str, stock: str | None, lead_time: float,
                   horizon: int, as_of: datetime | None, country: str | None, reading) -> None:
    """A shop owner's weekly report from ORDERS: what to reorder, what sells next month,
    which products go together, who the customers are and which days were unusual.

    ORDERS is an order export Shelfwise reads (Shopify, WooCommerce, Square, Etsy,
    invoice lines, or the canonical columns) or Shopify orders as JSON Lines (one
    orders/create body per line; then the latest 20 orders are scored for fraud too).

    Writes reorder (per item: on_hand, forecast_30_days, reorder_point, order_quantity,
    order_now, ... and the model both numbers come from), forecast (per item and day, with
    80 % and 95 % intervals), upsell, segments, anomalies, revenue and fraud. With --country,
    a day out of line on one of the country's public holidays is not among the anomalies.

    \b
    Examples:
      shelfwise advise orders_export.csv --inventory inventory_export.csv -o report.xlsx
      shelfwise advise orders.jsonl --lead-time 10 --country DE -o report/
    """
    if os.path.splitext(orders)[1].lower() in JSON_SUFFIXES:
        tables = _from_json_lines(orders)
    else:
        tables = {"sales": reading.read(read_sales, orders).table,
                  "lines": reading.read(read_order_lines, orders).table,
                  # every order, guests too: revenue counts them; segments leave them out
                  "orders": reading.read(read_orders, orders, guests=True).table}
    inventory = reading.read(read_stock, stock).table if stock else None
    with input_errors(orders):
        result = advise(tables["sales"], inventory, tables["orders"], lines=tables["lines"],
                        fraud_orders=tables.get("fraud"), as_of=as_of, lead_time=lead_time,
                        horizon=horizon, country=country)
    for note in result.notes:
        reading.say(note)
    write_report(result, output)
    reading.say(f"advice as of {result.as_of.date()} for {len(result.reorder):,} items "
                f"written to {output}")


def _from_json_lines(path: str) -> dict[str, pd.DataFrame]:
    """The engine's tables from Shopify orders (items by SKU, else variant id)."""
    with input_errors(path):
        records = read_order_records(path)
    lines = order_lines(records)
    if lines.empty:
        raise BadInput(f"{file_name(path)}: has no order lines left to read")
    lines["item"] = lines["sku"].where(lines["sku"] != "", lines["variant_id"])
    return {"sales": daily_sales(lines, "item"), "orders": orders_table(records),
            "lines": lines.assign(product_title=lines["title"]), "fraud": fraud_frame(records)}


def write_report(result: Advice, output: str) -> None:
    """Every decision of `result`: one CSV each in the folder `output`, or one sheet each in
    the workbook `output` (.xlsx)."""
    tables = {name: _plain(table) for name, table in result.tables().items()}
    if output.lower().endswith(".xlsx"):
        try:
            import openpyxl  # noqa: F401  (pandas writes .xlsx through it)
        except ImportError as err:
            raise BadInput("writing .xlsx needs openpyxl (pip install openpyxl); "
                           "or give a folder for CSV files") from err
        with pd.ExcelWriter(output, engine="openpyxl") as book:
            for name, table in tables.items():
                table.to_excel(book, sheet_name=name, index=False)
        return
    os.makedirs(output, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(os.path.join(output, f"{name}.csv"), index=False, lineterminator="\n")


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD (numbers keep every digit: the app and Excel show the same)."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out
