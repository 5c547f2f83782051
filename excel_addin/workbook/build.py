"""Build `shelfwise_demo.xlsm` from the `xlwings quickstart` template and the bundled sales.

    python excel_addin/workbook/build.py

The sheet holds two years of real weekly unit sales (M5 item FOODS_3_586 in store CA_1,
summed from the bundled daily sample's source; see connectors/samples/SOURCES.md) with
the Shelfwise formulas already typed. Needs openpyxl (a development tool, not a dependency).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
WEEKLY = HERE / "weekly_sales.csv"


def build(target: Path = HERE / "shelfwise_demo.xlsm") -> Path:
    book = openpyxl.load_workbook(HERE / "quickstart_template.xlsm", keep_vba=True)
    sheet = book.worksheets[0]
    sheet.title = "Weekly sales"
    sales = pd.read_csv(WEEKLY, parse_dates=["week"])
    sheet["A1"], sheet["B1"] = "week ending", "units sold"
    for row, (week, units) in enumerate(zip(sales["week"], sales["units"], strict=True), start=2):
        sheet.cell(row, 1, week.date()).number_format = "yyyy-mm-dd"
        sheet.cell(row, 2, int(units))
    last = len(sales) + 1
    room = last + 52  # a year of empty rows below the data: new weeks are picked up as typed
    sheet["D1"] = "Forecast of the next 12 weeks (95% interval), season of 52 weeks:"
    sheet["D2"] = f"=FORECAST_DEMAND(B2:B{last},12,52,95)"
    sheet["J1"] = "Same, season detected; header and empty rows below the data selected too:"
    sheet["J2"] = f"=FORECAST_DEMAND(B1:B{room})"
    sheet["P1"] = "Reorder point for a 2-week lead time, 95% of units served from stock:"
    sheet["P2"] = f"=REORDER_POINT(B1:B{room},2,95)"
    sheet["P4"] = "Safety stock in that reorder point:"
    sheet["P5"] = f"=SAFETY_STOCK(B1:B{room},2,95)"
    sheet.column_dimensions["A"].width = 14
    conf = book["xlwings.conf"] if "xlwings.conf" in book.sheetnames else book.create_sheet(
        "xlwings.conf")
    conf["A1"], conf["B1"] = "UDF Modules", "excel_addin.udfs"
    book.save(target)
    return target


if __name__ == "__main__":
    print(build())
