"""Reorder plans from a sales history and an items table: the one entry point for every surface."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar, sales_panel
from engine.inventory.demand import DemandForecast, forecast_demand, periods_per_year
from engine.inventory.eoq import economic_order_quantity, round_order_quantity
from engine.inventory.leadtime import cumulative, lead_time_demand
from engine.inventory.policy import ReorderPolicy
from engine.validation import finite_values

#: A stock-out further away than this is no stock-out in sight (no date is given).
STOCKOUT_HORIZON_DAYS = 3 * 365

#: ITEMS columns: default when absent (None: required).
ITEM_DEFAULTS = {
    "unique_id": None, "on_hand": None, "lead_time": None, "on_order": 0.0, "lead_time_sd": 0.0,
    "unit_cost": np.nan, "order_cost": np.nan, "holding_rate": np.nan, "service_level": 0.95,
    "moq": 1.0, "pack_size": 1.0,
}
#: Longest lead time planned for, in periods (a longer one is a typing error, and the forecast
#: over it would not fit in memory).
MAX_LEAD_TIME = 10_000
#: (column, lowest allowed, whether the lowest itself is allowed)
_BOUNDS = (("on_order", 0, True), ("lead_time", 0, True), ("lead_time_sd", 0, True),
           ("unit_cost", 0, True), ("order_cost", 0, True), ("holding_rate", 0, False),
           ("moq", 0, True), ("pack_size", 0, False))
PLAN_COLUMNS = ["unique_id", "mean_demand", "safety_stock", "reorder_point", "order_quantity",
                "order_now", "fill_rate", "cycle_service_level", "demand_per_period",
                "days_of_cover", "stockout_date", "distribution", "model"]


def check_items(items: pd.DataFrame) -> pd.DataFrame:
    """Validate an items table and fill optional columns with their defaults.

    Raises `InputError` naming the 0-based row and the column of the first bad cell.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(items)))
    for col, default in ITEM_DEFAULTS.items():
        if col not in items.columns:
            if default is None:
                raise InputError("required column is missing", column=col)
            out[col] = default
            continue
        cells = items[col].reset_index(drop=True)
        if col == "unique_id":
            out[col] = cells.astype(str).str.strip()
            _first(cells.isna().to_numpy() | (out[col] == "").to_numpy(), col, "is empty")
            continue
        values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        blank = cells.isna().to_numpy() | (cells.astype(str).str.strip() == "").to_numpy()
        _first(np.isnan(values) & ~blank, col, f"{cells[np.isnan(values) & ~blank].iloc[0]!r} "
               "is not a number" if (np.isnan(values) & ~blank).any() else "")
        if default is None:
            _first(np.isnan(values), col, "is empty")
        out[col] = np.where(np.isnan(values), default if default is not None else np.nan, values)
        _first(np.isinf(out[col].to_numpy()), col, "must be a finite number")
    for col, low, inclusive in _BOUNDS:
        v = out[col].to_numpy()
        bad = (v < low) if inclusive else (v <= low)
        _first(bad, col, f"must be {'at least' if inclusive else 'more than'} {low}")
    for col in ("lead_time", "lead_time_sd"):
        _first(out[col].to_numpy() > MAX_LEAD_TIME, col, f"must be at most {MAX_LEAD_TIME:,} "
               "periods")
    sl = out["service_level"].to_numpy()
    _first((sl <= 0) | (sl >= 1), "service_level", "must be between 0 and 1 (e.g. 0.95)")
    _first(out["unique_id"].duplicated().to_numpy(), "unique_id", "appears twice")
    if out.empty:
        raise InputError("no items to plan")
    return out


