"""What every Excel function shares: cells in, a spilled table out, and no exception ever raised.

Excel shows a raised exception as a traceback in the cell; a shop owner should see one
short sentence instead, starting with `Shelfwise:`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

MESSAGE_PREFIX = "Shelfwise: "
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial day 0 of Excel's 1900 date system


def never_raises(function: Callable) -> Callable:
    """Return the function's value, or a `Shelfwise: ...` message cell if anything goes wrong.

    Apply it closest to `def`, under the xlwings decorators, so that they still see the
    function's own signature and annotations.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except InputError as err:
            return MESSAGE_PREFIX + err.message
        except Exception as err:  # noqa: BLE001 - Excel must get a message, not a traceback
            return f"{MESSAGE_PREFIX}unexpected error ({type(err).__name__}: {err})"[:255]

    return wrapper


def spill(table: pd.DataFrame) -> list[list[Any]]:
    """A table as rows for Excel: header first; missing values become empty cells."""
    rows = table.astype(object).where(table.notna(), None).to_numpy().tolist()
    return [list(map(str, table.columns))] + rows


def column_of_numbers(values: Any, name: str, *, blank: float | None = 0.0) -> np.ndarray:
    """Read a one-column range as floats; blanks become `blank`; text is an error naming it."""
    cells = cells_of(values)
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if blank is None:
                raise InputError(f"{name} has an empty cell at position {i + 1}")
            out[i] = blank
        elif isinstance(cell, bool):
            raise InputError(f"{name} has TRUE/FALSE at position {i + 1}; expected a number")
        elif isinstance(cell, int | float) and math.isfinite(cell):
            out[i] = float(cell)
        else:
            raise InputError(
                f"{name} has {str(cell)[:30]!r} at position {i + 1}; expected a number")
    return out


def whole_number(value: Any, name: str, *, low: int = 0) -> int:
    """An integer argument typed into a cell (Excel passes 12 as 12.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or float(value) != int(value) or value < low:
        raise InputError(f"{name} must be a whole number of at least {low}, got {value!r}")
    return int(value)


def cells_of(values: Any) -> list[Any]:
    """A one-column (or one-row) range as a flat list of cells."""
    if values is None:
        return []
    if isinstance(values, np.ndarray):
        return values.ravel().tolist()
    if isinstance(values, list | tuple):
        return [c for v in values for c in (v if isinstance(v, list | tuple) else [v])]
    return [values]


def is_blank(cell: Any) -> bool:
    """An empty cell, or one holding only spaces."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def text_cell(cell: Any, name: str) -> str:
    """An id or name typed in a cell: 1042.0 from Excel becomes '1042'; errors are refused."""
    if is_blank(cell):
        raise InputError(f"{name} is empty")
    if isinstance(cell, bool):
        raise InputError(f"{name} is TRUE/FALSE; expected an id")
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise InputError(f"{name} is not a valid id")
        return str(int(cell)) if cell.is_integer() else str(cell)
    text = str(cell).strip()
    if text.startswith("#"):
        raise InputError(f"{name} holds the error {text}")
    return text


def column_of_dates(values: Any, name: str) -> pd.Series:
    """Dates from cells: Excel dates, serial numbers or text like 2024-03-01."""
    out = []
    for i, cell in enumerate(cells_of(values)):
        if isinstance(cell, dt.datetime | dt.date):
            out.append(pd.Timestamp(cell))
            continue
        if isinstance(cell, int | float) and not isinstance(cell, bool) and 0 < cell < 2958466:
            out.append(EXCEL_EPOCH + pd.to_timedelta(float(cell), unit="D"))
            continue
        day = pd.to_datetime(str(cell).strip(), errors="coerce") if cell is not None else pd.NaT
        if pd.isna(day):
            raise InputError(f"{name} has {str(cell)[:30]!r} at position {i + 1}; expected a date")
        out.append(pd.Timestamp(day))
    return pd.Series(out, dtype="datetime64[ns]")


def table_with_header(values: Any, name: str) -> pd.DataFrame:
    """A range whose first row names the columns; blank rows at the end are dropped."""
    rows = [list(r) if isinstance(r, list | tuple) else [r] for r in (values or [])]
    if len(rows) < 2:
        raise InputError(f"{name} needs a header row and at least one row below it")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = rows[1:]
    while body and all(is_blank(c) for c in body[-1]):
        body.pop()
    if not body:
        raise InputError(f"{name} has a header row but no rows below it")
    return pd.DataFrame(body, columns=header)
