"""`shelfwise forecast`: demand forecasts with prediction intervals for every series of a file."""

from __future__ import annotations

import inspect

import click
import numpy as np
import pandas as pd

from connectors.cli.common import (
    READING_RULE,
    input_errors,
    output_format_option,
    output_option,
    progress,
    reader_options,
)
from connectors.files import write_table
from connectors.readers import read_sales
from engine.forecasting import forecast as forecast_sales


@click.command(epilog=READING_RULE)
@click.argument("input", type=click.Path(dir_okay=False, allow_dash=True))
@output_option
@click.option("--horizon", type=click.IntRange(min=1), required=True,
              help="Periods to forecast for each series (e.g. 28 days, 12 months).")
@click.option("--freq", help="Period of the data as a pandas alias (D, W-SUN, MS, h, ...). "
                             "Inferred from the dates when absent; timestamps become days.")
@click.option("--season-length", type=click.IntRange(min=1),
              help="Periods per season (7 for daily, 52 for weekly, 12 for monthly). "
                   "By default the usual one for the frequency.")
@click.option("--level", type=click.FloatRange(0, 100, min_open=True, max_open=True),
              multiple=True, default=(80, 95), show_default=True,
              help="Prediction-interval coverage in percent; repeat for several.")
@click.option("--signed", is_flag=True,
              help="Keep negative values (returns) as they are, for cash-flow series. "
                   "By default returns are reported, not subtracted from demand.")
@output_format_option
@reader_options
def forecast(input, output, horizon, freq, season_length, level, signed, output_format,
             reading):
    """Forecast the demand (units sold) of every product in INPUT.

    INPUT is a sales file (unique_id, ds, y) or any order export Shelfwise reads. Periods
    missing inside a series count as zero sales. Writes one row per series and future
    period: unique_id, ds, forecast, lo_<L>, hi_<L> for each level (units per period),
    model, then title when the file names its products.

    \b
    Examples:
      shelfwise forecast sales.csv --horizon 28 -o forecast.csv
      shelfwise forecast orders_export_1.csv --horizon 28 -o forecast.csv
      shelfwise forecast sales.csv --horizon 14 --output-format table
    """
    sales = reading.read(read_sales, input, freq=freq, signed=signed, say=False)
    extra = {"signed": signed} if "signed" in inspect.signature(forecast_sales).parameters \
        else {}
    with input_errors(input, sales.headers):
        n_series = sales.table["unique_id"].nunique()
        with progress(n_series, "Forecasting") as advance:
            table = forecast_sales(sales.table, horizon, freq=freq,
                                   season_length=season_length, level=level,
                                   on_progress=advance, **extra)
    notes = _engine_notes(table.attrs)
    table.attrs = {}  # tables in attrs break pandas' own operations (round, concat)
    reading.say("; ".join(filter(None, [sales.summary, notes])))
    if sales.titles:
        table["title"] = table["unique_id"].map(sales.titles).fillna("")
    write_table(table.round(dict.fromkeys(table.select_dtypes("number").columns, 4)), output,
                output_format)


def _engine_notes(attrs: dict) -> str:
    """The engine's own remarks (returns seen, incomplete periods left out) as one line."""
    parts = []
    returns = _total(attrs.get("returns"))
    if returns:
        parts.append(f"{returns:,g} units of returns reported, not subtracted")
    partial = attrs.get("partial_periods")
    if isinstance(partial, str):
        parts.append(partial.strip())  # the engine's own sentence
    elif partial is not None and len(_listed(partial)):
        shown = ", ".join(str(p)[:10] for p in _listed(partial)[:4])
        parts.append(f"incomplete periods left out: {shown}")
    return "; ".join(parts)


def _total(value) -> float:
    """A number, a dict, a Series or a table of per-series totals, added up."""
    if value is None:
        return 0.0
    if isinstance(value, pd.DataFrame):
        return float(value.select_dtypes("number").iloc[:, -1:].abs().to_numpy().sum())
    if isinstance(value, dict):
        value = list(value.values())
    return float(np.abs(np.asarray(pd.Series(value), dtype=float)).sum()) \
        if not np.isscalar(value) else abs(float(value))


def _listed(value) -> list:
    if isinstance(value, pd.DataFrame):
        return value.astype(str).agg(" ".join, axis=1).tolist()
    if isinstance(value, dict):
        return [f"{k} {v}" for k, v in value.items()]
    if np.isscalar(value):
        return [value] if value else []
    return list(value)
