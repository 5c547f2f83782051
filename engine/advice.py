"""A shop's advice from plain tables: every decision Shelfwise makes, in one call.

`advise` is what the command line (``shelfwise advise``), the Excel ``ADVICE`` function and
the Shopify app's recommend job all run, so the three show the same numbers. It reads no
file, no clock and no web: tables and the date come in as arguments.

Every item is forecast once. The forecast table and the reorder plan come from that one
fit: ``forecast_30_days`` and ``reorder_point`` of an item are two readings of the same
model, named in the ``model`` column of both tables.

Examples
--------
>>> import numpy as np
>>> days = pd.date_range("2024-01-01", periods=120, freq="D")
>>> rng = np.random.default_rng(0)
>>> sales = pd.DataFrame({"unique_id": np.repeat(["tea", "mug"], 120),
...                       "ds": np.tile(days, 2), "y": rng.poisson(3.0, 240)})
>>> stock = pd.DataFrame({"unique_id": ["tea", "mug"], "on_hand": [40, 5]})
>>> advice = advise(sales, stock, as_of="2024-04-30", lead_time=7)
>>> advice.forecast.columns.tolist()
['unique_id', 'ds', 'forecast', 'lo_80', 'hi_80', 'lo_95', 'hi_95', 'model']
>>> plan = advice.reorder.set_index("unique_id")
>>> bool(plan.loc["mug", "order_now"] > 0), bool(plan.loc["tea", "reorder_point"] > 0)
(True, True)
>>> month = advice.forecast.groupby("unique_id")["forecast"].sum()
>>> bool(np.allclose(plan["forecast_30_days"], month[plan.index]))
True
>>> models = advice.forecast.groupby("unique_id")["model"].first()
>>> bool((models[plan.index] == plan["model"]).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.anomalies import checked_country, detect_anomalies
from engine.errors import InputError
from engine.forecasting import AutoForecaster, calendar, sales_panel
from engine.fraud import FraudScorer, order_frame
from engine.inventory import check_items, plan_from_forecast
from engine.inventory.demand import DemandForecast, periods_per_year
from engine.segments import segment_customers
from engine.upsell import UpsellRecommender
from engine.validation import fraction, number, timestamp, whole_number

FORECAST_COLUMNS = ("unique_id", "ds", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model")
"""`Advice.forecast`: daily units per item and day ahead, with 80 % and 95 % intervals."""
REORDER_COLUMNS = ("unique_id", "mean_demand", "safety_stock", "reorder_point",
                   "order_quantity", "order_now", "fill_rate", "cycle_service_level",
                   "demand_per_period", "days_of_cover", "stockout_date", "distribution",
                   "model", "on_hand", "forecast_30_days")
"""`Advice.reorder`: one row per item with sales (units, except days and dates)."""
UPSELL_COLUMNS = ("product_id", "rank", "recommended_id", "score", "support", "confidence",
                  "lift", "orders_together", "why")
"""`Advice.upsell`: companions per product, rank 1 best, with a sentence saying why."""
FRAUD_COLUMNS = ("order_id", "score", "risk_level", "reasons")
"""`Advice.fraud`: the recent orders, oldest first, with their risk."""
ANOMALY_COLUMNS = ("ds", "amount", "expected", "score", "reason")
"""`Advice.anomalies`: the unusual days of revenue, newest first."""
REVENUE_COLUMNS = ("ds", "amount")
"""`Advice.revenue`: revenue per day over the window the anomalies are judged on."""

FORECAST_DAYS = 30  # forecast_30_days: the variant metafield of the Shopify app
FRAUD_HISTORY = 2000  # orders the fraud model learns from (as the app's webhook model)
LEVELS = (80, 95)


@dataclass(frozen=True)
class Advice:
    """Every decision for one shop on one day; each table has its documented columns.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day the advice is for; data from this day on is not used.
    forecast : pandas.DataFrame
        `FORECAST_COLUMNS`: ``horizon`` rows per item, ``model`` the model in plain words.
    reorder : pandas.DataFrame
        `REORDER_COLUMNS`: the plan of `engine.inventory.plan_from_forecast` made from
        `forecast`'s own fit, then ``on_hand`` and ``forecast_30_days`` (the forecast's
        sum over the next 30 days); ``model`` is the model of `forecast`.
    upsell : pandas.DataFrame
        `UPSELL_COLUMNS` (`engine.upsell.UpsellRecommender`).
    fraud : pandas.DataFrame
        `FRAUD_COLUMNS` for the most recent orders (`engine.fraud.FraudScorer`).
    segments : pandas.DataFrame
        One row per customer (`engine.segments.segment_customers`): ``customer_id``,
        ``recency_days``, ``frequency``, ``monetary``, R/F/M scores, ``segment``,
        ``shopify_rfm_group``, ``p_alive``, ``expected_purchases`` (next 90 days).
    anomalies : pandas.DataFrame
        `ANOMALY_COLUMNS`: days whose revenue was out of line (`engine.anomalies`);
        ``expected`` is the revenue such a day typically has.
    revenue : pandas.DataFrame
        `REVENUE_COLUMNS`: the daily revenue the anomalies were looked for in.
    notes : tuple of str
        Why a table is empty (too few orders, customers or days), one sentence each.
    """

    as_of: pd.Timestamp
    forecast: pd.DataFrame
    reorder: pd.DataFrame
    upsell: pd.DataFrame
    fraud: pd.DataFrame
    segments: pd.DataFrame
    anomalies: pd.DataFrame
    revenue: pd.DataFrame
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The decisions by name, in the order a report shows them."""
        return {"reorder": self.reorder, "forecast": self.forecast, "upsell": self.upsell,
                "segments": self.segments, "anomalies": self.anomalies,
                "revenue": self.revenue, "fraud": self.fraud}


