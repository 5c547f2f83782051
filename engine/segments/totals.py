"""Totals that follow the shop's recent level, season and growth.

A repeat-purchase model knows each customer's rhythm but assumes it never changes: it
cannot see Christmas coming, a shop whose customers buy more each year, or a cohort that
ages more slowly than its fit says. Two estimates of what today's customers will buy over
the horizon correct its total, and their geometric mean is used (neither is right
everywhere; together they err less):

* `recent_level`: the model's own time profile, anchored on the last quarter. The
  customers' actual repeat purchase days in the last 13 weeks, divided by what the model
  expects of customers of their ages in those weeks, times the model's total.
* `seasonal_target`: the forecast engine's forecast of the shop's weekly repeat purchases
  (purchase days that are not a customer's first) over the horizon, less what customers
  still to come will add (first purchases at the pace of the last quarter, times the
  model's expected repeat purchases of a new customer).

Each customer keeps their share from the model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import forecast
from engine.segments.repeat import BetaGeoModel

MIN_WEEKS = 26  # history needed before the weekly forecast is trusted with the total
SCALE_RANGE = (1 / 3, 3.0)  # the season may move the total this far, no further
RECENT_WEEKS = 13  # the recent level and the pace of customers to come: the last quarter


def total_scale(clean: pd.DataFrame, as_of: pd.Timestamp, horizon_days: float,
                model: BetaGeoModel, model_total: float) -> tuple[float, dict[str, float]]:
    """Factor for the model's total: geometric mean of the two estimates; 1.0 when unsure.

    Parameters
    ----------
    clean : DataFrame
        `customer_id`, `day` (normalised dates up to `as_of`), one row per order.
    as_of : Timestamp
        The last day of history.
    horizon_days : float
        Days ahead.
    model : BetaGeoModel
        The repeat-purchase model fitted on `clean`.
    model_total : float
        The model's expected purchases of today's customers over the horizon.

    Returns
    -------
    scale : float
        Within `SCALE_RANGE`.
    parts : dict of str to float
        Each estimate as a factor of the model's total (`recent level`, `season and
        growth`); empty when the history is too short.
    """
    weeks = _weekly_counts(clean, as_of)
    if weeks is None or not model_total > 0:
        return 1.0, {}
    parts = {}
    level = recent_level(clean, as_of, model)
    if level is not None:
        parts["recent level"] = float(np.clip(level, *SCALE_RANGE))
    target = seasonal_target(weeks, as_of, horizon_days, model)
    if target is not None:
        parts["season and growth"] = float(np.clip(target / model_total, *SCALE_RANGE))
    if not parts:
        return 1.0, {}
    scale = math.exp(float(np.mean(np.log(list(parts.values())))))
    return float(np.clip(scale, *SCALE_RANGE)), parts


def recent_level(clean: pd.DataFrame, as_of: pd.Timestamp, model: BetaGeoModel) -> float | None:
    """Actual repeat purchase days of the last quarter over the model's expectation for them.

    Above 1 when customers buy more lately than the model, fitted on the whole history,
    expects of customers of their ages (a shop whose customers buy more each year); below 1
    when they buy less. None when the model expects (almost) nothing in the quarter.
    """
    days, first = _purchase_days(clean)
    start = as_of - pd.Timedelta(days=7 * RECENT_WEEKS)
    actual = float((~first & (days["day"] > start)).sum())
    age = (as_of - days.loc[first, "day"]).dt.days.to_numpy(float)
    window = 7.0 * RECENT_WEEKS
    expected = float(np.sum(model.expected_new_customer(age)
                            - model.expected_new_customer(np.maximum(age - window, 0.0))))
    if not (math.isfinite(expected) and expected >= 1.0):
        return None
    return actual / expected


def seasonal_target(weeks: pd.DataFrame, as_of: pd.Timestamp, horizon_days: float,
                    model: BetaGeoModel) -> float | None:
    """Forecast repeat purchases of the shop over the horizon less those of customers to come.

    None when the forecast engine cannot forecast the weekly series; 0 when customers to
    come take up the whole forecast.
    """
    h_weeks = max(1, math.ceil(horizon_days / 7))
    freq = f"W-{as_of.day_name()[:3].upper()}"
    panel = weeks[["ds", "repeat"]].rename(columns={"repeat": "y"}).assign(unique_id="repeat")
    try:
        ahead = forecast(panel, h_weeks, freq=freq)
    except (InputError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    ahead = ahead.pivot(index="ds", columns="unique_id", values="forecast").sort_index()
    share = np.minimum(1.0, horizon_days / 7 - np.arange(h_weeks))  # last week may be partial
    repeat = float(np.sum(np.clip(ahead["repeat"].to_numpy(float), 0, None) * share))
    arrivals = float(weeks["first"].iloc[-RECENT_WEEKS:].mean()) * share  # recent pace
    left = np.maximum(horizon_days - 7 * (np.arange(h_weeks) + 0.5), 0.0)
    from_new = float(np.sum(arrivals * model.expected_new_customer(left)))
    target = repeat - from_new
    if not math.isfinite(target):
        return None
    return max(target, 0.0)


def _weekly_counts(clean: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Weeks ending on `as_of`'s weekday: `ds`, `repeat` and `first` purchase days."""
    days, first = _purchase_days(clean)
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


def _purchase_days(clean: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Each customer's purchase days (several orders of a day are one), and whether each
    is the customer's first."""
    days = clean[["customer_id", "day"]].drop_duplicates()
    return days, days.groupby("customer_id")["day"].transform("min") == days["day"]
