"""`=FORECAST_DEMAND(A1:A120)`: a sales column in, a forecast table with intervals spilled out."""

from __future__ import annotations

import xlwings as xw

from engine.forecasting import forecast_values
from engine.validation import level_percent, whole_number
from excel_addin.cells import about, column_of_numbers, never_raises, spill

#: More periods than any sheet shows (and a bound on the work one cell can ask for).
MAX_PERIODS = 10_000


@xw.func(category="Shelfwise")
@xw.arg("values", ndim=2, err_to_str=True, doc="Sales per period, oldest first; a header on "
        "top and blank cells below the data are fine; blanks inside are zero.")
@xw.arg("horizon", err_to_str=True, doc="Periods to forecast (default 12).")
@xw.arg("season_length", err_to_str=True,
        doc="Periods per season, e.g. 52 for weekly data; 0 detects it.")
@xw.arg("level", err_to_str=True, doc="Prediction-interval coverage: 95 or 95% (default 95).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def FORECAST_DEMAND(values, horizon=12, season_length=0, level=95):
    """Forecast the next periods of a sales column, with lower and upper bounds."""
    sales = column_of_numbers(values, "values")
    horizon = whole_number(horizon, "horizon", high=MAX_PERIODS)
    season_length = whole_number(season_length, "season_length", low=0, high=MAX_PERIODS)
    level = level_percent(level, "level")
    with about("values"):
        table = forecast_values(sales, horizon, season_length=season_length, level=[level])
    bound = f"{level:g}"
    table = table.rename(columns={f"lo_{bound}": "lower", f"hi_{bound}": "upper"})
    return spill(table[["period", "forecast", "lower", "upper"]].round(2))
