"""Customer segment tags on Shopify (issue 8): ``shelfwise-segment-<name>`` on each customer.

Merchants target the tags in Shopify's customer segments and marketing tools
(``customer_tags CONTAINS 'shelfwise-segment-champions'``). A batch of customers goes in
one mutation (`documents.segment_tags_mutation`): for each customer ``tagsRemove`` of the
previous segment tag when the segment changed, then ``tagsAdd`` of the current one. Both
are idempotent (tags are a set), so a batch is safe to retry. Needs ``write_customers``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from connectors.shopify import documents
from connectors.shopify.client import ShopifyClient

log = logging.getLogger("shelfwise.shopify")

TAG_PREFIX = "shelfwise-segment-"
CUSTOMERS_PER_CALL = 25  # at most 50 tag mutations, about 500 cost points per call
SCOPE = "write_customers"


def segment_tag(segment: str) -> str:
    """``"Can't lose them"`` -> ``shelfwise-segment-cant-lose-them``."""
    text = str(segment).lower().replace("'", "").replace("\u2019", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return TAG_PREFIX + (slug or "unknown")


@dataclass(frozen=True)
class TagChange:
    """One customer's new segment tag and the previous one to remove (None: first tag)."""

    customer_gid: str
    tag: str
    previous: str | None = None


def write_segment_tags(api: ShopifyClient, shop: str, token: str, changes: Sequence[TagChange],
                       *, on_batch: Callable[[list[TagChange]], None] | None = None,
                       per_call: int = CUSTOMERS_PER_CALL) -> tuple[int, dict[str, str]]:
    """Send `changes` in batches; (customers written, {customer gid: error} for the rest).

    `on_batch` gets the changes of each batch that Shopify applied, right after the call,
    so the caller can record them before the next batch (a crash resends at most one).
    A customer with a user error (e.g. deleted in Shopify) is reported, not retried here;
    a failed call (`ShopifyError`) propagates.
    """
    written, failed = 0, {}
    for start in range(0, len(changes), per_call):
        batch = list(changes[start:start + per_call])
        removes = [c.previous is not None and c.previous != c.tag for c in batch]
        variables: dict[str, object] = {}
        for i, (change, remove) in enumerate(zip(batch, removes, strict=True)):
            variables[f"id{i}"] = change.customer_gid
            variables[f"add{i}"] = [change.tag]
            if remove:
                variables[f"remove{i}"] = [change.previous]
        data = api.graphql(shop, token, documents.segment_tags_mutation(removes), variables)
        done, refused = [], {}
        for i, change in enumerate(batch):
            errors = [*_errors(data, f"r{i}"), *_errors(data, f"a{i}")]
            if errors:
                refused[change.customer_gid] = "; ".join(errors)
            else:
                done.append(change)
        written += len(done)
        if refused:
            log.warning("shopify %s: segment tags refused for %d customer(s): %s", shop,
                        len(refused), next(iter(refused.values()))[:200])
            failed.update(refused)
        if on_batch and done:
            on_batch(done)
    return written, failed


def _errors(data: Mapping, alias: str) -> list[str]:
    payload = data.get(alias) or {}
    return [str(e.get("message")) for e in payload.get("userErrors") or []]
