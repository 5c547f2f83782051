"""`shelfwise fraud`: a risk score, level and reasons for every Shopify order."""

from __future__ import annotations

from typing import BinaryIO

import click

from connectors.cli.common import input_errors, output_option
from connectors.files import write_table
from connectors.orders import read_orders
from engine.fraud import score_orders


@click.command()
@click.argument("orders", type=click.File("rb"))
@output_option
@click.option("--history", type=click.File("rb"), default=None,
              help="JSON Lines of the shop's past orders; cancel_reason \"fraud\" marks known "
                   "fraud. Default: learn the shop's normal from ORDERS themselves.")
def fraud(orders: BinaryIO, output: str, history: BinaryIO | None) -> None:
    """Score each order in ORDERS (JSON Lines, Shopify orders/create shape) for fraud.

    Writes order_id, score (0 to 1, higher is riskier), risk_level (LOW, MEDIUM or HIGH)
    and reasons (short sentences separated by "; ", most important first).

    Example: shelfwise fraud new_orders.jsonl --history past_orders.jsonl -o scores.csv
    """
    with input_errors(orders):
        new = read_orders(orders)
    past = None
    if history is not None:
        with input_errors(history):
            past = read_orders(history)
    with input_errors(orders):
        table = score_orders(new, past)
    write_table(table[["order_id", "score", "risk_level", "reasons"]], output)
