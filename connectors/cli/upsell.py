"""`shelfwise upsell`: products bought together, per product page or per cart."""

from __future__ import annotations

import click

from connectors.cli.common import (
    READING_RULE,
    input_errors,
    output_option,
    progress,
    reader_options,
)
from connectors.files import write_table
from connectors.readers import read_order_lines, read_table
from engine.upsell import UpsellRecommender

QUERY_COLUMNS = {"query_id": "text", "product_id": "text"}


@click.command(epilog=READING_RULE)
@click.argument("lines", type=click.Path(dir_okay=False, allow_dash=True))
@output_option
@click.option("--top", "-n", type=click.IntRange(min=1), default=10, show_default=True,
              help="Recommendations per product (or per cart with --query).")
@click.option("--query", type=click.Path(dir_okay=False),
              help="CSV of carts (query_id, product_id): recommend what to add to each cart "
                   "instead of companions per product.")
@click.option("--exclude", multiple=True, metavar="PRODUCT_ID",
              help="Never recommend this product (e.g. out of stock); repeat for several.")
@click.option("--half-life-days", type=click.FloatRange(min=0, min_open=True),
              help="Weigh recent orders more: an order this many days old counts half "
                   "(needs created_at). Off by default.")
@reader_options
def upsell(lines, output, top, query, exclude, half_life_days, reading):
    """Recommend products bought together, from the order lines in LINES.

    LINES columns: order_id, product_id; optional quantity (returns, 0 or less, are
    skipped), customer_id, created_at, product_title; or any order export Shelfwise
    reads (its lines are grouped into orders). Writes, per product, up to TOP
    companions: product_id, rank, recommended_id, score, support, confidence, lift,
    orders_together. Confidence is the share of the product's orders that also hold
    the companion; lift is how many times likelier than for any order.

    With --query, writes query_id, rank, recommended_id, score per cart instead, never
    a product already in that cart.

    \b
    Examples:
      shelfwise upsell order_lines.csv -o companions.csv
      shelfwise upsell order_lines.csv --query carts.csv --top 5 -o add_to_cart.csv
    """
    read = reading.read(read_order_lines, lines)
    table = read.table
    with progress(2, "Recommending") as advance:
        with input_errors(lines, read.headers):
            model = UpsellRecommender(top, half_life_days=half_life_days).fit(table)
        advance(1)
        if query is None:
            recs = model.similar(exclude=exclude)
        else:
            with input_errors(query):
                carts = read_table(query, QUERY_COLUMNS)[0].reset_index(drop=True)
                recs = model.recommend(carts, exclude=exclude)
        advance(1)
    if read.titles:
        if "product_id" in recs:
            recs["title"] = recs["product_id"].map(read.titles).fillna("")
        recs["recommended_title"] = recs["recommended_id"].map(read.titles).fillna("")
    write_table(recs.round({"score": 6, "support": 6, "confidence": 6, "lift": 4}), output)
