"""`shelfwise anomalies`: flag amounts out of line with their own pattern, and duplicates."""

from __future__ import annotations

import io
from typing import BinaryIO

import click
import numpy as np
import pandas as pd

from connectors.cli.common import input_errors, output_option
from connectors.files import Column, file_name, read_table, write_table
from engine.anomalies import detect_anomalies

INPUT = {
    "ds": Column("date"),
    "amount": Column("number"),
    "series": Column("text", required=False, default=""),
    "payee": Column("text", required=False, default=""),
}


@click.command()
@click.argument("input_file", metavar="INPUT", type=click.File("rb"))
@output_option
@click.option("--threshold", type=click.FloatRange(min=0), default=3.5, show_default=True,
              help="Robust z-score above which an amount is flagged.")
@click.option("--duplicate-days", type=click.IntRange(min=0), default=3, show_default=True,
              help="Same amount, payee and series this many days apart or less is a "
                   "possible duplicate payment.")
def anomalies(input_file: BinaryIO, output: str, threshold: float, duplicate_days: int) -> None:
    """Flag amounts in INPUT (ds, amount, optional series and payee) that are out of line.

    Each series is judged against its own weekly pattern and trend; same-amount payments to
    one payee a few days apart are flagged as possible duplicates. Writes every input
    column, then anomaly (true/false), score and reason.

    Example: shelfwise anomalies expenses.csv -o flags.csv
    """
    source = io.BytesIO(input_file.read())  # read twice: typed, then every column as text
    source.name = file_name(input_file)
    with input_errors(source):
        typed = read_table(source, INPUT)  # checks every cell, naming file, row and column
        flags = detect_anomalies(typed, threshold=threshold, duplicate_days=duplicate_days)
    source.seek(0)
    table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.columns = [str(c).strip() for c in table.columns]
    table["anomaly"] = np.where(flags["anomaly"].to_numpy(), "true", "false")
    table["score"] = flags["score"].to_numpy()
    table["reason"] = flags["reason"].to_numpy()
    write_table(table, output)

