"""Order fraud scoring: a risk score, a level and the reasons for every Shopify order.

>>> from engine.fraud import score_orders
>>> table = score_orders(new_orders, history=past_orders)  # doctest: +SKIP

`score_orders` fits a `FraudScorer` on the shop's history and assesses the new orders;
for many calls keep one fitted `FraudScorer` per shop and call `assess`.
"""

from engine.fraud.features import FEATURES, ShopProfile
from engine.fraud.model import LEVELS, FraudScorer, score_orders
from engine.fraud.orders import normalize_orders, normalize_table
from engine.fraud.rules import Fact

__all__ = ["FEATURES", "LEVELS", "Fact", "FraudScorer", "ShopProfile", "normalize_orders",
           "normalize_table", "score_orders"]
