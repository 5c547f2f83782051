"""`shelfwise forecast`: demand forecasts with prediction intervals for every series of a CSV."""

from __future__ import annotations

import click

from connectors.cli.common import format_option, input_errors, output_option, progress
from connectors.files import Column, read_table, write_table
from engine.forecasting import forecast as forecast_sales

SALES_COLUMNS = {"unique_id": Column("text"), "ds": Column("date"), "y": Column("number")}


@click.command()
@click.argument("input", type=click.Path(dir_okay=False, allow_dash=True))
@output_option
@click.option("--horizon", type=click.IntRange(min=1), required=True,
              help="Periods to forecast for each series (e.g. 28 days, 12 months).")
@click.option("--freq", help="Period of the data as a pandas alias (D, W-SUN, MS, ...). "
                             "Inferred from the dates when absent.")
@click.option("--season-length", type=click.IntRange(min=1),
              help="Periods per season (7 for daily, 52 for weekly, 12 for monthly). "
                   "By default the usual one for the frequency.")
@click.option("--level", type=click.FloatRange(0, 100, min_open=True, max_open=True),
              multiple=True, default=(80, 95), show_default=True,
              help="Prediction-interval coverage in percent; repeat for several.")
@format_option
def forecast(input, output, horizon, freq, season_length, level, fmt):
    """Forecast the demand of every series in INPUT (columns unique_id, ds, y).

    Periods missing inside a series count as zero sales. Writes one row per series and
    future period: unique_id, ds, forecast, lo_<L>, hi_<L> for each level, model.

    \b
    Example:
      shelfwise forecast sales.csv --horizon 28 -o forecast.csv
    """
    with input_errors(input):
        sales = read_table(input, SALES_COLUMNS)
        n_series = sales["unique_id"].nunique()
        with progress(n_series, "Forecasting") as advance:
            table = forecast_sales(sales, horizon, freq=freq, season_length=season_length,
                                   level=level, on_progress=advance)
    write_table(table.round(dict.fromkeys(table.select_dtypes("number").columns, 4)), output, fmt)
