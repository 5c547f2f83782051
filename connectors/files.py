"""The file error every reader raises, file names, and writing result tables.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
Reading lives in `connectors.readers` (every export layout, one reading rule).
"""

from __future__ import annotations

import os
from typing import IO, Literal

import click
import pandas as pd

from engine.errors import InputError


class FileError(ValueError):
    """Bad input in a named file, pointing at the row and column a person should look at."""

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 column: str | None = None):
        self.file, self.message, self.row, self.column = file, message, row, column
        super().__init__(str(self))

    row_word, column_word = "row", "column"  # how the place is named (JSON Lines: line, field)

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"{self.row_word} {self.row}")
        if self.column is not None:
            where.append(f"{self.column_word} {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


def file_name(source: str | os.PathLike | IO) -> str:
    """The name to show for a path or an open file (`<stdin>` for standard input)."""
    name = getattr(source, "name", source)
    return os.path.basename(str(name)) if name not in (None, "-") else "<stdin>"


def engine_error_in(file: str, err: InputError) -> FileError:
    """Turn an engine error about record `row` (0-based, file order) into one about the file."""
    row = None if err.row is None else int(err.row) + 2
    return FileError(file, err.message, row=row, column=err.column)


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


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
