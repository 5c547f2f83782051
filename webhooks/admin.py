"""The embedded admin (App Home): App Bridge session tokens, token exchange, a summary.

Opening the app in the Shopify admin gives a session token (``id_token``); the first
visit exchanges it for an expiring offline token (managed installation), stored sealed.
JSON endpoints under ``/api/`` take the session token as ``Authorization: Bearer``.
"""

from __future__ import annotations

import html
import json
import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy import func, select

from connectors.shopify import ShopifyError, Unauthorized
from webhooks import shops
from webhooks.shopify_hooks import as_shopify_req, shopify_app
from webhooks.storage import Assessment, DataExport, db

bp = Blueprint("admin", __name__)
log = logging.getLogger("shelfwise.admin")
PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"


def _respond(res) -> Response:
    return Response(res.body or "", status=res.status, headers=dict(res.headers or {}))


def _verified():
    """(result, None) for a valid session token, else (None, the response to send)."""
    result = shopify_app().verify_app_home_req(as_shopify_req(request), PATCH_ID_TOKEN_PATH)
    if not result.ok:
        log.info("app home request refused: %s", result.log.code)
        return None, _respond(result.response)
    return result, None


def _ensure_token(result) -> None:
    """Exchange the session token when the shop has no usable offline token (any more)."""
    try:
        shops.access_token(result.shop)  # refreshes an expiring token when due
        return
    except Unauthorized:  # none yet, uninstalled, or the refresh token expired
        pass
    token = shops.client().exchange(result.id_token)
    with db().session() as session:
        shops.save_token(session, result.shop, token, shops.EXPIRING)
    log.info("installed on %s by token exchange", result.shop)


@bp.get("/")
def home():
    result, refusal = _verified()
    if refusal is not None:
        return refusal
    try:
        _ensure_token(result)
    except ShopifyError as err:
        return f"Shopify refused the installation ({err.code}); reload to try again.", 502
    counts = _counts(result.shop)
    rows = "".join(f"<li>{html.escape(level)}: {n}</li>" for level, n in sorted(counts.items()))
    page = (f"<!doctype html><html><head><meta charset='utf-8'>"
            f"<meta name='shopify-api-key' content='{html.escape(current_app.config.get('SHOPIFY_API_KEY') or '')}'>"  # noqa: E501
            "<script src='https://cdn.shopify.com/shopifycloud/app-bridge.js'></script>"
            "<title>Shelfwise</title></head><body><h1>Shelfwise fraud checks</h1>"
            "<p>Every new order is scored; risky ones are tagged "
            "<code>shelfwise-risk-medium</code> or <code>shelfwise-risk-high</code>.</p>"
            f"<ul>{rows or '<li>No order assessed yet.</li>'}</ul></body></html>")
    return page


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token():
    return _respond(shopify_app().app_home_patch_id_token(as_shopify_req(request)).response)


def _counts(shop: str) -> dict[str, int]:
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            return {}
        pairs = session.execute(select(Assessment.risk_level, func.count()).where(
            Assessment.shop_id == row.id, Assessment.state == "written")
            .group_by(Assessment.risk_level)).all()
    return {str(level): int(n) for level, n in pairs}


@bp.get("/api/assessments")
def assessments():
    """The shop's latest assessments (session token in ``Authorization: Bearer``)."""
    result, refusal = _verified()
    if refusal is not None:
        return refusal
    with db().session() as session:
        row = shops.get_shop(session, result.shop)
        items = [] if row is None else session.scalars(
            select(Assessment).where(Assessment.shop_id == row.id, Assessment.state == "written")
            .order_by(Assessment.id.desc()).limit(100)).all()
        return {"assessments": [{"order_id": a.order_id, "score": a.score,
                                 "risk_level": a.risk_level, "reasons": a.reasons,
                                 "tags": a.tags} for a in items]}


@bp.get("/api/data-requests")
def data_requests():
    """Customer data gathered for `customers/data_request` webhooks, for the merchant."""
    result, refusal = _verified()
    if refusal is not None:
        return refusal
    with db().session() as session:
        row = shops.get_shop(session, result.shop)
        items = [] if row is None else session.scalars(
            select(DataExport).where(DataExport.shop_id == row.id)).all()
        return {"data_requests": [{"request_id": e.request_id, "customer_id": e.customer_id,
                                   "created_at": e.created_at.isoformat() + "Z",
                                   "content": json.loads(e.content)} for e in items]}
