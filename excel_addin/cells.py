"""What every Excel function shares: ranges read the way people select them, a spilled table
out, and no exception ever raised.

People select a column with its header and with room below for new weeks, pick two
columns when they mean one, and type 95 for 95 %. The readers here skip a text header
at the top, drop blank cells after the last value (blanks inside the data still count as
zero sales), take Excel date numbers as dates where dates are expected, and refuse a date
column where sales are expected. Every refusal is one `Shelfwise: ...` sentence that names
the argument at fault, and positions count cells of the range as selected (the header
is position 1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import inspect
import math
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

MESSAGE_PREFIX = "Shelfwise: "
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial day 0 of Excel's 1900 date system
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!"})
#: Excel date numbers a shop's data can hold: 1990-01-01 to 2099-12-31.
SERIAL_DATES = (32874, 73050)
#: Larger magnitudes are no shop's sales or amounts (and overflow variance sums).
LARGEST_VALUE = 1e15
#: Numbers stored as text that mean one thing only ("1,234" is 1234 or 1.234 by locale: refused).
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$")
_DATE_HEADERS = re.compile(r"^(ds|date|day|week|month|period|time|timestamp)$|date|created|_at$")


def never_raises(function: Callable) -> Callable:
    """Return the function's value, or a `Shelfwise: ...` message cell if anything goes wrong.

    Apply it closest to `def`, under the xlwings decorators, so that they still see the
    function's own signature and annotations. An optional argument given a blank cell takes
    its default.
    """

    names = list(inspect.signature(function).parameters)
    defaults = {name: p.default for name, p in inspect.signature(function).parameters.items()
                if p.default is not inspect.Parameter.empty and p.default is not None}

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        # An optional argument pointing at a blank cell takes its default, as if left out.
        args = tuple(defaults[names[i]] if i < len(names) and names[i] in defaults
                     and is_blank(value) else value for i, value in enumerate(args))
        try:
            return function(*args, **kwargs)
        except InputError as err:
            return (MESSAGE_PREFIX + err.message)[:255]
        except Exception as err:  # noqa: BLE001 - Excel must get a message, not a traceback
            return f"{MESSAGE_PREFIX}unexpected error ({type(err).__name__}: {err})"[:255]

    return wrapper


@contextlib.contextmanager
def about(name: str, *, columns: dict[str, str] | None = None, header_rows: int = 1,
          positions: list[int] | None = None) -> Iterator[None]:
    """Name the argument in any `InputError` raised inside, with the row of the range at fault.

    The message ends with where the fault is: `(items_table, row 3, column 'lead_time')`.
    The engine counts data rows from 0; a person counts the rows of the range, header
    included, from 1. `columns` maps an engine column to the argument that holds it, for
    functions that take one range per column; `positions` are then the range positions of
    the engine's rows (see `rows_of`).
    """
    try:
        yield
    except InputError as err:
        said = err.message
        if columns and err.column in columns:
            where = [columns[err.column]]
            if err.row is not None:
                at = positions[err.row] if positions and err.row < len(positions) else \
                    err.row + 1 + header_rows
                where.append(f"position {at}")
        else:
            where = [name]
            if err.row is not None and "row " not in said:
                where.append(f"row {err.row + 1 + header_rows}")
            if err.column is not None and repr(err.column) not in said:
                where.append(f"column {err.column!r}")
        if said.startswith(where[0]):
            raise
        raise InputError(f"{said} ({', '.join(where)})", row=err.row,
                         column=err.column) from err


def spill(table: pd.DataFrame) -> list[list[Any]]:
    """A table as rows for Excel: header first; missing values become empty cells."""
    rows = table.astype(object).where(table.notna(), None).to_numpy().tolist()
    return [list(map(str, table.columns))] + rows


# ------------------------------------------------------------------------------ cells

def is_blank(cell: Any) -> bool:
    """An empty cell, or one holding only spaces."""
    return cell is None or (isinstance(cell, str) and not cell.strip()) or \
        (isinstance(cell, float) and math.isnan(cell))


def is_error(cell: Any) -> bool:
    """An Excel error cell (#N/A, #VALUE!, ...), as xlwings passes it with `err_to_str`.

    Only Excel's own error words: `#1001`, a Shopify order name, is an id.
    """
    return isinstance(cell, str) and cell.strip().upper() in EXCEL_ERRORS


def is_header(cell: Any) -> bool:
    """Text with a letter in it that is not a date or an error: a column title."""
    if not isinstance(cell, str) or is_blank(cell) or is_error(cell):
        return False
    return any(ch.isalpha() for ch in cell) and not _ISO_DATE.match(cell.strip())


def is_serial_date(cell: Any) -> bool:
    """A whole number in the range of Excel date numbers a shop's data can hold."""
    return isinstance(cell, int | float) and not isinstance(cell, bool) and \
        math.isfinite(cell) and float(cell).is_integer() and \
        SERIAL_DATES[0] <= cell <= SERIAL_DATES[1]


def is_serial_datetime(cell: Any) -> bool:
    """A number in the range of Excel date numbers, with or without a time of day."""
    return isinstance(cell, int | float) and not isinstance(cell, bool) and \
        math.isfinite(cell) and SERIAL_DATES[0] <= cell < SERIAL_DATES[1] + 1


def serial_to_date(serial: float) -> pd.Timestamp:
    """Excel's date number (days since 1899-12-30, fraction = time of day) as a timestamp."""
    return (EXCEL_EPOCH + pd.to_timedelta(float(serial), unit="D")).round("s")


def _number_text(text: str) -> float | None:
    clean = text.strip().replace(" ", "")
    return float(clean) if _NUMBER_TEXT.match(clean) else None


def grid(values: Any) -> list[Any]:
    """Whatever xlwings passes for a range (a cell, a row, rows) as a list of rows.

    Rows are not copied: a whole column selected (B:B) is a million of them.
    """
    if values is None:
        return []
    if isinstance(values, pd.DataFrame):  # called from Python: the header row, then the rows
        return [list(values.columns)] + values.astype(object).where(values.notna(), None) \
            .to_numpy().tolist()
    if isinstance(values, pd.Series):
        return [[v] for v in values.astype(object).where(values.notna(), None)]
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, list | tuple):
        return [[values]]
    if not values or not isinstance(values[0], list | tuple):
        return [list(values)]
    return values if isinstance(values, list) else list(values)


