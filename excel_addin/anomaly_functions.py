"""Excel function for money anomalies."""

from __future__ import annotations

import pandas as pd
import xlwings as xw

from engine.anomalies import detect_anomalies
from engine.errors import InputError
from excel_addin.cells import column_of_dates, column_of_numbers, never_raises, spill


@xw.func(category="Shelfwise")
@xw.arg("dates", ndim=1, err_to_str=True, doc="Date of each amount (one or more rows a day).")
@xw.arg("amounts", ndim=1, err_to_str=True, doc="The amounts: daily revenue, expense lines...")
@xw.ret(index=False)
@never_raises
def ANOMALIES(dates, amounts):
    """Spill, for each row, whether the amount is out of line (TRUE/FALSE) and why."""
    days = column_of_dates(dates, "dates")
    values = column_of_numbers(amounts, "amounts", blank=None)
    if len(days) != len(values):
        raise InputError("dates and amounts must have the same number of cells")
    flags = detect_anomalies(pd.DataFrame({"ds": days, "amount": values}))
    return spill(flags[["anomaly", "reason"]])
