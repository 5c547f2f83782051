"""Shelfwise's models: pure functions and estimators on numpy/pandas.

No I/O, no web, no clock: data and dates come in as arguments. Importable in
Pyodide (xlwings Lite), so only numpy, pandas, scipy, statsmodels and scikit-learn.

The functions a data person needs, each on plain DataFrames:

==================  ===============================================================
`advise`            every decision below for one shop, from one forecast per item
`forecast`          daily/weekly/monthly forecasts with ``lo_80``/``hi_80`` intervals
`plan_reorders`     safety stock, reorder point and order quantity per item
`recommend`         upsell companions per product (`upsell_pairs`);
                    `complete_carts` for products to add to a cart
`score_orders`      a fraud score, level and reasons per order
`segment_customers` RFM segments and expected purchases per customer
`detect_anomalies`  out-of-line amounts per day, with the amount expected
`plan_perishables`  how much of a perishable item to have on the shelf each day
==================  ===============================================================

and their estimators (`AutoForecaster`, `ReorderPolicy`, `UpsellRecommender`,
`FraudScorer`, `RFMSegmenter`, `BetaGeoModel`, `ModifiedBetaGeoModel`, `ParetoNBDModel`,
`AnomalyDetector`, `NewsvendorRegressor`). Bad input raises `InputError`, naming the row
and column at fault.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from engine import advise
>>> days = pd.date_range("2024-01-01", "2024-06-30", freq="D")
>>> sales = pd.DataFrame({"unique_id": np.repeat(["TEA-1", "MUG-2"], len(days)),
...                       "ds": np.tile(days, 2),
...                       "y": np.random.default_rng(1).poisson(3.0, 2 * len(days))})
>>> stock = pd.DataFrame({"unique_id": ["TEA-1", "MUG-2"], "on_hand": [60, 4]})
>>> advice = advise(sales, stock, as_of="2024-07-01", lead_time=10)
>>> list(advice.tables())
['reorder', 'forecast', 'upsell', 'segments', 'anomalies', 'revenue', 'fraud']
>>> plan = advice.reorder.set_index("unique_id")
>>> bool(plan.loc["MUG-2", "order_now"] > 0), bool(plan.loc["TEA-1", "order_now"] > 0)
(True, False)
>>> month = advice.forecast.groupby("unique_id")["forecast"].sum()
>>> bool(np.allclose(month[plan.index], plan["forecast_30_days"]))  # one forecast, one plan
True
>>> advice.forecast.columns.tolist()
['unique_id', 'ds', 'forecast', 'lo_80', 'hi_80', 'lo_95', 'hi_95', 'model']
"""

from __future__ import annotations

import importlib
from typing import Any

from engine.errors import InputError

_EXPORTS = {
    "advise": "engine.advice", "Advice": "engine.advice",
    "forecast": "engine.forecasting", "AutoForecaster": "engine.forecasting",
    "plan_reorders": "engine.inventory", "ReorderPolicy": "engine.inventory",
    "upsell_pairs": "engine.upsell", "complete_carts": "engine.upsell",
    "UpsellRecommender": "engine.upsell",
    "score_orders": "engine.fraud", "FraudScorer": "engine.fraud",
    "segment_customers": "engine.segments", "RFMSegmenter": "engine.segments",
    "BetaGeoModel": "engine.segments", "ModifiedBetaGeoModel": "engine.segments",
    "ParetoNBDModel": "engine.segments",
    "detect_anomalies": "engine.anomalies", "AnomalyDetector": "engine.anomalies",
    "plan_perishables": "engine.perishables", "NewsvendorRegressor": "engine.perishables",
}
_ALIASES = {"recommend": "upsell_pairs"}

__all__ = ["InputError", *_EXPORTS, *_ALIASES]


def __getattr__(name: str) -> Any:
    """Import a model's module when its name is first used (``import engine`` stays light)."""
    target = _ALIASES.get(name, name)
    if target not in _EXPORTS:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[target]), target)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
