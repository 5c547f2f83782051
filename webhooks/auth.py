"""Who is asking: App Bridge session tokens for every embedded page and JSON endpoint.

`session_token_required` is the one gate (as ``login_required`` in Flask's tutorial): it
verifies the session token (``id_token`` in the URL of a page, ``Authorization: Bearer``
from App Bridge's fetch), exchanges it for an offline token on a shop's first visit (or when
the stored token can no longer be used), and puts the shop on `g`. Every response it lets
through may be framed only by that shop's admin (``Content-Security-Policy:
frame-ancestors``). In demo mode the demo shop alone passes without a token.

`init_app` adds the request guards every page shares: trusted hosts behind a proxy, a cap on
the query string, and ``frame-ancestors 'none'`` on any response that names no shop.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, make_response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from connectors.shopify import ShopifyError, Unauthorized
from connectors.shopify.client import shop_domain
from webhooks import demo, shops
from webhooks.crypto import InvalidToken
from webhooks.shopify_hooks import as_shopify_req, shopify_app
from webhooks.storage import db

bp = Blueprint("auth", __name__)
log = logging.getLogger("shelfwise.auth")

PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"
MAX_QUERY_BYTES = 8192  # App Bridge URLs are well under 2 KiB; a session token is ~700 bytes
SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com")
ADMIN_ORIGIN = "https://admin.shopify.com"
MAX_TOKEN_SECONDS = 600  # a session token that stays valid longer than this is refused
LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\x00-\x20\x7f]*")
"""A path on this app: no scheme or host, and nothing a browser strips or bends into one
(``/\t/evil.com`` is read as ``//evil.com``)."""


def valid_shop(shop: str | None) -> str | None:
    """The shop's ``x.myshopify.com`` domain when `shop` is exactly one, else None."""
    if not shop:
        return None
    shop = shop.strip().lower()
    return shop if SHOP_DOMAIN.fullmatch(shop) else None


def frame_ancestors(shop: str) -> str:
    """The CSP that lets only this shop's admin frame a page (Shopify's requirement)."""
    return f"frame-ancestors https://{shop} {ADMIN_ORIGIN};"


def _refuse(message: str, status: int = 401, *, fetch: bool = False) -> Response:
    response = make_response(message, status)
    response.mimetype = "text/plain"
    if fetch:  # App Bridge retries a fetch once with a fresh token
        response.headers["X-Shopify-Retry-Invalid-Session-Request"] = "1"
    return response


def _relative(location: str) -> str:
    """A redirect target without scheme and host: never built from the Host header."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _claims_shop(claims: dict[str, Any]) -> str | None:
    """The shop a verified token is for, when its claims hold together; else None.

    shopifyapp checks the signature, ``aud``, ``nbf`` and ``exp`` when present; a token
    must also carry ``exp`` (no further ahead than `MAX_TOKEN_SECONDS`: Shopify's last a
    minute, so a far one is not Shopify's), and its issuer (``iss``, the shop's admin) must
    be the shop of its destination (``dest``).
    """
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool) \
            or exp > time.time() + MAX_TOKEN_SECONDS:
        return None
    dest = valid_shop(urlsplit(str(claims.get("dest", ""))).hostname)
    issuer = valid_shop(urlsplit(str(claims.get("iss", ""))).hostname)
    return dest if dest is not None and dest == issuer else None


def _ensure_offline_token(shop: str, id_token: Any) -> None:
    """Exchange the session token when the shop has no usable offline token.

    That is a new install, a token dropped at uninstall, an expired refresh token, or a
    token sealed under a secret key that is no longer configured.
    """
    try:
        if shops.access_token(shop):  # refreshes an expiring token when due
            return
    except (Unauthorized, InvalidToken):
        pass
    token = shops.client().exchange(id_token)
    with db().session() as session:
        shops.save_token(session, shop, token, shops.EXPIRING)
    log.info("installed on %s by token exchange", shop)


def _authenticate() -> Response | None:
    """Put the shop on `g`, or return the refusal to send."""
    asked = request.args.get("shop")
    if demo.is_demo(current_app.config, asked):
        g.shop, g.embedded, g.frame_headers = shop_domain(asked), False, {}
        return None
    if asked is not None and valid_shop(asked) is None:
        return _refuse("Not a Shopify shop.", 400)
    if not current_app.config.get("SHOPIFY_API_SECRET"):  # e.g. demo mode, another shop
        return _refuse("Open Shelfwise from your Shopify admin.")
    fetch = "Authorization" in request.headers
    try:
        result = shopify_app().verify_app_home_req(as_shopify_req(request), PATCH_ID_TOKEN_PATH)
    except (TypeError, ValueError, AttributeError) as err:  # claims of the wrong type
        log.info("session token refused: %s", type(err).__name__)
        return _refuse("Unauthorized", fetch=fetch)
    if not result.ok:
        log.info("session token refused: %s", result.log.code)
        res = result.response
        headers = dict(res.headers or {})
        if "Location" in headers:
            headers["Location"] = _relative(headers["Location"])
        return Response(res.body or "", status=res.status, headers=headers)
    shop = _claims_shop(result.id_token.claims)
    if shop is None or (asked is not None and valid_shop(asked) != shop):
        log.info("session token refused: claims do not name one shop")
        return _refuse("Unauthorized", fetch=fetch)
    g.shop, g.embedded = shop, True
    g.frame_headers = dict(result.response.headers or {})
    g.install_error = None
    try:
        _ensure_offline_token(shop, result.id_token)
    except ShopifyError as err:
        log.warning("token exchange for %s failed: %s", shop, err.code)
        g.install_error = err.code
    return None


def session_token_required(view: Callable) -> Callable:
    """Serve `view` only to a verified session token (or the demo shop in demo mode).

    Inside the view `g.shop` is the shop's domain, `g.embedded` says whether the page
    runs inside the Shopify admin, and `g.install_error` holds Shopify's error code when
    the first visit's token exchange failed.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        refusal = _authenticate()
        if refusal is not None:
            return refusal
        response = make_response(view(*args, **kwargs))
        response.headers.update(g.frame_headers)
        response.headers["Content-Security-Policy"] = frame_ancestors(g.shop)
        return response

    return wrapped


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token() -> Response:
    """The bounce page where App Bridge fetches a fresh session token and reloads.

    `shop` must be a shop domain (it becomes the frame-ancestors source) and
    `shopify-reload` a path on this app (it is where the page goes next).
    """
    shop = valid_shop(request.args.get("shop"))
    reload = request.args.get("shopify-reload", "")
    if shop is None or not LOCAL_PATH.fullmatch(reload):
        return _refuse("Bad Request", 400)
    if not current_app.config.get("SHOPIFY_API_SECRET"):  # demo mode: no Shopify app
        return _refuse("Open Shelfwise from your Shopify admin.", 404)
    res = shopify_app().app_home_patch_id_token(as_shopify_req(request)).response
    response = Response(res.body or "", status=res.status, headers=dict(res.headers or {}))
    response.headers["Content-Security-Policy"] = frame_ancestors(shop)
    return response


@bp.before_app_request
def _limit_query() -> None:
    if len(request.query_string) > MAX_QUERY_BYTES:
        abort(414)


@bp.after_app_request
def _no_framing_by_default(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none';")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint and the host checks.

    ``TRUSTED_HOSTS`` defaults to the host of ``APP_URL`` (``SHELFWISE_APP_URL``) and the
    loopback names (local health checks); with it set, the app trusts one proxy's
    ``X-Forwarded-Proto``/``-Host`` (ProxyFix), and a request for any other host is
    answered 400. Redirects are relative either way.
    """
    if not app.config.get("TRUSTED_HOSTS") and app.config.get("APP_URL"):
        host = urlsplit(str(app.config["APP_URL"])).hostname
        if host:
            app.config["TRUSTED_HOSTS"] = [host, "localhost", "127.0.0.1"]
    if app.config.get("TRUSTED_HOSTS"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.register_blueprint(bp)
