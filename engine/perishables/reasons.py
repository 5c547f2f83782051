"""Plain reasons for a day's quantity: "Saturday, 24 °C and a promotion: about 30% more than a
usual Saturday"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.perishables.features import WEEKDAY_NAMES

#: Words for 0/1 factors by a part of their column name (first match wins).
FLAG_WORDS = (("closed", "closed"), ("school", "school holidays"), ("promo", "a promotion"),
              ("holiday", "a holiday"), ("event", "an event"))


def day_reason(day: pd.Timestamp, expected: float, usual: float, *,
               factors: pd.Series | None = None, history: pd.DataFrame | None = None,
               holiday: str | None = None) -> str:
    """One sentence: the day, what is special about it, and demand against a usual such day.

    Parameters
    ----------
    day : Timestamp
        The planned day.
    expected : float
        Expected demand that day (units).
    usual : float
        Mean sales of the last same weekdays known at the plan date (units).
    factors : Series, optional
        The external factors of that day, by column name.
    history : DataFrame, optional
        All days' factors: what counts as unusually high or low.
    holiday : str, optional
        The public holiday's name.

    Examples
    --------
    >>> day_reason(pd.Timestamp("2024-06-01"), 13.0, 10.0,
    ...            factors=pd.Series({"temperature": 24.0, "promotion": 1.0}))
    'Saturday, 24 °C and a promotion: about 30% more than a usual Saturday'
    """
    weekday = WEEKDAY_NAMES[day.day_of_week]
    parts = [holiday] if holiday else []
    if factors is not None:
        parts += _factor_words(factors, history)
    head = weekday if not parts else f"{weekday}, {_join(parts[:3])}"
    if not np.isfinite(expected) or not np.isfinite(usual):
        return f"{head}: too little history to compare"
    if usual <= 0:
        return f"{head}: no sales on recent {weekday}s"
    change = expected / usual - 1.0
    if abs(change) < 0.05:
        return f"{head}: about the same as a usual {weekday}"
    more = "more" if change > 0 else "less"
    return f"{head}: about {abs(change):.0%} {more} than a usual {weekday}"


def _factor_words(factors: pd.Series, history: pd.DataFrame | None) -> list[str]:
    words = []
    for name, value in factors.items():
        if value is None or not np.isfinite(value):
            continue
        key = str(name).lower()
        past = history[name].dropna() if history is not None and name in history else None
        flag = past is not None and len(past) and set(np.unique(past)) <= {0.0, 1.0}
        if "temp" in key:
            words.append(f"{value:.0f} °C")
        elif "rain" in key or "precip" in key:
            if value >= 1:
                words.append(f"{value:.0f} mm of rain")
        elif flag or value in (0.0, 1.0) and any(k in key for k, _ in FLAG_WORDS):
            if value == 1.0:
                words.append(next((w for k, w in FLAG_WORDS if k in key),
                                  key.replace("_", " ")))
        elif past is not None and len(past) > 7 and past.std() > 0:
            z = (value - past.mean()) / past.std()
            if abs(z) > 1.5:
                words.append(f"{'high' if z > 0 else 'low'} {key.replace('_', ' ')}")
    return list(dict.fromkeys(words))


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
