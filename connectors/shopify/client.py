"""`ShopifyClient`: the Admin GraphQL API and token endpoints with timeouts, retries and pacing.

Built on Shopify's `shopifyapp` package, which signs nothing itself here but builds every
request: an injected `httpx.Client` adds timeouts and, when `origin` is set
(`SHELFWISE_SHOPIFY_ORIGIN`), sends every call to that origin on the same paths. Errors are
logged by shop and code, never with a token.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from shopify_app import ShopifyApp

from connectors.shopify import documents

log = logging.getLogger("shelfwise.shopify")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PERMANENT_STATUSES = frozenset({400, 403, 404, 405, 406, 413, 414, 422})
"""Answers that the same request will always get: a retry cannot help."""
TRANSIENT_CODES = frozenset({"THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE",
                             "TIMEOUT"})
"""GraphQL error codes (``extensions.code``) that a later try may not get."""


class ShopifyError(RuntimeError):
    """A Shopify call that failed after retries: `code` as shopifyapp names it, `status`."""

    def __init__(self, code: str, detail: str, status: int = 0, *, ambiguous: bool = False,
                 permanent: bool = False):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.ambiguous = ambiguous  # a mutation may have been applied (5xx/network)
        self.permanent = permanent  # the same call can never succeed: do not retry it


class Unauthorized(ShopifyError):  # noqa: N818 (reads as a state)
    """The token was refused (401): drop or refresh it."""


def shop_name(shop: str) -> str:
    """``x.myshopify.com``, ``https://x.myshopify.com/`` or ``x`` -> ``x`` (shopifyapp's form)."""
    shop = shop.strip().lower()
    if "://" in shop:
        shop = urlsplit(shop).netloc
    shop = shop.rstrip("/")
    return shop.removesuffix(".myshopify.com")


def shop_domain(shop: str) -> str:
    """Any form of a shop -> ``x.myshopify.com``."""
    return f"{shop_name(shop)}.myshopify.com"


