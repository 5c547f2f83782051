"""A local Shopify stand-in: a real HTTP server on loopback for the app's Admin API calls.

Every GraphQL document is parsed and validated against the real Admin schema
(`tests/data/shopify/admin-2026-04.nodesc.graphql`) and executed with graphql-core, so the
answers have the schema's shape. It can throttle (``THROTTLED`` with ``extensions.cost``)
and fail (5xx) on demand, records every mutation, and serves ``/admin/oauth/access_token``
for token exchange, refresh and client credentials. Point the app at it with
``SHELFWISE_SHOPIFY_ORIGIN=standin.origin``.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import threading
import time
from collections import defaultdict
from pathlib import Path

import jwt
from graphql import build_schema, execute, parse, validate
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "shopify" / "admin-2026-04.nodesc.graphql"
API_VERSION = "2026-04"


@functools.lru_cache(maxsize=1)
def admin_schema():
    """The Admin schema, built once; its cached strict-check errors cleared (FIELD_NOTES)."""
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True)
    schema._validation_errors = []
    return schema


def document_errors(query: str) -> list[str]:
    """Messages of everything wrong with a document for the Admin schema ([] when valid)."""
    try:
        document = parse(query)
    except Exception as err:  # GraphQLSyntaxError
        return [str(err)]
    return [e.message for e in validate(admin_schema(), document)]


class ShopifyStandIn:
    """The stand-in server and what it saw.

    Parameters
    ----------
    api_key, api_secret : str
        The app's credentials, checked on the token endpoint.
    bucket_size, restore_rate : float
        The cost bucket per shop (points and points per second).
    country : str or None, default="US"
        ``shop.shopAddress.countryCodeV2`` of every shop (None: an address without one).
    """

    def __init__(self, api_key: str, api_secret: str, *, bucket_size: float = 1000.0,
                 restore_rate: float = 100.0, token_ttl: int = 3600,
                 country: str | None = "US"):
        self.api_key, self.api_secret = api_key, api_secret
        self.country = country
        self.bucket_size, self.restore_rate, self.token_ttl = bucket_size, restore_rate, token_ttl
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # access token -> shop domain
        self.refresh_tokens: dict[str, str] = {}
        self.mutations: list[dict] = []
        self.assessments: dict[str, list[dict]] = defaultdict(list)  # order gid -> assessments
        self.tags: dict[str, set[str]] = defaultdict(set)
        self.payment_details: dict[str, dict] = {}  # order gid -> CardPaymentDetails
        self.owned: dict[str, set[str]] = defaultdict(set)  # shop -> gids `node(id:)` finds
        self.rejected: list[dict] = []  # documents that failed validation
        self.calls: list[dict] = []
        self.token_requests: list[dict] = []
        self._bucket: dict[str, tuple[float, float]] = {}
        self._throttle_next = 0
        self._fail_next: list[int] = []
        self._fail_after_apply = 0
        self.fail_field: dict[str, int] = {}  # field name -> documents with it still to fail
        self.fail_every = 0  # every Nth GraphQL call answers 503 (0: never)
        self.error_field: dict[str, str] = {}  # field name -> GraphQL error code to answer
        self.token_gate: threading.Event | None = None  # token endpoint waits for it
        self.throttle_every = 0  # every Nth GraphQL call answers THROTTLED
        self._n = 0
        self._docs: dict[str, object] = {}
        self._server = None
        self._thread = None
        self.origin = ""

    # --- control --------------------------------------------------------------------------

    def start(self) -> ShopifyStandIn:
        admin_schema()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_token(self, shop: str, token: str | None = None) -> str:
        """Accept `token` (a new one when None) for `shop`."""
        token = token or "shpat_" + secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = _domain(shop)
        return token

    def throttle_next(self, n: int = 1) -> None:
        with self.lock:
            self._throttle_next += n

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        with self.lock:
            self._fail_next.extend([status] * n)

    def fail_after_apply(self, n: int = 1) -> None:
        """The next `n` mutations are applied, then answered 502 (an ambiguous failure)."""
        with self.lock:
            self._fail_after_apply += n

    def revoke(self, token: str) -> None:
        """Forget `token` (the merchant uninstalled, or Shopify rotated it)."""
        with self.lock:
            self.tokens.pop(token, None)

    def mutation_count(self, name: str) -> int:
        with self.lock:
            return sum(1 for m in self.mutations if m["name"] == name)

    # --- HTTP -----------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.method == "POST" and request.path == "/admin/oauth/access_token":
            response = self._token(request)
        elif request.method == "POST" and request.path == f"/admin/api/{API_VERSION}/graphql.json":
            response = self._graphql(request)
        elif request.method == "POST" and request.path.endswith("/graphql.json"):
            response = _json({"errors": "Not Found (API version)"}, 404)
        else:
            response = Response("not found", 404)
        return response(environ, start_response)

    def _shop(self, request: Request) -> str:
        return _domain(request.host.split(":")[0])

    def _graphql(self, request: Request) -> Response:
        shop = self._shop(request)
        token = request.headers.get("X-Shopify-Access-Token", "")
        with self.lock:
            self._n += 1
            n = self._n
            known = self.tokens.get(token)
            fail = self._fail_next.pop(0) if self._fail_next else None
            if fail is None and self.fail_every and n % self.fail_every == 0:
                fail = 503
            throttle = self._throttle_next > 0 or (self.throttle_every and
                                                   n % self.throttle_every == 0)
            if self._throttle_next > 0:
                self._throttle_next -= 1
        if known != shop:
            return _json({"errors": "[API] Invalid API key or access token (unrecognized login "
                                    "or wrong password)"}, 401)
        if fail is not None:
            return _json({"errors": "Internal error"}, fail)
        try:
            payload = json.loads(request.get_data(as_text=True))
            query, variables = payload["query"], payload.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return _json({"errors": "Bad Request"}, 400)
        self.calls.append({"shop": shop, "query": query, "variables": variables})
        with self.lock:
            field = next((f for f, n in self.fail_field.items() if n > 0 and f in query), None)
            if field is not None:
                self.fail_field[field] -= 1
            code = next((c for f, c in self.error_field.items() if f in query), None)
        if field is not None:
            return _json({"errors": "Service unavailable"}, 503)
        if code is not None:  # e.g. ACCESS_DENIED: the same call can never succeed
            return _json({"errors": [{"message": f"{code.title()} (stand-in)",
                                      "extensions": {"code": code}}]})
        document = self._docs.get(query)
        if document is None:
            errors = document_errors(query)
            if errors:
                with self.lock:
                    self.rejected.append({"query": query, "errors": errors})
                return _json({"errors": [{"message": m} for m in errors]})
            document = self._docs[query] = parse(query)
        mutation = any(getattr(d, "operation", None) and d.operation.value == "mutation"
                       for d in document.definitions)
        cost = 10.0 if mutation else 3.0
        available = self._take(shop, cost, force_throttle=bool(throttle))
        cost_ext = {"requestedQueryCost": cost, "actualQueryCost": None if available is None
                    else cost, "throttleStatus": {
                        "maximumAvailable": self.bucket_size,
                        "currentlyAvailable": available if available is not None
                        else self._level(shop), "restoreRate": self.restore_rate}}
        if available is None:
            return _json({"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation":
                    "https://shopify.dev/api/usage/rate-limits"}}],
                          "extensions": {"cost": cost_ext}})
        result = execute(admin_schema(), document, root_value=self._root(shop),
                         variable_values=variables)
        if result.errors:
            with self.lock:
                self.rejected.append({"query": query, "errors": [str(e) for e in result.errors]})
            return _json({"errors": [{"message": str(e)} for e in result.errors]})
        with self.lock:
            ambiguous = mutation and self._fail_after_apply > 0
            if ambiguous:
                self._fail_after_apply -= 1
        if ambiguous:
            return _json({"errors": "Bad gateway"}, 502)
        return _json({"data": result.data, "extensions": {"cost": cost_ext}})

    def _level(self, shop: str) -> float:
        level, at = self._bucket.get(shop, (self.bucket_size, time.monotonic()))
        return min(self.bucket_size, level + (time.monotonic() - at) * self.restore_rate)

    def _take(self, shop: str, cost: float, *, force_throttle: bool) -> float | None:
        with self.lock:
            level = self._level(shop)
            if force_throttle or level < cost:
                self._bucket[shop] = (min(level, cost / 2), time.monotonic())
                return None
            self._bucket[shop] = (level - cost, time.monotonic())
            return level - cost

    # --- data -------------------------------------------------------------------------------

    def owned_by(self, shop: str) -> set[str]:
        """The object gids of the shop (products, inventory items) that `node(id:)` finds."""
        return self.owned[shop]

    def _root(self, shop: str) -> dict:
        standin = self

        def node(info, id):
            if id not in standin.owned_by(shop):
                return None  # Shopify: another shop's object, or none, is null
            return {"__typename": id.split("/")[3], "id": id}

        def order(info, id):
            details = standin.payment_details.get(id, {
                "avsResultCode": "Y", "cvvResultCode": "M", "bin": "424242",
                "number": "•••• •••• •••• 4242", "company": "Visa", "wallet": None})
            return {
                "__typename": "Order", "id": id,
                "transactions": lambda info, **kw: [{
                    "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments",
                    "paymentDetails": {"__typename": "CardPaymentDetails", **details}}],
                "risk": {"assessments": [
                    {"riskLevel": a["riskLevel"], "provider": {"apiKey": a["apiKey"]},
                     "facts": a["facts"]} for a in standin.assessments.get(id, [])],
                    "recommendation": "NONE"},
                "tags": sorted(standin.tags.get(id, set())),
            }

        def risk_create(info, orderRiskAssessmentInput):
            data = orderRiskAssessmentInput
            record = {"riskLevel": data["riskLevel"], "facts": data["facts"],
                      "apiKey": standin.api_key}
            with standin.lock:
                standin.assessments[data["orderId"]].append(record)
                standin.mutations.append({"shop": shop, "name": "orderRiskAssessmentCreate",
                                          "variables": data})
            return {"orderRiskAssessment": {"riskLevel": data["riskLevel"],
                                            "facts": data["facts"], "provider": None},
                    "userErrors": []}

        def tags_add(info, id, tags):
            with standin.lock:
                standin.tags[id].update(tags)
                standin.mutations.append({"shop": shop, "name": "tagsAdd",
                                          "variables": {"id": id, "tags": tags}})
            return {"node": {"__typename": "Order", "id": id}, "userErrors": []}

        return {
            "node": node,
            "order": order,
            "shop": {"id": "gid://shopify/Shop/1", "name": shop.split(".")[0].title(),
                     "myshopifyDomain": shop, "shopAddress": {"countryCodeV2": self.country}},
            "orderRiskAssessmentCreate": risk_create,
            "tagsAdd": tags_add,
        }

    # --- tokens -------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        shop = self._shop(request)
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            return _json({"error": "invalid_request"}, 400)
        self.token_requests.append({"shop": shop, "grant_type": body.get("grant_type")})
        if self.token_gate is not None:
            self.token_gate.wait(8)
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.api_secret:
            return _json({"error": "invalid_client"}, 401)
        grant = body.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            try:
                claims = jwt.decode(body.get("subject_token", ""), self.api_secret,
                                    algorithms=["HS256"], audience=self.api_key)
            except jwt.PyJWTError:
                return _json({"error": "invalid_subject_token"}, 400)
            if _domain(claims.get("dest", "")) != shop:
                return _json({"error": "invalid_subject_token"}, 400)
            return self._issue(shop, refresh=body.get("expiring") in ("1", 1, True))
        if grant == "refresh_token":
            with self.lock:
                owner = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if owner != shop:
                return _json({"error": "invalid_grant"}, 400)
            return self._issue(shop, refresh=True)
        if grant == "client_credentials":
            return self._issue(shop, refresh=False, expires=True)
        return _json({"error": "unsupported_grant_type"}, 400)

    def _issue(self, shop: str, *, refresh: bool, expires: bool | None = None) -> Response:
        token = self.add_token(shop)
        answer = {"access_token": token, "scope": "read_orders,write_orders"}
        if refresh or expires:
            answer["expires_in"] = self.token_ttl
        if refresh:
            refresh_token = "shprt_" + secrets.token_hex(16)
            with self.lock:
                self.refresh_tokens[refresh_token] = shop
            answer.update(refresh_token=refresh_token, refresh_token_expires_in=7776000)
        return _json(answer)


def _domain(shop: str) -> str:
    shop = shop.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    return shop if shop.endswith(".myshopify.com") else f"{shop}.myshopify.com"


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")
