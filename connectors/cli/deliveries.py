"""`shelfwise deliveries list|retry`: webhook deliveries that failed, and replaying them."""

from __future__ import annotations

import click

_REPLAYABLE = ("failed", "bad", "held")


def _app():
    from webhooks import create_app

    try:
        return create_app()
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err


@click.group()
def deliveries() -> None:
    """Webhook deliveries: list those that failed and replay them.

    A delivery fails when Shopify kept refusing for more than four hours, when a call
    can never succeed (a missing permission), or when its body did not fit its topic
    (bad). Its sealed body is kept for SHELFWISE_RETENTION_DAYS (60) for a replay.
    """


@deliveries.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(
    ("failed", "bad", "held", "queued", "done", "redacted")), default=("failed",),
    show_default=True, help="Statuses to list (repeat for several).")
@click.option("--shop", "shop_domain", metavar="SHOP", help="Only this shop's deliveries.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
def list_(statuses: tuple[str, ...], shop_domain: str | None, limit: int) -> None:
    """List deliveries (newest first): id, received (UTC), shop, topic, status, attempts,
    whether a replay is possible, and the error.

    Example: shelfwise deliveries list --status failed --status bad
    """
    from sqlalchemy import select

    from connectors.shopify.client import shop_domain as domain_of
    from webhooks.storage import Delivery, db

    app = _app()
    with app.app_context(), db().reading() as session:
        query = select(Delivery).where(Delivery.status.in_(statuses))
        if shop_domain:
            query = query.where(Delivery.shop_domain == domain_of(shop_domain))
        found = session.scalars(query.order_by(Delivery.id.desc()).limit(limit)).all()
        click.echo("id\treceived_utc\tshop\ttopic\tstatus\tattempts\treplayable\terror")
        for d in found:
            click.echo(f"{d.id}\t{d.received_at:%Y-%m-%d %H:%M:%S}\t{d.shop_domain}\t{d.topic}\t"
                       f"{d.status}\t{d.attempts}\t{'yes' if d.body else 'no'}\t"
                       f"{(d.error or '').replace(chr(9), ' ')[:200]}")
    click.echo(f"{len(found)} deliveries", err=True)


@deliveries.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every replayable delivery of the status.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(_REPLAYABLE),
              default=("failed",), show_default=True, help="Statuses to replay.")
@click.option("--shop", "shop_domain", metavar="SHOP", help="Only this shop's deliveries.")
def retry(ids: tuple[int, ...], every: bool, statuses: tuple[str, ...],
          shop_domain: str | None) -> None:
    """Queue deliveries IDS again (or --all of --status); the worker processes them.

    Example: shelfwise deliveries retry 12 13, or shelfwise deliveries retry --all
    """
    if bool(ids) == every:
        raise click.UsageError("give delivery IDS or --all")
    from connectors.shopify.client import shop_domain as domain_of
    from webhooks import deliveries as delivery_jobs

    app = _app()
    with app.app_context():
        queued = delivery_jobs.retry(list(ids) or None, statuses=statuses,
                                     shop=domain_of(shop_domain) if shop_domain else None)
    missing = sorted(set(ids) - set(queued))
    click.echo(f"Queued {len(queued)} deliveries again" + (f": {', '.join(map(str, queued))}"
                                                           if queued else "") + ".")
    if missing:
        raise click.ClickException(f"not replayable (unknown id, other status, or body "
                                   f"deleted): {', '.join(map(str, missing))}")
