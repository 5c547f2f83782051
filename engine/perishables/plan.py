"""Perishable plans from a sales history: the one entry point for the CLI, Excel and the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import sales_panel
from engine.perishables.estimator import DEFAULT_CANDIDATES, NewsvendorRegressor
from engine.perishables.features import WEEKDAY_NAMES, design, holiday_names
from engine.perishables.forecast_candidate import forecast_quantiles, forecast_validation_cost
from engine.perishables.reasons import day_reason

#: The contract's columns first (CONTRACTS.md, Additions), then money and the reason.
PLAN_COLUMNS = ["unique_id", "ds", "quantity", "critical_ratio", "expected_sales",
                "expected_waste", "expected_lost_sales", "expected_revenue", "waste_cost",
                "lost_margin", "expected_profit", "model", "reason"]
#: Words for the learners, as users see them.
MODEL_NAMES = {"sample_average": "usual sales", "forest": "similar past days (forest)",
               "neighbours": "similar past days (nearest)", "boosting": "quantile boosting",
               "pooled": "quantile boosting across items",
               "blend": "weighted average of the learned models",
               "forecast": "forecast engine quantile"}
#: Days of sales an item needs before its first sale counts as history.
MIN_HISTORY = 7


def critical_ratio(price, cost, salvage=0.0) -> np.ndarray:
    """``(price - cost) / (price - salvage)``: the best chance that the quantity covers demand.

    Examples
    --------
    >>> float(critical_ratio(3.0, 1.0, 0.5))
    0.8
    """
    p, c, s = (np.asarray(v, dtype=float) for v in (price, cost, salvage))
    return (p - c) / (p - s)


def plan_perishables(sales: pd.DataFrame, *, price: float | None = None,
                     cost: float | None = None, salvage: float = 0.0,
                     items: pd.DataFrame | None = None, features: pd.DataFrame | None = None,
                     days: int = 7, country: str | None = None,
                     candidates: Sequence[str] = (*DEFAULT_CANDIDATES, "forecast"),
                     on_progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """How much of each perishable item to have on the shelf on each of the next days.

    Parameters
    ----------
    sales : DataFrame
        `unique_id, ds, y`: units sold per day. Every series ends on the table's last
        date; days without a row after an item's first sale sold nothing.
    price, cost, salvage : float, optional
        Selling price, what a unit costs to make or buy, and what a leftover unit still
        brings (0). Defaults for items without their own in `items`.
    items : DataFrame, optional
        `unique_id` and any of `price, cost, salvage` per item.
    features : DataFrame, optional
        `ds`, optional `unique_id` (factors that differ by item), and one numeric column
        per external factor (temperature, rain, promotion, ...), covering the history and
        the `days` ahead.
    days : int, default=7
        Days to plan, starting the day after the last sale.
    country : str, optional
        Country code for public holidays (``"DE"``, ``"US"``, ...).
    candidates : sequence of str
        Learners to choose from per item (see `NewsvendorRegressor`), and ``"forecast"``:
        the quantile of the forecast engine's predictive distribution, used for an item
        when it did better on the last 14 days than the learned choice did in validation.
    on_progress : callable, optional
        Called with a number of items as they are planned.

    Returns
    -------
    DataFrame
        `PLAN_COLUMNS`, `days` rows per item. Every day is planned from the sales known on
        the last day of the table. Expected sales, waste and lost sales are in units;
        revenue, waste cost (cost - salvage per wasted unit), lost margin and profit in
        the currency of the prices.
    """
    days = _whole(days, "days")
    history = sales_panel(sales, freq="D")
    costs = _item_costs(history.ids, items, price, cost, salvage)
    ratio = critical_ratio(costs["price"], costs["cost"], costs["salvage"])
    future = pd.date_range(history.last + pd.Timedelta(days=1), periods=days, freq="D")
    n_hist = history.panel.shape[1]
    dates = pd.date_range(history.last - pd.Timedelta(days=n_hist - 1), periods=n_hist + days,
                          freq="D")
    external = _external(features, history.ids, dates, future)
    train_X, train_y, train_g, plan_X, plan_g = [], [], [], [], []
    for i, item in enumerate(history.ids):
        y = history.panel[i]
        known = np.flatnonzero(~np.isnan(y))
        start = known[0] + MIN_HISTORY if known.size else n_hist
        targets = np.arange(max(start, 1), n_hist)
        ext = external.get(item)
        if targets.size:
            train_X.append(design(y, dates, targets, targets - 1, external=ext,
                                  country=country))
            train_y.append(y[targets])
            train_g += [item] * targets.size
        ahead = np.arange(n_hist, n_hist + days)
        plan_X.append(design(y, dates, ahead, np.full(days, n_hist - 1), external=ext,
                             country=country))
        plan_g += [item] * days
    if not train_X:
        raise InputError(f"need at least {MIN_HISTORY + 1} days of sales after the first sale")
    X_plan = pd.concat(plan_X).drop(columns="horizon")
    ratios = dict(zip(history.ids, ratio, strict=True))
    learned = tuple(c for c in candidates if c != "forecast") or ("sample_average",)
    model = NewsvendorRegressor(ratios, candidates=learned)
    trained = [g for g in history.ids if g in set(train_g)]
    model.fit(pd.concat(train_X).drop(columns="horizon"), np.concatenate(train_y), train_g)
    if on_progress:
        on_progress(len(history.ids))
    plan_g = np.asarray(plan_g, dtype=object)
    ok = np.isin(plan_g, trained)
    quantity = np.zeros(len(plan_g))
    dist = [None] * len(plan_g)
    if ok.any():
        quantity[ok] = model.predict(X_plan[ok], plan_g[ok])
        for row, d in zip(np.flatnonzero(ok), model.demand_distribution(X_plan[ok], plan_g[ok]),
                          strict=True):
            dist[row] = d
    names = {g: MODEL_NAMES.get(k, k) for g, k in model.choice_.items()}
    if "forecast" in candidates:
        quantity = _forecast_where_better(history, model, ratios, trained, future, plan_g,
                                          quantity, names)
    whole = np.allclose(np.nan_to_num(history.panel), np.round(np.nan_to_num(history.panel)))
    if whole:
        quantity = np.round(quantity)
    return _table(history.ids, future, quantity, dist, costs, ratio, names, X_plan, plan_g,
                  external, country)


def _forecast_where_better(history, model, ratios, trained, future, plan_g, quantity, names):
    """The forecast engine's quantile for items where it beat the learned choice."""
    long = _long(history)
    scores = forecast_validation_cost(long, {g: ratios[g] for g in trained})
    better = [g for g, c in scores.items()
              if c < model.validation_cost_.loc[g, model.choice_[g]]]
    if not better:
        return quantity
    planned = forecast_quantiles(long, {g: ratios[g] for g in better}, len(future))
    if planned is None:
        return quantity
    out = quantity.copy()
    for i, g in enumerate(plan_g):
        key = (g, future[i % len(future)])
        if g in better and key in planned.index:
            out[i] = planned.loc[key, "quantity"]
    for g in better:
        names[g] = MODEL_NAMES["forecast"]
    return out


