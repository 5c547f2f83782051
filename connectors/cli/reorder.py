"""`shelfwise reorder`: safety stock, reorder point and order quantity for every item."""

from __future__ import annotations

import click

from connectors.cli.common import input_errors, output_option, progress
from connectors.files import Column, read_table, write_table
from engine.inventory import check_items, plan_reorders

SALES_COLUMNS = {"unique_id": Column("text"), "ds": Column("date"), "y": Column("number")}
ITEM_COLUMNS = {
    "unique_id": Column("text"), "on_hand": Column("number"), "lead_time": Column("number"),
    **{name: Column("number", required=False) for name in (
        "on_order", "lead_time_sd", "unit_cost", "order_cost", "holding_rate", "service_level",
        "moq", "pack_size")},
}


@click.command()
@click.option("--history", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Sales CSV: unique_id, ds, y (units sold).")
@click.option("--items", required=True, type=click.Path(dir_okay=False),
              help="Items CSV: unique_id, on_hand, lead_time (in periods of the sales), "
                   "optional on_order, lead_time_sd, unit_cost, order_cost, holding_rate, "
                   "service_level, moq, pack_size.")
@output_option
@click.option("--freq", help="Period of the sales as a pandas alias (D, W-SUN, MS, ...). "
                             "Inferred from the dates when absent.")
@click.option("--as-of", type=click.DateTime(), help="Date of the stock counts "
              "(default: the period after the last sale); dates the projected stock-outs.")
@click.option("--review-period", type=click.FloatRange(min=0), default=0, show_default=True,
              help="0: continuous review (s, Q). R > 0: order up to a level every R periods.")
@click.option("--measure", type=click.Choice(["fill_rate", "cycle"]), default="fill_rate",
              show_default=True, help="What service_level means: share of units served from "
                                      "stock, or chance of no stock-out per order cycle.")
def reorder(history, items, output, freq, as_of, review_period, measure):
    """Plan reorders: when the stock position (on hand + on order) is at or below
    reorder_point, order order_quantity (whole packs, at least the MOQ).

    Writes unique_id, mean_demand (over the lead time), safety_stock, reorder_point,
    order_quantity, order_now, then fill_rate (expected), cycle_service_level,
    demand_per_period, days_of_cover, stockout_date, distribution, model.

    \b
    Example:
      shelfwise reorder --history sales.csv --items items.csv -o plan.csv
    """
    with input_errors(items):
        stock = check_items(read_table(items, ITEM_COLUMNS))
    with input_errors(history):
        sales = read_table(history, SALES_COLUMNS)
        with progress(len(stock), "Planning") as advance:
            plan = plan_reorders(sales, stock, freq=freq, as_of=as_of, measure=measure,
                                 review_period=review_period, on_progress=advance)
    plan["stockout_date"] = plan["stockout_date"].dt.strftime("%Y-%m-%d")
    write_table(plan.round(4), output)