def _blank_row(row: Any) -> bool:
    return all(c is None or is_blank(c) for c in row)


def _trim(rows: list[Any]) -> list[list[Any]]:
    """Drop blank rows at the bottom and blank columns at the right of a selection."""
    end = len(rows)
    while end and _blank_row(rows[end - 1]):
        end -= 1
    rows = rows[:end]
    width = max((len(r) for r in rows), default=0)
    while width and all(len(r) < width or is_blank(r[width - 1]) for r in rows):
        width -= 1
    return [list(r[:width]) + [None] * (width - len(r)) for r in rows]


def _refuse_block(rows: list[list[Any]], name: str) -> None:
    if len(rows) > 1 and len(rows[0]) > 1:
        raise InputError(f"{name} is a range of {len(rows)} rows by {len(rows[0])} "
                         "columns; select a single column")


def cells_of(values: Any, name: str = "values") -> list[Any]:
    """A one-column (or one-row) range as a flat list of cells, trailing blanks kept.

    A range of several rows and columns is refused, naming the argument.
    """
    rows = grid(values)
    if len(rows) == 1:
        return list(rows[0])
    if rows and len(rows[0]) > 1:  # ranges are rectangles
        _refuse_block(_trim(rows), name)
    return [row[0] if len(row) else None for row in rows]


def _is_date_cell(cell: Any) -> bool:
    return isinstance(cell, dt.date) or is_serial_datetime(cell)


