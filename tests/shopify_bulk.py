"""Bulk operations, a store's data and metafields for the Shopify stand-in (issue 7).

`BulkStandIn` extends `tests.shopify_standin.ShopifyStandIn` without changing it: every
document still goes through its validation against the real Admin schema. It adds

* a store (`StoreData`: products, variants, inventory levels, orders with line items) that
  the ``products``, ``orders`` and ``inventoryItems`` connections read;
* ``bulkOperationRunQuery``: the inner query is validated against the schema too, then
  executed with graphql-core in a background thread and flattened to JSON Lines the way
  Shopify does (nested connection nodes on their own lines with ``__parentId``; here every
  other parent's children are written *before* it, as Shopify allows); ``bulkOperation(id:)``
  reports RUNNING until the file is ready and ``bulk_delay`` has passed; one bulk query per
  shop at a time (``OPERATION_IN_PROGRESS``); the file is served at ``/bulk/<n>.jsonl``;
* ``currentAppInstallation.accessScopes`` (`scopes`; without ``read_all_orders`` only the
  last 60 days of orders are visible, as on Shopify);
* ``tagsAdd`` and ``tagsRemove`` on any id (orders, customers), kept in ``tags``;
* ``metafieldsSet`` (at most 25 per call, values checked against their type, owners and
  product references must exist) and ``metafieldDefinitionCreate`` (``TAKEN`` on repeat).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from graphql import execute, parse
from werkzeug.wrappers import Request, Response

from tests.shopify_standin import ShopifyStandIn, admin_schema, document_errors

FULL_SCOPES = ("read_orders", "write_orders", "read_products", "write_products",
               "read_inventory", "read_all_orders", "write_customers")


@dataclass
class StoreData:
    """A store in GraphQL shapes (ids are global ids)."""

    products: list[dict] = field(default_factory=list)  # with "variants": [variant dicts]
    levels: dict[str, list[dict]] = field(default_factory=dict)  # inventory item gid -> levels
    orders: list[dict] = field(default_factory=list)  # with "lineItems": [line dicts]


def make_store(n_orders: int = 300, n_products: int = 20, variants_per_product: int = 2, *,
               days: int = 180, seed: int = 0, now: datetime | None = None,
               fraud_share: float = 0.01, perishable: tuple[int, ...] = ()) -> StoreData:
    """A synthetic store: products sold in pairs (so upsell finds them), a weekly rhythm.

    Products numbered in `perishable` carry the ``Perishable`` tag (any case matches) and
    their inventory items a unit cost of 40% of the price, except the first's (no cost)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    store = StoreData()
    variant_ids = []
    for p in range(1, n_products + 1):
        variants = []
        for v in range(1, variants_per_product + 1):
            vid = p * 100 + v
            item = f"gid://shopify/InventoryItem/{vid}"
            variants.append({"id": f"gid://shopify/ProductVariant/{vid}",
                             "title": f"Size {v}", "sku": f"SKU-{p}-{v}",
                             "price": f"{5 + p % 17 + v:.2f}", "inventoryQuantity": 0,
                             "inventoryItem": {"id": item, "unitCost": None}})
            if p in perishable[1:]:
                variants[-1]["inventoryItem"]["unitCost"] = {
                    "amount": f"{0.4 * float(variants[-1]['price']):.2f}",
                    "currencyCode": "EUR"}
            store.levels[item] = [{"id": f"gid://shopify/InventoryLevel/{vid}{loc}"
                                         f"?inventory_item_id={vid}",
                                   "updatedAt": _iso(now),
                                   "location": {"id": f"gid://shopify/Location/{loc}"},
                                   "quantities": [{"name": "available",
                                                   "quantity": rng.randint(0, 40)}]}
                                  for loc in (1, 2)]
            variants[-1]["inventoryQuantity"] = sum(
                lv["quantities"][0]["quantity"] for lv in store.levels[item])
            variant_ids.append((p, vid))
        store.products.append({"id": f"gid://shopify/Product/{p}", "title": f"Product {p}",
                               "handle": f"product-{p}", "status": "ACTIVE",
                               "tags": ["Perishable", "bakery"] if p in perishable else [],
                               "updatedAt": _iso(now), "variants": variants})
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(variant_ids))]
    line_id = 1
    for o in range(1, n_orders + 1):
        age = days * (1 - (o - 1) / max(n_orders, 1))
        created = now - timedelta(days=age, minutes=rng.randint(0, 600))
        first = rng.choices(range(len(variant_ids)), weights)[0]
        picks = {first}
        if rng.random() < 0.6:  # the partner product: the next one, same size
            picks.add((first + variants_per_product) % len(variant_ids))
        while rng.random() < 0.3 and len(picks) < 5:
            picks.add(rng.choices(range(len(variant_ids)), weights)[0])
        lines = []
        for k in sorted(picks):
            p, vid = variant_ids[k]
            qty = rng.choice((1, 1, 1, 2, 3))
            lines.append({"id": f"gid://shopify/LineItem/{line_id}", "quantity": qty,
                          "currentQuantity": qty, "title": f"Product {p}",
                          "originalUnitPriceSet": {"shopMoney": {"amount": "10.00"}},
                          "product": {"id": f"gid://shopify/Product/{p}"},
                          "variant": {"id": f"gid://shopify/ProductVariant/{vid}"}})
            line_id += 1
        fraud = rng.random() < fraud_share
        cid = rng.randint(1, max(n_orders // 3, 2))
        store.orders.append({
            "id": f"gid://shopify/Order/{o}", "name": f"#{1000 + o}", "createdAt": _iso(created),
            "cancelledAt": _iso(created + timedelta(days=2)) if fraud else None,
            "cancelReason": "FRAUD" if fraud else None, "email": f"c{cid}@example.com",
            "clientIp": f"203.0.113.{cid % 250}", "test": False, "tags": [],
            "currencyCode": "EUR",
            "totalPriceSet": {"shopMoney": {"amount": f"{10.0 * sum(li['quantity'] for li in lines):.2f}",  # noqa: E501
                                            "currencyCode": "EUR"}},
            "customer": {"id": f"gid://shopify/Customer/{cid}", "numberOfOrders": "3",
                         "createdAt": _iso(created - timedelta(days=30))},
            "billingAddress": {"countryCodeV2": "DE"},
            "shippingAddress": {"countryCodeV2": "DE" if not fraud else "NG"},
            "lineItems": lines})
    return store


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _connection(nodes) -> dict:
    return {"edges": [{"node": n, "cursor": str(i)} for i, n in enumerate(nodes)],
            "nodes": list(nodes), "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}


class BulkStandIn(ShopifyStandIn):
    """`ShopifyStandIn` with a store, bulk operations and metafields (see module doc)."""

    def __init__(self, *args, store: StoreData | None = None, bulk_delay: float = 0.0,
                 scopes=FULL_SCOPES, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store or StoreData()
        self.bulk_delay = bulk_delay
        self.scopes = tuple(scopes)
        self.bulk_ops: dict[str, dict] = {}
        self.bulk_queries: list[str] = []
        self.metafields: dict[tuple[str, str, str], dict] = {}
        self.definitions: dict[tuple[str, str, str], dict] = {}
        self.metafield_batches: list[int] = []
        self.fail_bulk_next = False  # the next bulk operation ends FAILED
        self.store_shops: set[str] | None = None  # the shops the store is; None: every shop
        self._files: dict[str, bytes] = {}
        self._bulk_n = 0

    # --- HTTP: the result files ------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        match = re.fullmatch(r"/bulk/(\d+)\.jsonl", request.path)
        if request.method == "GET" and match:
            body = self._files.get(match.group(1))
            response = Response(body, mimetype="application/jsonl") if body is not None \
                else Response("gone", 404)
            return response(environ, start_response)
        return super()._wsgi(environ, start_response)

    # --- GraphQL roots --------------------------------------------------------------------

    def owned_by(self, shop: str) -> set[str]:
        """The store's products and inventory items (when it is this shop's), and any added."""
        mine = set(super().owned_by(shop))
        if self.store_shops is None or shop in self.store_shops:
            mine.update(p["id"] for p in self.store.products)
            mine.update(self.store.levels)
        return mine

    def _root(self, shop: str) -> dict:
        root = super()._root(shop)
        root.update(self._data_root(shop))
        standin = self

        def run_query(info, query, groupObjects=False):
            errors = document_errors(query)
            if errors:
                return {"bulkOperation": None, "userErrors": [
                    {"field": ["query"], "message": f"Invalid bulk query: {errors[0]}",
                     "code": "INVALID"}]}
            with standin.lock:
                if any(op["shop"] == shop and op["status"] in ("CREATED", "RUNNING")
                       for op in standin.bulk_ops.values()):
                    return {"bulkOperation": None, "userErrors": [
                        {"field": None, "code": "OPERATION_IN_PROGRESS", "message":
                         "A bulk query operation for this app and shop is already in "
                         "progress"}]}
                standin._bulk_n += 1
                n = str(standin._bulk_n)
                op = {"id": f"gid://shopify/BulkOperation/{n}", "n": n, "shop": shop,
                      "status": "RUNNING", "query": query, "ready_at": time.monotonic() +
                      standin.bulk_delay, "built": False, "objectCount": "0",
                      "rootObjectCount": "0", "size": 0, "createdAt": _iso(datetime.now(UTC)),
                      "fail": standin.fail_bulk_next}
                standin.fail_bulk_next = False
                standin.bulk_ops[op["id"]] = op
                standin.bulk_queries.append(query)
                standin.mutations.append({"shop": shop, "name": "bulkOperationRunQuery",
                                          "variables": {"query": query}})
            threading.Thread(target=standin._build, args=(op,), daemon=True).start()
            return {"bulkOperation": standin._op_view(op), "userErrors": []}

        def bulk_operation(info, id):
            op = standin.bulk_ops.get(id)
            return None if op is None or op["shop"] != shop else standin._op_view(op)

        def current_bulk_operation(info, type="QUERY"):
            ops = [op for op in standin.bulk_ops.values() if op["shop"] == shop]
            return standin._op_view(ops[-1]) if ops else None

        def metafields_set(info, metafields):
            return standin._metafields_set(shop, metafields)

        def definition_create(info, definition):
            ns = standin._namespace(definition.get("namespace") or "$app")
            key = (definition["ownerType"], ns, definition["key"])
            with standin.lock:
                standin.mutations.append({"shop": shop, "name": "metafieldDefinitionCreate",
                                          "variables": definition})
                if key in standin.definitions:
                    return {"createdDefinition": None, "userErrors": [
                        {"field": ["definition", "key"], "code": "TAKEN",
                         "message": "Key is in use for Product metafields on the 'x' "
                                    "namespace."}]}
                standin.definitions[key] = dict(definition)
            return {"createdDefinition": {"id": f"gid://shopify/MetafieldDefinition/"
                                                f"{len(standin.definitions)}",
                                          "key": definition["key"], "namespace": ns},
                    "userErrors": []}

        def tags_add(info, id, tags):  # on orders and customers (segment tags, issue 8)
            with standin.lock:
                standin.tags[id].update(tags)
                standin.mutations.append({"shop": shop, "name": "tagsAdd",
                                          "variables": {"id": id, "tags": tags}})
            return {"node": {"__typename": _typename(id), "id": id}, "userErrors": []}

        def tags_remove(info, id, tags):
            with standin.lock:
                standin.tags[id].difference_update(tags)
                standin.mutations.append({"shop": shop, "name": "tagsRemove",
                                          "variables": {"id": id, "tags": tags}})
            return {"node": {"__typename": _typename(id), "id": id}, "userErrors": []}

        root.update({
            "tagsAdd": tags_add,
            "tagsRemove": tags_remove,
            "currentAppInstallation": {"id": "gid://shopify/AppInstallation/1",
                                       "accessScopes": [{"handle": h, "description": h}
                                                        for h in self.scopes]},
            "bulkOperationRunQuery": run_query,
            "bulkOperation": bulk_operation,
            "currentBulkOperation": current_bulk_operation,
            "metafieldsSet": metafields_set,
            "metafieldDefinitionCreate": definition_create,
        })
        return root

    def _data_root(self, shop: str) -> dict:
        store = self.store
        window = None if "read_all_orders" in self.scopes else \
            datetime.now(UTC).replace(tzinfo=None) - timedelta(days=60)

        def products(info, **kwargs):
            return _connection([{**p, "variants": _connection(p["variants"])}
                                for p in store.products])

        def orders(info, query=None, **kwargs):
            since = window
            match = re.search(r"created_at:>=(\d{4}-\d{2}-\d{2})", query or "")
            if match:
                asked = datetime.fromisoformat(match.group(1))
                since = asked if since is None else max(since, asked)
            chosen = [o for o in store.orders if since is None or
                      datetime.fromisoformat(o["createdAt"].rstrip("Z")) >= since]
            return _connection([{**o, "lineItems": _connection(o["lineItems"])}
                                for o in chosen])

        def inventory_items(info, **kwargs):
            return _connection([{"id": item, "inventoryLevels": _connection(levels)}
                                for item, levels in store.levels.items()])

        return {"products": products, "orders": orders, "inventoryItems": inventory_items}

    # --- bulk operations --------------------------------------------------------------------

    def _op_view(self, op: dict) -> dict:
        with self.lock:
            if op["status"] == "RUNNING" and op["built"] and time.monotonic() >= op["ready_at"]:
                op["status"] = "FAILED" if op["fail"] else "COMPLETED"
                op["completedAt"] = _iso(datetime.now(UTC))
            done = op["status"] == "COMPLETED"
            return {"__typename": "BulkOperation", "id": op["id"], "status": op["status"],
                    "errorCode": "INTERNAL_SERVER_ERROR" if op["status"] == "FAILED" else None,
                    "objectCount": op["objectCount"], "rootObjectCount": op["rootObjectCount"],
                    "url": f"{self.origin}/bulk/{op['n']}.jsonl" if done and op["size"] else None,
                    "partialDataUrl": None, "createdAt": op["createdAt"],
                    "completedAt": op.get("completedAt"), "query": op["query"],
                    "type": "QUERY", "fileSize": str(op.get("size", 0))}

    def _build(self, op: dict) -> None:
        result = execute(admin_schema(), parse(op["query"]),
                         root_value=self._data_root(op["shop"]))
        if result.errors:
            raise AssertionError(f"bulk query failed in the stand-in: {result.errors}")
        rows, roots = [], 0
        for value in (result.data or {}).values():
            roots += _flatten(value, None, rows)
        body = "".join(json.dumps(r) + "\n" for r in rows).encode()
        with self.lock:
            self._files[op["n"]] = body
            op.update(objectCount=str(len(rows)), rootObjectCount=str(roots), size=len(body),
                      built=True)

    def finish_payload(self, op_gid: str) -> dict:
        """The `bulk_operations/finish` webhook body for an operation."""
        op = self._op_view(self.bulk_ops[op_gid])
        return {"admin_graphql_api_id": op_gid, "completed_at": op["completedAt"],
                "created_at": op["createdAt"], "error_code": None,
                "status": op["status"].lower(), "type": "query"}

    def wait_built(self, op_gid: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.bulk_ops[op_gid]["built"]:
            if time.monotonic() > deadline:
                raise TimeoutError(op_gid)
            time.sleep(0.01)

    # --- metafields -------------------------------------------------------------------------

    def _namespace(self, namespace: str) -> str:
        if namespace.startswith("$app"):
            rest = namespace[4:].lstrip(":")
            return f"app--{self.api_key}" + (f"--{rest}" if rest else "")
        return namespace

    def _metafields_set(self, shop: str, metafields: list[dict]) -> dict:
        if len(metafields) > 25:
            return {"metafields": None, "userErrors": [
                {"field": ["metafields"], "code": "LESS_THAN_OR_EQUAL_TO", "elementIndex": None,
                 "message": "Exceeds the maximum input size of 25 metafields"}]}
        owners = {p["id"] for p in self.store.products} | \
            {v["id"] for p in self.store.products for v in p["variants"]}
        product_ids = {p["id"] for p in self.store.products}
        errors = []
        for i, m in enumerate(metafields):
            problem = _check_value(m.get("type") or "", m["value"], product_ids)
            if m["ownerId"] not in owners:
                problem = "Owner does not exist."
            if problem:
                errors.append({"field": ["metafields", str(i), "value"], "code": "INVALID_VALUE",
                               "elementIndex": i, "message": problem})
        with self.lock:
            self.mutations.append({"shop": shop, "name": "metafieldsSet",
                                   "variables": {"count": len(metafields)}})
            if errors:  # atomic: nothing is written
                return {"metafields": None, "userErrors": errors}
            self.metafield_batches.append(len(metafields))
            out = []
            for m in metafields:
                ns = self._namespace(m.get("namespace") or "$app")
                self.metafields[(m["ownerId"], ns, m["key"])] = {"type": m["type"],
                                                                 "value": m["value"]}
                out.append({"id": f"gid://shopify/Metafield/{len(self.metafields)}",
                            "key": m["key"], "namespace": ns})
        return {"metafields": out, "userErrors": []}

    def metafield(self, owner: str, key: str) -> dict | None:
        return self.metafields.get((owner, self._namespace("$app:shelfwise"), key))


def _typename(gid: str) -> str:
    return gid.split("?", 1)[0].rstrip("/").split("/")[-2]


def _check_value(type_: str, value: str, product_ids: set[str]) -> str | None:
    try:
        if type_ == "number_integer":
            int(value)
        elif type_ == "number_decimal":
            float(value)
        elif type_ == "list.product_reference":
            refs = json.loads(value)
            if not isinstance(refs, list) or any(r not in product_ids for r in refs):
                return "Value must be a list of existing product ids."
        else:
            return f"Type {type_!r} is not one Shelfwise writes."
    except (TypeError, ValueError):
        return f"Value {value!r} is not a valid {type_}."
    return None


def _nodes(connection: dict) -> list[dict]:
    if connection.get("edges") is not None:
        return [e["node"] for e in connection["edges"]]
    return list(connection.get("nodes") or [])


def _is_connection(value) -> bool:
    return isinstance(value, dict) and ("edges" in value or "nodes" in value)


def _flatten(connection: dict, parent_id: str | None, rows: list[dict]) -> int:
    """JSON Lines rows of a connection as Shopify writes them; every other parent's
    children come before it. Returns the number of nodes at this level."""
    nodes = _nodes(connection)
    for i, node in enumerate(nodes):
        node = dict(node)
        children = [node.pop(k) for k in list(node) if _is_connection(node[k])]
        if parent_id is not None:
            node["__parentId"] = parent_id
        below: list[dict] = []
        for child in children:
            _flatten(child, node["id"], below)
        if i % 2:
            rows.extend(below)
            rows.append(node)
        else:
            rows.append(node)
            rows.extend(below)
    return len(nodes)
