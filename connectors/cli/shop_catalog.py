"""`shelfwise shop sync|recommend SHOP`: the catalogue path of a registered store."""

from __future__ import annotations

import click


def attach(group: click.Group) -> None:
    """Add `sync` and `recommend` to the `shop` group."""
    group.add_command(sync)
    group.add_command(recommend)


def _app():
    from webhooks import create_app

    try:
        return create_app()
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err


@click.command("sync")
@click.argument("shop_domain", metavar="SHOP")
@click.option("--poll-interval", type=click.FloatRange(min=0.01), default=2.0,
              show_default=True, help="Seconds between checks of a running bulk operation.")
def sync(shop_domain: str, poll_interval: float) -> None:
    """Full sync of SHOP: orders, products and inventory, by Shopify bulk operations.

    Without the read_all_orders permission Shopify shows only the last 60 days of
    orders; the sync says so.

    Example: shelfwise shop sync x.myshopify.com
    """
    from connectors.shopify import ShopifyError
    from webhooks import catalog

    app = _app()
    with app.app_context():
        try:
            summary = catalog.sync_now(shop_domain, interval=poll_interval, on_stage=lambda s:
                                       click.echo(f"  {s['stage']}...", err=True))
        except (ShopifyError, catalog.SyncError) as err:
            raise click.ClickException(f"the sync of {shop_domain} failed: {err}") from err
    counts = summary["counts"]
    click.echo(f"Synced {summary['shop']}: {counts.get('products', 0)} products, "
               f"{counts.get('variants', 0)} variants, {counts.get('inventory_levels', 0)} "
               f"inventory levels, {counts.get('orders', 0)} orders.")
    if counts.get("orders_skipped"):
        click.echo(f"{counts['orders_skipped']} orders were skipped: Shopify exported them "
                   "without a field the models need (see the log).", err=True)
    if summary["orders_since"] is not None:
        click.echo(f"Only orders since {summary['orders_since']:%Y-%m-%d} were read: the app "
                   "lacks the read_all_orders permission (Shopify's 60-day window).")


@click.command("recommend")
@click.argument("shop_domain", metavar="SHOP")
@click.option("--lead-time", type=click.FloatRange(min=0), default=None,
              help="Supplier lead time in days for the reorder plan (default 7).")
@click.option("--write/--no-write", default=True, show_default=True,
              help="Write the advice back to Shopify as metafields.")
def recommend(shop_domain: str, lead_time: float | None, write: bool) -> None:
    """Recompute forecasts, the reorder plan and upsell pairs of SHOP and write them back.

    Products get the metafield complementary_products; variants reorder_point,
    order_quantity and forecast_30_days (namespace $app:shelfwise); customers whose
    segment changed get the tag shelfwise-segment-<segment> (needs write_customers).

    Example: shelfwise shop recommend x.myshopify.com
    """
    from connectors.shopify import ShopifyError
    from webhooks import advice

    app = _app()
    with app.app_context():
        try:
            result = advice.recommend(shop_domain, write=write, lead_time_days=lead_time)
        except ShopifyError as err:
            raise click.ClickException(f"Shopify refused the write-back for {shop_domain}: "
                                       f"{err}") from err
    click.echo(f"Advice for {result.shop} as of {result.as_of}: {result.products} products, "
               f"{result.variants} variants, {result.orders} orders; "
               f"{result.metafields_written} metafields written, "
               f"{result.segment_tags_written} customers tagged with their segment.")