def _steady_dates(numbers: list[float]) -> bool:
    """Excel date numbers moving one way by at most a month a row: a date column, not sales.

    Oldest or newest first, with times of day or repeated days; sales of 40,000 units that
    never go back and change by at most 31 a week are not seen in a shop.
    """
    if len(numbers) < 3 or not all(is_serial_datetime(v) for v in numbers):
        return False
    steps = np.diff(np.asarray(numbers, dtype=float))
    one_way = bool(np.all(steps >= 0) or np.all(steps <= 0))
    return one_way and bool(np.all(np.abs(steps) <= 31)) and \
        np.count_nonzero(steps) >= len(steps) / 2


def _date_column(cells: list[Any]) -> bool:
    """Cells (after a possible header) that are all dates: datetimes or Excel date numbers."""
    body = [c for c in cells[1 if cells and is_header(cells[0]) else 0:] if not is_blank(c)]
    return bool(body) and (all(isinstance(c, dt.date) for c in body) or _steady_dates(body))


def _sales_cells(values: Any, name: str) -> list[Any]:
    """One column of cells; of two columns where one holds dates, the other one."""
    rows = _trim(grid(values))
    if len(rows) == 1:
        return rows[0]
    if rows and len(rows[0]) == 2:
        columns = [[r[0] for r in rows], [r[1] for r in rows]]
        dated = [_date_column(c) for c in columns]
        if dated.count(True) == 1:
            return _oldest_first(columns[dated.index(True)], columns[dated.index(False)])
    _refuse_block(rows, name)
    return [r[0] if r else None for r in rows]


def _oldest_first(dates: list[Any], values: list[Any]) -> list[Any]:
    """The values beside a date column, turned oldest first when the dates run newest first."""
    start = 1 if is_header(dates[0]) or is_header(values[0]) else 0
    days = [pd.Timestamp(c) if isinstance(c, dt.date) else serial_to_date(c)
            for c in dates[start:] if not is_blank(c)]
    if len(days) > 1 and days[0] > days[-1]:
        return values[:start] + values[start:][::-1]
    return values


def _body(cells: list[Any]) -> tuple[int, list[Any]]:
    """Skip a text header at the top (and blanks above it) and blanks after the last value.

    Returns the offset of the first cell kept and the cells kept.
    """
    first = next((i for i, c in enumerate(cells) if not is_blank(c)), len(cells))
    start = first + 1 if first < len(cells) and is_header(cells[first]) else 0
    end = len(cells)
    while end > start and is_blank(cells[end - 1]):
        end -= 1
    return start, cells[start:end]


def _number(cell: Any, name: str, position: int) -> float:
    where = f"at position {position}"
    if isinstance(cell, bool):
        raise InputError(f"{name} has TRUE/FALSE {where}; expected a number")
    if isinstance(cell, dt.date):
        raise InputError(f"{name} has the date {pd.Timestamp(cell):%Y-%m-%d} {where}; "
                         "select the column of numbers, not the dates")
    if is_error(cell):
        raise InputError(f"{name} has the error {cell.strip()} {where}; expected a number")
    if isinstance(cell, str) and _ISO_DATE.match(cell.strip()):
        raise InputError(f"{name} has the date {cell.strip()[:19]} {where}; "
                         "select the column of numbers, not the dates")
    number = _number_text(cell) if isinstance(cell, str) else cell
    if not isinstance(number, int | float) or not math.isfinite(number):
        raise InputError(f"{name} has {str(cell)[:30]!r} {where}; expected a number")
    if abs(number) > LARGEST_VALUE:
        raise InputError(f"{name} has {number:.3g} {where}; that is too large to be real")
    return float(number)


