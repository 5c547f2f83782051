"""`shelfwise reorder`: safety stock, reorder point and order quantity for every item."""

from __future__ import annotations

import click
import numpy as np
import pandas as pd

from connectors.cli.common import (
    READING_RULE,
    BadInput,
    input_errors,
    output_option,
    progress,
    reader_options,
)
from connectors.files import FileError, write_table
from connectors.readers import read_sales, read_stock
from engine.forecasting import calendar
from engine.inventory import check_items, plan_reorders

ITEM_KEYS = ["unique_id", "on_hand", "lead_time", "on_order", "lead_time_sd", "unit_cost",
             "order_cost", "holding_rate", "service_level", "moq", "pack_size"]
#: Items columns the plan reads for perishable items (issue 15): newsvendor, not (s, Q).
PERISHABLE_KEYS = ["perishable", "price", "salvage"]


@click.command(epilog=READING_RULE)
@click.option("--history", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Sales: unique_id, ds, y (units sold), or an orders export.")
@click.option("--items", type=click.Path(dir_okay=False),
              help="Items CSV: unique_id, on_hand, lead_time (in periods of the sales), "
                   "optional on_order, lead_time_sd, unit_cost, order_cost, holding_rate, "
                   "service_level, moq, pack_size.")
@click.option("--inventory", type=click.Path(dir_okay=False),
              help="Stock export instead of --items: Shopify inventory (Available, Incoming) "
                   "or products (Variant Inventory Qty) export, or WooCommerce products "
                   "(Stock). Items are matched by SKU; needs --lead-time.")
@click.option("--lead-time", "lead_time_days", type=click.FloatRange(min=0),
              help="Supplier lead time in DAYS for every item without its own lead_time.")
@click.option("--by-location", is_flag=True,
              help="Plan each item at each location of the inventory export (default: stock "
                   "summed over locations).")
@output_option
@click.option("--freq", help="Period of the sales as a pandas alias (D, W-SUN, MS, ...). "
                             "Inferred from the dates when absent; timestamps become days.")
@click.option("--as-of", type=click.DateTime(), help="Date of the stock counts "
              "(default: the period after the last sale); dates the projected stock-outs.")
@click.option("--review-period", type=click.FloatRange(min=0), default=0, show_default=True,
              help="0: continuous review (s, Q). R > 0: order up to a level every R periods.")
@click.option("--measure", type=click.Choice(["fill_rate", "cycle"]), default="fill_rate",
              show_default=True, help="What service_level means: share of units served from "
                                      "stock, or chance of no stock-out per order cycle.")
@reader_options
def reorder(history, items, inventory, lead_time_days, by_location, output, freq, as_of,
            review_period, measure, reading):
    """Plan reorders: when the stock position (on hand + on order) is at or below
    reorder_point, order order_quantity (whole packs, at least the MOQ).

    order_quantity is the size of one order whenever you reorder; order_now is what to
    order today given the stock you have (0 when the position is above the reorder
    point). All quantities are units; mean_demand is the demand over the lead time.

    Writes unique_id, mean_demand, safety_stock, reorder_point, order_quantity,
    order_now, then fill_rate (expected), cycle_service_level, demand_per_period,
    days_of_cover, stockout_date, distribution, model, reason (in words), title.

    \b
    Examples:
      shelfwise reorder --history sales.csv --items items.csv -o plan.csv
      shelfwise reorder --history orders_export.csv --inventory inventory_export.csv \\
          --lead-time 7 -o plan.csv
    """
    if bool(items) == bool(inventory):
        raise click.UsageError("give either --items ITEMS or --inventory STOCK")
    sales = reading.read(read_sales, history, freq=freq, by_location=by_location, say=False)
    stock_file = items or inventory
    with input_errors(stock_file):
        stock = read_stock(stock_file, by_location=by_location)
    summary = [sales.summary, stock.summary]
    unplanned = sorted(set(sales.table["unique_id"]) - set(stock.table["unique_id"]))
    if unplanned:
        one = len(unplanned) == 1
        summary.append(f"{len(unplanned):,} product{'' if one else 's'} sold but not in "
                       f"{_name(stock_file)} {'is' if one else 'are'} not planned "
                       f"(e.g. {', '.join(unplanned[:3])})")
    reading.say("; ".join(summary))
    table = sales.table
    with input_errors(history, sales.headers):
        period = freq or calendar.infer_frequency(table["ds"])
    items_table = _items(stock.table, stock_file, lead_time_days, period)
    key_sales, key_items, ids = table, items_table, items_table["unique_id"]
    located = by_location and "location" in items_table
    if located:
        key_sales, key_items, ids = _by_location(table, items_table)
    with input_errors(stock_file):
        checked = check_items(key_items[[c for c in ITEM_KEYS if c in key_items]])
    fresh = [c for c in PERISHABLE_KEYS if c in key_items]
    planned = checked.join(key_items[fresh].reset_index(drop=True)) if fresh else checked
    with input_errors(history, sales.headers), progress(len(checked), "Planning") as advance:
        plan = plan_reorders(key_sales, planned, freq=period, as_of=as_of, measure=measure,
                             review_period=review_period, on_progress=advance)
    plan["stockout_date"] = plan["stockout_date"].dt.strftime("%Y-%m-%d")
    plan["reason"] = reasons(plan, checked, period)
    if located:
        plan["unique_id"] = ids.to_numpy()
        plan["location"] = key_items["location"].to_numpy()
    titles = {**stock.titles, **sales.titles}
    if titles:
        plan["title"] = plan["unique_id"].map(titles).fillna("")
    write_table(plan.round(4), output)


def _items(stock: pd.DataFrame, file: str, lead_time_days: float | None,
           period: str) -> pd.DataFrame:
    """The items table: lead times given in days become periods of the sales."""
    items = stock.copy()
    days = period_days(period)
    given = items["lead_time"] if "lead_time" in items else pd.Series(np.nan, index=items.index)
    if lead_time_days is not None:
        given = given.fillna(lead_time_days / days)
    if given.isna().any():
        row = int(np.argmax(given.isna().to_numpy()))
        raise BadInput(str(FileError(
            _name(file), "no lead time: give --lead-time DAYS for items without their own",
            row=int(items.index[row]) + 2 if "lead_time" in stock else None,
            column="lead_time")))
    items["lead_time"] = given
    return items.reset_index(drop=True)


def _by_location(sales: pd.DataFrame, items: pd.DataFrame):
    """Sales and items keyed by item and location: the sales of that location when the
    orders say where, else the item's whole demand at each location."""
    items = items.reset_index(drop=True)
    key = items["unique_id"] + " @ " + items["location"]
    if "location" in sales and (sales["location"] != "").any():
        keyed = sales.assign(unique_id=sales["unique_id"] + " @ " + sales["location"])
    else:
        pairs = pd.DataFrame({"unique_id": items["unique_id"], "key": key})
        keyed = sales.merge(pairs, on="unique_id").assign(unique_id=lambda t: t["key"])
    keyed = keyed[["unique_id", "ds", "y"]]
    if keyed.empty:
        keyed = sales[["unique_id", "ds", "y"]]
    return keyed, items.assign(unique_id=key), items["unique_id"]


def period_days(freq: str) -> float:
    """Length of one period of `freq` in days (a month about 30.5), over a year of labels."""
    try:
        labels = pd.date_range("2024-01-01", periods=13, freq=freq)
    except (TypeError, ValueError):
        return 1.0
    return float((labels[-1] - labels[0]) / pd.Timedelta(days=1)) / 12


def reasons(plan: pd.DataFrame, items: pd.DataFrame, freq: str) -> list[str]:
    """Each plan row in words: demand, what the lead time needs, what you have, what to do."""
    word = _period_word(freq)
    days = period_days(freq)
    out = []
    for row, item in zip(plan.itertuples(index=False), items.itertuples(index=False),
                         strict=True):
        have = item.on_hand + item.on_order
        lead = item.lead_time * days
        lead_text = f"{_num(lead)} day{'s' if lead != 1 else ''}' lead time" if days <= 1 \
            else f"{_num(item.lead_time)} {word}{'s' if item.lead_time != 1 else ''}' lead time"
        if getattr(row, "distribution", "") == "newsvendor":
            out.append(f"perishable: have {_num(row.order_quantity)} on the shelf tomorrow "
                       f"(newsvendor quantity, enough on {row.cycle_service_level:.0%} of days;"
                       f" expected demand {_num(row.mean_demand)}); leftovers are thrown away, "
                       "so stock on hand does not count")
            continue
        if not np.isfinite(row.demand_per_period) or row.demand_per_period <= 0:
            out.append(f"no sales in the history; you have {_num(have)}: nothing to order")
            continue
        text = (f"sells about {_num(row.demand_per_period)} a {word}; {lead_text} needs "
                f"{_num(np.ceil(row.reorder_point))} with the safety margin; you have "
                f"{_num(have)}")
        if row.order_now > 0:
            text += f": order {_num(row.order_now)} now"
        else:
            text += (f": enough for now (order {_num(row.order_quantity)} when you are down "
                     f"to {_num(np.floor(row.reorder_point))})")
        out.append(text)
    return out


def _period_word(freq: str) -> str:
    base = pd.tseries.frequencies.to_offset(freq).rule_code.split("-")[0].upper()
    for code, word in (("MIN", "minute"), ("H", "hour"), ("D", "day"), ("B", "working day"),
                       ("W", "week"), ("M", "month"), ("Q", "quarter"), ("Y", "year"),
                       ("A", "year")):
        if base.startswith(code):
            return word
    return "period"


def _num(value: float) -> str:
    value = float(value)
    if abs(value) >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _name(path: str) -> str:
    from connectors.files import file_name

    return file_name(path)
