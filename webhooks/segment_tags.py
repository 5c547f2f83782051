"""Customer segment tags on Shopify: ``shelfwise-segment-<segment>`` on each customer.

`CustomerSegmentTag` rows keep what was written, so a run sends only the customers whose
segment changed (``tagsRemove`` of the old tag, ``tagsAdd`` of the new one). Needs the
``write_customers`` scope; without it the tagging is skipped with a note.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from connectors.shopify import ShopifyError
from connectors.shopify import catalog as shopify_catalog
from connectors.shopify import customers as shopify_customers
from connectors.shopify.client import Unauthorized
from webhooks.storage import CustomerSegmentTag, db, utcnow

log = logging.getLogger("shelfwise.advice")


def segment_tag_changes(shop_id: int, segments: dict[str, str]
                        ) -> list[shopify_customers.TagChange]:
    """The customers whose segment tag differs from the one last written (new ones too)."""
    with db().session() as session:
        written = dict(session.execute(select(
            CustomerSegmentTag.customer_gid, CustomerSegmentTag.tag).where(
            CustomerSegmentTag.shop_id == shop_id)).all())
    changes = []
    for customer, name in sorted(segments.items()):
        tag = shopify_customers.segment_tag(name)
        if written.get(customer) != tag:
            changes.append(shopify_customers.TagChange(customer, tag, written.get(customer)))
    return changes


def _record_tags(shop_id: int, done: list[shopify_customers.TagChange]) -> None:
    now = utcnow()
    with db().session() as session:
        rows = {r.customer_gid: r for r in session.scalars(select(CustomerSegmentTag).where(
            CustomerSegmentTag.shop_id == shop_id,
            CustomerSegmentTag.customer_gid.in_([c.customer_gid for c in done])))}
        for change in done:
            row = rows.get(change.customer_gid)
            if row is None:
                session.add(CustomerSegmentTag(shop_id=shop_id, customer_gid=change.customer_gid,
                                               tag=change.tag, written_at=now))
            else:
                row.tag, row.written_at = change.tag, now


def write_segment_tags(api, domain: str, token: str, shop_id: int,
                       segments: dict[str, str]) -> dict:
    """Tag the customers whose segment changed; what happened, for the summary.

    Skipped (with a note) without the ``write_customers`` scope. A failed call stops the
    tagging for this run without failing the advice: what was written is recorded, the
    rest goes on the next run.
    """
    outcome: dict = {"written": 0, "unchanged": 0, "failed": 0, "note": ""}
    changes = segment_tag_changes(shop_id, segments)
    outcome["unchanged"] = len(segments) - len(changes)
    if not changes:
        return outcome
    try:
        scopes = shopify_catalog.access_scopes(api, domain, token)
    except Unauthorized:
        raise
    except ShopifyError as err:
        log.warning("segment tags for %s skipped: scopes unknown (%s)", domain, err.code)
        outcome["note"] = "the app's permissions could not be read"
        return outcome
    if shopify_customers.SCOPE not in scopes:
        log.info("segment tags for %s skipped: no %s scope", domain, shopify_customers.SCOPE)
        outcome["note"] = f"needs the {shopify_customers.SCOPE} permission"
        return outcome
    def recorded(done: list[shopify_customers.TagChange]) -> None:
        _record_tags(shop_id, done)
        outcome["written"] += len(done)

    try:
        _, failed = shopify_customers.write_segment_tags(api, domain, token, changes,
                                                         on_batch=recorded)
        outcome["failed"] = len(failed)
    except Unauthorized:
        raise
    except ShopifyError as err:
        log.warning("segment tags for %s stopped: %s", domain, err)
        outcome["note"] = f"stopped: {err.code}"
    return outcome
