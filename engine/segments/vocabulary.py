"""The segment vocabulary: eight names, read off an RFM grid, kept in line with P(alive).

Names, their meaning and Shopify's nearest `Customer.statistics.rfmGroup`
--------------------------------------------------------------------------

===================  ===============================================  ==================
segment              who                                              Shopify rfmGroup
===================  ===============================================  ==================
Champions            bought very recently, often, and spent the most  CHAMPIONS
Loyal                buy regularly and spend well                     LOYAL
Potential loyalists  recent, a few orders, moderate spend             ACTIVE
New                  first (or only) order very recently              NEW
At risk              spent a fair amount, not back for a while        AT_RISK
Can't lose them      were among the best, not back for a long time    PREVIOUSLY_LOYAL
Hibernating          low spend, few orders, not back for a while      ALMOST_LOST
Lost                 most likely gone (P(alive) below 0.5)            DORMANT
===================  ===============================================  ==================

Shopify's PROMISING and NEEDS_ATTENTION fall into New / Potential loyalists and At risk here;
PROSPECTS (no order yet) cannot occur in an order history.

How a name is given
-------------------
First the grid, from the recency score R and FM = floor((F + M) / 2) (scores 1-5):

====  ===========  ===================  ===================  ===============  ===============
R     FM 1         FM 2                 FM 3                 FM 4             FM 5
====  ===========  ===================  ===================  ===============  ===============
5     New          Potential loyalists  Potential loyalists  Champions        Champions
4     New          Potential loyalists  Potential loyalists  Loyal            Champions
3     Hibernating  Hibernating          At risk              Loyal            Loyal
2     Hibernating  Hibernating          At risk              At risk          Can't lose them
1     Lost         Lost                 At risk              Can't lose them  Can't lose them
====  ===========  ===================  ===================  ===============  ===============

Then the repeat-purchase model's P(alive) has the last word, so a name never contradicts it:

* "Lost" only below P(alive) 0.5: a grid "Lost" at 0.5 or more is "Hibernating";
* below P(alive) 0.1 every lapsed name (Hibernating, At risk, Can't lose them) is "Lost";
* Champions, Loyal and Potential loyalists need P(alive) 0.5 or more; below it they are
  "Can't lose them" (FM 4-5) or "At risk" (FM 1-3). "New" stays: a first order is recent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SEGMENTS = ("Champions", "Loyal", "Potential loyalists", "New", "At risk", "Can't lose them",
            "Hibernating", "Lost")

SEGMENT_GRID = (  # rows R = 1..5, columns FM = 1..5
    ("Lost", "Lost", "At risk", "Can't lose them", "Can't lose them"),
    ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    ("Hibernating", "Hibernating", "At risk", "Loyal", "Loyal"),
    ("New", "Potential loyalists", "Potential loyalists", "Loyal", "Champions"),
    ("New", "Potential loyalists", "Potential loyalists", "Champions", "Champions"),
)

SHOPIFY_RFM_GROUP = {
    "Champions": "CHAMPIONS",
    "Loyal": "LOYAL",
    "Potential loyalists": "ACTIVE",
    "New": "NEW",
    "At risk": "AT_RISK",
    "Can't lose them": "PREVIOUSLY_LOYAL",
    "Hibernating": "ALMOST_LOST",
    "Lost": "DORMANT",
}

LOST_BELOW = 0.5  # no "Lost" at or above this P(alive); no active name below it
SURELY_LOST_BELOW = 0.1  # every lapsed name below this P(alive) is "Lost"
_ACTIVE = ("Champions", "Loyal", "Potential loyalists")
_LAPSED = ("Hibernating", "At risk", "Can't lose them")


def _to5(score: Any, n_bins: int) -> np.ndarray:
    s = np.asarray(score, dtype=float)
    return np.clip(np.rint(1 + (s - 1) * 4 / (n_bins - 1)), 1, 5).astype(int)


def name_segments(r: Any, f: Any, m: Any, *, n_bins: int = 5,
                  p_alive: Any = None) -> np.ndarray:
    """Segment names for R, F and M scores (1..n_bins), in line with `p_alive` when given.

    Examples
    --------
    >>> name_segments([5, 1], [5, 1], [5, 1]).tolist()
    ['Champions', 'Lost']
    >>> name_segments([1], [1], [1], p_alive=[0.7]).tolist()
    ['Hibernating']
    """
    r5, f5, m5 = _to5(r, n_bins), _to5(f, n_bins), _to5(m, n_bins)
    fm = (f5 + m5) // 2
    names = np.array(SEGMENT_GRID, dtype=object)[r5 - 1, fm - 1]
    if p_alive is None:
        return names.astype(str)
    p = np.broadcast_to(np.asarray(p_alive, dtype=float), names.shape)
    out = names.copy()  # object dtype: a longer name never gets cut to the old one's width
    out[(names == "Lost") & (p >= LOST_BELOW)] = "Hibernating"
    fading = np.isin(names, _ACTIVE) & (p < LOST_BELOW)
    out[fading] = np.where(fm[fading] >= 4, "Can't lose them", "At risk")
    out[np.isin(out, _LAPSED) & (p < SURELY_LOST_BELOW)] = "Lost"
    return out.astype(str)
