"""`shelfwise demo`: a demo store on the embedded defaults, its dashboard on the web."""

from __future__ import annotations

import os
import secrets
import time

import click


def build_demo_app(instance: str):
    """An app in demo mode on SQLite under `instance`, tasks run in-process (no worker)."""
    from connectors.demo_store import DEMO_SHOP
    from webhooks import create_app
    from webhooks.queue import huey

    os.makedirs(instance, exist_ok=True)
    key_file = os.path.join(instance, "demo-secret-key")
    if not os.path.exists(key_file):
        with open(key_file, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(32))
    with open(key_file, encoding="utf-8") as fh:
        secret = fh.read().strip()
    huey.immediate = True  # the in-process queue: no background worker in the demo
    return create_app({
        "INSTANCE_PATH": instance, "SECRET_KEY": secret, "DEMO_SHOP": DEMO_SHOP,
        "DATABASE_URL": f"sqlite:///{os.path.join(instance, 'demo.sqlite3')}",
        "SHOPIFY_ORIGIN": None,
    })


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder of the demo database (default: the instance folder's demo/).")
@click.option("--no-serve", is_flag=True, help="Build the demo store and its advice, then stop.")
@click.option("--export", "export", type=click.Path(file_okay=False), default=None,
              help="Write the demo store's orders (orders.jsonl) and stock (inventory.csv) "
                   "into this folder for `shelfwise advise`, then stop.")
def demo(host: str, port: int, instance: str | None, no_serve: bool,
         export: str | None) -> None:
    """Create a demo store from the bundled data and serve its dashboard.

    The store holds a year of real daily sales of 28 items (M5 data; see
    connectors/samples/SOURCES.md) as Shopify products and orders. Shelfwise forecasts
    demand, plans reorders, finds upsell pairs and scores the latest orders; the dashboard
    opens on http://127.0.0.1:8000 without Shopify credentials. Nothing is sent to Shopify.

    \b
    Examples:
      shelfwise demo
      shelfwise demo --export demo/ && shelfwise advise demo/orders.jsonl \\
          --inventory demo/inventory.csv -o report.xlsx
    """
    if export:
        from connectors import demo_store

        orders, stock = demo_store.write_files(demo_store.build(), export)
        click.echo(f"Demo store written: {orders} and {stock}", err=True)
        return
    from webhooks import demo as demo_mode
    from webhooks import settings

    instance = instance or os.path.join(settings.instance_path(), "demo")
    app = build_demo_app(instance)
    started = time.monotonic()
    click.echo("Building the demo store (a year of sales of 28 items)...", err=True)
    with app.app_context():
        summary = demo_mode.build()
    click.echo(f"Demo store {summary['shop']}: {summary['products']} products, "
               f"{summary['orders']:,} orders from {summary['first_day']} to "
               f"{summary['last_day']}; models run in {time.monotonic() - started:.1f} s.",
               err=True)
    if no_serve:
        return
    from werkzeug.serving import make_server

    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror}") from err
    click.echo(f"Dashboard: http://{host}:{server.server_port}/  (Ctrl+C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