def _long(history) -> pd.DataFrame:
    """The sales panel back as a long table (`unique_id, ds, y`), days before a first sale
    left out."""
    n = history.panel.shape[1]
    dates = pd.date_range(end=history.last, periods=n, freq="D")
    item, day = np.nonzero(~np.isnan(history.panel))
    return pd.DataFrame({"unique_id": history.ids[item], "ds": dates[day],
                         "y": history.panel[item, day]})


def _table(ids, future, quantity, dist, costs, ratio, names, X_plan, plan_g, external,
           country) -> pd.DataFrame:
    days = len(future)
    sold, waste, lost = (np.zeros(len(quantity)) for _ in range(3))
    for i, d in enumerate(dist):
        if d is None:
            continue
        values, weights = d
        sold[i] = float(weights @ np.minimum(values, quantity[i]))
        waste[i] = float(weights @ np.maximum(quantity[i] - values, 0.0))
        lost[i] = float(weights @ np.maximum(values - quantity[i], 0.0))
    rep = np.repeat(np.arange(len(ids)), days)
    p, c, s = (costs[k].to_numpy()[rep] for k in ("price", "cost", "salvage"))
    holidays = holiday_names(future, country) if country else pd.Series(dtype=object)
    usual = X_plan["lag_weekday_8"].to_numpy()
    expected = np.array([float(w @ v) if d is not None else np.nan for d in dist
                         for v, w in [d or (None, None)]])
    reasons = []
    for i, g in enumerate(plan_g):
        day = future[i % days]
        ext = external.get(g)
        row = ext.loc[day] if ext is not None and day in ext.index else None
        reasons.append(day_reason(day, expected[i], usual[i], factors=row,
                                  history=ext, holiday=holidays.get(day)))
    table = pd.DataFrame({
        "unique_id": np.asarray(ids)[rep], "ds": np.tile(future, len(ids)),
        "quantity": quantity, "critical_ratio": np.asarray(ratio)[rep],
        "expected_sales": sold, "expected_waste": waste, "expected_lost_sales": lost,
        "expected_revenue": p * sold, "waste_cost": (c - s) * waste,
        "lost_margin": (p - c) * lost, "expected_profit": p * sold + s * waste - c * quantity,
        "model": [names.get(g, "no history") for g in plan_g],
        "reason": reasons,
    })
    return table[PLAN_COLUMNS]


