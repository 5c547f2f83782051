"""Shelfwise's Excel functions. xlwings imports this module (see `xlwings.conf`).

Each function is decorated for xlwings, works the same in classic Windows add-ins and in
xlwings Lite, and never raises: bad input returns one `Shelfwise: ...` message cell.
"""

from excel_addin.advice_functions import ADVICE
from excel_addin.anomaly_functions import ANOMALIES
from excel_addin.forecast_functions import FORECAST_DEMAND
from excel_addin.fraud_functions import FRAUD_SCORE
from excel_addin.perishable_functions import ORDER_PERISHABLE
from excel_addin.reorder_functions import EOQ, REORDER_PLAN, REORDER_POINT, SAFETY_STOCK
from excel_addin.segment_functions import CUSTOMER_SEGMENTS
from excel_addin.upsell_functions import UPSELL

__all__ = ["FORECAST_DEMAND", "CUSTOMER_SEGMENTS", "ANOMALIES", "UPSELL", "FRAUD_SCORE",
           "SAFETY_STOCK", "REORDER_POINT", "EOQ", "REORDER_PLAN",
           "ORDER_PERISHABLE", "ADVICE"]
