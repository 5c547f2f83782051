"""The embedded admin (App Home) and its JSON endpoints, behind `session_token_required`.

Opening the app in the Shopify admin gives a session token (``id_token``); the first visit
exchanges it for an expiring offline token (managed installation), stored sealed. JSON
endpoints under ``/api/`` take the session token as ``Authorization: Bearer``.
"""

from __future__ import annotations

import json

from flask import Blueprint, g, render_template
from sqlalchemy import func, select

from webhooks import shops
from webhooks.auth import session_token_required
from webhooks.storage import Assessment, DataExport, db

bp = Blueprint("admin", __name__)


@bp.get("/")
@session_token_required
def home():
    """The App Home: how many orders were assessed at each risk level."""
    if g.install_error:
        return (f"Shopify refused the installation ({g.install_error}); reload to try again.",
                502)
    return render_template("home.html", counts=sorted(_counts(g.shop).items()),
                           embedded=g.embedded)


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
@session_token_required
def assessments():
    """The shop's latest assessments."""
    with db().session() as session:
        row = shops.get_shop(session, g.shop)
        items = [] if row is None else session.scalars(
            select(Assessment).where(Assessment.shop_id == row.id, Assessment.state == "written")
            .order_by(Assessment.id.desc()).limit(100)).all()
        return {"assessments": [{"order_id": a.order_id, "score": a.score,
                                 "risk_level": a.risk_level, "reasons": a.reasons,
                                 "tags": a.tags} for a in items]}


@bp.get("/api/data-requests")
@session_token_required
def data_requests():
    """Customer data gathered for `customers/data_request` webhooks, for the merchant."""
    with db().session() as session:
        row = shops.get_shop(session, g.shop)
        items = [] if row is None else session.scalars(
            select(DataExport).where(DataExport.shop_id == row.id)).all()
        return {"data_requests": [{"request_id": e.request_id, "customer_id": e.customer_id,
                                   "created_at": e.created_at.isoformat() + "Z",
                                   "content": json.loads(e.content)} for e in items]}