def _refuse_date_numbers(out: np.ndarray, name: str) -> None:
    """A column of Excel date numbers, rising by a day to a month, is dates, not sales."""
    if _steady_dates(out.tolist()):
        first, last = sorted((serial_to_date(out[0]), serial_to_date(out[-1])))
        raise InputError(f"{name} looks like dates ({first:%Y-%m-%d} to {last:%Y-%m-%d} "
                         "as Excel date numbers), not numbers; select the sales column")


def numbers_from(cells: list[Any], name: str, positions: list[int], *,
                 blank: float | None = 0.0) -> np.ndarray:
    """Cells as floats; blanks become `blank` (None: refused); anything else is refused.

    `positions` are the cells' 1-based places in the range, for the messages.
    """
    out = np.empty(len(cells))
    for i, (cell, position) in enumerate(zip(cells, positions, strict=True)):
        if is_blank(cell):
            if blank is None:
                raise InputError(f"{name} has an empty cell at position {position}")
            out[i] = blank
        else:
            out[i] = _number(cell, name, position)
    _refuse_date_numbers(out, name)
    return out


def column_of_numbers(values: Any, name: str, *, blank: float | None = 0.0) -> np.ndarray:
    """Read a column of numbers as people select it.

    A text header at the top is skipped; blank cells after the last number are not data;
    blanks inside become `blank` (zero sales by default; None refuses them). Of a
    two-column range where one column holds dates, the other one is read. A column of
    dates is refused.
    """
    cells = _sales_cells(values, name)
    start, body = _body(cells)
    if not body:
        raise InputError(f"{name} has no numbers")
    out = numbers_from(body, name, list(range(start + 1, start + len(body) + 1)), blank=blank)
    _refuse_total_row(out, name, start + len(body))
    return out


def _refuse_total_row(out: np.ndarray, name: str, position: int) -> None:
    """A last cell that sums every cell above it is a total row selected with the data."""
    above = out[:-1]
    if len(out) >= 4 and np.count_nonzero(above) >= 3 and out[-1] > 0 and \
            math.isclose(out[-1], above.sum(), rel_tol=1e-9):
        raise InputError(f"{name} ends with the total of the cells above it (position "
                         f"{position}); select the data without the total row")


def date_from(cell: Any, name: str, position: int) -> pd.Timestamp:
    """One date cell: an Excel date, an Excel date number, or unambiguous text."""
    where = f"at position {position}"
    if isinstance(cell, dt.date):
        return pd.Timestamp(cell)
    if is_serial_datetime(cell):
        return serial_to_date(cell)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise InputError(f"{name} has the number {cell:g} {where}, which is no date from 1990 "
                         f"to 2099 (Excel stores those as {SERIAL_DATES[0]} to {SERIAL_DATES[1]})")
    if is_error(cell):
        raise InputError(f"{name} has the error {cell.strip()} {where}; expected a date")
    text = str(cell).strip() if isinstance(cell, str) else ""
    if _ISO_DATE.match(text):
        day = pd.to_datetime(text, errors="coerce")
    else:
        with warnings.catch_warnings():  # pandas warns when a text proves day-first
            warnings.simplefilter("ignore", UserWarning)
            first = pd.to_datetime(text, errors="coerce", dayfirst=False) if text else pd.NaT
            other = pd.to_datetime(text, errors="coerce", dayfirst=True) if text else pd.NaT
        if not pd.isna(first) and first != other:
            raise InputError(f"{name} has {text[:30]!r} {where}, which could be day-first or "
                             "month-first; enter it as an Excel date or as YYYY-MM-DD")
        day = first
    if pd.isna(day):
        raise InputError(f"{name} has {str(cell)[:30]!r} {where}; expected a date")
    return pd.Timestamp(day).tz_localize(None) if pd.Timestamp(day).tzinfo else pd.Timestamp(day)


def dates_from(cells: list[Any], name: str, positions: list[int]) -> pd.Series:
    """Cells as dates (see `date_from`); a blank is refused."""
    out = []
    for cell, position in zip(cells, positions, strict=True):
        if is_blank(cell):
            raise InputError(f"{name} has an empty cell at position {position}")
        out.append(date_from(cell, name, position))
    return pd.Series(out, dtype="datetime64[ns]")


