"""The one error the engine raises for bad input, naming the row and column at fault."""

from __future__ import annotations


class InputError(ValueError):
    """Input the engine cannot use.

    Parameters
    ----------
    message : str
        What is wrong, in a short sentence a shop owner can act on.
    row : int or None
        Zero-based position of the offending record in the input, when one is at fault.
    column : str or None
        Name of the offending column, when one is at fault.
    """

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message
