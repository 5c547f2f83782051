"""A long sales table laid out as a right-aligned panel: the shape every forecaster reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar


@dataclass(frozen=True)
class SalesPanel:
    """Sales per series and period: NaN before a series' first sale, zero where nothing sold.

    Every series ends at `last`, the last period of the whole table: a table is one
    export, so a series without recent sales sold nothing lately.
    """

    ids: np.ndarray
    panel: np.ndarray
    last: pd.Timestamp
    freq: str


def sales_panel(sales: pd.DataFrame, *, freq: str | None = None) -> SalesPanel:
    """Check a long sales table (`unique_id, ds, y`) and lay it out as a panel.

    Several rows for one period are summed; periods absent after a series' first sale are
    zero sales. `freq` is inferred from the dates when absent. Bad cells raise
    `InputError` naming the row (the table's index label) and column.
    """
    table = _checked(sales)
    freq = freq or calendar.infer_frequency(table["ds"])
    periods = calendar.snap_to_periods(table["ds"], freq)
    grid = calendar.period_grid(periods.min(), periods.max(), freq)
    pos = grid.get_indexer(periods)
    if (pos < 0).any():
        raise InputError(f"dates do not fall on a regular {freq} calendar", column="ds")
    codes, ids = pd.factorize(table["unique_id"], sort=True)
    panel = np.zeros((len(ids), len(grid)))
    np.add.at(panel, (codes, pos), table["y"].to_numpy())
    sold = panel != 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), len(grid) - 1)
    panel[np.arange(len(grid))[None, :] < first[:, None]] = np.nan  # not yet listed
    return SalesPanel(np.asarray(ids, dtype=str), panel, grid[-1], freq)


def _checked(sales: pd.DataFrame) -> pd.DataFrame:
    """The contract columns, typed; the first bad cell raises with its row and column."""
    for col in ("unique_id", "ds", "y"):
        if col not in sales.columns:
            raise InputError("required column is missing", column=col)
    table = sales[["unique_id", "ds", "y"]].copy()
    if table.empty:
        raise InputError("no sales rows")
    table["unique_id"] = table["unique_id"].astype(str)
    if not pd.api.types.is_datetime64_any_dtype(table["ds"]):
        parsed = pd.to_datetime(table["ds"], errors="coerce", format="mixed")
        _first_bad(parsed.isna(), table["ds"], "ds", "is not a date")
        table["ds"] = parsed
    _first_bad(table["ds"].isna(), table["ds"], "ds", "is empty")
    y = pd.to_numeric(table["y"], errors="coerce").astype(float)
    _first_bad(~np.isfinite(y), table["y"], "y", "is not a number")
    table["y"] = y
    return table


def _first_bad(bad: pd.Series, cells: pd.Series, column: str, message: str) -> None:
    if bad.any():
        row = bad.index[bad.to_numpy()][0]
        raise InputError(f"{cells[row]!r} {message}", row=row, column=column)
