"""Catalogue sync and write-back on top of `ShopifyClient`: bulk operations and metafields.

Bulk operations (`bulkOperationRunQuery`) export a whole store as JSON Lines: one object
per line; a nested connection's nodes come on their own lines with ``__parentId`` naming
their parent, and may come before it. `read_jsonl` streams the file; `kind_of` tells a
row's type from its global id; `group_children` assembles parents and children when a
caller needs them together (memory grows with the file: storage-side ingestion keys
children by ``__parentId`` instead).

Write-back uses `metafieldsSet` (25 metafields per call, atomic) in the app-reserved
namespace ``$app:shelfwise`` and creates the metafield definitions once, so merchants see
the values in the admin and themes can read them (storefront access ``PUBLIC_READ``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import httpx

from connectors.shopify import documents
from connectors.shopify.client import ShopifyClient, ShopifyError

NAMESPACE = "$app:shelfwise"
METAFIELDS_PER_CALL = 25
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})

#: Metafield definitions Shelfwise writes (CONTRACTS.md "What the app writes to Shopify").
DEFINITIONS = (
    {"key": "complementary_products", "type": "list.product_reference", "ownerType": "PRODUCT",
     "name": "Frequently bought together",
     "description": "Products bought with this one, best first (Shelfwise)."},
    {"key": "reorder_point", "type": "number_integer", "ownerType": "PRODUCTVARIANT",
     "name": "Reorder point",
     "description": "Reorder when stock on hand plus on order falls to this many units "
                    "(Shelfwise)."},
    {"key": "order_quantity", "type": "number_integer", "ownerType": "PRODUCTVARIANT",
     "name": "Order quantity", "description": "Units to order each time (Shelfwise)."},
    {"key": "forecast_30_days", "type": "number_decimal", "ownerType": "PRODUCTVARIANT",
     "name": "Forecast, next 30 days",
     "description": "Units expected to sell in the next 30 days (Shelfwise)."},
)


@dataclass(frozen=True)
class BulkOperation:
    """The state of one bulk operation as Shopify reports it."""

    id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    url: str | None = None
    partial_url: str | None = None
    created_at: str | None = None  # when Shopify started it (ISO 8601), as Shopify wrote it

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def from_node(cls, node: Mapping) -> BulkOperation:
        return cls(id=str(node.get("id")), status=str(node.get("status") or "").upper(),
                   error_code=node.get("errorCode"),
                   object_count=int(node.get("objectCount") or 0), url=node.get("url"),
                   partial_url=node.get("partialDataUrl"), created_at=node.get("createdAt"))


class BulkBusyError(ShopifyError):
    """Another bulk query of this app is running on the shop: try again when it finishes."""


def orders_query(since: date | None) -> str:
    """The bulk orders query, limited to orders created on or after `since` when given."""
    return documents.BULK_ORDERS.replace("__FILTER__",
                                         f"created_at:>={since:%Y-%m-%d}" if since else "")


def run_bulk_query(api: ShopifyClient, shop: str, token: str, query: str) -> BulkOperation:
    """Start a bulk query; raises `BulkBusyError` when one is already running on the shop."""
    data = api.graphql(shop, token, documents.BULK_OPERATION_RUN_QUERY, {"query": query},
                       idempotent=False)
    payload = data.get("bulkOperationRunQuery") or {}
    errors = payload.get("userErrors") or []
    if errors:
        detail = "; ".join(str(e.get("message")) for e in errors)
        if any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors):
            raise BulkBusyError("bulk_in_progress", detail, 200)
        raise ShopifyError("user_errors", f"bulkOperationRunQuery: {detail}", 200)
    return BulkOperation.from_node(payload.get("bulkOperation") or {})


def bulk_operation(api: ShopifyClient, shop: str, token: str, gid: str) -> BulkOperation:
    """The operation's current state (`bulkOperation(id:)`)."""
    node = api.graphql(shop, token, documents.BULK_OPERATION, {"id": gid}).get("bulkOperation")
    if not node:
        raise ShopifyError("not_found", f"bulk operation {gid} not found", 200)
    return BulkOperation.from_node(node)


def read_jsonl(url: str | None, *, timeout: float = 60.0) -> Iterator[dict]:
    """Stream the rows of a bulk operation's result file (none when the store is empty)."""
    if not url:
        return
    with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.strip():
                yield json.loads(line)


def kind_of(gid: str | None) -> str:
    """``gid://shopify/ProductVariant/7?x=1`` -> ``ProductVariant``."""
    if not gid:
        return ""
    return str(gid).split("?", 1)[0].rstrip("/").split("/")[-2]


def legacy_id(gid: str | None) -> str | None:
    """``gid://shopify/Order/42`` -> ``42`` (the id webhooks carry)."""
    if not gid:
        return None
    return str(gid).split("?", 1)[0].rstrip("/").split("/")[-1]


def gid(kind: str, value: object) -> str:
    """A webhook's numeric id -> its global id (``Order``, ``Product``...)."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


#: Shopify's limits: 250 tags a product, 255 characters a tag (more is cut, not stored).
MAX_TAGS, MAX_TAG_LENGTH = 250, 255


def tag_text(tags: object) -> str:
    """A product's tags as Shopify's REST bodies write them (``"a, b"``), from that text
    or GraphQL's list; blanks and anything not text dropped, duplicates (any case) kept
    once, Shopify's limits kept."""
    if isinstance(tags, str):
        parts = tags.split(",")
    elif isinstance(tags, list | tuple):
        parts = [t for t in tags if isinstance(t, str)]
    else:
        parts = []
    seen: dict[str, str] = {}
    for part in (p.strip()[:MAX_TAG_LENGTH] for p in parts):
        if part and len(seen) < MAX_TAGS:
            seen.setdefault(part.casefold(), part)
    return ", ".join(seen.values())


