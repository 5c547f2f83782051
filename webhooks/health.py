"""`GET /healthz`: 200 with ``{"database": "ok", "queue": "ok"}`` when both answer."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from webhooks.queue import huey
from webhooks.storage import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report, healthy = {}, True
    try:
        with db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as err:  # any driver error means "not answering"
        report["database"], healthy = f"error: {type(err).__name__}", False
    try:
        huey.pending_count()
        report["queue"] = "ok"
    except Exception as err:
        report["queue"], healthy = f"error: {type(err).__name__}", False
    return report, 200 if healthy else 503