def _item_costs(ids, items, price, cost, salvage) -> pd.DataFrame:
    """Price, cost and salvage per item: the item's own, else the defaults; all checked."""
    out = pd.DataFrame({"price": price, "cost": cost, "salvage": salvage}, index=ids,
                       dtype=float)
    if items is not None:
        if "unique_id" not in items.columns:
            raise InputError("required column is missing", column="unique_id")
        own = items.assign(unique_id=items["unique_id"].astype(str).str.strip())
        for col in ("price", "cost", "salvage"):
            if col not in own.columns:
                continue
            values = pd.to_numeric(own[col], errors="coerce")
            bad = own[col].notna() & (own[col].astype(str).str.strip() != "") & values.isna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"{own[col].iloc[row]!r} is not a number", row=row, column=col)
            given = pd.Series(values.to_numpy(), index=own["unique_id"]).dropna()
            given = given[~given.index.duplicated(keep="last")]
            hit = out.index.intersection(given.index)
            out.loc[hit, col] = given[hit].to_numpy()
    for col in ("price", "cost", "salvage"):
        missing = out[col].isna()
        if missing.any():
            raise InputError(f"no {col} for item {out.index[missing][0]!r}: give --{col} or a "
                             f"{col} column in the items table", column=col)
        if not np.isfinite(out[col]).all() or (out[col] < 0).any():
            raise InputError(f"{col} must be a finite number of at least 0", column=col)
    bad = out.index[(out["price"] <= out["cost"]).to_numpy()]
    if len(bad):
        raise InputError(f"item {bad[0]!r}: price must be above cost", column="price")
    bad = out.index[(out["salvage"] >= out["cost"]).to_numpy()]
    if len(bad):
        raise InputError(f"item {bad[0]!r}: salvage must be below cost", column="salvage")
    return out


def _external(features, ids, dates, future) -> dict:
    """External factors per item, indexed by day; checked to cover the days ahead."""
    if features is None:
        return {}
    if "ds" not in features.columns:
        raise InputError("required column is missing", column="ds")
    table = features.reset_index(drop=True)
    ds = pd.to_datetime(table["ds"], errors="coerce", format="mixed")
    if ds.isna().any():
        row = int(np.flatnonzero(ds.isna().to_numpy())[0])
        raise InputError(f"{table['ds'].iloc[row]!r} is not a date", row=row, column="ds")
    table["ds"] = ds.dt.normalize()
    factors = [c for c in table.columns if c not in ("ds", "unique_id")]
    if not factors:
        raise InputError("features need at least one factor column besides ds")
    for col in factors:
        values = pd.to_numeric(table[col], errors="coerce")
        blank = table[col].isna() | (table[col].astype(str).str.strip() == "")
        bad = values.isna() & ~blank
        if bad.any() or not np.isfinite(values.dropna()).all():
            row = int(np.flatnonzero((bad | ~np.isfinite(values.fillna(0))).to_numpy())[0])
            raise InputError(f"{table[col].iloc[row]!r} is not a number", row=row, column=col)
        table[col] = values
    out = {}
    for item in ids:
        rows = table if "unique_id" not in table.columns else \
            table[table["unique_id"].astype(str).str.strip().isin([item, "", "nan"])]
        if rows.empty:  # factors given for other items only (a promotion): none here
            out[item] = pd.DataFrame(0.0, index=dates, columns=factors)
            continue
        per_day = rows.groupby("ds")[factors].mean()
        missing = future.difference(per_day.dropna(how="all").index)
        if len(missing):
            raise InputError(f"features have no row for {missing[0]:%Y-%m-%d} (item {item!r});"
                             " they must cover the days ahead", column="ds")
        out[item] = per_day.reindex(dates.union(per_day.index))
    return out


def _whole(value, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer() or value < 1 or value > 366:
        raise InputError(f"{name} must be a whole number from 1 to 366, got {value!r}")
    return int(value)


__all__ = ["PLAN_COLUMNS", "WEEKDAY_NAMES", "critical_ratio", "plan_perishables"]