def has_tag(tags: str | None, tag: str) -> bool:
    """Whether comma-separated `tags` hold `tag` (Shopify matches tags case-insensitively)."""
    return tag.casefold() in {t.strip().casefold() for t in (tags or "").split(",")}


def unit_cost(variant: Mapping) -> float | None:
    """A bulk variant row's cost per unit (its inventory item's ``unitCost``), if set."""
    money = ((variant.get("inventoryItem") or {}).get("unitCost") or {}).get("amount")
    try:
        value = float(money)
    except (TypeError, ValueError):
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def group_children(rows: Iterable[Mapping]) -> list[dict]:
    """Top-level objects with their children under ``children`` (list per row kind).

    Children may come before their parent in the file; the result keeps parents in file
    order. Grandchildren hang under their own parent.
    """
    by_id: dict[str, dict] = {}
    waiting: dict[str, list[dict]] = {}
    roots: list[dict] = []
    for raw in rows:
        row = dict(raw)
        row["children"] = {}
        parent_id = row.pop("__parentId", None)
        if row.get("id"):
            by_id[str(row["id"])] = row
            for child in waiting.pop(str(row["id"]), []):
                row["children"].setdefault(kind_of(child.get("id")), []).append(child)
        if parent_id is None:
            roots.append(row)
        elif parent_id in by_id:
            by_id[parent_id]["children"].setdefault(kind_of(row.get("id")), []).append(row)
        else:
            waiting.setdefault(parent_id, []).append(row)
    return roots


# --- write-back --------------------------------------------------------------------------------

def metafield(owner_gid: str, key: str, type_: str, value: object) -> dict:
    """One `MetafieldsSetInput` in the Shelfwise namespace (value serialised for its type)."""
    if type_.startswith("list."):
        text = json.dumps(list(value))
    elif type_ == "number_integer":
        text = str(int(round(float(value))))
    elif type_ == "number_decimal":
        text = f"{float(value):.2f}"
    else:
        text = str(value)
    return {"ownerId": owner_gid, "namespace": NAMESPACE, "key": key, "type": type_,
            "value": text}


def set_metafields(api: ShopifyClient, shop: str, token: str, metafields: list[dict], *,
                   on_batch: Callable[[int], None] | None = None) -> int:
    """`metafieldsSet` in batches of 25 (each batch atomic); returns the number written."""
    written = 0
    for start in range(0, len(metafields), METAFIELDS_PER_CALL):
        batch = metafields[start:start + METAFIELDS_PER_CALL]
        data = api.graphql(shop, token, documents.METAFIELDS_SET, {"metafields": batch})
        errors = (data.get("metafieldsSet") or {}).get("userErrors") or []
        if errors:
            detail = "; ".join(f"{e.get('message')} (#{e.get('elementIndex')})"
                               for e in errors[:5])
            raise ShopifyError("user_errors", f"metafieldsSet: {detail}", 200)
        written += len(batch)
        if on_batch:
            on_batch(len(batch))
    return written


def ensure_definitions(api: ShopifyClient, shop: str, token: str) -> list[str]:
    """Create the Shelfwise metafield definitions; returns the keys created (TAKEN is fine)."""
    created = []
    for spec in DEFINITIONS:
        definition = {**spec, "namespace": NAMESPACE, "pin": True,
                      "access": {"admin": "MERCHANT_READ", "storefront": "PUBLIC_READ"}}
        data = api.graphql(shop, token, documents.METAFIELD_DEFINITION_CREATE,
                           {"definition": definition}, idempotent=False)
        payload = data.get("metafieldDefinitionCreate") or {}
        errors = [e for e in payload.get("userErrors") or [] if e.get("code") != "TAKEN"]
        if errors:
            detail = "; ".join(str(e.get("message")) for e in errors)
            raise ShopifyError("user_errors", f"metafieldDefinitionCreate: {detail}", 200)
        if payload.get("createdDefinition"):
            created.append(spec["key"])
    return created


def owns(api: ShopifyClient, shop: str, token: str, gid: str, kind: str) -> bool:
    """Whether the shop has `gid` and it is a `kind` (``Product``, ``InventoryItem``):
    `node(id:)` is null for another shop's object. A webhook body does not name its shop,
    so an id the app has not seen for this shop is checked here before it is stored."""
    node = (api.graphql(shop, token, documents.NODE_OWNED, {"id": gid}) or {}).get("node")
    return bool(node) and node.get("__typename") == kind


def access_scopes(api: ShopifyClient, shop: str, token: str) -> set[str]:
    """The scopes granted to the app on the shop (e.g. ``read_all_orders``)."""
    data = api.graphql(shop, token, documents.APP_ACCESS_SCOPES)
    install = data.get("currentAppInstallation") or {}
    return {str(s.get("handle")) for s in install.get("accessScopes") or []}


def shop_country(api: ShopifyClient, shop: str, token: str) -> str | None:
    """The ISO code of the country of the shop's address (``US``, ``DE``), or None when the
    address names none: whose public holidays explain the shop's unusual days."""
    data = api.graphql(shop, token, documents.SHOP_COUNTRY)
    address = (data.get("shop") or {}).get("shopAddress") or {}
    return address.get("countryCodeV2") or None
