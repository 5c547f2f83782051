"""Order fraud scoring: a risk score, a level and the reasons for every order.

>>> from engine.fraud import score_orders
>>> table = score_orders(new_orders, history=past_orders)  # doctest: +SKIP

The orders are an order frame (`ORDER_COLUMNS`, checked by `order_frame`); Shopify payloads
become one through ``connectors.shopify.orders.fraud_frame``, a flat spreadsheet table
through `normalize_table`. `score_orders` fits a `FraudScorer` on the shop's history and
assesses the new orders; for many calls keep one fitted `FraudScorer` per shop and call
`assess`.
"""

from engine.fraud.features import FEATURES, ShopProfile
from engine.fraud.model import LEVELS, FraudScorer, score_orders
from engine.fraud.orders import ORDER_COLUMNS, normalize_table, order_frame
from engine.fraud.rules import Fact

__all__ = ["FEATURES", "LEVELS", "ORDER_COLUMNS", "Fact", "FraudScorer", "ShopProfile",
           "normalize_table", "order_frame", "score_orders"]
