"""Read Shopify orders from JSON Lines files (one ``orders/create`` webhook body per line).

Errors name the file, the line (counted from 1, as an editor shows it) and the field.
"""

from __future__ import annotations

import json
import os
from typing import IO

import pandas as pd

from connectors.files import FileError, file_name
from connectors.shopify.orders import (
    InvalidOrder,
    OrderRecord,
    bulk_orders,
    fraud_frame,
    is_bulk_row,
    parse_orders,
)


class JsonLinesError(FileError):
    """Bad input in a JSON Lines file: ``file, line N, field 'x': message``."""

    row_word, column_word = "line", "field"


def read_orders(source: str | os.PathLike | IO) -> pd.DataFrame:
    """Read and check a JSON Lines file of Shopify orders; blank lines are skipped.

    Returns
    -------
    pandas.DataFrame
        The fraud engine's order frame (`connectors.shopify.orders.fraud_frame`), in
        file order.

    Raises
    ------
    JsonLinesError
        Naming the file, line and field of the first unreadable order.
    """
    return fraud_frame(read_order_records(source))


def read_order_records(source: str | os.PathLike | IO) -> list[OrderRecord]:
    """The orders of a JSON Lines file (webhook bodies, or the rows of a bulk export of
    orders with their line items), checked by `connectors.shopify.orders.parse_order`."""
    name = file_name(source)
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                records, lines = _records(handle, name)
        except FileNotFoundError as err:
            raise JsonLinesError(name, "file not found") from err
    else:
        records, lines = _records(source, name)
    try:
        if records and is_bulk_row(records[0]):
            records, rows = bulk_orders(records)
            lines = [lines[i] for i in rows]
        return parse_orders(records)
    except InvalidOrder as err:
        line = lines[err.row] if err.row is not None else None
        raise JsonLinesError(name, err.message, row=line, column=err.field) from err


def _records(handle: IO, name: str) -> tuple[list, list[int]]:
    records, lines = [], []
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as err:
            raise JsonLinesError(name, "is not UTF-8 text", row=number) from err
        if not text.strip():
            continue
        try:
            records.append(json.loads(text))
        except json.JSONDecodeError as err:
            raise JsonLinesError(name, f"is not valid JSON ({err.msg} at character {err.pos + 1})",
                                 row=number) from err
        lines.append(number)
    return records, lines