def plan_reorders(sales: pd.DataFrame, items: pd.DataFrame, *, freq: str | None = None,
                  season_length: int | None = None, as_of=None, review_period: float = 0,
                  measure: str = "fill_rate",
                  on_progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Safety stock, reorder point and order quantity for every item.

    Parameters
    ----------
    sales : DataFrame
        `unique_id, ds, y`: units sold (the forecast input format).
    items : DataFrame
        `unique_id, on_hand, lead_time` (periods of the sales), optional `on_order`,
        `lead_time_sd`, `unit_cost`, `order_cost`, `holding_rate` (per year),
        `service_level` (target fill rate, 0.95), `moq`, `pack_size`.
    freq : str, optional
        pandas offset alias of the sales periods; inferred when absent.
    season_length : int, optional
        Periods per season; the usual one for the frequency by default.
    as_of : date-like, optional
        The date of the stock counts in `items`; by default the period after the last sale.
    review_period : float, default=0
        0: continuous review (s, Q). R > 0: order up to S every R periods.
    measure : {"fill_rate", "cycle"}, default="fill_rate"
        What `service_level` means: share of units served from stock, or chance of no
        stock-out per order cycle.
    on_progress : callable, optional
        Called with the number of items planned after each forecast group.

    Returns
    -------
    DataFrame
        One row per item, columns `PLAN_COLUMNS`: `mean_demand` is the expected demand
        over the lead time (plus review period), `reorder_point = mean_demand +
        safety_stock`, `order_now` what to order today, `fill_rate` the policy's expected
        fill rate, `days_of_cover` and `stockout_date` from stock on hand alone.
    """
    from engine.perishables.reorder import newsvendor_rows, perishable_flags  # sklearn: lazy

    raw_items, perishable = items, perishable_flags(items)
    items = check_items(items)
    history = sales_panel(sales, freq=freq)
    m = int(season_length) if season_length else calendar.season_length_for(history.freq)
    where = pd.Index(history.ids).get_indexer(items["unique_id"])
    horizon = np.maximum(np.ceil(items["lead_time"].to_numpy() + review_period), 1).astype(int)
    n, width = len(items), int(horizon.max())
    demand = DemandForecast(np.zeros((n, width)), np.zeros(n), np.ones(n, bool),
                            np.full(n, "no sales history", dtype=object), np.zeros(n))
    ppy = periods_per_year(history.freq)
    for h in np.unique(horizon):
        rows = np.flatnonzero((horizon == h) & (where >= 0))
        if rows.size:
            fc = forecast_demand(history.panel[where[rows]], int(h), season_length=m,
                                 year=round(ppy))
            demand.mean[rows, :h] = fc.mean
            demand.mean[rows, h:] = fc.mean[:, -1:]
            demand.var[rows], demand.counts[rows], demand.model[rows] = fc.var, fc.counts, fc.model
            demand.yearly_rate[rows] = fc.yearly_rate
        if on_progress:
            on_progress(int((horizon == h).sum()))
    as_of = pd.Timestamp(as_of) if as_of is not None else \
        calendar.future_periods(history.last, 1, history.freq)[0]
    plan = plan_from_forecast(items, demand, periods_year=ppy, as_of=as_of,
                              review_period=review_period, measure=measure)
    # perishable items (issue 15): tomorrow's newsvendor quantity, not an (s, Q) order
    return newsvendor_rows(plan, sales, raw_items, perishable, freq=history.freq)


def plan_from_forecast(items: pd.DataFrame, demand: DemandForecast, *, periods_year: float,
                       as_of=None, review_period: float = 0,
                       measure: str = "fill_rate") -> pd.DataFrame:
    """The plan of `plan_reorders` from checked items and their demand forecasts (row-aligned)."""
    L, sd = items["lead_time"].to_numpy(), items["lead_time_sd"].to_numpy()
    rate = np.array([cumulative(p, max(L[i], 1.0)) / max(L[i], 1.0)
                     for i, p in enumerate(demand.mean)])
    yearly = rate if demand.yearly_rate is None else demand.yearly_rate
    q = order_quantities(items, yearly * periods_year, fallback=rate * np.maximum(L, 1.0))
    lead = [lead_time_demand(demand.mean[i], demand.var[i], L[i], lead_time_sd=sd[i],
                             discrete=bool(demand.counts[i])) for i in range(len(items))]
    # (s, Q) is checked once a period of the sales data; order-up-to every `review_period`
    r = review_period if review_period > 0 else 1.0
    cycle = [lead_time_demand(demand.mean[i], demand.var[i], L[i] + r, lead_time_sd=sd[i],
                              discrete=bool(demand.counts[i])) for i in range(len(items))]
    review = np.array([c.mean - d.mean for c, d in zip(cycle, lead, strict=True)])
    policy = ReorderPolicy(measure=measure, review_period=r, order_up_to=review_period > 0)
    policy.fit(lead, q, cycle_demand=cycle, review_demand=review,
               service_level=items["service_level"].to_numpy())
    on_hand = items["on_hand"].to_numpy()
    order_now = policy.order(on_hand + items["on_order"].to_numpy(),
                             moq=items["moq"].to_numpy(), pack_size=items["pack_size"].to_numpy())
    cover = np.array([_cover(p, h) for p, h in zip(demand.mean, on_hand, strict=True)])
    days = np.where(np.isfinite(cover), cover * 365.25 / periods_year, np.nan)
    plan = pd.DataFrame({
        "unique_id": items["unique_id"].to_numpy(),
        "mean_demand": policy.mean_demand_, "safety_stock": policy.safety_stock_,
        "reorder_point": policy.reorder_point_, "order_quantity": q, "order_now": order_now,
        "fill_rate": policy.fill_rate_, "cycle_service_level": policy.cycle_service_level_,
        "demand_per_period": rate, "days_of_cover": days,
    })
    plan["stockout_date"] = pd.Series(pd.NaT, index=plan.index, dtype="datetime64[ns]")
    if as_of is not None:
        start = pd.Timestamp(as_of).normalize()
        in_sight = np.isfinite(days) & (days <= STOCKOUT_HORIZON_DAYS)
        plan.loc[in_sight, "stockout_date"] = start + pd.to_timedelta(
            np.floor(days[in_sight]), "D")
    plan["distribution"] = [d.kind for d in lead]
    plan["model"] = demand.model
    return plan[PLAN_COLUMNS]


def order_quantities(items: pd.DataFrame, annual_demand: np.ndarray,
                     fallback: np.ndarray) -> np.ndarray:
    """EOQ where order cost, unit cost and holding rate are all given, else `fallback`;
    then rounded up to whole packs and at least the MOQ."""
    k, c, r = (items[col].to_numpy() for col in ("order_cost", "unit_cost", "holding_rate"))
    priced = ~(np.isnan(k) | np.isnan(c) | np.isnan(r)) & (c * r > 0)
    eoq = economic_order_quantity(annual_demand[priced], k[priced], (c * r)[priced])
    wanted = fallback.astype(float).copy()
    wanted[priced] = eoq
    return round_order_quantity(wanted, items["moq"].to_numpy(), items["pack_size"].to_numpy())


def _cover(path: np.ndarray, stock: float) -> float:
    """Periods until cumulative forecast demand uses up `stock` (inf when it never does)."""
    if stock <= 0:
        return 0.0
    rate = path[-1]
    total = np.cumsum(path)
    if total[-1] >= stock:
        k = int(np.searchsorted(total, stock))
        before = total[k - 1] if k else 0.0
        return k + (stock - before) / path[k]
    return np.inf if rate <= 0 else path.size + (stock - total[-1]) / rate


def _first(bad: np.ndarray, column: str, message: str) -> None:
    if np.any(bad):
        row = int(np.flatnonzero(bad)[0])
        raise InputError(message, row=row, column=column)


def plan_values(values, lead_time: float, *, service_level: float = 0.95,
                lead_time_sd: float = 0.0, season_length: int = 0) -> pd.Series:
    """The plan of one undated series of consecutive periods (an Excel column of sales).

    Missing values count as zero sales; the order quantity is the lead-time demand (no
    costs are known); `season_length=0` detects the season. Returns one `PLAN_COLUMNS` row.
    """
    y = np.nan_to_num(finite_values(values, "sales"), nan=0.0)
    sold = np.flatnonzero(y != 0)
    y = y[sold[0]:] if sold.size else y
    if len(y) < 3:
        raise InputError(f"need at least 3 periods of sales after the first sale, got {len(y)}")
    items = check_items(pd.DataFrame({"unique_id": ["sales"], "on_hand": [0.0],
                                      "lead_time": [lead_time], "lead_time_sd": [lead_time_sd],
                                      "service_level": [service_level]}))
    m = int(season_length) if season_length else calendar.detect_season_length(y)
    fc = forecast_demand(y[None, :], max(int(np.ceil(lead_time)), 1) + 1, season_length=m)
    return plan_from_forecast(items, fc, periods_year=365.25).iloc[0]
