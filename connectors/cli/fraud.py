"""`shelfwise fraud`: a risk score, level and reasons for every Shopify order."""

from __future__ import annotations

from typing import BinaryIO

import click
import pandas as pd

from connectors.cli.common import input_errors, no_runtime_warnings, output_option
from connectors.files import file_name, write_table
from connectors.orders import read_orders
from engine.fraud import score_orders


@click.command()
@click.argument("orders", type=click.File("rb"))
@output_option
@click.option("--history", type=click.File("rb"), default=None,
              help="JSON Lines of the shop's past orders; cancel_reason \"fraud\" marks known "
                   "fraud. Default: learn the shop's normal from ORDERS themselves.")
@click.option("--quiet", "-q", is_flag=True,
              help="Do not print the one-line summary of what was read.")
def fraud(orders: BinaryIO, output: str, history: BinaryIO | None, quiet: bool) -> None:
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
    if not quiet:
        click.echo(_summary(new, orders, past, history), err=True)
    with input_errors(orders), no_runtime_warnings():
        table = score_orders(new, past)
    write_table(table[["order_id", "score", "risk_level", "reasons"]], output)


def _summary(new: pd.DataFrame, orders: BinaryIO, past: pd.DataFrame | None,
             history: BinaryIO | None) -> str:
    """`read 120 orders from new.jsonl (2024-01-01 to 2024-02-01); history: ...`."""
    def dates(frame: pd.DataFrame) -> str:
        when = pd.to_datetime(frame["created_at"], unit="s", errors="coerce").dropna()
        return f" ({when.min():%Y-%m-%d} to {when.max():%Y-%m-%d})" if len(when) else ""

    text = f"read {len(new):,} orders from {file_name(orders)}{dates(new)}"
    if past is not None:
        known = int((past["label"] > 0).sum()) if "label" in past else 0
        text += (f"; history: {len(past):,} orders from {file_name(history)}, {known:,} "
                 "marked fraud")
    return text
