"""Read and write the CSV files of the command-line contract, checking every cell on the way in.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Literal

import click
import pandas as pd

from engine.errors import InputError

Kind = Literal["text", "number", "date"]


@dataclass(frozen=True)
class Column:
    """One expected CSV column: its kind and, when optional, the value used when it is absent."""

    kind: Kind
    required: bool = True
    default: object = None


class FileError(ValueError):
    """Bad input in a named file, pointing at the row and column a person should look at."""

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 column: str | None = None):
        self.file, self.message, self.row, self.column = file, message, row, column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


def file_name(source: str | os.PathLike | IO) -> str:
    """The name to show for a path or an open file (`<stdin>` for standard input)."""
    name = getattr(source, "name", source)
    return os.path.basename(str(name)) if name not in (None, "-") else "<stdin>"


def engine_error_in(file: str, err: InputError) -> FileError:
    """Turn an engine error about record `row` (0-based, file order) into one about the file."""
    row = None if err.row is None else int(err.row) + 2
    return FileError(file, err.message, row=row, column=err.column)


def read_table(source: str | os.PathLike | IO, columns: Mapping[str, Column]) -> pd.DataFrame:
    """Read a UTF-8 CSV with a header row and return the named columns, typed.

    Extra columns are ignored. Raises `FileError` naming the first bad cell: a missing
    column, an empty required cell, text where a number or date belongs.
    """
    name = file_name(source)
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True,
                          encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise FileError(name, "file not found") from err
    except UnicodeDecodeError as err:
        raise FileError(name, "is not UTF-8 text (save it as 'CSV UTF-8')") from err
    except pd.errors.EmptyDataError as err:
        raise FileError(name, "is empty; expected a header row") from err
    except pd.errors.ParserError as err:
        raise FileError(name, f"is not a readable CSV file ({_first_line(err)})") from err
    raw.columns = [str(c).strip() for c in raw.columns]
    table = {}
    for col, spec in columns.items():
        if col not in raw.columns:
            if spec.required:
                have = ", ".join(raw.columns) or "none"
                raise FileError(name, f"required column is missing (the header has: {have})",
                                row=1, column=col)
            table[col] = pd.Series(spec.default, index=raw.index)
            continue
        table[col] = _parse(raw[col].str.strip(), name, col, spec)
    return pd.DataFrame(table, index=raw.index)


def write_table(table: pd.DataFrame, output: str | os.PathLike | IO = "-",
                fmt: Literal["csv", "table"] = "csv") -> None:
    """Write a result table as CSV (no index) or as an aligned text table, to a path or `-`."""
    text = table.to_csv(index=False, lineterminator="\n") if fmt == "csv" else \
        table.to_string(index=False, float_format=lambda v: f"{v:,.2f}") + "\n"
    if output in ("-", None):
        click.echo(text, nl=False)
    elif hasattr(output, "write"):
        output.write(text)
    else:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def _parse(cells: pd.Series, file: str, col: str, spec: Column) -> pd.Series:
    empty = cells == ""
    if spec.required and empty.any():
        raise FileError(file, "is empty", row=_file_row(cells, empty), column=col)
    if spec.kind == "text":
        return cells.where(~empty, spec.default)
    if spec.kind == "number":
        values = pd.to_numeric(cells.str.replace(",", "", regex=False), errors="coerce")
        bad = values.isna() & ~empty
        if bad.any():
            raise FileError(file, f"{cells[bad].iloc[0]!r} is not a number",
                            row=_file_row(cells, bad), column=col)
        return values.where(~empty, spec.default).astype(float)
    values = pd.to_datetime(cells.where(~empty), errors="coerce", format="mixed")
    bad = values.isna() & ~empty
    if bad.any():
        raise FileError(file, f"{cells[bad].iloc[0]!r} is not a date (use YYYY-MM-DD)",
                        row=_file_row(cells, bad), column=col)
    return values


def _file_row(cells: pd.Series, mask: pd.Series) -> int:
    return int(cells.index[mask.to_numpy()][0]) + 2


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
