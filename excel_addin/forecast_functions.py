"""`=FORECAST_DEMAND(A2:A100)`: a sales column in, a forecast table with intervals spilled out."""

from __future__ import annotations

import xlwings as xw

from engine.forecasting import forecast_values
from excel_addin.cells import column_of_numbers, never_raises, spill, whole_number


@xw.func(category="Shelfwise")
@xw.arg("values", ndim=1, err_to_str=True, doc="Sales per period, oldest first; blanks are zero.")
@xw.arg("horizon", doc="Periods to forecast (default 12).")
@xw.arg("season_length", doc="Periods per season, e.g. 52 for weekly data; 0 detects it.")
@xw.arg("level", doc="Prediction-interval coverage: 95 or 95% (default 95).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def FORECAST_DEMAND(values, horizon=12, season_length=0, level=95):
    """Forecast the next periods of a sales column, with lower and upper bounds."""
    sales = column_of_numbers(values, "values")
    level = float(level) * 100 if 0 < float(level) < 1 else float(level)  # 95% arrives as 0.95
    table = forecast_values(sales, whole_number(horizon, "horizon", low=1),
                            season_length=whole_number(season_length, "season_length"),
                            level=[level])
    bound = f"{level:g}"
    table = table.rename(columns={f"lo_{bound}": "lower", f"hi_{bound}": "upper"})
    return spill(table[["period", "forecast", "lower", "upper"]].round(2))
