"""Totals that follow the shop's season and growth, and the holdout that picks the model.

A repeat-purchase model knows each customer's rhythm but not the calendar: it cannot see
Christmas coming or a shop that is growing. The forecast engine can. `seasonal_scale`
forecasts the shop's weekly repeat purchases (purchase days that are not a customer's
first) over the horizon, takes away what customers still to come will add (first purchases
at the pace of the last quarter, times the model's expected repeat purchases of a new
customer), and returns the
factor that brings the model's total for today's customers to that number. Each customer
keeps their share from the model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import forecast
from engine.segments.repeat import MODELS, BetaGeoModel
from engine.segments.rfm import customer_summary

MIN_WEEKS = 26  # history needed before the weekly forecast is trusted with the total
SCALE_RANGE = (1 / 3, 3.0)  # the season may move the total this far, no further
MIN_HOLDOUT_CUSTOMERS = 30
RECENT_WEEKS = 13  # customers to come arrive at the pace of the last quarter


def seasonal_scale(clean: pd.DataFrame, as_of: pd.Timestamp, horizon_days: float,
                   model: BetaGeoModel, model_total: float) -> float:
    """Factor that brings the model's total to the forecast repeat purchases; 1.0 when unsure.

    Parameters
    ----------
    clean : DataFrame
        `customer_id`, `day` (normalised dates up to `as_of`), one row per order.
    as_of : Timestamp
        The last day of history.
    horizon_days : float
        Days ahead.
    model : BetaGeoModel
        The fitted repeat-purchase model (for the repeat purchases of customers to come).
    model_total : float
        The model's expected purchases of today's customers over the horizon.
    """
    weeks = _weekly_counts(clean, as_of)
    if weeks is None or not model_total > 0:
        return 1.0
    h_weeks = max(1, math.ceil(horizon_days / 7))
    freq = f"W-{as_of.day_name()[:3].upper()}"
    panel = weeks[["ds", "repeat"]].rename(columns={"repeat": "y"}).assign(unique_id="repeat")
    try:
        ahead = forecast(panel, h_weeks, freq=freq)
    except (InputError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return 1.0
    ahead = ahead.pivot(index="ds", columns="unique_id", values="forecast").sort_index()
    share = np.minimum(1.0, horizon_days / 7 - np.arange(h_weeks))  # last week may be partial
    repeat = float(np.sum(np.clip(ahead["repeat"].to_numpy(float), 0, None) * share))
    arrivals = float(weeks["first"].iloc[-RECENT_WEEKS:].mean()) * share  # recent pace
    left = np.maximum(horizon_days - 7 * (np.arange(h_weeks) + 0.5), 0.0)
    from_new = float(np.sum(arrivals * model.expected_new_customer(left)))
    target = repeat - from_new
    if not (math.isfinite(target) and target > 0):
        return SCALE_RANGE[0]
    return float(np.clip(target / model_total, *SCALE_RANGE))


def _weekly_counts(clean: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Weeks ending on `as_of`'s weekday: `ds`, `repeat` and `first` purchase days."""
    days = clean[["customer_id", "day"]].drop_duplicates()
    first = days.groupby("customer_id")["day"].transform("min") == days["day"]
    week = ((as_of - days["day"]).dt.days // 7).to_numpy()
    n_weeks = int(week.max()) + 1
    if n_weeks < MIN_WEEKS:
        return None
    ends = as_of - pd.to_timedelta(7 * np.arange(n_weeks)[::-1], unit="D")
    counts = pd.DataFrame({"ds": ends})
    for name, mask in (("repeat", ~first.to_numpy()), ("first", first.to_numpy())):
        per = np.bincount(week[mask], minlength=n_weeks)[::-1]
        counts[name] = per.astype(float)
    if counts["repeat"].sum() == 0:
        return None
    return counts.iloc[1:].reset_index(drop=True)  # the oldest week is partial


def choose_model(clean: pd.DataFrame, as_of: pd.Timestamp,
                 horizon_days: float) -> type[BetaGeoModel]:
    """The model class whose customer shares fit best a holdout at the end of the history.

    The last stretch of history (the horizon, at most a third of the history) is held out;
    each model, fitted on the rest, predicts every customer's purchase days in it. Both
    predictions are scaled to the actual total (the total is the season's job), and the
    smaller mean absolute error wins. MBG/NBD when the history is too short to tell.
    """
    span = (as_of - clean["day"].min()).days
    held = int(min(horizon_days, span / 3))
    if held < 7:
        return MODELS[0]
    cut = as_of - pd.Timedelta(days=held)
    before = clean[clean["day"] <= cut]
    summary = customer_summary(before, cut)
    if len(summary) < MIN_HOLDOUT_CUSTOMERS:
        return MODELS[0]
    after = clean[(clean["day"] > cut) & clean["customer_id"].isin(summary.index)]
    actual = after.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    actual = actual.reindex(summary.index, fill_value=0).to_numpy(float)
    if actual.sum() == 0:
        return MODELS[0]
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    best, best_error = MODELS[0], np.inf
    for kind in MODELS:
        predicted = kind().fit(x, t_x, big_t).expected_purchases(held, x, t_x, big_t)
        if not predicted.sum() > 0:
            continue
        error = float(np.mean(np.abs(predicted * actual.sum() / predicted.sum() - actual)))
        if error < best_error - 1e-12:
            best, best_error = kind, error
    return best