def advise(sales: pd.DataFrame, stock: pd.DataFrame | None = None,
           orders: pd.DataFrame | None = None, *, lines: pd.DataFrame | None = None,
           fraud_orders: pd.DataFrame | None = None, as_of: Any = None,
           lead_time: float = 7.0, horizon: int = FORECAST_DAYS, service_level: float = 0.95,
           companions: int = 5, recent_orders: int = 20,
           fraud_scorer: FraudScorer | None = None, revenue_days: int = 112,
           min_customers: int = 10, country: str | None = None) -> Advice:
    """Forecast, reorder plan, upsell pairs, order risk, segments and unusual days.

    Parameters
    ----------
    sales : pandas.DataFrame
        Daily units sold per item: ``unique_id, ds, y``. Every item's history runs to the
        day before `as_of` (days without a row sold nothing); negative rows are returns
        and are left out.
    stock : pandas.DataFrame, optional
        ``unique_id, on_hand`` and any items column of `engine.inventory.plan_reorders`
        (``lead_time`` in days, ``on_order``, ``service_level``, ``moq``, ``pack_size``,
        costs). Items absent from it have nothing on hand.
    orders : pandas.DataFrame, optional
        One row per order: ``customer_id, created_at, amount``, for the customer segments
        and the daily revenue.
    lines : pandas.DataFrame, optional
        Order lines ``order_id, product_id`` (optional ``created_at``, ``quantity``,
        ``product_title``), for the upsell pairs.
    fraud_orders : pandas.DataFrame, optional
        The fraud engine's order frame (`engine.fraud.ORDER_COLUMNS`); the latest
        `recent_orders` are scored against up to `FRAUD_HISTORY` orders before them.
    as_of : date-like, optional
        The day of the advice (stock counted that morning); the day after the last sale
        by default. Nothing dated on or after it is used.
    lead_time : float, default=7
        Days from ordering to receiving, for items whose `stock` row gives none.
    horizon : int, default=30
        Days ahead in `Advice.forecast`.
    service_level : float, default=0.95
        Target fill rate, for items whose `stock` row gives none.
    companions : int, default=5
        Upsell companions per product.
    recent_orders : int, default=20
        Orders scored for fraud.
    fraud_scorer : FraudScorer, optional
        A fitted model to score with instead of fitting one on the history.
    revenue_days : int, default=112
        Days of revenue the unusual days are looked for in (16 weeks).
    min_customers : int, default=10
        Fewest customers worth segmenting.
    country : str, optional
        ISO country code of the shop (``US``, ``GB``, ``DE``; ``DE-BY`` for a state): its
        public holidays explain days of revenue out of line (`engine.anomalies`), so such a
        day is not in `Advice.anomalies`. A code the ``holidays`` package does not know is
        a note, and the days are judged without holidays.

    Returns
    -------
    Advice

    Raises
    ------
    InputError
        For a bad argument or an unreadable sales or stock table. A decision the data
        cannot support (too few orders) is an empty table with a note instead.
    """
    notes: list[str] = []
    as_of = None if as_of is None else timestamp(as_of, "as_of").normalize()
    fc, plan, as_of = forecast_and_plan(
        sales, stock, as_of=as_of, lead_time=number(lead_time, "lead_time", low=0),
        horizon=whole_number(horizon, "horizon"),
        service_level=fraction(service_level, "service_level"))
    upsell = _upsell(lines, as_of, whole_number(companions, "companions"), notes)
    fraud = _fraud(fraud_orders, as_of, whole_number(recent_orders, "recent_orders"),
                   fraud_scorer)
    segments = _segments(orders, as_of, whole_number(min_customers, "min_customers"), notes)
    revenue = daily_revenue(orders, as_of, whole_number(revenue_days, "revenue_days"))
    anomalies = _anomalies(revenue, country, notes)
    return Advice(as_of, fc, plan, upsell, fraud, segments, anomalies, revenue, tuple(notes))


