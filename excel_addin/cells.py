"""What every Excel function shares: cells in, a spilled table out, and no exception ever raised.

Excel shows a raised exception as a traceback in the cell; a shop owner should see one
short sentence instead, starting with `Shelfwise:`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

MESSAGE_PREFIX = "Shelfwise: "


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
    cells = _flatten(values)
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


def _flatten(values: Any) -> Sequence[Any]:
    if values is None:
        return []
    if isinstance(values, np.ndarray):
        return values.ravel().tolist()
    if isinstance(values, list | tuple):
        flat = []
        for item in values:
            flat.extend(item if isinstance(item, list | tuple) else [item])
        return flat
    return [values]