class _OriginTransport(httpx.BaseTransport):
    """Send every request to `origin` (scheme, host, port), keeping path and query."""

    def __init__(self, origin: str, inner: httpx.BaseTransport):
        parts = urlsplit(origin)
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self._scheme, host=self._host,
                                            port=self._port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class ShopifyClient:
    """The Shopify Admin GraphQL API for every job and command.

    Parameters
    ----------
    api_key, api_secret : str
        The app's client id and secret (`SHOPIFY_API_KEY`, `SHOPIFY_API_SECRET`).
    api_version : str, default="2026-04"
        Admin API version (`SHELFWISE_API_VERSION`).
    origin : str or None
        Replaces ``https://{shop}.myshopify.com`` for every call (`SHELFWISE_SHOPIFY_ORIGIN`).
    timeout : float, default=10
        Seconds per HTTP request.
    max_attempts : int, default=6
        Tries per call on 429, 5xx and network errors.
    max_throttle_waits : int, default=30
        Waits for the cost bucket on ``THROTTLED`` (never applied, so always safe to retry).
    backoff : float, default=0.5
        First retry delay in seconds, doubled each time (with jitter).
    sleep : callable, default=time.sleep
        Injected in tests.
    http_client : httpx.Client or None
        Replaces the client built from `timeout` and `origin`.
    on_unauthorized : callable or None
        Called as ``on_unauthorized(shop_domain, token)`` when Shopify answers 401 to a
        token, so the caller can drop the dead token (the app's storage does).
    """

    def __init__(self, api_key: str, api_secret: str, *, api_version: str = "2026-04",
                 origin: str | None = None, timeout: float = 10.0, max_attempts: int = 6,
                 max_throttle_waits: int = 30, backoff: float = 0.5,
                 old_api_secret: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 http_client: httpx.Client | None = None,
                 on_unauthorized: Callable[[str, str], None] | None = None):
        self.app = ShopifyApp(client_id=api_key or "unset", client_secret=api_secret or "unset",
                              old_client_secret=old_api_secret)
        self.api_key = api_key
        self.api_version = api_version
        self.max_attempts = max(1, int(max_attempts))
        self.max_throttle_waits = max(1, int(max_throttle_waits))
        self.backoff = backoff
        self._sleep = sleep
        if http_client is None:
            inner = httpx.HTTPTransport(retries=0)
            transport = _OriginTransport(origin, inner) if origin else inner
            http_client = httpx.Client(transport=transport, timeout=httpx.Timeout(timeout))
        self.http = http_client
        self.on_unauthorized = on_unauthorized
        self._pace_lock = threading.Lock()
        self._pace_until: dict[str, float] = {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> ShopifyClient:
        """A client from Flask config keys (see `webhooks.settings`)."""
        return cls(str(config.get("SHOPIFY_API_KEY") or ""),
                   str(config.get("SHOPIFY_API_SECRET") or ""),
                   api_version=str(config.get("API_VERSION") or "2026-04"),
                   origin=config.get("SHOPIFY_ORIGIN") or None,
                   old_api_secret=config.get("SHOPIFY_API_SECRET_OLD") or None, **kwargs)

    # --- GraphQL --------------------------------------------------------------------------

    def graphql(self, shop: str, token: str, query: str, variables: dict | None = None, *,
                idempotent: bool = True) -> dict:
        """Run one document and return its ``data``.

        Retries 429, ``THROTTLED`` (waiting for the cost bucket to refill) and, when
        `idempotent`, 5xx and network errors. A mutation that is not idempotent is retried
        only when Shopify surely did not apply it; otherwise `ShopifyError.ambiguous` is set.
        """
        name = shop_name(shop)
        attempt = throttles = 0
        while True:
            self._wait_for_bucket(name)
            res = self.app.admin_graphql_request(
                query, shop=name, access_token=token, api_version=self.api_version,
                variables=variables, max_retries=0, http_client=self.http)
            if res.ok:
                self._pace(name, res.extensions)
                return res.data or {}
            status = _status(res)
            code = res.log.code
            body = _json(res.response.body) if status == 200 else {}
            if status == 401 or code == "unauthorized":
                log.warning("shopify %s: token refused (%s)", name, code)
                if self.on_unauthorized is not None:
                    try:
                        self.on_unauthorized(shop_domain(name), token)
                    except Exception:  # dropping the token must not hide the 401
                        log.exception("shopify %s: could not drop the refused token", name)
                raise Unauthorized(code, res.log.detail, 401)
            throttled = _throttled(body)
            if throttled is not None:  # never applied: wait for the bucket and go again
                throttles += 1
                wait = self._pace(name, throttled, throttled=True)
                log.info("shopify %s: THROTTLED, waiting %.2fs (%d)", name, wait, throttles)
                if throttles < self.max_throttle_waits:
                    continue
                raise ShopifyError("throttled", f"still throttled after {throttles} waits", 200)
            if status == 200:  # other GraphQL errors: the document or data is wrong
                errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
                messages = "; ".join(str(e.get("message")) for e in errors)
                log.error("shopify %s: GraphQL errors: %s", name, messages[:500])
                raise ShopifyError("graphql_errors", messages or res.log.detail, status,
                                   permanent=_permanent(errors))
            attempt += 1
            ambiguous = status != 429  # a 5xx or lost connection may follow the write
            transient = status in RETRY_STATUSES or status == 0
            if transient and attempt < self.max_attempts and (idempotent or not ambiguous):
                delay = self._delay(attempt, _retry_after(res))
                log.info("shopify %s: %s, retry in %.2fs (attempt %d)", name, code, delay,
                         attempt)
                self._sleep(delay)
                continue
            log.log(logging.INFO if transient else logging.ERROR,
                    "shopify %s: %s (HTTP %s) after %d attempt(s)", name, code, status, attempt)
            raise ShopifyError(code, res.log.detail, status, ambiguous=ambiguous,
                               permanent=status in PERMANENT_STATUSES)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        base = self.backoff * (2 ** (attempt - 1))
        if retry_after is not None:
            base = max(base, retry_after)
        return min(base, 30.0) * (1 + random.random() * 0.25)

    def _wait_for_bucket(self, name: str) -> None:
        with self._pace_lock:
            until = self._pace_until.get(name, 0.0)
        wait = until - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _pace(self, name: str, extensions: Mapping | None, *, throttled: bool = False) -> float:
        """From ``extensions.cost``: hold this shop's calls until the bucket can pay again."""
        cost = (extensions or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        try:
            available = float(status.get("currentlyAvailable"))
            restore = float(status.get("restoreRate")) or 50.0
            needed = float(cost.get("requestedQueryCost") or 0)
        except (TypeError, ValueError):
            available, restore, needed = 0.0, 50.0, 0.0
            if not throttled:
                return 0.0
        if throttled:
            wait = max(needed - available, 1.0) / restore
        elif available < needed:  # the next call of this size would be throttled
            wait = (needed - available) / restore
        else:
            return 0.0
        with self._pace_lock:
            self._pace_until[name] = max(self._pace_until.get(name, 0.0),
                                         time.monotonic() + wait)
        return wait

    # --- what Shelfwise writes -------------------------------------------------------------

    def payment_details(self, shop: str, token: str, order_gid: str) -> dict:
        """Card facts of an order in the webhook shape (``avs_result_code``...), or {}."""
        data = self.graphql(shop, token, documents.ORDER_PAYMENT_DETAILS, {"id": order_gid})
        order = data.get("order") or {}
        for transaction in order.get("transactions") or []:
            details = transaction.get("paymentDetails") or {}
            if details.get("avsResultCode") or details.get("cvvResultCode") or \
                    details.get("bin") or details.get("number"):
                return {
                    "avs_result_code": details.get("avsResultCode"),
                    "cvv_result_code": details.get("cvvResultCode"),
                    "credit_card_bin": details.get("bin"),
                    "credit_card_number": details.get("number"),
                    "credit_card_company": details.get("company"),
                }
        return {}

    def own_risk_level(self, shop: str, token: str, order_gid: str) -> str | None:
        """The level of the risk assessment this app wrote on the order, or None."""
        data = self.graphql(shop, token, documents.ORDER_RISK_ASSESSMENTS, {"id": order_gid})
        risk = ((data.get("order") or {}).get("risk") or {})
        for assessment in risk.get("assessments") or []:
            if (assessment.get("provider") or {}).get("apiKey") == self.api_key:
                return str(assessment.get("riskLevel"))
        return None

    def has_own_risk_assessment(self, shop: str, token: str, order_gid: str) -> bool:
        """True when this app already wrote a risk assessment on the order."""
        return self.own_risk_level(shop, token, order_gid) is not None

    def create_risk_assessment(self, shop: str, token: str, order_gid: str, level: str,
                               facts: list[dict]) -> None:
        """``orderRiskAssessmentCreate``: level and facts (description, sentiment)."""
        variables = {"input": {"orderId": order_gid, "riskLevel": level, "facts": facts[:20]}}
        for attempt in range(1, self.max_attempts + 1):
            try:
                data = self.graphql(shop, token, documents.ORDER_RISK_ASSESSMENT_CREATE,
                                    variables, idempotent=False)
            except ShopifyError as err:
                # A 5xx may come after Shopify wrote it: look before writing again.
                if not err.ambiguous or attempt == self.max_attempts:
                    raise
                self._sleep(self._delay(attempt, None))
                if self.has_own_risk_assessment(shop, token, order_gid):
                    return
                continue
            _user_errors(data, "orderRiskAssessmentCreate", ignore=("ORDER_ALREADY_FULFILLED",))
            return

    def add_tags(self, shop: str, token: str, gid: str, tags: list[str]) -> None:
        """``tagsAdd`` (idempotent: tags are a set)."""
        data = self.graphql(shop, token, documents.TAGS_ADD, {"id": gid, "tags": tags})
        _user_errors(data, "tagsAdd")

    def shop(self, shop: str, token: str) -> dict:
        """The shop's id, name and domain (checks a token)."""
        return self.graphql(shop, token, documents.SHOP).get("shop") or {}

    # --- tokens -----------------------------------------------------------------------------

    def exchange(self, id_token: Any) -> Any:
        """Token exchange of an App Bridge session token for an expiring offline token."""
        res = self.app.exchange_using_token_exchange("offline", id_token=id_token, expiring=True,
                                                     http_client=self.http)
        if not res.ok:
            log.warning("shopify %s: token exchange failed: %s", res.shop, res.log.code)
            raise ShopifyError(res.log.code, res.log.detail, res.response.status)
        return res.access_token

    def refresh(self, shop: str, refresh_token: str, expires: str | None,
                refresh_token_expires: str | None) -> Any:
        """A new access token for an expiring offline token (None when still valid)."""
        res = self.app.refresh_token_exchanged_access_token(
            {"shop": shop_name(shop), "refresh_token": refresh_token, "expires": expires or "",
             "refresh_token_expires": refresh_token_expires or "", "access_mode": "offline"},
            http_client=self.http)
        if not res.ok:
            log.warning("shopify %s: token refresh failed: %s", shop_name(shop), res.log.code)
            raise Unauthorized(res.log.code, res.log.detail, res.response.status)
        return res.access_token

    def client_credentials(self, shop: str) -> Any:
        """A token for a single store's custom app by the client credentials grant."""
        res = self.app.exchange_using_client_credentials(shop_name(shop), http_client=self.http)
        if not res.ok:
            log.warning("shopify %s: client credentials failed: %s", shop_name(shop),
                        res.log.code)
            raise Unauthorized(res.log.code, res.log.detail, res.response.status)
        return res.access_token

    def close(self) -> None:
        self.http.close()


def _status(res: Any) -> int:
    status = int(getattr(res.response, "status", 0) or 0)
    if res.log.code == "network_error":
        return 0
    return status


def _json(body: str | None) -> dict:
    try:
        value = json.loads(body or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _permanent(errors: list[Mapping]) -> bool:
    """True when no GraphQL error is of a kind a later try could escape (a bad document,
    a missing scope, an unknown id)."""
    codes = {str((e.get("extensions") or {}).get("code") or "") for e in errors
             if isinstance(e.get("extensions") or {}, Mapping)}
    return not (codes & TRANSIENT_CODES)


def _throttled(body: Mapping) -> Mapping | None:
    """The response's extensions when a GraphQL error is ``THROTTLED``, else None."""
    for error in body.get("errors") or []:
        if isinstance(error, Mapping) and \
                (error.get("extensions") or {}).get("code") == "THROTTLED":
            return body.get("extensions") or {}
    return None


def _retry_after(res: Any) -> float | None:
    for entry in reversed(getattr(res, "http_logs", None) or []):
        headers = {k.lower(): v for k, v in (getattr(entry.res, "headers", None) or {}).items()}
        if "retry-after" in headers:
            try:
                return float(headers["retry-after"])
            except ValueError:
                return None
    return None


def _user_errors(data: Mapping, field: str, ignore: tuple[str, ...] = ()) -> None:
    errors = [e for e in ((data.get(field) or {}).get("userErrors") or [])
              if e.get("code") not in ignore]
    if errors:
        detail = "; ".join(str(e.get("message")) for e in errors)
        raise ShopifyError("user_errors", f"{field}: {detail}", 200, permanent=True)