def forecast_and_plan(sales: pd.DataFrame, stock: pd.DataFrame | None, *,
                      as_of: pd.Timestamp | None, lead_time: float, horizon: int,
                      service_level: float = 0.95
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """One forecast of every item and the reorder plan made from it: (forecast, plan, as_of).

    The forecaster is fitted once, on a horizon long enough for the forecast table, the
    30-day total and the longest lead time; the plan reads its demand path, error
    variance and model (`engine.inventory.plan_from_forecast`).
    """
    sales = _daily_sales(sales, as_of)
    as_of = sales["ds"].max() + pd.Timedelta(days=1) if as_of is None else as_of
    panel = sales_panel(sales, freq="D", signed=False)
    items = _items(stock, panel.ids, lead_time, service_level)
    width = max(horizon, FORECAST_DAYS, int(math.ceil(items["lead_time"].max())) + 1)
    model = AutoForecaster(width, season_length=calendar.season_length_for("D"))
    model.fit(panel.panel)
    out = model.predict(horizon, level=list(LEVELS))
    dates = calendar.future_periods(panel.last, horizon, "D")
    fc = pd.DataFrame({"unique_id": np.repeat(panel.ids, horizon),
                       "ds": np.tile(dates.to_numpy(), len(panel.ids)),
                       "forecast": out["mean"].ravel()})
    for lv in LEVELS:
        fc[f"lo_{lv}"], fc[f"hi_{lv}"] = out[f"lo_{lv}"].ravel(), out[f"hi_{lv}"].ravel()
    names = np.asarray(model.models_, dtype=object)
    fc["model"] = np.repeat(names, horizon)
    with np.errstate(all="ignore"):
        yearly = np.nan_to_num(np.nanmean(panel.panel[:, -365:], axis=1))
    demand = DemandForecast(model.mean_, np.asarray(model.residual_var_, dtype=float),
                            np.asarray(model.counts_, dtype=bool), names, yearly)
    plan = plan_from_forecast(items, demand, periods_year=periods_per_year("D"), as_of=as_of)
    plan["on_hand"] = items["on_hand"].to_numpy()
    plan["forecast_30_days"] = model.mean_[:, :FORECAST_DAYS].sum(axis=1)
    return fc, plan[list(REORDER_COLUMNS)], as_of


def daily_revenue(orders: pd.DataFrame | None, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """Revenue per day over the `days` before `as_of` (zero on days without orders)."""
    grid = pd.date_range(as_of - pd.Timedelta(days=days), as_of - pd.Timedelta(days=1),
                         freq="D")
    if orders is None or orders.empty:
        return pd.DataFrame({"ds": grid[:0], "amount": np.zeros(0)})
    table = _checked(orders, ("created_at", "amount"), "created_at", "amount")
    daily = table.groupby(table["created_at"].dt.normalize())["amount"].sum()
    return pd.DataFrame({"ds": grid, "amount": daily.reindex(grid, fill_value=0.0).to_numpy()})


# --- the steps ----------------------------------------------------------------------------

def _daily_sales(sales: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Sales before `as_of`, the day before `as_of` present (every series ends there)."""
    table = _checked(sales, ("unique_id", "ds", "y"), "ds", "y")
    if as_of is None:
        return table
    table = table[table["ds"] < as_of]
    if table.empty:
        raise InputError(f"no sales before {as_of.date()}", column="ds")
    end = as_of - pd.Timedelta(days=1)
    if table["ds"].max() < end:
        pad = pd.DataFrame({"unique_id": [table["unique_id"].iloc[0]], "ds": [end], "y": [0.0]})
        table = pd.concat([table, pad], ignore_index=True)
    return table


def _items(stock: pd.DataFrame | None, ids: np.ndarray, lead_time: float,
           service_level: float) -> pd.DataFrame:
    """The checked items table of the items with sales, in the panel's order."""
    items = pd.DataFrame({"unique_id": pd.Index(ids).astype(str)})
    if stock is not None:
        missing = [c for c in ("unique_id", "on_hand") if c not in stock.columns]
        if missing:
            raise InputError(f"stock needs the columns {', '.join(missing)}", column=missing[0])
        lead = stock["lead_time"].fillna(lead_time) if "lead_time" in stock else lead_time
        known = check_items(stock.assign(lead_time=lead))
        given = [c for c in stock.columns if c in known.columns and c != "unique_id"]
        items = items.merge(known[["unique_id", *given]], on="unique_id", how="left")
    defaults = {"on_hand": 0.0, "lead_time": lead_time, "service_level": service_level}
    for col, value in defaults.items():
        items[col] = items[col].fillna(value) if col in items.columns else value
    return check_items(items)


def _upsell(lines: pd.DataFrame | None, as_of: pd.Timestamp, top: int,
            notes: list[str]) -> pd.DataFrame:
    empty = pd.DataFrame(columns=list(UPSELL_COLUMNS))
    if lines is None or lines.empty:
        return empty
    if "created_at" in lines.columns:
        when = _checked(lines, ("created_at",), "created_at")["created_at"]
        lines = lines[(when < as_of).to_numpy()]
    try:
        model = UpsellRecommender(top).fit(lines)
    except InputError as err:
        notes.append(f"No upsell pairs: {err.message}")
        return empty
    pairs = model.similar()
    if pairs.empty:
        notes.append("No upsell pairs: too few orders of two or more products.")
        return empty
    pairs["why"] = [model.why(p, [r])[0] for p, r in
                    zip(pairs["product_id"], pairs["recommended_id"], strict=True)]
    return pairs[list(UPSELL_COLUMNS)].reset_index(drop=True)


def _fraud(frame: pd.DataFrame | None, as_of: pd.Timestamp, recent: int,
           scorer: FraudScorer | None) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=list(FRAUD_COLUMNS))
    frame = order_frame(frame)
    frame = frame[frame["created_at"].to_numpy() < as_of.tz_localize("UTC").timestamp()]
    frame = frame.iloc[np.argsort(frame["created_at"].to_numpy(), kind="stable")]
    if frame.empty:
        return pd.DataFrame(columns=list(FRAUD_COLUMNS))
    new, history = frame.iloc[-recent:], frame.iloc[:-recent].iloc[-FRAUD_HISTORY:]
    if scorer is None:
        scorer = FraudScorer().fit(history if len(history) else new)
    return scorer.assess(new)[list(FRAUD_COLUMNS)].reset_index(drop=True)


def _segments(orders: pd.DataFrame | None, as_of: pd.Timestamp, least: int,
              notes: list[str]) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["customer_id", "segment"])
    if orders is None or orders.empty:
        return empty
    table = _checked(orders, ("customer_id", "created_at", "amount"), "created_at", "amount")
    table = table[table["customer_id"].fillna("").astype(str).str.strip() != ""]
    if table["customer_id"].nunique() < least:
        notes.append(f"No customer segments: fewer than {least} customers with orders.")
        return empty
    try:
        return segment_customers(table, as_of=as_of - pd.Timedelta(days=1))
    except InputError as err:  # e.g. every order on one day: no model to fit
        notes.append(f"No customer segments: {err.message}")
        return empty


def _holiday_country(country: str | None, days: pd.Series, notes: list[str]) -> str | None:
    """`country` when the holidays package knows it, else None with a note: an unknown
    code costs the holidays, not the unusual days."""
    known, problem = checked_country(country, days)
    if problem:
        notes.append(f"Unusual days judged without public holidays: {problem}")
    return known


def _anomalies(revenue: pd.DataFrame, country: str | None, notes: list[str]) -> pd.DataFrame:
    if (revenue["amount"] > 0).sum() < 28:
        notes.append("No unusual days: fewer than 28 days with revenue.")
        return pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    country = _holiday_country(country, revenue["ds"], notes)
    try:
        flags = detect_anomalies(revenue.assign(series="revenue"), country=country)
    except InputError as err:
        notes.append(f"No unusual days: {err.message}")
        return pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    if "expected" not in flags.columns:
        flags["expected"] = np.nan
    hits = flags[flags["anomaly"].astype(bool)].sort_values("ds", ascending=False)
    return hits[list(ANOMALY_COLUMNS)].reset_index(drop=True)


def _checked(table: pd.DataFrame, columns: Sequence[str], time_col: str,
             number_col: str | None = None) -> pd.DataFrame:
    """`columns` of `table`: times as naive datetimes (UTC when they carry an offset),
    `number_col` as floats; `InputError` names the first bad cell."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"needs the columns {', '.join(missing)}", column=missing[0])
    out = table[list(columns)].reset_index(drop=True)
    stamps = pd.to_datetime(out[time_col], errors="coerce", utc=True, format="mixed")
    _first_bad(stamps.isna().to_numpy(), out[time_col], "is not a date")
    out[time_col] = stamps.dt.tz_localize(None)
    if number_col is not None:
        values = pd.to_numeric(out[number_col], errors="coerce")
        _first_bad(~np.isfinite(values.to_numpy(float)), out[number_col], "is not a number")
        out[number_col] = values.astype(float)
    return out


def _first_bad(bad: np.ndarray, cells: pd.Series, message: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"{str(cells.iloc[row])[:30]!r} {message}", row=row, column=cells.name)
