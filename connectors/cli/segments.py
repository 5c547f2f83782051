"""`shelfwise segments`: RFM segments and expected purchases per customer."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

import click

from connectors.cli.common import input_errors, output_option
from connectors.files import Column, read_table, write_table
from engine.segments import segment_customers

ORDERS = {
    "customer_id": Column("text"),
    "created_at": Column("date"),
    "amount": Column("number"),
}


@click.command()
@click.argument("orders", type=click.File("rb"))
@output_option
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day the segments describe (YYYY-MM-DD); default: the last order date. "
                   "Later orders are left out.")
@click.option("--horizon", type=click.FloatRange(min=0, min_open=True), default=90.0,
              show_default=True, help="Days ahead that expected_purchases covers.")
def segments(orders: BinaryIO, output: str, as_of: datetime | None, horizon: float) -> None:
    """Name each customer's segment from the orders in ORDERS (customer_id, created_at, amount).

    Writes customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
    segment, then shopify_rfm_group, p_alive and expected_purchases (purchase days in the
    next --horizon days, from a BG/NBD repeat-purchase model).

    Example: shelfwise segments orders.csv -o segments.csv --as-of 2024-06-30
    """
    with input_errors(orders):
        table = read_table(orders, ORDERS)
        result = segment_customers(table, as_of=as_of, horizon_days=horizon)
    write_table(result.round({"p_alive": 4, "expected_purchases": 4}), output)
