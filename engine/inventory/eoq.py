"""Order quantities: the economic order quantity and rounding to what a supplier sells."""

from __future__ import annotations

import numpy as np

from engine.errors import InputError


def economic_order_quantity(annual_demand, order_cost, holding_cost):
    """Economic order quantity ``sqrt(2 D K / h)`` (Harris, 1913), element-wise.

    Parameters
    ----------
    annual_demand : float or array-like
        Units demanded per year, D.
    order_cost : float or array-like
        Fixed cost of placing one order, K.
    holding_cost : float or array-like
        Cost of holding one unit for a year, h (unit cost times holding rate).

    Returns
    -------
    ndarray or float
        The quantity that minimises ordering plus holding cost per year.

    Examples
    --------
    >>> float(economic_order_quantity(1200, 50, 3))
    200.0
    """
    d, k, h = (np.asarray(v, dtype=float) for v in (annual_demand, order_cost, holding_cost))
    for value, name in ((d, "annual_demand"), (k, "order_cost"), (h, "holding_cost")):
        if not np.all(np.isfinite(value)) or np.any(value < 0):
            raise InputError(f"{name} must be a number of at least 0")
    if np.any(h <= 0):
        raise InputError("holding cost must be more than 0", column="holding_rate")
    with np.errstate(over="ignore"):
        q = np.sqrt(2 * d * k / h)
    if not np.all(np.isfinite(q)):
        raise InputError("annual_demand x order_cost / holding_cost is too large to be real")
    return q if q.ndim else float(q)


def round_order_quantity(quantity, moq=1, pack_size=1):
    """Round quantities up to whole packs, at least the minimum order quantity.

    Parameters
    ----------
    quantity : float or array-like
        Wanted order quantities (units).
    moq : float or array-like, default=1
        Minimum order quantity; itself rounded up to whole packs.
    pack_size : float or array-like, default=1
        Units per pack (case); every order is a whole number of packs.

    Returns
    -------
    ndarray
        The smallest multiple of `pack_size` that is at least both `quantity` and `moq`.

    Examples
    --------
    >>> round_order_quantity([3, 17], moq=10, pack_size=6).tolist()
    [12.0, 18.0]
    """
    q, moq, pack = (np.asarray(v, dtype=float) for v in (quantity, moq, pack_size))
    wanted = np.maximum(np.nan_to_num(q), moq)
    packs = np.ceil(np.round(wanted / pack, 9))
    return np.maximum(packs, 1) * pack
