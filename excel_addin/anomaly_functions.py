"""Excel function for money anomalies."""

from __future__ import annotations

import pandas as pd
import xlwings as xw

from engine.anomalies import detect_anomalies
from excel_addin.cells import about, dates_from, never_raises, numbers_from, rows_of, spill

ARGUMENTS = {"ds": "dates", "amount": "amounts"}


@xw.func(category="Shelfwise")
@xw.arg("dates", ndim=2, err_to_str=True, doc="Date of each amount (one or more rows a day).")
@xw.arg("amounts", ndim=2, err_to_str=True, doc="The amounts: daily revenue, expense lines...")
@xw.ret(index=False)
@never_raises
def ANOMALIES(dates, amounts):
    """Spill, for each row, whether the amount is out of line (TRUE/FALSE), why, and the
    typical value it was compared with."""
    at, cells = rows_of({"dates": dates, "amounts": amounts}, typed=("dates", "amounts"))
    frame = pd.DataFrame({"ds": dates_from(cells["dates"], "dates", at),
                          "amount": numbers_from(cells["amounts"], "amounts", at, blank=None)})
    with about("dates and amounts", columns=ARGUMENTS, positions=at):
        flags = detect_anomalies(frame)
    return spill(flags[["anomaly", "reason", "expected"]])
