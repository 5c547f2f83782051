"""`shelfwise shop ...`: stores served by this Shelfwise (self-hosted, single-store use)."""

from __future__ import annotations

import click


@click.group()
def shop() -> None:
    """Shopify stores: register one by its Admin API access token."""


@shop.command("add")
@click.argument("shop_domain", metavar="SHOP")
@click.option("--access-token", metavar="TOKEN",
              help="Admin API access token of the store's custom app (shpat_...).")
@click.option("--client-credentials", is_flag=True,
              help="Get the token with the app's client id and secret instead (a custom app "
                   "of this one store); it is renewed automatically.")
@click.option("--check/--no-check", default=True, show_default=True,
              help="Ask Shopify for the shop's name with the token before saving it.")
def add(shop_domain: str, access_token: str | None, client_credentials: bool,
        check: bool) -> None:
    """Register SHOP (e.g. x.myshopify.com): its token is stored encrypted.

    Example: shelfwise shop add x.myshopify.com --access-token shpat_0123...
    """
    if bool(access_token) == client_credentials:
        raise click.UsageError("give either --access-token TOKEN or --client-credentials")
    from connectors.shopify import ShopifyError
    from connectors.shopify.client import shop_domain as domain_of
    from webhooks import create_app, shops
    from webhooks.storage import db

    try:
        app = create_app()
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err
    domain = domain_of(shop_domain)
    with app.app_context():
        api = shops.client()
        try:
            if client_credentials:
                token, kind = api.client_credentials(domain), shops.CLIENT_CREDENTIALS
                plain = token.token
            else:
                token = plain = access_token.strip()
                kind = shops.ADMIN
            found = api.shop(domain, plain) if check else {}
        except ShopifyError as err:
            raise click.ClickException(f"Shopify refused the token for {domain} "
                                       f"({err.code})") from err
        name = found.get("name")
        with db().session() as session:
            row = shops.save_token(session, domain, token, kind)
            if found.get("id"):  # privacy webhooks must name this id
                row.shopify_id = str(found["id"]).rsplit("/", 1)[-1]
    click.echo(f"Registered {domain}" + (f" ({name})" if name else "") + ".")
