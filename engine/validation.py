"""One place for the checks every entry point makes on numbers, dates and levels.

The CLI, the Excel functions, the app and the estimators all check arguments such as a
horizon, a service level or an interval level. Each check here raises `InputError` with a
short sentence that names the argument, so a shop owner reads the same words everywhere.

Examples
--------
>>> whole_number(12.0, "horizon")
12
>>> fraction(95, "service_level"), fraction(0.95, "service_level")
(0.95, 0.95)
>>> level_percent(0.8, "level")
80.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError

__all__ = ["number", "whole_number", "positive_number", "fraction", "level_percent",
           "finite_values", "timestamp"]


def _shown(value: Any) -> str:
    return repr(value)[:40]


def _real(value: Any, name: str) -> float:
    """A real number from Python or numpy (never a bool, never text)."""
    if value is None:
        raise InputError(f"{name} is empty; it must be a number")
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise InputError(f"{name} must be a number, got {_shown(value)}")
    return float(value)


def number(value: Any, name: str, *, low: float = -math.inf, high: float = math.inf,
           open_low: bool = False, open_high: bool = False) -> float:
    """A finite number within bounds, as a float.

    Parameters
    ----------
    value : int or float
        The argument as given.
    name : str
        The argument's name, used in the message.
    low, high : float, default=-inf, inf
        Bounds; inclusive unless `open_low` / `open_high`.

    Raises
    ------
    InputError
        Naming the argument and the allowed range.

    Examples
    --------
    >>> number(3, "order_cost", low=0)
    3.0
    """
    x = _real(value, name)
    inside = math.isfinite(x) and (x > low if open_low else x >= low) \
        and (x < high if open_high else x <= high)
    if not inside:
        parts = []
        if low > -math.inf:
            parts.append(f"{'more than' if open_low else 'at least'} {low:g}")
        if high < math.inf:
            parts.append(f"{'less than' if open_high else 'at most'} {high:g}")
        where = " " + " and ".join(parts) if parts else ""
        raise InputError(f"{name} must be a finite number{where}, got {_shown(value)}")
    return x


def positive_number(value: Any, name: str) -> float:
    """A finite number above 0 (a price, a holding cost, a period length).

    Examples
    --------
    >>> positive_number(2.5, "holding_cost")
    2.5
    """
    return number(value, name, low=0, open_low=True)


def whole_number(value: Any, name: str, *, low: int = 1, high: int | None = None) -> int:
    """A whole number from `low` to `high`; 12.0 (how Excel passes 12) counts as whole.

    Examples
    --------
    >>> whole_number(0, "season_length", low=0)
    0
    """
    x = _real(value, name) if not isinstance(value, bool | np.bool_) else math.nan
    if not math.isfinite(x) or not x.is_integer() or x < low or (high is not None and x > high):
        upto = f" and at most {high}" if high is not None else ""
        raise InputError(f"{name} must be a whole number of at least {low}{upto}, "
                         f"got {_shown(value)}")
    return int(x)


def fraction(value: Any, name: str) -> float:
    """A level such as a service level: 0.95, or 95 read as 95 %.

    A value below 1 is a fraction; a value from 50 up to (not including) 100 is a
    percentage, because people type 95 for 95 % (Excel's 95% cell already arrives as
    0.95). Values from 1 to 50 are refused as ambiguous (1.5 is neither 150 % nor a
    plausible 1.5 %), and so are 0, 100 and more, negatives and text.

    Examples
    --------
    >>> fraction(97.5, "service_level")
    0.975
    """
    x = _real(value, name)
    if math.isfinite(x) and 0 < x < 1:
        return x
    if math.isfinite(x) and 50 <= x < 100:
        return round(x / 100, 12)
    raise InputError(f"{name} must be a share below 100 %, typed 0.95 or 95, "
                     f"got {_shown(value)}")


def level_percent(value: Any, name: str) -> float:
    """An interval level in percent: 95, or 0.95 read as 95 %.

    Examples
    --------
    >>> level_percent(95, "level")
    95.0
    """
    return round(fraction(value, name) * 100, 10)


def finite_values(values: Iterable[Any], name: str) -> np.ndarray:
    """Numbers as a float array; NaN stays NaN (a missing value), infinities and text are refused.

    Examples
    --------
    >>> finite_values([1, 2.5, float("nan")], "sales").tolist()
    [1.0, 2.5, nan]
    """
    try:
        out = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers only") from None
    bad = np.flatnonzero(np.isinf(out))
    if bad.size:
        raise InputError(f"{name} must be finite numbers; position {bad[0] + 1} is "
                         f"{out[bad[0]]}")
    return out


def timestamp(value: Any, name: str) -> pd.Timestamp:
    """A date or datetime as a timezone-naive `pd.Timestamp` (local time kept).

    Examples
    --------
    >>> timestamp("2024-03-01", "as_of")
    Timestamp('2024-03-01 00:00:00')
    """
    if isinstance(value, bool | np.bool_) or value is None:
        raise InputError(f"{name} must be a date, got {_shown(value)}")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a date, got {_shown(value)}") from None
    if pd.isna(stamp):
        raise InputError(f"{name} must be a date, got {_shown(value)}")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
