"""`shelfwise anomalies`: flag amounts out of line with their own pattern, and duplicates."""

from __future__ import annotations

import click
import numpy as np

from connectors.cli.common import (
    READING_RULE,
    country_option,
    input_errors,
    output_option,
    reader_options,
)
from connectors.files import write_table
from connectors.readers import read_orders, read_table
from connectors.readers.formats import LINE_LAYOUTS
from connectors.readers.raw import norm, open_csv
from engine.anomalies import detect_anomalies

INPUT = {"ds": "date", "amount": "number", "series": "text?", "payee": "text?"}


@click.command(epilog=READING_RULE)
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@output_option
@click.option("--threshold", type=click.FloatRange(min=0), default=3.5, show_default=True,
              help="Robust z-score above which an amount is flagged.")
@click.option("--duplicate-days", type=click.IntRange(min=0), default=3, show_default=True,
              help="Same amount, payee and series this many days apart or less is a "
                   "possible duplicate payment.")
@country_option
@reader_options
def anomalies(input_file: str, output: str, threshold: float, duplicate_days: int,
              country: str | None, reading) -> None:
    """Flag amounts in INPUT (ds, amount, optional series and payee) that are out of line.

    Each series is judged against its own weekly pattern and trend; same-amount payments to
    one payee a few days apart are flagged as possible duplicates; a run of days well below
    or above the usual level is flagged as a level shift. Writes every input column, then
    anomaly (true/false: out of line and unexplained), score, reason and expected (the
    typical value). An order export is read as the
    shop's revenue per day (ds, amount), by the same rules as every command.

    Example: shelfwise anomalies expenses.csv -o flags.csv
    """
    source = _bytes(input_file)
    if _is_export(source, reading):
        orders = reading.read(read_orders, source, guests=True, need_amount=True).table
        day = orders["created_at"].dt.normalize()
        typed = orders.groupby(day)["amount"].sum().rename_axis("ds").reset_index()
        table = typed.assign(ds=typed["ds"].dt.strftime("%Y-%m-%d"))
    else:
        with input_errors(source):
            typed, table, summary = read_table(source, INPUT, dayfirst=reading.dayfirst,
                                               mapping=reading.columns)
        reading.say(summary[0])
    with input_errors(source):
        flags = detect_anomalies(typed.reset_index(drop=True), threshold=threshold,
                                 duplicate_days=duplicate_days, country=country)
    table = table.reset_index(drop=True)
    table["anomaly"] = np.where(flags["anomaly"].to_numpy(), "true", "false")
    table["score"] = flags["score"].to_numpy()
    table["reason"] = flags["reason"].to_numpy()
    table["expected"] = flags["expected"].to_numpy()
    write_table(table, output)


class _Named(bytes):
    """File bytes that keep the file's name for messages."""

    name: str


def _bytes(path: str) -> _Named:
    from connectors.files import file_name
    from connectors.readers.raw import _bytes as read_bytes

    with input_errors(path):
        data = _Named(read_bytes(path, file_name(path)))
    data.name = file_name(path)
    return data


def _is_export(source: bytes, reading) -> bool:
    """An order export (not the ds/amount columns) when forced or recognised."""
    if reading.fmt not in ("auto", "canonical"):
        return True
    if reading.fmt == "canonical" or reading.columns:
        return False
    with input_errors(source):
        raw = open_csv(source)
    if {"ds", "amount"} & {norm(h) for h in raw.header}:
        return False
    return any(all(raw.has(h) for h in layout.signature) and not layout.missing(raw)
               for layout in LINE_LAYOUTS)  # recognised as the other commands do

