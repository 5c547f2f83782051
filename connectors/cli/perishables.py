"""`shelfwise perishables`: how much of each perishable item to bake or prep on the next days."""

from __future__ import annotations

import click
import pandas as pd

from connectors.cli.common import (
    READING_RULE,
    BadInput,
    input_errors,
    output_format_option,
    output_option,
    progress,
    reader_options,
)
from connectors.files import FileError, write_table
from connectors.readers import read_sales, read_table
from connectors.readers.values import decimal_comma, parse_numbers
from engine.errors import InputError
from engine.perishables.plan import plan_perishables

ITEM_COLUMNS = {"unique_id": "text", "price": "number?", "cost": "number?",
                "salvage": "number?"}


@click.command(epilog=READING_RULE)
@click.argument("sales", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--price", type=click.FloatRange(min=0), help="Selling price of one unit (for "
              "every item without its own price in --items).")
@click.option("--cost", type=click.FloatRange(min=0), help="What one unit costs to make or "
              "buy (for every item without its own cost in --items).")
@click.option("--salvage", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="What an unsold unit still brings (sold off cheap, fed to staff...).")
@click.option("--items", type=click.Path(dir_okay=False),
              help="Items CSV: unique_id and any of price, cost, salvage per item.")
@click.option("--features", type=click.Path(dir_okay=False),
              help="External factors CSV: ds, optional unique_id, one number column per "
                   "factor (temperature, rain, promotion, ...), covering the history and the "
                   "days ahead (a weather forecast).")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True,
              help="Days to plan, from the day after the last sale.")
@click.option("--country", help="Country code for public holidays (DE, US, GB, ...).")
@output_option
@output_format_option
@reader_options
def perishables(sales, price, cost, salvage, items, features, days, country, output,
                output_format, reading):
    """Plan perishables: what to have on the shelf each day when leftovers are thrown away.

    The quantity is the demand you sell out of with probability 1 - critical_ratio,
    critical_ratio = (price - cost) / (price - salvage), learned from the weekday, the
    month, holidays, sales up to the last day of SALES and the factors in --features.
    Writes unique_id, ds, quantity, critical_ratio, expected_sales, expected_waste,
    expected_lost_sales (units), expected_revenue, waste_cost, lost_margin,
    expected_profit (money), model, reason.

    \b
    Examples:
      shelfwise perishables sales.csv --price 3.20 --cost 1.10 --days 7 -o bake.csv
      shelfwise perishables sales.csv --items items.csv --features weather.csv
    """
    history = reading.read(read_sales, sales)
    items_table = _items(items) if items else None
    factors = _features(features, reading) if features else None
    try:
        with progress(history.table["unique_id"].nunique(), "Planning") as advance:
            plan = plan_perishables(history.table, price=price, cost=cost, salvage=salvage,
                                    items=items_table, features=factors, days=days,
                                    country=country, on_progress=advance)
    except InputError as err:
        source = _source_of(err, sales, items, features, factors)
        if source is None:  # about an option: --price, --cost, --salvage, --country
            raise BadInput(err.message) from err
        with input_errors(source):
            raise
    plan["ds"] = plan["ds"].dt.strftime("%Y-%m-%d")
    if history.titles:
        plan["title"] = plan["unique_id"].map(history.titles).fillna("")
    write_table(plan.round(4), output, output_format)


def _source_of(err: InputError, sales, items, features, factors) -> str | None:
    """The file an engine error is about: items for prices (None: the options), features
    for factors, else the sales."""
    if err.column in ("price", "cost", "salvage"):
        return items
    if "country" in err.message:
        return None
    if features and (err.column == "ds" and "features" in err.message or
                     err.column in set(factors.columns) - {"ds"}):
        return features
    return sales


def _items(path: str) -> pd.DataFrame:
    with input_errors(path):
        table, _, _ = read_table(path, ITEM_COLUMNS)
    return table


def _features(path: str, reading) -> pd.DataFrame:
    """The features file: `ds`, optional `unique_id`, every other column a number."""
    with input_errors(path):
        table, cells, _ = read_table(path, {"ds": "date", "unique_id": "text?"},
                                     dayfirst=reading.dayfirst)
        others = [c for c in cells.columns if c.strip() not in ("ds", "unique_id")]
        if not others:
            raise FileError(path, "needs at least one factor column besides ds and unique_id",
                            row=1)
        comma = decimal_comma({c: cells[c] for c in others}, file=path)
        for col in others:
            table[col.strip()] = parse_numbers(cells[col], file=path, column=col, comma=comma)
    if (table["unique_id"] == "").all():
        table = table.drop(columns="unique_id")
    return table.reset_index(drop=True)
