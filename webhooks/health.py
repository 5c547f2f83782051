"""`GET /healthz`: 200 with ``{"database": "ok", "queue": "ok"}`` when both answer and
take writes; otherwise 503 naming what failed (a read-only database file answers reads
but cannot record a single delivery, so reads alone prove nothing)."""

from __future__ import annotations

import time

from flask import Blueprint
from sqlalchemy import text

from webhooks.queue import huey
from webhooks.storage import db

bp = Blueprint("health", __name__)
PROBE_KEY = "shelfwise-health-probe"
PROBE_WAIT_MS, APP_WAIT_MS = 2000, 30000  # APP_WAIT_MS: storage.make_engine's busy timeout


def _database() -> None:
    """Read, then write a row and roll the write back (nothing is kept). On SQLite the
    write lock is waited for `PROBE_WAIT_MS` at most, not the app's 30 s."""
    with db().engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.dbapi_connection  # set outside SQLAlchemy: no BEGIN first
        if sqlite:
            raw.execute(f"PRAGMA busy_timeout={PROBE_WAIT_MS}")
        try:
            trans = conn.begin()
            try:
                conn.execute(text("SELECT 1"))
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                trans.rollback()
        finally:
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout={APP_WAIT_MS}")


def _queue() -> None:
    """Count pending tasks, then store and take back a value in the queue's storage."""
    huey.pending_count()
    huey.put(PROBE_KEY, time.time())
    huey.get(PROBE_KEY)


@bp.get("/healthz")
def healthz():
    report, healthy = {}, True
    for name, probe in (("database", _database), ("queue", _queue)):
        try:
            probe()
            report[name] = "ok"
        except Exception as err:  # any driver error means "not answering"
            report[name], healthy = f"error: {type(err).__name__}", False
    return report, 200 if healthy else 503
