"""The `shelfwise` command line: a root group and one module per command."""

from __future__ import annotations

import click

from connectors.cli import (
    advise,
    anomalies,
    deliveries,
    demo,
    forecast,
    fraud,
    perishables,
    reorder,
    segments,
    serve,
    shop,
    shop_catalog,
    upsell,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shelfwise")
def main() -> None:
    """Shelfwise: demand forecasts, reorder points, upsell pairs and fraud scores.

    The model commands read UTF-8 CSV with a header row (fraud: Shopify orders as JSON
    Lines) and write CSV to -o/--output (standard output when absent). Bad input exits
    with status 2 and one line naming the file, row and column at fault.
    """


main.add_command(forecast.forecast)
main.add_command(segments.segments)
main.add_command(anomalies.anomalies)
main.add_command(upsell.upsell)
main.add_command(fraud.fraud)
main.add_command(reorder.reorder)
main.add_command(perishables.perishables)
main.add_command(advise.advise_command, "advise")
main.add_command(serve.serve)
main.add_command(shop.shop)
main.add_command(demo.demo)
main.add_command(deliveries.deliveries)
shop_catalog.attach(shop.shop)  # shop sync, shop recommend (issue 7)
