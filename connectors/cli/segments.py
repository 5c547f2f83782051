"""`shelfwise segments`: RFM segments and expected purchases per customer."""

from __future__ import annotations

from datetime import datetime

import click

from connectors.cli.common import READING_RULE, input_errors, output_option, reader_options
from connectors.files import write_table
from connectors.readers import read_orders
from engine.segments import segment_customers


@click.command(epilog=READING_RULE)
@click.argument("orders", type=click.Path(dir_okay=False, allow_dash=True))
@output_option
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day the segments describe (YYYY-MM-DD); default: the last order date. "
                   "Later orders are left out.")
@click.option("--horizon", type=click.FloatRange(min=0, min_open=True), default=90.0,
              show_default=True, help="Days ahead that expected_purchases covers.")
@reader_options
def segments(orders: str, output: str, as_of: datetime | None, horizon: float,
             reading) -> None:
    """Name each customer's segment from the orders in ORDERS (customer_id, created_at, amount).

    ORDERS may also be any order export Shelfwise reads: its lines are grouped into orders
    (amount: the order's total), and orders without a customer are left out and counted.

    Writes customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
    segment (Champions, Loyal, Potential loyalists, New, At risk, Can't lose them,
    Hibernating, Lost), then shopify_rfm_group, p_alive and expected_purchases (purchase
    days in the next --horizon days: an MBG/NBD or BG/NBD repeat-purchase model, chosen on
    a holdout, with totals that follow the forecast of the shop's repeat purchases).

    Example: shelfwise segments orders.csv -o segments.csv --as-of 2024-06-30
    """
    table = reading.read(read_orders, orders, need_amount=True).table
    with input_errors(orders):
        result = segment_customers(table, as_of=as_of, horizon_days=horizon)
    write_table(result.round({"p_alive": 4, "expected_purchases": 4}), output)
