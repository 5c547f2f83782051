"""`=ORDER_PERISHABLE(A1:A200, 3.2, 1.1)`: how much to bake or prep on each of the next days."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.perishables.plan import plan_perishables
from engine.validation import whole_number
from excel_addin.cells import (
    about,
    column_of_numbers,
    grid,
    is_blank,
    never_raises,
    spill,
    table_with_header,
)

#: Headers that make `sales` a table of several items rather than one column of numbers.
TABLE_KEYS = {"unique_id", "ds", "y"}


@xw.func(category="Shelfwise")
@xw.arg("sales", ndim=2, err_to_str=True, doc="Units sold per day, oldest first (one column; "
        "blanks are 0), or a table with header unique_id, ds, y.")
@xw.arg("price", doc="Selling price of one unit.")
@xw.arg("cost", doc="What one unit costs to make or buy.")
@xw.arg("salvage", doc="What an unsold unit still brings (0).")
@xw.arg("features", ndim=2, err_to_str=True, doc="Optional: a table with a header row "
        "(temperature, rain, promotion...; a ds column for dates), one row per day of sales "
        "and running on for the days ahead.")
@xw.arg("days", doc="Days to plan (default 7, or the rows of features past the sales).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def ORDER_PERISHABLE(sales, price, cost, salvage=0, features=None, days=None):
    """What to have on the shelf each next day when leftovers are thrown away: the
    quantity, its critical ratio, expected sales, waste and lost sales, and why."""
    price, cost = _money(price, "price"), _money(cost, "cost")
    salvage = 0.0 if salvage is None or is_blank(salvage) else _money(salvage, "salvage")
    table, factors = _inputs(sales, features)
    n_ahead = None
    if factors is not None:
        n_ahead = int((factors["ds"] > table["ds"].max()).sum())
    if days is None or is_blank(days):
        days = n_ahead or 7
    days = whole_number(days, "days", low=1, high=366)
    with about("features" if factors is not None else "sales"):
        plan = plan_perishables(table, price=price, cost=cost, salvage=salvage,
                                features=factors, days=days)
    plan["ds"] = plan["ds"].dt.strftime("%Y-%m-%d")
    if table["unique_id"].nunique() == 1 and (table["unique_id"] == "sales").all():
        plan = plan.drop(columns="unique_id")
    return spill(plan.round(2))


def _money(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value \
            or value < 0:
        raise InputError(f"{name} must be a number of at least 0, got {value!r}")
    return float(value)


def _inputs(sales, features) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The sales table (`unique_id, ds, y`) and the features with dates.

    One column of sales has no dates: they come from the `ds` column of `features`, else
    the last row is taken to be yesterday.
    """
    rows = grid(sales)
    top = {str(c).strip().lower() for c in (rows[0] if rows else [])}
    factors = table_with_header(features, "features") if _given(features) else None
    if factors is not None:
        factors.columns = [str(c).strip() for c in factors.columns]
    if {"ds", "y"} <= top:
        table = table_with_header(sales, "sales")
        if "unique_id" not in table:
            table["unique_id"] = "sales"
        if factors is not None and "ds" not in factors:
            raise InputError("features need a ds column when sales is a table with dates")
        return table, factors
    y = column_of_numbers(sales, "sales")
    n = len(y)
    if factors is not None and "ds" in factors:
        dates = pd.to_datetime(factors["ds"], errors="coerce")
        if dates.isna().any():
            bad = int(dates.isna().to_numpy().argmax())
            raise InputError(f"features has {factors['ds'].iloc[bad]!r} in ds at row "
                             f"{bad + 2}; expected a date")
        if len(dates) < n:
            raise InputError(f"features has {len(dates)} rows, fewer than the {n} days of sales")
        days = pd.DatetimeIndex(dates)
    else:
        yesterday = pd.Timestamp(dt.date.today()) - pd.Timedelta(days=1)
        extra = 0 if factors is None else max(len(factors) - n, 0)
        days = pd.date_range(end=yesterday, periods=n).append(
            pd.date_range(yesterday + pd.Timedelta(days=1), periods=extra))
        if factors is not None:
            if len(factors) < n:
                raise InputError(f"features has {len(factors)} rows, fewer than the {n} days "
                                 "of sales")
            factors = factors.assign(ds=days[:len(factors)])
    table = pd.DataFrame({"unique_id": "sales", "ds": days[:n], "y": y})
    return table, factors


def _given(values) -> bool:
    return values is not None and not all(is_blank(c) for row in grid(values) for c in row)
