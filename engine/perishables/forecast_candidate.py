"""The forecast engine as one more candidate: the critical-ratio quantile of its predictive
distribution, read from its interval columns (`lo_<L>`, `hi_<L>` with L = |2r - 1| x 100).

It plans every day from the plan date (no day-ahead features), so it is compared with the
learned choice on the last `VALIDATION_DAYS` days, forecast from before them. Any failure of
the forecast engine leaves the learned choice in place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.perishables.candidates import pinball_cost

#: Days held back to score the forecast engine.
VALIDATION_DAYS = 14


def forecast_quantiles(sales: pd.DataFrame, ratios: dict, days: int) -> pd.DataFrame | None:
    """Per item and future day, the forecast engine's quantile at the item's ratio.

    Returns a table indexed by (unique_id, ds) with column `quantity`, or None when the
    forecast engine cannot answer (its internals change; this candidate stays optional).
    """
    try:
        from engine.forecasting import forecast
    except ImportError:  # pragma: no cover - the engine is part of the package
        return None
    parts = []
    by_level: dict[float, list] = {}
    for item, r in ratios.items():
        by_level.setdefault(round(abs(2 * r - 1) * 100, 1), []).append(item)
    for level, items in by_level.items():
        subset = sales[sales["unique_id"].astype(str).isin(items)]
        try:
            table = forecast(subset, days, freq="D", level=[level] if level >= 1 else [80])
        except Exception:  # noqa: BLE001 - an optional candidate never breaks the plan
            return None
        lo = next((c for c in table.columns if c.startswith("lo_")), None)
        hi = next((c for c in table.columns if c.startswith("hi_")), None)
        if lo is None or hi is None or "forecast" not in table:
            return None
        side = np.array([ratios[str(u)] for u in table["unique_id"]])
        q = np.where(side > 0.5, table[hi], np.where(side < 0.5, table[lo], table["forecast"]))
        if level < 1:
            q = table["forecast"].to_numpy()
        parts.append(pd.DataFrame({"unique_id": table["unique_id"].astype(str),
                                   "ds": pd.to_datetime(table["ds"]),
                                   "quantity": np.maximum(np.asarray(q, dtype=float), 0.0)}))
    return pd.concat(parts).set_index(["unique_id", "ds"]) if parts else None


def forecast_validation_cost(sales: pd.DataFrame, ratios: dict) -> dict:
    """Mean newsvendor cost per item of the forecast engine's quantile on the last days,
    forecast from before them (same cost as `NewsvendorRegressor.validation_cost_`)."""
    ds = pd.to_datetime(sales["ds"])
    cut = ds.max() - pd.Timedelta(days=VALIDATION_DAYS)
    past = sales[ds <= cut]
    if past.empty:
        return {}
    planned = forecast_quantiles(past, ratios, VALIDATION_DAYS)
    if planned is None:
        return {}
    actual = sales.assign(ds=ds, unique_id=sales["unique_id"].astype(str))
    actual = actual[actual["ds"] > cut].groupby(["unique_id", "ds"])["y"].sum()
    out = {}
    for item, r in ratios.items():
        if item not in planned.index.get_level_values(0):
            continue
        q = planned.loc[item]["quantity"]
        mine = actual.xs(item, level=0) if item in actual.index.get_level_values(0) else \
            pd.Series(dtype=float)
        got = mine.reindex(q.index, fill_value=0.0)
        out[item] = pinball_cost(got.to_numpy(), q.to_numpy(), r)
    return out