def column_of_dates(values: Any, name: str) -> pd.Series:
    """Read a column of dates as people select it (header skipped, trailing blanks dropped)."""
    start, body = _body(cells_of(values, name))
    if not body:
        raise InputError(f"{name} has no dates")
    return dates_from(body, name, list(range(start + 1, start + len(body) + 1)))


def rows_of(columns: dict[str, Any], *, typed: tuple[str, ...] = (),
            header: Callable[[dict[str, Any]], bool] | None = None,
            ) -> tuple[list[int], dict[str, list[Any]]]:
    """Same-row ranges (order ids beside products, dates beside amounts) as aligned cells.

    The ranges must cover the same number of rows. The top row is a header when a range
    named in `typed` (dates, amounts: no text expected) has text on top, or when
    `header(top row)` says so; rows blank in every range are dropped. Returns the kept
    rows' 1-based positions in the ranges and, per name, the kept cells.
    """
    cells = {name: cells_of(values, name) for name, values in columns.items()}
    sizes = {name: len(c) for name, c in cells.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{name} has {n} cells" for name, n in sizes.items())
        raise InputError(f"the ranges must cover the same rows: {listed}")
    n = next(iter(sizes.values()))
    top = {name: c[0] for name, c in cells.items()} if n else {}
    start = 1 if top and (any(is_header(top[name]) for name in typed)
                          or (header is not None and header(top))) else 0
    end = max(_last_filled(c) for c in cells.values())
    keep = [i for i in range(start, end) if not all(is_blank(c[i]) for c in cells.values())]
    if not keep:
        raise InputError(f"{' and '.join(cells)} are empty")
    return [i + 1 for i in keep], {name: [c[i] for i in keep] for name, c in cells.items()}


def _last_filled(cells: list[Any]) -> int:
    """One past the last non-blank cell."""
    end = len(cells)
    while end and (cells[end - 1] is None or is_blank(cells[end - 1])):
        end -= 1
    return end


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
    if isinstance(cell, dt.date):
        return f"{pd.Timestamp(cell):%Y-%m-%d}"
    text = str(cell).strip()
    if is_error(text):
        raise InputError(f"{name} holds the error {text}")
    return text


def table_with_header(values: Any, name: str) -> pd.DataFrame:
    """A range whose first row names the columns.

    Blank rows at the bottom and blank columns at the right are dropped, so a range
    selected with room to grow reads the same as the table. In a column whose header
    names a date (`ds`, `date`, `created_at`, `Order Date`...), Excel date numbers become
    dates.
    """
    rows = _trim(grid(values))
    if len(rows) < 2:
        raise InputError(f"{name} needs a header row and at least one row below it")
    header = [str(h).strip() if not is_blank(h) else "" for h in rows[0]]
    if "" in header:
        raise InputError(f"{name} has an empty header cell in column {header.index('') + 1}")
    table = pd.DataFrame(rows[1:], columns=header)
    for i, row in enumerate(rows[1:]):
        for col, cell in zip(header, row, strict=True):
            if isinstance(cell, int | float) and not isinstance(cell, bool) and \
                    abs(cell) > LARGEST_VALUE:
                raise InputError(f"{name} has {cell:.3g} in row {i + 2}, column {col!r}; that "
                                 "is too large to be real")
    for col in header:
        key = re.sub(r"[^a-z0-9]+", "_", col.lower()).strip("_")
        cells = [c for c in table[col] if not is_blank(c)]
        if _DATE_HEADERS.search(key) and cells and all(_is_date_cell(c) for c in cells):
            table[col] = [serial_to_date(c) if is_serial_datetime(c) else
                          (None if is_blank(c) else pd.Timestamp(c)) for c in table[col]]
    return table
