"""A long sales table laid out as a right-aligned panel: the shape every forecaster reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

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
    returns: pd.Series | None = None
    partial_periods: str = ""


def sales_panel(sales: pd.DataFrame, *, freq: str | None = None, id_col: str = "unique_id",
                time_col: str = "ds", target_col: str = "y", signed: bool = True,
                whole_periods: bool = False) -> SalesPanel:
    """Check a long sales table (`unique_id, ds, y`) and lay it out as a panel.

    Several rows for one period are summed; periods absent after a series' first sale are
    zero sales. `freq` is inferred from the dates when absent. Bad cells raise
    `InputError` naming the row (the table's index label) and column.

    With `signed=False`, negative rows are returns: they are left out of the sales (never
    subtracted) and their units are summed per series in `returns`. With
    `whole_periods=True`, when `freq` groups finer dates (days into weeks or months), an
    incomplete first or last period of the table is dropped and named in
    `partial_periods`, so that no period counts part of its days as a whole.
    """
    table = _checked(sales, id_col, time_col, target_col)
    freq = freq or calendar.infer_frequency(table["ds"])
    returns = None
    if not signed:
        returned = -table["y"].clip(upper=0)
        returns = returned.groupby(table["unique_id"]).sum()
        table["y"] = table["y"].clip(lower=0)
    note = ""
    if whole_periods:
        table, note = _whole_periods(table, freq)
    periods = calendar.snap_to_periods(table["ds"], freq)
    grid = calendar.period_grid(periods.min(), periods.max(), freq)
    pos = grid.get_indexer(periods)
    if (pos < 0).any():
        raise InputError(f"dates do not fall on a regular {freq} calendar", column=time_col)
    codes, ids = pd.factorize(table["unique_id"], sort=True)
    panel = np.zeros((len(ids), len(grid)))
    np.add.at(panel, (codes, pos), table["y"].to_numpy())
    sold = panel != 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), len(grid) - 1)
    panel[np.arange(len(grid))[None, :] < first[:, None]] = np.nan  # not yet listed
    ids = np.asarray(ids, dtype=str)
    if returns is not None:
        returns = returns.reindex(ids, fill_value=0.0)
    return SalesPanel(ids, panel, grid[-1], freq, returns, note)


def _whole_periods(table: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, str]:
    """Drop the table's first and last period when its dates cover only part of them."""
    try:
        native = calendar.infer_frequency(table["ds"])
    except InputError:
        return table, ""
    if not calendar.is_finer(native, freq):
        return table, ""
    step = to_offset(native)
    first, last = table["ds"].min(), table["ds"].max()
    labels = calendar.snap_to_periods(pd.Series([first - step, first, last, last + step]), freq)
    periods = calendar.snap_to_periods(table["ds"], freq)
    dropped, keep = [], pd.Series(True, index=table.index)
    if labels[0] == labels[1]:
        keep &= periods != labels[1]
        dropped.append(f"the first ({labels[1].date()}, data from {first.date()})")
    if labels[2] == labels[3]:
        keep &= periods != labels[2]
        dropped.append(f"the last ({labels[2].date()}, data to {last.date()})")
    if not dropped:
        return table, ""
    if not keep.any():
        return table, ("every period is incomplete; forecast from the partial periods as "
                       "they are")
    return table[keep], (f"Left out incomplete {' and '.join(dropped)} {freq} period: "
                         "the forecast covers whole periods.")


def _checked(sales: pd.DataFrame, id_col: str = "unique_id", time_col: str = "ds",
             target_col: str = "y") -> pd.DataFrame:
    """The contract columns, typed; the first bad cell raises with its row and column."""
    missing = [col for col in (id_col, time_col, target_col) if col not in sales.columns]
    if missing:
        raise InputError("required column is missing" if len(missing) == 1 else
                         f"required columns are missing: {', '.join(missing)}",
                         column=missing[0] if len(missing) == 1 else None)
    table = sales[[id_col, time_col, target_col]].copy()
    table.columns = ["unique_id", "ds", "y"]
    if table.empty:
        raise InputError("no sales rows")
    table["unique_id"] = table["unique_id"].astype(str)
    if not pd.api.types.is_datetime64_any_dtype(table["ds"]):
        parsed = pd.to_datetime(table["ds"], errors="coerce", format="mixed")
        _first_bad(parsed.isna(), table["ds"], time_col, "is not a date")
        table["ds"] = parsed
    _first_bad(table["ds"].isna(), table["ds"], time_col, "is empty")
    y = pd.to_numeric(table["y"], errors="coerce").astype(float)
    _first_bad(~np.isfinite(y), table["y"], target_col, "is not a number")
    table["y"] = y
    return table


def _first_bad(bad: pd.Series, cells: pd.Series, column: str, message: str) -> None:
    if bad.any():
        row = bad.index[bad.to_numpy()][0]
        raise InputError(f"{cells[row]!r} {message}", row=row, column=column)
